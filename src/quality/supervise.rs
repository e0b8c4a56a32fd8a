//! Supervisors: staff watch a live conversation (its messages, whispers included), whisper to
//! the agent (a message kind only the agent and staff see: never a webhook, never in the
//! platform's transcript), and take over: reply to the customer as a supervisor, then end the
//! conversation or send it back to the queue. The agent's stretch ends at the take-over, so
//! their pay up to that moment is unchanged. Agents raise a hand for help. Every action is
//! audited.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::db::DbConn;
use crate::dispatch::conversation::{self, MessageView, TransferInput, load, screened};
use crate::error::AppError;
use crate::ids::{AgentId, EscalationId, HelpRequestId, UserId};
use crate::models::escalation::EscalationState;
use crate::models::escalation_event::TimelineEvent;
use crate::models::{agent, assignment, db_time, escalation, escalation_event, help_request, message};
use crate::realtime::{self, AgentNotice, CustomerMessage};
use crate::webhooks::{self, PlatformEvent};

/// The agent of a live conversation; 409 naming the rule otherwise.
fn live_agent(e: &escalation::Escalation, doing: &str) -> Result<AgentId, AppError> {
    match e.assigned_agent_id.filter(|_| e.state == EscalationState::Assigned) {
        Some(agent) => Ok(agent),
        None => {
            Err(AppError::Conflict(format!("{doing} is for a live conversation an agent has; this one is {}", e.state)))
        }
    }
}

/// A staff member whispers to the agent. 409 for a conversation that is not live or that a
/// supervisor has taken over.
pub fn whisper(
    conn: &mut DbConn,
    id: EscalationId,
    staff: UserId,
    text: &str,
    now: DateTime<Utc>,
) -> Result<MessageView, AppError> {
    let e = load(conn, id)?;
    let agent = live_agent(&e, "a whisper")?;
    if escalation::taken_over_by(conn, id)?.is_some() {
        return Err(AppError::Conflict(
            "a supervisor has taken this conversation over: there is no agent to whisper to".into(),
        ));
    }
    let text = screened(conn, id, text)?;
    let sent = message::insert_by_staff(conn, id, message::WHISPER, staff, &text, db_time(now))?;
    let whisper = CustomerMessage { id: sent.id, from: message::WHISPER, text: text.clone(), at: now };
    realtime::notify(conn, agent, &AgentNotice::Message { escalation_id: id, message: whisper }, now)?;
    super::audited(conn, Some(staff), "escalation", id.0, "whispered", &format!("to agent {agent}"), now)?;
    Ok(sent.into())
}

