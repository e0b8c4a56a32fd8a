//! GET and PUT /api/v1/staff/matching.

use actix_web::{HttpResponse, get, put, web};
use chrono::Utc;

use crate::auth::AdminUser;
use crate::dispatch::settings::{self, MatchingSettings};
use crate::error::{AppResult, Problem};
use crate::routes::json::ApiJson;
use crate::startup::AppState;

/// Weights, offer timeout, widening ladder, floors and rating prior.
#[utoipa::path(tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = MatchingSettings), (status = 401, body = Problem), (status = 403, description = "Not an admin", body = Problem)))]
#[get("/api/v1/staff/matching")]
pub async fn show(_admin: AdminUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.db.read(settings::load).await?))
}

/// Replace the matching settings; audited.
#[utoipa::path(tag = "settings", security(("bearer" = [])), request_body = MatchingSettings,
    responses((status = 200, body = MatchingSettings), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[put("/api/v1/staff/matching")]
pub async fn replace(
    admin: AdminUser,
    state: web::Data<AppState>,
    body: ApiJson<MatchingSettings>,
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
