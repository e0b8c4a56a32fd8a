//! Agents each queue needs per interval, and the service level a given supply would give.
//!
//! Each queue is an Erlang A queue of its own. An agent who could serve several queues in an
//! interval is counted in each of them by that queue's share of the interval's workload
//! (arrivals × service time) among the queues the agent could serve, so one person is never
//! counted twice and sits mostly where most work is. Counting queues apart is conservative:
//! agents shared by queues pool their work, which needs slightly fewer people than the sum.

use super::erlang_a::{Performance, Queue, Target, performance, required};
use super::forecast::INTERVAL_S;

/// Upper bound of the search for one queue and interval: a queue that no staffing serves
/// (patience far below the target) reports this, which is far above anything bookable.
pub const MOST_AGENTS: u32 = 100_000;

/// A queue's forecast and pace.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueModel {
    pub arrivals_per_interval: Vec<f64>,
    pub service_s: f64,
    pub patience_s: f64,
    pub accept_s: f64,
}

impl QueueModel {
    /// The Erlang A queue of interval `i`.
    pub fn queue(&self, i: usize) -> Queue {
        Queue {
            arrivals_per_s: self.arrivals_per_interval.get(i).copied().unwrap_or(0.0) / INTERVAL_S as f64,
            service_s: self.service_s,
            patience_s: self.patience_s,
            accept_s: self.accept_s,
        }
    }

    /// Erlangs of work in interval `i`.
    pub fn workload(&self, i: usize) -> f64 {
        self.queue(i).arrivals_per_s * self.service_s
    }
}

/// Required agents for every queue (outer) and interval (inner).
pub fn required_grid(queues: &[QueueModel], target: &Target) -> Vec<Vec<u32>> {
    queues
        .iter()
        .map(|q| (0..q.arrivals_per_interval.len()).map(|i| required(&q.queue(i), target, MOST_AGENTS).0).collect())
        .collect()
}

/// Splits agents over queues for one interval. `eligible[a]` lists the queues agent `a` could
/// serve; `workload[q]` is queue q's erlangs. An agent whose queues have no work is split evenly.
pub fn split_supply<'a>(eligible: impl IntoIterator<Item = &'a [usize]>, workload: &[f64]) -> Vec<f64> {
    let mut supply = vec![0.0; workload.len()];
    for queues in eligible.into_iter().filter(|q| !q.is_empty()) {
        let total: f64 = queues.iter().map(|q| workload[*q]).sum();
        for q in queues {
            supply[*q] += if total > 0.0 { workload[*q] / total } else { 1.0 / queues.len() as f64 };
        }
    }
    supply
}

/// The service level with a fractional supply of agents, interpolated between the whole
/// numbers around it (Erlang A is defined for whole agents).
pub fn service_level(queue: &Queue, agents: f64, target: &Target) -> Performance {
    let below = agents.max(0.0).floor();
    let share = agents - below;
    let low = performance(queue, below as u32, target.within_s);
    if share < 1e-9 {
        return low;
    }
    let high = performance(queue, below as u32 + 1, target.within_s);
    let mix = |l: f64, h: f64| l + (h - l) * share;
    Performance {
        waits: mix(low.waits, high.waits),
        abandons: mix(low.abandons, high.abandons),
        within_target: mix(low.within_target, high.within_target),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_who_serves_two_queues_counts_by_their_shares_of_the_work() {
        // Agent 0 serves queue 0 only; agent 1 serves both, whose work is 3:1.
        let supply = split_supply([&[0][..], &[0, 1], &[]], &[3.0, 1.0]);
        assert_eq!(supply, vec![1.75, 0.25]);
        assert_eq!(split_supply([&[0, 1][..]], &[0.0, 0.0]), vec![0.5, 0.5]);
    }

    #[test]
    fn the_grid_needs_more_agents_where_more_customers_arrive() {
        let queue = QueueModel {
            arrivals_per_interval: vec![0.0, 10.0, 100.0],
            service_s: 300.0,
            patience_s: 180.0,
            accept_s: 8.0,
        };
        let target = Target { share: 0.8, within_s: 60.0, max_abandon: 0.03 };
        let grid = required_grid(std::slice::from_ref(&queue), &target);
        assert_eq!(grid[0][0], 0);
        assert!(grid[0][1] < grid[0][2], "{grid:?}");
        let (q, n) = (queue.queue(2), grid[0][2]);
        assert_eq!(service_level(&q, n as f64, &target), performance(&q, n, 60.0));
        let (low, high) = (performance(&q, n - 1, 60.0), performance(&q, n, 60.0));
        let half = service_level(&q, n as f64 - 0.5, &target);
        assert!((half.within_target - (low.within_target + high.within_target) / 2.0).abs() < 1e-12);
    }
}
