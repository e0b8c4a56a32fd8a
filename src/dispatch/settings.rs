//! Matching settings, editable by admins (GET/PUT /api/v1/staff/matching), kept as JSON in
//! `app_settings` so every instance reads the same values.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::error::{AppError, FieldError};
use crate::ids::UserId;
use crate::matching::{Factor, Level, Relaxable, Weights};
use crate::models::{app_setting, db_time};

const KEY: &str = "matching";

/// One step of the widening ladder: after `after_s` seconds of waiting, relax `relax`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LadderStep {
    pub after_s: u32,
    #[schema(value_type = String, example = "language_level")]
    pub relax: Relaxable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MatchingSettings {
    /// Factor weights (any non-negative numbers; the score is their weighted mean).
    pub weights: Weights,
    /// Seconds an agent has to answer an offer.
    pub offer_timeout_s: u32,
    /// Consecutive missed offers after which an agent is set away.
    pub missed_offers_to_away: u32,
    /// Steps in order of `after_s`.
    pub ladder: Vec<LadderStep>,
    /// Least language level before widening: `fluent` or `native` (or `conversational`).
    #[schema(value_type = String, example = "fluent")]
    pub language_floor: Level,
    /// Least proficiency (1..5) in each required skill before widening.
    pub proficiency_floor: u8,
    /// Farthest an agent may be from the customer before widening; `null` for no limit.
    pub max_distance_km: Option<f64>,
    /// Sensitive escalations go only to agents whose smoothed rating reaches this.
    pub sensitive_rating_floor: f64,
    /// A new agent counts as `rating_prior_weight` ratings of `rating_prior_mean`.
    pub rating_prior_mean: f64,
    pub rating_prior_weight: f64,
    /// Seconds an assigned agent has for a first reply before staff see the conversation flagged.
    #[serde(default = "default_first_reply_deadline_s")]
    pub first_reply_deadline_s: u32,
    /// A returning customer (same `customer_ref`) within this many days is offered first to the
    /// agent who last helped them; 0 turns it off.
    #[serde(default = "default_sticky_window_days")]
    pub sticky_window_days: u32,
    /// For how many seconds after intake the previous agent is preferred, if online with room.
    #[serde(default = "default_sticky_preference_s")]
    pub sticky_preference_s: u32,
}

fn default_first_reply_deadline_s() -> u32 {
    120
}

fn default_sticky_window_days() -> u32 {
    30
}

fn default_sticky_preference_s() -> u32 {
    15
}

impl Default for MatchingSettings {
    fn default() -> MatchingSettings {
        MatchingSettings {
            weights: Weights::default(),
            offer_timeout_s: 20,
            missed_offers_to_away: 3,
            ladder: vec![
                LadderStep { after_s: 60, relax: Relaxable::LanguageLevel },
                LadderStep { after_s: 120, relax: Relaxable::ProficiencyFloor },
                LadderStep { after_s: 180, relax: Relaxable::Proximity },
            ],
            language_floor: Level::Fluent,
            proficiency_floor: 2,
            max_distance_km: None,
            sensitive_rating_floor: 4.0,
            rating_prior_mean: 4.0,
            rating_prior_weight: 5.0,
            first_reply_deadline_s: default_first_reply_deadline_s(),
            sticky_window_days: default_sticky_window_days(),
            sticky_preference_s: default_sticky_preference_s(),
        }
    }
}

impl validator::Validate for MatchingSettings {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

impl MatchingSettings {
    /// The ladder steps that apply after waiting `waited_s`.
    pub fn steps_after(&self, waited_s: i64) -> usize {
        self.ladder.iter().filter(|step| waited_s >= step.after_s as i64).count()
    }

    fn check(&self) -> Result<(), AppError> {
        let mut errors = Vec::new();
        let w = &self.weights;
        for factor in Factor::ALL {
            if !(0.0..=100.0).contains(&w.of(factor)) {
                errors.push(FieldError::new(format!("weights.{}", factor.name()), "must be between 0 and 100"));
            }
        }
        if w.total() <= 0.0 {
            errors.push(FieldError::new("weights", "at least one weight must be above 0"));
        }
        if !(5..=600).contains(&self.offer_timeout_s) {
            errors.push(FieldError::new("offer_timeout_s", "must be between 5 and 600 seconds"));
        }
        if !(1..=20).contains(&self.missed_offers_to_away) {
            errors.push(FieldError::new("missed_offers_to_away", "must be between 1 and 20"));
        }
        if self.ladder.windows(2).any(|pair| pair[0].after_s > pair[1].after_s) {
            errors.push(FieldError::new("ladder", "steps must be in order of after_s"));
        }
        if !(1..=5).contains(&self.proficiency_floor) {
            errors.push(FieldError::new("proficiency_floor", "must be between 1 and 5"));
        }
        if self.max_distance_km.is_some_and(|km| !(1.0..=20_000.0).contains(&km)) {
            errors.push(FieldError::new("max_distance_km", "must be between 1 and 20000, or null"));
        }
        if !(1.0..=5.0).contains(&self.sensitive_rating_floor) {
            errors.push(FieldError::new("sensitive_rating_floor", "must be between 1 and 5"));
        }
        if !(1.0..=5.0).contains(&self.rating_prior_mean) {
            errors.push(FieldError::new("rating_prior_mean", "must be between 1 and 5"));
        }
        if !(0.0..=1000.0).contains(&self.rating_prior_weight) {
            errors.push(FieldError::new("rating_prior_weight", "must be between 0 and 1000"));
        }
        if !(10..=3600).contains(&self.first_reply_deadline_s) {
            errors.push(FieldError::new("first_reply_deadline_s", "must be between 10 and 3600 seconds"));
        }
        if self.sticky_window_days > 365 {
            errors.push(FieldError::new("sticky_window_days", "must be between 0 and 365 days"));
        }
        if self.sticky_preference_s > 300 {
            errors.push(FieldError::new("sticky_preference_s", "must be between 0 and 300 seconds"));
        }
        if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
    }
}

/// The settings in force (the defaults until an admin saves some).
pub fn load(conn: &mut DbConn) -> Result<MatchingSettings, AppError> {
    match app_setting::get(conn, KEY)? {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored matching settings: {e}"))),
        None => Ok(MatchingSettings::default()),
    }
}

/// Validates and saves new settings; audited.
pub fn save(conn: &mut DbConn, settings: &MatchingSettings, actor: UserId, now: DateTime<Utc>) -> Result<(), AppError> {
    settings.check()?;
    let text = serde_json::to_string(settings).map_err(|e| AppError::Internal(e.into()))?;
    app_setting::set_audited(conn, KEY, &text, actor, "matching_changed", db_time(now))?;
    Ok(())
}
