//! POST /api/v1/admin/staff and /api/v1/admin/service-accounts (admins only).

use actix_web::{HttpResponse, post, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::auth::{AdminUser, Role, accounts, password::MIN_PASSWORD_LEN};
use crate::error::{AppResult, Problem};
use crate::routes::json::ApiJson;
use crate::startup::AppState;

/// The roles an admin can give a new staff account.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StaffRole {
    Staff,
    Admin,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewStaffRequest {
    #[validate(email(message = "must be an email address"), length(max = 254))]
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    #[validate(length(min = MIN_PASSWORD_LEN, max = 1024))]
    #[schema(min_length = 10, max_length = 1024)]
    pub password: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: String,
    pub role: StaffRole,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffCreated {
    #[schema(value_type = i64)]
    pub id: crate::ids::UserId,
    pub email: String,
    pub full_name: String,
    pub role: Role,
}

/// Create a staff member or an admin.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = NewStaffRequest,
    responses(
        (status = 201, description = "Created", body = StaffCreated),
        (status = 401, body = Problem), (status = 403, description = "Not an admin", body = Problem),
        (status = 409, description = "Email taken", body = Problem), (status = 422, body = Problem),
    )
)]
#[post("/api/v1/admin/staff")]
pub async fn create_staff(
    _admin: AdminUser,
    state: web::Data<AppState>,
    body: ApiJson<NewStaffRequest>,
) -> AppResult<HttpResponse> {
    let request = body.0;
    let role = match request.role {
        StaffRole::Staff => Role::Staff,
        StaffRole::Admin => Role::Admin,
    };
    let hash = accounts::hash_off_thread(request.password).await?;
    let created = state
        .db
        .write(move |conn| accounts::create_staff(conn, &request.email, &hash, &request.full_name, role, Utc::now()))
        .await?;
    Ok(HttpResponse::Created().json(StaffCreated {
        id: created.id,
        email: created.email,
        full_name: created.full_name,
        role,
    }))
}

fn check_webhook_url(url: &str) -> Result<(), ValidationError> {
    if accounts::is_webhook_url(url) {
        Ok(())
    } else {
        Err(ValidationError::new("url").with_message("must be an http or https URL".into()))
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewServiceAccountRequest {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[validate(length(max = 2000), custom(function = "check_webhook_url"))]
    #[schema(format = "uri", pattern = "^https?://[^/?#\\s]+", max_length = 2000)]
    pub webhook_url: Option<String>,
}

/// Shown once: only the token's hash is stored, and no endpoint returns the webhook secret again.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceAccountCreated {
    #[schema(value_type = i64)]
    pub id: crate::ids::ServiceAccountId,
    pub name: String,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Key of the HMAC in each webhook's `Handoff-Signature` header.
    pub webhook_secret: String,
}

/// Create a service account for the chatbot platform.
#[utoipa::path(
    tag = "accounts",
    security(("bearer" = [])),
    request_body = NewServiceAccountRequest,
    responses(
        (status = 201, description = "Created; the token and secret are shown only now", body = ServiceAccountCreated),
        (status = 401, body = Problem), (status = 403, description = "Not an admin", body = Problem),
        (status = 409, description = "Name taken", body = Problem), (status = 422, body = Problem),
    )
)]
#[post("/api/v1/admin/service-accounts")]
pub async fn create_service_account(
    _admin: AdminUser,
    state: web::Data<AppState>,
    body: ApiJson<NewServiceAccountRequest>,
) -> AppResult<HttpResponse> {
    let (request, key) = (body.0, state.data_key.clone());
    let created = state
        .db
        .write(move |conn| {
            accounts::create_service_account(conn, &key, &request.name, request.webhook_url.as_deref(), Utc::now())
        })
        .await?;
    Ok(HttpResponse::Created().json(ServiceAccountCreated {
        id: created.id,
        name: created.name,
        token: created.token,
        webhook_secret: created.webhook_secret,
    }))
}
