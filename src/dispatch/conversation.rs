//! A conversation once a human has it: messages both ways, transfer, resolve, rating. Every
//! change the platform must hear about queues a webhook in the same transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::db::{DbConn, is_unique_violation};
use crate::error::{AppError, FieldError};
use crate::ids::{AgentId, EscalationId, ServiceAccountId, UserId};
use crate::models::escalation::EscalationState;
use crate::models::escalation_event::TimelineEvent;
use crate::models::{agent, assignment, db_time, escalation, escalation_event, message, offer, rating, skill};
use crate::realtime::{self, AgentNotice, CustomerMessage};
use crate::webhooks::{self, PlatformEvent};

/// Who is writing.
#[derive(Debug, Clone, Copy)]
pub enum Author {
    /// The customer, relayed by the platform's service account.
    Customer {
        service: ServiceAccountId,
    },
    Agent {
        id: AgentId,
    },
    /// A staff member who took the conversation over.
    Supervisor {
        id: UserId,
    },
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct MessageInput {
    #[validate(length(min = 1, max = 10_000))]
    pub text: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub from: String,
    pub text: String,
    pub at: DateTime<Utc>,
}

impl From<message::Message> for MessageView {
    fn from(m: message::Message) -> MessageView {
        MessageView { id: m.id, from: m.sender, text: m.text, at: m.created_at.and_utc() }
    }
}

pub(crate) fn load(conn: &mut DbConn, id: EscalationId) -> Result<escalation::Escalation, AppError> {
    escalation::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("no escalation {id}")))
}

/// The escalation, if `service` sent it: 404 when there is none, 403 when another platform's.
pub fn of_service(
    conn: &mut DbConn,
    id: EscalationId,
    service: ServiceAccountId,
) -> Result<escalation::Escalation, AppError> {
    let found = load(conn, id)?;
    if found.service_account_id != service {
        return Err(AppError::Forbidden("this escalation is not yours".into()));
    }
    Ok(found)
}

/// `text` with card numbers, IBANs and the staff's patterns hidden, counted on the escalation:
/// whatever anyone writes in a conversation (messages, transfer notes, dispositions, rating
/// comments) goes through here before it is stored or sent on.
pub(crate) fn screened(conn: &mut DbConn, id: EscalationId, text: &str) -> Result<String, AppError> {
    let redacted = crate::privacy::patterns::redactor(conn)?.redact(text);
    escalation::add_redactions(conn, id, redacted.count as i32)?;
    Ok(redacted.text)
}

fn is_closed(e: &escalation::Escalation) -> bool {
    e.state == EscalationState::Resolved || e.state == EscalationState::Abandoned
}

/// Adds a message. The customer may write until the conversation ends; an agent only while it
/// is assigned to them, and their reply goes to the platform as `escalation.message`.
pub fn post_message(
    conn: &mut DbConn,
    id: EscalationId,
    author: Author,
    text: &str,
    now: DateTime<Utc>,
) -> Result<MessageView, AppError> {
    let e = load(conn, id)?;
    let redacted = screened(conn, id, text)?;
    let text = redacted.as_str();
    match author {
        Author::Customer { service } => {
            if e.service_account_id != service {
                return Err(AppError::Forbidden("this escalation is not yours".into()));
            }
            if is_closed(&e) {
                return Err(AppError::Conflict(format!("this conversation is {}", e.state)));
            }
            let sent = message::insert(conn, id, message::CUSTOMER, None, text, db_time(now))?;
            let agent_has_it = e.state == EscalationState::Assigned && escalation::taken_over_by(conn, id)?.is_none();
            if let Some(agent_id) = e.assigned_agent_id.filter(|_| agent_has_it) {
                let message = CustomerMessage { id: sent.id, from: "customer", text: text.into(), at: now };
                realtime::notify(conn, agent_id, &AgentNotice::Message { escalation_id: id, message }, now)?;
            }
            Ok(sent.into())
        }
        Author::Agent { id: agent_id } => {
            if e.assigned_agent_id != Some(agent_id) {
                return Err(AppError::Forbidden("this conversation is not assigned to you".into()));
            }
            if e.state != EscalationState::Assigned {
                return Err(AppError::Conflict(format!("this conversation is {}", e.state)));
            }
            if escalation::taken_over_by(conn, id)?.is_some() {
                return Err(AppError::Conflict("a supervisor has taken this conversation over".into()));
            }
            let sent = message::insert(conn, id, message::AGENT, Some(agent_id), text, db_time(now))?;
            escalation::mark_first_reply(conn, id, db_time(now))?;
            let message = webhooks::AgentMessage { id: sent.id, text: text.into(), at: now, author: message::AGENT };
            let told = PlatformEvent::Message { escalation_id: id, external_id: e.external_id.clone(), message };
            webhooks::enqueue(conn, e.service_account_id, &told, now)?;
            Ok(sent.into())
        }
        Author::Supervisor { id: staff } => {
            if e.state != EscalationState::Assigned || escalation::taken_over_by(conn, id)? != Some(staff) {
                return Err(AppError::Conflict(
                    "a supervisor writes to the customer only in a live conversation they took over".into(),
                ));
            }
            let sent = message::insert_by_staff(conn, id, message::SUPERVISOR, staff, text, db_time(now))?;
            let message =
                webhooks::AgentMessage { id: sent.id, text: text.into(), at: now, author: message::SUPERVISOR };
            let told = PlatformEvent::Message { escalation_id: id, external_id: e.external_id.clone(), message };
            webhooks::enqueue(conn, e.service_account_id, &told, now)?;
            Ok(sent.into())
        }
    }
}

