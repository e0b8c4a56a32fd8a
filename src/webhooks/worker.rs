//! Delivers queued webhooks: claim, POST, record the attempt, retry with backoff.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use super::{body, signature};
use crate::db::Db;
use crate::email::outbox::backoff_seconds;
use crate::error::AppError;
use crate::models::{db_time, service_account, webhook_delivery};

const BATCH: i64 = 20;
const CLAIM_SECONDS: i64 = 120;
/// A receiver that takes longer than this counts as failed for that attempt.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    pub delivered: usize,
    pub failed: usize,
}

#[derive(Clone)]
pub struct WebhookWorker {
    pub db: Db,
    pub client: reqwest::Client,
    /// Rung after an event is queued, so it goes out at once.
    pub wakeup: Arc<Notify>,
}

impl WebhookWorker {
    pub fn new(db: Db) -> anyhow::Result<WebhookWorker> {
        // rustls needs a crypto provider; ring is the one the rest of the build uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Handoff-Webhooks/1")
            .build()?;
        Ok(WebhookWorker { db, client, wakeup: Arc::new(Notify::new()) })
    }

    /// Delivers every event due at `now`.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> Result<PassReport, AppError> {
        let mut report = PassReport::default();
        let due = self.db.read(move |conn| Ok(webhook_delivery::due(conn, db_time(now), BATCH)?)).await?;
        for id in due {
            let until = db_time(now + chrono::Duration::seconds(CLAIM_SECONDS));
            let claimed = self
                .db
                .write(move |conn| {
                    let Some(delivery) = webhook_delivery::claim(conn, id, db_time(now), until)? else {
                        return Ok(None);
                    };
                    let account = service_account::find(conn, delivery.service_account_id)?;
                    Ok(Some((delivery, account)))
                })
                .await?;
            let Some((delivery, Some(account))) = claimed else { continue };
            let Some(url) = account.webhook_url.clone() else { continue };
            let payload = body(&delivery);
            let sent = self
                .client
                .post(&url)
                .header("Content-Type", "application/json")
                .header("Handoff-Signature", signature(&account.webhook_secret, Utc::now().timestamp(), &payload))
                .header("Handoff-Event-Id", delivery.id.to_string())
                .body(payload)
                .send()
                .await;
            let (status, error) = match sent {
                Ok(response) if response.status().is_success() => (Some(response.status().as_u16() as i32), None),
                Ok(response) => {
                    (Some(response.status().as_u16() as i32), Some(format!("answered {}", response.status())))
                }
                Err(e) => (None, Some(format!("{e}"))),
            };
            let delivered = error.is_none();
            let retry_at = db_time(now + chrono::Duration::seconds(backoff_seconds(delivery.attempts)));
            let delivered_at = delivered.then(|| db_time(Utc::now()));
            let recorded_error = error.clone();
            self.db
                .write(move |conn| {
                    Ok(webhook_delivery::record_attempt(
                        conn,
                        id,
                        status,
                        recorded_error.as_deref(),
                        delivered_at,
                        retry_at,
                    )?)
                })
                .await?;
            if delivered {
                report.delivered += 1;
            } else {
                tracing::warn!(delivery = id, event = %delivery.event, error = ?error, "webhook not delivered; will retry");
                report.failed += 1;
            }
        }
        Ok(report)
    }

    /// Runs forever: a pass whenever an event is queued, and every `poll` anyway.
    pub async fn run(self, poll: Duration) {
        loop {
            if let Err(error) = self.deliver_due(Utc::now()).await {
                tracing::error!(error = ?error, "webhook pass failed");
            }
            tokio::select! {
                _ = self.wakeup.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }
}
