//! Soft factors: each normalised to 0..1, weighted by settings.

use serde::{Deserialize, Serialize};

use super::{Candidate, Level, Needs, Rules, distance_km};

/// Idle time counts up to this many seconds; longer is no better.
const IDLE_CAP_S: f64 = 900.0;
/// Distance at which proximity reaches 0.
const PROXIMITY_SCALE_KM: f64 = 2000.0;

/// A soft factor of the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    /// Mean proficiency in the required skills.
    Skill,
    /// Level in the escalation's language.
    Language,
    /// Bayesian-smoothed customer rating.
    Rating,
    /// Free share of the agent's capacity.
    Load,
    /// Time since the agent last had work.
    Idle,
    /// Fewer engaged minutes recently than the other candidates.
    Fairness,
    /// Cheaper than the other candidates in the same currency.
    Cost,
    /// Closer to the customer.
    Proximity,
    /// Learned quality in the needed skills (first-contact resolution and reviews).
    Quality,
    /// Faster than the other candidates on these needs, by learned handle time.
    Speed,
}

impl Factor {
    pub const ALL: [Factor; 10] = [
        Factor::Skill,
        Factor::Language,
        Factor::Rating,
        Factor::Load,
        Factor::Idle,
        Factor::Fairness,
        Factor::Cost,
        Factor::Proximity,
        Factor::Quality,
        Factor::Speed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Factor::Skill => "skill",
            Factor::Language => "language",
            Factor::Rating => "rating",
            Factor::Load => "load",
            Factor::Idle => "idle",
            Factor::Fairness => "fairness",
            Factor::Cost => "cost",
            Factor::Proximity => "proximity",
            Factor::Quality => "quality",
            Factor::Speed => "speed",
        }
    }
}

/// How much each factor counts, 0 to 100 each; the score is their weighted mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Weights {
    #[schema(minimum = 0, maximum = 100)]
    pub skill: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub language: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub rating: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub load: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub idle: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub fairness: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub cost: f64,
    #[schema(minimum = 0, maximum = 100)]
    pub proximity: f64,
    /// Appended with learned quality (issue 20); settings saved before it read as 1.
    #[schema(minimum = 0, maximum = 100)]
    #[serde(default = "one")]
    pub quality: f64,
    /// Appended with learned handle time (issue 20); off (0) unless staff raise it: on the
    /// simulator's mixed-speed scenario it concentrated work on the fastest agents (12-25
    /// utilisation points between groups) for no real gain in waiting (BENCHMARKS.md).
    #[schema(minimum = 0, maximum = 100)]
    #[serde(default)]
    pub speed: f64,
}

fn one() -> f64 {
    1.0
}

impl Default for Weights {
    fn default() -> Weights {
        Weights {
            skill: 3.0,
            language: 2.0,
            rating: 2.0,
            load: 1.0,
            idle: 1.0,
            fairness: 1.5,
            cost: 0.5,
            proximity: 0.5,
            quality: 1.0,
            speed: 0.0,
        }
    }
}

impl Weights {
    pub fn of(&self, factor: Factor) -> f64 {
        match factor {
            Factor::Skill => self.skill,
            Factor::Language => self.language,
            Factor::Rating => self.rating,
            Factor::Load => self.load,
            Factor::Idle => self.idle,
            Factor::Fairness => self.fairness,
            Factor::Cost => self.cost,
            Factor::Proximity => self.proximity,
            Factor::Quality => self.quality,
            Factor::Speed => self.speed,
        }
    }

    /// The weight of `factor`, to change it.
    pub fn of_mut(&mut self, factor: Factor) -> &mut f64 {
        match factor {
            Factor::Skill => &mut self.skill,
            Factor::Language => &mut self.language,
            Factor::Rating => &mut self.rating,
            Factor::Load => &mut self.load,
            Factor::Idle => &mut self.idle,
            Factor::Fairness => &mut self.fairness,
            Factor::Cost => &mut self.cost,
            Factor::Proximity => &mut self.proximity,
            Factor::Quality => &mut self.quality,
            Factor::Speed => &mut self.speed,
        }
    }

