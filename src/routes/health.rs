//! GET /healthz (the process answers) and GET /readyz (and its database does).

use actix_web::{HttpRequest, HttpResponse, get, http::header, web};
use serde_json::json;
use subtle::ConstantTimeEq;

use actix_web::ResponseError;

use crate::db::Readiness;
use crate::error::AppError;
use crate::startup::AppState;

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Up")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database answers a read and takes a write. A saturated writer is still ready (overload
/// is refused on the requests themselves; a load balancer draining every busy instance at once
/// would turn overload into an outage).
#[utoipa::path(tag = "operations", responses((status = 200, description = "Ready"), (status = 503, description = "Database unreachable or refusing writes", body = crate::error::Problem)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.db.readiness().await {
        Readiness::Ready => HttpResponse::Ok().json(json!({"status": "ready"})),
        Readiness::Busy => HttpResponse::Ok().json(json!({"status": "ready", "writer": "busy"})),
        // Logged once, with its cause, by the error's own response.
        Readiness::Down(error) => AppError::unavailable(format!("readiness: {error}")).error_response(),
    }
}

/// Prometheus text: request counts and latencies, time to a human, escalations by state, queue
/// length, agents online, offers by outcome, outbox backlog.
/// With `HANDOFF_METRICS_TOKEN` set, only `Authorization: Bearer <that token>` is answered.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String),
    (status = 401, description = "HANDOFF_METRICS_TOKEN is set and the request does not carry it", body = crate::error::Problem)))]
#[get("/metrics")]
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> crate::error::AppResult<HttpResponse> {
    let expected = state.settings.metrics_token.as_bytes();
    if !expected.is_empty() {
        let presented = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(presented.trim().as_bytes().ct_eq(expected)) {
            return Err(AppError::Unauthorized("send Authorization: Bearer <HANDOFF_METRICS_TOKEN>".into()));
        }
    }
    let timeout = crate::routes::api::availability::heartbeat_timeout(&state);
    let snapshot =
        state.db.read(move |conn| crate::operations::prometheus::snapshot(conn, chrono::Utc::now(), timeout)).await?;
    let text = state.metrics.render(&snapshot).map_err(|e| crate::error::AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(text))
}
