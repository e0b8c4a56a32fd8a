//! Learning each agent's speed and quality per skill from the work seen, never from anything
//! an agent states: handle times, first-contact outcomes and review scores go in; out come
//! [`Learned`] figures shrunk toward the pool's mean for the skill (a beta-style prior worth
//! `prior_weight` observations), so a new agent is judged on the pool until their own work
//! says otherwise. The server feeds it its history hourly (`quality::learning`); the simulator
//! feeds it each conversation as it ends.

use std::collections::HashMap;

use super::Learned;
use crate::ids::AgentId;

#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    handle_sum: f64,
    handle_n: f64,
    quality_sum: f64,
    quality_n: f64,
}

/// Quality assumed for a skill nobody has any outcome in yet.
const NEUTRAL_QUALITY: f64 = 0.5;

#[derive(Debug, Clone, Default)]
pub struct Learner {
    prior_weight: f64,
    by_agent: HashMap<AgentId, HashMap<String, Sums>>,
    pool: HashMap<String, Sums>,
}

impl Learner {
    pub fn new(prior_weight: f64) -> Learner {
        Learner { prior_weight, ..Learner::default() }
    }

    fn each(&mut self, agent: AgentId, skills: &[String], mut add: impl FnMut(&mut Sums)) {
        let own = self.by_agent.entry(agent).or_default();
        for skill in skills {
            add(own.entry(skill.clone()).or_default());
            add(self.pool.entry(skill.clone()).or_default());
        }
    }

    /// A conversation needing `skills` took the agent `handle_s` seconds.
    pub fn handled(&mut self, agent: AgentId, skills: &[String], handle_s: f64) {
        self.each(agent, skills, |s| {
            s.handle_sum += handle_s;
            s.handle_n += 1.0;
        });
    }

    /// An outcome between 0 and 1: resolved on first contact (1) or not (0), or a review score.
    pub fn judged(&mut self, agent: AgentId, skills: &[String], quality: f64) {
        self.each(agent, skills, |s| {
            s.quality_sum += quality;
            s.quality_n += 1.0;
        });
    }

    fn shrunk(&self, sum: f64, n: f64, mean: f64) -> f64 {
        (sum + self.prior_weight * mean) / (n + self.prior_weight).max(f64::MIN_POSITIVE)
    }

    /// The agent's figures in every skill they have handled, by skill name.
    pub fn learned(&self, agent: AgentId) -> Vec<Learned> {
        let Some(own) = self.by_agent.get(&agent) else { return vec![] };
        let mut out: Vec<Learned> = own
            .iter()
            .filter(|(_, s)| s.handle_n > 0.0)
            .map(|(skill, s)| {
                let pool = self.pool.get(skill).copied().unwrap_or_default();
                let pool_handle = pool.handle_sum / pool.handle_n.max(1.0);
                let pool_quality =
                    if pool.quality_n > 0.0 { pool.quality_sum / pool.quality_n } else { NEUTRAL_QUALITY };
                Learned {
                    skill: skill.clone(),
                    handle_s: self.shrunk(s.handle_sum, s.handle_n, pool_handle),
                    quality: self.shrunk(s.quality_sum, s.quality_n, pool_quality),
                }
            })
            .collect();
        out.sort_by(|a, b| a.skill.cmp(&b.skill));
        out
    }

    /// Conversations the agent handled needing `skill`.
    pub fn handled_count(&self, agent: AgentId, skill: &str) -> u32 {
        self.by_agent.get(&agent).and_then(|own| own.get(skill)).map_or(0, |s| s.handle_n as u32)
    }

    pub fn agents(&self) -> impl Iterator<Item = AgentId> + '_ {
        self.by_agent.keys().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_start_at_the_pool_and_follow_the_agents_own_work() {
        let mut learner = Learner::new(5.0);
        let skills = vec!["payments".to_string()];
        for _ in 0..50 {
            learner.handled(AgentId(1), &skills, 200.0);
            learner.judged(AgentId(1), &skills, 1.0);
        }
        learner.handled(AgentId(2), &skills, 800.0);
        learner.judged(AgentId(2), &skills, 0.0);
        let fast = &learner.learned(AgentId(1))[0];
        let new = &learner.learned(AgentId(2))[0];
        assert!(fast.handle_s < 260.0 && fast.quality > 0.9, "{fast:?}");
        // One slow, unresolved conversation moves a new agent only a sixth of the way.
        let pool_handle = (50.0 * 200.0 + 800.0) / 51.0;
        assert!((new.handle_s - (800.0 + 5.0 * pool_handle) / 6.0).abs() < 1e-9, "{new:?}");
        assert!(new.quality > 0.75, "{new:?}");
        assert!(learner.learned(AgentId(3)).is_empty());
    }
}
