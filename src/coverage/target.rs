//! The service target and coverage settings, editable by admins
//! (GET/PUT /api/v1/staff/service-target), kept as JSON in `app_settings` so every instance
//! reads the same values.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::erlang_a::Target;
use crate::db::DbConn;
use crate::error::{AppError, FieldError};
use crate::ids::UserId;
use crate::models::{app_setting, db_time};

const KEY: &str = "service_target";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceTarget {
    /// Share of customers who must reach a human (an agent accepts) within `within_s`.
    pub share: f64,
    /// Seconds from escalation to accept.
    pub within_s: u32,
    /// Largest share of customers who may leave before reaching a human.
    pub max_abandon: f64,
    /// Arrivals per hour expected in a queue with under two days of history.
    pub expected_arrivals_per_hour: f64,
    /// Handle time (seconds) assumed for a queue with no resolved conversations yet.
    pub default_handle_s: u32,
    /// Mean patience (seconds) assumed for a queue where no waiting customer has left yet.
    pub default_patience_s: u32,
    /// Weeks of history the forecast learns from.
    pub history_weeks: u32,
    /// Hours before a booked slot's start after which the agent can no longer release it.
    pub release_lockdown_h: u32,
    /// Most boost pay (minor units) per currency per UTC day; a currency not listed gets none.
    #[schema(value_type = std::collections::BTreeMap<String, i64>)]
    pub daily_boost_budget_minor: std::collections::BTreeMap<String, i64>,
    /// Posted automatically when a live queue's projected service level falls below target;
    /// `null` turns live boosts off.
    #[serde(default)]
    pub live_boost: Option<LiveBoost>,
}

/// How live boosts are posted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiveBoost {
    /// Pay multiplier, above 1 and at most 3.
    pub multiplier: f64,
    /// How long each lasts (15 to 240 minutes).
    pub minutes: u32,
    /// Reserved per boost against the daily budget of `currency`.
    pub currency: String,
    pub budget_minor: i64,
}

impl Default for ServiceTarget {
    fn default() -> ServiceTarget {
        ServiceTarget {
            share: 0.8,
            within_s: 60,
            max_abandon: 0.03,
            expected_arrivals_per_hour: 2.0,
            default_handle_s: 300,
            default_patience_s: 180,
            history_weeks: 8,
            release_lockdown_h: 12,
            daily_boost_budget_minor: Default::default(),
            live_boost: None,
        }
    }
}

impl validator::Validate for ServiceTarget {
    /// Checked by `save`, which names each field.
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

impl ServiceTarget {
    /// The part Erlang A needs.
    pub fn target(&self) -> Target {
        Target { share: self.share, within_s: self.within_s as f64, max_abandon: self.max_abandon }
    }

    fn check(&self) -> Result<(), AppError> {
        let mut errors = Vec::new();
        let mut rule = |ok: bool, field: &str, message: &str| {
            if !ok {
                errors.push(FieldError::new(field, message));
            }
        };
        rule((0.5..=0.99).contains(&self.share), "share", "must be between 0.5 and 0.99");
        rule((5..=3_600).contains(&self.within_s), "within_s", "must be between 5 and 3600 seconds");
        rule((0.001..=0.5).contains(&self.max_abandon), "max_abandon", "must be between 0.001 and 0.5");
        rule(
            (0.0..=100_000.0).contains(&self.expected_arrivals_per_hour),
            "expected_arrivals_per_hour",
            "must be between 0 and 100000",
        );
        rule(
            (30..=14_400).contains(&self.default_handle_s),
            "default_handle_s",
            "must be between 30 and 14400 seconds",
        );
        rule(
            (10..=7_200).contains(&self.default_patience_s),
            "default_patience_s",
            "must be between 10 and 7200 seconds",
        );
        rule((2..=26).contains(&self.history_weeks), "history_weeks", "must be between 2 and 26 weeks");
        rule(self.release_lockdown_h <= 168, "release_lockdown_h", "must be between 0 and 168 hours");
        for (currency, minor) in &self.daily_boost_budget_minor {
            let field = format!("daily_boost_budget_minor.{currency}");
            if iso_currency::Currency::from_code(currency).is_none() {
                errors.push(FieldError::new(field, "is not an ISO 4217 currency code"));
            } else if !(0..=1_000_000_000).contains(minor) {
                errors.push(FieldError::new(field, "must be between 0 and 1000000000 minor units"));
            }
        }
        if let Some(live) = &self.live_boost {
            let mut rule = |ok: bool, field: &str, message: &str| {
                if !ok {
                    errors.push(FieldError::new(field, message));
                }
            };
            rule(
                live.multiplier > 1.0 && live.multiplier <= 3.0,
                "live_boost.multiplier",
                "must be above 1 and at most 3",
            );
            rule((15..=240).contains(&live.minutes), "live_boost.minutes", "must be between 15 and 240 minutes");
            rule(live.budget_minor > 0, "live_boost.budget_minor", "must be above 0");
            rule(
                self.daily_boost_budget_minor.contains_key(&live.currency),
                "live_boost.currency",
                "needs a daily boost budget in daily_boost_budget_minor",
            );
        }
        if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
    }
}

/// The target in force (the defaults until an admin saves one).
pub fn load(conn: &mut DbConn) -> Result<ServiceTarget, AppError> {
    match app_setting::get(conn, KEY)? {
        Some(text) => {
            serde_json::from_str(&text).map_err(|e| AppError::Internal(anyhow::anyhow!("stored service target: {e}")))
        }
        None => Ok(ServiceTarget::default()),
    }
}

/// Validates and saves a new target; audited.
pub fn save(conn: &mut DbConn, target: &ServiceTarget, actor: UserId, now: DateTime<Utc>) -> Result<(), AppError> {
    target.check()?;
    let text = serde_json::to_string(target).map_err(|e| AppError::Internal(e.into()))?;
    app_setting::set_audited(conn, KEY, &text, actor, "service_target_changed", db_time(now))?;
    Ok(())
}
