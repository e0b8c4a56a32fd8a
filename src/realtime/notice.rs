//! What an agent's stream says. One enum, so each event's name and payload are written in one
//! place (API.md lists them) rather than as JSON by hand at every call site; the SSE event name is
//! [`AgentNotice::kind`], the data is the variant's fields.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::{BoostId, EscalationId, OfferId};
use crate::models::agent::Presence;

/// One event on an agent's stream.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum AgentNotice {
    /// An offer to answer before `expires_at`, with why this agent got it.
    Offer {
        id: OfferId,
        escalation_id: EscalationId,
        expires_at: DateTime<Utc>,
        language: String,
        required_skills: Vec<String>,
        priority: String,
        sensitive: bool,
        summary: String,
        /// The score and each factor's contribution, as stored with the offer.
        why: serde_json::Value,
    },
    /// The agent accepted: the conversation is theirs.
    Assigned { escalation_id: EscalationId, offer_id: OfferId },
    /// An offer is gone before an answer (expired, the agent stepped away, the customer left).
    OfferWithdrawn { offer_id: OfferId, escalation_id: EscalationId, why: String },
    /// The customer wrote in the agent's conversation.
    Message { escalation_id: EscalationId, message: CustomerMessage },
    /// The conversation left the agent: resolved (with its disposition) or transferred.
    Closed {
        escalation_id: EscalationId,
        #[serde(skip_serializing_if = "Option::is_none")]
        disposition: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        transferred: Option<bool>,
        /// After a resolution: the agent is in wrap-up for it (capacity held, paid) until
        /// they finish it or this instant passes.
        #[serde(skip_serializing_if = "Option::is_none")]
        wrap_up_until: Option<DateTime<Utc>>,
        /// A supervisor took the conversation over; the agent's time up to then is paid.
        #[serde(skip_serializing_if = "Option::is_none")]
        taken_over: Option<bool>,
    },
    /// The agent's presence changed, and why.
    Presence { status: Presence, reason: String, scheduled: bool },
    /// A live boost on work the agent can take (sent to agents away or offline who opted in).
    Boost {
        boost_id: BoostId,
        language: String,
        market: String,
        required_skills: Vec<String>,
        multiplier: f64,
        until: DateTime<Utc>,
        /// Customers of that queue waiting when it was posted.
        waiting: i64,
        reason: String,
    },
}

/// A customer's message as the agent's stream carries it.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerMessage {
    pub id: i64,
    pub from: &'static str,
    pub text: String,
    pub at: DateTime<Utc>,
}

impl AgentNotice {
    /// The SSE event name.
    pub fn kind(&self) -> &'static str {
        match self {
            AgentNotice::Offer { .. } => "offer",
            AgentNotice::Assigned { .. } => "assigned",
            AgentNotice::OfferWithdrawn { .. } => "offer_withdrawn",
            AgentNotice::Message { .. } => "message",
            AgentNotice::Closed { .. } => "closed",
            AgentNotice::Presence { .. } => "presence",
            AgentNotice::Boost { .. } => "boost",
        }
    }
}
