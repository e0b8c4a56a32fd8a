//! GET /account and its forms: a signed-in person's password and second factor (set up with
//! a QR code, new recovery codes, and, for agents, turning it off). The same rules as
//! `/api/v1/me/password` and `/api/v1/me/mfa…` (`auth::password_reset`, `auth::mfa_account`).

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::login::{EnrolPage, RecoveryCodesPage};
use super::{Chrome, Page, render_with_status, require_csrf};
use crate::auth::mfa_account::{self, CodeUse};
use crate::auth::password::MIN_PASSWORD_LEN;
use crate::auth::{CurrentUser, mfa, password_reset};
use crate::error::{AppError, PageError};
use crate::models::mfa as factors;
use crate::startup::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    enrolled: bool,
    required: bool,
    recovery_codes_left: i64,
    min_length: u64,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn account_page(
    req: &HttpRequest,
    state: &AppState,
    me: &CurrentUser,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let id = me.id;
    let (enrolled, left) = state
        .db
        .read(move |conn| Ok((factors::is_enrolled(conn, id)?, factors::recovery_codes_left(conn, id)?)))
        .await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = AccountPage {
        chrome: Chrome::of(req),
        enrolled,
        required: mfa::required_for(me.role),
        recovery_codes_left: left,
        min_length: MIN_PASSWORD_LEN,
        notice,
        error,
    };
    render_with_status(&page, status)
}

/// A refusal the person can fix (a wrong code or password) is shown on the page; anything
/// else is an error page.
fn shown(error: AppError) -> Result<String, PageError> {
    match error {
        AppError::Validation(fields) => {
            // "is not your current password" reads as a sentence with its field in front.
            let sentence = |f: &crate::error::FieldError| match f.message.starts_with("is ") {
                true => format!("The {} {}.", f.field.replace('_', " "), f.message),
                false => format!("{}{}.", f.message[..1].to_uppercase(), &f.message[1..]),
            };
            Ok(fields.iter().map(sentence).collect::<Vec<_>>().join(" "))
        }
        AppError::Forbidden(message) | AppError::Conflict(message) => Ok(message),
        other => Err(PageError(other)),
    }
}

#[get("/account")]
pub async fn show(
    req: HttpRequest,
    me: Page<CurrentUser>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    account_page(&req, &state, &me.0, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    csrf_token: String,
}

/// Changing the password ends every login, this one too: on to the login page.
#[post("/account/password")]
pub async fn change_password(
    req: HttpRequest,
    me: Page<CurrentUser>,
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    require_csrf(&req, &form.csrf_token)?;
    let problem = if form.new_password != form.confirm {
        Some("the two new passwords differ".to_string())
    } else if (form.new_password.chars().count() as u64) < MIN_PASSWORD_LEN {
        Some(format!("the new password needs at least {MIN_PASSWORD_LEN} characters"))
    } else {
        None
    };
    if let Some(problem) = problem {
        return account_page(&req, &state, &me.0, None, Some(problem)).await;
    }
    let client = req.peer_addr().map(|a| a.ip());
    match password_reset::change(&state, client, me.0.id, form.current_password, form.new_password).await {
        Ok(()) => Ok(HttpResponse::SeeOther().insert_header(("Location", "/login")).finish()),
        Err(error) => account_page(&req, &state, &me.0, None, Some(shown(error)?)).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

fn enrol_page(req: &HttpRequest, enrolment: mfa::Enrolment, error: Option<String>) -> EnrolPage {
    EnrolPage {
        chrome: Chrome::of(req),
        reason: "A second factor keeps your account yours even if your password leaks.",
        action: "/account/mfa/confirm",
        challenge: String::new(),
        secret: enrolment.secret,
        qr_svg: enrolment.qr_svg,
        error,
    }
}

#[post("/account/mfa/enrol")]
pub async fn enrol(
    req: HttpRequest,
    me: Page<CurrentUser>,
    state: web::Data<AppState>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    require_csrf(&req, &form.csrf_token)?;
    match mfa_account::begin(&state, me.0.id).await {
        Ok(enrolment) => render_with_status(&enrol_page(&req, enrolment, None), StatusCode::OK),
        Err(error) => account_page(&req, &state, &me.0, None, Some(shown(error)?)).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf_token: String,
}

/// One handler per action a code unlocks: the codes page, the account page, or the refusal.
async fn with_code(
    req: &HttpRequest,
    state: &AppState,
    me: &CurrentUser,
    form: CodeForm,
    what: CodeUse,
) -> Result<HttpResponse, PageError> {
    require_csrf(req, &form.csrf_token)?;
    match mfa_account::use_code(state, me, form.code, what).await {
        Ok(Some(codes)) => {
            let page = RecoveryCodesPage { chrome: Chrome::of(req), codes, next: "/account" };
            render_with_status(&page, StatusCode::OK)
        }
        Ok(None) => account_page(req, state, me, Some("Your second factor is off."), None).await,
        Err(error) => {
            let message = shown(error)?;
            let pending = if matches!(what, CodeUse::ConfirmEnrolment) {
                let (key, id) = (state.data_key.clone(), me.id);
                state
                    .db
                    .read(move |conn| {
                        let person =
                            crate::models::user::find(conn, id)?.ok_or_else(|| AppError::NotFound("account".into()))?;
                        mfa::pending_enrolment(conn, &key, &person)
                    })
                    .await?
            } else {
                None
            };
            match pending {
                Some(enrolment) => {
                    render_with_status(&enrol_page(req, enrolment, Some(message)), StatusCode::UNPROCESSABLE_ENTITY)
                }
                None => account_page(req, state, me, None, Some(message)).await,
            }
        }
    }
}

#[post("/account/mfa/confirm")]
pub async fn confirm(
    req: HttpRequest,
    me: Page<CurrentUser>,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, PageError> {
    with_code(&req, &state, &me.0, form.into_inner(), CodeUse::ConfirmEnrolment).await
}

#[post("/account/mfa/recovery-codes")]
pub async fn renew_recovery_codes(
    req: HttpRequest,
    me: Page<CurrentUser>,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, PageError> {
    with_code(&req, &state, &me.0, form.into_inner(), CodeUse::RenewRecoveryCodes).await
}

#[post("/account/mfa/remove")]
pub async fn remove(
    req: HttpRequest,
    me: Page<CurrentUser>,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, PageError> {
    with_code(&req, &state, &me.0, form.into_inner(), CodeUse::Remove).await
}
