//! Boosts: a pay multiplier on one queue for a span of time, within the staff's daily budget
//! per currency.
//!
//! A boost's `budget_minor` is what it may cost; it is reserved against the daily budget of its
//! currency on the UTC day it starts, so the sum of a day's boosts never passes the budget, and
//! a budget cannot be lowered below what that day's boosts already reserve. Pay is not cut off
//! inside a boost: the reservation is the staff's estimate of its cost, checked when posted.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::forecast::INTERVAL_S;
use super::target::{self, ServiceTarget};
use crate::db::DbConn;
use crate::error::{AppError, FieldError};
use crate::ids::{BoostId, UserId};
use crate::models::boost::{self, Boost, BoostKind, NewBoost};
use crate::models::coverage_history::QueueKey;
use crate::models::{audit, db_time};

/// Highest multiplier staff may set.
pub const MAX_MULTIPLIER: f64 = 3.0;
/// Longest single boost.
pub const MAX_SPAN: Duration = Duration::hours(24);

/// The multiplier of scheduled boosts on `key` in force at `at` (1.0 when none): the highest.
pub fn scheduled_multiplier(boosts: &[Boost], key: &QueueKey, at: NaiveDateTime) -> f64 {
    boosts
        .iter()
        .filter(|b| b.kind == BoostKind::Scheduled && b.starts_at <= at && at < b.ends_at)
        .filter(|b| b.queue() == *key)
        .map(|b| b.multiplier_pct as f64 / 100.0)
        .fold(1.0, f64::max)
}

/// What staff post.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoostRequest {
    /// The queue: ISO 639-1 language, ISO 3166-1 market and its required skills.
    pub language: String,
    pub market: String,
    #[serde(default)]
    pub required_skills: Vec<String>,
    /// Pay multiplier, above 1 and at most 3 (e.g. 1.2).
    pub multiplier: f64,
    /// On 30-minute boundaries; it must end in the future and last at most 24 hours.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// ISO 4217; the service target must give it a daily budget.
    pub currency: String,
    /// The most this boost may cost, in minor units, reserved against the day's budget.
    pub budget_minor: i64,
    /// Shown to agents: why their hours are needed.
    pub reason: String,
}

