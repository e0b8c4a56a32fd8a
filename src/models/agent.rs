//! Agents' profiles (the person's login, name and status are in `users`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    DbConn,
    schema::{agents, users},
};
use crate::ids::AgentId;
use crate::models::user::{User, UserStatus};
use crate::realtime::bus::{agent_changed, dispatch_wanted};

crate::text_enum! {
    /// Whether an agent takes work now: stored in `agents.presence` and in each presence event.
    #[derive(serde::Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Presence {
        Online => "online",
        Away => "away",
        Offline => "offline",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = agents, primary_key(user_id))]
pub struct Agent {
    pub user_id: AgentId,
    pub timezone: String,
    pub latitude: f64,
    pub longitude: f64,
    pub country: Option<String>,
    pub region: Option<String>,
    pub recruit_source: String,
    pub motivation: String,
    pub max_concurrent: i32,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub applied_at: NaiveDateTime,
    pub verified_at: Option<NaiveDateTime>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub presence: Presence,
    pub presence_reason: Option<String>,
    pub last_heartbeat_at: Option<NaiveDateTime>,
    pub active_conversations: i32,
    pub pending_offers: i32,
    pub missed_offers_in_row: i32,
    pub last_work_at: Option<NaiveDateTime>,
}

/// What dispatch reads of an agent on every pass: the columns that change often, plus the
/// version of the facts it keeps in memory (`dispatch::profiles`).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agents)]
pub struct CandidateState {
    pub user_id: AgentId,
    pub latitude: f64,
    pub longitude: f64,
    pub region: Option<String>,
    pub max_concurrent: i32,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub active_conversations: i32,
    pub pending_offers: i32,
    pub last_work_at: Option<NaiveDateTime>,
    pub profile_version: i64,
    pub last_heartbeat_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = agents)]
pub struct NewAgent<'a> {
    pub user_id: AgentId,
    pub timezone: &'a str,
    pub latitude: f64,
    pub longitude: f64,
    pub country: Option<&'a str>,
    pub region: Option<&'a str>,
    pub recruit_source: &'a str,
    pub motivation: &'a str,
    pub max_concurrent: i32,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub applied_at: NaiveDateTime,
}

/// Profile fields an agent may change; `None` leaves a field as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = agents)]
pub struct AgentChanges<'a> {
    pub timezone: Option<&'a str>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub country: Option<Option<&'a str>>,
    pub region: Option<Option<&'a str>>,
}

pub fn insert(conn: &mut DbConn, agent: &NewAgent) -> QueryResult<usize> {
    diesel::insert_into(agents::table).values(agent).execute(conn)
}

pub fn find(conn: &mut DbConn, user_id: AgentId) -> QueryResult<Option<Agent>> {
    agents::table.find(user_id).select(Agent::as_select()).first(conn).optional()
}

/// The agent with their user row.
pub fn find_with_user(conn: &mut DbConn, user_id: AgentId) -> QueryResult<Option<(Agent, User)>> {
    agents::table
        .inner_join(users::table)
        .filter(agents::user_id.eq(user_id))
        .select((Agent::as_select(), User::as_select()))
        .first(conn)
        .optional()
}

/// Agents with their users, optionally only those in one status, oldest application first.
pub fn list_with_users(conn: &mut DbConn, status: Option<UserStatus>, limit: i64) -> QueryResult<Vec<(Agent, User)>> {
    let mut query = agents::table
        .inner_join(users::table)
        .select((Agent::as_select(), User::as_select()))
        .order(agents::applied_at.asc())
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(users::status.eq(status));
    }
    query.load(conn)
}

pub fn update(conn: &mut DbConn, user_id: AgentId, changes: &AgentChanges) -> QueryResult<usize> {
    agent_changed(conn, user_id)?;
    diesel::update(agents::table.find(user_id)).set(changes).execute(conn)
}

pub fn mark_verified(conn: &mut DbConn, user_id: AgentId, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(agents::table.find(user_id)).set(agents::verified_at.eq(at)).execute(conn)
}

pub fn mark_reviewed(conn: &mut DbConn, user_id: AgentId, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(agents::table.find(user_id)).set(agents::reviewed_at.eq(at)).execute(conn)
}

/// Every agent's id and location, to place them again when regions change.
pub fn locations(conn: &mut DbConn) -> QueryResult<Vec<(AgentId, f64, f64, Option<String>)>> {
    agents::table.select((agents::user_id, agents::latitude, agents::longitude, agents::country)).load(conn)
}

