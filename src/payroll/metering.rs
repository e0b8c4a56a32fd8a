//! An agent's activity and rates as stored, turned into payroll pieces: the one place the
//! statement, the staff export and the /agent/earnings page read work from.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::arithmetic::{Interval, RateSpan, Work, online_spans};
use super::boost::BoostSpan;
use super::ledger::{Activity, Handling, Piece, meter};
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::{AgentId, EscalationId};
use crate::models::agent::Presence;
use crate::models::boost::{self, BoostKind};
use crate::models::coverage_history::QueueKey;
use crate::models::coverage_slot::{self, BookingState};
use crate::models::{agent_rate, assignment, db_time, escalation, presence_event};

/// What the agent did in `period`, as far as `now` (an open conversation or an agent still
/// online counts up to `now`, never into the future).
pub fn activity(conn: &mut DbConn, agent: AgentId, period: Interval, now: DateTime<Utc>) -> Result<Activity, AppError> {
    let (from, to) = (db_time(period.start), db_time(period.end));
    let stretches = assignment::overlapping(conn, agent, from, to)?;
    let work: Vec<Work> = stretches
        .iter()
        .map(|a| Work {
            escalation_id: a.escalation_id,
            interval: Interval {
                start: a.started_at.and_utc(),
                end: a.ended_at.map(|e| e.and_utc()).unwrap_or(now).min(now),
            },
        })
        .collect();
    let resolved = || stretches.iter().filter(|a| a.outcome == Some(assignment::Outcome::Resolved));
    // A conversation counts when it was resolved (before wrap-up, stretches had no resolved_at).
    let resolutions =
        resolved().filter_map(|a| a.resolved_at.or(a.ended_at).map(|at| (a.escalation_id, at.and_utc()))).collect();
    let handling = resolved()
        .filter_map(|a| {
            let (engaged_s, wrap_up_s) = a.split_seconds(db_time(now))?;
            Some((a.escalation_id, Handling { engaged_s, wrap_up_s }))
        })
        .collect();
    let online_at_start = presence_event::presence_before(conn, agent, from)? == Some(Presence::Online);
    let changes: Vec<(DateTime<Utc>, bool)> = presence_event::changes_between(conn, agent, from, to)?
        .into_iter()
        .map(|(at, presence)| (at.and_utc(), presence == Presence::Online))
        .collect();
    let boosts = boost_spans(conn, agent, &work, period)?;
    Ok(Activity { online: online_spans(online_at_start, &changes, period, now), work, resolutions, handling, boosts })
}

/// Where the agent's work in `period` is boosted: live boosts on a worked escalation's queue,
/// and scheduled boosts on it inside the agent's booked (or kept) slots of that queue.
fn boost_spans(conn: &mut DbConn, agent: AgentId, work: &[Work], period: Interval) -> Result<Vec<BoostSpan>, AppError> {
    let (from, to) = (db_time(period.start), db_time(period.end));
    let boosts = boost::overlapping(conn, from, to)?;
    if boosts.is_empty() || work.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<EscalationId> = work.iter().map(|w| w.escalation_id).collect();
    let queues: HashMap<EscalationId, QueueKey> = escalation::queues_of(conn, &ids)?
        .into_iter()
        .map(|(id, language, market, skills)| (id, QueueKey::new(&language, &market, &skills)))
        .collect();
    let slot = Duration::seconds(crate::coverage::forecast::INTERVAL_S);
    let booked: Vec<(QueueKey, Interval)> = coverage_slot::of_agent(conn, agent, from - slot, to)?
        .into_iter()
        .filter(|(b, _)| matches!(b.state, BookingState::Booked | BookingState::Kept))
        .map(|(b, s)| {
            let start = b.starts_at.and_utc();
            (s.queue(), Interval { start, end: start + slot })
        })
        .collect();
    let mut spans = Vec::new();
    for (id, key) in &queues {
        for b in boosts.iter().filter(|b| b.queue() == *key) {
            let window = Interval { start: b.starts_at.and_utc(), end: b.ends_at.and_utc() };
            let inside: Vec<Interval> = match b.kind {
                BoostKind::Live => vec![window],
                BoostKind::Scheduled => {
                    booked.iter().filter(|(k, _)| k == key).filter_map(|(_, iv)| iv.clip(&window)).collect()
                }
            };
            spans.extend(inside.into_iter().map(|interval| BoostSpan {
                escalation_id: *id,
                interval,
                multiplier_pct: b.multiplier_pct as i64,
            }));
        }
    }
    Ok(spans)
}

/// Every rate the agent has had, oldest first.
pub fn rates(conn: &mut DbConn, agent: AgentId) -> Result<Vec<RateSpan>, AppError> {
    Ok(agent_rate::history(conn, agent)?
        .into_iter()
        .map(|r| RateSpan {
            from: r.effective_from.and_utc(),
            hourly_minor: r.hourly_rate_minor,
            per_conversation_minor: r.per_conversation_minor,
            currency: r.currency,
        })
        .collect())
}

/// The agent's payroll pieces in `period`.
pub fn pieces(conn: &mut DbConn, agent: AgentId, period: Interval, now: DateTime<Utc>) -> Result<Vec<Piece>, AppError> {
    let activity = activity(conn, agent, period, now)?;
    Ok(meter(&activity, &rates(conn, agent)?, period))
}

/// Agents who may have something to be paid for in `period`: anyone who worked in it, and
/// anyone who had a presence change before its end (they may have been online in it).
pub fn agents_in(conn: &mut DbConn, period: Interval) -> Result<Vec<AgentId>, AppError> {
    let (from, to) = (db_time(period.start), db_time(period.end));
    let mut ids = assignment::agents_working(conn, from, to)?;
    ids.extend(presence_event::agents_seen_before(conn, to)?);
    ids.sort();
    ids.dedup();
    Ok(ids)
}