/// A supervisor takes the conversation over: the agent's stretch ends now (paid to here, no
/// per-conversation pay, no wrap-up) and their capacity is freed. 409 when it is not live or
/// was taken over already.
pub fn take_over(
    conn: &mut DbConn,
    id: EscalationId,
    staff: UserId,
    now: DateTime<Utc>,
) -> Result<escalation::Escalation, AppError> {
    let e = load(conn, id)?;
    let agent = live_agent(&e, "a take-over")?;
    if !escalation::take_over(conn, id, staff, agent, db_time(now))? {
        return Err(AppError::Conflict("this conversation was taken over already".into()));
    }
    assignment::finish(conn, id, agent, assignment::Outcome::TakenOver, db_time(now))?;
    agent::conversation_ended(conn, agent, db_time(now))?;
    let detail = format!("by staff {staff} from agent {agent}");
    escalation_event::record(conn, id, TimelineEvent::TakenOver, Some(&detail), db_time(now))?;
    let closed = AgentNotice::Closed {
        escalation_id: id,
        disposition: None,
        transferred: None,
        wrap_up_until: None,
        taken_over: Some(true),
    };
    realtime::notify(conn, agent, &closed, now)?;
    super::audited(conn, Some(staff), "escalation", id.0, "taken_over", &detail, now)?;
    load(conn, id)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct EndInput {
    /// How it ended, as for an agent's resolve.
    #[validate(length(min = 1, max = 100))]
    pub disposition: String,
}

/// The supervisor who took the conversation over resolves it (the platform gets
/// `escalation.resolved`). 409 unless they took it over and it is live.
pub fn end(
    conn: &mut DbConn,
    id: EscalationId,
    staff: UserId,
    disposition: &str,
    now: DateTime<Utc>,
) -> Result<escalation::Escalation, AppError> {
    let e = load(conn, id)?;
    if escalation::taken_over_by(conn, id)? != Some(staff) {
        return Err(AppError::Conflict("only the supervisor who took this conversation over can end it".into()));
    }
    let disposition = screened(conn, id, disposition)?;
    if !escalation::resolve_taken_over(conn, id, &disposition, db_time(now))? {
        return Err(AppError::Conflict(format!("this conversation is {}", e.state)));
    }
    escalation_event::record(
        conn,
        id,
        TimelineEvent::Resolved,
        Some(&format!("by a supervisor: {disposition}")),
        db_time(now),
    )?;
    let told = PlatformEvent::Resolved {
        escalation_id: id,
        external_id: e.external_id.clone(),
        disposition: disposition.clone(),
        at: now,
    };
    webhooks::enqueue(conn, e.service_account_id, &told, now)?;
    super::audited(conn, Some(staff), "escalation", id.0, "supervisor_resolved", &disposition, now)?;
    load(conn, id)
}

/// The supervisor who took it over sends it back to the queue with new needs (never to the
/// agent it was taken from).
pub fn transfer(
    conn: &mut DbConn,
    id: EscalationId,
    staff: UserId,
    input: &TransferInput,
    now: DateTime<Utc>,
) -> Result<escalation::Escalation, AppError> {
    let e = load(conn, id)?;
    if escalation::taken_over_by(conn, id)? != Some(staff) {
        return Err(AppError::Conflict("only the supervisor who took this conversation over can transfer it".into()));
    }
    let agent = live_agent(&e, "a transfer")?;
    conversation::check_skills(conn, &input.required_skills)?;
    if !escalation::requeue_transfer(conn, id, agent, &input.required_skills.join(","), db_time(now))? {
        return Err(AppError::Conflict(format!("this conversation is {}", e.state)));
    }
    crate::models::offer::mark_transferred(conn, id, db_time(now))?;
    escalation::release_take_over(conn, id)?;
    let note = screened(conn, id, &input.note)?;
    let detail = format!("by a supervisor needing [{}]: {note}", input.required_skills.join(", "));
    escalation_event::record(conn, id, TimelineEvent::Transferred, Some(&detail), db_time(now))?;
    super::audited(conn, Some(staff), "escalation", id.0, "supervisor_transferred", &detail, now)?;
    load(conn, id)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct HelpInput {
    /// The conversation it is about, if one (it must be yours).
    #[schema(value_type = Option<i64>)]
    pub escalation_id: Option<EscalationId>,
    #[validate(length(min = 1, max = 1000))]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HelpView {
    #[schema(value_type = i64)]
    pub id: HelpRequestId,
    #[schema(value_type = i64)]
    pub agent_id: AgentId,
    pub agent_name: Option<String>,
    #[schema(value_type = Option<i64>)]
    pub escalation_id: Option<EscalationId>,
    pub note: String,
    pub raised_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

fn help_view(conn: &mut DbConn, h: help_request::HelpRequest) -> Result<HelpView, AppError> {
    let agent_name = agent::find_with_user(conn, h.agent_id)?.map(|(_, u)| u.full_name);
    Ok(HelpView {
        id: h.id,
        agent_id: h.agent_id,
        agent_name,
        escalation_id: h.escalation_id,
        note: h.note,
        raised_at: h.raised_at.and_utc(),
        answered_at: h.answered_at.map(|t| t.and_utc()),
    })
}

/// The agent raises a hand. 403 for a conversation that is not theirs; 409 while a hand is
/// already raised.
pub fn raise_hand(
    conn: &mut DbConn,
    agent: AgentId,
    input: &HelpInput,
    now: DateTime<Utc>,
) -> Result<HelpView, AppError> {
    if let Some(id) = input.escalation_id {
        let e = load(conn, id)?;
        if e.assigned_agent_id != Some(agent) {
            return Err(AppError::Forbidden("this conversation is not yours".into()));
        }
    }
    if help_request::open_of_agent(conn, agent)?.is_some() {
        return Err(AppError::Conflict("your hand is raised already: a supervisor will come".into()));
    }
    let note = match input.escalation_id {
        Some(id) => screened(conn, id, &input.note)?,
        None => input.note.clone(),
    };
    let id = help_request::insert(conn, agent, input.escalation_id, &note, db_time(now))?;
    super::audited(conn, Some(agent.into()), "help_request", id.0, "hand_raised", &note, now)?;
    let raised = help_request::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("no help request {id}")))?;
    help_view(conn, raised)
}

/// Hands still raised, oldest first.
pub fn raised_hands(conn: &mut DbConn) -> Result<Vec<HelpView>, AppError> {
    help_request::open(conn)?.into_iter().map(|h| help_view(conn, h)).collect()
}

/// A staff member takes a raised hand; 409 when someone did already.
pub fn answer_hand(
    conn: &mut DbConn,
    id: HelpRequestId,
    staff: UserId,
    now: DateTime<Utc>,
) -> Result<HelpView, AppError> {
    help_request::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("no help request {id}")))?;
    if !help_request::answer(conn, id, staff, db_time(now))? {
        return Err(AppError::Conflict("someone is on it already".into()));
    }
    super::audited(conn, Some(staff), "help_request", id.0, "hand_answered", "", now)?;
    let answered = help_request::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("no help request {id}")))?;
    help_view(conn, answered)
}
