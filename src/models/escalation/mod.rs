//! Escalations: conversations handed to humans.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{escalations, take_overs};
use crate::ids::{AgentId, EscalationId, ServiceAccountId};
use crate::realtime::bus::{dispatch_wanted, escalation_changed};

mod customer_data;
mod quality;
mod wait;
pub use customer_data::*;
pub use quality::*;
pub use wait::*;

crate::text_enum! {
    /// Where an escalation is, stored and shown by the names API.md lists.
    pub enum EscalationState {
        /// Waiting for an offer.
        Queued => "queued",
        /// Offered to one agent, waiting for their answer.
        Offered => "offered",
        Assigned => "assigned",
        Resolved => "resolved",
        /// The customer left before it was resolved.
        Abandoned => "abandoned",
    }
}

impl EscalationState {
    /// Still waiting for a human (queued or offered).
    pub const WAITING: [EscalationState; 2] = [EscalationState::Queued, EscalationState::Offered];

    pub fn is_waiting(self) -> bool {
        EscalationState::WAITING.contains(&self)
    }
}

/// An escalation without its transcript: every query that loads escalations (the dispatcher's
/// queue above all) stays narrow; the transcript is read only where it is shown
/// ([`transcript_of`]).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = escalations)]
pub struct Escalation {
    pub id: EscalationId,
    pub service_account_id: ServiceAccountId,
    pub external_id: String,
    pub idempotency_key: Option<String>,
    pub language: String,
    pub market: String,
    pub required_skills: String,
    pub priority: String,
    pub priority_rank: i32,
    pub sensitive: bool,
    pub reason: String,
    pub summary: String,
    pub customer_lat: Option<f64>,
    pub customer_lon: Option<f64>,
    pub state: EscalationState,
    pub assigned_agent_id: Option<AgentId>,
    pub widened_steps: i32,
    pub eta_at_intake_s: i32,
    pub eta_seconds: i32,
    pub created_at: NaiveDateTime,
    pub assigned_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub disposition: Option<String>,
    pub first_reply_at: Option<NaiveDateTime>,
}

impl Escalation {
    pub fn skills(&self) -> Vec<String> {
        self.required_skills.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = escalations)]
pub struct NewEscalation<'a> {
    pub service_account_id: ServiceAccountId,
    pub external_id: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub language: &'a str,
    pub market: &'a str,
    pub required_skills: &'a str,
    pub priority: &'a str,
    pub priority_rank: i32,
    pub sensitive: bool,
    pub reason: &'a str,
    pub summary: &'a str,
    pub transcript: &'a str,
    pub customer_lat: Option<f64>,
    pub customer_lon: Option<f64>,
    pub state: EscalationState,
    pub widened_steps: i32,
    pub eta_at_intake_s: i32,
    pub eta_seconds: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub redactions: i32,
    pub customer_ref_hash: Option<&'a str>,
}

pub fn insert(conn: &mut DbConn, new: &NewEscalation) -> QueryResult<Escalation> {
    // A new escalation waits: the dispatcher looks at it as soon as this commits.
    dispatch_wanted(conn)?;
    // (MultiConnection cannot return a `Selectable` subset: read the row back by its id.)
    let id: EscalationId =
        diesel::insert_into(escalations::table).values(new).returning(escalations::id).get_result(conn)?;
    escalation_changed(id);
    escalations::table.find(id).select(Escalation::as_select()).first(conn)
}

pub fn find(conn: &mut DbConn, id: EscalationId) -> QueryResult<Option<Escalation>> {
    escalations::table.find(id).select(Escalation::as_select()).first(conn).optional()
}

/// The escalation a service account sent with this external id or idempotency key, if any.
pub fn find_replay(
    conn: &mut DbConn,
    service: ServiceAccountId,
    external_id: &str,
    key: Option<&str>,
) -> QueryResult<Option<Escalation>> {
    let mut query = escalations::table.filter(escalations::service_account_id.eq(service)).into_boxed();
    query = match key {
        Some(key) => query.filter(
            escalations::external_id.eq(external_id.to_string()).or(escalations::idempotency_key.eq(key.to_string())),
        ),
        None => query.filter(escalations::external_id.eq(external_id.to_string())),
    };
    query.select(Escalation::as_select()).first(conn).optional()
}

/// The bot's transcript of an escalation (JSON lines as received).
pub fn transcript_of(conn: &mut DbConn, id: EscalationId) -> QueryResult<String> {
    escalations::table.find(id).select(escalations::transcript).first(conn)
}

