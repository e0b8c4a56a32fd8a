//! GET /healthz (the process answers) and GET /readyz (and its database does).

use actix_web::{HttpResponse, get, web};
use serde_json::json;

use crate::startup::AppState;

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Up")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database answers.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Ready"), (status = 503, description = "Database unreachable")))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready"})),
        Err(error) => {
            tracing::warn!(%error, "readiness check: the database does not answer");
            HttpResponse::ServiceUnavailable().json(json!({"status": "unavailable"}))
        }
    }
}
