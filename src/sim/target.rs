//! Judging a run by a service target: a scenario's arrival profile is a forecast and its agent
//! groups a roster, so `handoff simulate` says whether the target holds, and beside it what
//! Erlang A (`coverage::erlang_a`) requires for the same arrivals, hour by hour.

use serde::{Deserialize, Serialize};

use super::report::Tally;
use super::scenario::Scenario;
use crate::coverage::erlang_a::{Queue, Target, required};

/// The service target a scenario is judged by.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimTarget {
    /// Share of customers who must reach a human (an accept) within `within_s`.
    pub share: f64,
    pub within_s: f64,
    /// Largest share who may leave first.
    pub max_abandon: f64,
}

/// Whether the run met its target, and what the model asks for.
#[derive(Debug, Clone, Serialize)]
pub struct TargetCheck {
    pub share: f64,
    pub within_s: f64,
    pub max_abandon: f64,
    /// Simulated: customers who reached a human within `within_s`, and who left first.
    pub reached: f64,
    pub abandoned: f64,
    pub met: bool,
    /// Agents Erlang A requires at each hour of the day for the scenario's arrivals (its
    /// streams staffed apart and summed), against the conversations the agents online all run
    /// can hold at once.
    pub required_by_hour: Vec<u32>,
    pub online_capacity: u32,
    /// Hours of the day where the roster holds fewer than Erlang A requires.
    pub hours_short: Vec<usize>,
}

/// The check, when the scenario names a target.
pub fn check(scenario: &Scenario, tally: &Tally) -> Option<TargetCheck> {
    let t = scenario.target.as_ref()?;
    let outcomes = &tally.outcomes;
    let share = |n: usize| if outcomes.is_empty() { 0.0 } else { n as f64 / outcomes.len() as f64 };
    let reached = share(outcomes.iter().filter(|o| o.handled && o.wait_s.is_some_and(|w| w <= t.within_s)).count());
    let abandoned = share(outcomes.iter().filter(|o| o.left).count());
    let online: Vec<_> = scenario.agents.iter().filter(|g| g.boost_response.is_none()).collect();
    let online_capacity: u32 = online.iter().map(|g| g.count * g.capacity).sum();
    let agents: f64 = online.iter().map(|g| g.count as f64).sum();
    let accept_s =
        if agents > 0.0 { online.iter().map(|g| g.accept_delay_s * g.count as f64).sum::<f64>() / agents } else { 0.0 };
    let target = Target { share: t.share, within_s: t.within_s, max_abandon: t.max_abandon };
    let required_by_hour: Vec<u32> = (0..24)
        .map(|hour| {
            scenario
                .arrivals
                .iter()
                .map(|s| {
                    let queue = Queue {
                        arrivals_per_s: s.rate_at(hour as f64 * 3600.0 + 1.0),
                        service_s: accept_s + s.handle_time.mean_s,
                        patience_s: s.patience.as_ref().map_or(1e9, |p| p.mean_s),
                        accept_s,
                    };
                    required(&queue, &target, 100_000).0
                })
                .sum()
        })
        .collect();
    let hours_short = (0..24).filter(|h| required_by_hour[*h] > online_capacity).collect();
    Some(TargetCheck {
        share: t.share,
        within_s: t.within_s,
        max_abandon: t.max_abandon,
        reached,
        abandoned,
        met: reached >= t.share && abandoned <= t.max_abandon,
        required_by_hour,
        online_capacity,
        hours_short,
    })
}
