//! Pay: agents' effective-dated rates and the staff pay bands that bound them.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::db::DbConn;
use crate::error::{AppError, FieldError};
use crate::ids::{AgentId, UserId};
use crate::models::{agent_rate, agent_skill, audit, db_time, pay_band, skill};
use crate::money;

/// A rate change may be dated this far back (clock skew between client and server), no more:
/// past work is paid at the rate in force when it happened.
const BACKDATE_TOLERANCE_S: i64 = 60;

/// PUT /api/v1/me/rates.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct RateChange {
    #[validate(range(min = 0, max = 100_000_000))]
    pub hourly_rate_minor: i64,
    #[validate(range(min = 0, max = 100_000_000))]
    pub per_conversation_minor: i64,
    #[validate(custom(function = "crate::validate::iso_4217"))]
    pub currency: String,
    /// When the new rates take effect; now when absent. Never in the past.
    pub effective_from: Option<DateTime<Utc>>,
}

/// One rate in an agent's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RateView {
    pub hourly_rate_minor: i64,
    pub per_conversation_minor: i64,
    pub currency: String,
    pub effective_from: DateTime<Utc>,
    /// Whether this is the rate in force now.
    pub in_force: bool,
}

/// A band as the API shows and takes it.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct Band {
    #[validate(length(min = 1, max = 50))]
    pub skill: String,
    #[validate(custom(function = "crate::validate::iso_4217"))]
    pub currency: String,
    #[validate(range(min = 0, max = 100_000_000))]
    pub min_hourly_minor: i64,
    #[validate(range(min = 0, max = 100_000_000))]
    pub max_hourly_minor: i64,
    #[validate(range(min = 0, max = 100_000_000))]
    pub min_per_conversation_minor: i64,
    #[validate(range(min = 0, max = 100_000_000))]
    pub max_per_conversation_minor: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct PayBands {
    #[validate(length(max = 1000), nested)]
    pub bands: Vec<Band>,
}

/// What an agent may charge in a currency: from the lowest minimum to the highest maximum of
/// the bands for their skills. `None` when no band covers their skills in that currency.
fn allowed(bands: &[pay_band::PayBand]) -> Option<(i64, i64, i64, i64)> {
    if bands.is_empty() {
        return None;
    }
    Some((
        bands.iter().map(|b| b.min_hourly_minor).min()?,
        bands.iter().map(|b| b.max_hourly_minor).max()?,
        bands.iter().map(|b| b.min_per_conversation_minor).min()?,
        bands.iter().map(|b| b.max_per_conversation_minor).max()?,
    ))
}

