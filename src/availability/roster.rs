//! The one question dispatch asks: who is online, scheduled, with free capacity, at what rate.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::store;
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::models::{agent, agent_rate, db_time};

/// One agent who can take work now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterEntry {
    #[schema(value_type = i64)]
    pub agent_id: AgentId,
    pub full_name: String,
    /// Whether the schedule covers now (online outside it is allowed).
    pub scheduled: bool,
    pub max_concurrent: i32,
    /// Conversations assigned now.
    pub active_conversations: i64,
    /// Offers out to the agent now (they hold capacity until answered).
    pub pending_offers: i64,
    pub free_capacity: i64,
    pub last_heartbeat_at: Option<DateTime<Utc>>,
    pub hourly_rate_minor: Option<i64>,
    pub per_conversation_minor: Option<i64>,
    pub currency: Option<String>,
}

/// Active agents online with a live heartbeat at `now`, with schedule, capacity and rate.
pub fn available(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    heartbeat_timeout: Duration,
) -> Result<Vec<RosterEntry>, AppError> {
    let online = agent::online_with_users(conn, db_time(now - heartbeat_timeout))?;
    let agents: Vec<agent::Agent> = online.iter().map(|(a, _)| a.clone()).collect();
    let scheduled = store::scheduled_at(conn, &agents, now)?;
    let mut roster = Vec::with_capacity(online.len());
    for ((found, person), scheduled) in online.into_iter().zip(scheduled) {
        let rate = agent_rate::in_force(conn, found.user_id, db_time(now))?;
        let active_conversations = found.active_conversations as i64;
        roster.push(RosterEntry {
            agent_id: found.user_id,
            full_name: person.full_name,
            scheduled,
            max_concurrent: found.max_concurrent,
            active_conversations,
            pending_offers: found.pending_offers as i64,
            free_capacity: (found.max_concurrent as i64 - active_conversations - found.pending_offers as i64).max(0),
            last_heartbeat_at: found.last_heartbeat_at.map(|t| t.and_utc()),
            hourly_rate_minor: rate.as_ref().map(|r| r.hourly_rate_minor),
            per_conversation_minor: rate.as_ref().map(|r| r.per_conversation_minor),
            currency: rate.map(|r| r.currency),
        });
    }
    roster.sort_by_key(|entry| entry.agent_id);
    Ok(roster)
}
