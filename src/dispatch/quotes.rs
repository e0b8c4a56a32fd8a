//! Quotes before escalating: what a customer of this language, market, skills and priority would
//! be told now. Cheap enough for every conversation on any instance: each instance keeps a
//! snapshot of what quotes need (everyone online with their room, the queue counted by pool,
//! recent history), read again in the background once it is a second old, and the eligible
//! pools and their overlaps computed once per snapshot. A request never waits for the
//! database unless the snapshot is missing or older than `STALE_AFTER`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::Dispatcher;
use super::candidates::{self, PoolKey};
use super::eta::{self, Estimate};
use super::eta_pools::{Load, PoolBoard};
use super::roster::Roster;
use super::scheduled;
use super::settings::{self, MatchingSettings};
use crate::db::DbConn;
use crate::error::AppError;
use crate::matching::Rules;
use crate::models::escalation::{self, WaitingGroup};

/// A snapshot this old is read again in the background; requests keep using it meanwhile.
const REFRESH_AFTER: Duration = Duration::seconds(1);
/// A snapshot this old is not used: the request reads a fresh one itself.
const STALE_AFTER: Duration = Duration::seconds(5);

/// What the platform is told.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Quote {
    /// Whether someone who could take it is online now (busy or not).
    pub humans_online: bool,
    pub eta_seconds: i32,
    /// The 80 % range.
    pub eta_range_seconds: [i32; 2],
    /// Ready words for the customer, e.g. "about 3 minutes".
    pub wording: String,
    /// The place it would take in the queue (1: next).
    pub queue_position: i64,
    /// With nobody eligible online: when the next eligible agent is scheduled to start.
    pub next_scheduled_at: Option<DateTime<Utc>>,
}

/// What is quoted: the escalation that would be sent.
#[derive(Debug, Clone)]
pub struct QuoteRequest {
    pub language: String,
    pub market: String,
    pub required_skills: Vec<String>,
    pub priority_rank: i32,
}

/// This instance's snapshot.
#[derive(Debug, Default)]
pub struct QuoteBoard {
    current: Mutex<Option<Arc<Snapshot>>>,
    refreshing: AtomicBool,
}

#[derive(Debug)]
struct Snapshot {
    read_at: DateTime<Utc>,
    roster: Roster,
    loads: Vec<Load>,
    groups: Vec<WaitingGroup>,
    settings: MatchingSettings,
    pace: eta::Pace,
    /// Filled as quotes ask: pools, rules by (market, step), next scheduled starts by pool.
    pools: Mutex<PoolBoard<PoolKey>>,
    rules: Mutex<HashMap<(String, i32), Rules>>,
    scheduled: Mutex<HashMap<PoolKey, Option<DateTime<Utc>>>>,
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl QuoteBoard {
    /// The snapshot to quote from at `now`, and whether the caller should refresh it in the
    /// background (`refresh`).
    fn snapshot(
        &self,
        conn: &mut DbConn,
        now: DateTime<Utc>,
        dispatcher: &Dispatcher,
    ) -> Result<(Arc<Snapshot>, bool), AppError> {
        let kept = locked(&self.current).clone();
        match kept {
            Some(s) if s.read_at <= now && now - s.read_at < STALE_AFTER => {
                let old = now - s.read_at >= REFRESH_AFTER;
                let refresh = old && !self.refreshing.swap(true, Ordering::AcqRel);
                Ok((s, refresh))
            }
            _ => Ok((self.read(conn, now, dispatcher)?, false)),
        }
    }

    /// Reads a fresh snapshot and keeps it.
    pub fn refresh(&self, conn: &mut DbConn, now: DateTime<Utc>, dispatcher: &Dispatcher) -> Result<(), AppError> {
        self.read(conn, now, dispatcher).map(|_| ())
    }

    fn read(&self, conn: &mut DbConn, now: DateTime<Utc>, dispatcher: &Dispatcher) -> Result<Arc<Snapshot>, AppError> {
        let read = Snapshot::read(conn, now, dispatcher);
        self.refreshing.store(false, Ordering::Release);
        let fresh = Arc::new(read?);
        *locked(&self.current) = Some(fresh.clone());
        Ok(fresh)
    }

    pub fn clear(&self) {
        *locked(&self.current) = None;
    }
}

impl Snapshot {
    fn read(conn: &mut DbConn, now: DateTime<Utc>, dispatcher: &Dispatcher) -> Result<Snapshot, AppError> {
        let roster = Roster::read(conn, now, dispatcher)?;
        let recent = dispatcher.recent.at(conn, now)?;
        Ok(Snapshot {
            read_at: now,
            loads: roster.loads(&[]),
            roster,
            groups: escalation::waiting_groups(conn)?,
            settings: settings::load(conn)?,
            pace: recent.pace,
            pools: Mutex::default(),
            rules: Mutex::default(),
            scheduled: Mutex::default(),
        })
    }