/// How many waiting escalations are ahead of `e` in queue order (priority, age, id).
pub fn waiting_ahead(conn: &mut DbConn, e: &Escalation) -> QueryResult<i64> {
    let (rank, created, id) = (e.priority_rank, e.created_at, e.id);
    escalations::table
        .filter(escalations::state.eq_any(EscalationState::WAITING))
        .filter(escalations::priority_rank.lt(rank).or(escalations::priority_rank.eq(rank).and(
            escalations::created_at.lt(created).or(escalations::created_at.eq(created).and(escalations::id.lt(id))),
        )))
        .count()
        .get_result(conn)
}

/// Waiting escalations (queued or offered), priority first, then oldest.
pub fn waiting(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Escalation>> {
    escalations::table
        .filter(escalations::state.eq_any(EscalationState::WAITING))
        .order((escalations::priority_rank.asc(), escalations::created_at.asc(), escalations::id.asc()))
        .limit(limit)
        .select(Escalation::as_select())
        .load(conn)
}

/// Notes an escalation whose row an UPDATE changed, for the dispatcher's kept queue
/// (`dispatch::live_queue`); every write to an escalation's row here goes through this.
fn noted(id: EscalationId, updated: usize) -> usize {
    if updated > 0 {
        escalation_changed(id);
    }
    updated
}

/// Waiting escalations among `ids` (the dispatcher reading again the ones that changed).
pub fn waiting_among(conn: &mut DbConn, ids: &[EscalationId]) -> QueryResult<Vec<Escalation>> {
    let mut rows = Vec::new();
    // Chunks keep each statement within SQLite's bound-parameter limit.
    for chunk in ids.chunks(500) {
        rows.extend(
            escalations::table
                .filter(escalations::id.eq_any(chunk))
                .filter(escalations::state.eq_any(EscalationState::WAITING))
                .select(Escalation::as_select())
                .load(conn)?,
        );
    }
    Ok(rows)
}

/// Moves an escalation between states only if it is in one of `from`.
pub fn transition(
    conn: &mut DbConn,
    id: EscalationId,
    from: &[EscalationState],
    to: EscalationState,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(escalations::table.find(id).filter(escalations::state.eq_any(from)))
        .set((escalations::state.eq(to), escalations::updated_at.eq(at)))
        .execute(conn)
        .map(|updated| noted(id, updated))?;
    if updated == 1 && to == EscalationState::Queued {
        // Back in the queue (declined, missed, withdrawn): the next candidate gets it.
        dispatch_wanted(conn)?;
    }
    Ok(updated == 1)
}

/// Marks an offered escalation assigned to `agent` (only from `offered`).
pub fn assign(conn: &mut DbConn, id: EscalationId, agent: AgentId, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(escalations::table.find(id).filter(escalations::state.eq(EscalationState::Offered)))
        .set((
            escalations::state.eq(EscalationState::Assigned),
            escalations::assigned_agent_id.eq(agent),
            escalations::assigned_at.eq(at),
            escalations::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|updated| noted(id, updated))?;
    Ok(updated == 1)
}

/// Ends an escalation (`to`: resolved or abandoned) only if it is in one of `from`.
pub fn close(
    conn: &mut DbConn,
    id: EscalationId,
    from: &[EscalationState],
    to: EscalationState,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(escalations::table.find(id).filter(escalations::state.eq_any(from)))
        .set((escalations::state.eq(to), escalations::closed_at.eq(at), escalations::updated_at.eq(at)))
        .execute(conn)
        .map(|updated| noted(id, updated))?;
    Ok(updated == 1)
}

/// Raises the widening steps (never lowers them: two instances may widen at once).
pub fn widen_to(conn: &mut DbConn, id: EscalationId, steps: i32) -> QueryResult<bool> {
    let updated = diesel::update(escalations::table.find(id).filter(escalations::widened_steps.lt(steps)))
        .set(escalations::widened_steps.eq(steps))
        .execute(conn)
        .map(|updated| noted(id, updated))?;
    Ok(updated == 1)
}

/// Escalations assigned to an agent, optionally in one state.
/// An agent's escalations, newest first: at most `limit`, older than `before_id` if given.
pub fn for_agent(
    conn: &mut DbConn,
    agent: AgentId,
    in_state: Option<EscalationState>,
    before_id: Option<EscalationId>,
    limit: i64,
) -> QueryResult<Vec<Escalation>> {
    let mut query = escalations::table.filter(escalations::assigned_agent_id.eq(agent)).into_boxed();
    if let Some(s) = in_state {
        query = query.filter(escalations::state.eq(s));
    }
    if let Some(before) = before_id {
        query = query.filter(escalations::id.lt(before));
    }
    query.order(escalations::id.desc()).limit(limit).select(Escalation::as_select()).load(conn)
}

/// Seconds from creation to assignment of recently assigned escalations (for the ETA).
pub fn recent_waits(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Vec<(NaiveDateTime, NaiveDateTime)>> {
    escalations::table
        .filter(escalations::assigned_at.ge(since))
        .select((escalations::created_at, escalations::assigned_at.assume_not_null()))
        .limit(500)
        .load(conn)
}

/// Recent work of every agent: (agent, assigned_at, closed_at) since `since`, for fairness.
pub fn recent_work(
    conn: &mut DbConn,
    since: NaiveDateTime,
) -> QueryResult<Vec<(AgentId, NaiveDateTime, Option<NaiveDateTime>)>> {
    escalations::table
        .filter(escalations::assigned_agent_id.is_not_null())
        .filter(
            escalations::assigned_at
                .ge(since)
                .or(escalations::closed_at.ge(since))
                .or(escalations::closed_at.is_null()),
        )
        .filter(escalations::assigned_at.is_not_null())
        .select((
            escalations::assigned_agent_id.assume_not_null(),
            escalations::assigned_at.assume_not_null(),
            escalations::closed_at,
        ))
        .load(conn)
}

/// Handle times (assigned to closed) of recently resolved escalations.
pub fn recent_handles(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Vec<(NaiveDateTime, NaiveDateTime)>> {
    escalations::table
        .filter(escalations::state.eq(EscalationState::Resolved))
        .filter(escalations::closed_at.ge(since))
        .filter(escalations::assigned_at.is_not_null())
        .select((escalations::assigned_at.assume_not_null(), escalations::closed_at.assume_not_null()))
        .limit(500)
        .load(conn)
}

/// The queue (language, market, required skills) of each of `ids`.
pub fn queues_of(conn: &mut DbConn, ids: &[EscalationId]) -> QueryResult<Vec<(EscalationId, String, String, String)>> {
    escalations::table
        .filter(escalations::id.eq_any(ids))
        .select((escalations::id, escalations::language, escalations::market, escalations::required_skills))
        .load(conn)
}

/// Resolves an assigned escalation with its disposition.
pub fn resolve(
    conn: &mut DbConn,
    id: EscalationId,
    agent: AgentId,
    disposition: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        escalations::table
            .find(id)
            .filter(escalations::state.eq(EscalationState::Assigned))
            .filter(escalations::assigned_agent_id.eq(agent))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                take_overs::table.filter(take_overs::escalation_id.eq(escalations::id)),
            ))),
    )
    .set((
        escalations::state.eq(EscalationState::Resolved),
        escalations::disposition.eq(disposition),
        escalations::closed_at.eq(at),
        escalations::updated_at.eq(at),
    ))
    .execute(conn)
    .map(|updated| noted(id, updated))?;
    Ok(updated == 1)
}

