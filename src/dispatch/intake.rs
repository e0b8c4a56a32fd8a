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

/// Why the bot handed over: a fixed list, so staff can count what drives volume (the first
/// four are the original values; the rest were appended, never reordered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    CustomerRequest,
    BotFailure,
    Vulnerability,
    Other,
    Complaint,
    PaymentIssue,
    AccountAccess,
    FraudSuspected,
    Legal,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::CustomerRequest => "customer_request",
            Reason::BotFailure => "bot_failure",
            Reason::Vulnerability => "vulnerability",
            Reason::Other => "other",
            Reason::Complaint => "complaint",
            Reason::PaymentIssue => "payment_issue",
            Reason::AccountAccess => "account_access",
            Reason::FraudSuspected => "fraud_suspected",
            Reason::Legal => "legal",
        }
    }
}

/// How the customer seems to the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sentiment {
    VeryNegative,
    Negative,
    Neutral,
    Positive,
}

impl Sentiment {
    pub fn as_str(self) -> &'static str {
        match self {
            Sentiment::VeryNegative => "very_negative",
            Sentiment::Negative => "negative",
            Sentiment::Neutral => "neutral",
            Sentiment::Positive => "positive",
        }
    }
}

/// Most entries the bot may send in `bot_attempts` and `collected`, and their sizes.
const MAX_ATTEMPTS: usize = 20;
const MAX_ATTEMPT_CHARS: usize = 300;
const MAX_COLLECTED: usize = 30;
const MAX_COLLECTED_KEY_CHARS: usize = 64;
const MAX_COLLECTED_VALUE_CHARS: usize = 500;

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
    /// The bot's detected intent, e.g. `card_declined` (letters, digits, `_`, `.`, `-`).
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::slug"))]
    #[serde(default)]
    pub intent: Option<String>,
    #[serde(default)]
    pub sentiment: Option<Sentiment>,
    /// What the bot already tried (at most 20, each up to 300 characters).
    #[serde(default)]
    pub bot_attempts: Vec<String>,
    /// Fields the bot collected (at most 30; keys up to 64, values up to 500 characters).
    #[serde(default)]
    #[schema(value_type = std::collections::HashMap<String, String>)]
    pub collected: std::collections::BTreeMap<String, String>,
    /// Do not hold the customer live: the platform re-engages them when an agent accepts.
    #[serde(default)]
    pub callback: bool,
    /// The longest the customer is held live (10 s to a day); past it they are released and
    /// re-engaged when an agent accepts, the escalation keeping its place.
    #[validate(range(min = 10, max = 86_400))]
    #[serde(default)]
    pub max_live_wait_s: Option<i32>,
}

impl EscalationInput {
    /// The packet's bounds, naming each field that breaks one.
    fn packet_problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if self.bot_attempts.len() > MAX_ATTEMPTS {
            problems.push(FieldError::new("bot_attempts", format!("at most {MAX_ATTEMPTS} entries")));
        }
        for (i, attempt) in self.bot_attempts.iter().enumerate() {
            if attempt.trim().is_empty() || attempt.chars().count() > MAX_ATTEMPT_CHARS {
                problems.push(FieldError::new(
                    format!("bot_attempts[{i}]"),
                    format!("1 to {MAX_ATTEMPT_CHARS} characters"),
                ));
            }
        }
        if self.collected.len() > MAX_COLLECTED {
            problems.push(FieldError::new("collected", format!("at most {MAX_COLLECTED} fields")));
        }
        for (key, value) in &self.collected {
            let key_ok =
                (1..=MAX_COLLECTED_KEY_CHARS).contains(&key.chars().count()) && crate::validate::slug(key).is_ok();
            if !key_ok {
                problems.push(FieldError::new(
                    "collected",
                    format!("field names are 1 to {MAX_COLLECTED_KEY_CHARS} letters, digits, `_`, `.` or `-`"),
                ));
            } else if value.chars().count() > MAX_COLLECTED_VALUE_CHARS {
                problems.push(FieldError::new(
                    format!("collected.{key}"),
                    format!("at most {MAX_COLLECTED_VALUE_CHARS} characters"),
                ));
            }
        }
        problems
    }
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
    let mut unknown: Vec<FieldError> = input
        .required_skills
        .iter()
        .enumerate()
        .filter(|(_, s)| !known.contains(s))
        .map(|(i, s)| FieldError::new(format!("required_skills[{i}]"), format!("`{s}` is not in the skill catalogue")))
        .collect();
    unknown.extend(input.packet_problems());
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
    // What the bot tried and collected is the customer's text too: screened the same way.
    let attempts: Vec<String> = input
        .bot_attempts
        .iter()
        .map(|a| {
            let redacted = redactor.redact(a);
            redactions += redacted.count;
            redacted.text
        })
        .collect();
    let collected: std::collections::BTreeMap<&str, String> = input
        .collected
        .iter()
        .map(|(key, value)| {
            let redacted = redactor.redact(value);
            redactions += redacted.count;
            (key.as_str(), redacted.text)
        })
        .collect();
    let attempts = serde_json::to_string(&attempts).map_err(|e| AppError::Internal(e.into()))?;
    let collected = serde_json::to_string(&collected).map_err(|e| AppError::Internal(e.into()))?;
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
            reason: input.reason.as_str(),
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
    let preferred_agent_id = match customer_ref_hash {
        Some(hash) => returning_customers_agent(conn, service, hash, now)?,
        None => None,
    };
    escalation::insert_contract(
        conn,
        &escalation::NewContract {
            escalation_id: created.id,
            intent: input.intent.as_deref(),
            sentiment: input.sentiment.map(Sentiment::as_str),
            bot_attempts: &attempts,
            collected: &collected,
            callback: input.callback,
            max_live_wait_s: input.max_live_wait_s,
            customer_released_at: input.callback.then(|| db_time(now)),
            preferred_agent_id,
        },
    )?;
    let detail = match preferred_agent_id {
        Some(agent) => {
            format!("{}; returning customer: agent {agent} first if online with room", input.priority.as_str())
        }
        None => input.priority.as_str().to_string(),
    };
    escalation_event::record(conn, created.id, TimelineEvent::Created, Some(&detail), db_time(now))?;
    if let Some(hash) = customer_ref_hash {
        crate::quality::fcr::on_intake(conn, &created, hash, now)?;
    }
    // The dispatcher offers it (and quotes its ETA) in the pass that follows this commit.
    Ok((created, true))
}

/// The agent who last took this customer's conversation within the sticky window, if any (the
/// settings are read only for escalations that name a customer).
fn returning_customers_agent(
    conn: &mut DbConn,
    service: ServiceAccountId,
    customer_ref_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<crate::ids::AgentId>, AppError> {
    let window_days = super::settings::load(conn)?.sticky_window_days;
    if window_days == 0 {
        return Ok(None);
    }
    let since = now - chrono::Duration::days(window_days as i64);
    Ok(escalation::last_agent_of_customer(conn, service, customer_ref_hash, db_time(since))?)
}

/// The message of the conflict a losing concurrent replay gets (the handler reads the winner).
pub const REPLAY_RACE: &str = "this escalation is being created by another request";
