//! DELETE /api/v1/customers/{customer_ref} and GET …/export: a customer's erasure and access
//! requests, made by the platform whose customer it is (`privacy::erasure`).

use actix_web::{HttpResponse, delete, get, web};
use chrono::Utc;

use crate::auth::ServiceClient;
use crate::error::{AppError, AppResult, Problem};
use crate::privacy::erasure::{self, CustomerExport, ErasureCounts};
use crate::startup::AppState;

/// The reference as sent: 1 to 200 characters (what intake accepts).
fn checked(customer_ref: &str) -> Result<&str, AppError> {
    match customer_ref.trim().chars().count() {
        1..=200 => Ok(customer_ref),
        _ => Err(AppError::invalid("customer_ref", "must be 1 to 200 characters")),
    }
}

/// Erase a customer's conversation content everywhere Handoff stores it (summary, transcript,
/// messages, rating comments, notes, agents' notices) and drop undelivered webhooks about it.
/// Times, states, dispositions and pay stay. Idempotent (a repeat erases nothing more);
/// audited. Only this service account's escalations are touched.
#[utoipa::path(
    tag = "escalations",
    security(("bearer" = [])),
    params(("customer_ref" = String, Path, description = "The reference sent as `customer_ref` at intake")),
    responses(
        (status = 200, description = "What was erased now", body = ErasureCounts),
        (status = 401, body = Problem),
        (status = 403, description = "Not a service account", body = Problem),
        (status = 422, body = Problem),
    )
)]
#[delete("/api/v1/customers/{customer_ref}")]
pub async fn erase(
    service: ServiceClient,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let hash = state.customer_refs.hash(service.id, checked(&path)?);
    let counts = state.db.write(move |conn| erasure::erase(conn, service.id, &hash, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(counts))
}

/// Everything kept about a customer's conversations with this service account, as JSON
/// (as stored: redacted at intake, blank once erased).
#[utoipa::path(
    tag = "escalations",
    security(("bearer" = [])),
    params(("customer_ref" = String, Path, description = "The reference sent as `customer_ref` at intake")),
    responses(
        (status = 200, body = CustomerExport),
        (status = 401, body = Problem),
        (status = 403, description = "Not a service account", body = Problem),
        (status = 422, body = Problem),
    )
)]
#[get("/api/v1/customers/{customer_ref}/export")]
pub async fn export(
    service: ServiceClient,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let hash = state.customer_refs.hash(service.id, checked(&path)?);
    let exported = state.db.read(move |conn| erasure::export(conn, service.id, &hash, Utc::now())).await?;
    Ok(HttpResponse::Ok().json(exported))
}
