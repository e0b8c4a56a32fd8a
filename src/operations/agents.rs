//! GET /api/v1/staff/agents?presence=online: the roster as staff watch it, with each agent's
//! rating and how they answered offers today.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::availability::roster::{self, RosterEntry};
use crate::db::{
    DbConn,
    schema::{agents, offers},
};
use crate::error::AppError;
use crate::ids::AgentId;
use crate::models::db_time;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentOnDuty {
    #[serde(flatten)]
    pub roster: RosterEntry,
    /// Mean customer rating (1-5); `None` before the first rating.
    pub rating: Option<f64>,
    pub rating_count: i64,
    /// Offers since midnight in the payroll time zone, by how they ended.
    pub offers_accepted_today: i64,
    pub offers_declined_today: i64,
    pub offers_missed_today: i64,
}

/// Agents online with a live heartbeat, with ratings and today's offer answers.
pub fn on_duty(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    heartbeat_timeout: Duration,
    day_start: DateTime<Utc>,
) -> Result<Vec<AgentOnDuty>, AppError> {
    let roster = roster::available(conn, now, heartbeat_timeout)?;
    let ids: Vec<AgentId> = roster.iter().map(|r| r.agent_id).collect();
    let ratings: HashMap<AgentId, (i64, i64)> = agents::table
        .filter(agents::user_id.eq_any(&ids))
        .select((agents::user_id, agents::rating_sum, agents::rating_count))
        .load::<(AgentId, i64, i64)>(conn)?
        .into_iter()
        .map(|(id, sum, count)| (id, (sum, count)))
        .collect();
    let answers: Vec<(AgentId, String, i64)> = offers::table
        .filter(offers::agent_id.eq_any(&ids))
        .filter(offers::created_at.ge(db_time(day_start)))
        .group_by((offers::agent_id, offers::state))
        .select((offers::agent_id, offers::state, count_star()))
        .load(conn)?;
    let count = |agent: AgentId, states: &[&str]| -> i64 {
        answers.iter().filter(|(a, s, _)| *a == agent && states.contains(&s.as_str())).map(|(_, _, n)| n).sum()
    };
    Ok(roster
        .into_iter()
        .map(|entry| {
            let (sum, rated) = ratings.get(&entry.agent_id).copied().unwrap_or_default();
            let id = entry.agent_id;
            AgentOnDuty {
                rating: (rated > 0).then(|| ((sum as f64 / rated as f64) * 100.0).round() / 100.0),
                rating_count: rated,
                offers_accepted_today: count(id, &["accepted", "transferred"]),
                offers_declined_today: count(id, &["declined"]),
                offers_missed_today: count(id, &["expired"]),
                roster: entry,
            }
        })
        .collect())
}
