//! Erasure and access by customer reference (GDPR articles 15, 17 and 20), for the service
//! account whose customer it is: other accounts' escalations are never touched or shown.
//! Erasure blanks conversation content everywhere it is stored (summary, transcript, messages,
//! rating comments, timeline notes, the notices agents were sent) and drops webhooks not yet
//! delivered, keeping what payroll and metrics need (times, ids, states, dispositions, scores).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::{EscalationId, ServiceAccountId};
use crate::models::{agent_event, audit, db_time, escalation, escalation_event, message, rating, webhook_delivery};

/// What an erasure removed now (all zero when repeated).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErasureCounts {
    /// Escalations of this customer (erased now or before).
    pub escalations: usize,
    /// Escalations whose content was erased by this request.
    pub erased_now: usize,
    pub messages: usize,
    pub rating_comments: usize,
    pub agent_notices: usize,
    pub webhooks_dropped: usize,
}

/// Erases the content of every escalation of the customer; idempotent and audited.
pub fn erase(
    conn: &mut DbConn,
    service: ServiceAccountId,
    ref_hash: &str,
    now: DateTime<Utc>,
) -> Result<ErasureCounts, AppError> {
    let found = escalation::for_customer(conn, service, ref_hash)?;
    let mut counts = ErasureCounts { escalations: found.len(), ..ErasureCounts::default() };
    let ids: Vec<EscalationId> = found.iter().map(|e| e.id).collect();
    for id in &ids {
        erase_one(conn, *id, now, &mut counts)?;
    }
    counts.webhooks_dropped = webhook_delivery::drop_undelivered(conn, &ids)?;
    let detail = serde_json::to_string(&counts).map_err(|e| AppError::Internal(e.into()))?;
    audit::record(
        conn,
        &audit::NewAuditEntry {
            actor_id: None,
            subject_kind: "service_account",
            subject_id: Some(service.0),
            action: "customer_erased",
            detail: Some(&detail),
            created_at: db_time(now),
        },
    )?;
    Ok(counts)
}

/// Erases one escalation's conversation content (see the module comment), adding to `counts`.
pub fn erase_one(
    conn: &mut DbConn,
    id: EscalationId,
    now: DateTime<Utc>,
    counts: &mut ErasureCounts,
) -> Result<(), AppError> {
    if escalation::erase_content(conn, id, db_time(now))? {
        counts.erased_now += 1;
    }
    escalation::erase_packet(conn, id)?;
    counts.messages += message::erase_for(conn, id)?;
    counts.rating_comments += rating::erase_comment(conn, id)?;
    escalation_event::erase_details(conn, id)?;
    counts.agent_notices += agent_event::forget_about(conn, id)?;
    Ok(())
}

/// One escalation as the customer's data export shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedEscalation {
    pub id: i64,
    pub external_id: String,
    pub language: String,
    pub market: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub disposition: Option<String>,
    /// As stored: redacted at intake, empty once erased.
    pub summary: String,
    #[schema(value_type = Object)]
    pub transcript: serde_json::Value,
    pub messages: Vec<ExportedMessage>,
    pub rating: Option<ExportedRating>,
    pub erased_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedMessage {
    pub from: String,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// Every message of an escalation as kept (redacted at intake, blank once erased), oldest first.
pub fn messages_of(conn: &mut DbConn, id: EscalationId) -> Result<Vec<ExportedMessage>, AppError> {
    Ok(message::for_escalation(conn, id, 0, i64::MAX, false)?
        .into_iter()
        .map(|m| ExportedMessage { from: m.sender, text: m.text, at: m.created_at.and_utc() })
        .collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedRating {
    pub score: i32,
    pub comment: Option<String>,
}

/// Everything kept about the customer's conversations with this service account.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerExport {
    pub exported_at: DateTime<Utc>,
    pub escalations: Vec<ExportedEscalation>,
}

pub fn export(
    conn: &mut DbConn,
    service: ServiceAccountId,
    ref_hash: &str,
    now: DateTime<Utc>,
) -> Result<CustomerExport, AppError> {
    let mut escalations = Vec::new();
    for e in escalation::for_customer(conn, service, ref_hash)? {
        let transcript = serde_json::from_str(&escalation::transcript_of(conn, e.id)?).unwrap_or_default();
        let messages = messages_of(conn, e.id)?;
        let rating = rating::of_escalation(conn, e.id)?.map(|(score, comment)| ExportedRating { score, comment });
        escalations.push(ExportedEscalation {
            id: e.id.0,
            external_id: e.external_id,
            language: e.language,
            market: e.market,
            state: e.state.to_string(),
            created_at: e.created_at.and_utc(),
            closed_at: e.closed_at.map(|t| t.and_utc()),
            disposition: e.disposition,
            summary: e.summary,
            transcript,
            messages,
            rating,
            erased_at: escalation::erased_at(conn, e.id)?.map(|t| t.and_utc()),
        });
    }
    Ok(CustomerExport { exported_at: now, escalations })
}