pub fn set_region(conn: &mut DbConn, user_id: AgentId, region: Option<&str>) -> QueryResult<usize> {
    agent_changed(conn, user_id)?;
    diesel::update(agents::table.find(user_id)).set(agents::region.eq(region)).execute(conn)
}

pub fn set_max_concurrent(conn: &mut DbConn, user_id: AgentId, max_concurrent: i32) -> QueryResult<usize> {
    dispatch_wanted(conn)?;
    agent_changed(conn, user_id)?;
    diesel::update(agents::table.find(user_id)).set(agents::max_concurrent.eq(max_concurrent)).execute(conn)
}

/// Active agents who are online with a heartbeat at or after `fresh_since`, with their users.
pub fn online_with_users(conn: &mut DbConn, fresh_since: NaiveDateTime) -> QueryResult<Vec<(Agent, User)>> {
    agents::table
        .inner_join(users::table)
        .filter(users::status.eq(crate::models::user::status::ACTIVE))
        .filter(agents::presence.eq(Presence::Online))
        .filter(agents::last_heartbeat_at.ge(fresh_since))
        .select((Agent::as_select(), User::as_select()))
        .load(conn)
}

/// How many active agents are online with a heartbeat at or after `fresh_since`.
pub fn online_count(conn: &mut DbConn, fresh_since: NaiveDateTime) -> QueryResult<i64> {
    agents::table
        .inner_join(users::table)
        .filter(users::status.eq(crate::models::user::status::ACTIVE))
        .filter(agents::presence.eq(Presence::Online))
        .filter(agents::last_heartbeat_at.ge(fresh_since))
        .count()
        .get_result(conn)
}

/// Reserves capacity for an offer: one conditional UPDATE that succeeds only while the agent
/// has room (active + pending < max). Never read-then-write: that over-assigns under load.
pub fn claim_for_offer(conn: &mut DbConn, user_id: AgentId) -> QueryResult<bool> {
    let updated = diesel::update(
        agents::table
            .filter(agents::user_id.eq(user_id))
            .filter((agents::active_conversations + agents::pending_offers).lt(agents::max_concurrent)),
    )
    .set(agents::pending_offers.eq(agents::pending_offers + 1))
    .execute(conn)?;
    Ok(updated == 1)
}

/// An accepted offer becomes an active conversation (the capacity was reserved already).
pub fn offer_accepted(conn: &mut DbConn, user_id: AgentId, at: NaiveDateTime) -> QueryResult<bool> {
    let updated =
        diesel::update(agents::table.filter(agents::user_id.eq(user_id)).filter(agents::pending_offers.gt(0)))
            .set((
                agents::pending_offers.eq(agents::pending_offers - 1),
                agents::active_conversations.eq(agents::active_conversations + 1),
                agents::missed_offers_in_row.eq(0),
                agents::last_work_at.eq(at),
            ))
            .execute(conn)?;
    Ok(updated == 1)
}

/// Frees an offer's reserved capacity; `missed` counts a timeout towards being set away.
pub fn offer_released(conn: &mut DbConn, user_id: AgentId, missed: bool, at: NaiveDateTime) -> QueryResult<i32> {
    // Room again: the agent may pull the next waiting escalation.
    dispatch_wanted(conn)?;
    agent_changed(conn, user_id)?;
    let target = agents::table.filter(agents::user_id.eq(user_id)).filter(agents::pending_offers.gt(0));
    if missed {
        diesel::update(target)
            .set((
                agents::pending_offers.eq(agents::pending_offers - 1),
                agents::missed_offers_in_row.eq(agents::missed_offers_in_row + 1),
            ))
            .execute(conn)?;
    } else {
        diesel::update(target)
            .set((
                agents::pending_offers.eq(agents::pending_offers - 1),
                agents::missed_offers_in_row.eq(0),
                agents::last_work_at.eq(at),
            ))
            .execute(conn)?;
    }
    agents::table.find(user_id).select(agents::missed_offers_in_row).first(conn)
}

/// Agents online with a live heartbeat and room for one more conversation: the candidates.
pub fn candidates(conn: &mut DbConn, fresh_since: NaiveDateTime) -> QueryResult<Vec<CandidateState>> {
    candidates_where(conn, fresh_since, None)
}

