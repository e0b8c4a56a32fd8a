//! POST /api/v1/auth/login, /refresh, /logout.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{Duration, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{CurrentUser, mfa::Enrolment, session};
use crate::error::{AppError, AppResult, Problem};
use crate::routes::json::ApiJson;
use crate::startup::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 254))]
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

/// Log in with email and password.
#[utoipa::path(
    tag = "accounts",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A token pair; or, for an account with a second factor (and staff, who must \
            set one up), a challenge to complete at /api/v1/auth/mfa and no tokens", body = session::LoginOutcome),
        (status = 401, description = "Unknown email or wrong password (one message for both)", body = Problem),
        (status = 403, description = "Email not confirmed yet", body = Problem),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem),
    )
)]
#[post("/api/v1/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<LoginRequest>,
) -> AppResult<HttpResponse> {
    let ApiJson(LoginRequest { email, password }) = body;
    let client = req.peer_addr().map(|a| a.ip());
    let outcome = session::log_in(&state, client, &email, password).await?;
    Ok(HttpResponse::Ok().json(outcome))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct MfaRequest {
    /// From the login's answer.
    #[validate(length(min = 1, max = 512))]
    #[schema(min_length = 1, max_length = 512)]
    pub challenge: String,
    /// Six digits from the authenticator app, or a recovery code (`ABCD-EFGH-JKLM-NPQR`).
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub code: String,
}

/// Complete a login with a second-factor code: the usual token pair (and, when this completed
/// an enrolment, the recovery codes, shown only now). A challenge takes five wrong codes.
#[utoipa::path(
    tag = "accounts",
    request_body = MfaRequest,
    responses(
        (status = 200, description = "A token pair", body = session::MfaCompleted),
        (status = 401, description = "Wrong or replayed code, or an expired, spent or burnt challenge", body = Problem),
        (status = 429, description = "Too many codes; see Retry-After", body = Problem),
    )
)]
#[post("/api/v1/auth/mfa")]
pub async fn complete_mfa(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<MfaRequest>,
) -> AppResult<HttpResponse> {
    let ApiJson(MfaRequest { challenge, code }) = body;
    let client = req.peer_addr().map(|a| a.ip());
    let done = session::complete_mfa(&state, client, challenge, code).await?;
    Ok(HttpResponse::Ok().json(done))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct EnrolmentRequest {
    #[validate(length(min = 1, max = 512))]
    #[schema(min_length = 1, max_length = 512)]
    pub challenge: String,
}

/// For staff signing in without a second factor (`mfa_enrolment_required`): a new TOTP secret,
/// as a QR code and typed. Complete the login with a code from it at /api/v1/auth/mfa.
#[utoipa::path(
    tag = "accounts",
    request_body = EnrolmentRequest,
    responses(
        (status = 200, description = "The secret to add to an authenticator app", body = Enrolment),
        (status = 401, description = "An expired, spent or burnt challenge", body = Problem),
        (status = 409, description = "Not an enrolment challenge", body = Problem),
    )
)]
#[post("/api/v1/auth/mfa/enrolment")]
pub async fn mfa_enrolment(state: web::Data<AppState>, body: ApiJson<EnrolmentRequest>) -> AppResult<HttpResponse> {
    let enrolment = session::begin_challenge_enrolment(&state, body.0.challenge).await?;
    Ok(HttpResponse::Ok().json(enrolment))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 512))]
    #[schema(min_length = 1, max_length = 512)]
    pub refresh_token: String,
}

/// Trade a refresh token for a new pair. The old one stops working; presenting a spent one
/// revokes the whole login.
#[utoipa::path(
    tag = "accounts",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = session::TokenPair),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = Problem),
    )
)]
#[post("/api/v1/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, body: ApiJson<RefreshRequest>) -> AppResult<HttpResponse> {
    let presented = body.0.refresh_token;
    let (keys, lifetimes) = (state.keys.clone(), state.token_lifetimes());
    let outcome = state
        .db
        .write(move |conn| session::rotate(conn, &keys, &presented, lifetimes, Utc::now(), Duration::zero()))
        .await?;
    match outcome {
        session::Refreshed::Rotated(pair) => Ok(HttpResponse::Ok().json(pair)),
        session::Refreshed::Refused => {
            Err(AppError::Unauthorized("this refresh token is not valid; log in again".into()))
        }
    }
}

/// Log out: the login's refresh and access tokens stop working at once, on every instance.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Not logged in", body = Problem),
    )
)]
#[post("/api/v1/auth/logout")]
pub async fn logout(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    state.db.write(move |conn| session::end(conn, user.id, &user.session, Utc::now())).await?;
    Ok(HttpResponse::NoContent().finish())
}
