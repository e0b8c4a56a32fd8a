//! GET and POST /forgot-password and /reset-password: getting back in from the browser. The
//! emailed link opens a form; only its POST spends the single-use token (mail scanners that
//! fetch links cannot), and it sets the password without signing in (`auth::password_reset`).

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;
use serde::Deserialize;

use super::{Chrome, render_with_status, require_csrf};
use crate::auth::accounts;
use crate::auth::password::MIN_PASSWORD_LEN;
use crate::auth::password_reset;
use crate::error::{AppError, PageError};
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "forgot_password.html")]
struct ForgotPage {
    chrome: Chrome,
    /// Set once a link was asked for (the same words whether or not the address is known).
    sent: bool,
}

#[get("/forgot-password")]
pub async fn forgot_form(req: HttpRequest) -> ForgotPage {
    ForgotPage { chrome: Chrome::of(&req), sent: false }
}

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf_token: String,
}

#[post("/forgot-password")]
pub async fn forgot_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ForgotForm>,
) -> Result<ForgotPage, PageError> {
    let form = form.into_inner();
    require_csrf(&req, &form.csrf_token)?;
    state.login_limiter.check(req.peer_addr().map(|a| a.ip()), &form.email).await?;
    let public_url = state.settings.public_url();
    state.db.write(move |conn| password_reset::request(conn, &form.email, &public_url, Utc::now())).await?;
    state.mail_queued();
    Ok(ForgotPage { chrome: Chrome::of(&req), sent: true })
}

#[derive(Template, WebTemplate)]
#[template(path = "reset_password.html")]
struct ResetPage {
    chrome: Chrome,
    token: String,
    /// Whether the link can still be used (else the page offers a new one).
    usable: bool,
    error: Option<String>,
    done: bool,
    min_length: u64,
}

impl ResetPage {
    fn new(req: &HttpRequest, token: String, usable: bool) -> ResetPage {
        ResetPage { chrome: Chrome::of(req), token, usable, error: None, done: false, min_length: MIN_PASSWORD_LEN }
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[get("/reset-password")]
pub async fn reset_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: ApiQuery<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let token = query.into_inner().token;
    let checking = token.clone();
    let usable = !token.is_empty()
        && state.db.read(move |conn| password_reset::link_is_usable(conn, &checking, Utc::now())).await?;
    let status = if usable { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with_status(&ResetPage::new(&req, token, usable), status)
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    csrf_token: String,
}

#[post("/reset-password")]
pub async fn reset_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, PageError> {
    let ResetForm { token, password, confirm, csrf_token } = form.into_inner();
    require_csrf(&req, &csrf_token)?;
    state.login_limiter.check_client(req.peer_addr().map(|a| a.ip())).await?;
    let mut page = ResetPage::new(&req, token.clone(), true);
    if (password.chars().count() as u64) < MIN_PASSWORD_LEN || password.len() > 1024 {
        page.error = Some(format!("Choose a password of at least {MIN_PASSWORD_LEN} characters."));
        return render_with_status(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    if password != confirm {
        page.error = Some("The two passwords differ; type the same one twice.".into());
        return render_with_status(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let hash = accounts::hash_off_thread(password).await?;
    match state.db.write(move |conn| password_reset::complete(conn, &token, &hash, Utc::now())).await {
        Ok(_) => {
            page.done = true;
            render_with_status(&page, StatusCode::OK)
        }
        Err(AppError::Validation(_)) => {
            page.usable = false;
            render_with_status(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(other) => Err(PageError(other)),
    }
}
