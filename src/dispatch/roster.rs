//! Everyone online, busy or not, as ETAs count them: the free agents drain a queue at once,
//! the busy ones as their conversations end. Read at most once a second per instance
//! (`KeptRoster`); a pass corrects the loads with the free agents it read itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::Dispatcher;
use super::candidates;
use super::eta_pools::Load;
use super::live::READ_EVERYONE_AFTER;
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::matching::{Candidate, CandidateIndex, Needs, Rules};
use crate::models::{agent, db_time};

/// The agents online at `read_at`.
#[derive(Debug)]
pub struct Roster {
    pub read_at: DateTime<Utc>,
    candidates: Vec<Candidate>,
    index: CandidateIndex,
    positions: HashMap<AgentId, usize>,
}

impl Roster {
    pub fn read(conn: &mut DbConn, now: DateTime<Utc>, dispatcher: &Dispatcher) -> Result<Roster, AppError> {
        let states = agent::online_states(conn, db_time(now - dispatcher.heartbeat_timeout))?;
        let mut candidates = candidates::to_candidates(conn, now, dispatcher, states)?;
        candidates.sort_unstable_by_key(|c| c.agent_id);
        let positions = candidates.iter().enumerate().map(|(at, c)| (c.agent_id, at)).collect();
        Ok(Roster { read_at: now, index: CandidateIndex::build(&candidates), candidates, positions })
    }

    /// Positions of the agents who could take escalations of `needs` under `rules` once they
    /// have room.
    pub fn eligible(&self, needs: &Needs, rules: &Rules) -> Vec<usize> {
        self.index
            .shortlist(needs, rules)
            .filter(|&at| crate::matching::qualifies(needs, &self.candidates[at], rules).is_ok())
            .collect()
    }

    /// Everyone's room, corrected by `fresher` rows (a pass's own candidates, after its offers).
    pub fn loads(&self, fresher: &[Candidate]) -> Vec<Load> {
        let mut loads: Vec<Load> = self.candidates.iter().map(load_of).collect();
        for c in fresher {
            if let Some(&at) = self.positions.get(&c.agent_id) {
                loads[at] = load_of(c);
            }
        }
        loads
    }

    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }
}

fn load_of(c: &Candidate) -> Load {
    Load { free: c.free_capacity(), busy: c.active_conversations + c.pending_offers }
}

/// This instance's roster, read again when older than a second (or from another clock).
#[derive(Debug, Default)]
pub struct KeptRoster {
    current: Mutex<Option<Arc<Roster>>>,
}

impl KeptRoster {
    pub fn at(&self, conn: &mut DbConn, now: DateTime<Utc>, dispatcher: &Dispatcher) -> Result<Arc<Roster>, AppError> {
        if let Some(kept) = self.kept(now) {
            return Ok(kept);
        }
        let fresh = Arc::new(Roster::read(conn, now, dispatcher)?);
        *self.current.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(fresh.clone());
        Ok(fresh)
    }

    /// The kept roster if it is fresh at `now`.
    pub fn kept(&self, now: DateTime<Utc>) -> Option<Arc<Roster>> {
        let current = self.current.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        current.as_ref().filter(|r| r.read_at <= now && now - r.read_at < READ_EVERYONE_AFTER).cloned()
    }

    pub fn clear(&self) {
        *self.current.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}
