//! GET and PUT /api/v1/staff/pay-bands.

use actix_web::{HttpResponse, get, put, web};
use chrono::Utc;

use crate::auth::AdminUser;
use crate::availability::rates::{self, PayBands};
use crate::error::{AppResult, Problem};
use crate::routes::json::ApiJson;
use crate::startup::AppState;

/// Per skill and currency: the least and most agents may charge per hour and per conversation.
#[utoipa::path(tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = PayBands), (status = 401, body = Problem), (status = 403, description = "Not an admin", body = Problem)))]
#[get("/api/v1/staff/pay-bands")]
pub async fn show(_admin: AdminUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.db.read(rates::bands).await?))
}

/// Replace every pay band. Existing rates are kept; the bands bound changes from now on.
#[utoipa::path(tag = "settings", security(("bearer" = [])), request_body = PayBands,
    responses((status = 200, body = PayBands), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[put("/api/v1/staff/pay-bands")]
pub async fn replace(admin: AdminUser, state: web::Data<AppState>, body: ApiJson<PayBands>) -> AppResult<HttpResponse> {
    let document = body.0;
    let saved = state
        .db
        .write(move |conn| {
            rates::replace_bands(conn, &document, admin.0.id, Utc::now())?;
            rates::bands(conn)
        })
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}
