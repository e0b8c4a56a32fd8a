//! Ranking: filter by the hard constraints, score by the weighted factors, explain.

use serde::Serialize;

use super::factors::{Factor, Pool, Weights, value};
use super::index::CandidateIndex;
use super::{Candidate, Needs, Rules, eligibility};
use crate::ids::AgentId;

/// An eligible candidate with their score (0..1) and what each factor contributed to it.
#[derive(Debug, Clone, Serialize)]
pub struct Ranked {
    pub agent_id: AgentId,
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

/// Better first: for a sensitive escalation, a tier with sensitive priority; then higher score,
/// then longer idle, then lower id (stable and fair).
fn better(a: &Ranked, a_first: bool, a_idle: u64, b: &Ranked, b_first: bool, b_idle: u64) -> bool {
    (a_first, a.score, a_idle, -a.agent_id.0) > (b_first, b.score, b_idle, -b.agent_id.0)
}

/// Whether the candidate goes first for these needs (a sensitive escalation, a tier perk).
fn goes_first(needs: &Needs, c: &Candidate) -> bool {
    needs.sensitive && c.sensitive_priority
}

/// Every eligible candidate, best first.
pub fn rank(needs: &Needs, candidates: &[Candidate], rules: &Rules, weights: &Weights) -> Vec<Ranked> {
    let eligible: Vec<&Candidate> = candidates.iter().filter(|c| eligibility::check(needs, c, rules).is_ok()).collect();
    let pool = Pool::of(needs, eligible.iter().copied());
    let mut ranked: Vec<(Ranked, bool, u64)> = eligible
        .iter()
        .map(|c| (score(needs, c, rules, weights, &pool), goes_first(needs, c), c.idle_seconds))
        .collect();
    ranked.sort_by(|(a, af, ai), (b, bf, bi)| {
        if better(a, *af, *ai, b, *bf, *bi) {
            std::cmp::Ordering::Less
        } else if better(b, *bf, *bi, a, *af, *ai) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
    ranked.into_iter().map(|(r, _, _)| r).collect()
}

/// The best eligible candidate, in two passes and without sorting (what dispatch needs per
/// offer).
pub fn best(needs: &Needs, candidates: &[Candidate], rules: &Rules, weights: &Weights) -> Option<Ranked> {
    best_among(needs, candidates.iter(), rules, weights)
}

/// The best eligible candidate among those the pre-filter shortlisted (positions in
/// `candidates`): the same answer as [`best`], looking only where an eligible agent can be.
pub fn best_indexed(
    needs: &Needs,
    candidates: &[Candidate],
    index: &CandidateIndex,
    rules: &Rules,
    weights: &Weights,
) -> Option<Ranked> {
    best_among(needs, index.shortlist(needs, rules).map(|position| &candidates[position]), rules, weights)
}

fn best_among<'a>(
    needs: &Needs,
    candidates: impl Iterator<Item = &'a Candidate>,
    rules: &Rules,
    weights: &Weights,
) -> Option<Ranked> {
    let eligible: Vec<&Candidate> = candidates.filter(|c| eligibility::check(needs, c, rules).is_ok()).collect();
    let pool = Pool::of(needs, eligible.iter().copied());
    let total = weights.total();
    // Scores only, no explanation, until the winner is known: the explanation is built once.
    let mut winner: Option<(&Candidate, f64)> = None;
    for c in eligible {
        let score = score_of(needs, c, rules, weights, &pool, total);
        let replace = match winner {
            None => true,
            Some((current, current_score)) => {
                (goes_first(needs, c), score, c.idle_seconds, -c.agent_id.0)
                    > (goes_first(needs, current), current_score, current.idle_seconds, -current.agent_id.0)
            }
        };
        if replace {
            winner = Some((c, score));
        }
    }
    winner.map(|(c, _)| score(needs, c, rules, weights, &pool))
}

/// The same sum, in the same order, as [`score`]'s contributions (so ties break identically).
fn score_of(needs: &Needs, c: &Candidate, rules: &Rules, weights: &Weights, pool: &Pool, total: f64) -> f64 {
    Factor::ALL
        .iter()
        .map(|f| if total > 0.0 { weights.of(*f) * value(*f, needs, c, rules, pool) / total } else { 0.0 })
        .sum()
}