impl validator::Validate for BoostRequest {
    /// The rules need the settings; `post` checks them.
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// A boost as staff and agents see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoostView {
    #[schema(value_type = i64)]
    pub id: BoostId,
    /// `scheduled` (pays booked slots inside it) or `live` (pays every conversation of the queue).
    pub kind: String,
    pub language: String,
    pub market: String,
    pub required_skills: Vec<String>,
    pub multiplier: f64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub currency: String,
    pub budget_minor: i64,
    pub reason: String,
    #[schema(value_type = Option<i64>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

impl From<&Boost> for BoostView {
    fn from(b: &Boost) -> BoostView {
        BoostView {
            id: b.id,
            kind: b.kind.as_str().to_string(),
            language: b.language.clone(),
            market: b.market.clone(),
            required_skills: b.queue().skills(),
            multiplier: b.multiplier_pct as f64 / 100.0,
            starts_at: b.starts_at.and_utc(),
            ends_at: b.ends_at.and_utc(),
            currency: b.currency.clone(),
            budget_minor: b.budget_minor,
            reason: b.reason.clone(),
            created_by: b.created_by,
            created_at: b.created_at.and_utc(),
        }
    }
}

fn aligned(at: DateTime<Utc>) -> bool {
    at.timestamp().rem_euclid(INTERVAL_S) == 0
}

fn day_of(at: DateTime<Utc>) -> (NaiveDateTime, NaiveDateTime) {
    let start = at.date_naive().and_hms_opt(0, 0, 0).unwrap_or(at.naive_utc());
    (start, start + Duration::days(1))
}

fn check(request: &BoostRequest, settings: &ServiceTarget, now: DateTime<Utc>) -> Result<(), AppError> {
    let mut errors = Vec::new();
    let mut rule = |ok: bool, field: &str, message: &str| {
        if !ok {
            errors.push(FieldError::new(field, message));
        }
    };
    rule(crate::validate::iso_639_1(&request.language).is_ok(), "language", "must be an ISO 639-1 code");
    rule(crate::validate::iso_3166_alpha2(&request.market).is_ok(), "market", "must be an ISO 3166-1 alpha-2 code");
    rule(
        request.multiplier > 1.0 && request.multiplier <= MAX_MULTIPLIER,
        "multiplier",
        "must be above 1 and at most 3",
    );
    rule(aligned(request.starts_at), "starts_at", "must be on a 30-minute boundary");
    rule(aligned(request.ends_at), "ends_at", "must be on a 30-minute boundary");
    rule(request.ends_at > request.starts_at, "ends_at", "must be after starts_at");
    rule(request.ends_at > now, "ends_at", "must be in the future");
    rule(request.ends_at - request.starts_at <= MAX_SPAN, "ends_at", "a boost lasts at most 24 hours");
    rule(request.budget_minor > 0, "budget_minor", "must be above 0");
    rule(
        !request.reason.trim().is_empty() && request.reason.chars().count() <= 300,
        "reason",
        "must be 1 to 300 characters",
    );
    rule(request.required_skills.len() <= 20, "required_skills", "at most 20 skills");
    rule(
        settings.daily_boost_budget_minor.contains_key(&request.currency),
        "currency",
        "has no daily boost budget in the service target",
    );
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

/// Posts a scheduled boost after checking it and the day's budget; audited.
pub fn post(conn: &mut DbConn, now: DateTime<Utc>, actor: UserId, request: &BoostRequest) -> Result<Boost, AppError> {
    let settings = target::load(conn)?;
    check(request, &settings, now)?;
    for (i, skill) in request.required_skills.iter().enumerate() {
        if crate::models::skill::find(conn, skill)?.is_none() {
            return Err(AppError::invalid(
                format!("required_skills[{i}]"),
                format!("`{skill}` is not in the skill catalogue"),
            ));
        }
    }
    let (day_start, day_end) = day_of(request.starts_at);
    let budget = settings.daily_boost_budget_minor[&request.currency];
    let committed = boost::committed(conn, &request.currency, day_start, day_end)?;
    if committed + request.budget_minor > budget {
        return Err(AppError::Conflict(format!(
            "over the daily boost budget: {} {} of {} already reserved on {}, {} more asked",
            committed,
            request.currency,
            budget,
            day_start.date(),
            request.budget_minor
        )));
    }
    let key = QueueKey::new(&request.language, &request.market, &request.required_skills.join(","));
    let saved = boost::insert(
        conn,
        &NewBoost {
            kind: BoostKind::Scheduled,
            language: &key.language,
            market: &key.market,
            required_skills: &key.required_skills,
            multiplier_pct: (request.multiplier * 100.0).round() as i32,
            starts_at: db_time(request.starts_at),
            ends_at: db_time(request.ends_at),
            currency: &request.currency,
            budget_minor: request.budget_minor,
            reason: request.reason.trim(),
            created_by: Some(actor),
            created_at: db_time(now),
        },
    )?;
    let detail = serde_json::to_string(&BoostView::from(&saved)).unwrap_or_default();
    audit::record(
        conn,
        &audit::NewAuditEntry {
            actor_id: Some(actor),
            subject_kind: "boost",
            subject_id: Some(saved.id.0),
            action: "boost_posted",
            detail: Some(&detail),
            created_at: db_time(now),
        },
    )?;
    Ok(saved)
}

/// Refuses a service target whose daily budgets fall below what boosts from today on reserve.
pub fn check_budget_covers_commitments(
    conn: &mut DbConn,
    wanted: &ServiceTarget,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (today, _) = day_of(now);
    for (currency, day, committed) in boost::commitments_from(conn, today)? {
        let budget = wanted.daily_boost_budget_minor.get(&currency).copied().unwrap_or(0);
        if budget < committed {
            return Err(AppError::Conflict(format!(
                "daily_boost_budget_minor.{currency}: boosts already reserve {committed} on {}, more than {budget}",
                day.date()
            )));
        }
    }
    Ok(())
}

/// Boosts in force at some point of the next `days` days, and of the last day.
pub fn around(conn: &mut DbConn, now: DateTime<Utc>, days: i64) -> Result<Vec<BoostView>, AppError> {
    let rows = boost::overlapping(conn, db_time(now - Duration::days(1)), db_time(now + Duration::days(days)))?;
    Ok(rows.iter().map(BoostView::from).collect())
}
