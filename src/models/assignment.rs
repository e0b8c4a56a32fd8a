//! Stretches of work: one row per agent per escalation they had, from accept to resolution or
//! transfer. Payroll meters engaged time and resolved conversations from these rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::assignments};
use crate::ids::{AgentId, EscalationId};

crate::text_enum! {
    /// How a stretch of work ended.
    pub enum Outcome {
        /// The agent resolved the conversation (it counts for per-conversation pay).
        Resolved => "resolved",
        /// The agent handed it back to the queue.
        Transferred => "transferred",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = assignments)]
pub struct Assignment {
    pub id: i64,
    pub escalation_id: EscalationId,
    pub agent_id: AgentId,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub outcome: Option<Outcome>,
}

/// The agent took the escalation at `at`.
pub fn start(conn: &mut DbConn, escalation: EscalationId, agent: AgentId, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::insert_into(assignments::table)
        .values((
            assignments::escalation_id.eq(escalation),
            assignments::agent_id.eq(agent),
            assignments::started_at.eq(at),
        ))
        .execute(conn)
}

/// Ends the agent's open stretch on the escalation with `outcome`.
pub fn finish(
    conn: &mut DbConn,
    escalation: EscalationId,
    agent: AgentId,
    outcome: Outcome,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        assignments::table
            .filter(assignments::escalation_id.eq(escalation))
            .filter(assignments::agent_id.eq(agent))
            .filter(assignments::ended_at.is_null()),
    )
    .set((assignments::ended_at.eq(at), assignments::outcome.eq(outcome)))
    .execute(conn)
}

/// The agent's stretches that overlap `[from, to)`, oldest first.
pub fn overlapping(
    conn: &mut DbConn,
    agent: AgentId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<Assignment>> {
    assignments::table
        .filter(assignments::agent_id.eq(agent))
        .filter(assignments::started_at.lt(to))
        .filter(assignments::ended_at.is_null().or(assignments::ended_at.ge(from)))
        .order((assignments::started_at.asc(), assignments::id.asc()))
        .select(Assignment::as_select())
        .load(conn)
}

/// Agents with a stretch overlapping `[from, to)`.
pub fn agents_working(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<Vec<AgentId>> {
    assignments::table
        .filter(assignments::started_at.lt(to))
        .filter(assignments::ended_at.is_null().or(assignments::ended_at.ge(from)))
        .select(assignments::agent_id)
        .distinct()
        .load(conn)
}
