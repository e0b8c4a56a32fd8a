//! Proficiency and learning in a run. With a scenario's `proficiency` curve, an agent's mean
//! proficiency in the needed skills sets how long a conversation takes and whether the
//! customer comes back (a new arrival of the same stream after `repeat_after_s`). The engine
//! never reads those curves: it learns each agent's speed and quality per skill from what it
//! sees (handle times as conversations end, outcomes when they become known), through the
//! same `Learner` the server uses, and ranks with the figures from the end of the warm-up on.

use super::World;
use super::events::Event;
use crate::sim::scenario::ProficiencyCurve;

impl World<'_> {
    /// The agent's mean proficiency in the escalation's skills (a skill they lack counts 1).
    fn proficiency_of(&self, escalation: usize, agent: usize) -> f64 {
        let skills = &self.escalations[escalation].needs.required_skills;
        if skills.is_empty() {
            return 5.0;
        }
        let c = &self.agents[agent].candidate;
        skills.iter().map(|s| c.proficiency_in(s).unwrap_or(1).max(1) as f64).sum::<f64>() / skills.len() as f64
    }

    /// Seconds the agent takes on the escalation: its drawn handle time, scaled by the curve
    /// at the agent's proficiency and divided by the agent's speed.
    pub(super) fn duration_of(&self, escalation: usize, agent: usize) -> f64 {
        let factor = self
            .scenario
            .proficiency
            .as_ref()
            .map_or(1.0, |c| ProficiencyCurve::at(&c.handle_factor, self.proficiency_of(escalation, agent)));
        self.escalations[escalation].handle_s * factor / self.agents[agent].speed
    }

    /// A conversation ended after `took` seconds: the engine learns its handle time now, and
    /// its outcome when the customer comes back or the time they would have has passed.
    pub(super) fn after_conversation(&mut self, escalation: usize, agent: usize, took: f64) {
        let id = self.agents[agent].candidate.agent_id;
        let skills = self.escalations[escalation].needs.required_skills.clone();
        self.learner.handled(id, &skills, took);
        self.refresh_learned(agent);
        let Some(curve) = &self.scenario.proficiency else { return };
        let (chance, after) =
            (ProficiencyCurve::at(&curve.first_contact, self.proficiency_of(escalation, agent)), curve.repeat_after_s);
        let first_contact = self.outcomes_rng.chance(chance);
        let at = self.now + after;
        if !first_contact && at < self.scenario.duration_s {
            let stream = self.escalations[escalation].stream;
            self.schedule(at, Event::Repeat { stream });
        }
        self.schedule(at, Event::Judge { escalation, agent, first_contact });
    }

    /// The outcome of a conversation is known: the customer came back, or did not.
    pub(super) fn judge(&mut self, escalation: usize, agent: usize, first_contact: bool) {
        self.escalations[escalation].first_contact = Some(first_contact);
        let id = self.agents[agent].candidate.agent_id;
        let skills = self.escalations[escalation].needs.required_skills.clone();
        self.learner.judged(id, &skills, if first_contact { 1.0 } else { 0.0 });
        self.refresh_learned(agent);
    }

    fn refresh_learned(&mut self, agent: usize) {
        if self.learning_applied {
            let id = self.agents[agent].candidate.agent_id;
            self.agents[agent].candidate.learned = self.learner.learned(id).into();
        }
    }

    /// From the end of the warm-up on, every agent's learned figures are in use.
    pub(super) fn apply_learning_after_warmup(&mut self) {
        if self.learning_applied || self.now < self.scenario.warmup_s {
            return;
        }
        self.learning_applied = true;
        for agent in 0..self.agents.len() {
            self.refresh_learned(agent);
        }
    }
}
