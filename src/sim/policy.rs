//! Who gets an offer, by policy: `engine` ranks with src/matching exactly as the server does;
//! the baselines pick among the same eligible agents the way common routers do.

use serde::{Deserialize, Serialize};

use super::random::Rng;
use super::world::Agent;
use crate::matching::{self, Needs, Rules, Weights};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Our ranking (skill, language, rating, load, idle, fairness, cost, proximity), offers,
    /// widening ladder, priority-then-age queue.
    Engine,
    /// First come first served; the eligible agent idle longest (Twilio TaskRouter's and
    /// Amazon Connect's default).
    #[value(name = "longest_idle")]
    LongestIdle,
    /// First come first served; the next eligible agent in a fixed rotation (Chatwoot).
    #[value(name = "round_robin")]
    RoundRobin,
    /// First come first served; any eligible agent at random.
    Random,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Engine => "engine",
            Policy::LongestIdle => "longest_idle",
            Policy::RoundRobin => "round_robin",
            Policy::Random => "random",
        }
    }
}

pub struct Selector {
    pub policy: Policy,
    /// The last agent round robin chose.
    cursor: usize,
}

impl Selector {
    pub fn new(policy: Policy) -> Selector {
        Selector { policy, cursor: usize::MAX }
    }

    /// The agent (index) to offer to, among `free` (agents with room), or none eligible.
    pub fn choose(
        &mut self,
        needs: &Needs,
        agents: &[Agent],
        free: &[usize],
        rules: &Rules,
        weights: &Weights,
        rng: &mut Rng,
    ) -> Option<usize> {
        let eligible = |a: &usize| matching::check(needs, &agents[*a].candidate, rules).is_ok();
        match self.policy {
            Policy::Engine => {
                let candidates: Vec<matching::Candidate> = free.iter().map(|&a| agents[a].candidate.clone()).collect();
                let best = matching::best(needs, &candidates, rules, weights)?;
                free.iter().copied().find(|&a| agents[a].candidate.agent_id == best.agent_id)
            }
            Policy::LongestIdle => free.iter().copied().filter(eligible).max_by(|&a, &b| {
                agents[a].candidate.idle_seconds.cmp(&agents[b].candidate.idle_seconds).then(b.cmp(&a))
            }),
            Policy::RoundRobin => {
                // `free` is in agent order: the first eligible after the cursor, wrapping.
                let after =
                    free.iter().copied().filter(eligible).find(|&a| self.cursor == usize::MAX || a > self.cursor);
                let chosen = after.or_else(|| free.iter().copied().find(eligible))?;
                self.cursor = chosen;
                Some(chosen)
            }
            Policy::Random => {
                let pool: Vec<usize> = free.iter().copied().filter(eligible).collect();
                (!pool.is_empty()).then(|| pool[rng.below(pool.len())])
            }
        }
    }
}
