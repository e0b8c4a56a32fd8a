//! Server-rendered pages (askama). Handlers return `PageError` so failures render as HTML.

pub mod home;
pub mod login;

use actix_web::HttpRequest;

use crate::auth::csrf;
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
