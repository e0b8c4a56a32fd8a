//! CSRF protection by double submit: a random token in an HttpOnly, SameSite=Strict cookie,
//! repeated by every state-changing form (hidden field) or htmx call (header). A cross-site
//! page can make the browser send the cookie but cannot read it to repeat it.

use actix_web::{HttpMessage, HttpRequest, dev::ServiceRequest};
use subtle::ConstantTimeEq;

pub const CSRF_COOKIE: &str = "handoff_csrf";
/// The hidden form field that repeats the token.
pub const CSRF_FIELD: &str = "csrf_token";
/// The header that repeats the token on API calls authenticated by cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The request's CSRF token, for rendering into forms. A request that came without the cookie
/// gets a fresh token, set as a cookie on the way out by [`super::cookies::browser_session`].
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// The token this request carries or has been given; set by the session middleware.
pub fn token_of(req: &HttpRequest) -> Option<String> {
    if let Some(token) = req.extensions().get::<CsrfToken>() {
        return Some(token.0.clone());
    }
    req.cookie(CSRF_COOKIE).map(|c| c.value().to_string())
}

/// Gives a page request without the cookie a new token (the middleware sets the cookie).
/// API clients and static files need none.
pub fn ensure_token(req: &ServiceRequest) -> Option<String> {
    let path = req.path();
    if path.starts_with("/api/") || path.starts_with("/static/") || req.cookie(CSRF_COOKIE).is_some() {
        return None;
    }
    let token = super::tokens::random_token();
    req.extensions_mut().insert(CsrfToken(token.clone()));
    Some(token)
}

/// Whether `presented` repeats the cookie's token (compared in constant time).
pub fn is_valid(req: &HttpRequest, presented: &str) -> bool {
    match req.cookie(CSRF_COOKIE) {
        Some(cookie) if !presented.is_empty() => cookie.value().as_bytes().ct_eq(presented.as_bytes()).into(),
        _ => false,
    }
}
