//! Server-rendered pages (askama). Handlers return `PageError` so failures render as HTML, and
//! take `Page<…>` role extractors so a missing login redirects to /login instead of answering
//! with problem+json.

pub mod account;
pub mod agent_availability;
pub mod agent_dashboard;
pub mod agent_earnings;
pub mod agent_quality;
pub mod agent_slots;
pub mod forms;
pub mod heatmap;
pub mod home;
pub mod login;
pub mod password;
pub mod pay_period;
pub mod register;
pub mod staff_conversation;
pub mod staff_coverage;
pub mod staff_operations;
pub mod staff_payroll;
pub mod staff_quality;
pub mod staff_recruits;
pub mod staff_security;
pub mod staff_settings;
pub mod staff_settings_forms;
pub mod verify;

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, http::StatusCode};

use crate::auth::{Caller, Role, csrf, extract::caller_role};
use crate::error::{AppError, PageError};

/// Refuses a form post whose CSRF token does not repeat the cookie's.
pub fn require_csrf(req: &HttpRequest, presented: &str) -> Result<(), PageError> {
    if csrf::is_valid(req, presented) {
        Ok(())
    } else {
        Err(PageError(AppError::Forbidden(
            "this form has expired or did not come from this site; reload the page and try again".into(),
        )))
    }
}

/// The CSRF token to render into this page's forms.
pub fn csrf_token(req: &HttpRequest) -> String {
    csrf::token_of(req).unwrap_or_default()
}

/// What every page's frame needs: the CSRF token for the log-out form and who is signed in.
pub struct Chrome {
    pub csrf_token: String,
    pub role: Option<Role>,
}

impl Chrome {
    pub fn of(req: &HttpRequest) -> Chrome {
        Chrome { csrf_token: csrf_token(req), role: caller_role(req) }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Some(Role::Admin)
    }

    pub fn is_staff(&self) -> bool {
        self.role.is_some_and(Role::is_staff)
    }

    pub fn is_agent(&self) -> bool {
        self.role == Some(Role::Agent)
    }

    pub fn signed_in(&self) -> bool {
        self.role.is_some()
    }
}

/// Where a person lands after logging in.
pub fn home_for(role: Role) -> &'static str {
    if role.is_staff() { "/staff" } else { "/agent" }
}

/// A role extractor for pages: its 401 becomes a redirect to /login, its 403 an HTML page.
pub struct Page<T>(pub T);

impl<T: FromRequest<Error = AppError> + 'static> FromRequest for Page<T> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Page<T>, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let inner = T::from_request(req, payload);
        Box::pin(async move { inner.await.map(Page).map_err(PageError) })
    }
}

/// Anyone signed in (used by pages that only need to know).
pub type SignedIn = Page<Caller>;

/// What to tell a person whose form broke a rule (each invalid field, a conflict, something
/// gone), to show on the page again; any other error goes to the error page.
pub fn refusal(error: AppError) -> Result<String, PageError> {
    match error {
        AppError::Validation(fields) => {
            Ok(fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; "))
        }
        AppError::Conflict(message) | AppError::NotFound(message) => Ok(message),
        other => Err(PageError(other)),
    }
}

/// A page answered with a status other than 200 (a form sent back with what was wrong).
pub fn render_with_status(page: &impl askama::Template, status: StatusCode) -> Result<HttpResponse, PageError> {
    let body = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body))
}
