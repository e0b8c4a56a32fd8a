//! Getting back in and changing a password. A forgotten password is reset through a single-use,
//! expiring link mailed to the account's address (hashed at rest, sent through the mail
//! outbox); asking answers the same for known and unknown addresses. The link sets a password
//! only: it never signs in and never removes a second factor. Changing a password needs the
//! current one. Either way every login of that user ends at once (`auth::revocation`).

use chrono::{DateTime, Duration, Utc};

use super::{accounts, password, tokens};
use crate::db::DbConn;
use crate::email::{messages, outbox};
use crate::error::AppError;
use crate::ids::UserId;
use crate::models::email_verification::{self, LinkPurpose};
use crate::models::security_event::{self, NewSecurityEvent, SecurityEventKind};
use crate::models::{db_time, refresh_token, user};
use crate::startup::AppState;

/// How long a reset link works.
pub const LINK_LIFETIME: Duration = Duration::hours(1);

/// Mails a reset link to `email` if it belongs to an account; silent either way. Any older
/// unused link of that account stops working (the newest mail is the one to use).
pub fn request(conn: &mut DbConn, email: &str, public_url: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    let Some(person) = user::find_by_email(conn, email)? else {
        return Ok(());
    };
    email_verification::spend_all(conn, LinkPurpose::ResetPassword, person.id, db_time(now))?;
    let token = tokens::random_token();
    let expires = db_time(now + LINK_LIFETIME);
    email_verification::insert(
        conn,
        LinkPurpose::ResetPassword,
        person.id,
        &tokens::token_hash(&token),
        db_time(now),
        expires,
    )?;
    let link = format!("{public_url}/reset-password?token={token}");
    let content = messages::password_reset(&person.full_name, &link, LINK_LIFETIME.num_minutes())?;
    outbox::enqueue(conn, &person.email, &content, now)?;
    record(conn, SecurityEventKind::PasswordResetRequested, person.id, now)
}

/// Whether a reset link can still be used (for the page that asks for the new password).
pub fn link_is_usable(conn: &mut DbConn, token: &str, now: DateTime<Utc>) -> Result<bool, AppError> {
    let link = email_verification::find_by_hash(conn, LinkPurpose::ResetPassword, &tokens::token_hash(token))?;
    Ok(link.is_some_and(|link| link.used_at.is_none() && link.expires_at > db_time(now)))
}

/// Spends a reset link and sets the password (`new_hash`, already argon2id). 400 naming
/// `token` for a link that is unknown, used or expired.
pub fn complete(conn: &mut DbConn, token: &str, new_hash: &str, now: DateTime<Utc>) -> Result<UserId, AppError> {
    let unusable = || {
        AppError::invalid("token", "this reset link is not valid, was used already or has expired; ask for a new one")
    };
    let link = email_verification::find_by_hash(conn, LinkPurpose::ResetPassword, &tokens::token_hash(token))?
        .ok_or_else(unusable)?;
    if !email_verification::consume(conn, link.id, db_time(now))? {
        return Err(unusable());
    }
    set_password(conn, link.user_id, new_hash, SecurityEventKind::PasswordReset, now)?;
    Ok(link.user_id)
}

/// Sets a new password and ends every login of the user (the caller checked the current
/// password, or spent a reset link).
pub fn set_password(
    conn: &mut DbConn,
    user_id: UserId,
    new_hash: &str,
    why: SecurityEventKind,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if !user::set_password_hash(conn, user_id, new_hash, db_time(now))? {
        return Err(AppError::NotFound("the account is gone".into()));
    }
    refresh_token::revoke_all(conn, user_id, db_time(now))?;
    record(conn, why, user_id, now)
}

/// Changes a password given the current one (rate-limited like a login, since it is a way to
/// guess it), and ends every login of the person.
pub async fn change(
    state: &AppState,
    client: Option<std::net::IpAddr>,
    id: UserId,
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let found = state.db.read(move |conn| Ok(user::find(conn, id)?)).await?;
    let found = found.ok_or_else(|| AppError::NotFound("the account is gone".into()))?;
    // Guessing the current password through here costs the same budget as logging in.
    state.login_limiter.check(client, &found.email).await?;
    let stored = found.password_hash;
    let matches = actix_web::web::block(move || password::verify_password(&current_password, &stored))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    if !matches {
        return Err(AppError::invalid("current_password", "is not your current password"));
    }
    let hash = accounts::hash_off_thread(new_password).await?;
    state.db.write(move |conn| set_password(conn, id, &hash, SecurityEventKind::PasswordChanged, Utc::now())).await?;
    Ok(())
}

fn record(conn: &mut DbConn, kind: SecurityEventKind, user: UserId, now: DateTime<Utc>) -> Result<(), AppError> {
    security_event::record(conn, &NewSecurityEvent::about(kind, user, db_time(now)))?;
    Ok(())
}
