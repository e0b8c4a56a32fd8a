//! Deleting an agent account on request: personal fields are anonymised (email, name, password,
//! location, motivation, availability, second factor, logins) while pay records stay exact
//! (presence history, assignments and rates keep their ids; the payroll shows the placeholder
//! name). Staff do it; it is audited and cannot be undone.

use chrono::{DateTime, Utc};

use crate::availability::presence;
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::{AgentId, UserId};
use crate::models::security_event::{self, NewSecurityEvent, SecurityEventKind};
use crate::models::user::{self, UserStatus};
use crate::models::{agent, audit, availability, db_time, mfa, refresh_token};

pub fn anonymise(conn: &mut DbConn, agent_id: AgentId, actor: UserId, now: DateTime<Utc>) -> Result<(), AppError> {
    let Some((found, person)) = agent::find_with_user(conn, agent_id)? else {
        return Err(AppError::NotFound(format!("no agent with id {agent_id}")));
    };
    if person.status == UserStatus::Deleted {
        return Ok(());
    }
    if found.active_conversations > 0 {
        return Err(AppError::Conflict(
            "this agent has conversations open: they must be resolved or transferred first".into(),
        ));
    }
    let from = person.status;
    presence::force_offline(conn, agent_id, presence::reason::DELETED, now)?;
    refresh_token::revoke_all(conn, person.id, db_time(now))?;
    mfa::remove(conn, person.id)?;
    availability::replace(conn, agent_id, &[], &[])?;
    user::transition_status(conn, person.id, &[from], UserStatus::Deleted, db_time(now))?;
    user::anonymise(conn, person.id, db_time(now))?;
    agent::anonymise(conn, agent_id)?;
    let detail = format!("{from} → deleted");
    let changed = NewSecurityEvent {
        detail: Some(&detail),
        ..NewSecurityEvent::about(SecurityEventKind::StatusChanged, person.id, db_time(now))
    };
    security_event::record(conn, &changed)?;
    audit::record(
        conn,
        &audit::NewAuditEntry {
            actor_id: Some(actor),
            subject_kind: "agent",
            subject_id: Some(agent_id.0),
            action: "anonymised",
            detail: None,
            created_at: db_time(now),
        },
    )?;
    Ok(())
}
