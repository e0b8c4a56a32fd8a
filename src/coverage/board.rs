//! The coverage board staff read (GET /api/v1/staff/coverage): per queue and 30-minute
//! interval, the forecast, the agents Erlang A requires, the agents scheduled, booked and
//! online, and the service level the scheduled and booked supply would give.
//!
//! An agent counts toward a queue when `matching::qualifies` says they could take its
//! escalations before any widening; one who could serve several queues is split by workload
//! (`requirement::split_supply`). Scheduled means the weekly availability and its exceptions
//! cover the interval's midpoint; booked means a booked slot of that queue starts the interval
//! (counted once if the agent was scheduled anyway); online is only known for the interval
//! holding now.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::erlang_a::Target;
use super::forecast::{INTERVAL_S, Method};
use super::requirement::{MOST_AGENTS, QueueModel, service_level, split_supply};
use super::target;
use crate::availability::store;
use crate::db::DbConn;
use crate::dispatch::{Dispatcher, candidates, settings};
use crate::error::AppError;
use crate::ids::AgentId;
use crate::matching::{Needs, qualifies};
use crate::models::coverage_forecast::{self, ForecastRow};
use crate::models::coverage_history::QueueKey;
use crate::models::{agent, db_time};

/// Longest span one request may ask for.
pub const MAX_SPAN: Duration = Duration::days(14);

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Interval {
    pub starts_at: DateTime<Utc>,
    pub forecast_arrivals: f64,
    pub required: u32,
    pub scheduled: f64,
    pub booked: f64,
    /// Agents online now, for the interval holding now; `null` for the others.
    pub online: Option<f64>,
    /// Share of customers reaching a human within the target with the scheduled and booked supply.
    pub forecast_service_level: f64,
    pub forecast_abandon: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueCoverage {
    pub language: String,
    pub market: String,
    pub required_skills: Vec<String>,
    pub method: Method,
    pub handle_s: f64,
    pub patience_s: f64,
    pub intervals: Vec<Interval>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Coverage {
    /// When the forecast used was computed; `null` before the first run.
    pub forecast_computed_at: Option<DateTime<Utc>>,
    pub inputs_version: Option<String>,
    pub target_share: f64,
    pub target_within_s: u32,
    pub target_max_abandon: f64,
    pub queues: Vec<QueueCoverage>,
}

/// One queue of the newest forecast, parsed.
pub struct ForecastQueue {
    pub key: QueueKey,
    pub method: Method,
    pub starts_at: DateTime<Utc>,
    pub model: QueueModel,
}

impl ForecastQueue {
    fn from_row(row: &ForecastRow) -> ForecastQueue {
        ForecastQueue {
            key: QueueKey::new(&row.language, &row.market, &row.required_skills),
            method: Method::parse(&row.method).unwrap_or(Method::StaffExpectation),
            starts_at: row.starts_at.and_utc(),
            model: QueueModel {
                arrivals_per_interval: serde_json::from_str(&row.arrivals).unwrap_or_default(),
                service_s: row.accept_s + row.handle_s,
                patience_s: row.patience_s,
                accept_s: row.accept_s,
            },
        }
    }

    /// The forecast's index of the interval starting at `at`, if it covers it.
    pub fn index_of(&self, at: DateTime<Utc>) -> Option<usize> {
        let offset = (at - self.starts_at).num_seconds();
        let index = offset.div_euclid(INTERVAL_S);
        (offset >= 0 && (index as usize) < self.model.arrivals_per_interval.len()).then_some(index as usize)
    }
}

/// The newest forecast's queues.
pub fn forecast_queues(conn: &mut DbConn) -> Result<(Vec<ForecastRow>, Vec<ForecastQueue>), AppError> {
    let rows = coverage_forecast::latest(conn)?;
    let queues = rows.iter().map(ForecastQueue::from_row).collect();
    Ok((rows, queues))
}

/// Active agents and, for each, the forecast queues they could serve.
pub struct Eligibility {
    pub agents: Vec<agent::Agent>,
    pub queues_of: Vec<Vec<usize>>,
}

pub fn eligibility(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    dispatcher: &Dispatcher,
    queues: &[ForecastQueue],
) -> Result<Eligibility, AppError> {
    let (states, agents): (Vec<_>, Vec<_>) = agent::active_states(conn)?.into_iter().unzip();
    let people = candidates::to_candidates(conn, now, dispatcher, states)?;
    let matching = settings::load(conn)?;
    let mut queues_of = vec![Vec::new(); people.len()];
    for (q, queue) in queues.iter().enumerate() {
        let rules = candidates::rules_for_market(conn, &queue.key.market, 0, &matching)?;
        let needs = Needs {
            language: queue.key.language.clone(),
            required_skills: queue.key.skills(),
            sensitive: false,
            location: None,
        };
        for (a, person) in people.iter().enumerate() {
            if qualifies(&needs, person, &rules).is_ok() {
                queues_of[a].push(q);
            }
        }
    }
    Ok(Eligibility { agents, queues_of })
}

/// Reads and assembles the board for intervals starting in [from, to).
pub fn coverage(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    dispatcher: &Dispatcher,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    booked: &super::slots::BookedAgents,
) -> Result<Coverage, AppError> {
    let settings = target::load(conn)?;
    let (rows, queues) = forecast_queues(conn)?;
    let eligible = eligibility(conn, now, dispatcher, &queues)?;
    let schedules = store::schedules_of(
        conn,
        &eligible.agents,
        from.date_naive() - Duration::days(2),
        to.date_naive() + Duration::days(2),
    )?;
    let online: HashSet<AgentId> = agent::online_states(conn, db_time(now - dispatcher.heartbeat_timeout))?
        .into_iter()
        .map(|s| s.user_id)
        .collect();
    let target = settings.target();
    let starts: Vec<DateTime<Utc>> =
        std::iter::successors(Some(super::run::interval_start(from)), |at| Some(*at + Duration::seconds(INTERVAL_S)))
            .take_while(|at| *at < to)
            .collect();
    let mut out: Vec<QueueCoverage> = queues
        .iter()
        .map(|q| QueueCoverage {
            language: q.key.language.clone(),
            market: q.key.market.clone(),
            required_skills: q.key.skills(),
            method: q.method,
            handle_s: q.model.service_s - q.model.accept_s,
            patience_s: q.model.patience_s,
            intervals: Vec::with_capacity(starts.len()),
        })
        .collect();
    let current = super::run::interval_start(now);
    for at in starts {
        let midpoint = at + Duration::seconds(INTERVAL_S / 2);
        let workload: Vec<f64> = queues.iter().map(|q| q.index_of(at).map_or(0.0, |i| q.model.workload(i))).collect();
        // Each agent's queues (borrowed, not copied), or none for one not counted in this column.
        let who = |keep: &dyn Fn(usize) -> bool| -> Vec<&[usize]> {
            (0..eligible.agents.len()).map(|a| if keep(a) { eligible.queues_of[a].as_slice() } else { &[] }).collect()
        };
        let scheduled_now: Vec<bool> = schedules.iter().map(|s| s.is_scheduled(midpoint)).collect();
        let scheduled = split_supply(who(&|a| scheduled_now[a]), &workload);
        let booked_ids: Vec<HashSet<AgentId>> = queues
            .iter()
            .map(|q| booked.get(&(q.key.clone(), at)).map(|ids| ids.iter().copied().collect()).unwrap_or_default())
            .collect();
        let booked_split = booked_supply(&eligible, &booked_ids, &workload);
        let with_bookings = split_supply(
            who(&|a| scheduled_now[a] || booked_ids.iter().any(|ids| ids.contains(&eligible.agents[a].user_id))),
            &workload,
        );
        let online_split =
            (at == current).then(|| split_supply(who(&|a| online.contains(&eligible.agents[a].user_id)), &workload));
        for (q, queue) in queues.iter().enumerate() {
            let Some(index) = queue.index_of(at) else { continue };
            out[q].intervals.push(cell(
                queue,
                index,
                at,
                &target,
                scheduled[q],
                booked_split[q],
                online_split.as_ref().map(|o| o[q]),
                with_bookings[q],
            ));
        }
    }
    let newest = rows.first();
    Ok(Coverage {
        forecast_computed_at: newest.map(|r| r.computed_at.and_utc()),
        inputs_version: newest.map(|r| r.inputs_version.clone()),
        target_share: settings.share,
        target_within_s: settings.within_s,
        target_max_abandon: settings.max_abandon,
        queues: out,
    })
}

/// Booked agents per queue, split like the scheduled ones but only over the queues they booked.
fn booked_supply(eligible: &Eligibility, booked: &[HashSet<AgentId>], workload: &[f64]) -> Vec<f64> {
    let lists: Vec<Vec<usize>> = eligible
        .agents
        .iter()
        .map(|a| (0..booked.len()).filter(|q| booked[*q].contains(&a.user_id)).collect())
        .collect();
    split_supply(lists.iter().map(Vec::as_slice), workload)
}

#[allow(clippy::too_many_arguments)]
fn cell(
    queue: &ForecastQueue,
    index: usize,
    at: DateTime<Utc>,
    target: &Target,
    scheduled: f64,
    booked: f64,
    online: Option<f64>,
    supply: f64,
) -> Interval {
    let erlang = queue.model.queue(index);
    let (required, _) = super::erlang_a::required(&erlang, target, MOST_AGENTS);
    let level = service_level(&erlang, supply, target);
    let round = |v: f64| (v * 100.0).round() / 100.0;
    Interval {
        starts_at: at,
        forecast_arrivals: queue.model.arrivals_per_interval[index],
        required,
        scheduled: round(scheduled),
        booked: round(booked),
        online: online.map(round),
        forecast_service_level: round(level.within_target * 100.0) / 100.0,
        forecast_abandon: (level.abandons * 10_000.0).round() / 10_000.0,
    }
}
