//! An agent's earnings so far in a period, from stored work and rates (shared by the
//! /agent/earnings page; the payroll export will use the same arithmetic).

use chrono::{DateTime, Utc};

use super::arithmetic::{Interval, PayLine, RateSpan, pay};
use crate::db::DbConn;
use crate::error::AppError;
use crate::models::{agent_rate, db_time, escalation};

/// Pay lines for `agent` in `period`; conversations still open count up to `now`.
pub fn for_agent(
    conn: &mut DbConn,
    agent: i64,
    period: Interval,
    now: DateTime<Utc>,
) -> Result<Vec<PayLine>, AppError> {
    let work = escalation::work_between(conn, agent, db_time(period.start), db_time(period.end))?;
    let engaged: Vec<Interval> = work
        .iter()
        .map(|(assigned, closed, _)| Interval {
            start: assigned.and_utc(),
            end: closed.map(|c| c.and_utc()).unwrap_or(now).min(now),
        })
        .collect();
    let resolutions: Vec<DateTime<Utc>> = work
        .iter()
        .filter(|(_, _, state)| state == escalation::state::RESOLVED)
        .filter_map(|(_, closed, _)| closed.map(|c| c.and_utc()))
        .collect();
    let rates: Vec<RateSpan> = agent_rate::history(conn, agent)?
        .into_iter()
        .map(|r| RateSpan {
            from: r.effective_from.and_utc(),
            hourly_minor: r.hourly_rate_minor,
            per_conversation_minor: r.per_conversation_minor,
            currency: r.currency,
        })
        .collect();
    Ok(pay(engaged, &resolutions, &rates, period))
}