/// Messages of a conversation after message `after_id` (0: from the start), oldest first;
/// whispers only for the agent and staff (`with_whispers`), never for the platform.
pub fn messages(
    conn: &mut DbConn,
    id: EscalationId,
    after_id: i64,
    limit: i64,
    with_whispers: bool,
) -> Result<Vec<MessageView>, AppError> {
    Ok(message::for_escalation(conn, id, after_id, limit, with_whispers)?.into_iter().map(MessageView::from).collect())
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct ResolveInput {
    /// How it ended, for example `solved`, `refund_issued`, `escalated_to_bank`. Required
    /// unless `hand_back`.
    #[validate(length(min = 1, max = 100))]
    pub disposition: Option<String>,
    /// Give the conversation back to the chatbot instead of resolving it (the platform gets
    /// `escalation.handed_back` with the summary). Paid like a resolution.
    #[serde(default)]
    pub hand_back: bool,
    /// For the bot taking over: what was done and what is left. Required with `hand_back`.
    #[validate(length(min = 1, max = 4000))]
    pub summary: Option<String>,
}

/// The disposition recorded for a conversation handed back to the bot.
pub const HANDED_BACK: &str = "handed_back";

impl ResolveInput {
    /// The disposition to record and, for a hand-back, its summary; 422 naming what is missing.
    pub fn checked(&self) -> Result<(String, Option<String>), AppError> {
        match (self.hand_back, &self.disposition, &self.summary) {
            (false, Some(disposition), _) => Ok((disposition.clone(), None)),
            (false, None, _) => Err(AppError::invalid("disposition", "required unless `hand_back` is true")),
            (true, _, Some(summary)) if !summary.trim().is_empty() => {
                Ok((self.disposition.clone().unwrap_or_else(|| HANDED_BACK.into()), Some(summary.clone())))
            }
            (true, _, _) => Err(AppError::invalid("summary", "required when handing back to the bot")),
        }
    }
}

/// Resolves the agent's conversation, or with `hand_back` (the agent's summary) gives it back
/// to the chatbot: either way it ends and the agent is in wrap-up for it (capacity held, time
/// paid) until they finish or the staff's maximum passes (`quality::wrap_up`).
pub fn resolve(
    conn: &mut DbConn,
    id: EscalationId,
    agent_id: AgentId,
    disposition: &str,
    hand_back: Option<&str>,
    now: DateTime<Utc>,
) -> Result<escalation::Escalation, AppError> {
    let e = load(conn, id)?;
    if e.assigned_agent_id != Some(agent_id) {
        return Err(AppError::Forbidden("this conversation is not assigned to you".into()));
    }
    let disposition = screened(conn, id, disposition)?;
    let disposition = disposition.as_str();
    if !escalation::resolve(conn, id, agent_id, disposition, db_time(now))? {
        return Err(AppError::Conflict(format!("this conversation is {}", e.state)));
    }
    let quality = crate::quality::settings::load(conn)?;
    let wrap_up_until = crate::quality::wrap_up::begin(conn, id, agent_id, quality.wrap_up_max_s, now)?;
    escalation_event::record(conn, id, TimelineEvent::Resolved, Some(disposition), db_time(now))?;
    let closed = AgentNotice::Closed {
        escalation_id: id,
        disposition: Some(disposition.into()),
        transferred: None,
        wrap_up_until,
        taken_over: None,
    };
    realtime::notify(conn, agent_id, &closed, now)?;
    crate::quality::sampling::on_resolved(conn, &e, agent_id, &quality.sampling, now)?;
    let told = match hand_back {
        Some(summary) => {
            let summary = screened(conn, id, summary)?;
            escalation::mark_handed_back(conn, id, &summary)?;
            PlatformEvent::HandedBack { escalation_id: id, external_id: e.external_id.clone(), summary, at: now }
        }
        None => PlatformEvent::Resolved {
            escalation_id: id,
            external_id: e.external_id.clone(),
            disposition: disposition.into(),
            at: now,
        },
    };
    webhooks::enqueue(conn, e.service_account_id, &told, now)?;
    load(conn, id)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct TransferInput {
    /// The skills the next agent needs.
    #[validate(length(max = 10))]
    pub required_skills: Vec<String>,
    /// Why, for the next agent and the timeline.
    #[validate(length(min = 1, max = 2000))]
    pub note: String,
}

/// 422 naming each skill not in the catalogue.
pub(crate) fn check_skills(conn: &mut DbConn, skills: &[String]) -> Result<(), AppError> {
    let known: Vec<String> = skill::all(conn)?.into_iter().map(|s| s.name).collect();
    let unknown: Vec<FieldError> = skills
        .iter()
        .enumerate()
        .filter(|(_, s)| !known.contains(s))
        .map(|(i, s)| FieldError::new(format!("required_skills[{i}]"), format!("`{s}` is not in the skill catalogue")))
        .collect();
    if unknown.is_empty() { Ok(()) } else { Err(AppError::Validation(unknown)) }
}

/// Hands the conversation back to the queue with new needs; it is never offered to the same
/// agent again.
pub fn transfer(
    conn: &mut DbConn,
    id: EscalationId,
    agent_id: AgentId,
    input: &TransferInput,
    now: DateTime<Utc>,
) -> Result<escalation::Escalation, AppError> {
    let e = load(conn, id)?;
    if e.assigned_agent_id != Some(agent_id) {
        return Err(AppError::Forbidden("this conversation is not assigned to you".into()));
    }
    check_skills(conn, &input.required_skills)?;
    if !escalation::requeue_transfer(conn, id, agent_id, &input.required_skills.join(","), db_time(now))? {
        return Err(AppError::Conflict(format!("this conversation is {}", e.state)));
    }
    offer::mark_transferred(conn, id, db_time(now))?;
    assignment::finish(conn, id, agent_id, assignment::Outcome::Transferred, db_time(now))?;
    agent::conversation_ended(conn, agent_id, db_time(now))?;
    let note = screened(conn, id, &input.note)?;
    let detail = format!("by agent {agent_id} needing [{}]: {note}", input.required_skills.join(", "));
    escalation_event::record(conn, id, TimelineEvent::Transferred, Some(&detail), db_time(now))?;
    let closed = AgentNotice::Closed {
        escalation_id: id,
        disposition: None,
        transferred: Some(true),
        wrap_up_until: None,
        taken_over: None,
    };
    realtime::notify(conn, agent_id, &closed, now)?;
    load(conn, id)
}

/// The customer left before a human took the conversation: its pending offer is withdrawn and it
/// is abandoned. 403 for another service's escalation; 409 once a human has it or it ended.
pub fn abandon(
    conn: &mut DbConn,
    id: EscalationId,
    service: ServiceAccountId,
    now: DateTime<Utc>,
) -> Result<escalation::Escalation, AppError> {
    let found = of_service(conn, id, service)?;
    crate::dispatch::offers::withdraw_for_escalation(conn, id, now)?;
    if !escalation::close(conn, id, &EscalationState::WAITING, EscalationState::Abandoned, db_time(now))? {
        return Err(AppError::Conflict(format!("this escalation is {}", found.state)));
    }
    escalation_event::record(conn, id, TimelineEvent::Abandoned, Some("the customer left"), db_time(now))?;
    load(conn, id)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct RatingInput {
    #[validate(range(min = 1, max = 5))]
    pub score: i32,
    #[validate(length(max = 2000))]
    pub comment: Option<String>,
}

/// The customer's rating of a resolved conversation, once; it feeds the agent's rating.
pub fn rate(
    conn: &mut DbConn,
    id: EscalationId,
    service: ServiceAccountId,
    input: &RatingInput,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let e = of_service(conn, id, service)?;
    let Some(agent_id) = e.assigned_agent_id.filter(|_| e.state == EscalationState::Resolved) else {
        return Err(AppError::Conflict("only a resolved conversation can be rated".into()));
    };
    let comment = input.comment.as_deref().map(|c| screened(conn, id, c)).transpose()?;
    rating::insert(conn, id, agent_id, input.score, comment.as_deref(), db_time(now)).map_err(|error| {
        if is_unique_violation(&error) {
            AppError::Conflict("this conversation was rated already".into())
        } else {
            error.into()
        }
    })?;
    escalation_event::record(conn, id, TimelineEvent::Rated, Some(&format!("{}/5", input.score)), db_time(now))?;
    crate::quality::sampling::on_rated(conn, &e, agent_id, input.score, now)?;
    Ok(())
}
