//! Wrap-up: after resolving, the agent finishes the conversation's notes and picks its
//! disposition from the staff's list. Their capacity stays held and the time is paid as
//! engaged time (the stretch stays open) until they finish or the maximum passes.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::{AgentId, EscalationId};
use crate::models::escalation_event::TimelineEvent;
use crate::models::{agent, assignment, db_time, escalation, escalation_event};

/// Starts wrap-up for a conversation the agent just resolved; returns when it ends by itself,
/// or `None` (and frees the capacity at once) when the staff set no wrap-up.
pub fn begin(
    conn: &mut DbConn,
    id: EscalationId,
    agent_id: AgentId,
    max_s: u32,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let wrap_up = max_s > 0;
    assignment::resolve(conn, id, agent_id, wrap_up, db_time(now))?;
    if !wrap_up {
        agent::conversation_ended(conn, agent_id, db_time(now))?;
        return Ok(None);
    }
    Ok(Some(now + Duration::seconds(max_s as i64)))
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct WrapUpInput {
    /// One of the staff's dispositions (`GET /api/v1/staff/quality-settings`); it replaces the
    /// one given at resolve as the reported disposition.
    #[validate(length(min = 1, max = 100))]
    pub disposition: String,
    /// After-conversation notes, for reviewers and whoever takes this customer next.
    #[validate(length(max = 4000))]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WrapUpView {
    #[schema(value_type = i64)]
    pub escalation_id: EscalationId,
    pub disposition: String,
    pub notes: Option<String>,
    /// Seconds from accept to resolution.
    pub engaged_seconds: i64,
    /// Seconds of wrap-up (paid as engaged time).
    pub wrap_up_seconds: i64,
}

/// The agent finishes wrap-up. 403 for another agent's conversation; 422 naming `disposition`
/// when it is not on the list; 409 when it is not in wrap-up (finished, or its time ran out).
pub fn finish(
    conn: &mut DbConn,
    id: EscalationId,
    agent_id: AgentId,
    input: &WrapUpInput,
    now: DateTime<Utc>,
) -> Result<WrapUpView, AppError> {
    let e = escalation::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("no escalation {id}")))?;
    if e.assigned_agent_id != Some(agent_id) {
        return Err(AppError::Forbidden("this conversation is not yours".into()));
    }
    let listed = super::settings::load(conn)?.dispositions;
    if !listed.contains(&input.disposition) {
        return Err(AppError::invalid("disposition", format!("must be one of: {}", listed.join(", "))));
    }
    let Some(stretch) = assignment::in_wrap_up(conn, id, agent_id)? else {
        return Err(AppError::Conflict("this conversation is not in wrap-up (finished, or its time ran out)".into()));
    };
    let notes = input.notes.as_deref().map(|n| crate::dispatch::conversation::screened(conn, id, n)).transpose()?;
    if !assignment::finish_wrap_up(conn, stretch.id, notes.as_deref(), db_time(now))? {
        return Err(AppError::Conflict("this conversation's wrap-up has just ended".into()));
    }
    escalation::set_disposition(conn, id, &input.disposition)?;
    agent::conversation_ended(conn, agent_id, db_time(now))?;
    escalation_event::record(conn, id, TimelineEvent::WrappedUp, Some(&input.disposition), db_time(now))?;
    let (engaged_seconds, wrap_up_seconds) = stretch.split_seconds(db_time(now)).unwrap_or_default();
    Ok(WrapUpView {
        escalation_id: id,
        disposition: input.disposition.clone(),
        notes,
        engaged_seconds,
        wrap_up_seconds,
    })
}

/// The clock's pass: wrap-ups past the maximum end at exactly the maximum (so pay stops there)
/// and their capacity is freed. Returns how many ended.
pub fn end_overdue(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize, AppError> {
    let max = Duration::seconds(super::settings::load(conn)?.wrap_up_max_s as i64);
    let mut ended = 0;
    for stretch in assignment::overdue_wrap_ups(conn, db_time(now - max))? {
        let Some(resolved_at) = stretch.resolved_at else { continue };
        let until = (resolved_at + max).min(db_time(now));
        if assignment::finish_wrap_up(conn, stretch.id, None, until)? {
            agent::conversation_ended(conn, stretch.agent_id, db_time(now))?;
            let detail = "wrap-up time ran out; the disposition given at resolve stands";
            escalation_event::record(conn, stretch.escalation_id, TimelineEvent::WrappedUp, Some(detail), until)?;
            ended += 1;
        }
    }
    Ok(ended)
}
