//! What the platform is told by webhook. One enum, so each event's name and payload are written
//! in one place (API.md lists them); the event name is [`PlatformEvent::name`], the body's
//! `data` is the variant's fields.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::{AgentId, EscalationId};

/// One webhook event about an escalation.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PlatformEvent {
    /// A human has the conversation.
    Assigned {
        escalation_id: EscalationId,
        external_id: String,
        agent: AssignedAgent,
        waited_s: i64,
        at: DateTime<Utc>,
        /// The handoff packet's headline, as the platform sent it.
        reason: String,
        intent: Option<String>,
        sentiment: Option<String>,
    },
    /// The agent wrote to the customer.
    Message { escalation_id: EscalationId, external_id: String, message: AgentMessage },
    /// The estimated wait changed by enough to tell the customer.
    Eta {
        escalation_id: EscalationId,
        external_id: String,
        eta_seconds: i32,
        at: DateTime<Utc>,
        /// The 80 % range and the place in the queue (appended in issue 18).
        eta_range_seconds: [i32; 2],
        queue_position: i64,
    },
    /// The agent resolved the conversation.
    Resolved { escalation_id: EscalationId, external_id: String, disposition: String, at: DateTime<Utc> },
    /// The agent gave the conversation back to the chatbot, with a summary for it.
    HandedBack { escalation_id: EscalationId, external_id: String, summary: String, at: DateTime<Utc> },
    /// The customer is no longer held live (`callback` asked for it, or `max_live_wait` passed);
    /// the escalation keeps its place.
    CustomerReleased {
        escalation_id: EscalationId,
        external_id: String,
        why: ReleaseReason,
        eta_seconds: i32,
        eta_range_seconds: [i32; 2],
        at: DateTime<Utc>,
    },
    /// An agent accepted a released customer's escalation: bring the customer back.
    Reengage { escalation_id: EscalationId, external_id: String, agent: AssignedAgent, at: DateTime<Utc> },
}

/// Why a customer was let go from the live wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseReason {
    Callback,
    MaxLiveWait,
}

/// Who took the conversation, as the customer may be told.
#[derive(Debug, Clone, Serialize)]
pub struct AssignedAgent {
    pub id: AgentId,
    pub display_name: String,
}

/// An agent's message as the platform receives it.
#[derive(Debug, Clone, Serialize)]
pub struct AgentMessage {
    pub id: i64,
    pub text: String,
    pub at: DateTime<Utc>,
    /// Appended with supervisors (issue 20): `agent`, or `supervisor` for a staff member who
    /// took the conversation over.
    pub author: &'static str,
}

impl PlatformEvent {
    /// The escalation the event is about.
    pub fn escalation_id(&self) -> EscalationId {
        match self {
            PlatformEvent::Assigned { escalation_id, .. }
            | PlatformEvent::Message { escalation_id, .. }
            | PlatformEvent::Eta { escalation_id, .. }
            | PlatformEvent::Resolved { escalation_id, .. }
            | PlatformEvent::HandedBack { escalation_id, .. }
            | PlatformEvent::CustomerReleased { escalation_id, .. }
            | PlatformEvent::Reengage { escalation_id, .. } => *escalation_id,
        }
    }

    /// The event name (`Handoff-Event` and the body's `event`).
    pub fn name(&self) -> &'static str {
        match self {
            PlatformEvent::Assigned { .. } => "escalation.assigned",
            PlatformEvent::Message { .. } => "escalation.message",
            PlatformEvent::Eta { .. } => "escalation.eta",
            PlatformEvent::Resolved { .. } => "escalation.resolved",
            PlatformEvent::HandedBack { .. } => "escalation.handed_back",
            PlatformEvent::CustomerReleased { .. } => "escalation.customer_released",
            PlatformEvent::Reengage { .. } => "escalation.reengage",
        }
    }
}
