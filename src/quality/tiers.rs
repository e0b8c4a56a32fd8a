//! Transparent tiers. Over a rolling window (28 days by default) each agent gets five figures
//! between 0 and 1: quality-review score, customer rating, first-contact resolution, slot
//! commitment and offers answered. Each is shrunk toward the pool's mean by `prior_weight`
//! conversations' worth (a new agent is not judged on two conversations); the tier score is
//! their weighted sum with the staff's weights, and the tier the highest level whose score
//! and conversation count the agent reaches. The agent sees all of it, and what the next tier
//! needs; a change of tier is an automated decision they can contest, and is audited.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::decisions;
use super::settings::{self, Perks, TierLevel, TierRules, TierWeights};
use crate::coverage::slots::commitment_score;
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::models::agent_decision::DecisionKind;
use crate::models::coverage_slot::{self, BookingState};
use crate::models::offer::{self, OfferState};
use crate::models::{agent, agent_tier, db_time, escalation, quality_review, rating};

/// What one agent did in the window, as counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Counts {
    pub reviews: i64,
    /// Sum of review scores, each 0-100.
    pub review_score_sum: f64,
    pub ratings: i64,
    /// Sum of ratings, each 1-5.
    pub rating_sum: i64,
    pub resolutions: i64,
    /// Resolutions the customer came back after within the FCR window.
    pub repeats: i64,
    pub kept: i64,
    pub no_shows: i64,
    pub late_releases: i64,
    /// Offers accepted or declined.
    pub offers_answered: i64,
    /// Offers that expired unanswered.
    pub offers_missed: i64,
}

/// The five figures (0 to 1, after shrinkage) and the counts behind them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Figures {
    pub quality: f64,
    pub rating: f64,
    pub fcr: f64,
    pub commitment: f64,
    pub answered: f64,
    pub counts: Counts,
}

impl Figures {
    fn get(&self, name: &str) -> f64 {
        match name {
            "quality" => self.quality,
            "rating" => self.rating,
            "fcr" => self.fcr,
            "commitment" => self.commitment,
            _ => self.answered,
        }
    }

    pub fn score(&self, w: &TierWeights) -> f64 {
        w.quality * self.quality
            + w.rating * self.rating
            + w.fcr * self.fcr
            + w.commitment * self.commitment
            + w.answered * self.answered
    }
}

/// The pool's raw means (unshrunk), the prior every agent's figure starts from.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pool {
    quality: f64,
    rating: f64,
    fcr: f64,
    answered: f64,
}

/// `(successes + prior × mean) / (n + prior)`: the posterior mean under a beta prior worth
/// `prior` observations at the pool's mean.
fn shrunk(successes: f64, n: f64, mean: f64, prior: f64) -> f64 {
    if n + prior <= 0.0 { mean } else { (successes + prior * mean) / (n + prior) }
}

fn pool_of(all: &HashMap<AgentId, Counts>) -> Pool {
    let total = |f: &dyn Fn(&Counts) -> (f64, f64), default: f64| {
        let (s, n) = all.values().map(f).fold((0.0, 0.0), |(a, b), (c, d)| (a + c, b + d));
        if n > 0.0 { s / n } else { default }
    };
    Pool {
        quality: total(&|c| (c.review_score_sum / 100.0, c.reviews as f64), 0.8),
        rating: total(&|c| ((c.rating_sum - c.ratings) as f64 / 4.0, c.ratings as f64), 0.8),
        fcr: total(&|c| ((c.resolutions - c.repeats) as f64, c.resolutions as f64), 0.8),
        answered: total(&|c| (c.offers_answered as f64, (c.offers_answered + c.offers_missed) as f64), 0.9),
    }
}

fn figures_of(c: &Counts, pool: &Pool, prior: f64) -> Figures {
    Figures {
        quality: shrunk(c.review_score_sum / 100.0, c.reviews as f64, pool.quality, prior),
        rating: shrunk((c.rating_sum - c.ratings) as f64 / 4.0, c.ratings as f64, pool.rating, prior),
        fcr: shrunk((c.resolutions - c.repeats) as f64, c.resolutions as f64, pool.fcr, prior),
        commitment: commitment_score(c.kept, c.no_shows, c.late_releases) / 100.0,
        answered: shrunk(c.offers_answered as f64, (c.offers_answered + c.offers_missed) as f64, pool.answered, prior),
        counts: *c,
    }
}

