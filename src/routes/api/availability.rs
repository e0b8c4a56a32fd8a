//! The agent's working conditions: availability, presence and heartbeat, capacity, rates.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};

use utoipa::ToSchema;
use validator::Validate;

use crate::auth::AgentUser;
use crate::availability::{input, presence, rates, store};
use crate::commands;
use crate::error::{AppResult, Problem};
use crate::routes::json::ApiJson;
use crate::startup::AppState;

/// The agent's weekly availability and exceptions, with the next occurrences in UTC.
#[utoipa::path(tag = "agents", security(("bearer" = [])),
    responses((status = 200, body = input::AvailabilityView), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/me/availability")]
pub async fn show_availability(agent: AgentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let id = agent.id();
    let schedule = state.db.read(move |conn| store::load(conn, id)).await?;
    Ok(HttpResponse::Ok().json(input::view(&schedule, Utc::now())))
}

/// Replace the weekly availability and exceptions (times in the agent's time zone). Overlapping
/// weekly slots are refused with 422 naming both.
#[utoipa::path(tag = "agents", security(("bearer" = [])), request_body = input::AvailabilityInput,
    responses((status = 200, body = input::AvailabilityView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[put("/api/v1/me/availability")]
pub async fn replace_availability(
    agent: AgentUser,
    state: web::Data<AppState>,
    body: ApiJson<input::AvailabilityInput>,
) -> AppResult<HttpResponse> {
    let (weekly, exceptions) = input::parse(&body.0)?;
    let id = agent.id();
    let schedule = state
        .db
        .write(move |conn| {
            store::save(conn, id, &weekly, &exceptions)?;
            store::load(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(input::view(&schedule, Utc::now())))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct PresenceRequest {
    pub status: presence::Presence,
}

/// Go online, away or offline. 409 unless the account is active.
#[utoipa::path(tag = "agents", security(("bearer" = [])), request_body = PresenceRequest,
    responses((status = 200, body = presence::PresenceState), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, description = "The account is not active", body = Problem)))]
#[put("/api/v1/me/presence")]
pub async fn set_presence(
    agent: AgentUser,
    state: web::Data<AppState>,
    body: ApiJson<PresenceRequest>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(commands::set_presence(&state, agent.id(), body.0.status, Utc::now()).await?))
}

/// Keep an online agent online (the event stream does this by being open).
#[utoipa::path(tag = "agents", security(("bearer" = [])),
    responses((status = 200, body = presence::PresenceState), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[post("/api/v1/me/heartbeat")]
pub async fn heartbeat(agent: AgentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let id = agent.id();
    let current = state
        .db
        .write(move |conn| {
            presence::heartbeat(conn, id, Utc::now())?;
            presence::current(conn, id, Utc::now())
        })
        .await?;
    Ok(HttpResponse::Ok().json(current))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CapacityRequest {
    /// From 1 to the staff limit (HANDOFF_MAX_CONCURRENT_LIMIT, 3 by default).
    pub max_concurrent: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Capacity {
    pub max_concurrent: i32,
    pub limit: u32,
}

/// How many conversations the agent takes at once.
#[utoipa::path(tag = "agents", security(("bearer" = [])), request_body = CapacityRequest,
    responses((status = 200, body = Capacity), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[put("/api/v1/me/capacity")]
pub async fn set_capacity(
    agent: AgentUser,
    state: web::Data<AppState>,
    body: ApiJson<CapacityRequest>,
) -> AppResult<HttpResponse> {
    let wanted = body.0.max_concurrent;
    let limit = commands::set_capacity(&state, agent.id(), wanted).await?;
    Ok(HttpResponse::Ok().json(Capacity { max_concurrent: wanted, limit }))
}

/// Set new rates from now or a later instant. 422 with the allowed range when outside the
/// staff pay bands for the agent's skills.
#[utoipa::path(tag = "agents", security(("bearer" = [])), request_body = rates::RateChange,
    responses((status = 200, body = rates::RateView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[put("/api/v1/me/rates")]
pub async fn set_rates(
    agent: AgentUser,
    state: web::Data<AppState>,
    body: ApiJson<rates::RateChange>,
) -> AppResult<HttpResponse> {
    let (id, change) = (agent.id(), body.0);
    let view = state.db.write(move |conn| rates::change(conn, id, &change, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Every rate the agent has had or scheduled, newest first.
#[utoipa::path(tag = "agents", security(("bearer" = [])),
    responses((status = 200, body = Vec<rates::RateView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/me/rates")]
pub async fn rate_history(agent: AgentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let id = agent.id();
    Ok(HttpResponse::Ok().json(state.db.read(move |conn| rates::history(conn, id, Utc::now())).await?))
}

/// The heartbeat silence after which an online agent is set away.
pub fn heartbeat_timeout(state: &AppState) -> Duration {
    Duration::seconds(state.settings.heartbeat_timeout_s as i64)
}
