//! Presence: online, away or offline. Only active agents may be online or away; an online
//! agent stays online only while heartbeats arrive (the event stream, or POST
//! /api/v1/me/heartbeat); after `heartbeat_timeout_s` of silence the ticker sets them away and
//! says why. Every change is stored with its time and whether the agent was scheduled then.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::store;
use crate::db::DbConn;
use crate::dispatch::offers;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::models::{agent, db_time, presence_event, user};

pub use crate::models::agent::Presence;

/// Why presence changed; stored with each change and shown to the agent.
pub mod reason {
    pub const CHOSEN: &str = "chosen";
    pub const HEARTBEAT_LOST: &str = "heartbeat_lost";
    pub const SUSPENDED: &str = "suspended";
    pub const DELETED: &str = "deleted";
}

/// An agent's presence as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PresenceState {
    pub status: Presence,
    /// Why the last change happened: `chosen`, `heartbeat_lost`, `suspended`, …
    pub reason: Option<String>,
    /// Whether the agent's schedule covers this moment (going online outside it is allowed,
    /// and recorded).
    pub scheduled: bool,
}

/// Sets the agent's presence by their own choice. 409 unless the agent is `active` (going
/// offline is always allowed: it changes nothing for others).
pub fn choose(
    conn: &mut DbConn,
    agent_id: AgentId,
    to: Presence,
    now: DateTime<Utc>,
) -> Result<PresenceState, AppError> {
    let (found, person) = agent::find_with_user(conn, agent_id)?
        .ok_or_else(|| AppError::NotFound("no agent profile for this account".into()))?;
    if to != Presence::Offline && person.status != user::status::ACTIVE {
        return Err(AppError::Conflict(format!(
            "only active agents can go online or away; this account is {}",
            person.status
        )));
    }
    let from = found.presence;
    let heartbeat = (to != Presence::Offline).then(|| db_time(now));
    if !presence_event::transition(conn, agent_id, &[from], to, reason::CHOSEN, heartbeat)? {
        return Err(AppError::Conflict("your presence changed meanwhile; try again".into()));
    }
    let scheduled = if from != to {
        match to {
            Presence::Online => announce(conn, agent_id, to, reason::CHOSEN, now)?,
            _ => stepped_away(conn, agent_id, to, reason::CHOSEN, now)?,
        }
    } else {
        if to != Presence::Online {
            // Away or offline already: any offer still out goes to someone else all the same.
            offers::withdraw_for_agent(conn, agent_id, &withdrawal_reason(to, reason::CHOSEN), now)?;
        }
        store::load(conn, agent_id)?.is_scheduled(now)
    };
    Ok(PresenceState { status: to, reason: Some(reason::CHOSEN.into()), scheduled })
}

/// Records a presence change that has just been made, with whether the agent's schedule covered
/// it, and tells the agent's stream. Returns whether they were scheduled.
fn announce(
    conn: &mut DbConn,
    agent_id: AgentId,
    to: Presence,
    why: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let scheduled = store::load(conn, agent_id)?.is_scheduled(now);
    presence_event::record(conn, agent_id, to, why, scheduled, db_time(now))?;
    let notice = crate::realtime::AgentNotice::Presence { status: to, reason: why.into(), scheduled };
    crate::realtime::notify(conn, agent_id, &notice, now)?;
    Ok(scheduled)
}

/// What follows an agent stepping away, whatever the cause (their choice, a silent heartbeat,
/// missed offers, a suspension): the change recorded and announced, and their pending offers
/// withdrawn so the next agent gets them. Call it after the presence moved to `to`.
pub fn stepped_away(
    conn: &mut DbConn,
    agent_id: AgentId,
    to: Presence,
    why: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let scheduled = announce(conn, agent_id, to, why, now)?;
    offers::withdraw_for_agent(conn, agent_id, &withdrawal_reason(to, why), now)?;
    Ok(scheduled)
}

/// What a withdrawn offer tells the agent: their own choice reads as "went away".
fn withdrawal_reason(to: Presence, why: &str) -> String {
    if why == reason::CHOSEN { format!("went {}", to.as_str()) } else { why.to_string() }
}

/// The agent's presence now.
pub fn current(conn: &mut DbConn, agent_id: AgentId, now: DateTime<Utc>) -> Result<PresenceState, AppError> {
    let found =
        agent::find(conn, agent_id)?.ok_or_else(|| AppError::NotFound("no agent profile for this account".into()))?;
    let scheduled = store::load(conn, agent_id)?.is_scheduled(now);
    Ok(PresenceState { status: found.presence, reason: found.presence_reason, scheduled })
}

/// Records a heartbeat; `false` when the agent is offline (nothing to keep alive).
pub fn heartbeat(conn: &mut DbConn, agent_id: AgentId, now: DateTime<Utc>) -> Result<bool, AppError> {
    Ok(presence_event::heartbeat(conn, agent_id, db_time(now))?)
}

/// Sets away every online agent silent for longer than `timeout`; returns who was moved. Safe
/// to run on every instance at once: each move is a conditional UPDATE.
pub fn expire_silent(conn: &mut DbConn, now: DateTime<Utc>, timeout: Duration) -> Result<Vec<AgentId>, AppError> {
    let cutoff = db_time(now - timeout);
    let mut moved = Vec::new();
    for agent_id in presence_event::silent_online(conn, cutoff)? {
        if presence_event::expire(conn, agent_id, cutoff, reason::HEARTBEAT_LOST)? {
            stepped_away(conn, agent_id, Presence::Away, reason::HEARTBEAT_LOST, now)?;
            moved.push(agent_id);
        }
    }
    Ok(moved)
}

/// Takes an agent offline for a reason that is not theirs (a suspension).
pub fn force_offline(conn: &mut DbConn, agent_id: AgentId, why: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    if presence_event::transition(conn, agent_id, &[Presence::Online, Presence::Away], Presence::Offline, why, None)? {
        stepped_away(conn, agent_id, Presence::Offline, why, now)?;
    } else {
        // Offline already: no change to record, but no offer may stay out either.
        offers::withdraw_for_agent(conn, agent_id, why, now)?;
    }
    Ok(())
}