    pub fn total(&self) -> f64 {
        Factor::ALL.iter().map(|f| self.of(*f)).sum()
    }
}

/// Facts about the eligible candidates as a group, for the relative factors.
#[derive(Debug, Clone, Default)]
pub struct Pool {
    max_engaged_minutes: f64,
    /// Per currency: the lowest and highest hourly rate (a list: a pool has one currency or
    /// a few, and ranking reads it once per candidate).
    rate_range: Vec<(String, (i64, i64))>,
    /// The shortest and longest learned handle time for these needs among the candidates.
    handle_range: Option<(f64, f64)>,
}

impl Pool {
    pub fn of<'a>(needs: &Needs, candidates: impl Iterator<Item = &'a Candidate>) -> Pool {
        let mut pool = Pool::default();
        for c in candidates {
            if let Some(h) = c.expected_handle_s(needs) {
                pool.handle_range = Some(pool.handle_range.map_or((h, h), |(lo, hi)| (lo.min(h), hi.max(h))));
            }
            pool.max_engaged_minutes = pool.max_engaged_minutes.max(c.engaged_minutes);
            let rate = c.hourly_rate_minor;
            match pool.rate_range.iter_mut().find(|(currency, _)| *currency == c.currency) {
                Some((_, range)) => *range = (range.0.min(rate), range.1.max(rate)),
                None => pool.rate_range.push((c.currency.clone(), (rate, rate))),
            }
        }
        pool
    }

    fn rate_range(&self, currency: &str) -> Option<(i64, i64)> {
        self.rate_range.iter().find(|(known, _)| known == currency).map(|(_, range)| *range)
    }
}

fn level_value(level: Option<Level>) -> f64 {
    match level {
        Some(Level::Native) => 1.0,
        Some(Level::Fluent) => 0.8,
        Some(Level::Conversational) => 0.5,
        None => 0.0,
    }
}

/// The value (0..1) of one factor for one candidate.
pub fn value(factor: Factor, needs: &Needs, c: &Candidate, rules: &Rules, pool: &Pool) -> f64 {
    let v = match factor {
        Factor::Skill => {
            if needs.required_skills.is_empty() {
                1.0
            } else {
                let total: f64 = needs.required_skills.iter().map(|s| c.proficiency_in(s).unwrap_or(0) as f64).sum();
                total / (5.0 * needs.required_skills.len() as f64)
            }
        }
        Factor::Language => level_value(c.level_in(&needs.language)),
        Factor::Rating => (rules.smoothed_rating(c.rating_sum, c.rating_count) - 1.0) / 4.0,
        Factor::Load => {
            if c.max_concurrent == 0 {
                0.0
            } else {
                c.free_capacity() as f64 / c.max_concurrent as f64
            }
        }
        Factor::Idle => (c.idle_seconds as f64 / IDLE_CAP_S).min(1.0),
        Factor::Fairness => {
            if pool.max_engaged_minutes <= 0.0 {
                1.0
            } else {
                1.0 - c.engaged_minutes / pool.max_engaged_minutes
            }
        }
        Factor::Cost => match pool.rate_range(&c.currency) {
            Some((low, high)) if high > low => 1.0 - (c.hourly_rate_minor - low) as f64 / (high - low) as f64,
            _ => 1.0,
        },
        Factor::Proximity => match needs.location {
            Some(customer) => 1.0 - (distance_km(customer, c.location) / PROXIMITY_SCALE_KM).min(1.0),
            None => 1.0,
        },
        // No history yet: the middle, neither rewarded nor held back.
        Factor::Quality => c.learned_quality(needs).unwrap_or(0.5),
        Factor::Speed => match (c.expected_handle_s(needs), pool.handle_range) {
            (Some(h), Some((low, high))) if high > low => 1.0 - (h - low) / (high - low),
            (Some(_), _) => 1.0,
            (None, _) => 0.5,
        },
    };
    v.clamp(0.0, 1.0)
}
