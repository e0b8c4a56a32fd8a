//! The quality loop's API: wrap-up (POST /api/v1/escalations/{id}/wrap-up), the quality
//! settings, scorecards, reviews and disputes.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::Utc;

use crate::auth::{AdminUser, AgentUser, StaffUser};
use crate::error::{AppResult, Problem};
use crate::ids::{EscalationId, ReviewId};
use crate::quality::reviews::{
    self, DisputeAnswer, DisputeInput, ReviewInput, ReviewQueue, ReviewView, ScorecardInput, ScorecardView,
};
use crate::quality::settings::{self, QualitySettings};
use crate::quality::tiers::{self, RecomputeSummary, TierView};
use crate::quality::wrap_up::{WrapUpInput, WrapUpView};
use crate::routes::json::ApiJson;
use crate::startup::AppState;

/// Finish wrap-up after resolving: pick the disposition from the staff's list (it becomes the
/// reported one) and leave notes. Until then, or until the maximum passes, your capacity stays
/// held and the time is paid as engaged time.
#[utoipa::path(tag = "escalations", security(("bearer" = [])), request_body = WrapUpInput, params(("id" = i64, Path, description = "Escalation id")),
    responses((status = 200, body = WrapUpView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Not in wrap-up (finished, or its time ran out)", body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/escalations/{id}/wrap-up")]
pub async fn wrap_up(
    agent: AgentUser,
    state: web::Data<AppState>,
    id: web::Path<EscalationId>,
    body: ApiJson<WrapUpInput>,
) -> AppResult<HttpResponse> {
    let (agent, id, input) = (agent.id(), id.into_inner(), body.0);
    let done = state.db.write(move |conn| crate::quality::wrap_up::finish(conn, id, agent, &input, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(done))
}

/// Wrap-up, dispositions, first-contact window, review sampling, decision-review deadline and
/// the tier formula.
#[utoipa::path(tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = QualitySettings), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/staff/quality-settings")]
pub async fn show_settings(_staff: StaffUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.db.read(settings::load).await?))
}

/// Replace the quality settings (admins); audited. Tier weights must add up to 1.
#[utoipa::path(tag = "quality", security(("bearer" = [])), request_body = QualitySettings,
    responses((status = 200, body = QualitySettings), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[put("/api/v1/staff/quality-settings")]
pub async fn replace_settings(
    admin: AdminUser,
    state: web::Data<AppState>,
    body: ApiJson<QualitySettings>,
) -> AppResult<HttpResponse> {
    let wanted = body.0;
    let saved = state
        .db
        .write(move |conn| {
            settings::save(conn, &wanted, admin.0.id, Utc::now())?;
            settings::load(conn)
        })
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// Scorecards reviewers score conversations on.
#[utoipa::path(tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = Vec<ScorecardView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/staff/scorecards")]
pub async fn scorecards(_staff: StaffUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.db.read(reviews::scorecards).await?))
}

/// A new scorecard: weighted criteria, each `yes_no` or `one_to_five`; audited.
#[utoipa::path(tag = "quality", security(("bearer" = [])), request_body = ScorecardInput,
    responses((status = 201, body = ScorecardView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "The name is in use", body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/staff/scorecards")]
pub async fn create_scorecard(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: ApiJson<ScorecardInput>,
) -> AppResult<HttpResponse> {
    let input = body.0;
    let made = state.db.write(move |conn| reviews::create_scorecard(conn, &input, staff.0.id, Utc::now())).await?;
    Ok(HttpResponse::Created().json(made))
}

/// Score a resolved conversation on a scorecard, once; audited.
#[utoipa::path(tag = "quality", security(("bearer" = [])), request_body = ReviewInput,
    responses((status = 201, body = ReviewView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Not resolved, or reviewed already", body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/staff/reviews")]
pub async fn review(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: ApiJson<ReviewInput>,
) -> AppResult<HttpResponse> {
    let input = body.0;
    let made = state.db.write(move |conn| reviews::review(conn, &input, staff.0.id, Utc::now())).await?;
    Ok(HttpResponse::Created().json(made))
}

/// What waits for reviewers: sampled conversations not yet reviewed, and open disputes.
#[utoipa::path(tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = ReviewQueue), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/staff/reviews/queue")]
pub async fn review_queue(_staff: StaffUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.db.read(reviews::queue).await?))
}

/// Settle an agent's dispute with a written answer; audited.
#[utoipa::path(tag = "quality", security(("bearer" = [])), request_body = DisputeAnswer, params(("id" = i64, Path, description = "Review id")),
    responses((status = 200, body = ReviewView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "No open dispute", body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/staff/reviews/{id}/dispute")]
pub async fn settle_dispute(
    staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<ReviewId>,
    body: ApiJson<DisputeAnswer>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.0);
    let settled = state.db.write(move |conn| reviews::settle(conn, id, &input, staff.0.id, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(settled))
}

/// My quality reviews with their comments, newest first.
#[utoipa::path(tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReviewView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/me/reviews")]
pub async fn my_reviews(agent: AgentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let id = agent.id();
    Ok(HttpResponse::Ok().json(state.db.read(move |conn| reviews::of_agent(conn, id)).await?))
}

/// Dispute one of my reviews, once; staff answer in writing.
#[utoipa::path(tag = "quality", security(("bearer" = [])), request_body = DisputeInput, params(("id" = i64, Path, description = "Review id")),
    responses((status = 200, body = ReviewView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Disputed already", body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/me/reviews/{id}/dispute")]
pub async fn dispute(
    agent: AgentUser,
    state: web::Data<AppState>,
    id: web::Path<ReviewId>,
    body: ApiJson<DisputeInput>,
) -> AppResult<HttpResponse> {
    let (agent, id, reason) = (agent.id(), id.into_inner(), body.0.reason);
    let disputed = state.db.write(move |conn| reviews::dispute(conn, agent, id, &reason, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(disputed))
}

/// My tier, the figures behind it, the exact formula, my perks, and what the next tier needs.
#[utoipa::path(tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = TierView), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/me/tier")]
pub async fn my_tier(agent: AgentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let id = agent.id();
    Ok(HttpResponse::Ok().json(state.db.read(move |conn| tiers::mine(conn, id, Utc::now())).await?))
}

/// Recompute every agent's tier now (it is also recomputed hourly); changes are recorded as
/// decisions the agents see, and audited.
#[utoipa::path(tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = RecomputeSummary), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[post("/api/v1/staff/tiers/recompute")]
pub async fn recompute_tiers(_staff: StaffUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.db.write(|conn| tiers::recompute(conn, Utc::now())).await?))
}
