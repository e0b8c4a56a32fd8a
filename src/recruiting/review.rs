//! Staff decisions about agents: approve, reject, suspend, reinstate, certify. Each is one
//! conditional status change (two staff deciding at once cannot both win), an audit entry,
//! and where the agent must know, an email, all in one transaction.

use chrono::{DateTime, Utc};

use super::register::record;
use crate::availability::presence;
use crate::db::{DbConn, is_unique_violation};
use crate::email::{messages, outbox};
use crate::error::AppError;
use crate::ids::{AgentId, UserId};
use crate::models::security_event::{self, NewSecurityEvent, SecurityEventKind};
use crate::models::user::UserStatus;
use crate::models::{agent, certification, db_time, refresh_token, skill, user};

/// Who decides, and where the approval email's login link points.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub staff_id: UserId,
    pub public_url: String,
}

fn agent_user(conn: &mut DbConn, agent_id: AgentId) -> Result<user::User, AppError> {
    match agent::find_with_user(conn, agent_id)? {
        Some((_, person)) => Ok(person),
        None => Err(AppError::NotFound(format!("no agent with id {agent_id}"))),
    }
}

/// Moves the agent from `from` to `to`, or explains with 409 why not.
fn transition(
    conn: &mut DbConn,
    person: &user::User,
    from: UserStatus,
    to: UserStatus,
    verb: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if !user::transition_status(conn, person.id, &[from], to, db_time(now))? {
        let current = user::find(conn, person.id)?.map(|u| u.status.to_string()).unwrap_or_default();
        return Err(AppError::Conflict(format!("only agents who are {from} can be {verb}; this one is {current}")));
    }
    let detail = format!("{from} → {to}");
    let changed = NewSecurityEvent {
        detail: Some(&detail),
        ..NewSecurityEvent::about(SecurityEventKind::StatusChanged, person.id, db_time(now))
    };
    security_event::record(conn, &changed)?;
    Ok(())
}

pub fn approve(
    conn: &mut DbConn,
    reviewer: &Reviewer,
    agent_id: AgentId,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let person = agent_user(conn, agent_id)?;
    transition(conn, &person, user::status::PENDING_REVIEW, user::status::ACTIVE, "approved", now)?;
    agent::mark_reviewed(conn, agent_id, db_time(now))?;
    record(conn, Some(reviewer.staff_id), agent_id, "approved", note, now)?;
    let mail = messages::approved(&person.full_name, &format!("{}/login", reviewer.public_url), note)?;
    outbox::enqueue(conn, &person.email, &mail, now)
}

pub fn reject(
    conn: &mut DbConn,
    reviewer: &Reviewer,
    agent_id: AgentId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let person = agent_user(conn, agent_id)?;
    transition(conn, &person, user::status::PENDING_REVIEW, user::status::REJECTED, "rejected", now)?;
    refresh_token::revoke_all(conn, person.id, db_time(now))?;
    agent::mark_reviewed(conn, agent_id, db_time(now))?;
    record(conn, Some(reviewer.staff_id), agent_id, "rejected", Some(reason), now)?;
    let mail = messages::rejected(&person.full_name, reason)?;
    outbox::enqueue(conn, &person.email, &mail, now)
}

/// Stops an active agent from working (they can still log in and see why).
pub fn suspend(
    conn: &mut DbConn,
    reviewer: &Reviewer,
    agent_id: AgentId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let person = agent_user(conn, agent_id)?;
    transition(conn, &person, user::status::ACTIVE, user::status::SUSPENDED, "suspended", now)?;
    // Signed out everywhere at once; they may log in again to read why.
    refresh_token::revoke_all(conn, person.id, db_time(now))?;
    presence::force_offline(conn, agent_id, presence::reason::SUSPENDED, now)?;
    record(conn, Some(reviewer.staff_id), agent_id, "suspended", Some(reason), now)
}

pub fn reinstate(
    conn: &mut DbConn,
    reviewer: &Reviewer,
    agent_id: AgentId,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let person = agent_user(conn, agent_id)?;
    transition(conn, &person, user::status::SUSPENDED, user::status::ACTIVE, "reinstated", now)?;
    record(conn, Some(reviewer.staff_id), agent_id, "reinstated", note, now)
}

/// Certifies an agent for a skill that requires certification.
pub fn certify(
    conn: &mut DbConn,
    reviewer: &Reviewer,
    agent_id: AgentId,
    skill_name: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    agent_user(conn, agent_id)?;
    match skill::find(conn, skill_name)? {
        None => return Err(AppError::invalid("skill", "not in the skill catalogue")),
        Some(found) if !found.requires_certification => {
            return Err(AppError::invalid("skill", "this skill does not require certification"));
        }
        Some(_) => {}
    }
    certification::insert(conn, agent_id, skill_name, reviewer.staff_id, db_time(now)).map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict("the agent holds this certification already".into())
        } else {
            e.into()
        }
    })?;
    record(conn, Some(reviewer.staff_id), agent_id, "certified", Some(skill_name), now)
}
