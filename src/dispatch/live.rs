//! The free agents as the dispatcher last read them, kept between passes. A pass reads again only
//! the agents named in changes committed since its last read (`realtime::bus`), and everyone when
//! that list is unknown or too long, and at least once a second, so an agent whose heartbeat went
//! quiet, or who became free without a notice, is seen within a second. Only rows read from the
//! database are kept, never what a pass decided: a rolled-back pass leaves nothing behind here,
//! and the runner drops everything after a failed pass or a lost lease.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::models::agent::{self, CandidateState};
use crate::realtime::bus::ChangedAgents;

/// The longest a pass relies on rows it did not read again (the kept queue too).
pub(super) const READ_EVERYONE_AFTER: Duration = Duration::seconds(1);

/// Most deferred changes kept; past it, everyone is read again (an idle queue for a long time).
const STALE_KEPT: usize = 5_000;

/// The candidates' rows, by agent.
#[derive(Debug, Default)]
pub struct LiveAgents {
    kept: Mutex<Option<Snapshot>>,
}

#[derive(Debug)]
struct Snapshot {
    rows: HashMap<AgentId, CandidateState>,
    /// When everyone was last read (by the pass's clock).
    read_at: DateTime<Utc>,
    /// Agents changed since, not read again yet (a pass with nothing waiting reads nobody).
    stale: Vec<AgentId>,
}

impl LiveAgents {
    /// The candidates at `now`, reading again the `changed` agents only while the last full read
    /// is fresh (or from another clock: a test driving time reads everyone).
    pub fn read(
        &self,
        conn: &mut DbConn,
        now: DateTime<Utc>,
        fresh_since: NaiveDateTime,
        changed: &ChangedAgents,
    ) -> Result<Vec<CandidateState>, AppError> {
        let mut kept = self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match (kept.as_mut(), changed) {
            (Some(snapshot), ChangedAgents::Only(ids))
                if snapshot.read_at <= now && now - snapshot.read_at < READ_EVERYONE_AFTER =>
            {
                let mut ids: Vec<AgentId> =
                    std::mem::take(&mut snapshot.stale).into_iter().chain(ids.clone()).collect();
                if !ids.is_empty() {
                    ids.sort_unstable();
                    ids.dedup();
                    for id in &ids {
                        snapshot.rows.remove(id);
                    }
                    for row in agent::candidates_among(conn, fresh_since, &ids)? {
                        snapshot.rows.insert(row.user_id, row);
                    }
                }
            }
            _ => {
                let rows = agent::candidates(conn, fresh_since)?;
                let rows = rows.into_iter().map(|r| (r.user_id, r)).collect();
                *kept = Some(Snapshot { rows, read_at: now, stale: Vec::new() });
            }
        }
        let snapshot = kept.as_ref().expect("filled above");
        // Heartbeats age between full reads: whoever went quiet since is no candidate.
        let mut rows: Vec<CandidateState> = snapshot
            .rows
            .values()
            .filter(|row| row.last_heartbeat_at.is_some_and(|at| at >= fresh_since))
            .cloned()
            .collect();
        rows.sort_unstable_by_key(|row| row.user_id);
        Ok(rows)
    }

    /// Remembers changes a pass did not read (it had nothing to dispatch): the next read covers them.
    pub fn defer(&self, changed: &ChangedAgents) {
        let mut kept = self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match (kept.as_mut(), changed) {
            (Some(snapshot), ChangedAgents::Only(ids)) if snapshot.stale.len() + ids.len() <= STALE_KEPT => {
                snapshot.stale.extend(ids)
            }
            (Some(_), ChangedAgents::Only(_)) => *kept = None,
            (Some(_), ChangedAgents::Everyone) => *kept = None,
            (None, _) => {}
        }
    }

    /// Drops the rows: the next pass reads everyone.
    pub fn clear(&self) {
        *self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}
