//! Honest time-to-human estimates, per eligible pool: only the agents who could take an
//! escalation (language, skills, market, the ladder step it has reached) drain its queue, and
//! only the escalations ahead of it that those agents would serve stand in its way. The same
//! code quotes on the server, in `GET /quote` and in the simulator (`sim::world`).
//!
//! The model: with `free` slots among the eligible agents and `ahead` escalations before this
//! one competing for them, the customer waits for `ahead + 1 - free` conversations to end
//! among the `busy` ones. Conversations end at about `busy / handle_s` a second (a renewal
//! process's long-run rate), so the wait for that many endings is a Gamma distribution: its
//! mean is the estimate and its 10th and 90th percentiles the 80 % range.

use chrono::{DateTime, Duration, Utc};
use statrs::distribution::{ContinuousCDF, Gamma};

use crate::db::DbConn;
use crate::error::AppError;
use crate::models::{db_time, escalation};

/// Until there is history: how long agents take to accept, and to handle a conversation.
pub const DEFAULT_ACCEPT_S: f64 = 10.0;
pub const DEFAULT_HANDLE_S: f64 = 480.0;
/// When nobody who could help is online and nobody is scheduled, we cannot know; this is what
/// we say meanwhile.
const NOBODY_ONLINE_S: f64 = 900.0;
const MAX_ETA_S: f64 = 4.0 * 3600.0;
/// The least change of ETA the platform is told of (seconds).
const ETA_NOTICE_S: i32 = 60;
/// The range quoted: 80 % of customers should wait within it.
const RANGE: (f64, f64) = (0.10, 0.90);

/// An estimate: the expected seconds to a human and the 80 % range around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    pub seconds: i32,
    pub low: i32,
    pub high: i32,
}

impl Estimate {
    pub fn range(&self) -> [i32; 2] {
        [self.low, self.high]
    }
}

/// What an estimate rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoolInputs {
    /// Waiting escalations ahead of this one that would take an agent of its pool: each counts
    /// by the share of its own eligible agents that are in this pool.
    pub ahead: f64,
    /// Room for one more conversation among the eligible agents, not yet offered.
    pub free: f64,
    /// Conversations and offers in progress among the eligible agents (each ending frees room).
    pub busy: f64,
    pub pace: Pace,
}

/// How fast things have gone lately: agents' accept time and handle time (seconds), and the
/// share of customers who waited for an agent to free up but left first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    pub accept_s: f64,
    pub handle_s: f64,
    pub leave_share: f64,
}

impl Default for Pace {
    fn default() -> Pace {
        Pace { accept_s: DEFAULT_ACCEPT_S, handle_s: DEFAULT_HANDLE_S, leave_share: 0.0 }
    }
}

/// Seconds until a human, with the 80 % range; `None` when nobody who could take it is online
/// (the caller looks for the next scheduled agent).
pub fn estimate(i: &PoolInputs) -> Option<Estimate> {
    let Pace { accept_s, handle_s, leave_share } = i.pace;
    // Some of those ahead leave before an agent frees up for them, as customers lately have.
    let ahead = i.ahead * (1.0 - leave_share.clamp(0.0, 0.9));
    let endings_needed = ahead + 1.0 - i.free;
    if endings_needed <= 0.0 {
        // Room now: the time an agent takes to accept (some answer at once).
        return Some(clamped(accept_s, 0.0, accept_s * 2.0));
    }
    if i.busy <= 0.0 {
        return None;
    }
    let rate = i.busy / handle_s;
    let Ok(wait) = Gamma::new(endings_needed, rate) else {
        return Some(clamped(MAX_ETA_S, MAX_ETA_S, MAX_ETA_S));
    };
    // The median, not the mean: the estimate that is off by the least on average (waits for
    // one or two endings are skewed: most are short, a few long).
    Some(clamped(
        accept_s + wait.inverse_cdf(0.5),
        accept_s + wait.inverse_cdf(RANGE.0),
        accept_s + wait.inverse_cdf(RANGE.1),
    ))
}

