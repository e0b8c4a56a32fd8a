//! Applying and confirming the email address.

use chrono::{DateTime, Duration, Utc};

use super::input::Registration;
use super::{placement, skills};
use crate::auth::{Role, tokens};
use crate::availability::rates;
use crate::db::{DbConn, is_unique_violation};
use crate::email::{messages, outbox};
use crate::error::AppError;
use crate::ids::{AgentId, UserId};
use crate::models::email_verification::LinkPurpose;
use crate::models::{agent, agent_language, agent_rate, agent_skill, audit, db_time, email_verification, user};

/// How new agents start: one conversation at a time until they raise it.
const INITIAL_MAX_CONCURRENT: i32 = 1;

/// Where confirmation links point and how long they live.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    pub public_url: String,
    pub verification_ttl_h: u64,
}

/// Records an application: the account (pending verification), profile, languages, skills,
/// the asked rates, an audit entry, and the confirmation email, all in the caller's
/// transaction. A taken email is 409 and reveals nothing about that account.
pub fn register(
    conn: &mut DbConn,
    application: &Registration,
    password_hash: &str,
    links: &LinkSettings,
    now: DateTime<Utc>,
) -> Result<AgentId, AppError> {
    skills::check_known(conn, &application.skills)?;
    let skill_names: Vec<String> = application.skills.iter().map(|s| s.skill.clone()).collect();
    rates::check_bands(
        conn,
        &skill_names,
        application.hourly_rate_minor,
        application.per_conversation_minor,
        &application.currency,
        100,
    )?;
    let email = user::normalize_email(&application.email);
    let new_user = user::NewUser {
        email: &email,
        password_hash,
        full_name: application.full_name.trim(),
        role: Role::Agent.as_str(),
        status: user::status::PENDING_VERIFICATION,
        created_at: db_time(now),
        updated_at: db_time(now),
    };
    let person = user::insert(conn, &new_user).map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict("this email address cannot be used to apply".into())
        } else {
            e.into()
        }
    })?;
    let (country, region) = placement::place(conn, application.location)?;
    let id = AgentId::of_user(person.id);
    agent::insert(
        conn,
        &agent::NewAgent {
            user_id: id,
            timezone: &application.timezone,
            latitude: application.location.lat,
            longitude: application.location.lon,
            country,
            region: region.as_deref(),
            recruit_source: application.recruit_source.as_str(),
            motivation: application.motivation.trim(),
            max_concurrent: INITIAL_MAX_CONCURRENT,
            rating_sum: 0,
            rating_count: 0,
            applied_at: db_time(now),
        },
    )?;
    let languages: Vec<(String, String)> =
        application.languages.iter().map(|l| (l.code.clone(), l.level.as_str().to_string())).collect();
    agent_language::replace(conn, id, &languages)?;
    let skill_rows: Vec<(String, i32)> = application.skills.iter().map(|s| (s.skill.clone(), s.proficiency)).collect();
    agent_skill::replace(conn, id, &skill_rows)?;
    agent_rate::insert(
        conn,
        &agent_rate::NewAgentRate {
            agent_id: id,
            hourly_rate_minor: application.hourly_rate_minor,
            per_conversation_minor: application.per_conversation_minor,
            currency: &application.currency,
            effective_from: db_time(now),
            created_at: db_time(now),
        },
    )?;
    record(conn, None, id, "applied", None, now)?;
    send_verification(conn, person.id, &person.email, &person.full_name, links, now)?;
    Ok(id)
}

/// Creates a fresh single-use link and queues the email carrying it.
fn send_verification(
    conn: &mut DbConn,
    user_id: UserId,
    email: &str,
    name: &str,
    links: &LinkSettings,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let token = tokens::random_token();
    let expires = now + Duration::hours(links.verification_ttl_h as i64);
    email_verification::insert(
        conn,
        LinkPurpose::ConfirmEmail,
        user_id,
        &tokens::token_hash(&token),
        db_time(now),
        db_time(expires),
    )?;
    let link = format!("{}/verify?token={token}", links.public_url);
    let content = messages::verification(name, &link, links.verification_ttl_h)?;
    outbox::enqueue(conn, email, &content, now)
}

/// Sends a new confirmation link to an applicant who has not confirmed yet. Says nothing
/// either way, so it cannot be used to find out who applied.
pub fn resend_verification(
    conn: &mut DbConn,
    email: &str,
    links: &LinkSettings,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if let Some(person) = user::find_by_email(conn, email)?
        && person.status == user::status::PENDING_VERIFICATION
    {
        send_verification(conn, person.id, &person.email, &person.full_name, links, now)?;
    }
    Ok(())
}

fn invalid_link(message: &str) -> AppError {
    AppError::invalid("token", message)
}

/// Uses a confirmation link: the applicant moves to `pending_review`. Returns the new status.
pub fn verify(conn: &mut DbConn, token: &str, now: DateTime<Utc>) -> Result<user::UserStatus, AppError> {
    let Some(link) = email_verification::find_by_hash(conn, LinkPurpose::ConfirmEmail, &tokens::token_hash(token))?
    else {
        return Err(invalid_link("this confirmation link is not valid"));
    };
    if link.used_at.is_some() {
        return Err(AppError::Conflict(
            "this confirmation link was used already; you can log in once staff approve you".into(),
        ));
    }
    if link.expires_at <= db_time(now) {
        return Err(invalid_link("this confirmation link has expired; ask for a new one"));
    }
    if !email_verification::consume(conn, link.id, db_time(now))? {
        return Err(AppError::Conflict("this confirmation link was used already".into()));
    }
    let moved = user::transition_status(
        conn,
        link.user_id,
        &[user::status::PENDING_VERIFICATION],
        user::status::PENDING_REVIEW,
        db_time(now),
    )?;
    if moved {
        agent::mark_verified(conn, AgentId::of_user(link.user_id), db_time(now))?;
        record(conn, None, AgentId::of_user(link.user_id), "email_verified", None, now)?;
    }
    let person = user::find(conn, link.user_id)?.ok_or_else(|| AppError::NotFound("the account is gone".into()))?;
    Ok(person.status)
}

/// Adds an entry to an agent's history.
pub(super) fn record(
    conn: &mut DbConn,
    actor: Option<UserId>,
    agent_id: AgentId,
    action: &str,
    detail: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    audit::record(
        conn,
        &audit::NewAuditEntry {
            actor_id: actor,
            subject_kind: "agent",
            subject_id: Some(agent_id.0),
            action,
            detail,
            created_at: db_time(now),
        },
    )?;
    Ok(())
}
