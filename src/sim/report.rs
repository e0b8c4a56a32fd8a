//! The numbers a run produces: waits, abandonment, utilisation, ETA error, language match,
//! offers per handled conversation and fairness (Gini of engaged time within each group).

use serde::Serialize;

use super::world::Agent;
use crate::dispatch::eta::Estimate;
use crate::operations::metrics::percentile;

/// What happened to one escalation of the measured window.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Seconds from the start of the run.
    pub arrived_s: f64,
    pub handled: bool,
    pub left: bool,
    pub wait_s: Option<f64>,
    /// The estimate quoted at arrival.
    pub eta: Estimate,
    /// Whether it said the customer must wait for a conversation to end.
    pub quoted_a_wait: bool,
    /// What an estimator knowing its exact place would have quoted (`World::oracle_eta`).
    pub oracle_eta_s: f64,
    pub offers: u32,
    pub language_matched: bool,
    /// Whether the customer stayed away afterwards, once known (`proficiency` scenarios).
    pub first_contact: Option<bool>,
}

pub struct Tally {
    pub outcomes: Vec<Outcome>,
    pub measured_s: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct WaitStats {
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupUse {
    pub group: String,
    pub agents: usize,
    pub utilization: f64,
    pub engaged_time_gini: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EtaError {
    pub mean: f64,
    pub p90: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Fairness {
    /// Mean over groups of the Gini coefficient of engaged time among the group's agents.
    pub engaged_time_gini: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub policy: String,
    pub seed: u64,
    pub escalations: usize,
    pub handled: usize,
    pub abandoned: usize,
    pub p_wait: f64,
    pub wait_s: WaitStats,
    pub utilization: f64,
    pub utilization_by_group: Vec<GroupUse>,
    pub eta_abs_error_s: EtaError,
    pub eta_rel_error_mean: f64,
    /// Mean absolute error of the quote at arrival over the mean actual wait (handled customers).
    pub eta_error_share_of_wait: f64,
    /// The same for an estimator that knew exactly how many conversations had to end first.
    pub eta_floor_share_of_wait: f64,
    /// Customers quoted a wait for a conversation to end, and how many of them (handled) waited
    /// within the 80 % range.
    pub quoted_a_wait: usize,
    pub eta_range_coverage: f64,
    pub language_match_rate: f64,
    pub offers_per_handled: f64,
    pub fairness: Fairness,
    /// Share of all customers who reached a human (an accept) within 60 s of arriving: the
    /// default service target, as `coverage::erlang_a` computes it.
    pub reached_within_60s: f64,
    /// The same by hour of the day of arrival (24 values; 0 for hours without customers).
    pub reached_within_60s_by_hour: Vec<f64>,
    /// Live boosts posted (scenarios with `boosts`).
    pub boosts_posted: usize,
    /// What boosts cost, in minor units: the multiplier's extra on conversations started under
    /// a boost, and all pay for responders' conversations (work that would otherwise not be done).
    pub boost_cost_minor: f64,
    /// Whether the scenario's service target held, with Erlang A's requirement beside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<super::target::TargetCheck>,
    /// Share of handled customers who did not come back (scenarios with `proficiency`; `null`
    /// otherwise). Appended with the quality loop.
    pub first_contact_rate: Option<f64>,
    /// Highest minus lowest group utilisation (0.05 is 5 points).
    pub utilization_spread: f64,
}

/// What a run's boosts were: how many, at which multiplier.
pub struct BoostTally {
    pub posted: usize,
    pub multiplier: f64,
}

/// Gini coefficient of non-negative values (0: all equal; towards 1: one has everything).
pub fn gini(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let total: f64 = values.iter().sum();
    if values.len() < 2 || total <= 0.0 {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let weighted: f64 = sorted.iter().enumerate().map(|(i, v)| (i as f64 + 1.0) * v).sum();
    (2.0 * weighted) / (n * total) - (n + 1.0) / n
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() { 0.0 } else { values.iter().sum::<f64>() / values.len() as f64 }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

pub fn report(
    tally: &Tally,
    agents: &[Agent],
    group_names: &[String],
    policy: &str,
    seed: u64,
    boosts: &BoostTally,
) -> Report {
    let outcomes = &tally.outcomes;
    let handled: Vec<&Outcome> = outcomes.iter().filter(|o| o.handled).collect();
    let waits = sorted(handled.iter().filter_map(|o| o.wait_s).collect());
    let waited = outcomes.iter().filter(|o| o.left || o.wait_s.is_some_and(|w| w > 1e-9)).count();
    let quoted = |o: &Outcome| o.eta.seconds as f64;
    let errors = sorted(handled.iter().filter_map(|o| o.wait_s.map(|w| (quoted(o) - w).abs())).collect());
    let floor_errors: Vec<f64> = handled.iter().filter_map(|o| o.wait_s.map(|w| (o.oracle_eta_s - w).abs())).collect();
    let relative: Vec<f64> =
        handled.iter().filter_map(|o| o.wait_s.filter(|w| *w >= 1.0).map(|w| (quoted(o) - w).abs() / w)).collect();
    let waited_for_an_ending: Vec<&&Outcome> = handled.iter().filter(|o| o.quoted_a_wait).collect();
    let in_range = waited_for_an_ending
        .iter()
        .filter(|o| o.wait_s.is_some_and(|w| w >= o.eta.low as f64 - 0.5 && w <= o.eta.high as f64 + 0.5))
        .count();
    let share_of_wait = |errors: &[f64]| if waits.is_empty() { 0.0 } else { mean(errors) / mean(&waits) };
    let slots =
        |members: &[&Agent]| members.iter().map(|a| a.candidate.max_concurrent as f64).sum::<f64>() * tally.measured_s;
    let busy = |members: &[&Agent]| members.iter().map(|a| a.conversation_s).sum::<f64>();
    let everyone: Vec<&Agent> = agents.iter().collect();
    let by_group: Vec<GroupUse> = group_names
        .iter()
        .enumerate()
        .map(|(g, name)| {
            let members: Vec<&Agent> = agents.iter().filter(|a| a.group == g).collect();
            let engaged: Vec<f64> = members.iter().map(|a| a.engaged_s).collect();
            GroupUse {
                group: name.clone(),
                agents: members.len(),
                utilization: if slots(&members) > 0.0 { busy(&members) / slots(&members) } else { 0.0 },
                engaged_time_gini: gini(&engaged),
            }
        })
        .collect();
    let used: Vec<f64> = by_group.iter().filter(|g| g.agents > 0).map(|g| g.utilization).collect();
    let utilization_spread = if used.is_empty() {
        0.0
    } else {
        used.iter().cloned().fold(f64::MIN, f64::max) - used.iter().cloned().fold(f64::MAX, f64::min)
    };
    Report {
        policy: policy.to_string(),
        seed,
        escalations: outcomes.len(),
        handled: handled.len(),
        abandoned: outcomes.iter().filter(|o| o.left).count(),
        p_wait: share(waited, outcomes.len()),
        wait_s: WaitStats {
            mean: mean(&waits),
            p50: percentile(&waits, 50.0),
            p90: percentile(&waits, 90.0),
            p95: percentile(&waits, 95.0),
            p99: percentile(&waits, 99.0),
        },
        utilization: if slots(&everyone) > 0.0 { busy(&everyone) / slots(&everyone) } else { 0.0 },
        fairness: Fairness {
            engaged_time_gini: mean(&by_group.iter().map(|g| g.engaged_time_gini).collect::<Vec<_>>()),
        },
        utilization_by_group: by_group,
        eta_abs_error_s: EtaError { mean: mean(&errors), p90: percentile(&errors, 90.0) },
        eta_rel_error_mean: mean(&relative),
        eta_error_share_of_wait: share_of_wait(&errors),
        eta_floor_share_of_wait: share_of_wait(&floor_errors),
        quoted_a_wait: waited_for_an_ending.len(),
        eta_range_coverage: share(in_range, waited_for_an_ending.len()),
        language_match_rate: share(handled.iter().filter(|o| o.language_matched).count(), handled.len()),
        offers_per_handled: if handled.is_empty() {
            0.0
        } else {
            outcomes.iter().map(|o| o.offers as f64).sum::<f64>() / handled.len() as f64
        },
        reached_within_60s: share(
            handled.iter().filter(|o| o.wait_s.is_some_and(|w| w <= 60.0)).count(),
            outcomes.len(),
        ),
        reached_within_60s_by_hour: (0..24)
            .map(|hour| {
                let of_hour: Vec<&Outcome> =
                    outcomes.iter().filter(|o| (o.arrived_s / 3600.0) as usize % 24 == hour).collect();
                share(
                    of_hour.iter().filter(|o| o.handled && o.wait_s.is_some_and(|w| w <= 60.0)).count(),
                    of_hour.len(),
                )
            })
            .collect(),
        boosts_posted: boosts.posted,
        boost_cost_minor: agents
            .iter()
            .map(|a| {
                let rate = a.candidate.hourly_rate_minor as f64 / 3600.0;
                let extra = a.boosted_conversation_s * rate * (boosts.multiplier - 1.0);
                let responder = if a.boost_response.is_some() { a.conversation_s * rate } else { 0.0 };
                extra + responder
            })
            .sum::<f64>()
            .round(),
        target: None,
        first_contact_rate: {
            let judged: Vec<bool> = handled.iter().filter_map(|o| o.first_contact).collect();
            (!judged.is_empty()).then(|| share(judged.iter().filter(|f| **f).count(), judged.len()))
        },
        utilization_spread,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn gini_of_equal_and_unequal_shares() {
        assert_eq!(super::gini(&[5.0, 5.0, 5.0]), 0.0);
        assert!((super::gini(&[0.0, 0.0, 0.0, 10.0]) - 0.75).abs() < 1e-12);
        assert_eq!(super::gini(&[]), 0.0);
    }
}
