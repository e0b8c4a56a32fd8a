//! An agent's activity and rates as stored, turned into payroll pieces: the one place the
//! statement, the staff export and the /agent/earnings page read work from.

use chrono::{DateTime, Utc};

use super::arithmetic::{Interval, RateSpan, Work, online_spans};
use super::ledger::{Activity, Piece, meter};
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::models::agent::Presence;
use crate::models::{agent_rate, assignment, db_time, presence_event};

/// What the agent did in `period`, as far as `now` (an open conversation or an agent still
/// online counts up to `now`, never into the future).
pub fn activity(conn: &mut DbConn, agent: AgentId, period: Interval, now: DateTime<Utc>) -> Result<Activity, AppError> {
    let (from, to) = (db_time(period.start), db_time(period.end));
    let stretches = assignment::overlapping(conn, agent, from, to)?;
    let work = stretches
        .iter()
        .map(|a| Work {
            escalation_id: a.escalation_id,
            interval: Interval {
                start: a.started_at.and_utc(),
                end: a.ended_at.map(|e| e.and_utc()).unwrap_or(now).min(now),
            },
        })
        .collect();
    let resolutions = stretches
        .iter()
        .filter(|a| a.outcome == Some(assignment::Outcome::Resolved))
        .filter_map(|a| a.ended_at.map(|at| (a.escalation_id, at.and_utc())))
        .collect();
    let online_at_start = presence_event::presence_before(conn, agent, from)? == Some(Presence::Online);
    let changes: Vec<(DateTime<Utc>, bool)> = presence_event::changes_between(conn, agent, from, to)?
        .into_iter()
        .map(|(at, presence)| (at.and_utc(), presence == Presence::Online))
        .collect();
    Ok(Activity { online: online_spans(online_at_start, &changes, period, now), work, resolutions })
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