/// The reported disposition, chosen at wrap-up.
pub fn set_disposition(conn: &mut DbConn, id: EscalationId, disposition: &str) -> QueryResult<usize> {
    diesel::update(escalations::table.find(id)).set(escalations::disposition.eq(disposition)).execute(conn)
}

/// Records that a resolved escalation was handed back to the bot, with the agent's summary.
pub fn mark_handed_back(conn: &mut DbConn, id: EscalationId, summary: &str) -> QueryResult<usize> {
    let updated = diesel::update(escalations::table.find(id))
        .set((escalations::handed_back.eq(true), escalations::hand_back_summary.eq(summary)))
        .execute(conn)?;
    Ok(noted(id, updated))
}

/// Hands an assigned escalation back to the queue with new needs.
pub fn requeue_transfer(
    conn: &mut DbConn,
    id: EscalationId,
    agent: AgentId,
    skills: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        escalations::table
            .find(id)
            .filter(escalations::state.eq(EscalationState::Assigned))
            .filter(escalations::assigned_agent_id.eq(agent)),
    )
    .set((
        escalations::state.eq(EscalationState::Queued),
        escalations::required_skills.eq(skills),
        escalations::assigned_agent_id.eq(None::<AgentId>),
        escalations::assigned_at.eq(None::<NaiveDateTime>),
        escalations::updated_at.eq(at),
    ))
    .execute(conn)
    .map(|updated| noted(id, updated))?;
    if updated == 1 {
        dispatch_wanted(conn)?;
    }
    Ok(updated == 1)
}

/// Notes the agent's first reply (for the first-reply deadline).
pub fn mark_first_reply(conn: &mut DbConn, id: EscalationId, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(escalations::table.find(id).filter(escalations::first_reply_at.is_null()))
        .set(escalations::first_reply_at.eq(at))
        .execute(conn)
        .map(|updated| noted(id, updated))
}

/// Assigned escalations with no reply yet, assigned before `cutoff` (past the deadline).
pub fn awaiting_first_reply(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<Vec<Escalation>> {
    escalations::table
        .filter(escalations::state.eq(EscalationState::Assigned))
        .filter(escalations::first_reply_at.is_null())
        .filter(escalations::assigned_at.lt(cutoff))
        .order(escalations::assigned_at.asc())
        .limit(500)
        .select(Escalation::as_select())
        .load(conn)
}
