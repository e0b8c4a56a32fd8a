//! Logins: checking a password, issuing an access token and a refresh token, rotating the
//! refresh token, and revoking the login. A login is a family of refresh tokens; each refresh
//! spends one and issues the next; a spent token presented again means it was stolen (or
//! replayed), and the whole family is revoked.

use std::net::IpAddr;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Role, mfa, password, tokens};
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::UserId;
use crate::models::security_event::{self, NewSecurityEvent, SecurityEventKind};
use crate::models::{db_time, mfa as mfa_factors, refresh_token, user};
use crate::startup::AppState;

/// How long each kind of token lives.
#[derive(Debug, Clone, Copy)]
pub struct TokenLifetimes {
    pub access_s: u64,
    pub refresh_s: u64,
}

/// Who a token pair belongs to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserSummary {
    #[schema(value_type = i64)]
    pub id: UserId,
    pub role: Role,
    pub email: String,
}

/// What a login or a refresh answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenPair {
    /// A JWT for `Authorization: Bearer`, valid for `expires_in` seconds.
    pub access_token: String,
    /// Opaque; trade it at /api/v1/auth/refresh for a new pair. Works once.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_in: u64,
    pub user: UserSummary,
    /// The login this pair belongs to (revoked by logout); kept server-side only.
    #[serde(skip)]
    pub session: String,
}

/// The one answer for an unknown email and a wrong password, so neither reveals the other.
fn wrong_credentials() -> AppError {
    AppError::Unauthorized("email or password is wrong".into())
}

/// A right password: tokens, or (for an account with a second factor, and staff who must set
/// one up) a challenge to complete with a code.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginOutcome {
    Tokens(TokenPair),
    SecondFactor(MfaChallenge),
}

/// What a login answers when a code is needed; no tokens yet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MfaChallenge {
    /// Always true: complete with POST /api/v1/auth/mfa.
    pub mfa_required: bool,
    /// Staff without a second factor: fetch a secret with POST /api/v1/auth/mfa/enrolment,
    /// then complete with a code from it.
    pub mfa_enrolment_required: bool,
    /// Opaque, single use.
    pub challenge: String,
    /// Seconds the challenge stays valid.
    pub expires_in: u64,
}

/// Checks the password and opens a login, or a challenge for the second factor. Rate-limited
/// per client address and per email; an unknown email costs the same argon2 time as a wrong
/// password.
pub async fn log_in(
    state: &AppState,
    client: Option<IpAddr>,
    email: &str,
    password: String,
) -> Result<LoginOutcome, AppError> {
    state.login_limiter.check(client, email).await?;
    let email = email.to_string();
    let looked_up = email.clone();
    let found = state.db.read(move |conn| Ok(user::find_by_email(conn, &looked_up)?)).await?;
    let stored_hash = found.as_ref().map(|u| u.password_hash.clone());
    let matches = actix_web::web::block(move || {
        let hash = stored_hash.as_deref().unwrap_or_else(|| password::dummy_hash());
        password::verify_password(&password, hash)
    })
    .await
    .context("verifying a password")?;
    let ip = client.map(|c| c.to_string());
    let user = match found {
        Some(user) if matches => user,
        found => {
            let (typed, ip) = (email.clone(), ip.clone());
            state
                .db
                .write(move |conn| {
                    let failed = NewSecurityEvent {
                        kind: SecurityEventKind::LoginFailed,
                        user_id: found.map(|u| u.id),
                        email: Some(&typed),
                        client_ip: ip.as_deref(),
                        detail: None,
                        created_at: db_time(Utc::now()),
                    };
                    Ok(security_event::record(conn, &failed)?)
                })
                .await?;
            return Err(wrong_credentials());
        }
    };
    check_may_log_in(&user)?;
    let (keys, lifetimes) = (state.keys.clone(), state.token_lifetimes());
    state
        .db
        .write(move |conn| {
            let now = Utc::now();
            let enrolled = mfa_factors::is_enrolled(conn, user.id)?;
            if enrolled || mfa::required_for(user.role()) {
                let challenge = mfa::open_challenge(conn, user.id, !enrolled, now)?;
                return Ok(LoginOutcome::SecondFactor(MfaChallenge {
                    mfa_required: true,
                    mfa_enrolment_required: !enrolled,
                    challenge,
                    expires_in: mfa::CHALLENGE_TTL_S as u64,
                }));
            }
            record_sign_in(conn, user.id, ip.as_deref(), now)?;
            Ok(LoginOutcome::Tokens(start(conn, &keys, &user, lifetimes, now)?))
        })
        .await
}

