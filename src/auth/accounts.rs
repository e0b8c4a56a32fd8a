//! Creating accounts: staff and admins (by an admin or the CLI), the first admin of a fresh
//! database, and service accounts. Shared by the API and the CLI.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::data_key::{DataKey, Purpose};
use super::{Role, password, tokens};
use crate::db::{Db, DbConn, is_unique_violation};
use crate::error::AppError;
use crate::ids::ServiceAccountId;
use crate::models::security_event::{self, NewSecurityEvent, SecurityEventKind};
use crate::models::{db_time, service_account, user};

/// Email of the admin created on a fresh database.
pub const FIRST_ADMIN_EMAIL: &str = "admin@handoff.local";

/// Hashes on a blocking thread: argon2 takes tens of milliseconds on purpose.
pub async fn hash_off_thread(plain: String) -> Result<String, AppError> {
    let hash = actix_web::web::block(move || password::hash_password(&plain)).await.context("hashing a password")??;
    Ok(hash)
}

/// Inserts an active staff member or admin; 409 if the email is taken.
pub fn create_staff(
    conn: &mut DbConn,
    email: &str,
    password_hash: &str,
    full_name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<user::User, AppError> {
    if !role.is_staff() {
        return Err(AppError::invalid("role", "must be staff or admin"));
    }
    let email = user::normalize_email(email);
    let new = user::NewUser {
        email: &email,
        password_hash,
        full_name: full_name.trim(),
        role: role.as_str(),
        status: user::status::ACTIVE,
        created_at: db_time(now),
        updated_at: db_time(now),
    };
    let created = user::insert(conn, &new).map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict("an account with this email already exists".into())
        } else {
            AppError::from(e)
        }
    })?;
    let event = NewSecurityEvent {
        detail: Some(role.as_str()),
        ..NewSecurityEvent::about(SecurityEventKind::StaffCreated, created.id, db_time(now))
    };
    security_event::record(conn, &event)?;
    Ok(created)
}

/// A new service account with what is shown once: the bearer token and the webhook secret.
#[derive(Debug, Clone)]
pub struct NewServiceCredentials {
    pub id: ServiceAccountId,
    pub name: String,
    pub token: String,
    pub webhook_secret: String,
}

/// Creates a service account; 409 if the name is taken. Only the token's hash is stored, and
/// the webhook secret sealed with the data key.
pub fn create_service_account(
    conn: &mut DbConn,
    key: &DataKey,
    name: &str,
    webhook_url: Option<&str>,
    now: DateTime<Utc>,
) -> Result<NewServiceCredentials, AppError> {
    let token = format!("{}{}", tokens::SERVICE_TOKEN_PREFIX, tokens::random_token());
    let webhook_secret = format!("whsec_{}", tokens::random_token());
    let account = service_account::insert(
        conn,
        &service_account::NewServiceAccount {
            name: name.trim(),
            token_hash: &tokens::token_hash(&token),
            webhook_url,
            webhook_secret: &key.seal(Purpose::WebhookSecret, &webhook_secret),
            created_at: db_time(now),
        },
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict("a service account with this name already exists".into())
        } else {
            e.into()
        }
    })?;
    Ok(NewServiceCredentials { id: account.id, name: account.name, token, webhook_secret })
}

/// Whether `url` can receive webhooks: an absolute http or https URL.
pub fn is_webhook_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// On a database with no admin, creates one with a random password and returns the
/// credentials to show once. `None` when an admin exists (or another instance just made one).
pub async fn ensure_first_admin(db: &Db) -> Result<Option<(String, String)>, AppError> {
    if db.read(|conn| Ok(user::admin_exists(conn)?)).await? {
        return Ok(None);
    }
    let plain = tokens::random_token()[..20].to_string();
    let hash = hash_off_thread(plain.clone()).await?;
    let created = db
        .write(move |conn| {
            if user::admin_exists(conn)? {
                return Ok(false);
            }
            create_staff(conn, FIRST_ADMIN_EMAIL, &hash, "Administrator", Role::Admin, Utc::now())?;
            Ok(true)
        })
        .await;
    match created {
        Ok(true) => Ok(Some((FIRST_ADMIN_EMAIL.to_string(), plain))),
        Ok(false) | Err(AppError::Conflict(_)) => Ok(None),
        Err(other) => Err(other),
    }
}