/// Every active agent's counts over the window ending `now`: six grouped queries, whatever
/// the number of agents.
fn counts(conn: &mut DbConn, rules: &TierRules, now: DateTime<Utc>) -> Result<HashMap<AgentId, Counts>, AppError> {
    let since = db_time(now - Duration::days(rules.window_days as i64));
    let mut all: HashMap<AgentId, Counts> =
        agent::active_ids(conn)?.into_iter().map(|id| (id, Counts::default())).collect();
    for (id, n, sum) in quality_review::totals_since(conn, since)? {
        if let Some(c) = all.get_mut(&id) {
            (c.reviews, c.review_score_sum) = (n, sum.unwrap_or(0.0));
        }
    }
    for (id, n, sum) in rating::totals_since(conn, since)? {
        if let Some(c) = all.get_mut(&id) {
            (c.ratings, c.rating_sum) = (n, sum.unwrap_or(0));
        }
    }
    for (id, n, repeats) in escalation::resolutions_since(conn, since)? {
        if let Some(c) = id.and_then(|id| all.get_mut(&id)) {
            (c.resolutions, c.repeats) = (n, repeats);
        }
    }
    for (id, state, n) in coverage_slot::states_between(conn, since, db_time(now))? {
        if let Some(c) = all.get_mut(&id) {
            match state {
                BookingState::Kept => c.kept += n,
                BookingState::NoShow => c.no_shows += n,
                BookingState::ReleasedLate => c.late_releases += n,
                _ => {}
            }
        }
    }
    for (id, state, n) in offer::outcomes_since(conn, since)? {
        if let Some(c) = all.get_mut(&id) {
            match state {
                OfferState::Accepted | OfferState::Declined | OfferState::Transferred => c.offers_answered += n,
                OfferState::Expired => c.offers_missed += n,
                OfferState::Pending | OfferState::Withdrawn => {}
            }
        }
    }
    Ok(all)
}

/// The highest level the figures reach (the first level always).
pub fn level_of<'a>(rules: &'a TierRules, figures: &Figures) -> &'a TierLevel {
    let score = figures.score(&rules.weights);
    rules
        .levels
        .iter()
        .rev()
        .find(|l| score + 1e-12 >= l.min_score && figures.counts.resolutions >= l.min_conversations as i64)
        .unwrap_or(&rules.levels[0])
}

/// What the next tier needs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NextTier {
    pub tier: String,
    pub missing: Vec<Missing>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Missing {
    /// `score` or `conversations`.
    pub figure: String,
    pub have: f64,
    pub need: f64,
    /// What would close the gap, in plain words.
    pub hint: String,
}

fn next_of(rules: &TierRules, current: &TierLevel, figures: &Figures) -> Option<NextTier> {
    let at = rules.levels.iter().position(|l| l.name == current.name)?;
    let next = rules.levels.get(at + 1)?;
    let w = rules.weights;
    let score = figures.score(&w);
    let mut missing = Vec::new();
    if score < next.min_score {
        // The figure with the most weighted room is the biggest lever.
        let levers = [
            ("quality", w.quality, "your quality-review score"),
            ("rating", w.rating, "your customers' rating"),
            ("fcr", w.fcr, "first-contact resolution (customers not coming back)"),
            ("commitment", w.commitment, "keeping booked slots"),
            ("answered", w.answered, "answering offers (accepting or declining) instead of letting them expire"),
        ];
        let (name, weight, words) = levers
            .iter()
            .copied()
            .max_by(|a, b| (a.1 * (1.0 - figures.get(a.0))).total_cmp(&(b.1 * (1.0 - figures.get(b.0)))))
            .unwrap_or(levers[0]);
        let gap = next.min_score - score;
        let hint = if weight > 0.0 {
            let needed = (figures.get(name) + gap / weight).min(1.0);
            format!(
                "{gap:.3} more tier score; the biggest lever is {words}: raising it from {:.0} % to {:.0} % would do it alone",
                figures.get(name) * 100.0,
                needed * 100.0
            )
        } else {
            format!("{gap:.3} more tier score")
        };
        missing.push(Missing { figure: "score".into(), have: score, need: next.min_score, hint });
    }
    if figures.counts.resolutions < next.min_conversations as i64 {
        let more = next.min_conversations as i64 - figures.counts.resolutions;
        missing.push(Missing {
            figure: "conversations".into(),
            have: figures.counts.resolutions as f64,
            need: next.min_conversations as f64,
            hint: format!("{more} more resolved conversations in the last {} days", rules.window_days),
        });
    }
    Some(NextTier { tier: next.name.clone(), missing })
}

