//! Erlang A's closed forms against a truncated Markov chain of the same model.
//!
//! The chain counts customers in the system, 0..=K, with arrivals at λ and departures at
//! min(k, n)·μ + max(k − n, 0)·θ; its stationary law comes from detailed balance (in
//! logarithms). An arrival sees that law (PASTA). A customer who finds j others waiting moves
//! up at nμ + iθ with i ahead, reaches an agent at nμ from the head, and leaves at θ; the chance
//! of reaching an agent within t is computed by uniformisation. K is chosen so the mass beyond
//! it is far below 1e-12.

use super::{Queue, Target, performance, required};
// (The accept's share of leavers is applied to the chain's queue measures as to the closed form.)

struct Chain {
    /// Stationary probability of k customers in the system.
    stationary: Vec<f64>,
}

fn chain(q: &Queue, n: u32) -> Chain {
    let (lambda, mu, theta) = (q.arrivals_per_s, 1.0 / q.service_s, 1.0 / q.patience_s);
    let n = n as usize;
    let cap = n + 4_000;
    let mut ln_p = vec![0.0_f64; cap + 1];
    for k in 1..=cap {
        let death = k.min(n) as f64 * mu + k.saturating_sub(n) as f64 * theta;
        ln_p[k] = ln_p[k - 1] + (lambda / death).ln();
    }
    let max = ln_p.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = ln_p.iter().map(|l| (l - max).exp()).sum();
    let stationary: Vec<f64> = ln_p.iter().map(|l| (l - max).exp() / total).collect();
    assert!(stationary[cap] < 1e-14, "truncation too short");
    Chain { stationary }
}

/// P(reach an agent within t | j waiting ahead), for every j up to `max_ahead`.
fn served_within(q: &Queue, n: u32, t: f64, max_ahead: usize) -> Vec<f64> {
    let (mu, theta) = (1.0 / q.service_s, 1.0 / q.patience_s);
    let n_mu = n as f64 * mu;
    let uniform = n_mu + (max_ahead as f64 + 1.0) * theta;
    // v[i] = P(served within m jumps of the uniformised chain | i ahead); u accumulates the
    // Poisson(uniform·t) mixture of v over m.
    let mut v = vec![0.0_f64; max_ahead + 1];
    let mut u = vec![0.0_f64; max_ahead + 1];
    let mean = uniform * t;
    let mut ln_weight = -mean; // Poisson(0)
    let mut tail = 1.0;
    let mut m = 0u64;
    while tail > 1e-15 {
        let weight = ln_weight.exp();
        for (ui, vi) in u.iter_mut().zip(&v) {
            *ui += weight * vi;
        }
        tail -= weight;
        let previous = v.clone();
        for i in 0..=max_ahead {
            let up = if i == 0 { n_mu } else { n_mu + i as f64 * theta };
            let stay = 1.0 - (up + theta) / uniform;
            let moved = if i == 0 { 1.0 } else { previous[i - 1] };
            v[i] = up / uniform * moved + stay * previous[i];
        }
        m += 1;
        ln_weight += mean.ln() - (m as f64).ln();
        if m > 200_000 {
            break;
        }
    }
    u
}

fn markov_measures(q: &Queue, n: u32, within_s: f64) -> (f64, f64, f64) {
    let chain = chain(q, n);
    let n_us = n as usize;
    let waits: f64 = chain.stationary[n_us..].iter().sum();
    let theta = 1.0 / q.patience_s;
    let mean_queue: f64 = chain.stationary.iter().enumerate().map(|(k, p)| k.saturating_sub(n_us) as f64 * p).sum();
    let abandons = theta * mean_queue / q.arrivals_per_s;
    // Only states with real mass matter for P(within): stop where the tail is negligible.
    let ahead_max = chain.stationary[n_us..].iter().rposition(|p| *p > 1e-16).unwrap_or(0);
    let queue_t = (within_s - q.accept_s).max(0.0);
    let served = served_within(q, n, queue_t, ahead_max);
    let immediate: f64 = chain.stationary[..n_us].iter().sum();
    let within = immediate + (0..=ahead_max).map(|j| chain.stationary[n_us + j] * served[j]).sum::<f64>();
    let queued =
        super::Performance { waits, abandons, within_target: if within_s < q.accept_s { 0.0 } else { within } };
    let after = super::through_the_accept(queued, q);
    (after.waits, after.abandons, after.within_target)
}

