//! GET /api/v1/staff/agents?presence=online: who can take work now.

use actix_web::{HttpResponse, get, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::StaffUser;
use crate::error::{AppError, AppResult, Problem};
use crate::operations::{agents, window};
use crate::routes::api::availability::heartbeat_timeout;
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgentFilter {
    /// Only `online` is supported: active agents with a live heartbeat.
    #[param(pattern = "^online$")]
    pub presence: Option<String>,
}

/// Agents online now with a live heartbeat: schedule, capacity, load, rate, rating and how they
/// answered offers today (since midnight in the payroll time zone).
#[utoipa::path(tag = "operations", security(("bearer" = [])), params(AgentFilter),
    responses((status = 200, body = Vec<agents::AgentOnDuty>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/api/v1/staff/agents")]
pub async fn list(
    _staff: StaffUser,
    state: web::Data<AppState>,
    filter: ApiQuery<AgentFilter>,
) -> AppResult<HttpResponse> {
    if filter.presence.as_deref().is_some_and(|p| p != "online") {
        return Err(AppError::invalid("presence", "only presence=online is supported"));
    }
    let timeout = heartbeat_timeout(&state);
    let now = Utc::now();
    let day_start = window::day_start(now, state.settings.payroll_tz());
    Ok(HttpResponse::Ok().json(state.db.read(move |conn| agents::on_duty(conn, now, timeout, day_start)).await?))
}
