//! Offers of an escalation to one agent.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::offers};
use crate::ids::{AgentId, EscalationId, OfferId};

crate::text_enum! {
    /// Where an offer is; only `Pending` may change.
    pub enum OfferState {
        Pending => "pending",
        Accepted => "accepted",
        Declined => "declined",
        Expired => "expired",
        Withdrawn => "withdrawn",
        /// An accepted offer whose agent handed the conversation back (transfer).
        Transferred => "transferred",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offers)]
pub struct Offer {
    pub id: OfferId,
    pub escalation_id: EscalationId,
    pub agent_id: AgentId,
    pub state: OfferState,
    pub score: f64,
    pub explanation: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
    pub decline_reason: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = offers)]
pub struct NewOffer<'a> {
    pub escalation_id: EscalationId,
    pub agent_id: AgentId,
    pub state: OfferState,
    pub score: f64,
    pub explanation: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Inserts a pending offer; a second pending offer for the escalation is a unique violation.
pub fn insert(conn: &mut DbConn, new: &NewOffer) -> QueryResult<Offer> {
    diesel::insert_into(offers::table).values(new).returning(offers::all_columns).get_result(conn)
}

pub fn find(conn: &mut DbConn, id: OfferId) -> QueryResult<Option<Offer>> {
    offers::table.find(id).select(Offer::as_select()).first(conn).optional()
}

/// Answers a pending offer (accept or decline) while it is pending and unexpired.
pub fn answer(
    conn: &mut DbConn,
    id: OfferId,
    agent: AgentId,
    to: OfferState,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        offers::table
            .filter(offers::id.eq(id))
            .filter(offers::agent_id.eq(agent))
            .filter(offers::state.eq(OfferState::Pending))
            .filter(offers::expires_at.gt(now)),
    )
    .set((offers::state.eq(to), offers::answered_at.eq(now), offers::decline_reason.eq(reason)))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Ends a pending offer without an answer (expired or withdrawn); `false` if it was not pending.
pub fn end(conn: &mut DbConn, id: OfferId, to: OfferState, now: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(offers::table.filter(offers::id.eq(id)).filter(offers::state.eq(OfferState::Pending)))
        .set((offers::state.eq(to), offers::answered_at.eq(now)))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Pending offers whose time is up.
pub fn expired_pending(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<Offer>> {
    offers::table
        .filter(offers::state.eq(OfferState::Pending))
        .filter(offers::expires_at.le(now))
        .select(Offer::as_select())
        .load(conn)
}

pub fn pending_for_agent(conn: &mut DbConn, agent: AgentId) -> QueryResult<Vec<Offer>> {
    offers::table
        .filter(offers::agent_id.eq(agent))
        .filter(offers::state.eq(OfferState::Pending))
        .order(offers::id.asc())
        .select(Offer::as_select())
        .load(conn)
}

pub fn pending_for_escalation(conn: &mut DbConn, escalation: EscalationId) -> QueryResult<Vec<Offer>> {
    offers::table
        .filter(offers::escalation_id.eq(escalation))
        .filter(offers::state.eq(OfferState::Pending))
        .select(Offer::as_select())
        .load(conn)
}

/// (escalation, agent) for every agent who passed on one of these escalations.
pub fn passed_agents_of(conn: &mut DbConn, escalations: &[EscalationId]) -> QueryResult<Vec<(EscalationId, AgentId)>> {
    if escalations.is_empty() {
        return Ok(vec![]);
    }
    offers::table
        .filter(offers::escalation_id.eq_any(escalations))
        .filter(offers::state.eq_any([
            OfferState::Declined,
            OfferState::Expired,
            OfferState::Withdrawn,
            OfferState::Transferred,
        ]))
        .select((offers::escalation_id, offers::agent_id))
        .load(conn)
}

/// The accepted offer of an escalation (its match explanation).
pub fn accepted_for(conn: &mut DbConn, escalation: EscalationId) -> QueryResult<Option<Offer>> {
    offers::table
        .filter(offers::escalation_id.eq(escalation))
        .filter(offers::state.eq(OfferState::Accepted))
        .select(Offer::as_select())
        .first(conn)
        .optional()
}

/// Marks the accepted offer of an escalation as handed back by its agent.
pub fn mark_transferred(conn: &mut DbConn, escalation: EscalationId, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        offers::table.filter(offers::escalation_id.eq(escalation)).filter(offers::state.eq(OfferState::Accepted)),
    )
    .set((offers::state.eq(OfferState::Transferred), offers::answered_at.eq(at)))
    .execute(conn)
}

/// Every offer made to `agent`, oldest first (the agent's own data export).
pub fn all_for_agent(conn: &mut DbConn, agent: AgentId) -> QueryResult<Vec<Offer>> {
    offers::table.filter(offers::agent_id.eq(agent)).order(offers::id.asc()).select(Offer::as_select()).load(conn)
}

/// The agent's offers made since `since`, newest first.
pub fn recent_for_agent(
    conn: &mut DbConn,
    agent: AgentId,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Offer>> {
    offers::table
        .filter(offers::agent_id.eq(agent))
        .filter(offers::created_at.ge(since))
        .order((offers::created_at.desc(), offers::id.desc()))
        .limit(limit)
        .select(Offer::as_select())
        .load(conn)
}

/// Per agent and state, offers made since `since`: (agent, state, how many).
pub fn outcomes_since(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Vec<(AgentId, OfferState, i64)>> {
    offers::table
        .filter(offers::created_at.ge(since))
        .group_by((offers::agent_id, offers::state))
        .select((offers::agent_id, offers::state, diesel::dsl::count_star()))
        .load(conn)
}
