//! The quality settings, editable by admins (GET/PUT /api/v1/staff/quality-settings): wrap-up,
//! dispositions, first-contact window, review sampling, decision-review deadline and the tier
//! formula. Kept as JSON in `app_settings` so every instance reads the same values.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::error::{AppError, FieldError};
use crate::ids::UserId;
use crate::models::{app_setting, db_time};

const KEY: &str = "quality";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualitySettings {
    /// Longest wrap-up after a resolution (seconds); it ends by itself then. 0: no wrap-up.
    pub wrap_up_max_s: u32,
    /// The dispositions an agent picks from at wrap-up (the reported disposition).
    pub dispositions: Vec<String>,
    /// A customer who comes back within this many hours marks the earlier resolution as not
    /// resolved on first contact.
    pub fcr_window_h: u32,
    pub sampling: Sampling,
    /// Hours staff have to answer an agent's request for a human review of a decision.
    pub decision_review_deadline_h: u32,
    pub tiers: TierRules,
}

/// Which resolved conversations are picked for a quality review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sampling {
    /// Share of all resolved conversations picked at random (0 to 1).
    pub random_share: f64,
    /// Every conversation the customer rated at or below this (1-5); `null`: none by rating.
    pub rating_at_most: Option<u8>,
    /// Every sensitive conversation.
    pub sensitive: bool,
}

/// How tiers are computed over a rolling window: a weighted score of five figures, each
/// between 0 and 1, and the tiers it reaches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierRules {
    pub window_days: u32,
    pub weights: TierWeights,
    /// How many conversations' worth of the pool's mean each agent's figure starts from
    /// (shrinkage: a new agent is not judged on two conversations).
    pub prior_weight: f64,
    /// Lowest first; the first must need a score of 0 and no conversations.
    pub levels: Vec<TierLevel>,
}

/// Weights of the tier score; they must add up to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierWeights {
    /// Mean quality-review score (0-100, as a share).
    pub quality: f64,
    /// Mean customer rating, (rating − 1) / 4.
    pub rating: f64,
    /// Share of resolutions not followed by the same customer within the FCR window.
    pub fcr: f64,
    /// Slot commitment score / 100 (bookings kept).
    pub commitment: f64,
    /// Share of offers answered (accepted or declined) rather than missed.
    pub answered: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierLevel {
    pub name: String,
    /// Lowest tier score (0 to 1).
    pub min_score: f64,
    /// Fewest resolved conversations in the window.
    pub min_conversations: u32,
    pub perks: Perks,
}

/// What a tier brings.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Perks {
    /// Book coverage slots as soon as they are published, whatever the commitment score.
    pub early_slot_booking: bool,
    /// The pay band's ceiling for this tier, in per cent of the band's maximum (100 to 200).
    pub pay_ceiling_pct: u32,
    /// Ranked first for sensitive conversations among agents otherwise equal.
    pub sensitive_priority: bool,
}

impl Default for QualitySettings {
    fn default() -> QualitySettings {
        let level = |name: &str, min_score, min_conversations, perks| TierLevel {
            name: name.into(),
            min_score,
            min_conversations,
            perks,
        };
        QualitySettings {
            wrap_up_max_s: 120,
            dispositions: ["solved", "refund_issued", "escalated_to_bank", "information_given", "handed_back"]
                .map(String::from)
                .to_vec(),
            fcr_window_h: 72,
            sampling: Sampling { random_share: 0.05, rating_at_most: Some(2), sensitive: true },
            decision_review_deadline_h: 72,
            tiers: TierRules {
                window_days: 28,
                weights: TierWeights { quality: 0.3, rating: 0.25, fcr: 0.2, commitment: 0.1, answered: 0.15 },
                prior_weight: 10.0,
                levels: vec![
                    level("standard", 0.0, 0, Perks { pay_ceiling_pct: 100, ..Perks::default() }),
                    level(
                        "silver",
                        0.7,
                        20,
                        Perks { early_slot_booking: true, pay_ceiling_pct: 105, sensitive_priority: false },
                    ),
                    level(
                        "gold",
                        0.85,
                        50,
                        Perks { early_slot_booking: true, pay_ceiling_pct: 115, sensitive_priority: true },
                    ),
                ],
            },
        }
    }
}

