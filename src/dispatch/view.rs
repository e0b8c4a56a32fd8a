//! Escalations and offers as the API shows them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::queue;
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::{AgentId, EscalationId, OfferId};
use crate::models::escalation::EscalationState;
use crate::models::{escalation, escalation_event, offer, user};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignedAgent {
    #[schema(value_type = i64)]
    pub id: AgentId,
    /// First name and initial, enough for the customer to address the person.
    pub display_name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub event: String,
    pub detail: Option<String>,
}

/// Why an agent was chosen: the score and each factor's contribution to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchExplanation {
    #[schema(value_type = i64)]
    pub agent_id: AgentId,
    pub score: f64,
    pub factors: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EscalationView {
    #[schema(value_type = i64)]
    pub id: EscalationId,
    pub external_id: String,
    /// `queued`, `offered`, `assigned`, `resolved` or `abandoned`.
    pub state: String,
    /// Estimated seconds until a human has it (0 once assigned).
    pub eta_seconds: i64,
    /// 1-based place in the queue while waiting.
    pub queue_position: Option<i64>,
    pub language: String,
    pub market: String,
    pub required_skills: Vec<String>,
    pub priority: String,
    pub sensitive: bool,
    pub summary: String,
    pub created_at: DateTime<Utc>,
    pub assigned_agent: Option<AssignedAgent>,
    pub timeline: Vec<TimelineEntry>,
    #[serde(rename = "match")]
    pub match_explanation: Option<MatchExplanation>,
    /// When the assigned agent should have replied by (the first-reply deadline).
    pub first_reply_due_at: Option<DateTime<Utc>>,
    pub first_reply_at: Option<DateTime<Utc>>,
    /// Assigned, no reply yet, and past the deadline: staff should look.
    pub first_reply_overdue: bool,
    /// How many card numbers, IBANs and staff patterns were hidden in its text (intake and
    /// messages).
    pub redactions: i32,
    /// The 80 % range around `eta_seconds` while waiting (null once a human has it).
    pub eta_range_seconds: Option<[i32; 2]>,
    /// The customer is not held live: the platform re-engages them when an agent accepts.
    pub callback: bool,
    /// When the customer was released from the live wait (callback, or past `max_live_wait_s`).
    pub customer_released_at: Option<DateTime<Utc>>,
    pub max_live_wait_s: Option<i32>,
    /// What the bot handed over besides the summary.
    pub packet: HandoffPacket,
}

/// The bot's handoff packet, as the agent and staff see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoffPacket {
    /// One of the reason codes (`customer_request`, `bot_failure`, `vulnerability`, `other`,
    /// `complaint`, `payment_issue`, `account_access`, `fraud_suspected`, `legal`).
    pub reason: String,
    pub intent: Option<String>,
    /// `very_negative`, `negative`, `neutral` or `positive`.
    pub sentiment: Option<String>,
    pub bot_attempts: Vec<String>,
    pub collected: BTreeMap<String, String>,
}

impl HandoffPacket {
    pub fn of(e: &escalation::Escalation, contract: &escalation::Contract) -> HandoffPacket {
        HandoffPacket {
            reason: e.reason.clone(),
            intent: contract.intent.clone(),
            sentiment: contract.sentiment.clone(),
            bot_attempts: serde_json::from_str(&contract.bot_attempts).unwrap_or_default(),
            collected: serde_json::from_str(&contract.collected).unwrap_or_default(),
        }
    }
}

/// The range told to the customer while waiting.
pub fn eta_range(e: &escalation::Escalation, contract: &escalation::Contract) -> Option<[i32; 2]> {
    e.state.is_waiting().then(|| contract.eta_range())
}

/// "Astrid L.": enough for a customer to address the person, no more.
pub fn display_name(full_name: &str) -> String {
    let mut parts = full_name.split_whitespace();
    match (parts.next(), parts.last()) {
        (Some(first), Some(last)) => format!("{first} {}.", last.chars().next().unwrap_or(' ')),
        (Some(first), None) => first.to_string(),
        _ => "Agent".into(),
    }
}

