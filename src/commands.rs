//! Commands: what the platform, agents and staff ask of dispatch, one function each. Every
//! command takes typed ids and the moment it happens (`now`: the caller's clock), runs in its
//! own transaction, and does what follows it here, once: waking the webhook worker, counting a
//! customer reaching a human. API handlers and pages parse, call one command and render; none of
//! them starts a dispatch pass (the transaction notes what changed, and the dispatcher runs after
//! it commits: `realtime::bus`).

use chrono::{DateTime, Utc};

use crate::availability::presence::{self, Presence, PresenceState};
use crate::dispatch::conversation::{self, Author, MessageView, TransferInput};
use crate::dispatch::intake::{self, EscalationInput};
use crate::dispatch::{offers, view};
use crate::error::AppError;
use crate::ids::{AgentId, EscalationId, OfferId, ServiceAccountId};
use crate::models::agent;
use crate::models::escalation::{self, Escalation};
use crate::startup::AppState;

/// The platform escalates a conversation. A repeat (same `external_id` or idempotency key)
/// returns the escalation recorded before, with `false`; two repeats racing get the same one.
pub async fn escalate(
    state: &AppState,
    service: ServiceAccountId,
    input: EscalationInput,
    idempotency_key: Option<String>,
    now: DateTime<Utc>,
) -> Result<(Escalation, bool), AppError> {
    let (replay_input, replay_key) = (input.external_id.clone(), idempotency_key.clone());
    let ref_hash = input.customer_ref.as_deref().map(|r| state.customer_refs.hash(service, r));
    let outcome = state
        .db
        .write(move |conn| intake::intake(conn, service, &input, ref_hash.as_deref(), idempotency_key.as_deref(), now))
        .await;
    let recorded = match outcome {
        Err(AppError::Conflict(message)) if message == intake::REPLAY_RACE => {
            let existing = state
                .db
                .read(move |conn| Ok(escalation::find_replay(conn, service, &replay_input, replay_key.as_deref())?))
                .await?;
            (existing.ok_or(AppError::Conflict(message))?, false)
        }
        other => other?,
    };
    state.webhooks_queued();
    Ok(recorded)
}

/// The customer left before a human took the conversation: it is abandoned and its offer
/// withdrawn. 409 once a human has it or it ended.
pub async fn cancel(
    state: &AppState,
    service: ServiceAccountId,
    id: EscalationId,
    now: DateTime<Utc>,
) -> Result<view::EscalationView, AppError> {
    state
        .db
        .write(move |conn| {
            let abandoned = conversation::abandon(conn, id, service, now)?;
            view::escalation(conn, &abandoned)
        })
        .await
}

/// The platform stops holding the customer live; 409 once a human has the escalation.
pub async fn callback(
    state: &AppState,
    service: ServiceAccountId,
    id: EscalationId,
    now: DateTime<Utc>,
) -> Result<view::EscalationView, AppError> {
    let shown = state
        .db
        .write(move |conn| {
            let released = crate::dispatch::release::release_to_callback(conn, id, service, now)?;
            view::escalation(conn, &released)
        })
        .await?;
    state.webhooks_queued();
    Ok(shown)
}

/// An agent accepts an offer: the conversation is theirs.
pub async fn accept(
    state: &AppState,
    agent: AgentId,
    offer: OfferId,
    now: DateTime<Utc>,
) -> Result<view::EscalationView, AppError> {
    let shown = state
        .db
        .write(move |conn| {
            let assigned = offers::accept(conn, agent, offer, now)?;
            view::escalation(conn, &assigned)
        })
        .await?;
    state.metrics.human_reached((now - shown.created_at).num_milliseconds() as f64 / 1000.0);
    state.webhooks_queued();
    Ok(shown)
}

/// An agent declines an offer; the next best agent gets it in the pass that follows.
pub async fn decline(
    state: &AppState,
    agent: AgentId,
    offer: OfferId,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    state.db.write(move |conn| offers::decline(conn, agent, offer, reason.as_deref(), now)).await
}

/// The customer (through the platform) or the assigned agent writes in the conversation.
pub async fn post_message(
    state: &AppState,
    id: EscalationId,
    author: Author,
    text: String,
    now: DateTime<Utc>,
) -> Result<MessageView, AppError> {
    let sent = state.db.write(move |conn| conversation::post_message(conn, id, author, &text, now)).await?;
    state.webhooks_queued();
    Ok(sent)
}

/// The agent resolves their conversation; their capacity goes to the next waiting escalation.
pub async fn resolve(
    state: &AppState,
    agent: AgentId,
    id: EscalationId,
    disposition: String,
    hand_back: Option<String>,
    now: DateTime<Utc>,
) -> Result<view::EscalationView, AppError> {
    let shown = state
        .db
        .write(move |conn| {
            let resolved = conversation::resolve(conn, id, agent, &disposition, hand_back.as_deref(), now)?;
            view::escalation(conn, &resolved)
        })
        .await?;
    state.webhooks_queued();
    Ok(shown)
}

/// The agent hands the conversation back to the queue with new needs.
pub async fn transfer(
    state: &AppState,
    agent: AgentId,
    id: EscalationId,
    input: TransferInput,
    now: DateTime<Utc>,
) -> Result<view::EscalationView, AppError> {
    state
        .db
        .write(move |conn| {
            let requeued = conversation::transfer(conn, id, agent, &input, now)?;
            view::escalation(conn, &requeued)
        })
        .await
}

/// The agent goes online, away or offline.
pub async fn set_presence(
    state: &AppState,
    agent: AgentId,
    to: Presence,
    now: DateTime<Utc>,
) -> Result<PresenceState, AppError> {
    state.db.write(move |conn| presence::choose(conn, agent, to, now)).await
}

/// The agent sets how many conversations they take at once: from 1 to the staff limit
/// (`HANDOFF_MAX_CONCURRENT_LIMIT`). Returns the limit.
pub async fn set_capacity(state: &AppState, agent: AgentId, wanted: i32) -> Result<u32, AppError> {
    let limit = state.settings.max_concurrent_limit;
    if wanted < 1 || wanted as u32 > limit {
        return Err(AppError::invalid("max_concurrent", format!("must be between 1 and {limit}")));
    }
    state.db.write(move |conn| Ok(agent::set_max_concurrent(conn, agent, wanted)?)).await?;
    Ok(limit)
}
