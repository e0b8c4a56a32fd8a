//! The customer's wait contract, one row beside each escalation (`escalation_contracts`): the
//! ETA's range and the one quoted at intake, the bot's handoff packet, callbacks and the longest
//! live wait, the agent a returning customer is offered first. Also the waiting queue by pool,
//! for quotes. Writes that change what dispatch reads go through the parent's `noted`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Escalation, EscalationState, noted};
use crate::db::DbConn;
use crate::db::schema::{escalation_contracts, escalations};
use crate::dispatch::eta::Estimate;
use crate::ids::{AgentId, EscalationId, ServiceAccountId};

/// An escalation's contract row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = escalation_contracts)]
pub struct Contract {
    pub escalation_id: EscalationId,
    /// The 80 % range around the current ETA, and the range quoted at intake.
    pub eta_low_s: i32,
    pub eta_high_s: i32,
    pub eta_at_intake_low_s: i32,
    pub eta_at_intake_high_s: i32,
    pub intent: Option<String>,
    pub sentiment: Option<String>,
    /// JSON: a list of strings.
    pub bot_attempts: String,
    /// JSON: an object of strings.
    pub collected: String,
    /// The customer is not held live: the platform re-engages them when an agent accepts.
    pub callback: bool,
    pub max_live_wait_s: Option<i32>,
    pub customer_released_at: Option<NaiveDateTime>,
    /// A returning customer's last agent, offered it first for a short window.
    pub preferred_agent_id: Option<AgentId>,
    /// The ETA and place the platform was last told (0: never).
    pub told_eta_s: i32,
    pub told_position: i32,
}

impl Contract {
    /// What an escalation without a row has agreed to (none are, but reads never fail on it).
    fn none(escalation_id: EscalationId) -> Contract {
        Contract {
            escalation_id,
            eta_low_s: 0,
            eta_high_s: 0,
            eta_at_intake_low_s: 0,
            eta_at_intake_high_s: 0,
            intent: None,
            sentiment: None,
            bot_attempts: "[]".into(),
            collected: "{}".into(),
            callback: false,
            max_live_wait_s: None,
            customer_released_at: None,
            preferred_agent_id: None,
            told_eta_s: 0,
            told_position: 0,
        }
    }

    pub fn eta_range(&self) -> [i32; 2] {
        [self.eta_low_s, self.eta_high_s]
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = escalation_contracts)]
pub struct NewContract<'a> {
    pub escalation_id: EscalationId,
    pub intent: Option<&'a str>,
    pub sentiment: Option<&'a str>,
    pub bot_attempts: &'a str,
    pub collected: &'a str,
    pub callback: bool,
    pub max_live_wait_s: Option<i32>,
    pub customer_released_at: Option<NaiveDateTime>,
    pub preferred_agent_id: Option<AgentId>,
}

pub fn insert_contract(conn: &mut DbConn, new: &NewContract) -> QueryResult<usize> {
    diesel::insert_into(escalation_contracts::table).values(new).execute(conn)
}

pub fn contract_of(conn: &mut DbConn, id: EscalationId) -> QueryResult<Contract> {
    escalation_contracts::table
        .find(id)
        .select(Contract::as_select())
        .first(conn)
        .optional()
        .map(|found| found.unwrap_or_else(|| Contract::none(id)))
}

/// The agents preferred for each of `ids` (returning customers), in one query.
pub fn preferred_agents(conn: &mut DbConn, ids: &[EscalationId]) -> QueryResult<Vec<(EscalationId, AgentId)>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(500) {
        found.extend(
            escalation_contracts::table
                .filter(escalation_contracts::escalation_id.eq_any(chunk))
                .filter(escalation_contracts::preferred_agent_id.is_not_null())
                .select((
                    escalation_contracts::escalation_id,
                    escalation_contracts::preferred_agent_id.assume_not_null(),
                ))
                .load::<(EscalationId, AgentId)>(conn)?,
        );
    }
    Ok(found)
}

/// The ETA and place last told to the platform, for each of `ids` that has been told.
pub fn last_told(conn: &mut DbConn, ids: &[EscalationId]) -> QueryResult<Vec<(EscalationId, i32, i32)>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(500) {
        found.extend(
            escalation_contracts::table
                .filter(escalation_contracts::escalation_id.eq_any(chunk))
                .filter(escalation_contracts::told_eta_s.gt(0))
                .select((
                    escalation_contracts::escalation_id,
                    escalation_contracts::told_eta_s,
                    escalation_contracts::told_position,
                ))
                .load::<(EscalationId, i32, i32)>(conn)?,
        );
    }
    Ok(found)
}

/// Remembers what the platform was told (`escalation.eta`).
pub fn mark_told(conn: &mut DbConn, id: EscalationId, eta_s: i32, position: i32) -> QueryResult<usize> {
    diesel::update(escalation_contracts::table.find(id))
        .set((escalation_contracts::told_eta_s.eq(eta_s.max(1)), escalation_contracts::told_position.eq(position)))
        .execute(conn)
}

