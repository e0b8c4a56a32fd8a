//! Computing and storing a forecast run: every queue seen in the history window gets 14 days
//! of arrivals per interval and its pace. Run hourly in the background (`upkeep`) and on demand
//! by staff (POST /api/v1/staff/coverage/forecast).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::forecast::{self, DAY, INTERVAL_S};
use super::target::{self, ServiceTarget};
use crate::db::{Db, DbConn};
use crate::error::AppError;
use crate::models::coverage_forecast::{self, NewForecast};
use crate::models::coverage_history::{self, QueueKey};
use crate::models::db_time;

/// Days ahead each run forecasts.
pub const HORIZON_DAYS: usize = 14;
/// Runs kept, newest first (older ones are deleted).
const RUNS_KEPT: usize = 48;
/// Fewest customers who left while waiting before a queue's own patience is trusted.
const LEAVERS_FOR_PATIENCE: i64 = 5;
/// Fewest resolved conversations before a queue's own handle time is trusted.
const RESOLVED_FOR_HANDLE: i64 = 5;
/// Accept time assumed before any offer was accepted.
const DEFAULT_ACCEPT_S: f64 = 10.0;

/// The start of the 30-minute interval holding `at`.
pub fn interval_start(at: DateTime<Utc>) -> DateTime<Utc> {
    let secs = at.timestamp().div_euclid(INTERVAL_S) * INTERVAL_S;
    DateTime::from_timestamp(secs, 0).unwrap_or(at)
}

/// What a run produced, for the staff who asked for it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunSummary {
    pub computed_at: DateTime<Utc>,
    pub inputs_version: String,
    pub starts_at: DateTime<Utc>,
    pub queues: usize,
    /// Queues forecast from too little history (the staff's expectation).
    pub queues_on_expectation: usize,
}

/// What a run learns from, read in one go.
struct Inputs {
    settings: ServiceTarget,
    starts_at: DateTime<Utc>,
    series: BTreeMap<QueueKey, Vec<f64>>,
    paces: BTreeMap<QueueKey, coverage_history::Pace>,
    accept_s: f64,
}

