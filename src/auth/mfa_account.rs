//! A signed-in person's own second factor, shared by the API (`/api/v1/me/mfa…`) and the
//! account page: starting an enrolment, and the actions a code unlocks (confirming it, new
//! recovery codes, removing it).

use chrono::Utc;

use super::{CurrentUser, mfa};
use crate::error::AppError;
use crate::ids::UserId;
use crate::models::security_event::{self, NewSecurityEvent, SecurityEventKind};
use crate::models::{db_time, mfa as factors, user};
use crate::startup::AppState;

/// Starts setting up a second factor for `person`: a new secret; 409 when one is on.
pub async fn begin(state: &AppState, person: UserId) -> Result<mfa::Enrolment, AppError> {
    let key = state.data_key.clone();
    state
        .db
        .write(move |conn| {
            let found = user::find(conn, person)?.ok_or_else(|| AppError::NotFound("account".into()))?;
            mfa::begin_enrolment(conn, &key, &found, Utc::now())
        })
        .await
}

/// Which check a code must pass, and what it does once passed.
#[derive(Debug, Clone, Copy)]
pub enum CodeUse {
    ConfirmEnrolment,
    RenewRecoveryCodes,
    Remove,
}

/// Checks `code` for the signed-in person (counted against the code budget) and does `what`;
/// answers the new recovery codes where `what` makes some. Staff may not remove theirs.
pub async fn use_code(
    state: &AppState,
    me: &CurrentUser,
    code: String,
    what: CodeUse,
) -> Result<Option<Vec<String>>, AppError> {
    if matches!(what, CodeUse::Remove) && mfa::required_for(me.role) {
        return Err(AppError::Forbidden("staff and admins must keep a second factor".into()));
    }
    state.login_limiter.check_code(None, me.id).await?;
    let me = me.clone();
    let key = state.data_key.clone();
    state
        .db
        .write(move |conn| {
            let now = Utc::now();
            let person = user::find(conn, me.id)?.ok_or_else(|| AppError::NotFound("account".into()))?;
            let enrolling = matches!(what, CodeUse::ConfirmEnrolment);
            match mfa::check_code(conn, &key, &person, &code, enrolling, now)? {
                mfa::CodeCheck::Accepted | mfa::CodeCheck::AcceptedRecoveryCode => {}
                refused => {
                    let message = if refused == mfa::CodeCheck::Replayed {
                        "that code was used already: wait for the next one"
                    } else {
                        "that code is not right"
                    };
                    return Err(AppError::invalid("code", message));
                }
            }
            let (kind, codes) = match what {
                CodeUse::ConfirmEnrolment => {
                    (SecurityEventKind::MfaEnrolled, Some(mfa::confirm_enrolment(conn, me.id, now)?))
                }
                CodeUse::RenewRecoveryCodes => {
                    (SecurityEventKind::RecoveryCodesRenewed, Some(mfa::new_recovery_codes(conn, me.id, now)?))
                }
                CodeUse::Remove => {
                    factors::remove(conn, me.id)?;
                    (SecurityEventKind::MfaRemoved, None)
                }
            };
            security_event::record(conn, &NewSecurityEvent::about(kind, me.id, db_time(now)))?;
            Ok(codes)
        })
        .await
}
