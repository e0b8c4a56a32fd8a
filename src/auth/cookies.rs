//! Browser sessions: the access and refresh tokens in HttpOnly cookies, the CSRF cookie, and
//! the middleware that renews an expired access cookie from the refresh cookie so a browser
//! stays logged in past the 15-minute access lifetime.

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    cookie::{Cookie, SameSite, time::Duration as CookieDuration},
    dev::{ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    web,
};
use chrono::{Duration, Utc};

use super::{csrf, extract::RefreshedClaims, session};
use crate::startup::AppState;

pub const ACCESS_COOKIE: &str = "handoff_access";
pub const REFRESH_COOKIE: &str = "handoff_refresh";
/// Parallel requests from one page may present the same refresh cookie; the losers within
/// this window are not treated as token theft.
const BROWSER_REUSE_GRACE_S: i64 = 60;

/// An HttpOnly cookie for the whole site; `max_age_s: None` lasts until the browser closes.
fn cookie(
    name: &'static str,
    value: String,
    max_age_s: Option<i64>,
    same_site: SameSite,
    secure: bool,
) -> Cookie<'static> {
    let builder = Cookie::build(name, value).path("/").http_only(true).secure(secure).same_site(same_site);
    match max_age_s {
        Some(seconds) => builder.max_age(CookieDuration::seconds(seconds)).finish(),
        None => builder.finish(),
    }
}

/// The two cookies that carry a login.
pub fn session_cookies(pair: &session::TokenPair, state: &AppState) -> [Cookie<'static>; 2] {
    let secure = state.settings.secure_cookies();
    let lifetimes = state.token_lifetimes();
    [
        cookie(ACCESS_COOKIE, pair.access_token.clone(), Some(lifetimes.access_s as i64), SameSite::Lax, secure),
        cookie(REFRESH_COOKIE, pair.refresh_token.clone(), Some(lifetimes.refresh_s as i64), SameSite::Lax, secure),
    ]
}

/// Cookies that delete a login from the browser.
pub fn removal_cookies(state: &AppState) -> [Cookie<'static>; 2] {
    let secure = state.settings.secure_cookies();
    [
        cookie(ACCESS_COOKIE, String::new(), Some(0), SameSite::Lax, secure),
        cookie(REFRESH_COOKIE, String::new(), Some(0), SameSite::Lax, secure),
    ]
}

fn csrf_cookie(token: String, state: &AppState) -> Cookie<'static> {
    // A session cookie (no Max-Age): a new browser session gets a new token.
    cookie(csrf::CSRF_COOKIE, token, None, SameSite::Strict, state.settings.secure_cookies())
}

/// Whether this request carries a usable login in its access cookie already.
fn access_cookie_is_valid(req: &ServiceRequest, state: &AppState) -> bool {
    req.cookie(ACCESS_COOKIE).is_some_and(|c| state.keys.verify(c.value()).is_some())
}

/// Middleware for every route but static files: hands out the CSRF cookie, and renews an
/// expired access cookie from a valid refresh cookie (rotating it). Requests with an
/// `Authorization` header are API clients and are left alone.
pub async fn browser_session(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    let mut outgoing = Vec::new();
    if let Some(token) = csrf::ensure_token(&req) {
        outgoing.push(csrf_cookie(token, &state));
    }
    let refresh = req.cookie(REFRESH_COOKIE).map(|c| c.value().to_string()).filter(|v| !v.is_empty());
    let is_api_client = req.headers().contains_key(header::AUTHORIZATION);
    if let Some(presented) = refresh.filter(|_| !is_api_client && !access_cookie_is_valid(&req, &state)) {
        let (keys, lifetimes) = (state.keys.clone(), state.token_lifetimes());
        let grace = Duration::seconds(BROWSER_REUSE_GRACE_S);
        let outcome =
            state.db.write(move |conn| session::rotate(conn, &keys, &presented, lifetimes, Utc::now(), grace)).await;
        match outcome {
            Ok(session::Refreshed::Rotated(pair)) => {
                if let Some(claims) = state.keys.verify(&pair.access_token) {
                    req.extensions_mut().insert(RefreshedClaims(claims));
                }
                outgoing.extend(session_cookies(&pair, &state));
            }
            Ok(session::Refreshed::Refused) => outgoing.extend(removal_cookies(&state)),
            // Already logged by AppError; the request goes on unauthenticated.
            Err(error) => tracing::warn!(%error, "could not renew a browser session"),
        }
    }
    let mut response = next.call(req).await?;
    for cookie in &outgoing {
        response.response_mut().add_cookie(cookie)?;
    }
    Ok(response)
}
