//! The ETA the server would quote, by the server's own code (`dispatch::eta`, `eta_pools`),
//! from the simulated world's live state; and the hindsight estimate that knows each
//! customer's exact place (the floor the report shows beside it).

use std::collections::HashMap;

use super::{Escalation, World};
use crate::dispatch::eta;
use crate::dispatch::eta_pools::Load;

impl World<'_> {
    /// The server's estimate for an escalation at arrival, by the server's code, from the same
    /// live inputs: the agents online with their room, who is eligible, who waits ahead.
    pub(super) fn quote(&mut self, index: usize) {
        let (quoted, inputs) = self.estimate_for(index);
        let e = &mut self.escalations[index];
        e.eta = quoted;
        e.quoted_a_wait = inputs.ahead + 1.0 > inputs.free;
        e.inputs = Some(inputs);
    }

    /// What the server would quote the escalation now, with the inputs behind it. Agents who
    /// are offline (boost responders not called) count as neither free nor busy.
    pub(super) fn estimate_for(&mut self, index: usize) -> (eta::Estimate, eta::PoolInputs) {
        let mut ahead: HashMap<usize, usize> = HashMap::new();
        for w in self.waiting_order().into_iter().take_while(|&w| w != index) {
            let pool = self.pool_of(w);
            *ahead.entry(pool).or_default() += 1;
        }
        let ours = self.pool_of(index);
        let loads: Vec<Load> = self
            .agents
            .iter()
            .map(|a| match a.candidate.available {
                true => Load {
                    free: a.candidate.free_capacity(),
                    busy: a.candidate.active_conversations + a.candidate.pending_offers,
                },
                false => Load { free: 0, busy: a.candidate.active_conversations + a.candidate.pending_offers },
            })
            .collect();
        let inputs = self.pools.inputs(ours, ahead, &loads, self.pace());
        let quoted = eta::estimate(&inputs).unwrap_or_else(|| eta::nobody_online(inputs.ahead, inputs.pace.handle_s));
        (quoted, inputs)
    }

    /// Recent accept and handle times and the share of waiting customers who left, as the
    /// server keeps them (over the whole run here).
    fn pace(&self) -> eta::Pace {
        let mean = |sum: f64, n: f64, default: f64| if n > 0.0 { sum / n } else { default };
        eta::Pace {
            accept_s: mean(self.accept_sum, self.accept_n, eta::DEFAULT_ACCEPT_S),
            handle_s: mean(self.handle_sum, self.handle_n, eta::DEFAULT_HANDLE_S),
            leave_share: mean(self.waited_left, self.waited_left + self.waited_served, 0.0),
        }
    }

    /// The pool of an escalation: its stream at its ladder step.
    pub(super) fn pool_of(&mut self, index: usize) -> usize {
        let key = (self.escalations[index].stream, self.escalations[index].widened);
        let needs = self.escalations[index].needs.clone();
        let rules = self.rules_for(index);
        let agents = &self.agents;
        self.pools.pool(&key, || {
            (0..agents.len())
                .filter(|&a| crate::matching::qualifies(&needs, &agents[a].candidate, &rules).is_ok())
                .collect()
        })
    }

    /// What the same estimator would have quoted knowing the customer's exact place: how many
    /// customers took one of its agents before it (in hindsight). The error left is the handle
    /// times' randomness, which no estimate of the place removes.
    pub(super) fn oracle_eta(&self, e: &Escalation) -> f64 {
        let Some(inputs) = e.inputs else { return e.eta.seconds as f64 };
        // (Those who left are not in its count: nothing to discount.)
        let pace = eta::Pace { leave_share: 0.0, ..inputs.pace };
        let exact = eta::PoolInputs { ahead: e.served_first as f64, pace, ..inputs };
        eta::estimate(&exact).map_or(e.eta.seconds as f64, |quote| quote.seconds as f64)
    }
}
