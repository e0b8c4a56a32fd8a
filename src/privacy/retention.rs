//! Retention: a daily job removes what is kept past its time (`HANDOFF_RETAIN_*`): the text of
//! closed conversations (summary, messages, notes, agents' notices; as an erasure does), the
//! chatbot's transcripts, rating comments, audit entries and presence history; and, past the
//! payroll retention, the escalations themselves with their offers, assignments and timeline.
//! Until then what payroll and metrics need stays: times, ids, states, dispositions, scores,
//! rates, and presence. Every step only removes what is due, so running it again, or on every
//! instance at once, is harmless.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::erasure::{self, ErasureCounts};
use crate::config::Settings;
use crate::db::{Db, DbConn};
use crate::error::AppError;
use crate::models::{agent_event, audit, db_time, escalation, presence_event, rating, webhook_delivery};

/// Escalations handled per transaction, so the job never holds the writer for long.
const BATCH: i64 = 200;

/// How long each kind of data is kept.
#[derive(Debug, Clone, Copy)]
pub struct RetentionPolicy {
    pub conversations: Duration,
    pub transcripts: Duration,
    pub rating_comments: Duration,
    pub audit: Duration,
    pub presence: Duration,
    /// Pay records: the escalations (times, assignments) behind pay lines.
    pub payroll: Duration,
}

impl RetentionPolicy {
    pub fn from_settings(settings: &Settings) -> RetentionPolicy {
        let days = |d: u32| Duration::days(d as i64);
        RetentionPolicy {
            conversations: days(settings.retain_conversations_days),
            transcripts: days(settings.retain_transcripts_days),
            rating_comments: days(settings.retain_rating_comments_days),
            audit: days(settings.retain_audit_days),
            presence: days(settings.retain_presence_days),
            // At least the years asked for, leap days included.
            payroll: days(settings.retain_payroll_years.saturating_mul(366)),
        }
    }
}

/// What one run removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    pub conversations: usize,
    pub messages: usize,
    pub transcripts: usize,
    pub rating_comments: usize,
    pub audit_entries: usize,
    pub presence_events: usize,
    /// Escalations deleted whole at the end of the payroll retention.
    pub escalations_deleted: usize,
}

/// One batch of conversations past their time; how many were done (0: none left).
fn conversations_batch(
    conn: &mut DbConn,
    policy: &RetentionPolicy,
    now: DateTime<Utc>,
) -> Result<ErasureCounts, AppError> {
    let due = escalation::closed_with_content_before(conn, db_time(now - policy.conversations), BATCH)?;
    let mut counts = ErasureCounts { escalations: due.len(), ..ErasureCounts::default() };
    for id in due {
        erasure::erase_one(conn, id, now, &mut counts)?;
    }
    Ok(counts)
}

fn payroll_batch(conn: &mut DbConn, policy: &RetentionPolicy, now: DateTime<Utc>) -> Result<usize, AppError> {
    let due = escalation::closed_before(conn, db_time(now - policy.payroll), BATCH)?;
    webhook_delivery::forget_for(conn, &due)?;
    for id in &due {
        agent_event::forget_about(conn, *id)?;
        escalation::delete(conn, *id)?;
    }
    Ok(due.len())
}

fn transcripts_batch(conn: &mut DbConn, policy: &RetentionPolicy, now: DateTime<Utc>) -> Result<usize, AppError> {
    let due = escalation::closed_with_transcript_before(conn, db_time(now - policy.transcripts), BATCH)?;
    for id in &due {
        escalation::clear_transcript(conn, *id)?;
        // What the bot collected and tried is transcript too.
        escalation::erase_packet(conn, *id)?;
    }
    Ok(due.len())
}

/// Runs every step to the end at `now` (injected, so tests can move the clock), a batch per
/// transaction, logging progress.
pub async fn run(db: &Db, policy: RetentionPolicy, now: DateTime<Utc>) -> Result<RetentionReport, AppError> {
    let mut report = RetentionReport::default();
    loop {
        let done = db.write(move |conn| conversations_batch(conn, &policy, now)).await?;
        if done.escalations == 0 {
            break;
        }
        report.conversations += done.escalations;
        report.messages += done.messages + done.agent_notices;
        report.rating_comments += done.rating_comments;
        tracing::info!(conversations = report.conversations, "retention: conversation text removed so far");
    }
    loop {
        let done = db.write(move |conn| transcripts_batch(conn, &policy, now)).await?;
        if done == 0 {
            break;
        }
        report.transcripts += done;
        tracing::info!(transcripts = report.transcripts, "retention: transcripts removed so far");
    }
    loop {
        let done = db.write(move |conn| payroll_batch(conn, &policy, now)).await?;
        if done == 0 {
            break;
        }
        report.escalations_deleted += done;
        tracing::info!(
            escalations = report.escalations_deleted,
            "retention: escalations past payroll retention deleted so far"
        );
    }
    let (comments, entries, presence) = db
        .write(move |conn| {
            Ok((
                rating::erase_comments_before(conn, db_time(now - policy.rating_comments))?,
                audit::forget_before(conn, db_time(now - policy.audit))?,
                presence_event::forget_before(conn, db_time(now - policy.presence))?,
            ))
        })
        .await?;
    report.rating_comments += comments;
    report.audit_entries = entries;
    report.presence_events = presence;
    tracing::info!(?report, "retention run finished");
    Ok(report)
}

/// Runs the job a minute after start and then once a day.
pub fn spawn_daily(db: Db, policy: RetentionPolicy) {
    tokio::spawn(async move {
        tokio::time::sleep(StdDuration::from_secs(60)).await;
        let mut every_day = tokio::time::interval(StdDuration::from_secs(24 * 3600));
        loop {
            every_day.tick().await;
            if let Err(error) = run(&db, policy, Utc::now()).await {
                tracing::warn!(%error, "the retention run failed; it runs again tomorrow");
            }
        }
    });
}
