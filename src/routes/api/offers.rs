//! The agent's side of dispatch: pending offers, accept, decline, assigned escalations.

use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::AgentUser;
use crate::commands;
use crate::dispatch::view;
use crate::error::{AppError, AppResult, Problem};
use crate::ids::{EscalationId, OfferId};
use crate::models::escalation;
use crate::models::escalation::EscalationState;
use crate::routes::api::paging::Paging;
use crate::routes::json::ApiJson;
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

/// The agent's pending offers, each with why they got it.
#[utoipa::path(tag = "agents", security(("bearer" = [])),
    responses((status = 200, body = Vec<view::OfferView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/me/offers")]
pub async fn pending(agent: AgentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let id = agent.id();
    Ok(HttpResponse::Ok().json(state.db.read(move |conn| view::offers_of(conn, id)).await?))
}

/// Accept an offer: the escalation is assigned to you.
#[utoipa::path(tag = "agents", security(("bearer" = [])), params(("id" = i64, Path, description = "Offer id")),
    responses((status = 200, body = view::EscalationView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Expired, withdrawn or answered already", body = Problem)))]
#[post("/api/v1/offers/{id}/accept")]
pub async fn accept(agent: AgentUser, state: web::Data<AppState>, id: web::Path<OfferId>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(commands::accept(&state, agent.id(), id.into_inner(), Utc::now()).await?))
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
pub struct DeclineRequest {
    #[validate(length(max = 500))]
    pub reason: Option<String>,
}

/// Decline an offer; the next best agent gets it at once.
#[utoipa::path(tag = "agents", security(("bearer" = [])), request_body = DeclineRequest, params(("id" = i64, Path, description = "Offer id")),
    responses((status = 200, description = "Declined"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/api/v1/offers/{id}/decline")]
pub async fn decline(
    agent: AgentUser,
    state: web::Data<AppState>,
    id: web::Path<OfferId>,
    body: ApiJson<DeclineRequest>,
) -> AppResult<HttpResponse> {
    commands::decline(&state, agent.id(), id.into_inner(), body.0.reason, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"state": "declined"})))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StateFilter {
    /// `assigned`, `resolved` or `abandoned`; all when absent.
    #[param(pattern = "^(assigned|resolved|abandoned)$")]
    pub state: Option<String>,
    /// Only escalations older than this id (the last id of the previous page).
    #[param(value_type = Option<i64>)]
    pub before_id: Option<EscalationId>,
}

/// Escalations assigned to the agent, newest first, at most `limit` at a time.
#[utoipa::path(tag = "agents", security(("bearer" = [])), params(StateFilter, Paging),
    responses((status = 200, body = Vec<view::EscalationView>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/api/v1/me/escalations")]
pub async fn mine(
    agent: AgentUser,
    state: web::Data<AppState>,
    filter: ApiQuery<StateFilter>,
    paging: ApiQuery<Paging>,
) -> AppResult<HttpResponse> {
    let limit = paging.limit()?;
    let StateFilter { state: wanted, before_id } = filter.into_inner();
    let known = [EscalationState::Assigned, EscalationState::Resolved, EscalationState::Abandoned];
    let wanted = match wanted.as_deref().map(EscalationState::parse) {
        None => None,
        Some(Some(found)) if known.contains(&found) => Some(found),
        Some(_) => return Err(AppError::invalid("state", "must be assigned, resolved or abandoned")),
    };
    let id = agent.id();
    let shown = state
        .db
        .read(move |conn| {
            escalation::for_agent(conn, id, wanted, before_id, limit)?
                .iter()
                .map(|e| view::escalation(conn, e))
                .collect::<AppResult<Vec<_>>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(shown))
}
