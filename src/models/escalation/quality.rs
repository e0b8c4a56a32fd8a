//! Escalation facts for the quality loop, kept in side tables (the escalations table is at
//! diesel's 32-column limit): first-contact marks (`repeat_contacts`) and supervisor take-overs
//! (`take_overs`), and the resolutions tiers are computed from.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Escalation, EscalationState, noted};
use crate::db::schema::{escalations, repeat_contacts, take_overs};
use crate::db::{DbConn, is_unique_violation};
use crate::ids::{AgentId, EscalationId, ServiceAccountId, UserId};

/// The customer's latest resolution since `since` not yet marked as repeated, other than `not`.
pub fn last_resolved_of_customer(
    conn: &mut DbConn,
    service: ServiceAccountId,
    customer_ref_hash: &str,
    since: NaiveDateTime,
    not: EscalationId,
) -> QueryResult<Option<Escalation>> {
    escalations::table
        .filter(escalations::service_account_id.eq(service))
        .filter(escalations::customer_ref_hash.eq(customer_ref_hash))
        .filter(escalations::state.eq(EscalationState::Resolved))
        .filter(escalations::closed_at.ge(since))
        .filter(escalations::id.ne(not))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            repeat_contacts::table.filter(repeat_contacts::escalation_id.eq(escalations::id)),
        )))
        .order(escalations::closed_at.desc())
        .select(Escalation::as_select())
        .first(conn)
        .optional()
}

/// Marks `id` as not resolved on first contact (the customer came back as `repeat`); false if
/// it was marked already.
pub fn mark_repeated(
    conn: &mut DbConn,
    id: EscalationId,
    repeat: EscalationId,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(repeat_contacts::table)
        .values((
            repeat_contacts::escalation_id.eq(id),
            repeat_contacts::repeat_escalation_id.eq(repeat),
            repeat_contacts::marked_at.eq(at),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Takes back a first-contact mark (a person found it wrong); false if there was none.
pub fn unmark_repeated(conn: &mut DbConn, id: EscalationId) -> QueryResult<bool> {
    Ok(diesel::delete(repeat_contacts::table.find(id)).execute(conn)? == 1)
}

/// Who took the conversation over, if anyone.
pub fn taken_over_by(conn: &mut DbConn, id: EscalationId) -> QueryResult<Option<UserId>> {
    take_overs::table.find(id).select(take_overs::supervisor_id).first(conn).optional()
}

/// A supervisor takes the conversation over from `agent`; false if someone did already.
pub fn take_over(
    conn: &mut DbConn,
    id: EscalationId,
    by: UserId,
    agent: AgentId,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(take_overs::table)
        .values((
            take_overs::escalation_id.eq(id),
            take_overs::supervisor_id.eq(by),
            take_overs::agent_id.eq(agent),
            take_overs::taken_at.eq(at),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {
            noted(id, 1);
            Ok(true)
        }
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The supervisor who took it over resolves it; false unless it is still assigned.
pub fn resolve_taken_over(
    conn: &mut DbConn,
    id: EscalationId,
    disposition: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(escalations::table.find(id).filter(escalations::state.eq(EscalationState::Assigned)))
        .set((
            escalations::state.eq(EscalationState::Resolved),
            escalations::disposition.eq(disposition),
            escalations::closed_at.eq(at),
            escalations::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(noted(id, updated) == 1)
}

/// Per agent, resolutions closed since `since` (taken-over ones excluded): (agent, how many,
/// how many the customer came back after within the window).
pub fn resolutions_since(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Vec<(Option<AgentId>, i64, i64)>> {
    escalations::table
        .left_join(repeat_contacts::table.on(repeat_contacts::escalation_id.eq(escalations::id)))
        .filter(escalations::state.eq(EscalationState::Resolved))
        .filter(escalations::closed_at.ge(since))
        .filter(escalations::assigned_agent_id.is_not_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(
            take_overs::table.filter(take_overs::escalation_id.eq(escalations::id)),
        )))
        .group_by(escalations::assigned_agent_id)
        .select((
            escalations::assigned_agent_id,
            diesel::dsl::count_star(),
            diesel::dsl::count(repeat_contacts::escalation_id.nullable()),
        ))
        .load(conn)
}

/// Ends a take-over (the supervisor transferred the conversation back to the queue; the
/// timeline and the audit log keep that it happened).
pub fn release_take_over(conn: &mut DbConn, id: EscalationId) -> QueryResult<usize> {
    diesel::delete(take_overs::table.find(id)).execute(conn)
}

/// Conversations an agent (or a supervisor) has now, the longest-running first, with whoever
/// took one over.
pub fn live(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<(Escalation, Option<UserId>)>> {
    escalations::table
        .left_join(take_overs::table.on(take_overs::escalation_id.eq(escalations::id)))
        .filter(escalations::state.eq(EscalationState::Assigned))
        .order(escalations::assigned_at.asc())
        .limit(limit)
        .select((Escalation::as_select(), take_overs::supervisor_id.nullable()))
        .load(conn)
}

/// One resolved stretch as learning reads it: (agent, needed skills, accepted at, resolved at,
/// whether the customer came back within the window).
pub type Handled = (AgentId, String, NaiveDateTime, NaiveDateTime, bool);

/// Every stretch whose conversation was resolved since `since`.
pub fn handled_since(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Vec<Handled>> {
    use crate::db::schema::assignments;
    assignments::table
        .inner_join(escalations::table.on(escalations::id.eq(assignments::escalation_id)))
        .left_join(repeat_contacts::table.on(repeat_contacts::escalation_id.eq(assignments::escalation_id)))
        .filter(assignments::resolved_at.ge(since))
        .select((
            assignments::agent_id,
            escalations::required_skills,
            assignments::started_at,
            assignments::resolved_at.assume_not_null(),
            repeat_contacts::escalation_id.nullable().is_not_null(),
        ))
        .load(conn)
}