/// Every active agent online with a live heartbeat, with room or not (what ETAs count).
pub fn online_states(conn: &mut DbConn, fresh_since: NaiveDateTime) -> QueryResult<Vec<CandidateState>> {
    agents::table
        .inner_join(users::table)
        .filter(users::status.eq(crate::models::user::status::ACTIVE))
        .filter(agents::presence.eq(Presence::Online))
        .filter(agents::last_heartbeat_at.ge(fresh_since))
        .select(CandidateState::as_select())
        .load(conn)
}

/// Every active agent, online or not (who could be scheduled later), with their profile row.
pub fn active_states(conn: &mut DbConn) -> QueryResult<Vec<(CandidateState, Agent)>> {
    agents::table
        .inner_join(users::table)
        .filter(users::status.eq(crate::models::user::status::ACTIVE))
        .select((CandidateState::as_select(), Agent::as_select()))
        .load(conn)
}

/// One active agent's facts, whether online or not (`None` for anyone else).
pub fn active_state(conn: &mut DbConn, id: AgentId) -> QueryResult<Option<CandidateState>> {
    agents::table
        .inner_join(users::table)
        .filter(users::status.eq(crate::models::user::status::ACTIVE))
        .filter(agents::user_id.eq(id))
        .select(CandidateState::as_select())
        .first(conn)
        .optional()
}

/// The candidates among `ids` (agents whose facts changed), read in chunks of 500.
pub fn candidates_among(
    conn: &mut DbConn,
    fresh_since: NaiveDateTime,
    ids: &[AgentId],
) -> QueryResult<Vec<CandidateState>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(500) {
        found.extend(candidates_where(conn, fresh_since, Some(chunk))?);
    }
    Ok(found)
}

/// One rule for who is a candidate, for everyone or among some agents.
fn candidates_where(
    conn: &mut DbConn,
    fresh_since: NaiveDateTime,
    among: Option<&[AgentId]>,
) -> QueryResult<Vec<CandidateState>> {
    let mut query = agents::table
        .inner_join(users::table)
        .filter(users::status.eq(crate::models::user::status::ACTIVE))
        .filter(agents::presence.eq(Presence::Online))
        .filter(agents::last_heartbeat_at.ge(fresh_since))
        .filter((agents::active_conversations + agents::pending_offers).lt(agents::max_concurrent))
        .select(CandidateState::as_select())
        .into_boxed();
    if let Some(ids) = among {
        query = query.filter(agents::user_id.eq_any(ids));
    }
    query.load(conn)
}

/// Notes that an agent's languages, skills, certifications or rates changed (see
/// `dispatch::profiles`). Called in the same transaction as the change.
pub fn touch_profile(conn: &mut DbConn, user_id: AgentId) -> QueryResult<usize> {
    dispatch_wanted(conn)?;
    agent_changed(conn, user_id)?;
    diesel::update(agents::table.find(user_id))
        .set(agents::profile_version.eq(agents::profile_version + 1))
        .execute(conn)
}

/// A conversation ended (resolved or handed back): one less active.
pub fn conversation_ended(conn: &mut DbConn, user_id: AgentId, at: NaiveDateTime) -> QueryResult<bool> {
    let updated =
        diesel::update(agents::table.filter(agents::user_id.eq(user_id)).filter(agents::active_conversations.gt(0)))
            .set((agents::active_conversations.eq(agents::active_conversations - 1), agents::last_work_at.eq(at)))
            .execute(conn)?;
    if updated == 1 {
        dispatch_wanted(conn)?;
        agent_changed(conn, user_id)?;
    }
    Ok(updated == 1)
}

/// Clears a deleted agent's personal profile fields: location (to the null island), country,
/// region, how they heard of us and why they applied. Languages, skills and ratings stay: they
/// describe work done, not the person.
pub fn anonymise(conn: &mut DbConn, id: AgentId) -> QueryResult<usize> {
    diesel::update(agents::table.find(id))
        .set((
            agents::latitude.eq(0.0),
            agents::longitude.eq(0.0),
            agents::country.eq(None::<String>),
            agents::region.eq(None::<String>),
            agents::recruit_source.eq(""),
            agents::motivation.eq(""),
            agents::profile_version.eq(agents::profile_version + 1),
        ))
        .execute(conn)
}

/// Every active agent's id.
pub fn active_ids(conn: &mut DbConn) -> QueryResult<Vec<AgentId>> {
    agents::table
        .inner_join(users::table)
        .filter(users::status.eq(crate::models::user::status::ACTIVE))
        .select(agents::user_id)
        .load(conn)
}