fn record_sign_in(conn: &mut DbConn, user: UserId, ip: Option<&str>, now: DateTime<Utc>) -> Result<(), AppError> {
    let signed_in = NewSecurityEvent {
        client_ip: ip,
        ..NewSecurityEvent::about(SecurityEventKind::LoginSucceeded, user, db_time(now))
    };
    security_event::record(conn, &signed_in)?;
    Ok(())
}

/// A completed second factor: the token pair, and the recovery codes when this completed an
/// enrolment (shown once).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MfaCompleted {
    #[serde(flatten)]
    pub pair: TokenPair,
    /// Present only when this completed an enrolment: ten single-use codes, shown only now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
}

/// What presenting a code did; a wrong code is counted (committed), so it is a value.
enum CodeOutcome {
    Completed(MfaCompleted),
    Refused(&'static str),
}

/// Completes a challenge with a TOTP code or a recovery code (a TOTP code from the new secret
/// for an enrolment). Rate-limited per client address and per account.
pub async fn complete_mfa(
    state: &AppState,
    client: Option<IpAddr>,
    challenge: String,
    code: String,
) -> Result<MfaCompleted, AppError> {
    let now = Utc::now();
    let lookup = challenge.clone();
    let pending = state.db.read(move |conn| mfa::live_challenge(conn, &lookup, now)).await?;
    state.login_limiter.check_code(client, pending.user_id).await?;
    let (keys, lifetimes, data_key) = (state.keys.clone(), state.token_lifetimes(), state.data_key.clone());
    let ip = client.map(|c| c.to_string());
    let outcome = state
        .db
        .write(move |conn| {
            let now = Utc::now();
            let pending = mfa::live_challenge(conn, &challenge, now)?;
            let user = user::find(conn, pending.user_id)?.ok_or_else(wrong_credentials)?;
            check_may_log_in(&user)?;
            let checked = mfa::check_code(conn, &data_key, &user, &code, pending.enrolment, now)?;
            let refusal = match checked {
                mfa::CodeCheck::Wrong => Some("that code is not right"),
                mfa::CodeCheck::Replayed => Some("that code was used already: wait for the next one"),
                _ => None,
            };
            if let Some(refusal) = refusal {
                if mfa_factors::count_failure(conn, pending.id)? >= mfa::MAX_FAILED_CODES {
                    mfa_factors::spend_challenge(conn, pending.id, db_time(now))?;
                }
                let failed = NewSecurityEvent {
                    client_ip: ip.as_deref(),
                    detail: Some(refusal),
                    ..NewSecurityEvent::about(SecurityEventKind::MfaFailed, user.id, db_time(now))
                };
                security_event::record(conn, &failed)?;
                return Ok(CodeOutcome::Refused(refusal));
            }
            if !mfa_factors::spend_challenge(conn, pending.id, db_time(now))? {
                return Err(AppError::Unauthorized("this sign-in was completed already".into()));
            }
            let recovery_codes = if pending.enrolment {
                let codes = mfa::confirm_enrolment(conn, user.id, now)?;
                security_event::record(
                    conn,
                    &NewSecurityEvent::about(SecurityEventKind::MfaEnrolled, user.id, db_time(now)),
                )?;
                Some(codes)
            } else {
                None
            };
            if checked == mfa::CodeCheck::AcceptedRecoveryCode {
                let used = NewSecurityEvent::about(SecurityEventKind::RecoveryCodeUsed, user.id, db_time(now));
                security_event::record(conn, &used)?;
            }
            record_sign_in(conn, user.id, ip.as_deref(), now)?;
            let pair = start(conn, &keys, &user, lifetimes, now)?;
            Ok(CodeOutcome::Completed(MfaCompleted { pair, recovery_codes }))
        })
        .await?;
    match outcome {
        CodeOutcome::Completed(done) => Ok(done),
        CodeOutcome::Refused(message) => Err(AppError::Unauthorized(message.into())),
    }
}

/// Starts the forced enrolment of a challenge's account: a new secret to scan.
pub async fn begin_challenge_enrolment(state: &AppState, challenge: String) -> Result<mfa::Enrolment, AppError> {
    let data_key = state.data_key.clone();
    state
        .db
        .write(move |conn| {
            let now = Utc::now();
            let pending = mfa::live_challenge(conn, &challenge, now)?;
            if !pending.enrolment {
                return Err(AppError::Conflict("this account has a second factor already: enter a code".into()));
            }
            let user = user::find(conn, pending.user_id)?.ok_or_else(wrong_credentials)?;
            mfa::begin_enrolment(conn, &data_key, &user, now)
        })
        .await
}

/// Agents log in only once they have confirmed their email address.
fn check_may_log_in(user: &user::User) -> Result<(), AppError> {
    if user.status == user::status::PENDING_VERIFICATION {
        return Err(AppError::Forbidden("confirm your email address first: follow the link we sent you".into()));
    }
    Ok(())
}

/// Opens a new login for `user`: a new family with its first refresh token.
pub fn start(
    conn: &mut DbConn,
    keys: &tokens::JwtKeys,
    user: &user::User,
    lifetimes: TokenLifetimes,
    now: DateTime<Utc>,
) -> Result<TokenPair, AppError> {
    let family = tokens::random_token();
    user::record_login(conn, user.id, db_time(now))?;
    issue(conn, keys, user, &family, lifetimes, now)
}

/// Issues an access token and the family's next refresh token.
fn issue(
    conn: &mut DbConn,
    keys: &tokens::JwtKeys,
    user: &user::User,
    family: &str,
    lifetimes: TokenLifetimes,
    now: DateTime<Utc>,
) -> Result<TokenPair, AppError> {
    let refresh = tokens::random_token();
    refresh_token::insert(
        conn,
        &refresh_token::NewRefreshToken {
            user_id: user.id,
            family,
            token_hash: &tokens::token_hash(&refresh),
            created_at: db_time(now),
            expires_at: db_time(now + Duration::seconds(lifetimes.refresh_s as i64)),
        },
    )?;
    let access = keys.issue(user.id, user.role(), family, now, lifetimes.access_s)?;
    Ok(TokenPair {
        access_token: access,
        refresh_token: refresh,
        token_type: "Bearer".into(),
        expires_in: lifetimes.access_s,
        user: UserSummary { id: user.id, role: user.role(), email: user.email.clone() },
        session: family.to_string(),
    })
}

/// The result of presenting a refresh token. A refusal may have revoked the login, which must
/// be committed, so it is a value rather than an error.
#[derive(Debug)]
pub enum Refreshed {
    Rotated(TokenPair),
    Refused,
}

/// Spends `presented` and issues the next pair. A token spent before is reuse and revokes the
/// whole login, unless it was spent less than `reuse_grace` ago: browsers fire parallel
/// requests with the same cookie, and the loser of that race should not log its user out.
pub fn rotate(
    conn: &mut DbConn,
    keys: &tokens::JwtKeys,
    presented: &str,
    lifetimes: TokenLifetimes,
    now: DateTime<Utc>,
    reuse_grace: Duration,
) -> Result<Refreshed, AppError> {
    let Some(token) = refresh_token::find_by_hash(conn, &tokens::token_hash(presented))? else {
        return Ok(Refreshed::Refused);
    };
    if token.revoked_at.is_some() || token.expires_at <= db_time(now) {
        return Ok(Refreshed::Refused);
    }
    let spent_now = token.used_at.is_none() && refresh_token::spend(conn, token.id, db_time(now))?;
    if !spent_now {
        let recently = token.used_at.is_some_and(|at| db_time(now) - at < reuse_grace);
        if !recently {
            tracing::warn!(user_id = %token.user_id, "a spent refresh token was presented again; revoking its login");
            refresh_token::revoke_family(conn, token.user_id, &token.family, db_time(now))?;
            let reused = NewSecurityEvent::about(SecurityEventKind::RefreshTokenReused, token.user_id, db_time(now));
            security_event::record(conn, &reused)?;
        }
        return Ok(Refreshed::Refused);
    }
    let owner = user::find(conn, token.user_id)?;
    match owner {
        Some(owner) if check_may_log_in(&owner).is_ok() => {
            Ok(Refreshed::Rotated(issue(conn, keys, &owner, &token.family, lifetimes, now)?))
        }
        _ => {
            refresh_token::revoke_family(conn, token.user_id, &token.family, db_time(now))?;
            Ok(Refreshed::Refused)
        }
    }
}

/// Ends a login: none of its refresh or access tokens work any more.
pub fn end(conn: &mut DbConn, user: UserId, session: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    refresh_token::revoke_family(conn, user, session, db_time(now))?;
    security_event::record(conn, &NewSecurityEvent::about(SecurityEventKind::Logout, user, db_time(now)))?;
    Ok(())
}
