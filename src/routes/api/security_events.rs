//! GET /api/v1/admin/security-events: what happened to accounts (admins only), newest first.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AdminUser;
use crate::error::{AppError, AppResult, Problem};
use crate::ids::UserId;
use crate::models::security_event::{self, SecurityEventKind};
use crate::routes::api::paging::Paging;
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SecurityEventFilter {
    /// Only events of this kind.
    #[param(
        pattern = "^(login_succeeded|login_failed|logout|refresh_token_reused|password_reset_requested|password_reset|password_changed|status_changed|staff_created)$"
    )]
    pub kind: Option<String>,
    /// Only events about this account.
    pub user_id: Option<i64>,
    /// Only events at or after this moment (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Only events older than this event id (the next page).
    pub before_id: Option<i64>,
}

impl SecurityEventFilter {
    /// The checked filter, or a 422 naming the parameter.
    pub fn checked(self) -> Result<security_event::Filter, AppError> {
        let kind = match self.kind.as_deref() {
            None | Some("") => None,
            Some(text) => Some(SecurityEventKind::parse(text).ok_or_else(|| {
                let names: Vec<&str> = SecurityEventKind::ALL.iter().map(|k| k.as_str()).collect();
                AppError::invalid("kind", format!("must be one of {}", names.join(", ")))
            })?),
        };
        Ok(security_event::Filter {
            kind,
            user_id: self.user_id.map(UserId),
            since: self.since.map(|at| at.naive_utc()),
            before_id: self.before_id,
        })
    }
}

/// One thing that happened to an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecurityEventView {
    pub id: i64,
    #[schema(value_type = String)]
    pub kind: SecurityEventKind,
    /// The account, when known.
    pub user_id: Option<i64>,
    /// The account's email, or the email typed in a failed login.
    pub email: Option<String>,
    pub client_ip: Option<String>,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

/// Security events (admins only), newest first, kept 365 days.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), params(SecurityEventFilter, Paging),
    responses((status = 200, body = Vec<SecurityEventView>), (status = 401, body = Problem),
        (status = 403, description = "Not an admin", body = Problem), (status = 400, body = Problem), (status = 422, body = Problem)))]
#[get("/api/v1/admin/security-events")]
pub async fn list(
    _admin: AdminUser,
    state: web::Data<AppState>,
    filter: ApiQuery<SecurityEventFilter>,
    paging: ApiQuery<Paging>,
) -> AppResult<HttpResponse> {
    let (filter, limit) = (filter.into_inner().checked()?, paging.limit()?);
    Ok(HttpResponse::Ok().json(views(&state, filter, limit).await?))
}

/// The events a filter names, as the API and the page show them.
pub async fn views(
    state: &AppState,
    filter: security_event::Filter,
    limit: i64,
) -> Result<Vec<SecurityEventView>, AppError> {
    let rows = state.db.read(move |conn| Ok(security_event::list(conn, &filter, limit)?)).await?;
    Ok(rows
        .into_iter()
        .map(|(event, account_email)| SecurityEventView {
            id: event.id,
            kind: event.kind,
            user_id: event.user_id.map(|u| u.0),
            email: account_email.or(event.email),
            client_ip: event.client_ip,
            detail: event.detail,
            at: event.created_at.and_utc(),
        })
        .collect())
}
