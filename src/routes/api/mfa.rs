//! A signed-in person's second factor (GET/POST /api/v1/me/mfa…), and an admin's reset of
//! someone else's (DELETE /api/v1/admin/users/{id}/mfa). Logins with a code are in `auth`.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::mfa_account::{self, CodeUse};
use crate::auth::{AdminUser, CurrentUser, mfa};
use crate::error::{AppError, AppResult, Problem};
use crate::ids::UserId;
use crate::models::security_event::{self, NewSecurityEvent, SecurityEventKind};
use crate::models::{db_time, mfa as factors, refresh_token};
use crate::routes::json::ApiJson;
use crate::startup::AppState;

/// Where a person's second factor stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct MfaStatus {
    pub enrolled: bool,
    /// Staff and admins must keep one; agents choose.
    pub required: bool,
    pub recovery_codes_left: i64,
}

/// Whether I have a second factor.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses((status = 200, body = MfaStatus), (status = 401, body = Problem))
)]
#[get("/api/v1/me/mfa")]
pub async fn status(state: web::Data<AppState>, me: CurrentUser) -> AppResult<HttpResponse> {
    let (enrolled, left) = state
        .db
        .read(move |conn| Ok((factors::is_enrolled(conn, me.id)?, factors::recovery_codes_left(conn, me.id)?)))
        .await?;
    Ok(HttpResponse::Ok().json(MfaStatus { enrolled, required: mfa::required_for(me.role), recovery_codes_left: left }))
}

/// Start setting up a second factor: a new secret to add to an authenticator app, then confirm
/// with a code at /api/v1/me/mfa/confirm.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, body = mfa::Enrolment),
        (status = 401, body = Problem),
        (status = 409, description = "A second factor is set up already", body = Problem),
    )
)]
#[post("/api/v1/me/mfa")]
pub async fn begin(state: web::Data<AppState>, me: CurrentUser) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(mfa_account::begin(&state, me.id).await?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CodeRequest {
    /// Six digits from the authenticator app.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub code: String,
}

/// Ten single-use recovery codes, shown only now.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// Confirm the second factor being set up with a first code; answers the recovery codes.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = CodeRequest,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 401, body = Problem),
        (status = 422, description = "Wrong or used code, or no set-up under way (field `code`)", body = Problem),
        (status = 429, description = "Too many codes; see Retry-After", body = Problem),
    )
)]
#[post("/api/v1/me/mfa/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    me: CurrentUser,
    body: ApiJson<CodeRequest>,
) -> AppResult<HttpResponse> {
    let codes = mfa_account::use_code(&state, &me, body.0.code, CodeUse::ConfirmEnrolment).await?.unwrap_or_default();
    Ok(HttpResponse::Ok().json(RecoveryCodes { recovery_codes: codes }))
}

/// Replace my recovery codes with ten new ones (the old ones stop working).
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = CodeRequest,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 401, body = Problem),
        (status = 422, description = "Wrong or used code (field `code`)", body = Problem),
        (status = 429, description = "Too many codes; see Retry-After", body = Problem),
    )
)]
#[post("/api/v1/me/mfa/recovery-codes")]
pub async fn renew_recovery_codes(
    state: web::Data<AppState>,
    me: CurrentUser,
    body: ApiJson<CodeRequest>,
) -> AppResult<HttpResponse> {
    let codes = mfa_account::use_code(&state, &me, body.0.code, CodeUse::RenewRecoveryCodes).await?.unwrap_or_default();
    Ok(HttpResponse::Ok().json(RecoveryCodes { recovery_codes: codes }))
}

/// Remove my second factor (agents only: staff must keep one).
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = CodeRequest,
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = Problem),
        (status = 403, description = "Staff and admins must keep a second factor", body = Problem),
        (status = 422, description = "Wrong or used code (field `code`)", body = Problem),
        (status = 429, description = "Too many codes; see Retry-After", body = Problem),
    )
)]
#[post("/api/v1/me/mfa/remove")]
pub async fn remove(
    state: web::Data<AppState>,
    me: CurrentUser,
    body: ApiJson<CodeRequest>,
) -> AppResult<HttpResponse> {
    mfa_account::use_code(&state, &me, body.0.code, CodeUse::Remove).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Remove someone's second factor (a lost phone): every login of theirs ends, and staff enrol
/// again at their next login. Admins only; audited.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The account's user id")),
    responses(
        (status = 204, description = "Removed; their logins have ended"),
        (status = 401, body = Problem),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such account, or it has no second factor", body = Problem),
    )
)]
#[delete("/api/v1/admin/users/{id}/mfa")]
pub async fn reset(state: web::Data<AppState>, admin: AdminUser, path: web::Path<i64>) -> AppResult<HttpResponse> {
    let target = UserId(path.into_inner());
    state
        .db
        .write(move |conn| {
            let now = db_time(Utc::now());
            if !factors::remove(conn, target)? {
                return Err(AppError::NotFound("an account with a second factor".into()));
            }
            refresh_token::revoke_all(conn, target, now)?;
            let detail = format!("by admin {}", admin.0.id);
            let event = NewSecurityEvent {
                detail: Some(&detail),
                ..NewSecurityEvent::about(SecurityEventKind::MfaReset, target, now)
            };
            security_event::record(conn, &event)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