/// Reads the history window before the interval holding `now`: counts per queue and interval.
fn gather(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Inputs, AppError> {
    let settings = target::load(conn)?;
    let starts_at = interval_start(now);
    let from = starts_at - Duration::weeks(settings.history_weeks as i64);
    let (from_db, to_db) = (db_time(from), db_time(starts_at));
    let counts = coverage_history::arrivals(conn, from_db, to_db, INTERVAL_S)?;
    let paces = coverage_history::pace(conn, from_db, to_db)?.into_iter().collect();
    let accept_s = coverage_history::mean_accept_s(conn, from_db)?.unwrap_or(DEFAULT_ACCEPT_S).max(1.0);
    let first_bucket = from.timestamp() / INTERVAL_S;
    let intervals = ((starts_at - from).num_seconds() / INTERVAL_S) as usize;
    let mut series: BTreeMap<QueueKey, Vec<f64>> = BTreeMap::new();
    for (key, bucket, arrivals) in counts {
        let index = (bucket - first_bucket) as usize;
        if index < intervals {
            series.entry(key).or_insert_with(|| vec![0.0; intervals])[index] += arrivals as f64;
        }
    }
    Ok(Inputs { settings, starts_at, series, paces, accept_s })
}

/// One queue's forecast, ready to store.
struct Computed {
    key: QueueKey,
    arrivals: forecast::Arrivals,
    handle_s: f64,
    patience_s: f64,
    history_intervals: usize,
}

/// Fits every queue (CPU work, kept out of any transaction).
fn compute(inputs: &Inputs) -> Vec<Computed> {
    let horizon = HORIZON_DAYS * DAY;
    let expected = inputs.settings.expected_arrivals_per_hour / 2.0;
    inputs
        .series
        .iter()
        .map(|(key, history)| {
            // A queue's history starts with its first customer; the zeros before are not data.
            let first = history.iter().position(|v| *v > 0.0).unwrap_or(history.len());
            let seen = &history[first..];
            let (handle_s, patience_s) = pace_of(inputs.paces.get(key), &inputs.settings);
            Computed {
                key: key.clone(),
                arrivals: forecast::arrivals(seen, horizon, expected),
                handle_s,
                patience_s,
                history_intervals: seen.len(),
            }
        })
        .collect()
}

fn store(
    conn: &mut DbConn,
    inputs: &Inputs,
    computed: &[Computed],
    now: DateTime<Utc>,
) -> Result<RunSummary, AppError> {
    let version = inputs_version(&inputs.series, &inputs.paces, &inputs.settings);
    let rows: Vec<NewForecast> = computed
        .iter()
        .map(|c| NewForecast {
            computed_at: db_time(now),
            inputs_version: &version,
            starts_at: db_time(inputs.starts_at),
            language: &c.key.language,
            market: &c.key.market,
            required_skills: &c.key.required_skills,
            method: c.arrivals.method.as_str(),
            history_intervals: c.history_intervals as i32,
            handle_s: c.handle_s,
            patience_s: c.patience_s,
            accept_s: inputs.accept_s,
            arrivals: serde_json::to_string(&round_all(&c.arrivals.per_interval)).unwrap_or_else(|_| "[]".into()),
        })
        .collect();
    coverage_forecast::insert_run(conn, &rows, RUNS_KEPT)?;
    let on_expectation = computed.iter().filter(|c| c.arrivals.method == forecast::Method::StaffExpectation).count();
    Ok(RunSummary {
        computed_at: now,
        inputs_version: version,
        starts_at: inputs.starts_at,
        queues: computed.len(),
        queues_on_expectation: on_expectation,
    })
}

/// Computes and stores a run from the history before the interval holding `now`: one read,
/// the fitting on a blocking thread, one write.
pub async fn recompute(db: &Db, now: DateTime<Utc>) -> Result<RunSummary, AppError> {
    let inputs = db.read(move |conn| gather(conn, now)).await?;
    let (inputs, computed) = tokio::task::spawn_blocking(move || {
        let computed = compute(&inputs);
        (inputs, computed)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    db.write(move |conn| store(conn, &inputs, &computed, now)).await
}

/// The same, on one connection (the CLI and tests).
pub fn recompute_on(conn: &mut DbConn, now: DateTime<Utc>) -> Result<RunSummary, AppError> {
    let inputs = gather(conn, now)?;
    let computed = compute(&inputs);
    store(conn, &inputs, &computed, now)
}

/// Handle time and patience from a queue's history, or the staff's defaults where it holds too
/// few conversations to say. Handle time here is the conversation; the accept is added by the
/// model.
fn pace_of(pace: Option<&coverage_history::Pace>, settings: &ServiceTarget) -> (f64, f64) {
    let handle_s = match pace {
        Some(p) if p.resolved >= RESOLVED_FOR_HANDLE => (p.handle_sum_s / p.resolved as f64).max(1.0),
        _ => settings.default_handle_s as f64,
    };
    let patience_s = match pace {
        Some(p) if p.left_waiting >= LEAVERS_FOR_PATIENCE => {
            (p.waited_sum_s / p.left_waiting as f64).clamp(10.0, 7_200.0)
        }
        _ => settings.default_patience_s as f64,
    };
    (handle_s, patience_s)
}

/// Two decimals are plenty for arrivals and keep stored runs small.
fn round_all(values: &[f64]) -> Vec<f64> {
    values.iter().map(|v| (v * 100.0).round() / 100.0).collect()
}

/// A short hash of everything a run is computed from: the counts, the paces and the settings.
fn inputs_version(
    series: &BTreeMap<QueueKey, Vec<f64>>,
    paces: &BTreeMap<QueueKey, coverage_history::Pace>,
    settings: &ServiceTarget,
) -> String {
    let mut hash = Sha256::new();
    for (key, counts) in series {
        hash.update(format!("{key:?}{counts:?}"));
    }
    for (key, pace) in paces {
        hash.update(format!("{key:?}{pace:?}"));
    }
    hash.update(serde_json::to_string(settings).unwrap_or_default());
    hex::encode(&hash.finalize()[..8])
}