/// 422 naming each rate outside the bands for `skills`, with the allowed range; the bands'
/// maxima are raised to `ceiling_pct` per cent (the agent's tier perk; 100 for none).
pub fn check_bands(
    conn: &mut DbConn,
    skills: &[String],
    hourly: i64,
    per_conversation: i64,
    currency: &str,
    ceiling_pct: u32,
) -> Result<(), AppError> {
    let Some((min_h, max_h, min_c, max_c)) = allowed(&pay_band::for_skills(conn, skills, currency)?) else {
        return Ok(());
    };
    let raised = |max: i64| max * ceiling_pct.max(100) as i64 / 100;
    let (max_h, max_c) = (raised(max_h), raised(max_c));
    let range = |min: i64, max: i64| {
        format!(
            "must be between {min} and {max} ({} to {}) for your skills",
            money::display(min, currency),
            money::display(max, currency)
        )
    };
    let mut errors = Vec::new();
    if !(min_h..=max_h).contains(&hourly) {
        errors.push(FieldError::new("hourly_rate_minor", range(min_h, max_h)));
    }
    if !(min_c..=max_c).contains(&per_conversation) {
        errors.push(FieldError::new("per_conversation_minor", range(min_c, max_c)));
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

/// Records a new rate for the agent, effective from now or a later instant.
pub fn change(
    conn: &mut DbConn,
    agent_id: AgentId,
    change: &RateChange,
    now: DateTime<Utc>,
) -> Result<RateView, AppError> {
    let effective_from = change.effective_from.unwrap_or(now);
    if effective_from < now - Duration::seconds(BACKDATE_TOLERANCE_S) {
        return Err(AppError::invalid(
            "effective_from",
            "cannot be in the past: past work keeps the rate it was done at",
        ));
    }
    let skills: Vec<String> = agent_skill::for_agent(conn, agent_id)?.into_iter().map(|s| s.skill).collect();
    let ceiling = crate::quality::tiers::perks_of(conn, agent_id)?.pay_ceiling_pct;
    check_bands(conn, &skills, change.hourly_rate_minor, change.per_conversation_minor, &change.currency, ceiling)?;
    agent_rate::insert(
        conn,
        &agent_rate::NewAgentRate {
            agent_id,
            hourly_rate_minor: change.hourly_rate_minor,
            per_conversation_minor: change.per_conversation_minor,
            currency: &change.currency,
            effective_from: db_time(effective_from),
            created_at: db_time(now),
        },
    )?;
    Ok(RateView {
        hourly_rate_minor: change.hourly_rate_minor,
        per_conversation_minor: change.per_conversation_minor,
        currency: change.currency.clone(),
        effective_from,
        in_force: effective_from <= now,
    })
}

/// Every rate the agent has had or has scheduled, newest first, marking the one in force.
pub fn history(conn: &mut DbConn, agent_id: AgentId, now: DateTime<Utc>) -> Result<Vec<RateView>, AppError> {
    let in_force = agent_rate::in_force(conn, agent_id, db_time(now))?.map(|r| r.id);
    Ok(agent_rate::history(conn, agent_id)?
        .into_iter()
        .map(|r| RateView {
            in_force: Some(r.id) == in_force,
            hourly_rate_minor: r.hourly_rate_minor,
            per_conversation_minor: r.per_conversation_minor,
            currency: r.currency,
            effective_from: r.effective_from.and_utc(),
        })
        .collect())
}

pub fn bands(conn: &mut DbConn) -> Result<PayBands, AppError> {
    Ok(PayBands {
        bands: pay_band::all(conn)?
            .into_iter()
            .map(|b| Band {
                skill: b.skill,
                currency: b.currency,
                min_hourly_minor: b.min_hourly_minor,
                max_hourly_minor: b.max_hourly_minor,
                min_per_conversation_minor: b.min_per_conversation_minor,
                max_per_conversation_minor: b.max_per_conversation_minor,
            })
            .collect(),
    })
}

/// Replaces every band after checking skills, order of bounds and duplicates; audited.
pub fn replace_bands(
    conn: &mut DbConn,
    document: &PayBands,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let known: Vec<String> = skill::all(conn)?.into_iter().map(|s| s.name).collect();
    let mut errors = Vec::new();
    for (i, band) in document.bands.iter().enumerate() {
        if !known.contains(&band.skill) {
            errors.push(FieldError::new(format!("bands[{i}].skill"), "not in the skill catalogue"));
        }
        if band.min_hourly_minor > band.max_hourly_minor {
            errors.push(FieldError::new(format!("bands[{i}].max_hourly_minor"), "must not be below the minimum"));
        }
        if band.min_per_conversation_minor > band.max_per_conversation_minor {
            errors.push(FieldError::new(
                format!("bands[{i}].max_per_conversation_minor"),
                "must not be below the minimum",
            ));
        }
        if document.bands[..i].iter().any(|b| b.skill == band.skill && b.currency == band.currency) {
            errors.push(FieldError::new(format!("bands[{i}]"), "one band per skill and currency"));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let rows: Vec<pay_band::PayBand> = document
        .bands
        .iter()
        .map(|b| pay_band::PayBand {
            skill: b.skill.clone(),
            currency: b.currency.clone(),
            min_hourly_minor: b.min_hourly_minor,
            max_hourly_minor: b.max_hourly_minor,
            min_per_conversation_minor: b.min_per_conversation_minor,
            max_per_conversation_minor: b.max_per_conversation_minor,
            updated_at: db_time(now),
        })
        .collect();
    pay_band::replace(conn, &rows)?;
    let detail = format!("{} pay bands", rows.len());
    audit::record(
        conn,
        &audit::NewAuditEntry {
            actor_id: Some(actor),
            subject_kind: "settings",
            subject_id: None,
            action: "pay_bands_replaced",
            detail: Some(&detail),
            created_at: db_time(now),
        },
    )?;
    Ok(())
}
