//! Delivers queued webhooks: claim, POST, record the attempt, retry with backoff.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use super::{body, destination, signature};
use crate::db::Db;
use crate::email::outbox::backoff_seconds;
use crate::error::AppError;
use crate::models::{db_time, service_account, webhook_delivery};

const BATCH: i64 = 20;
/// A claimed delivery is left alone by other workers this long: three request timeouts, and how
/// late an event goes out when the instance that claimed it is killed before sending.
const CLAIM_SECONDS: i64 = 30;
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
    private_addresses: bool,
}

impl WebhookWorker {
    /// `private_addresses`: whether receivers on loopback and private networks are allowed.
    pub fn new(db: Db, private_addresses: bool) -> anyhow::Result<WebhookWorker> {
        // rustls needs a crypto provider; ring is the one the rest of the build uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            // A redirect could point anywhere, private addresses included: not followed.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Handoff-Webhooks/1");
        if !private_addresses {
            client = client.dns_resolver(destination::PublicOnly);
        }
        Ok(WebhookWorker { db, client: client.build()?, wakeup: Arc::new(Notify::new()), private_addresses })
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
            let (status, error) = match self.refusal(&url) {
                Some(refused) => (None, Some(refused)),
                None => self.send(&url, &account.webhook_secret, &delivery).await,
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

    /// Why `url` may not be called at all (a private IP literal), if so.
    fn refusal(&self, url: &str) -> Option<String> {
        if self.private_addresses { None } else { destination::literal_refusal(url) }
    }

    /// One signed POST: the status, and the error if it was not delivered.
    async fn send(
        &self,
        url: &str,
        secret: &str,
        delivery: &webhook_delivery::WebhookDelivery,
    ) -> (Option<i32>, Option<String>) {
        let payload = body(delivery);
        let sent = self
            .client
            .post(url)
            .header("Content-Type", "application/json")
            .header("Handoff-Signature", signature(secret, Utc::now().timestamp(), &payload))
            .header("Handoff-Event-Id", delivery.id.to_string())
            .body(payload)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => (Some(response.status().as_u16() as i32), None),
            Ok(response) => (Some(response.status().as_u16() as i32), Some(format!("answered {}", response.status()))),
            // The chain of sources carries the resolver's refusal ("… public addresses only").
            Err(e) => (None, Some(format!("{:#}", anyhow::Error::new(e)))),
        }
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
