//! The second factor: TOTP (RFC 6238: six digits, 30-second steps, SHA-1 as every
//! authenticator app expects), enrolment with a QR code drawn here as SVG, ten single-use
//! recovery codes stored as hashes, and the login challenges that wait for a code.
//!
//! Rules owned here:
//! - staff and admins must have a second factor (enrolment is forced at their next login);
//!   agents may add one;
//! - a code is accepted for one step either side of now (clock drift), and never twice: the
//!   factor keeps the last step used and a code must be for a later one (the guard is one
//!   conditional update, so it holds across instances);
//! - a challenge lives five minutes, is spent by its first right code and burnt after five
//!   wrong ones; attempts are also rate-limited per account (`rate_limit::LoginLimiter`).

use chrono::{DateTime, Duration, Utc};
use qrcode::{QrCode, render::svg};
use serde::Serialize;
use totp_rs::{Builder, Secret, Totp};
use utoipa::ToSchema;

use super::data_key::{DataKey, Purpose};
use super::{Role, tokens};
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::UserId;
use crate::models::{db_time, mfa, user};

/// How long a password, once right, waits for its code.
pub const CHALLENGE_TTL_S: i64 = 300;
/// Wrong codes after which a challenge is burnt (the password must be entered again).
pub const MAX_FAILED_CODES: i32 = 5;
const RECOVERY_CODES: usize = 10;
/// Named in authenticator apps.
const ISSUER: &str = "Handoff";

/// Whether `role` must have a second factor to sign in.
pub fn required_for(role: Role) -> bool {
    role.is_staff()
}

/// What an authenticator app needs: the secret, as a QR code or typed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Enrolment {
    /// The TOTP secret in base32, for typing into an app that cannot scan.
    pub secret: String,
    /// The `otpauth://totp/...` URI the QR code carries.
    pub otpauth_uri: String,
    /// The QR code as an SVG document.
    pub qr_svg: String,
}

/// What a presented code turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Accepted,
    /// A recovery code, now spent.
    AcceptedRecoveryCode,
    Wrong,
    /// Right, but for a step already used: a replay (or a second login within 30 s).
    Replayed,
}

fn totp(secret: Vec<u8>, email: &str) -> Result<Totp, AppError> {
    Builder::new()
        .with_secret(Secret::from(secret))
        .with_issuer(Some(ISSUER))
        .with_account_name(email)
        .build()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("building a TOTP: {e}")))
}

fn enrolment_of(secret: Vec<u8>, email: &str) -> Result<Enrolment, AppError> {
    let generator = totp(secret.clone(), email)?;
    let otpauth_uri = generator.to_url().map_err(|e| AppError::Internal(anyhow::anyhow!("an otpauth URI: {e}")))?;
    let qr_svg = QrCode::new(otpauth_uri.as_bytes())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("a QR code: {e}")))?
        .render::<svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    // Inline in a page: the XML declaration has no place there.
    let qr_svg = qr_svg.trim_start_matches(|c| c != '>').trim_start_matches('>').trim_start().to_string();
    Ok(Enrolment { secret: Secret::from(secret).to_base32(), otpauth_uri, qr_svg })
}

/// Starts (or restarts) `user`'s enrolment with a new secret; 409 when already enrolled.
pub fn begin_enrolment(
    conn: &mut DbConn,
    key: &DataKey,
    user: &user::User,
    now: DateTime<Utc>,
) -> Result<Enrolment, AppError> {
    let mut secret = vec![0u8; 20];
    getrandom::fill(&mut secret).expect("the operating system provides randomness");
    let enrolment = enrolment_of(secret, &user.email)?;
    if !mfa::begin_enrolment(conn, user.id, &key.seal(Purpose::TotpSecret, &enrolment.secret), db_time(now))? {
        return Err(AppError::Conflict("a second factor is set up already; remove it first".into()));
    }
    Ok(enrolment)
}

/// The enrolment under way (unconfirmed), to show its QR code again.
pub fn pending_enrolment(conn: &mut DbConn, key: &DataKey, user: &user::User) -> Result<Option<Enrolment>, AppError> {
    match mfa::find_factor(conn, user.id)? {
        Some(factor) if factor.confirmed_at.is_none() => Ok(Some(enrolment_of(secret_of(key, &factor)?, &user.email)?)),
        _ => Ok(None),
    }
}

