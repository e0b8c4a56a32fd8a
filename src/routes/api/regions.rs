//! GET and PUT /api/v1/staff/regions: regions (GeoJSON) and which may serve each market.

use actix_web::{HttpResponse, get, put, web};
use chrono::Utc;
use serde_json::json;

use crate::auth::AdminUser;
use crate::error::{AppResult, Problem};
use crate::recruiting::placement::{self, RegionsDocument};
use crate::routes::json::ApiJson;
use crate::startup::AppState;

/// Drawn regions can be detailed; this endpoint takes documents up to 16 MiB.
const REGIONS_BODY_LIMIT: usize = 16 * 1024 * 1024;

impl validator::Validate for RegionsDocument {
    /// Checked in `placement::replace`, which can name fields deep in the GeoJSON.
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// The regions and market rules in force.
#[utoipa::path(
    tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = RegionsDocument), (status = 401, body = Problem), (status = 403, description = "Not an admin", body = Problem))
)]
#[get("/api/v1/staff/regions")]
pub async fn show(_admin: AdminUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.db.read(placement::document).await?))
}

/// Replace all regions and market rules; every agent is placed again.
#[utoipa::path(
    tag = "settings", security(("bearer" = [])), request_body = RegionsDocument,
    responses((status = 200, description = "Replaced; `agents_moved` counts agents whose region changed", body = Object), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem))
)]
#[put("/api/v1/staff/regions")]
pub async fn replace(
    admin: AdminUser,
    state: web::Data<AppState>,
    body: ApiJson<RegionsDocument, REGIONS_BODY_LIMIT>,
) -> AppResult<HttpResponse> {
    let document = body.0;
    let moved = state.db.write(move |conn| placement::replace(conn, &document, admin.0.id, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(json!({"agents_moved": moved})))
}
