//! Staff review of applicants and agents: list, detail, approve, reject, suspend, reinstate,
//! certify.

use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::StaffUser;
use crate::error::{AppError, AppResult, Problem};
use crate::ids::AgentId;
use crate::models::user::UserStatus;
use crate::models::{agent, user};
use crate::recruiting::{profile, review};
use crate::routes::json::ApiJson;
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

/// Longest list one call returns.
const LIST_LIMIT: i64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecruitFilter {
    /// Only agents in this status (for example `pending_review`); all when absent.
    #[param(pattern = "^(pending_verification|pending_review|active|rejected|suspended)$")]
    pub status: Option<String>,
}

/// An applicant or agent with the history of decisions about them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recruit {
    #[serde(flatten)]
    pub profile: profile::AgentProfile,
    pub history: Vec<profile::HistoryEntry>,
}

/// Profiles (with history) of the agents `ids`.
pub fn recruits(conn: &mut crate::db::DbConn, ids: Vec<AgentId>) -> AppResult<Vec<Recruit>> {
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(profile) = profile::load(conn, id, Utc::now())? {
            found.push(Recruit { history: profile::history(conn, id)?, profile });
        }
    }
    Ok(found)
}

/// Checks the status filter of a listing.
pub fn status_filter(status: Option<String>) -> AppResult<Option<UserStatus>> {
    match status {
        None => Ok(None),
        Some(text) => UserStatus::parse(&text).map(Some).ok_or_else(|| {
            let names: Vec<&str> = UserStatus::ALL.iter().map(|s| s.as_str()).collect();
            AppError::invalid("status", format!("must be one of {}", names.join(", ")))
        }),
    }
}

/// Applicants and agents, oldest application first.
#[utoipa::path(
    tag = "recruiting",
    security(("bearer" = [])),
    params(RecruitFilter),
    responses((status = 200, body = Vec<Recruit>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem))
)]
#[get("/api/v1/staff/recruits")]
pub async fn list(
    _staff: StaffUser,
    state: web::Data<AppState>,
    filter: ApiQuery<RecruitFilter>,
) -> AppResult<HttpResponse> {
    let status = status_filter(filter.into_inner().status)?;
    let listed = state
        .db
        .read(move |conn| {
            let ids = agent::list_with_users(conn, status, LIST_LIMIT)?.into_iter().map(|(a, _)| a.user_id).collect();
            recruits(conn, ids)
        })
        .await?;
    Ok(HttpResponse::Ok().json(listed))
}

/// One applicant or agent with their history.
#[utoipa::path(
    tag = "recruiting",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Agent id")),
    responses((status = 200, body = Recruit), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem))
)]
#[get("/api/v1/staff/recruits/{id}")]
pub async fn show(_staff: StaffUser, state: web::Data<AppState>, id: web::Path<AgentId>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let mut found = state.db.read(move |conn| recruits(conn, vec![id])).await?;
    let recruit = found.pop().ok_or_else(|| AppError::NotFound(format!("no agent with id {id}")))?;
    Ok(HttpResponse::Ok().json(recruit))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ApproveRequest {
    /// Shown to the agent in the approval email, and kept in the history.
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ReasonRequest {
    /// Why; kept in the history (and, for a rejection, emailed to the applicant).
    #[validate(length(min = 1, max = 2000))]
    pub reason: String,
}

async fn decide<F>(state: &AppState, decision: F) -> AppResult<()>
where
    F: FnOnce(&mut crate::db::DbConn) -> AppResult<()> + Send + 'static,
{
    state.db.write(decision).await?;
    state.mail_queued();
    Ok(())
}

/// Approve an application that awaits review; the agent is emailed.
#[utoipa::path(
    tag = "recruiting", security(("bearer" = [])), request_body = ApproveRequest,
    params(("id" = i64, Path, description = "Agent id")),
    responses((status = 200, body = Object, example = json!({"status": "active"})), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "Not awaiting review", body = Problem))
)]
#[post("/api/v1/staff/recruits/{id}/approve")]
pub async fn approve(
    staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<AgentId>,
    body: ApiJson<ApproveRequest>,
) -> AppResult<HttpResponse> {
    let (reviewer, id, note) = (state.reviewer(staff.0.id), id.into_inner(), body.0.note);
    decide(&state, move |conn| review::approve(conn, &reviewer, id, note.as_deref(), Utc::now())).await?;
    Ok(HttpResponse::Ok().json(json!({"status": user::status::ACTIVE})))
}

