//! GET and POST /verify: confirming an email address from the link in the email. The link
//! opens a page with a button; only the button's POST uses the single-use token, so mail
//! scanners that fetch links cannot spend it.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;
use serde::Deserialize;

use super::{Chrome, render_with_status, require_csrf};
use crate::error::{AppError, PageError};
use crate::recruiting::register;
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "verify.html")]
struct VerifyPage {
    chrome: Chrome,
    token: String,
    /// Set once the POST was handled: whether it worked and what to tell the person.
    outcome: Option<Outcome>,
}

struct Outcome {
    confirmed: bool,
    message: String,
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[get("/verify")]
pub async fn show(req: HttpRequest, query: ApiQuery<TokenQuery>) -> VerifyPage {
    VerifyPage { chrome: Chrome::of(&req), token: query.into_inner().token, outcome: None }
}

#[derive(Debug, Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf_token: String,
}

#[post("/verify")]
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<VerifyForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    require_csrf(&req, &form.csrf_token)?;
    let token = form.token.clone();
    let result = state.db.write(move |conn| register::verify(conn, &token, Utc::now())).await;
    let (outcome, status) = match result {
        Ok(_) => (
            Outcome {
                confirmed: true,
                message: "Your email address is confirmed. Our staff will review your application and email you their decision.".into(),
            },
            StatusCode::OK,
        ),
        Err(AppError::Validation(errors)) => {
            let message = errors.first().map(|e| e.message.clone()).unwrap_or_default();
            (Outcome { confirmed: false, message }, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AppError::Conflict(message)) => (Outcome { confirmed: false, message }, StatusCode::CONFLICT),
        Err(other) => return Err(PageError(other)),
    };
    render_with_status(&VerifyPage { chrome: Chrome::of(&req), token: form.token, outcome: Some(outcome) }, status)
}

#[derive(Debug, Deserialize)]
pub struct ResendForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf_token: String,
}

/// Sends a new link; the page says the same whether or not the address applied.
#[post("/verify/resend")]
pub async fn resend(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ResendForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    require_csrf(&req, &form.csrf_token)?;
    state.registration_limiter.check(req.peer_addr().map(|a| a.ip())).await?;
    let links = state.link_settings();
    let email = form.email.chars().take(254).collect::<String>();
    state.db.write(move |conn| register::resend_verification(conn, &email, &links, Utc::now())).await?;
    state.mail_queued();
    let outcome = Outcome {
        confirmed: false,
        message: "If that address is waiting for confirmation, a new link is on its way.".into(),
    };
    render_with_status(
        &VerifyPage { chrome: Chrome::of(&req), token: String::new(), outcome: Some(outcome) },
        StatusCode::ACCEPTED,
    )
}