/// A fresh ETA for a waiting escalation (one a human took meanwhile keeps its own).
pub fn set_eta(conn: &mut DbConn, id: EscalationId, eta: &Estimate) -> QueryResult<usize> {
    let updated =
        diesel::update(escalations::table.find(id).filter(escalations::state.eq_any(EscalationState::WAITING)))
            .set(escalations::eta_seconds.eq(eta.seconds))
            .execute(conn)?;
    if updated > 0 {
        diesel::update(escalation_contracts::table.find(id))
            .set((escalation_contracts::eta_low_s.eq(eta.low), escalation_contracts::eta_high_s.eq(eta.high)))
            .execute(conn)?;
    }
    Ok(noted(id, updated))
}

/// Keeps the estimate given at intake, to measure its error and its range when the human arrives.
pub fn set_intake_eta(conn: &mut DbConn, id: EscalationId, eta: &Estimate) -> QueryResult<usize> {
    diesel::update(escalation_contracts::table.find(id))
        .set((
            escalation_contracts::eta_at_intake_low_s.eq(eta.low),
            escalation_contracts::eta_at_intake_high_s.eq(eta.high.max(1)),
        ))
        .execute(conn)?;
    diesel::update(escalations::table.find(id))
        .set(escalations::eta_at_intake_s.eq(eta.seconds.max(1)))
        .execute(conn)
        .map(|updated| noted(id, updated))
}

/// Lets the customer go from the live wait while the escalation keeps its place: asked for
/// (`callback`) or past the longest live wait. `false` once a human has it.
pub fn release_customer(conn: &mut DbConn, id: EscalationId, callback: bool, at: NaiveDateTime) -> QueryResult<bool> {
    let waits = escalations::table
        .find(id)
        .filter(escalations::state.eq_any(EscalationState::WAITING))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !waits {
        return Ok(false);
    }
    let row = escalation_contracts::table.find(id);
    if callback {
        diesel::update(row).set(escalation_contracts::callback.eq(true)).execute(conn)?;
    }
    diesel::update(row.filter(escalation_contracts::customer_released_at.is_null()))
        .set(escalation_contracts::customer_released_at.eq(at))
        .execute(conn)?;
    Ok(true)
}

/// Waiting escalations with a longest live wait whose customer is still held, with that limit
/// (seconds): the clock's pass releases those past it.
pub fn held_with_a_limit(conn: &mut DbConn) -> QueryResult<Vec<(Escalation, i32)>> {
    escalations::table
        .inner_join(escalation_contracts::table)
        .filter(escalations::state.eq_any(EscalationState::WAITING))
        .filter(escalation_contracts::max_live_wait_s.is_not_null())
        .filter(escalation_contracts::customer_released_at.is_null())
        .select((Escalation::as_select(), escalation_contracts::max_live_wait_s.assume_not_null()))
        .load(conn)
}

/// Escalations the customer left (abandoned) since `since`: the ETA discounts those ahead.
pub fn abandoned_since(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<i64> {
    escalations::table
        .filter(escalations::state.eq(EscalationState::Abandoned))
        .filter(escalations::closed_at.ge(since))
        .count()
        .get_result(conn)
}

/// The agent who last took a conversation of this customer (by keyed hash) since `since`.
pub fn last_agent_of_customer(
    conn: &mut DbConn,
    service: ServiceAccountId,
    customer_ref_hash: &str,
    since: NaiveDateTime,
) -> QueryResult<Option<AgentId>> {
    escalations::table
        .filter(escalations::service_account_id.eq(service))
        .filter(escalations::customer_ref_hash.eq(customer_ref_hash))
        .filter(escalations::assigned_at.ge(since))
        .filter(escalations::assigned_agent_id.is_not_null())
        .order(escalations::assigned_at.desc())
        .select(escalations::assigned_agent_id.assume_not_null())
        .first(conn)
        .optional()
}

/// Queued escalations counted by what they need, their market, ladder step and priority: what
/// a quote weighs (the queue by pool), without reading each row.
#[derive(Debug, Clone, Queryable)]
pub struct WaitingGroup {
    pub language: String,
    pub required_skills: String,
    pub sensitive: bool,
    pub market: String,
    pub widened_steps: i32,
    pub priority_rank: i32,
    pub count: i64,
}

pub fn waiting_groups(conn: &mut DbConn) -> QueryResult<Vec<WaitingGroup>> {
    use diesel::dsl::count_star;
    escalations::table
        .filter(escalations::state.eq(EscalationState::Queued))
        .group_by((
            escalations::language,
            escalations::required_skills,
            escalations::sensitive,
            escalations::market,
            escalations::widened_steps,
            escalations::priority_rank,
        ))
        .select((
            escalations::language,
            escalations::required_skills,
            escalations::sensitive,
            escalations::market,
            escalations::widened_steps,
            escalations::priority_rank,
            count_star(),
        ))
        .load(conn)
}

/// Forgets the packet (intent, sentiment, what the bot tried and collected): customer data,
/// erased with the rest of the conversation.
pub fn erase_packet(conn: &mut DbConn, id: EscalationId) -> QueryResult<usize> {
    diesel::update(escalation_contracts::table.find(id))
        .set((
            escalation_contracts::intent.eq(None::<String>),
            escalation_contracts::sentiment.eq(None::<String>),
            escalation_contracts::bot_attempts.eq("[]"),
            escalation_contracts::collected.eq("{}"),
        ))
        .execute(conn)
}