/// The formula in words, as the agent sees it.
pub fn formula(rules: &TierRules) -> String {
    let w = rules.weights;
    format!(
        "tier score = {:.2} × quality + {:.2} × rating + {:.2} × first-contact resolution + {:.2} × commitment + \
         {:.2} × offers answered, each between 0 and 1 over the last {} days. Quality is the mean review score ÷ 100, \
         rating is (mean rating − 1) ÷ 4, first-contact resolution the share of resolutions the customer did not come \
         back after, offers answered the share accepted or declined rather than missed; each starts from the pool's \
         mean worth {} conversations, so a few conversations move it only a little. Commitment is the slot commitment \
         score ÷ 100. Declining an offer never lowers anything.",
        w.quality, w.rating, w.fcr, w.commitment, w.answered, rules.window_days, rules.prior_weight
    )
}

/// An agent's tier as they see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TierView {
    pub tier: String,
    pub score: f64,
    pub figures: Figures,
    pub perks: Perks,
    pub weights: TierWeights,
    pub formula: String,
    pub levels: Vec<TierLevel>,
    pub since: Option<DateTime<Utc>>,
    pub computed_at: DateTime<Utc>,
    /// `null` at the top tier.
    pub next: Option<NextTier>,
    /// What your history says per skill, as the matching engine uses it (appended).
    pub learned: Vec<LearnedView>,
}

/// Learned speed and quality in one skill.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LearnedView {
    pub skill: String,
    /// Conversations needing the skill in the window.
    pub conversations: i32,
    /// Expected seconds from accept to resolution (shrunk toward the pool).
    pub handle_s: f64,
    /// First-contact resolution blended with review scores, 0 to 1 (shrunk toward the pool).
    pub quality: f64,
}

/// Every active agent's figures now.
pub fn evaluate_all(
    conn: &mut DbConn,
    rules: &TierRules,
    now: DateTime<Utc>,
) -> Result<HashMap<AgentId, Figures>, AppError> {
    let all = counts(conn, rules, now)?;
    let pool = pool_of(&all);
    Ok(all.iter().map(|(id, c)| (*id, figures_of(c, &pool, rules.prior_weight))).collect())
}

/// The agent's tier: as last recomputed, or computed now if it never was.
pub fn mine(conn: &mut DbConn, agent: AgentId, now: DateTime<Utc>) -> Result<TierView, AppError> {
    let rules = settings::load(conn)?.tiers;
    let (figures, since, computed_at) = match agent_tier::find(conn, agent)? {
        Some(stored) => match serde_json::from_str::<Figures>(&stored.figures) {
            Ok(figures) => (figures, Some(stored.since.and_utc()), stored.computed_at.and_utc()),
            Err(_) => (fresh(conn, &rules, agent, now)?, None, now),
        },
        None => (fresh(conn, &rules, agent, now)?, None, now),
    };
    let level = level_of(&rules, &figures);
    let learned = crate::models::agent_skill_stat::for_agents(conn, &[agent])?
        .into_iter()
        .map(|s| LearnedView {
            skill: s.skill,
            conversations: s.conversations,
            handle_s: s.handle_s,
            quality: s.quality,
        })
        .collect();
    Ok(TierView {
        learned,
        tier: level.name.clone(),
        score: figures.score(&rules.weights),
        perks: level.perks,
        next: next_of(&rules, level, &figures),
        figures,
        weights: rules.weights,
        formula: formula(&rules),
        levels: rules.levels.clone(),
        since,
        computed_at,
    })
}

fn fresh(conn: &mut DbConn, rules: &TierRules, agent: AgentId, now: DateTime<Utc>) -> Result<Figures, AppError> {
    evaluate_all(conn, rules, now)?
        .remove(&agent)
        .ok_or_else(|| AppError::NotFound("tiers are for active agents".into()))
}

