//! Webhooks to the chatbot platform: `escalation.assigned`, `escalation.message`,
//! `escalation.eta`, `escalation.resolved`. Each event is written to an outbox in the same
//! transaction as what caused it and delivered by a background worker, signed as API.md says:
//! `Handoff-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` keyed by the
//! account's webhook secret. Retried with backoff until a 2xx; at-least-once, with a stable
//! event id (`Handoff-Event-Id` and the body's `id`) for receivers to deduplicate by.

pub mod destination;
pub mod event;
pub mod worker;

pub use event::{AgentMessage, AssignedAgent, PlatformEvent, ReleaseReason};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::ServiceAccountId;
use crate::models::{db_time, service_account, webhook_delivery};

/// Queues an event for the service account, if it has a webhook URL.
pub fn enqueue(
    conn: &mut DbConn,
    service: ServiceAccountId,
    event: &PlatformEvent,
    now: DateTime<Utc>,
) -> Result<Option<i64>, AppError> {
    let Some(account) = service_account::find(conn, service)? else { return Ok(None) };
    if account.webhook_url.is_none() {
        return Ok(None);
    }
    let data = serde_json::to_string(event).map_err(|e| AppError::Internal(e.into()))?;
    Ok(Some(webhook_delivery::insert(conn, service, event.escalation_id(), event.name(), &data, db_time(now))?))
}

/// The body sent for a delivery: the same bytes on every attempt.
pub fn body(delivery: &webhook_delivery::WebhookDelivery) -> String {
    let data: serde_json::Value = serde_json::from_str(&delivery.payload).unwrap_or_default();
    serde_json::json!({
        "id": delivery.id,
        "event": delivery.event,
        "created_at": delivery.created_at.and_utc(),
        "data": data,
    })
    .to_string()
}

/// The `Handoff-Signature` header value for `body` sent at unix time `t`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::signature;

    #[test]
    fn the_signature_is_hmac_sha256_of_time_dot_body() {
        // Reference value computed independently (Python: hmac.new(b"secret", b"1700000000.{}", sha256)).
        assert_eq!(
            signature("secret", 1_700_000_000, "{}"),
            "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
    }
}
