//! First-contact resolution. The platform's `external_id` is an idempotency key, so a repeat
//! customer shows only through `customer_ref`: when the same customer (same keyed hash, same
//! platform) escalates again within the staff's window, their latest resolution is marked as
//! not resolved on first contact, and its agent is told, with the figures, and may contest it.

use chrono::{DateTime, Duration, Utc};

use super::decisions;
use crate::db::DbConn;
use crate::error::AppError;
use crate::models::agent_decision::DecisionKind;
use crate::models::db_time;
use crate::models::escalation::{self, Escalation};

/// After intake of `created` with a customer reference: marks the earlier resolution, if any.
pub fn on_intake(conn: &mut DbConn, created: &Escalation, ref_hash: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    let window_h = super::settings::load(conn)?.fcr_window_h;
    let since = db_time(now - Duration::hours(window_h as i64));
    let Some(earlier) =
        escalation::last_resolved_of_customer(conn, created.service_account_id, ref_hash, since, created.id)?
    else {
        return Ok(());
    };
    let Some(agent) = earlier.assigned_agent_id else {
        return Ok(());
    };
    if escalation::taken_over_by(conn, earlier.id)?.is_some()
        || !escalation::mark_repeated(conn, earlier.id, created.id, db_time(now))?
    {
        return Ok(());
    }
    let closed = earlier.closed_at.map(|t| t.and_utc()).unwrap_or(now);
    let hours = (now - closed).num_minutes() as f64 / 60.0;
    let words = format!(
        "Escalation {} (resolved by you) was marked as not resolved on first contact: the same customer came back \
         {hours:.1} hours later as escalation {}, inside the {window_h}-hour window. The reason they came back may \
         have nothing to do with you; ask for a review if so.",
        earlier.id, created.id
    );
    let inputs = serde_json::json!({"resolved_at": closed, "came_back_at": now, "hours_later": hours,
        "window_h": window_h, "repeat_escalation_id": created.id, "reason": created.reason});
    decisions::record(conn, agent, DecisionKind::FirstContact, Some(earlier.id), inputs, &words, now)
}
