//! POST /api/v1/auth/login, /refresh, /logout.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{Duration, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{CurrentUser, session};
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
        (status = 200, description = "A token pair", body = session::TokenPair),
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
    let pair = session::log_in(&state, client, &email, password).await?;
    Ok(HttpResponse::Ok().json(pair))
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
