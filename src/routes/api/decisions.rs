//! Automated decisions about agents, explained and contestable: GET /api/v1/me/decisions,
//! POST /api/v1/me/decisions/{id}/review, and staff's GET /api/v1/staff/reviews-requested and
//! POST /api/v1/staff/reviews-requested/{id}/answer.

use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{AgentUser, StaffUser};
use crate::error::{AppResult, Problem};
use crate::ids::DecisionReviewId;
use crate::quality::decisions::{self, DecisionRef, DecisionView, ReviewAnswer, ReviewRequest, ReviewView};
use crate::routes::json::ApiJson;
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

/// Every automated decision about me in the last 90 days (offers, being set away, no-shows,
/// tiers, first-contact marks, quality sampling), in plain words with the figures used.
#[utoipa::path(tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = Vec<DecisionView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/me/decisions")]
pub async fn mine(agent: AgentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let id = agent.id();
    Ok(HttpResponse::Ok().json(state.db.read(move |conn| decisions::mine(conn, id, Utc::now())).await?))
}

/// Ask for a human review of one decision (once); staff answer in writing before the deadline.
#[utoipa::path(tag = "quality", security(("bearer" = [])), request_body = ReviewRequest,
    params(("id" = String, Path, description = "Decision id: `offer-<n>` or `decision-<n>`")),
    responses((status = 201, body = ReviewView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Asked already", body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/me/decisions/{id}/review")]
pub async fn request_review(
    agent: AgentUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: ApiJson<ReviewRequest>,
) -> AppResult<HttpResponse> {
    let decision: DecisionRef = id.parse()?;
    let (agent, reason) = (agent.id(), body.0.reason);
    let asked =
        state.db.write(move |conn| decisions::request_review(conn, agent, decision, &reason, Utc::now())).await?;
    Ok(HttpResponse::Created().json(asked))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestedFilter {
    /// Include answered requests (after the open ones).
    pub answered: Option<bool>,
}

/// Agents' requests for a human review, open ones first by deadline (the overdue flagged).
#[utoipa::path(tag = "quality", security(("bearer" = [])), params(RequestedFilter),
    responses((status = 200, body = Vec<ReviewView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/staff/reviews-requested")]
pub async fn requested(
    _staff: StaffUser,
    state: web::Data<AppState>,
    filter: ApiQuery<RequestedFilter>,
) -> AppResult<HttpResponse> {
    let answered = filter.answered.unwrap_or(false);
    Ok(HttpResponse::Ok().json(state.db.read(move |conn| decisions::requested(conn, answered, Utc::now())).await?))
}

/// Answer a review request: `upheld` or `overturned`, with the reason in writing; audited.
#[utoipa::path(tag = "quality", security(("bearer" = [])), request_body = ReviewAnswer, params(("id" = i64, Path, description = "Review request id")),
    responses((status = 200, body = ReviewView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Answered already", body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/staff/reviews-requested/{id}/answer")]
pub async fn answer(
    staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<DecisionReviewId>,
    body: ApiJson<ReviewAnswer>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.0);
    let answered = state.db.write(move |conn| decisions::answer(conn, id, staff.0.id, &input, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(answered))
}