/// The stored explanation of an offer.
pub fn explanation_of(found: &offer::Offer) -> MatchExplanation {
    let parsed: serde_json::Value = serde_json::from_str(&found.explanation).unwrap_or_default();
    let factors = parsed["factors"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_f64().unwrap_or(0.0))).collect())
        .unwrap_or_default();
    MatchExplanation { agent_id: found.agent_id, score: found.score, factors }
}

/// The wait told to the customer: the estimate while waiting, 0 once a human has it.
pub fn eta_seconds(e: &escalation::Escalation) -> i64 {
    if e.state.is_waiting() { e.eta_seconds as i64 } else { 0 }
}

pub fn escalation(conn: &mut DbConn, e: &escalation::Escalation) -> Result<EscalationView, AppError> {
    let contract = escalation::contract_of(conn, e.id)?;
    let assigned_agent = match e.assigned_agent_id {
        Some(id) => {
            user::find(conn, id.into())?.map(|u| AssignedAgent { id, display_name: display_name(&u.full_name) })
        }
        None => None,
    };
    let timeline = escalation_event::for_escalation(conn, e.id)?
        .into_iter()
        .map(|ev| TimelineEntry { at: ev.at.and_utc(), event: ev.event.to_string(), detail: ev.detail })
        .collect();
    let match_explanation = offer::accepted_for(conn, e.id)?.map(|o| explanation_of(&o));
    let deadline = chrono::Duration::seconds(super::settings::load(conn)?.first_reply_deadline_s as i64);
    let first_reply_due_at = e.assigned_at.map(|at| at.and_utc() + deadline);
    let first_reply_overdue = e.state == EscalationState::Assigned
        && e.first_reply_at.is_none()
        && first_reply_due_at.is_some_and(|due| Utc::now() > due);
    Ok(EscalationView {
        id: e.id,
        external_id: e.external_id.clone(),
        state: e.state.to_string(),
        eta_seconds: eta_seconds(e),
        queue_position: queue::position(conn, e)?,
        language: e.language.clone(),
        market: e.market.clone(),
        required_skills: e.skills(),
        priority: e.priority.clone(),
        sensitive: e.sensitive,
        summary: e.summary.clone(),
        created_at: e.created_at.and_utc(),
        assigned_agent,
        timeline,
        match_explanation,
        first_reply_due_at,
        first_reply_at: e.first_reply_at.map(|t| t.and_utc()),
        first_reply_overdue,
        redactions: escalation::redactions_of(conn, e.id)?,
        eta_range_seconds: eta_range(e, &contract),
        callback: contract.callback,
        customer_released_at: contract.customer_released_at.map(|t| t.and_utc()),
        max_live_wait_s: contract.max_live_wait_s,
        packet: HandoffPacket::of(e, &contract),
    })
}

/// A pending offer as the agent sees it, with "why me".
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferView {
    #[schema(value_type = i64)]
    pub id: OfferId,
    #[schema(value_type = i64)]
    pub escalation_id: EscalationId,
    pub expires_at: DateTime<Utc>,
    pub language: String,
    pub required_skills: Vec<String>,
    pub priority: String,
    pub sensitive: bool,
    pub summary: String,
    pub why: MatchExplanation,
    /// What the bot handed over besides the summary.
    pub packet: HandoffPacket,
}

pub fn offers_of(conn: &mut DbConn, agent_id: AgentId) -> Result<Vec<OfferView>, AppError> {
    let mut views = Vec::new();
    for pending in offer::pending_for_agent(conn, agent_id)? {
        let Some(e) = escalation::find(conn, pending.escalation_id)? else { continue };
        views.push(OfferView {
            id: pending.id,
            escalation_id: e.id,
            expires_at: pending.expires_at.and_utc(),
            language: e.language.clone(),
            required_skills: e.skills(),
            priority: e.priority.clone(),
            sensitive: e.sensitive,
            summary: e.summary.clone(),
            why: explanation_of(&pending),
            packet: HandoffPacket::of(&e, &escalation::contract_of(conn, e.id)?),
        });
    }
    Ok(views)
}
