//! Callbacks and the longest live wait: a customer let go from the live wait keeps their
//! escalation's place; the platform is told now (`escalation.customer_released`) and again
//! when an agent accepts (`escalation.reengage`, from `offers::accept`).

use chrono::{DateTime, Duration, Utc};

use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::{EscalationId, ServiceAccountId};
use crate::models::escalation_event::TimelineEvent;
use crate::models::{db_time, escalation, escalation_event};
use crate::webhooks::{self, PlatformEvent, ReleaseReason};

/// The platform asks not to hold the customer live. 409 once a human has it.
pub fn release_to_callback(
    conn: &mut DbConn,
    id: EscalationId,
    service: ServiceAccountId,
    now: DateTime<Utc>,
) -> Result<escalation::Escalation, AppError> {
    let found = super::conversation::of_service(conn, id, service)?;
    if !escalation::release_customer(conn, id, true, db_time(now))? {
        return Err(AppError::Conflict(format!(
            "this escalation is {}: a callback is for one still waiting",
            found.state
        )));
    }
    released(conn, &found, ReleaseReason::Callback, now)?;
    escalation::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("no escalation {id}")))
}

/// The clock's pass: releases customers held longer than their escalation's longest live wait.
pub fn release_overdue(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut count = 0;
    for (e, limit) in escalation::held_with_a_limit(conn)? {
        if e.created_at.and_utc() + Duration::seconds(limit as i64) > now {
            continue;
        }
        if escalation::release_customer(conn, e.id, false, db_time(now))? {
            released(conn, &e, ReleaseReason::MaxLiveWait, now)?;
            count += 1;
        }
    }
    Ok(count)
}

fn released(
    conn: &mut DbConn,
    e: &escalation::Escalation,
    why: ReleaseReason,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let detail = match why {
        ReleaseReason::Callback => "callback asked for: re-engage the customer when an agent accepts",
        ReleaseReason::MaxLiveWait => "past the longest live wait: re-engage the customer when an agent accepts",
    };
    escalation_event::record(conn, e.id, TimelineEvent::CustomerReleased, Some(detail), db_time(now))?;
    let contract = escalation::contract_of(conn, e.id)?;
    let told = PlatformEvent::CustomerReleased {
        escalation_id: e.id,
        external_id: e.external_id.clone(),
        why,
        eta_seconds: e.eta_seconds,
        eta_range_seconds: contract.eta_range(),
        at: now,
    };
    webhooks::enqueue(conn, e.service_account_id, &told, now)?;
    Ok(())
}
