//! The simulator against queueing theory. With one skill, identical agents, Poisson arrivals,
//! exponential handle times, instant acceptance and no abandonment, a work-conserving first-come
//! policy is an M/M/N queue: its probability of waiting and mean wait are Erlang C's. With
//! exponential patience it is M/M/N+M, Erlang A.
//!
//! Tolerance: each check runs R independent replications (seeds 1..=R), estimates the standard
//! error of the mean from their spread, requires that error to be small (so the check can
//! fail), and accepts the theory within four standard errors (a false alarm about once in
//! 16,000 runs).

use super::random::{Dist, Duration};
use super::scenario::{AgentGroup, Scenario, Stream};
use super::{Policy, Report, simulate};
use crate::matching::Level;

const AGENTS: u32 = 10;
const HANDLE_S: f64 = 300.0;
const REPLICATIONS: u64 = 16;

fn scenario(rate_per_hour: f64, patience_s: Option<f64>, days: f64) -> Scenario {
    Scenario {
        duration_s: days * 86_400.0,
        warmup_s: 7_200.0,
        seed: 1,
        agents: vec![AgentGroup {
            name: None,
            count: AGENTS,
            languages: [("sv".to_string(), Level::Native)].into(),
            skills: [("payments".to_string(), 3)].into(),
            capacity: 1,
            rating: 4.5,
            hourly_rate_minor: 20_000,
            location: None,
            service_rate_factor: 1.0,
            accept_probability: 1.0,
            boost_response: None,
            boost_response_delay_s: 300.0,
            accept_delay_s: 0.0,
        }],
        arrivals: vec![Stream {
            name: None,
            rate_per_hour,
            hourly_profile: None,
            language: "sv".into(),
            market: "SE".into(),
            required_skills: vec!["payments".into()],
            priority: "normal".into(),
            sensitive: false,
            handle_time: Duration { dist: Dist::Exponential, mean_s: HANDLE_S, sd_s: None },
            patience: patience_s.map(|p| Duration { dist: Dist::Exponential, mean_s: p, sd_s: None }),
        }],
        boosts: None,
        target: None,
        proficiency: None,
        weights: None,
    }
}

/// Erlang C: (probability of waiting, mean wait in seconds) for N servers.
fn erlang_c(lambda: f64, mu: f64, n: u32) -> (f64, f64) {
    let a = lambda / mu;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..n {
        term *= a / k as f64;
        sum += term;
    }
    let top = term * a / n as f64 * (n as f64 / (n as f64 - a));
    let c = top / (sum + top);
    (c, c / (n as f64 * mu - lambda))
}

/// Erlang A (M/M/N+M) by its birth-death chain: (probability of waiting, of abandoning).
fn erlang_a(lambda: f64, mu: f64, theta: f64, n: u32) -> (f64, f64) {
    let mut weights = vec![1.0f64];
    for k in 1..(n as usize + 5_000) {
        let death = (k.min(n as usize)) as f64 * mu + k.saturating_sub(n as usize) as f64 * theta;
        weights.push(weights[k - 1] * lambda / death);
    }
    let total: f64 = weights.iter().sum();
    let wait: f64 = weights[n as usize..].iter().sum::<f64>() / total;
    let queue: f64 =
        weights.iter().enumerate().map(|(k, w)| k.saturating_sub(n as usize) as f64 * w).sum::<f64>() / total;
    (wait, theta * queue / lambda)
}

/// Mean and standard error of `measure` over the replications.
fn replicate(scenario: &Scenario, policy: Policy, measure: impl Fn(&Report) -> f64) -> (f64, f64) {
    let values: Vec<f64> =
        (1..=REPLICATIONS).map(|seed| measure(&simulate(scenario, policy, seed, &mut |_| {}))).collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (variance / n).sqrt())
}

fn assert_close(what: &str, (mean, se): (f64, f64), theory: f64) {
    eprintln!("{what}: simulated {mean:.4} ± {se:.4}, theory {theory:.4}");
    assert!(se < 0.05 * theory, "{what}: the run is too short to judge (standard error {se:.4} for {theory:.4})");
    assert!((mean - theory).abs() < 4.0 * se, "{what}: simulated {mean:.4} ± {se:.4}, theory {theory:.4}");
}

#[test]
fn erlang_c_probability_of_waiting_and_mean_wait() {
    // 70 % occupancy: λ = 0.7 · N · μ (busy enough that a third of customers wait).
    let mu = 1.0 / HANDLE_S;
    let lambda = 0.7 * AGENTS as f64 * mu;
    let (p_wait, mean_wait) = erlang_c(lambda, mu, AGENTS);
    // Mean waits are long-tailed (most are zero): eight simulated days per replication keep
    // its standard error near 4 %.
    let s = scenario(lambda * 3600.0, None, 8.0);
    for policy in [Policy::LongestIdle, Policy::Engine] {
        assert_close(&format!("{policy:?} P(wait)"), replicate(&s, policy, |r| r.p_wait), p_wait);
        assert_close(&format!("{policy:?} mean wait"), replicate(&s, policy, |r| r.wait_s.mean), mean_wait);
    }
}

#[test]
fn erlang_a_probability_of_waiting_and_of_abandoning() {
    // Offered load equal to capacity, customers who wait on average 10 minutes before leaving.
    let (mu, theta) = (1.0 / HANDLE_S, 1.0 / 600.0);
    let lambda = AGENTS as f64 * mu;
    let (p_wait, p_abandon) = erlang_a(lambda, mu, theta, AGENTS);
    let s = scenario(lambda * 3600.0, Some(600.0), 2.0);
    for policy in [Policy::LongestIdle, Policy::Engine] {
        assert_close(&format!("{policy:?} P(wait)"), replicate(&s, policy, |r| r.p_wait), p_wait);
        let abandoned = |r: &Report| r.abandoned as f64 / r.escalations as f64;
        assert_close(&format!("{policy:?} P(abandon)"), replicate(&s, policy, abandoned), p_abandon);
    }
}

#[test]
fn theory_matches_textbook_values() {
    // Erlang C for a = 8 Erlangs on 10 servers is 0.409 (standard tables).
    let (c, _) = erlang_c(8.0, 1.0, 10);
    assert!((c - 0.4092).abs() < 0.0005, "{c}");
    // Without abandonment Erlang A tends to Erlang C.
    let (wait, abandon) = erlang_a(8.0, 1.0, 1e-9, 10);
    assert!((wait - c).abs() < 1e-4 && abandon < 1e-6, "{wait} {abandon}");
}

#[test]
fn a_seed_gives_the_same_run_and_policies_differ_only_in_choice() {
    let s = scenario(100.0, Some(600.0), 2.0);
    let a = serde_json::to_string(&simulate(&s, Policy::Engine, 3, &mut |_| {})).unwrap();
    let b = serde_json::to_string(&simulate(&s, Policy::Engine, 3, &mut |_| {})).unwrap();
    assert_eq!(a, b);
    for policy in [Policy::RoundRobin, Policy::Random] {
        let r = simulate(&s, policy, 3, &mut |_| {});
        assert!(r.handled > 0 && r.escalations > 4000, "{policy:?}: {r:?}");
    }
}
