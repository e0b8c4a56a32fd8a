//! Coverage for staff: GET /api/v1/staff/coverage, POST /api/v1/staff/coverage/forecast and
//! GET, PUT /api/v1/staff/service-target.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{Duration, SecondsFormat, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{AdminUser, StaffUser};
use crate::coverage::board::{self, Coverage, MAX_SPAN};
use crate::coverage::run::{self, RunSummary};
use crate::coverage::slots;
use crate::coverage::target::{self, ServiceTarget};
use crate::error::{AppError, AppResult, Problem};
use crate::operations::window;
use crate::routes::json::ApiJson;
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// First interval: an instant or a date in the payroll time zone; default now.
    pub from: Option<String>,
    /// End: an instant or a date (its end); default seven days after `from`; at most 14 days.
    pub to: Option<String>,
}

/// Per queue and 30-minute interval: forecast arrivals, agents required by Erlang A for the
/// service target, agents scheduled, booked and (now) online, and the forecast service level.
#[utoipa::path(tag = "coverage", security(("bearer" = [])), params(CoverageQuery),
    responses((status = 200, body = Coverage), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/api/v1/staff/coverage")]
pub async fn show(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: ApiQuery<CoverageQuery>,
) -> AppResult<HttpResponse> {
    let now = Utc::now();
    let query = query.into_inner();
    let from_text = query.from.filter(|t| !t.trim().is_empty());
    let default_from = run::interval_start(now);
    let default_to =
        |from: chrono::DateTime<Utc>| (from + Duration::days(7)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let from_for_default = match &from_text {
        Some(text) => {
            window::parse(Some(text), Some(&default_to(now + Duration::days(30))), state.settings.payroll_tz(), now)?
                .start
        }
        None => default_from,
    };
    let to_text = query.to.filter(|t| !t.trim().is_empty()).unwrap_or_else(|| default_to(from_for_default));
    let from_text = from_text.unwrap_or_else(|| default_from.to_rfc3339_opts(SecondsFormat::Secs, true));
    let span = window::parse(Some(&from_text), Some(&to_text), state.settings.payroll_tz(), now)?;
    if span.end - span.start > MAX_SPAN {
        return Err(AppError::invalid("to", "coverage spans at most 14 days"));
    }
    let dispatcher = state.dispatcher.clone();
    let coverage = state
        .db
        .read(move |conn| {
            let booked = slots::booked_agents(conn, span.start, span.end)?;
            board::coverage(conn, now, &dispatcher, span.start, span.end, &booked)
        })
        .await?;
    Ok(HttpResponse::Ok().json(coverage))
}

/// Recompute the forecast now from the history (it is also recomputed hourly).
#[utoipa::path(tag = "coverage", security(("bearer" = [])),
    responses((status = 200, body = RunSummary), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[post("/api/v1/staff/coverage/forecast")]
pub async fn recompute(_staff: StaffUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(run::recompute(&state.db, Utc::now()).await?))
}

/// The service target and coverage settings.
#[utoipa::path(tag = "coverage", security(("bearer" = [])),
    responses((status = 200, body = ServiceTarget), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/staff/service-target")]
pub async fn show_target(_staff: StaffUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.db.read(target::load).await?))
}

/// Replace the service target and coverage settings (admins); audited. A day's boost budget
/// below what boosts already commit that day is a 409.
#[utoipa::path(tag = "coverage", security(("bearer" = [])), request_body = ServiceTarget,
    responses((status = 200, body = ServiceTarget), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "A budget below what boosts already commit", body = Problem), (status = 422, body = Problem)))]
#[put("/api/v1/staff/service-target")]
pub async fn replace_target(
    admin: AdminUser,
    state: web::Data<AppState>,
    body: ApiJson<ServiceTarget>,
) -> AppResult<HttpResponse> {
    let wanted = body.0;
    let saved = state
        .db
        .write(move |conn| {
            let now = Utc::now();
            crate::coverage::boosts::check_budget_covers_commitments(conn, &wanted, now)?;
            target::save(conn, &wanted, admin.0.id, now)?;
            target::load(conn)
        })
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}
