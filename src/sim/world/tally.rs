//! What a run produced, escalation by escalation, for the report.

use super::{State, World};
use crate::matching::Level;
use crate::sim::report::{Outcome, Tally};

impl World<'_> {
    /// What happened to each escalation that arrived in the measured window.
    pub fn tally(&self) -> Tally {
        let window = (self.scenario.warmup_s, self.scenario.duration_s);
        let outcomes = self
            .escalations
            .iter()
            .filter(|e| e.arrived >= window.0 && e.arrived < window.1)
            .map(|e| Outcome {
                arrived_s: e.arrived,
                handled: e.assigned_at.is_some(),
                left: e.state == State::Left,
                wait_s: e.assigned_at.map(|at| at - e.arrived),
                eta: e.eta,
                quoted_a_wait: e.quoted_a_wait,
                oracle_eta_s: self.oracle_eta(e),
                offers: e.offers,
                language_matched: e.agent.is_some_and(|a| {
                    self.agents[a].candidate.level_in(&e.needs.language).is_some_and(|l| l >= Level::Fluent)
                }),
                first_contact: e.first_contact,
            })
            .collect();
        Tally { outcomes, measured_s: window.1 - window.0 }
    }
}
