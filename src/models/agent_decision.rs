//! Automated decisions about an agent, each with its inputs (JSON) and plain words. Offers are
//! decisions too but keep their own rows (`offers.explanation`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::agent_decisions};
use crate::ids::{AgentId, DecisionId, EscalationId};

crate::text_enum! {
    /// Which automated system decided.
    pub enum DecisionKind {
        /// Set away after missing offers in a row.
        SetAway => "set_away",
        /// A booked slot settled as a no-show (it lowers the commitment score).
        NoShow => "no_show",
        /// The tier was recomputed to a different tier.
        Tier => "tier",
        /// A resolution marked as not resolved on first contact.
        FirstContact => "first_contact",
        /// A conversation picked for a quality review.
        QualitySample => "quality_sample",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agent_decisions)]
pub struct AgentDecision {
    pub id: DecisionId,
    pub agent_id: AgentId,
    pub kind: DecisionKind,
    pub escalation_id: Option<EscalationId>,
    pub inputs: String,
    pub explanation: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConn,
    agent: AgentId,
    kind: DecisionKind,
    escalation: Option<EscalationId>,
    inputs: &str,
    explanation: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(agent_decisions::table)
        .values((
            agent_decisions::agent_id.eq(agent),
            agent_decisions::kind.eq(kind),
            agent_decisions::escalation_id.eq(escalation),
            agent_decisions::inputs.eq(inputs),
            agent_decisions::explanation.eq(explanation),
            agent_decisions::created_at.eq(at),
        ))
        .execute(conn)
}

pub fn find(conn: &mut DbConn, id: DecisionId) -> QueryResult<Option<AgentDecision>> {
    agent_decisions::table.find(id).select(AgentDecision::as_select()).first(conn).optional()
}

/// The agent's decisions since `since`, newest first.
pub fn of_agent(
    conn: &mut DbConn,
    agent: AgentId,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<AgentDecision>> {
    agent_decisions::table
        .filter(agent_decisions::agent_id.eq(agent))
        .filter(agent_decisions::created_at.ge(since))
        .order((agent_decisions::created_at.desc(), agent_decisions::id.desc()))
        .limit(limit)
        .select(AgentDecision::as_select())
        .load(conn)
}
