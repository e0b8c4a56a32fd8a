//! GET and POST /login, POST /logout: the browser's way in and out. A successful login sets
//! the access and refresh tokens as HttpOnly, SameSite=Lax cookies.

use actix_web::{HttpRequest, HttpResponse, ResponseError, get, http::StatusCode, http::header, post, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;
use serde::Deserialize;

use super::{Chrome, home_for, render_with_status, require_csrf};
use crate::auth::session::LoginOutcome;
use crate::auth::{MaybeUser, cookies, mfa, session};
use crate::error::{AppError, PageError};
use crate::models::user;
use crate::startup::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    email: String,
    error: Option<String>,
}

#[get("/login")]
pub async fn login_form(req: HttpRequest) -> LoginPage {
    LoginPage { chrome: Chrome::of(&req), email: String::new(), error: None }
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

#[post("/login")]
pub async fn login_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    require_csrf(&req, &form.csrf_token)?;
    let client = req.peer_addr().map(|a| a.ip());
    match session::log_in(&state, client, &form.email, form.password).await {
        Ok(LoginOutcome::Tokens(pair)) => Ok(signed_in(&req, &state, &pair, None)),
        Ok(LoginOutcome::SecondFactor(asked)) => second_factor_page(&req, &state, asked.challenge, None).await,
        Err(AppError::Unauthorized(message) | AppError::Forbidden(message)) => {
            let page = LoginPage { chrome: Chrome::of(&req), email: form.email, error: Some(message) };
            render_with_status(&page, StatusCode::UNAUTHORIZED)
        }
        Err(other) => Err(PageError(other)),
    }
}

/// The session cookies and the way on: home, or first the recovery codes of a new enrolment.
fn signed_in(
    req: &HttpRequest,
    state: &AppState,
    pair: &session::TokenPair,
    recovery_codes: Option<Vec<String>>,
) -> HttpResponse {
    let mut response = match recovery_codes {
        Some(_) => HttpResponse::Ok(),
        None => {
            let mut redirect = HttpResponse::SeeOther();
            redirect.insert_header((header::LOCATION, home_for(pair.user.role)));
            redirect
        }
    };
    for cookie in cookies::session_cookies(pair, state) {
        response.cookie(cookie);
    }
    match recovery_codes {
        Some(codes) => {
            // Rendered with the cookies of this answer: the next page is already signed in.
            let page = RecoveryCodesPage {
                chrome: Chrome { role: Some(pair.user.role), ..Chrome::of(req) },
                codes,
                next: home_for(pair.user.role),
            };
            match page.render() {
                Ok(html) => response.content_type("text/html; charset=utf-8").body(html),
                Err(error) => PageError(AppError::Internal(error.into())).error_response(),
            }
        }
        None => response.finish(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "login_mfa.html")]
struct LoginCodePage {
    chrome: Chrome,
    email: String,
    challenge: String,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "mfa_enrol.html")]
pub(super) struct EnrolPage {
    pub chrome: Chrome,
    pub reason: &'static str,
    pub action: &'static str,
    pub challenge: String,
    pub secret: String,
    pub qr_svg: String,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "mfa_recovery_codes.html")]
pub(super) struct RecoveryCodesPage {
    pub chrome: Chrome,
    pub codes: Vec<String>,
    pub next: &'static str,
}

/// The page that asks for a code: the code prompt, or (staff without a second factor) the
/// enrolment with its QR code. A challenge no longer live goes back to the login form.
async fn second_factor_page(
    req: &HttpRequest,
    state: &AppState,
    challenge: String,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let (token, data_key) = (challenge.clone(), state.data_key.clone());
    let found = state
        .db
        .write(move |conn| {
            let now = Utc::now();
            let Ok(pending) = mfa::live_challenge(conn, &token, now) else { return Ok(None) };
            let Some(person) = user::find(conn, pending.user_id)? else { return Ok(None) };
            let enrolment = match (pending.enrolment, mfa::pending_enrolment(conn, &data_key, &person)?) {
                (false, _) => None,
                (true, Some(shown)) => Some(shown),
                (true, None) => Some(mfa::begin_enrolment(conn, &data_key, &person, now)?),
            };
            Ok(Some((person.email, enrolment)))
        })
        .await?;
    let status = if error.is_some() { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
    match found {
        None => {
            let message = error.unwrap_or_else(|| "this sign-in has expired: log in again".into());
            let page = LoginPage { chrome: Chrome::of(req), email: String::new(), error: Some(message) };
            render_with_status(&page, StatusCode::UNAUTHORIZED)
        }
        Some((email, None)) => {
            render_with_status(&LoginCodePage { chrome: Chrome::of(req), email, challenge, error }, status)
        }
        Some((_, Some(enrolment))) => {
            let page = EnrolPage {
                chrome: Chrome::of(req),
                reason: "Staff accounts need a second factor before they can sign in.",
                action: "/login/mfa",
                challenge,
                secret: enrolment.secret,
                qr_svg: enrolment.qr_svg,
                error,
            };
            render_with_status(&page, status)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf_token: String,
}

#[post("/login/mfa")]
pub async fn code_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    require_csrf(&req, &form.csrf_token)?;
    let client = req.peer_addr().map(|a| a.ip());
    match session::complete_mfa(&state, client, form.challenge.clone(), form.code).await {
        Ok(done) => Ok(signed_in(&req, &state, &done.pair, done.recovery_codes)),
        Err(AppError::Unauthorized(message) | AppError::Forbidden(message)) => {
            second_factor_page(&req, &state, form.challenge, Some(message)).await
        }
        Err(other) => Err(PageError(other)),
    }
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

#[post("/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    visitor: MaybeUser,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, PageError> {
    require_csrf(&req, &form.csrf_token)?;
    if let Some(user) = visitor.0 {
        state.db.write(move |conn| session::end(conn, user.id, &user.session, Utc::now())).await?;
    }
    let mut response = HttpResponse::SeeOther();
    response.insert_header((header::LOCATION, "/login"));
    for cookie in cookies::removal_cookies(&state) {
        response.cookie(cookie);
    }
    Ok(response.finish())
}
