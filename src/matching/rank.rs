//! Ranking: filter by the hard constraints, score by the weighted factors, explain.

use serde::Serialize;

use super::factors::{Factor, Pool, Weights, value};
use super::{Candidate, Needs, Rules, eligibility};

/// An eligible candidate with their score (0..1) and what each factor contributed to it.
#[derive(Debug, Clone, Serialize)]
pub struct Ranked {
    pub agent_id: i64,
    pub score: f64,
    /// Contribution of each factor: weight × value / total weight; they add up to `score`.
    pub factors: Vec<(Factor, f64)>,
}

fn score(needs: &Needs, candidate: &Candidate, rules: &Rules, weights: &Weights, pool: &Pool) -> Ranked {
    let total = weights.total();
    let factors: Vec<(Factor, f64)> = Factor::ALL
        .iter()
        .map(|f| {
            let contribution =
                if total > 0.0 { weights.of(*f) * value(*f, needs, candidate, rules, pool) / total } else { 0.0 };
            (*f, contribution)
        })
        .collect();
    Ranked { agent_id: candidate.agent_id, score: factors.iter().map(|(_, c)| c).sum(), factors }
}

/// Better first: higher score, then longer idle, then lower id (stable and fair).
fn better(a: &Ranked, a_idle: u64, b: &Ranked, b_idle: u64) -> bool {
    (a.score, a_idle, -a.agent_id) > (b.score, b_idle, -b.agent_id)
}

/// Every eligible candidate, best first.
pub fn rank(needs: &Needs, candidates: &[Candidate], rules: &Rules, weights: &Weights) -> Vec<Ranked> {
    let eligible: Vec<&Candidate> = candidates.iter().filter(|c| eligibility::check(needs, c, rules).is_ok()).collect();
    let pool = Pool::of(eligible.iter().copied());
    let mut ranked: Vec<(Ranked, u64)> =
        eligible.iter().map(|c| (score(needs, c, rules, weights, &pool), c.idle_seconds)).collect();
    ranked.sort_by(|(a, ai), (b, bi)| {
        if better(a, *ai, b, *bi) {
            std::cmp::Ordering::Less
        } else if better(b, *bi, a, *ai) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
    ranked.into_iter().map(|(r, _)| r).collect()
}

/// The best eligible candidate, in two passes and without sorting (what dispatch needs per
/// offer).
pub fn best(needs: &Needs, candidates: &[Candidate], rules: &Rules, weights: &Weights) -> Option<Ranked> {
    let eligible: Vec<&Candidate> = candidates.iter().filter(|c| eligibility::check(needs, c, rules).is_ok()).collect();
    let pool = Pool::of(eligible.iter().copied());
    let mut winner: Option<(Ranked, u64)> = None;
    for c in eligible {
        let ranked = score(needs, c, rules, weights, &pool);
        let replace = match &winner {
            None => true,
            Some((current, idle)) => better(&ranked, c.idle_seconds, current, *idle),
        };
        if replace {
            winner = Some((ranked, c.idle_seconds));
        }
    }
    winner.map(|(r, _)| r)
}
