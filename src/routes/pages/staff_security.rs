//! GET /staff/security: the security events (admins only), filtered by kind and account.

use actix_web::{HttpRequest, get, web};
use askama::Template;
use askama_web::WebTemplate;

use super::{Chrome, Page};
use crate::auth::AdminUser;
use crate::error::PageError;
use crate::models::security_event::SecurityEventKind;
use crate::routes::api::security_events::{SecurityEventFilter, SecurityEventView, views};
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

/// Events one page shows.
const PAGE_LIMIT: i64 = 200;

#[derive(Template, WebTemplate)]
#[template(path = "staff_security.html")]
struct SecurityPage {
    chrome: Chrome,
    events: Vec<SecurityEventView>,
    kinds: &'static [SecurityEventKind],
    kind: String,
    user_id: String,
}

#[get("/staff/security")]
pub async fn show(
    req: HttpRequest,
    _admin: Page<AdminUser>,
    state: web::Data<AppState>,
    filter: ApiQuery<SecurityEventFilter>,
) -> Result<SecurityPage, PageError> {
    let filter = filter.into_inner();
    let (kind, user_id) = (filter.kind.clone().unwrap_or_default(), filter.user_id.map(|u| u.to_string()));
    let events = views(&state, filter.checked()?, PAGE_LIMIT).await?;
    Ok(SecurityPage {
        chrome: Chrome::of(&req),
        events,
        kinds: SecurityEventKind::ALL,
        kind,
        user_id: user_id.unwrap_or_default(),
    })
}
