//! POST /api/v1/escalations, GET /api/v1/escalations/{id}, POST …/cancel.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Caller, ServiceClient};
use crate::commands;
use crate::dispatch::{intake, queue, view};
use crate::error::{AppError, AppResult, Problem};
use crate::ids::EscalationId;
use crate::models::escalation;
use crate::routes::json::ApiJson;
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    #[schema(value_type = i64)]
    pub id: EscalationId,
    pub state: String,
    pub eta_seconds: i64,
    pub queue_position: Option<i64>,
    /// The 80 % range around `eta_seconds` while waiting.
    pub eta_range_seconds: Option<[i32; 2]>,
    pub callback: bool,
}

fn idempotency_key(req: &HttpRequest) -> AppResult<Option<String>> {
    match req.headers().get("Idempotency-Key") {
        None => Ok(None),
        Some(value) => {
            let key = value.to_str().map_err(|_| AppError::invalid("Idempotency-Key", "must be visible ASCII"))?.trim();
            if key.is_empty() || key.len() > 200 {
                return Err(AppError::invalid("Idempotency-Key", "must be 1 to 200 characters"));
            }
            Ok(Some(key.to_string()))
        }
    }
}

/// Escalate a conversation to a human. Idempotent: the same `external_id` (or
/// `Idempotency-Key`) returns the same escalation with 200.
#[utoipa::path(tag = "escalations", security(("bearer" = [])), request_body = intake::EscalationInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key")),
    responses((status = 201, description = "Recorded; offered at once if someone can take it", body = Accepted),
        (status = 200, description = "A repeat: the escalation recorded before", body = Accepted),
        (status = 401, body = Problem), (status = 403, description = "Not a service account", body = Problem), (status = 422, body = Problem),
        (status = 503, description = "Past the service's ceiling, or its database is unavailable: nothing was recorded; try again after Retry-After", body = Problem)))]
#[post("/api/v1/escalations")]
pub async fn create(
    service: ServiceClient,
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<intake::EscalationInput>,
) -> AppResult<HttpResponse> {
    let key = idempotency_key(&req)?;
    let (found, created) = commands::escalate(&state, service.id, body.0, key, Utc::now()).await?;
    // Read again: the dispatcher's pass since the commit may have offered it and quoted its ETA.
    // (Only what the answer shows: not the whole view with its timeline.)
    let id = found.id;
    let body = state
        .db
        .read(move |conn| {
            let current = escalation::find(conn, id)?.ok_or_else(|| AppError::NotFound("escalation gone".into()))?;
            let contract = escalation::contract_of(conn, id)?;
            Ok(Accepted {
                id: current.id,
                state: current.state.to_string(),
                eta_seconds: view::eta_seconds(&current),
                queue_position: queue::position(conn, &current)?,
                eta_range_seconds: view::eta_range(&current, &contract),
                callback: contract.callback,
            })
        })
        .await?;
    Ok(if created { HttpResponse::Created().json(body) } else { HttpResponse::Ok().json(body) })
}

/// Whether this caller may see the escalation: the service that sent it, staff, or the agent it
/// is assigned to.
fn may_see(caller: &Caller, e: &escalation::Escalation) -> bool {
    match caller {
        Caller::Service(service) => service.id == e.service_account_id,
        Caller::User(user) if user.role.is_staff() => true,
        Caller::User(user) => e.assigned_agent_id == Some(user.agent_id()),
    }
}

/// One escalation with its timeline and, once assigned, why that agent was chosen.
#[utoipa::path(tag = "escalations", security(("bearer" = [])), params(("id" = i64, Path, description = "Escalation id")),
    responses((status = 200, body = view::EscalationView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/api/v1/escalations/{id}")]
pub async fn show(caller: Caller, state: web::Data<AppState>, id: web::Path<EscalationId>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let found = state
        .db
        .read(move |conn| Ok(escalation::find(conn, id)?))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no escalation {id}")))?;
    if !may_see(&caller, &found) {
        return Err(AppError::Forbidden("this escalation is not yours".into()));
    }
    Ok(HttpResponse::Ok().json(state.db.read(move |conn| view::escalation(conn, &found)).await?))
}

/// Stop holding the customer live: the escalation keeps its place, the platform gets
/// `escalation.customer_released` now and `escalation.reengage` when an agent accepts.
#[utoipa::path(tag = "escalations", security(("bearer" = [])), params(("id" = i64, Path, description = "Escalation id")),
    responses((status = 200, body = view::EscalationView), (status = 401, body = Problem), (status = 403, description = "Not a service account", body = Problem), (status = 404, body = Problem), (status = 409, description = "A human has it already, or it ended", body = Problem)))]
#[post("/api/v1/escalations/{id}/callback")]
pub async fn callback(
    service: ServiceClient,
    state: web::Data<AppState>,
    id: web::Path<EscalationId>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(commands::callback(&state, service.id, id.into_inner(), Utc::now()).await?))
}

/// The customer left: the escalation is abandoned and its offer withdrawn.
#[utoipa::path(tag = "escalations", security(("bearer" = [])), params(("id" = i64, Path, description = "Escalation id")),
    responses((status = 200, body = view::EscalationView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "A human has it already, or it ended", body = Problem)))]
#[post("/api/v1/escalations/{id}/cancel")]
pub async fn cancel(
    service: ServiceClient,
    state: web::Data<AppState>,
    id: web::Path<EscalationId>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(commands::cancel(&state, service.id, id.into_inner(), Utc::now()).await?))
}