    fn rules(&self, conn: &mut DbConn, market: &str, steps: i32) -> Result<Rules, AppError> {
        let key = (market.to_string(), steps);
        if let Some(rules) = locked(&self.rules).get(&key) {
            return Ok(rules.clone());
        }
        let rules = candidates::rules_for_market(conn, market, steps, &self.settings)?;
        locked(&self.rules).insert(key, rules.clone());
        Ok(rules)
    }

    fn pool(&self, conn: &mut DbConn, key: &PoolKey) -> Result<usize, AppError> {
        let rules = self.rules(conn, key.market(), key.widened_steps())?;
        Ok(locked(&self.pools).pool(key, || self.roster.eligible(&key.needs(), &rules)))
    }
}

/// The quote for `request` at `now`, and whether the snapshot should be read again in the
/// background (`QuoteBoard::refresh`).
pub fn quote(
    conn: &mut DbConn,
    dispatcher: &Dispatcher,
    request: &QuoteRequest,
    now: DateTime<Utc>,
) -> Result<(Quote, bool), AppError> {
    let (snapshot, refresh) = dispatcher.quotes.snapshot(conn, now, dispatcher)?;
    let key = PoolKey::quoted(&request.language, &request.required_skills, false, &request.market);
    let ours = snapshot.pool(conn, &key)?;
    let mut ahead: HashMap<usize, usize> = HashMap::new();
    let mut position = 1;
    for group in snapshot.groups.iter().filter(|g| g.priority_rank <= request.priority_rank) {
        let theirs = snapshot.pool(conn, &PoolKey::of_group(group))?;
        *ahead.entry(theirs).or_default() += group.count.max(0) as usize;
        position += group.count.max(0);
    }
    let (inputs, humans_online) = {
        let mut pools = locked(&snapshot.pools);
        let humans_online = !pools.members(ours).is_empty();
        (pools.inputs(ours, ahead, &snapshot.loads, snapshot.pace), humans_online)
    };
    let (estimate, next_scheduled_at) = match eta::estimate(&inputs) {
        Some(estimate) => (estimate, None),
        None => out_of_hours(conn, dispatcher, &snapshot, &key, inputs.ahead, now)?,
    };
    let wording = eta::wording(estimate.seconds, next_scheduled_at, now);
    let quote = Quote {
        humans_online,
        eta_seconds: estimate.seconds,
        eta_range_seconds: estimate.range(),
        wording,
        queue_position: position,
        next_scheduled_at,
    };
    Ok((quote, refresh))
}

/// Nobody eligible online: the wait until the next eligible agent's scheduled start.
fn out_of_hours(
    conn: &mut DbConn,
    dispatcher: &Dispatcher,
    snapshot: &Snapshot,
    key: &PoolKey,
    ahead: f64,
    now: DateTime<Utc>,
) -> Result<(Estimate, Option<DateTime<Utc>>), AppError> {
    let known = locked(&snapshot.scheduled).get(key).copied();
    let start = match known {
        Some(start) => start,
        None => {
            let rules = snapshot.rules(conn, key.market(), key.widened_steps())?;
            let start = scheduled::next_eligible_start(conn, now, dispatcher, &key.needs(), &rules)?;
            locked(&snapshot.scheduled).insert(key.clone(), start);
            start
        }
    };
    Ok(match start {
        Some(at) => (eta::until_scheduled((at - now).num_seconds().max(0) as f64, ahead, &snapshot.pace), Some(at)),
        None => (eta::nobody_online(ahead, snapshot.pace.handle_s), None),
    })
}
