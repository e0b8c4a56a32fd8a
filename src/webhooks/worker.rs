//! Delivers queued webhooks: claim, POST, record the attempt, retry with backoff.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use super::{body, destination, signature};
use crate::auth::data_key::{DataKey, Purpose};
use crate::db::Db;
use crate::email::outbox::backoff_seconds;
use crate::error::AppError;
use crate::ids::ServiceAccountId;
use crate::models::{db_time, service_account, webhook_delivery};

const BATCH: i64 = 100;
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
    /// Opens the accounts' sealed webhook secrets.
    key: DataKey,
}

impl WebhookWorker {
    /// `private_addresses`: whether receivers on loopback and private networks are allowed.
    pub fn new(db: Db, private_addresses: bool, key: DataKey) -> anyhow::Result<WebhookWorker> {
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
        Ok(WebhookWorker { db, client: client.build()?, wakeup: Arc::new(Notify::new()), private_addresses, key })
    }

    /// Delivers every event due at `now`: claims a batch in one transaction, sends them in order,
    /// and records every attempt in one more (three database round trips per batch, not per
    /// event: at a few hundred escalations a second the outbox otherwise held the writer).
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> Result<PassReport, AppError> {
        let mut report = PassReport::default();
        let due = self.db.read(move |conn| Ok(webhook_delivery::due(conn, db_time(now), BATCH)?)).await?;
        if due.is_empty() {
            return Ok(report);
        }
        let until = db_time(now + chrono::Duration::seconds(CLAIM_SECONDS));
        let claimed = self
            .db
            .write(move |conn| {
                let mut accounts: HashMap<ServiceAccountId, Option<service_account::ServiceAccount>> = HashMap::new();
                let mut claimed = Vec::with_capacity(due.len());
                for id in due {
                    // Another worker may hold it; only a claim won here is sent from here.
                    let Some(delivery) = webhook_delivery::claim(conn, id, db_time(now), until)? else { continue };
                    let account = match accounts.get(&delivery.service_account_id) {
                        Some(known) => known.clone(),
                        None => {
                            let found = service_account::find(conn, delivery.service_account_id)?;
                            accounts.insert(delivery.service_account_id, found.clone());
                            found
                        }
                    };
                    claimed.push((delivery, account));
                }
                Ok(claimed)
            })
            .await?;
        let mut attempts = Vec::with_capacity(claimed.len());
        let mut deferred = Vec::new();
        // Receivers that failed in this batch, with when their failed event is retried.
        let mut failing: Vec<(String, chrono::NaiveDateTime)> = Vec::new();
        // In order: an escalation's events reach the platform in the order they happened.
        for (delivery, account) in claimed {
            let Some(account) = account else { continue };
            let Some(url) = account.webhook_url.clone() else { continue };
            if let Some((_, retry_at)) = failing.iter().find(|(failed, _)| *failed == url) {
                // One failure per receiver per batch: the rest wait for its retry, unsent and
                // unclaimed, instead of each waiting out the request timeout.
                deferred.push((delivery.id, *retry_at));
                continue;
            }
            let (status, error) = match self.refusal(&url) {
                Some(refused) => (None, Some(refused)),
                None => match self.key.open(Purpose::WebhookSecret, &account.webhook_secret) {
                    Ok(secret) => self.send(&url, &secret, &delivery).await,
                    // Never sent unsigned: retried, in case an instance with the right key takes it.
                    Err(error) => (None, Some(error.to_string())),
                },
            };
            let retry_at = db_time(now + chrono::Duration::seconds(backoff_seconds(delivery.attempts)));
            if let Some(error) = &error {
                tracing::warn!(delivery = delivery.id, event = %delivery.event, %error, "webhook not delivered; will retry");
                report.failed += 1;
                failing.push((url, retry_at));
            } else {
                report.delivered += 1;
            }
            let delivered_at = error.is_none().then(|| db_time(Utc::now()));
            attempts.push((delivery.id, status, error, delivered_at, retry_at));
        }
        self.db
            .write(move |conn| {
                for (id, status, error, delivered_at, retry_at) in attempts {
                    webhook_delivery::record_attempt(conn, id, status, error.as_deref(), delivered_at, retry_at)?;
                }
                for (id, retry_at) in deferred {
                    webhook_delivery::defer(conn, id, retry_at)?;
                }
                Ok(())
            })
            .await?;
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
            match self.deliver_due(Utc::now()).await {
                // A full batch went out: more may be due right away.
                Ok(report) if report.delivered as i64 == BATCH => continue,
                Ok(_) => {}
                Err(error) => tracing::error!(error = ?error, "webhook pass failed"),
            }
            tokio::select! {
                _ = self.wakeup.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }
}