fn secret_of(key: &DataKey, factor: &mfa::Factor) -> Result<Vec<u8>, AppError> {
    let base32 = key.open(Purpose::TotpSecret, &factor.secret_sealed).map_err(anyhow::Error::new)?;
    Secret::try_from_base32(&base32)
        .map(|s| s.as_bytes().to_vec())
        .map_err(|_| AppError::Internal(anyhow::anyhow!("a stored TOTP secret is not base32")))
}

/// Checks a code against `user`'s factor (confirmed, or the one being enrolled when
/// `enrolling`); recovery codes count only for a confirmed factor.
pub fn check_code(
    conn: &mut DbConn,
    key: &DataKey,
    user: &user::User,
    code: &str,
    enrolling: bool,
    now: DateTime<Utc>,
) -> Result<CodeCheck, AppError> {
    let Some(factor) = mfa::find_factor(conn, user.id)? else {
        return Ok(CodeCheck::Wrong);
    };
    if factor.confirmed_at.is_some() == enrolling {
        return Ok(CodeCheck::Wrong);
    }
    let typed: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase();
    if typed.len() == 6 && typed.bytes().all(|b| b.is_ascii_digit()) {
        let generator = totp(secret_of(key, &factor)?, &user.email)?;
        return Ok(match generator.check(&typed, now.timestamp().max(0) as u64) {
            Some(step) if mfa::use_step(conn, user.id, step as i64)? => CodeCheck::Accepted,
            Some(_) => CodeCheck::Replayed,
            None => CodeCheck::Wrong,
        });
    }
    if !enrolling && mfa::spend_recovery_code(conn, user.id, &tokens::token_hash(&typed), db_time(now))? {
        return Ok(CodeCheck::AcceptedRecoveryCode);
    }
    Ok(CodeCheck::Wrong)
}

/// Confirms the enrolment under way and issues its recovery codes (shown once).
pub fn confirm_enrolment(conn: &mut DbConn, user: UserId, now: DateTime<Utc>) -> Result<Vec<String>, AppError> {
    mfa::confirm(conn, user, db_time(now))?;
    new_recovery_codes(conn, user, now)
}

/// Replaces `user`'s recovery codes with ten new ones, returned as typed (`ABCD-EFGH-JKLM-NPQR`).
pub fn new_recovery_codes(conn: &mut DbConn, user: UserId, now: DateTime<Utc>) -> Result<Vec<String>, AppError> {
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| tokens::token_hash(&c.replace('-', ""))).collect();
    mfa::replace_recovery_codes(conn, user, &hashes, db_time(now))?;
    Ok(codes)
}

/// 80 random bits as 16 base32 characters in groups of four.
fn recovery_code() -> String {
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    let text = Secret::from(bytes.to_vec()).to_base32();
    text.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

/// Opens a challenge for `user` (a right password waiting for its code); returns the token.
pub fn open_challenge(
    conn: &mut DbConn,
    user: UserId,
    enrolment: bool,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let token = tokens::random_token();
    mfa::insert_challenge(
        conn,
        &mfa::NewChallenge {
            token_hash: &tokens::token_hash(&token),
            user_id: user,
            enrolment,
            created_at: db_time(now),
            expires_at: db_time(now + Duration::seconds(CHALLENGE_TTL_S)),
        },
    )?;
    Ok(token)
}

/// The live challenge `token` names: unspent, unexpired, not burnt; 401 otherwise.
pub fn live_challenge(conn: &mut DbConn, token: &str, now: DateTime<Utc>) -> Result<mfa::Challenge, AppError> {
    match mfa::find_challenge(conn, &tokens::token_hash(token))? {
        Some(c) if c.used_at.is_none() && c.expires_at > db_time(now) && c.failed_attempts < MAX_FAILED_CODES => Ok(c),
        _ => Err(AppError::Unauthorized("this sign-in has expired: enter your email and password again".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enrolment_carries_a_scannable_uri_and_an_inline_svg() {
        let enrolment = enrolment_of(vec![7u8; 20], "ops@example.com").unwrap();
        assert!(enrolment.otpauth_uri.starts_with("otpauth://totp/Handoff:ops%40example.com?"));
        assert!(enrolment.otpauth_uri.contains(&format!("secret={}", enrolment.secret)));
        assert!(enrolment.qr_svg.starts_with("<svg"), "{}", &enrolment.qr_svg[..40]);
    }

    #[test]
    fn recovery_codes_are_grouped_base32_and_differ() {
        let (a, b) = (recovery_code(), recovery_code());
        assert_ne!(a, b);
        assert_eq!(a.len(), 19);
        assert!(a.split('-').all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())));
    }
}
