//! GET and POST /login, POST /logout: the browser's way in and out. A successful login sets
//! the access and refresh tokens as HttpOnly, SameSite=Lax cookies.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, http::header, post, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;
use serde::Deserialize;

use super::{Chrome, home_for, render_with_status, require_csrf};
use crate::auth::{MaybeUser, cookies, session};
use crate::error::{AppError, PageError};
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
        Ok(pair) => {
            let mut response = HttpResponse::SeeOther();
            response.insert_header((header::LOCATION, home_for(pair.user.role)));
            for cookie in cookies::session_cookies(&pair, &state) {
                response.cookie(cookie);
            }
            Ok(response.finish())
        }
        Err(AppError::Unauthorized(message) | AppError::Forbidden(message)) => {
            let page = LoginPage { chrome: Chrome::of(&req), email: form.email, error: Some(message) };
            render_with_status(&page, StatusCode::UNAUTHORIZED)
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
