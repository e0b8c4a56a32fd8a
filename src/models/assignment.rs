//! Stretches of work: one row per agent per escalation they had, from accept to the end of
//! wrap-up after a resolution, or to a transfer or take-over. Payroll meters engaged time
//! (wrap-up included) and resolved conversations from these rows.

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
        /// A supervisor took the conversation over; the agent's time up to then is paid.
        TakenOver => "taken_over",
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
    /// When the conversation was resolved; wrap-up runs from here to `ended_at`.
    pub resolved_at: Option<NaiveDateTime>,
    pub wrap_up_notes: Option<String>,
}

impl Assignment {
    /// Seconds from accept to resolution, and of wrap-up after it (resolved stretches only;
    /// an open wrap-up counts to `now`).
    pub fn split_seconds(&self, now: NaiveDateTime) -> Option<(i64, i64)> {
        let resolved = self.resolved_at?;
        let ended = self.ended_at.unwrap_or(now).max(resolved);
        Some(((resolved - self.started_at).num_seconds(), (ended - resolved).num_seconds()))
    }
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

/// The agent resolved the escalation at `at`: its stretch is marked resolved and, unless
/// `wrap_up`, ends now; with `wrap_up` it stays open (capacity held, time paid) until
/// [`finish_wrap_up`] or [`end_overdue_wrap_ups`].
pub fn resolve(
    conn: &mut DbConn,
    escalation: EscalationId,
    agent: AgentId,
    wrap_up: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        assignments::table
            .filter(assignments::escalation_id.eq(escalation))
            .filter(assignments::agent_id.eq(agent))
            .filter(assignments::ended_at.is_null()),
    )
    .set((
        assignments::outcome.eq(Outcome::Resolved),
        assignments::resolved_at.eq(at),
        assignments::ended_at.eq((!wrap_up).then_some(at)),
    ))
    .execute(conn)
}

/// The agent's stretch on `escalation` while in wrap-up.
pub fn in_wrap_up(conn: &mut DbConn, escalation: EscalationId, agent: AgentId) -> QueryResult<Option<Assignment>> {
    assignments::table
        .filter(assignments::escalation_id.eq(escalation))
        .filter(assignments::agent_id.eq(agent))
        .filter(assignments::ended_at.is_null())
        .filter(assignments::resolved_at.is_not_null())
        .select(Assignment::as_select())
        .first(conn)
        .optional()
}

/// The agent's conversations in wrap-up, oldest first.
pub fn wrap_ups_of(conn: &mut DbConn, agent: AgentId) -> QueryResult<Vec<Assignment>> {
    assignments::table
        .filter(assignments::agent_id.eq(agent))
        .filter(assignments::ended_at.is_null())
        .filter(assignments::resolved_at.is_not_null())
        .order(assignments::resolved_at.asc())
        .select(Assignment::as_select())
        .load(conn)
}

/// Ends a wrap-up at `at` with the agent's notes; false if it was not in wrap-up.
pub fn finish_wrap_up(conn: &mut DbConn, id: i64, notes: Option<&str>, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        assignments::table
            .find(id)
            .filter(assignments::ended_at.is_null())
            .filter(assignments::resolved_at.is_not_null()),
    )
    .set((assignments::ended_at.eq(at), assignments::wrap_up_notes.eq(notes)))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Wrap-ups that began at or before `resolved_before` and are still open.
pub fn overdue_wrap_ups(conn: &mut DbConn, resolved_before: NaiveDateTime) -> QueryResult<Vec<Assignment>> {
    assignments::table
        .filter(assignments::ended_at.is_null())
        .filter(assignments::resolved_at.le(resolved_before))
        .select(Assignment::as_select())
        .load(conn)
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
