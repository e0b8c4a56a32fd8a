//! POST /api/v1/auth/password-reset, /api/v1/auth/password-reset/complete and
//! /api/v1/me/password: getting back in by email, and changing a password (`auth::password_reset`).

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::password::MIN_PASSWORD_LEN;
use crate::auth::{CurrentUser, accounts, password_reset};
use crate::error::{AppResult, Problem};
use crate::routes::json::ApiJson;
use crate::startup::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ResetRequest {
    #[validate(length(min = 1, max = 254))]
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
}

/// Ask for a password reset link. Always 202, whether or not the address has an account.
#[utoipa::path(
    tag = "accounts",
    request_body = ResetRequest,
    responses(
        (status = 202, description = "If the address has an account, a single-use link (valid one hour) is on its way"),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem),
    )
)]
#[post("/api/v1/auth/password-reset")]
pub async fn request_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<ResetRequest>,
) -> AppResult<HttpResponse> {
    let email = body.0.email;
    state.login_limiter.check(req.peer_addr().map(|a| a.ip()), &email).await?;
    let public_url = state.settings.public_url();
    state.db.write(move |conn| password_reset::request(conn, &email, &public_url, Utc::now())).await?;
    state.mail_queued();
    Ok(HttpResponse::Accepted().json(json!({"status": "if the address has an account, a reset link is on its way"})))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CompleteResetRequest {
    /// The token from the emailed link.
    #[validate(length(min = 1, max = 512))]
    #[schema(min_length = 1, max_length = 512)]
    pub token: String,
    #[validate(length(min = MIN_PASSWORD_LEN, max = 1024))]
    #[schema(min_length = 10, max_length = 1024)]
    pub new_password: String,
}

/// Set a new password with an emailed reset link. The link works once; every login of the
/// account ends, and nothing signs in (log in with the new password).
#[utoipa::path(
    tag = "accounts",
    request_body = CompleteResetRequest,
    responses(
        (status = 204, description = "Password set; every login of the account has ended"),
        (status = 422, description = "The link is unknown, used or expired (field `token`), or the password is too short", body = Problem),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem),
    )
)]
#[post("/api/v1/auth/password-reset/complete")]
pub async fn complete_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<CompleteResetRequest>,
) -> AppResult<HttpResponse> {
    let ApiJson(CompleteResetRequest { token, new_password }) = body;
    state.login_limiter.check_client(req.peer_addr().map(|a| a.ip())).await?;
    let hash = accounts::hash_off_thread(new_password).await?;
    state.db.write(move |conn| password_reset::complete(conn, &token, &hash, Utc::now())).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ChangePasswordRequest {
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub current_password: String,
    #[validate(length(min = MIN_PASSWORD_LEN, max = 1024))]
    #[schema(min_length = 10, max_length = 1024)]
    pub new_password: String,
}

/// Change your password. Every login of yours ends, this one too: log in again with the new
/// password.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Password changed; every login has ended"),
        (status = 401, description = "Not logged in", body = Problem),
        (status = 403, description = "Service accounts have no password", body = Problem),
        (status = 422, description = "The current password is wrong (field `current_password`), or the new one too short", body = Problem),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem),
    )
)]
#[post("/api/v1/me/password")]
pub async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    person: CurrentUser,
    body: ApiJson<ChangePasswordRequest>,
) -> AppResult<HttpResponse> {
    let ApiJson(ChangePasswordRequest { current_password, new_password }) = body;
    let client = req.peer_addr().map(|a| a.ip());
    password_reset::change(&state, client, person.id, current_password, new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}
