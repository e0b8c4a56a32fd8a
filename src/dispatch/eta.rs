//! Honest time-to-human estimates from live queue state.

use chrono::{DateTime, Duration, Utc};

use crate::db::DbConn;
use crate::error::AppError;
use crate::models::{db_time, escalation};

/// Until there is history: how long agents take to accept, and to handle a conversation.
const DEFAULT_ACCEPT_S: f64 = 10.0;
const DEFAULT_HANDLE_S: f64 = 480.0;
/// When nobody who could help is online, we cannot know; this is what we say meanwhile.
const NOBODY_ONLINE_S: f64 = 900.0;
const MAX_ETA_S: f64 = 4.0 * 3600.0;

/// What the estimate rests on.
#[derive(Debug, Clone, Copy)]
pub struct EtaInputs {
    /// 1-based place in the queue (priority, then age).
    pub position: usize,
    /// Agents who could take it and have room now.
    pub free_eligible: usize,
    /// Agents online at all (busy ones free up as they finish).
    pub online: usize,
    pub accept_s: f64,
    pub handle_s: f64,
}

/// Seconds until a human: an accept if someone is free for it; otherwise the wait for enough
/// conversations to end ahead of it.
pub fn estimate(i: &EtaInputs) -> i32 {
    let seconds = if i.position <= i.free_eligible {
        i.accept_s
    } else if i.online == 0 {
        NOBODY_ONLINE_S + i.handle_s * (i.position - 1) as f64
    } else {
        // With `online` agents busy, one conversation ends every handle_s / online seconds on
        // average; this escalation waits for as many endings as there are people ahead of it
        // beyond the free agents. (Rounding up to whole handle times, as before, told a
        // customer behind one other person to wait a full conversation.)
        let ahead = (i.position - i.free_eligible) as f64;
        i.accept_s + ahead * i.handle_s / i.online as f64
    };
    seconds.min(MAX_ETA_S).round() as i32
}

/// Recent accept latency and handle time, or the defaults.
pub fn history(conn: &mut DbConn, now: DateTime<Utc>) -> Result<(f64, f64), AppError> {
    let waits = escalation::recent_waits(conn, db_time(now - Duration::hours(1)))?;
    let accept_s = if waits.is_empty() {
        DEFAULT_ACCEPT_S
    } else {
        waits.iter().map(|(created, assigned)| (*assigned - *created).num_seconds() as f64).sum::<f64>()
            / waits.len() as f64
    };
    let handles = escalation::recent_handles(conn, db_time(now - Duration::hours(24)))?;
    let handle_s = if handles.is_empty() {
        DEFAULT_HANDLE_S
    } else {
        handles.iter().map(|(assigned, closed)| (*closed - *assigned).num_seconds() as f64).sum::<f64>()
            / handles.len() as f64
    };
    Ok((accept_s.max(1.0), handle_s.max(30.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(position: usize, free_eligible: usize, online: usize) -> EtaInputs {
        EtaInputs { position, free_eligible, online, accept_s: 10.0, handle_s: 300.0 }
    }

    #[test]
    fn a_free_agent_means_the_time_to_accept() {
        assert_eq!(estimate(&inputs(1, 1, 3)), 10);
    }

    #[test]
    fn a_queue_waits_for_conversations_to_end() {
        // Two ahead beyond the free agent, two agents finishing one every 150 s.
        assert_eq!(estimate(&inputs(3, 1, 2)), 10 + 300);
        assert_eq!(estimate(&inputs(6, 0, 2)), 10 + 900);
        // One ahead among twenty busy agents: a conversation ends every 15 s.
        assert_eq!(estimate(&inputs(2, 1, 20)), 10 + 15);
    }

    #[test]
    fn nobody_online_is_a_long_honest_wait_and_never_unbounded() {
        assert_eq!(estimate(&inputs(1, 0, 0)), 900);
        assert_eq!(estimate(&inputs(1000, 0, 0)), 14_400);
    }
}