fn close(what: &str, closed: f64, markov: f64) {
    assert!((closed - markov).abs() < 1e-6, "{what}: closed form {closed} vs Markov chain {markov}");
}

/// Queues from a quiet night to a busy hour, with patience short and long against service.
fn queues() -> Vec<Queue> {
    let mut out = Vec::new();
    for (per_hour, service_s, patience_s, accept_s) in [
        (12.0, 300.0, 120.0, 8.0),
        (120.0, 300.0, 180.0, 3.0),
        (600.0, 420.0, 90.0, 8.0),
        (900.0, 240.0, 600.0, 8.0),
        (3_000.0, 360.0, 200.0, 2.0),
    ] {
        out.push(Queue { arrivals_per_s: per_hour / 3_600.0, service_s, patience_s, accept_s });
    }
    out
}

#[test]
fn closed_forms_match_a_truncated_markov_chain_for_every_staffing_level() {
    let mut worst: f64 = 0.0;
    for q in queues() {
        let load = q.arrivals_per_s * q.service_s;
        let around = [(load * 0.7) as u32, load as u32, (load * 1.1) as u32 + 1, (load * 1.4) as u32 + 2];
        for n in around.into_iter().filter(|n| *n > 0) {
            for within_s in [20.0, 60.0, 180.0] {
                let closed = performance(&q, n, within_s);
                let (waits, abandons, within) = markov_measures(&q, n, within_s);
                close("P(wait)", closed.waits, waits);
                close("P(abandon)", closed.abandons, abandons);
                close("P(within)", closed.within_target, within);
                worst = worst.max((closed.within_target - within).abs()).max((closed.abandons - abandons).abs());
            }
        }
    }
    println!("largest difference from the Markov chain: {worst:.2e}");
}

#[test]
fn the_required_staffing_is_the_fewest_agents_the_markov_chain_says_meet_the_target() {
    let target = Target { share: 0.8, within_s: 60.0, max_abandon: 0.03 };
    for q in queues() {
        let (agents, perf) = required(&q, &target, 10_000);
        let (_, abandons, within) = markov_measures(&q, agents, target.within_s);
        let accept_loss = 1.0 - (-q.accept_s / q.patience_s).exp();
        let abandon_ok = abandons <= target.max_abandon || accept_loss >= target.max_abandon;
        assert!(within >= target.share && abandon_ok, "{q:?}: {agents} agents miss the target");
        assert!((perf.within_target - within).abs() < 1e-6);
        let accept_loss = 1.0 - (-q.accept_s / q.patience_s).exp();
        let (_, fewer_abandons, fewer_within) = markov_measures(&q, agents - 1, target.within_s);
        assert!(
            fewer_within < target.share || (fewer_abandons > target.max_abandon && accept_loss < target.max_abandon),
            "{q:?}: {} agents would already do",
            agents - 1
        );
    }
}

#[test]
fn no_arrivals_need_no_agents_and_a_target_shorter_than_the_accept_is_never_met() {
    let target = Target { share: 0.8, within_s: 60.0, max_abandon: 0.03 };
    let quiet = Queue { arrivals_per_s: 0.0, service_s: 300.0, patience_s: 120.0, accept_s: 8.0 };
    assert_eq!(required(&quiet, &target, 100).0, 0);
    let busy = Queue { arrivals_per_s: 0.1, ..quiet };
    assert_eq!(performance(&busy, 50, 5.0).within_target, 0.0);
    assert!(performance(&busy, 0, 60.0).abandons == 1.0);
}

#[test]
fn hundreds_of_agents_neither_overflow_nor_underflow() {
    let target = Target { share: 0.9, within_s: 30.0, max_abandon: 0.01 };
    let huge = Queue { arrivals_per_s: 20.0, service_s: 400.0, patience_s: 60.0, accept_s: 0.3 };
    let (agents, perf) = required(&huge, &target, 100_000);
    assert!(agents > 7_800 && agents < 8_600, "{agents}");
    assert!(perf.within_target.is_finite() && perf.within_target >= 0.9);
    // With far more agents than work nobody waits; only the accept's leavers are lost.
    let idle = performance(&huge, 20_000, 30.0);
    let stays = (-0.3_f64 / 60.0).exp();
    assert!(idle.waits < 1e-12 && (idle.within_target - stays).abs() < 1e-12, "{idle:?}");
}