impl validator::Validate for QualitySettings {
    /// Checked by `save`, which names each field.
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

impl TierWeights {
    pub fn sum(&self) -> f64 {
        self.quality + self.rating + self.fcr + self.commitment + self.answered
    }
}

impl QualitySettings {
    fn check(&self) -> Result<(), AppError> {
        let mut errors = Vec::new();
        let mut rule = |ok: bool, field: &str, message: &str| {
            if !ok {
                errors.push(FieldError::new(field, message));
            }
        };
        rule(self.wrap_up_max_s <= 3_600, "wrap_up_max_s", "must be between 0 and 3600 seconds");
        rule(!self.dispositions.is_empty(), "dispositions", "must list at least one disposition");
        rule(
            self.dispositions.iter().all(|d| (1..=100).contains(&d.trim().len())),
            "dispositions",
            "each must be 1 to 100 characters",
        );
        rule((1..=720).contains(&self.fcr_window_h), "fcr_window_h", "must be between 1 and 720 hours");
        rule((0.0..=1.0).contains(&self.sampling.random_share), "sampling.random_share", "must be between 0 and 1");
        rule(
            self.sampling.rating_at_most.is_none_or(|r| (1..=5).contains(&r)),
            "sampling.rating_at_most",
            "must be between 1 and 5, or null",
        );
        rule(
            (1..=720).contains(&self.decision_review_deadline_h),
            "decision_review_deadline_h",
            "must be between 1 and 720 hours",
        );
        let tiers = &self.tiers;
        rule((7..=90).contains(&tiers.window_days), "tiers.window_days", "must be between 7 and 90 days");
        let w = tiers.weights;
        let weights = [w.quality, w.rating, w.fcr, w.commitment, w.answered];
        rule(weights.iter().all(|w| (0.0..=1.0).contains(w)), "tiers.weights", "each must be between 0 and 1");
        rule((w.sum() - 1.0).abs() < 1e-9, "tiers.weights", "must add up to 1");
        rule((0.0..=1_000.0).contains(&tiers.prior_weight), "tiers.prior_weight", "must be between 0 and 1000");
        rule(!tiers.levels.is_empty(), "tiers.levels", "must list at least one tier");
        if let Some(first) = tiers.levels.first() {
            rule(
                first.min_score == 0.0 && first.min_conversations == 0,
                "tiers.levels[0]",
                "the first tier must need a score of 0 and no conversations",
            );
        }
        for (i, level) in tiers.levels.iter().enumerate() {
            let field = |name: &str| format!("tiers.levels[{i}].{name}");
            if !(1..=40).contains(&level.name.trim().len()) {
                errors.push(FieldError::new(field("name"), "must be 1 to 40 characters"));
            }
            if !(0.0..=1.0).contains(&level.min_score) {
                errors.push(FieldError::new(field("min_score"), "must be between 0 and 1"));
            }
            if !(100..=200).contains(&level.perks.pay_ceiling_pct) {
                errors.push(FieldError::new(field("perks.pay_ceiling_pct"), "must be between 100 and 200"));
            }
            if let Some(before) = i.checked_sub(1).map(|j| &tiers.levels[j])
                && (level.min_score <= before.min_score || level.min_conversations < before.min_conversations)
            {
                errors.push(FieldError::new(
                    field("min_score"),
                    "each tier must need a higher score (and no fewer conversations) than the one below",
                ));
            }
        }
        let mut names: Vec<&str> = tiers.levels.iter().map(|l| l.name.trim()).collect();
        names.sort();
        names.dedup();
        if names.len() != tiers.levels.len() {
            errors.push(FieldError::new("tiers.levels", "tier names must differ"));
        }
        if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
    }
}

/// The settings in force (the defaults until an admin saves some).
pub fn load(conn: &mut DbConn) -> Result<QualitySettings, AppError> {
    match app_setting::get(conn, KEY)? {
        Some(text) => {
            serde_json::from_str(&text).map_err(|e| AppError::Internal(anyhow::anyhow!("stored quality settings: {e}")))
        }
        None => Ok(QualitySettings::default()),
    }
}

/// Validates and saves new settings; audited.
pub fn save(conn: &mut DbConn, wanted: &QualitySettings, actor: UserId, now: DateTime<Utc>) -> Result<(), AppError> {
    wanted.check()?;
    let text = serde_json::to_string(wanted).map_err(|e| AppError::Internal(e.into()))?;
    app_setting::set_audited(conn, KEY, &text, actor, "quality_settings_changed", db_time(now))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(settings: &QualitySettings) -> Vec<String> {
        match settings.check() {
            Ok(()) => vec![],
            Err(AppError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_defaults_pass_and_weights_that_do_not_add_up_are_named() {
        assert!(fields(&QualitySettings::default()).is_empty());
        let mut wrong = QualitySettings::default();
        wrong.tiers.weights.quality = 0.5;
        assert_eq!(fields(&wrong), ["tiers.weights"]);
    }

    #[test]
    fn tiers_must_climb() {
        let mut wrong = QualitySettings::default();
        wrong.tiers.levels[2].min_score = 0.6;
        assert_eq!(fields(&wrong), ["tiers.levels[2].min_score"]);
        wrong.tiers.levels[0].min_score = 0.1;
        assert!(fields(&wrong).contains(&"tiers.levels[0]".to_string()));
    }
}