/// The perks of the agent's stored tier (the first level's when none is stored yet).
pub fn perks_of(conn: &mut DbConn, agent: AgentId) -> Result<Perks, AppError> {
    let rules = settings::load(conn)?.tiers;
    let stored = agent_tier::find(conn, agent)?.map(|t| t.tier);
    Ok(rules.levels.iter().find(|l| Some(&l.name) == stored.as_ref()).unwrap_or(&rules.levels[0]).perks)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecomputeSummary {
    pub agents: usize,
    /// Agents whose tier changed.
    pub changed: usize,
    /// Agents whose learned speed or quality moved (their profiles reload for matching).
    pub learned: usize,
}

/// Recomputes every agent's learned speed and quality (`quality::learning`), then every active
/// agent's tier, stored with its figures; each change of tier is recorded as an automated
/// decision the agent sees (and may contest) and audited.
pub fn recompute(conn: &mut DbConn, now: DateTime<Utc>) -> Result<RecomputeSummary, AppError> {
    let learned = super::learning::recompute(conn, now)?;
    let rules = settings::load(conn)?.tiers;
    let figures = evaluate_all(conn, &rules, now)?;
    let stored: HashMap<AgentId, String> = agent_tier::all_tiers(conn)?.into_iter().collect();
    let mut changed = 0;
    let mut ids: Vec<&AgentId> = figures.keys().collect();
    ids.sort();
    for id in ids {
        let f = &figures[id];
        let level = level_of(&rules, f);
        let before = stored.get(id);
        let is_change = before.is_some_and(|b| *b != level.name);
        let text = serde_json::to_string(f).map_err(|e| AppError::Internal(e.into()))?;
        agent_tier::store(conn, *id, &level.name, f.score(&rules.weights), &text, is_change, db_time(now))?;
        if is_change || (before.is_none() && level.name != rules.levels[0].name) {
            changed += 1;
            // Perks ride on the dispatcher's cached profile: reload it.
            crate::models::agent::touch_profile(conn, *id)?;
            announce(conn, *id, before.map(String::as_str), level, f, &rules, now)?;
        }
    }
    Ok(RecomputeSummary { agents: figures.len(), changed, learned })
}

fn announce(
    conn: &mut DbConn,
    agent: AgentId,
    before: Option<&str>,
    level: &TierLevel,
    f: &Figures,
    rules: &TierRules,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let score = f.score(&rules.weights);
    let words = format!(
        "Your tier changed from {} to {} with a tier score of {score:.3} (needed: {:.2} and {} resolved conversations; \
         you had {}). Figures: quality {:.0} %, rating {:.0} %, first-contact resolution {:.0} %, commitment {:.0} %, \
         offers answered {:.0} %. {}",
        before.unwrap_or("none"),
        level.name,
        level.min_score,
        level.min_conversations,
        f.counts.resolutions,
        f.quality * 100.0,
        f.rating * 100.0,
        f.fcr * 100.0,
        f.commitment * 100.0,
        f.answered * 100.0,
        formula(rules)
    );
    let inputs = serde_json::json!({"from": before, "to": level.name, "score": score, "figures": f,
        "weights": rules.weights, "min_score": level.min_score, "min_conversations": level.min_conversations});
    decisions::record(conn, agent, DecisionKind::Tier, None, inputs, &words, now)?;
    let detail = format!("{} → {} ({score:.3})", before.unwrap_or("none"), level.name);
    super::audited(conn, None, "agent", agent.0, "tier_changed", &detail, now)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinkage_starts_at_the_pool_and_moves_with_evidence() {
        assert_eq!(shrunk(0.0, 0.0, 0.8, 10.0), 0.8);
        // Two bad conversations barely move a new agent; two hundred do.
        assert!((shrunk(0.0, 2.0, 0.8, 10.0) - 0.8 * 10.0 / 12.0).abs() < 1e-12);
        assert!(shrunk(0.0, 200.0, 0.8, 10.0) < 0.05);
    }

    #[test]
    fn the_tier_is_the_highest_level_reached_and_the_next_says_what_is_missing() {
        let rules = settings::QualitySettings::default().tiers;
        let counts = Counts { resolutions: 30, ..Counts::default() };
        let mut f = Figures { quality: 0.8, rating: 0.8, fcr: 0.8, commitment: 0.9, answered: 0.9, counts };
        assert!((f.score(&rules.weights) - 0.825).abs() < 1e-9);
        assert_eq!(level_of(&rules, &f).name, "silver");
        let next = next_of(&rules, level_of(&rules, &f), &f).unwrap();
        assert_eq!(next.tier, "gold");
        let figures: Vec<&str> = next.missing.iter().map(|m| m.figure.as_str()).collect();
        assert_eq!(figures, ["score", "conversations"]);
        f.counts.resolutions = 5;
        assert_eq!(level_of(&rules, &f).name, "standard", "too few conversations for silver");
    }
}