/// What is said while nobody eligible is online or scheduled: long, honest, bounded.
pub fn nobody_online(ahead: f64, handle_s: f64) -> Estimate {
    let seconds = NOBODY_ONLINE_S + handle_s * ahead;
    clamped(seconds, NOBODY_ONLINE_S * 0.5, seconds * 2.0)
}

/// Waiting for an agent scheduled to start `in_s` from now, with `ahead` before this one.
pub fn until_scheduled(in_s: f64, ahead: f64, pace: &Pace) -> Estimate {
    let seconds = in_s + pace.accept_s + pace.handle_s * ahead;
    clamped(seconds, in_s + pace.accept_s, seconds + pace.handle_s)
}

fn clamped(seconds: f64, low: f64, high: f64) -> Estimate {
    let bound = |s: f64| s.clamp(0.0, MAX_ETA_S).round() as i32;
    let seconds = bound(seconds);
    Estimate { seconds, low: bound(low).min(seconds), high: bound(high).max(seconds) }
}

/// Whether a waiting customer's platform should hear of a new estimate or place, given what it
/// was last told (`told_eta_s` 0: never). The ETA when it moved by a minute and a quarter of
/// what was said; the place, once told at all, when the customer is among the next three or
/// it moved by five places and a quarter. So a long wait is not a webhook a second.
pub fn worth_telling(told_eta_s: i32, told_position: i64, eta_s: i32, position: i64) -> bool {
    let eta_moved = (eta_s - told_eta_s).abs() as f64 >= (ETA_NOTICE_S as f64).max(0.25 * told_eta_s as f64);
    let place_moved = told_position > 0
        && position != told_position
        && (position <= 3 || (position - told_position).abs() as f64 >= 5f64.max(0.25 * told_position as f64));
    eta_moved || place_moved
}

/// Ready words for the customer: "less than a minute", "about 3 minutes", "about 2 hours", or
/// the time a scheduled agent starts ("we'll reply by 09:00 UTC tomorrow").
pub fn wording(seconds: i32, next_scheduled_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    if let Some(at) = next_scheduled_at {
        let day = if at.date_naive() == now.date_naive() {
            "today"
        } else if at.date_naive() == (now + Duration::days(1)).date_naive() {
            "tomorrow"
        } else {
            return format!("we'll reply by {} UTC on {}", at.format("%H:%M"), at.format("%A %-d %B"));
        };
        return format!("we'll reply by {} UTC {day}", at.format("%H:%M"));
    }
    let minutes = (seconds as f64 / 60.0).round() as i64;
    match seconds {
        ..60 => "less than a minute".into(),
        60..3_600 if minutes <= 1 => "about a minute".into(),
        60..3_600 => format!("about {minutes} minutes"),
        _ => {
            let hours = (seconds as f64 / 3600.0).round() as i64;
            if hours <= 1 { "about an hour".into() } else { format!("about {hours} hours") }
        }
    }
}

