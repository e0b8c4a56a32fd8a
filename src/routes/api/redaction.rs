//! GET and PUT /api/v1/staff/redaction-patterns: the staff's own patterns hidden at intake
//! beside card numbers and IBANs (`privacy::patterns`).

use actix_web::{HttpResponse, get, put, web};
use chrono::Utc;

use crate::auth::AdminUser;
use crate::error::{AppResult, Problem};
use crate::privacy::patterns::{self, PatternRules};
use crate::routes::json::ApiJson;
use crate::startup::AppState;

/// The patterns hidden in escalations' text beside card numbers and IBANs.
#[utoipa::path(tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = PatternRules), (status = 401, body = Problem), (status = 403, description = "Not an admin", body = Problem)))]
#[get("/api/v1/staff/redaction-patterns")]
pub async fn show(_admin: AdminUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.db.read(patterns::load).await?))
}

/// Replace the patterns (each must compile and must not match empty text); audited. They apply
/// to what arrives from now on.
#[utoipa::path(tag = "settings", security(("bearer" = [])), request_body = PatternRules,
    responses((status = 200, body = PatternRules), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[put("/api/v1/staff/redaction-patterns")]
pub async fn replace(
    admin: AdminUser,
    state: web::Data<AppState>,
    body: ApiJson<PatternRules>,
) -> AppResult<HttpResponse> {
    let wanted = body.0;
    let saved = state
        .db
        .write(move |conn| {
            patterns::save(conn, &wanted, admin.0.id, Utc::now())?;
            patterns::load(conn)
        })
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}
