//! Erlang A (the M/M/n+M queue): Poisson arrivals, exponential service, `n` agents and
//! exponential patience. It answers how many agents a queue needs for a service target, where
//! Erlang C would overstate the need by ignoring that waiting customers leave.
//!
//! The closed forms are Mandelbaum and Zeltyn's ("Service engineering in action: the
//! Palm/Erlang-A queue", 2007), written with the series
//! `S(a, x) = Σ_k x^k / ((a+1)(a+2)…(a+k))`, which is their `A(a, x)` and equals
//! `a·eˣ·x^(−a)·γ(a, x)`. Everything is computed in logarithms or with Erlang B's recursion, so
//! hundreds of agents neither overflow nor underflow. `erlang_a_markov` checks every measure
//! against a truncated Markov chain of the same model.
//!
//! Time to a human: the model's service time is the offer, the accept and the conversation
//! (`Queue::service_s`), and the target's "within t" counts from arrival to accept, as the
//! simulator and the live metrics do; so a customer is within t when their queue wait is within
//! `t − accept_s`. The customer's patience keeps running while the offer is out, so a share
//! `1 − e^(−accept/patience)` of those who reach an agent still leave before the accept
//! (`through_the_accept`); the simulator showed this to matter (2.2 % abandonment without it
//! against 5.9 % simulated, at 180 s patience and an 8 s accept).

use statrs::function::gamma::{gamma_lr, ln_gamma};

/// One queue in one interval, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Queue {
    /// Mean arrivals per second.
    pub arrivals_per_s: f64,
    /// Mean seconds an agent is held per customer: offer and accept plus the conversation.
    pub service_s: f64,
    /// Mean seconds a waiting customer stays before leaving.
    pub patience_s: f64,
    /// Mean seconds from an offer to its accept (part of `service_s`, and of the wait).
    pub accept_s: f64,
}

/// What customers of a queue with a given number of agents experience.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Performance {
    /// Share of customers who wait at all.
    pub waits: f64,
    /// Share of customers who leave before reaching a human.
    pub abandons: f64,
    /// Share of customers who reach a human (accepted) within the target's seconds.
    pub within_target: f64,
}

/// The staff's service target for every queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// Share of customers who must reach a human within `within_s` (e.g. 0.8).
    pub share: f64,
    pub within_s: f64,
    /// Largest acceptable share of customers who leave first (e.g. 0.03).
    pub max_abandon: f64,
}

/// Erlang B's blocking probability for `n` servers and `load` erlangs, by its stable recursion.
fn erlang_b_upto(load: f64, n: u32) -> f64 {
    (1..=n).fold(1.0, |b, k| load * b / (k as f64 + load * b))
}

/// ln S(a, x). Below the mode the series' terms fall from the first, so summing them is quick
/// and exact where γ(a, x) itself would underflow; above it γ's regularised form is near 1.
fn ln_series(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x < a + 1.0 {
        let (mut term, mut sum, mut k) = (1.0_f64, 1.0_f64, 1.0_f64);
        while term > sum * 1e-17 {
            term *= x / (a + k);
            sum += term;
            k += 1.0;
        }
        sum.ln()
    } else {
        a.ln() + x - a * x.ln() + ln_gamma(a) + gamma_lr(a, x).ln()
    }
}

/// Performance with `agents` agents; `Performance` of a queue with no arrivals is perfect.
pub fn performance(queue: &Queue, agents: u32, target_within_s: f64) -> Performance {
    let blocking = erlang_b_upto(queue.arrivals_per_s * queue.service_s, agents);
    performance_with_blocking(queue, agents, blocking, target_within_s)
}

fn performance_with_blocking(queue: &Queue, agents: u32, blocking: f64, within_s: f64) -> Performance {
    let lambda = queue.arrivals_per_s;
    if lambda <= 0.0 {
        return Performance { waits: 0.0, abandons: 0.0, within_target: 1.0 };
    }
    if agents == 0 {
        return Performance { waits: 1.0, abandons: 1.0, within_target: 0.0 };
    }
    let (mu, theta) = (1.0 / queue.service_s, 1.0 / queue.patience_s);
    let a = agents as f64 * mu / theta;
    let c = lambda / theta;
    let ln_s = ln_series(a, c);
    // P(W > 0) = S·B / (1 + (S − 1)·B), written with 1/S so a huge S cannot overflow.
    let inv_s = (-ln_s).exp();
    let waits = blocking / (blocking + (1.0 - blocking) * inv_s);
    let rho = lambda / (agents as f64 * mu);
    let abandons = (waits * (1.0 + (inv_s - 1.0) / rho)).clamp(0.0, 1.0);
    // Served within t: never waited, or waited t' ≤ t and stayed that long. With x = c·e^(−θt),
    // the waiting share served within t is a/(a+1)·[S(a+1, c) − (x/c)^(a+1)·e^(c−x)·S(a+1, x)] / S(a, c).
    let queue_t = (within_s - queue.accept_s).max(0.0);
    let x = c * (-theta * queue_t).exp();
    let scale = a / (a + 1.0);
    let served_all = scale * (ln_series(a + 1.0, c) - ln_s).exp();
    let served_late = scale * (-(a + 1.0) * theta * queue_t + c - x + ln_series(a + 1.0, x) - ln_s).exp();
    let within = if queue_t.is_finite() { served_all - served_late } else { served_all };
    let within_target = if within_s < queue.accept_s { 0.0 } else { (1.0 - waits + waits * within).clamp(0.0, 1.0) };
    through_the_accept(Performance { waits, abandons, within_target }, queue)
}

/// From the queue (customers reaching an agent) to the accept: those who leave while the offer
/// is out count as abandoned, and not within the target.
pub(crate) fn through_the_accept(queued: Performance, queue: &Queue) -> Performance {
    let stays = (-queue.accept_s / queue.patience_s).exp();
    Performance {
        waits: queued.waits,
        abandons: queued.abandons + (1.0 - queued.abandons) * (1.0 - stays),
        within_target: queued.within_target * stays,
    }
}

/// Fewest agents who meet the target, with what customers then experience. `limit` bounds the
/// search (a queue no staffing can serve, e.g. patience far below the target, stops there).
pub fn required(queue: &Queue, target: &Target, limit: u32) -> (u32, Performance) {
    if queue.arrivals_per_s <= 0.0 {
        return (0, performance(queue, 0, target.within_s));
    }
    // Customers who leave while the offer is out are lost whatever the staffing; where they
    // alone pass the limit, only the service level decides (the board still shows the loss).
    let accept_loss = 1.0 - (-queue.accept_s / queue.patience_s).exp();
    let abandon_ok = |perf: &Performance| accept_loss >= target.max_abandon || perf.abandons <= target.max_abandon;
    let load = queue.arrivals_per_s * queue.service_s;
    // Served work cannot exceed capacity: n·μ ≥ λ·(1 − max_abandon), so start just below that.
    let start = ((load * (1.0 - target.max_abandon)).floor() as u32).saturating_sub(1).clamp(1, limit);
    let mut blocking = erlang_b_upto(load, start);
    let mut agents = start;
    loop {
        let perf = performance_with_blocking(queue, agents, blocking, target.within_s);
        if (perf.within_target >= target.share && abandon_ok(&perf)) || agents >= limit {
            return (agents, perf);
        }
        agents += 1;
        blocking = load * blocking / (agents as f64 + load * blocking);
    }
}

#[cfg(test)]
#[path = "erlang_a_markov.rs"]
mod erlang_a_markov;

#[cfg(test)]
#[path = "erlang_a_sim.rs"]
mod erlang_a_sim;