/// Recent accept latency and handle time, or the defaults, and the share of customers who
/// waited for an agent to free up (longer than two accepts) and left first, over the last hour.
pub fn history(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Pace, AppError> {
    let hour_ago = db_time(now - Duration::hours(1));
    let waits: Vec<f64> = escalation::recent_waits(conn, hour_ago)?
        .iter()
        .map(|(created, assigned)| (*assigned - *created).num_milliseconds() as f64 / 1000.0)
        .collect();
    let accept_s = if waits.is_empty() { DEFAULT_ACCEPT_S } else { waits.iter().sum::<f64>() / waits.len() as f64 };
    let handles = escalation::recent_handles(conn, db_time(now - Duration::hours(24)))?;
    let handle_s = if handles.is_empty() {
        DEFAULT_HANDLE_S
    } else {
        handles.iter().map(|(assigned, closed)| (*closed - *assigned).num_seconds() as f64).sum::<f64>()
            / handles.len() as f64
    };
    let accept_s = accept_s.max(1.0);
    let waited = waits.iter().filter(|w| **w > 2.0 * accept_s).count() as f64;
    let left = escalation::abandoned_since(conn, hour_ago)? as f64;
    let leave_share = if left + waited > 0.0 { left / (left + waited) } else { 0.0 };
    Ok(Pace { accept_s, handle_s: handle_s.max(30.0), leave_share })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(ahead: f64, free: f64, busy: f64) -> PoolInputs {
        PoolInputs { ahead, free, busy, pace: Pace { accept_s: 10.0, handle_s: 300.0, leave_share: 0.0 } }
    }

    #[test]
    fn room_in_the_pool_means_the_time_to_accept() {
        let e = estimate(&inputs(0.0, 1.0, 3.0)).unwrap();
        assert_eq!(e, Estimate { seconds: 10, low: 0, high: 20 });
    }

    #[test]
    fn a_queue_waits_for_conversations_to_end_among_the_eligible_only() {
        // Two ahead, one free slot: two endings among two busy agents, one every 150 s on
        // average: 300 s mean, 252 s median (a Gamma of shape 2), which is what is told.
        let e = estimate(&inputs(2.0, 1.0, 2.0)).unwrap();
        assert_eq!(e.seconds, 10 + 252);
        assert!(e.low < e.seconds && e.seconds < e.high, "{e:?}");
        // One ending among twenty busy agents: one every 15 s, exponential (median 10.4 s).
        let e = estimate(&inputs(0.0, 0.0, 20.0)).unwrap();
        assert_eq!(e.seconds, 10 + 10);
        assert_eq!(e.low, 10 + 2, "10th percentile of an exponential of mean 15: 1.6 s");
        assert_eq!(e.high, 10 + 35, "90th percentile: 34.5 s");
    }

    #[test]
    fn the_range_narrows_relative_to_the_wait_as_more_endings_are_needed() {
        let one = estimate(&inputs(0.0, 0.0, 10.0)).unwrap();
        let fifty = estimate(&inputs(49.0, 0.0, 10.0)).unwrap();
        let width = |e: Estimate| (e.high - e.low) as f64 / (e.seconds - 10) as f64;
        assert!(width(fifty) < width(one) / 3.0, "{one:?} {fifty:?}");
    }

    #[test]
    fn nobody_eligible_online_is_left_to_the_caller_and_bounded() {
        assert_eq!(estimate(&inputs(0.0, 0.0, 0.0)), None);
        assert_eq!(nobody_online(0.0, 300.0).seconds, 900);
        assert_eq!(nobody_online(1000.0, 300.0).seconds, 14_400);
    }

    #[test]
    fn the_platform_hears_of_changes_that_matter_not_of_drift() {
        assert!(worth_telling(0, 0, 900, 1), "a first long wait");
        assert!(!worth_telling(0, 0, 20, 1), "a short first wait is in the intake answer already");
        assert!(!worth_telling(1_800, 40, 1_700, 39), "100 s and one place on a half-hour wait");
        assert!(worth_telling(1_800, 40, 1_300, 39), "500 s is more than a quarter");
        assert!(worth_telling(300, 5, 290, 3), "among the next three");
        assert!(!worth_telling(300, 3, 300, 3));
        assert!(worth_telling(600, 40, 590, 30), "ten places of forty");
    }

    #[test]
    fn wording_reads_like_a_person() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T20:00:00Z").unwrap().to_utc();
        assert_eq!(wording(25, None, now), "less than a minute");
        assert_eq!(wording(70, None, now), "about a minute");
        assert_eq!(wording(170, None, now), "about 3 minutes");
        assert_eq!(wording(7_000, None, now), "about 2 hours");
        let morning = DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z").unwrap().to_utc();
        assert_eq!(wording(46_800, Some(morning), now), "we'll reply by 09:00 UTC tomorrow");
    }
}
