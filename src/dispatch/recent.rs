//! Statistics of recent work that every pass uses but that move slowly: each agent's engaged
//! minutes over the fairness window, and the recent accept latency and handle time behind
//! ETAs. Reading them scans a day of escalations; a pass runs many times a second under load,
//! so they are kept per instance and read again at most every `FRESH_FOR` (a soft factor and
//! an estimate, not a rule: a few seconds' staleness changes no decision worth having).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use super::eta;
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::models::{db_time, escalation};

/// The window over which engaged minutes are compared for fairness.
const FAIRNESS_WINDOW_H: i64 = 24;
/// How long the figures are used before they are read again.
const FRESH_FOR: Duration = Duration::seconds(5);

/// The figures, as read at `read_at`.
#[derive(Debug, Default)]
pub struct Recent {
    read_at: Option<DateTime<Utc>>,
    /// Engaged minutes per agent in the fairness window.
    pub engaged_minutes: HashMap<AgentId, f64>,
    /// Recent accept and handle times, and how many waiting customers left (for ETAs).
    pub pace: eta::Pace,
}

/// This instance's copy of the figures.
#[derive(Debug, Default)]
pub struct RecentWork {
    current: Mutex<Arc<Recent>>,
}

impl RecentWork {
    /// The figures at `now`, read again if older than `FRESH_FOR` (or from another clock: a
    /// test driving time reads afresh).
    pub fn at(&self, conn: &mut DbConn, now: DateTime<Utc>) -> Result<Arc<Recent>, AppError> {
        {
            let current = self.current.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if current.read_at.is_some_and(|at| at <= now && now - at < FRESH_FOR) {
                return Ok(current.clone());
            }
        }
        let fresh = Arc::new(read(conn, now)?);
        *self.current.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = fresh.clone();
        Ok(fresh)
    }

    /// Forgets the figures (a new leader, a failed pass).
    pub fn clear(&self) {
        *self.current.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::default();
    }
}

fn read(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Recent, AppError> {
    let since = now - Duration::hours(FAIRNESS_WINDOW_H);
    let mut engaged_minutes: HashMap<AgentId, f64> = HashMap::new();
    for (agent_id, assigned, closed) in escalation::recent_work(conn, db_time(since))? {
        let start = assigned.and_utc().max(since);
        let end = closed.map(|c| c.and_utc()).unwrap_or(now).min(now);
        if end > start {
            *engaged_minutes.entry(agent_id).or_default() += (end - start).num_seconds() as f64 / 60.0;
        }
    }
    let pace = eta::history(conn, now)?;
    Ok(Recent { read_at: Some(now), engaged_minutes, pace })
}
