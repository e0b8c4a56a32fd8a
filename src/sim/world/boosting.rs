//! Live boosts in the simulation, as the server posts them (`coverage::live_boosts`): every
//! minute each stream with customers waiting is checked with the quote its newest waiting
//! customer would get now; below the target's share within the target time, a boost starts.
//! Agents of groups with a `boost_response` start offline and come online for a boost on work
//! they can take with that probability, after their delay, until it ends (finishing the
//! conversations they hold). The cost counted is the multiplier's extra on conversations
//! started under a boost, and the whole pay of responders' conversations (work that would
//! not have been done otherwise).

use super::{Event, World};
use crate::coverage::live_boosts::projected_within_range;

/// How often queues are checked, as `coverage::upkeep` does.
pub const CHECK_EVERY_S: f64 = 60.0;

impl World<'_> {
    pub(super) fn check_boosts(&mut self) {
        let Some(model) = self.scenario.boosts.clone() else { return };
        if self.now + CHECK_EVERY_S < self.scenario.duration_s {
            self.schedule(self.now + CHECK_EVERY_S, Event::BoostCheck);
        }
        for stream in 0..self.scenario.arrivals.len() {
            if self.boost_until[stream] > self.now {
                continue;
            }
            let newest = self
                .queue
                .iter()
                .rev()
                .copied()
                .find(|&i| self.escalations[i].stream == stream && self.escalations[i].is_waiting());
            let Some(index) = newest else { continue };
            let (estimate, _) = self.estimate_for(index);
            let share = projected_within_range(
                estimate.low as f64,
                estimate.seconds as f64,
                estimate.high as f64,
                model.within_s,
            );
            if share >= model.share {
                continue;
            }
            let until = self.now + model.minutes * 60.0;
            self.boost_until[stream] = until;
            self.boosts_posted += 1;
            let pool = self.stream_pool(stream);
            let members: Vec<usize> = self.pools.members(pool).to_vec();
            for agent in members {
                let a = &self.agents[agent];
                let Some(p) = a.boost_response else { continue };
                if a.candidate.available || a.coming_online {
                    continue;
                }
                if self.answers_rng.chance(p) {
                    let delay = a.boost_response_delay_s;
                    self.agents[agent].coming_online = true;
                    self.schedule(self.now + delay, Event::ComeOnline { agent, until });
                }
            }
        }
    }

    pub(super) fn come_online(&mut self, agent: usize, until: f64) {
        let a = &mut self.agents[agent];
        a.coming_online = false;
        a.candidate.available = true;
        a.last_free_at = self.now;
        self.schedule(until.max(self.now), Event::GoOffline { agent });
        self.dispatch();
    }

    pub(super) fn go_offline(&mut self, agent: usize) {
        // Conversations in hand are finished; no new offers.
        self.agents[agent].candidate.available = false;
    }
}

impl World<'_> {
    /// The pool of a stream's customers before any widening (as `pool_of` keys it).
    fn stream_pool(&mut self, stream: usize) -> usize {
        let s = &self.scenario.arrivals[stream];
        let needs = crate::matching::Needs {
            language: s.language.clone(),
            required_skills: s.required_skills.clone(),
            sensitive: s.sensitive,
            location: None,
        };
        let rules = self.rules_at(0);
        let agents = &self.agents;
        self.pools.pool(&(stream, 0), || {
            (0..agents.len())
                .filter(|&a| crate::matching::qualifies(&needs, &agents[a].candidate, &rules).is_ok())
                .collect()
        })
    }
}