/// Reject an application that awaits review; the applicant is emailed the reason.
#[utoipa::path(
    tag = "recruiting", security(("bearer" = [])), request_body = ReasonRequest,
    params(("id" = i64, Path, description = "Agent id")),
    responses((status = 200, body = Object, example = json!({"status": "rejected"})), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem))
)]
#[post("/api/v1/staff/recruits/{id}/reject")]
pub async fn reject(
    staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<AgentId>,
    body: ApiJson<ReasonRequest>,
) -> AppResult<HttpResponse> {
    let (reviewer, id, reason) = (state.reviewer(staff.0.id), id.into_inner(), body.0.reason);
    decide(&state, move |conn| review::reject(conn, &reviewer, id, &reason, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(json!({"status": user::status::REJECTED})))
}

/// Suspend an active agent.
#[utoipa::path(
    tag = "recruiting", security(("bearer" = [])), request_body = ReasonRequest,
    params(("id" = i64, Path, description = "Agent id")),
    responses((status = 200, body = Object, example = json!({"status": "suspended"})), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem))
)]
#[post("/api/v1/staff/agents/{id}/suspend")]
pub async fn suspend(
    staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<AgentId>,
    body: ApiJson<ReasonRequest>,
) -> AppResult<HttpResponse> {
    let (reviewer, id, reason) = (state.reviewer(staff.0.id), id.into_inner(), body.0.reason);
    decide(&state, move |conn| review::suspend(conn, &reviewer, id, &reason, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(json!({"status": user::status::SUSPENDED})))
}

/// Let a suspended agent work again.
#[utoipa::path(
    tag = "recruiting", security(("bearer" = [])), request_body = ApproveRequest,
    params(("id" = i64, Path, description = "Agent id")),
    responses((status = 200, body = Object, example = json!({"status": "active"})), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem))
)]
#[post("/api/v1/staff/agents/{id}/reinstate")]
pub async fn reinstate(
    staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<AgentId>,
    body: ApiJson<ApproveRequest>,
) -> AppResult<HttpResponse> {
    let (reviewer, id, note) = (state.reviewer(staff.0.id), id.into_inner(), body.0.note);
    decide(&state, move |conn| review::reinstate(conn, &reviewer, id, note.as_deref(), Utc::now())).await?;
    Ok(HttpResponse::Ok().json(json!({"status": user::status::ACTIVE})))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CertificationRequest {
    #[validate(length(min = 1, max = 50))]
    pub skill: String,
}

/// Certify an agent for a skill that requires certification.
#[utoipa::path(
    tag = "recruiting", security(("bearer" = [])), request_body = CertificationRequest,
    params(("id" = i64, Path, description = "Agent id")),
    responses((status = 201, description = "Certified"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "Already certified", body = Problem), (status = 422, body = Problem))
)]
#[post("/api/v1/staff/agents/{id}/certifications")]
pub async fn certify(
    staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<AgentId>,
    body: ApiJson<CertificationRequest>,
) -> AppResult<HttpResponse> {
    let (reviewer, id, skill) = (state.reviewer(staff.0.id), id.into_inner(), body.0.skill);
    state.db.write(move |conn| review::certify(conn, &reviewer, id, &skill, Utc::now())).await?;
    Ok(HttpResponse::Created().json(json!({"agent_id": id})))
}

/// Delete an agent account on their request: personal fields are anonymised (email, name,
/// password, location, motivation, availability, second factor; every login ends) and pay
/// records stay exact under the placeholder name. Refused with 409 while they hold
/// conversations. Idempotent; audited; cannot be undone.
#[utoipa::path(
    tag = "recruiting", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Agent id")),
    responses((status = 200, body = Object, example = json!({"status": "deleted"})), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem))
)]
#[post("/api/v1/staff/agents/{id}/anonymise")]
pub async fn anonymise(
    staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<AgentId>,
) -> AppResult<HttpResponse> {
    let (actor, id) = (staff.0.id, id.into_inner());
    state.db.write(move |conn| crate::privacy::anonymise::anonymise(conn, id, actor, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(json!({"status": user::status::DELETED})))
}
