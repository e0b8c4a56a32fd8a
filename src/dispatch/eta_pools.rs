//! The eligible pools an ETA rests on, shared by the dispatcher, quotes and the simulator: each
//! pool is the agents online who could take escalations of one kind (positions in a list of
//! agents), and an escalation ahead counts against ours by the share of its pool that is ours.
//! Pools and shares are computed once per kind, so a queue of 500 escalations of a dozen
//! kinds costs a dozen eligibility scans, not 500.

use std::collections::HashMap;
use std::hash::Hash;

use super::eta::{Pace, PoolInputs};

/// An online agent's room, as the estimate counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Load {
    pub free: u32,
    pub busy: u32,
}

/// Pools by kind `K`, with the shares between them.
#[derive(Debug)]
pub struct PoolBoard<K> {
    ids: HashMap<K, usize>,
    members: Vec<Vec<usize>>,
    shares: HashMap<(usize, usize), f64>,
}

impl<K> Default for PoolBoard<K> {
    fn default() -> Self {
        PoolBoard { ids: HashMap::new(), members: Vec::new(), shares: HashMap::new() }
    }
}

impl<K: Hash + Eq + Clone> PoolBoard<K> {
    /// The pool of `key`, its members found by `eligible` the first time (sorted here).
    pub fn pool(&mut self, key: &K, eligible: impl FnOnce() -> Vec<usize>) -> usize {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let mut members = eligible();
        members.sort_unstable();
        members.dedup();
        self.members.push(members);
        self.ids.insert(key.clone(), self.members.len() - 1);
        self.members.len() - 1
    }

    pub fn members(&self, pool: usize) -> &[usize] {
        &self.members[pool]
    }

    /// The inputs for an escalation of pool `ours` behind `ahead` (escalations ahead of it,
    /// counted by pool), with the agents' room in `loads`.
    pub fn inputs(
        &mut self,
        ours: usize,
        ahead: impl IntoIterator<Item = (usize, usize)>,
        loads: &[Load],
        pace: Pace,
    ) -> PoolInputs {
        let mut waiting_ahead = 0.0;
        for (theirs, count) in ahead {
            if count > 0 {
                waiting_ahead += count as f64 * self.share(ours, theirs);
            }
        }
        let members = &self.members[ours];
        PoolInputs {
            ahead: waiting_ahead,
            free: members.iter().map(|&a| loads[a].free as f64).sum(),
            busy: members.iter().map(|&a| loads[a].busy as f64).sum(),
            pace,
        }
    }

    fn share(&mut self, ours: usize, theirs: usize) -> f64 {
        if ours == theirs {
            return 1.0;
        }
        let members = &self.members;
        *self.shares.entry((ours, theirs)).or_insert_with(|| share(&members[ours], &members[theirs]))
    }
}

/// The share of `theirs` (sorted) that is also in `ours` (sorted): how likely an escalation of
/// their pool takes one of our agents.
pub fn share(ours: &[usize], theirs: &[usize]) -> f64 {
    if theirs.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < ours.len() && j < theirs.len() {
        match ours[i].cmp(&theirs[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common as f64 / theirs.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_escalation_ahead_counts_by_the_share_of_its_pool_that_is_ours() {
        let loads = vec![Load { free: 0, busy: 1 }; 5];
        let mut board: PoolBoard<&str> = PoolBoard::default();
        let ours = board.pool(&"ours", || vec![1, 0]);
        let theirs = board.pool(&"theirs", || vec![4, 3, 2, 1]);
        assert_eq!(board.pool(&"ours", || unreachable!("kept")), ours);
        assert_eq!(board.members(ours), &[0, 1]);
        assert_eq!(share(board.members(ours), board.members(theirs)), 0.25);
        let i = board.inputs(ours, [(theirs, 4), (ours, 2)], &loads, Pace::default());
        assert_eq!(i.ahead, 4.0 * 0.25 + 2.0);
        assert_eq!((i.free, i.busy), (0.0, 2.0));
    }

    #[test]
    fn nobody_in_their_pool_takes_nothing_from_ours() {
        assert_eq!(share(&[1, 2], &[]), 0.0);
        assert_eq!(share(&[1, 2], &[3, 4]), 0.0);
    }
}
