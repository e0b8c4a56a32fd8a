//! The outbox worker: sends due mail, records each attempt, retries with exponential backoff.
//! Several instances may run it at once: a mail is claimed with a conditional UPDATE before it
//! is sent, so only one sends it (a crash between sending and recording may send it twice,
//! which is the at-least-once promise; the Message-ID lets receivers drop the duplicate).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, MultiPart};
use tokio::sync::Notify;

use super::{EmailContent, transport::Mailer};
use crate::db::{Db, DbConn};
use crate::error::AppError;
use crate::models::{db_time, outbox_email};

/// How many mails one pass takes.
const BATCH: i64 = 20;
/// A claimed mail is left alone by other workers this long. It is also how late a mail goes
/// out when the instance that claimed it is killed before sending: long enough for a slow SMTP
/// exchange (20 s per step), short enough that a crash delays mail by under a minute. A send
/// slower than this may go out twice, with the same Message-ID.
const CLAIM_SECONDS: i64 = 45;
/// After this many failed attempts a mail is no longer retried (about a day of backoff).
pub const MAX_ATTEMPTS: i32 = 20;

/// Queues a mail in the caller's transaction: it exists if and only if the event does.
pub fn enqueue(conn: &mut DbConn, recipient: &str, content: &EmailContent, now: DateTime<Utc>) -> Result<(), AppError> {
    outbox_email::insert(
        conn,
        &outbox_email::NewOutboxEmail {
            recipient,
            subject: &content.subject,
            text_body: &content.text,
            html_body: &content.html,
            created_at: db_time(now),
            attempts: 0,
            next_attempt_at: db_time(now),
        },
    )?;
    Ok(())
}

/// Seconds to wait after the `attempts`-th failure: 10 s doubling, at most an hour.
pub fn backoff_seconds(attempts: i32) -> i64 {
    let exponent = attempts.clamp(0, 20) as u32;
    (10i64 * 2i64.pow(exponent)).min(3600)
}

/// Everything the worker needs.
#[derive(Clone)]
pub struct Outbox {
    pub db: Db,
    pub mailer: Mailer,
    pub from: Mailbox,
    /// Rung after a mail is queued, so it goes out at once rather than at the next poll.
    pub wakeup: Arc<Notify>,
}

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    pub sent: usize,
    pub failed: usize,
}

impl Outbox {
    /// Sends every mail due at `now`.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> Result<PassReport, AppError> {
        let mut report = PassReport::default();
        let due = self.db.read(move |conn| Ok(outbox_email::due(conn, db_time(now), MAX_ATTEMPTS, BATCH)?)).await?;
        for id in due {
            let until = db_time(now + chrono::Duration::seconds(CLAIM_SECONDS));
            let Some(mail) = self.db.write(move |conn| Ok(outbox_email::claim(conn, id, db_time(now), until)?)).await?
            else {
                continue; // another worker has it
            };
            match self.send(&mail).await {
                Ok(()) => {
                    self.db.write(move |conn| Ok(outbox_email::mark_sent(conn, id, db_time(Utc::now()))?)).await?;
                    tracing::info!(outbox_id = id, "email sent");
                    report.sent += 1;
                }
                Err(error) => {
                    let retry_at = db_time(Utc::now() + chrono::Duration::seconds(backoff_seconds(mail.attempts)));
                    let message = format!("{error:#}");
                    tracing::warn!(outbox_id = id, attempts = mail.attempts + 1, error = %message, "email not sent; will retry");
                    self.db.write(move |conn| Ok(outbox_email::mark_failed(conn, id, &message, retry_at)?)).await?;
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }

    async fn send(&self, mail: &outbox_email::OutboxEmail) -> anyhow::Result<()> {
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(mail.recipient.parse()?)
            .subject(&mail.subject)
            // Stable per outbox row: a resend after a crash carries the same id.
            .message_id(Some(format!("<outbox-{}-{}@handoff>", mail.id, mail.created_at.and_utc().timestamp())))
            .multipart(MultiPart::alternative_plain_html(mail.text_body.clone(), mail.html_body.clone()))?;
        self.mailer.send(message).await
    }

    /// Runs forever: a pass whenever mail is queued, and every `poll` anyway (retries, and
    /// mail queued by other instances).
    pub async fn run(self, poll: Duration) {
        tracing::info!(transport = %self.mailer.describe(), "email outbox worker started");
        loop {
            if let Err(error) = self.deliver_due(Utc::now()).await {
                tracing::error!(error = ?error, "email outbox pass failed");
            }
            tokio::select! {
                _ = self.wakeup.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_seconds;

    #[test]
    fn backoff_doubles_from_ten_seconds_up_to_an_hour() {
        let waits: Vec<i64> = (0..10).map(backoff_seconds).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]);
        assert_eq!(backoff_seconds(500), 3600);
    }
}
