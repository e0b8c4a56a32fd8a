//! The numbered events of each agent's stream.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::agent_events};
use crate::ids::{AgentId, EscalationId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agent_events)]
pub struct AgentEvent {
    pub id: i64,
    pub agent_id: AgentId,
    pub kind: String,
    pub data: String,
    pub at: NaiveDateTime,
}

pub fn record(conn: &mut DbConn, agent: AgentId, kind: &str, data: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::insert_into(agent_events::table)
        .values((
            agent_events::agent_id.eq(agent),
            agent_events::kind.eq(kind),
            agent_events::data.eq(data),
            agent_events::at.eq(at),
        ))
        .execute(conn)
}

/// The agent's events after `after`, oldest first.
pub fn since(conn: &mut DbConn, agent: AgentId, after: i64, limit: i64) -> QueryResult<Vec<AgentEvent>> {
    agent_events::table
        .filter(agent_events::agent_id.eq(agent))
        .filter(agent_events::id.gt(after))
        .order(agent_events::id.asc())
        .limit(limit)
        .select(AgentEvent::as_select())
        .load(conn)
}

/// The id of the agent's newest event (0 if none).
pub fn latest_id(conn: &mut DbConn, agent: AgentId) -> QueryResult<i64> {
    let latest: Option<i64> = agent_events::table
        .filter(agent_events::agent_id.eq(agent))
        .select(diesel::dsl::max(agent_events::id))
        .first(conn)?;
    Ok(latest.unwrap_or(0))
}

/// Deletes the notices agents were sent about `escalation` (offers carry its summary, message
/// notices the customer's words). Notices are stored as serde_json writes them (no spaces), so
/// the id field reads exactly `"escalation_id":<id>` followed by `,` or `}`.
pub fn forget_about(conn: &mut DbConn, escalation: EscalationId) -> QueryResult<usize> {
    let field = format!("%\"escalation_id\":{escalation},%");
    let last = format!("%\"escalation_id\":{escalation}}}%");
    diesel::delete(agent_events::table.filter(agent_events::data.like(field).or(agent_events::data.like(last))))
        .execute(conn)
}
