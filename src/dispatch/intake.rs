//! Intake: the chatbot platform escalates a conversation. Idempotent on `external_id` per
//! service account and on the `Idempotency-Key` header; durable before it is acknowledged.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::db::{DbConn, is_unique_violation};
use crate::error::{AppError, FieldError};
use crate::ids::ServiceAccountId;
use crate::models::escalation::EscalationState;
use crate::models::escalation_event::TimelineEvent;
use crate::models::{db_time, escalation, escalation_event, skill};
use crate::places::Location;
use crate::privacy::patterns;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    /// The queue's sort key: urgent first.
    pub fn rank(self) -> i32 {
        match self {
            Priority::Urgent => 0,
            Priority::High => 1,
            Priority::Normal => 2,
            Priority::Low => 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    CustomerRequest,
    BotFailure,
    Vulnerability,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    Customer,
    Bot,
}

impl Speaker {
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::Customer => "customer",
            Speaker::Bot => "bot",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct TranscriptLine {
    pub from: Speaker,
    #[validate(length(max = 10_000))]
    pub text: String,
    pub at: DateTime<Utc>,
}

/// POST /api/v1/escalations.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct EscalationInput {
    /// The platform's own id of the conversation; sending it again returns the same escalation.
    #[validate(length(min = 1, max = 200))]
    pub external_id: String,
    #[validate(custom(function = "crate::validate::iso_639_1"))]
    pub language: String,
    #[validate(custom(function = "crate::validate::iso_3166_alpha2"))]
    pub market: String,
    #[validate(length(max = 10))]
    #[serde(default)]
    pub required_skills: Vec<String>,
    pub priority: Priority,
    #[serde(default)]
    pub sensitive: bool,
    pub reason: Reason,
    #[validate(length(max = 4000))]
    #[serde(default)]
    pub summary: String,
    #[validate(length(max = 500), nested)]
    #[serde(default)]
    pub transcript: Vec<TranscriptLine>,
    #[validate(custom(function = "crate::validate::location"))]
    pub customer_location: Option<Location>,
    /// The platform's stable reference for the customer (a customer id, a phone number), for
    /// erasure and access requests and returning customers. Stored only as a keyed hash.
    #[validate(length(min = 1, max = 200))]
    #[serde(default)]
    pub customer_ref: Option<String>,
}

/// Records an escalation (or finds the one it repeats), with card numbers, IBANs and the
/// staff's patterns hidden in its summary and transcript before anything is stored. Returns the
/// escalation as recorded and whether it was created now; the dispatcher's pass after the
/// commit offers it. `customer_ref_hash`: the keyed hash of the input's `customer_ref`.
pub fn intake(
    conn: &mut DbConn,
    service: ServiceAccountId,
    input: &EscalationInput,
    customer_ref_hash: Option<&str>,
    idempotency_key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(escalation::Escalation, bool), AppError> {
    if let Some(existing) = escalation::find_replay(conn, service, &input.external_id, idempotency_key)? {
        return Ok((existing, false));
    }
    let known: Vec<String> = skill::all(conn)?.into_iter().map(|s| s.name).collect();
    let unknown: Vec<FieldError> = input
        .required_skills
        .iter()
        .enumerate()
        .filter(|(_, s)| !known.contains(s))
        .map(|(i, s)| FieldError::new(format!("required_skills[{i}]"), format!("`{s}` is not in the skill catalogue")))
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::Validation(unknown));
    }
    let redactor = patterns::redactor(conn)?;
    let summary = redactor.redact(&input.summary);
    let mut redactions = summary.count;
    let lines: Vec<TranscriptLine> = input
        .transcript
        .iter()
        .map(|line| {
            let redacted = redactor.redact(&line.text);
            redactions += redacted.count;
            TranscriptLine { text: redacted.text, ..line.clone() }
        })
        .collect();
    let transcript = serde_json::to_string(&lines).map_err(|e| AppError::Internal(e.into()))?;
    let skills = input.required_skills.join(",");
    let created = escalation::insert(
        conn,
        &escalation::NewEscalation {
            service_account_id: service,
            external_id: &input.external_id,
            idempotency_key,
            language: &input.language,
            market: &input.market,
            required_skills: &skills,
            priority: input.priority.as_str(),
            priority_rank: input.priority.rank(),
            sensitive: input.sensitive,
            reason: serde_json::to_value(input.reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
                .as_str(),
            summary: &summary.text,
            transcript: &transcript,
            customer_lat: input.customer_location.map(|l| l.lat),
            customer_lon: input.customer_location.map(|l| l.lon),
            state: EscalationState::Queued,
            widened_steps: 0,
            eta_at_intake_s: 0,
            eta_seconds: 0,
            created_at: db_time(now),
            updated_at: db_time(now),
            redactions: redactions as i32,
            customer_ref_hash,
        },
    )
    .map_err(|e| {
        // A concurrent replay won the race; the caller reads the winner back.
        if is_unique_violation(&e) { AppError::Conflict(REPLAY_RACE.into()) } else { e.into() }
    })?;
    escalation_event::record(conn, created.id, TimelineEvent::Created, Some(input.priority.as_str()), db_time(now))?;
    // The dispatcher offers it (and quotes its ETA) in the pass that follows this commit.
    Ok((created, true))
}

/// The message of the conflict a losing concurrent replay gets (the handler reads the winner).
pub const REPLAY_RACE: &str = "this escalation is being created by another request";
