//! GET and PATCH /api/v1/me: the agent's own profile.

use actix_web::{HttpResponse, get, patch, web};
use chrono::Utc;

use crate::auth::AgentUser;
use crate::error::{AppError, AppResult, Problem};
use crate::ids::AgentId;
use crate::recruiting::{input::ProfileChanges, profile};
use crate::routes::json::ApiJson;
use crate::startup::AppState;

async fn current_profile(state: &AppState, id: AgentId) -> AppResult<profile::AgentProfile> {
    state
        .db
        .read(move |conn| profile::load(conn, id, Utc::now()))
        .await?
        .ok_or_else(|| AppError::NotFound("no agent profile for this account".into()))
}

/// The calling agent's profile.
#[utoipa::path(
    tag = "agents",
    security(("bearer" = [])),
    responses((status = 200, body = profile::AgentProfile), (status = 401, body = Problem), (status = 403, description = "Not an agent", body = Problem))
)]
#[get("/api/v1/me")]
pub async fn show(agent: AgentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(current_profile(&state, agent.id()).await?))
}

/// Change languages, skills, location, time zone or name. A new location places the agent
/// in a country and region again.
#[utoipa::path(
    tag = "agents",
    security(("bearer" = [])),
    request_body = ProfileChanges,
    responses((status = 200, body = profile::AgentProfile), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem))
)]
#[patch("/api/v1/me")]
pub async fn update(
    agent: AgentUser,
    state: web::Data<AppState>,
    body: ApiJson<ProfileChanges>,
) -> AppResult<HttpResponse> {
    let (id, changes) = (agent.id(), body.0);
    state.db.write(move |conn| profile::update(conn, id, &changes, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(current_profile(&state, id).await?))
}
