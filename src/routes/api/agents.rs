//! POST /api/v1/agents (apply), /api/v1/agents/verify, /api/v1/agents/verify/resend.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::accounts::hash_off_thread;
use crate::error::{AppResult, Problem};
use crate::ids::AgentId;
use crate::recruiting::{input::Registration, register};
use crate::routes::json::ApiJson;
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Applied {
    #[schema(value_type = i64)]
    pub id: AgentId,
    /// Always `pending_verification`: a confirmation email is on its way.
    pub status: String,
}

/// Apply to work as an agent. A confirmation email goes out at once.
#[utoipa::path(
    tag = "recruiting",
    request_body = Registration,
    responses(
        (status = 201, description = "Application recorded; confirmation email queued", body = Applied),
        (status = 409, description = "The email address cannot be used", body = Problem),
        (status = 422, description = "Fields at fault are listed", body = Problem),
        (status = 429, description = "Too many applications from this address", body = Problem),
    )
)]
#[post("/api/v1/agents")]
pub async fn apply(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<Registration>,
) -> AppResult<HttpResponse> {
    state.registration_limiter.check(req.peer_addr().map(|a| a.ip())).await?;
    let id = submit_application(&state, body.0).await?;
    Ok(HttpResponse::Created().json(Applied { id, status: "pending_verification".into() }))
}

/// Records a validated application (shared with the /register page).
pub async fn submit_application(state: &AppState, application: Registration) -> AppResult<AgentId> {
    let hash = hash_off_thread(application.password.clone()).await?;
    let links = state.link_settings();
    let id = state.db.write(move |conn| register::register(conn, &application, &hash, &links, Utc::now())).await?;
    state.mail_queued();
    Ok(id)
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct VerifyRequest {
    /// The `token` of the link in the confirmation email.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
}

/// Confirm an email address with the token from the link.
#[utoipa::path(
    tag = "recruiting",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "Confirmed; the application awaits review", body = Object, example = json!({"status": "pending_review"})),
        (status = 409, description = "The link was used already", body = Problem),
        (status = 422, description = "The link is not valid or has expired", body = Problem),
    )
)]
#[post("/api/v1/agents/verify")]
pub async fn verify(state: web::Data<AppState>, body: ApiJson<VerifyRequest>) -> AppResult<HttpResponse> {
    let token = body.0.token;
    let status = state.db.write(move |conn| register::verify(conn, &token, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(json!({ "status": status })))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ResendRequest {
    #[validate(length(min = 1, max = 254))]
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
}

/// Send a new confirmation link. Always 202, whether or not the address applied.
#[utoipa::path(
    tag = "recruiting",
    request_body = ResendRequest,
    responses((status = 202, description = "If the address awaits confirmation, a new link is on its way"), (status = 429, body = Problem))
)]
#[post("/api/v1/agents/verify/resend")]
pub async fn resend(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<ResendRequest>,
) -> AppResult<HttpResponse> {
    state.registration_limiter.check(req.peer_addr().map(|a| a.ip())).await?;
    let (email, links) = (body.0.email, state.link_settings());
    state.db.write(move |conn| register::resend_verification(conn, &email, &links, Utc::now())).await?;
    state.mail_queued();
    Ok(HttpResponse::Accepted().finish())
}
