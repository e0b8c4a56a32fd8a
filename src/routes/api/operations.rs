//! Staff operations: GET /api/v1/staff/queue and GET /api/v1/staff/metrics.

use actix_web::{HttpResponse, get, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::StaffUser;
use crate::error::{AppResult, Problem};
use crate::operations::{queue, report, window};
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

/// Escalations waiting for a human, in queue order, with age, priority, ETA and the online
/// agents who could take each now.
#[utoipa::path(tag = "operations", security(("bearer" = [])),
    responses((status = 200, body = Vec<queue::QueueEntry>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/staff/queue")]
pub async fn live_queue(_staff: StaffUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let dispatcher = state.dispatcher.clone();
    Ok(HttpResponse::Ok().json(state.db.read(move |conn| queue::waiting(conn, Utc::now(), &dispatcher)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// Start: an instant (`2026-12-01T08:00:00Z`) or a date in the payroll time zone; default
    /// 24 hours before `to`.
    pub from: Option<String>,
    /// End: an instant, or a date (the end of that day); default now.
    pub to: Option<String>,
    /// Chart bucket width in seconds (60 to 86400); default gives at most 48 buckets.
    #[param(value_type = Option<i64>, minimum = 60, maximum = 86400)]
    pub bucket_s: Option<String>,
}

/// Time to a human, abandonment, offer answers, utilisation and ETA error in a window, with
/// the same numbers in buckets for charts.
#[utoipa::path(tag = "operations", security(("bearer" = [])), params(MetricsQuery),
    responses((status = 200, body = report::MetricsReport), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/api/v1/staff/metrics")]
pub async fn metrics(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: ApiQuery<MetricsQuery>,
) -> AppResult<HttpResponse> {
    let now = Utc::now();
    let span = window::parse(query.from.as_deref(), query.to.as_deref(), state.settings.payroll_tz(), now)?;
    let bucket = window::bucket(span, query.bucket_s.as_deref())?;
    Ok(HttpResponse::Ok().json(state.db.read(move |conn| report::report(conn, span, bucket, now)).await?))
}
