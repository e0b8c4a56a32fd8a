//! Extractors that authenticate the caller and check the role, so a handler's signature says
//! who may call it: `AgentUser`, `StaffUser` (staff or admin), `AdminUser`, `ServiceClient`,
//! `CurrentUser` (any person), `Caller` (anyone authenticated). No credentials or bad ones:
//! 401; the wrong role: 403.
//!
//! Credentials, in order: an access token refreshed by the browser-session middleware this
//! request, `Authorization: Bearer <JWT | service token>`, then the `handoff_access` cookie.
//! A cookie-authenticated state-changing API call must also repeat the CSRF token in the
//! `X-CSRF-Token` header.
//!
//! The caller is worked out once per request by the [`identify`] middleware, before any
//! extractor runs: actix polls a handler's extractors together, and a body error must never
//! answer before "who are you" has (an anonymous caller gets 401, not a hint about the body).

use std::future::{Ready, ready};

use actix_web::{
    Error, FromRequest, HttpMessage, HttpRequest,
    body::MessageBody,
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    web,
};

use super::{Role, cookies::ACCESS_COOKIE, csrf, revocation, tokens};
use crate::error::AppError;
use crate::ids::{AgentId, ServiceAccountId, UserId};
use crate::models::service_account;
use crate::startup::AppState;

/// A logged-in person.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: UserId,
    pub role: Role,
    /// The login (refresh-token family) this access token belongs to.
    pub session: String,
}

impl CurrentUser {
    /// This person's id as an agent's; meaningful only when `role` is `Agent`.
    pub fn agent_id(&self) -> AgentId {
        AgentId::of_user(self.id)
    }
}

/// A service account (the chatbot platform).
#[derive(Debug, Clone)]
pub struct ServiceClient {
    pub id: ServiceAccountId,
    pub name: String,
}

/// Anyone authenticated, person or service.
#[derive(Debug, Clone)]
pub enum Caller {
    User(CurrentUser),
    Service(ServiceClient),
}

/// Claims of an access token the session middleware has just refreshed for this request.
#[derive(Debug, Clone)]
pub(crate) struct RefreshedClaims(pub tokens::Claims);

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state is not configured")))
}

fn user_from_claims(claims: tokens::Claims) -> Result<CurrentUser, AppError> {
    let id = claims.user_id().ok_or_else(|| AppError::Unauthorized("invalid token".into()))?;
    Ok(CurrentUser { id, role: claims.role, session: claims.sid })
}

/// The person behind a verified access token whose login has not been revoked since.
async fn live_user(state: &AppState, claims: tokens::Claims) -> Result<CurrentUser, AppError> {
    let user = user_from_claims(claims)?;
    revocation::ensure_live(state, &user).await?;
    Ok(user)
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

fn is_state_changing(req: &HttpRequest) -> bool {
    !matches!(req.method().as_str(), "GET" | "HEAD" | "OPTIONS")
}

/// Works out who is calling; see the module docs for the order.
async fn authenticate(req: &HttpRequest) -> Result<Caller, AppError> {
    let refreshed = req.extensions().get::<RefreshedClaims>().cloned();
    if let Some(RefreshedClaims(claims)) = refreshed {
        return Ok(Caller::User(user_from_claims(claims)?));
    }
    let state = state(req)?;
    if let Some(token) = bearer_token(req) {
        if token.starts_with(tokens::SERVICE_TOKEN_PREFIX) {
            let hash = tokens::token_hash(&token);
            let account =
                state.db.read(move |conn| Ok(service_account::find_active_by_token_hash(conn, &hash)?)).await?;
            return account
                .map(|a| Caller::Service(ServiceClient { id: a.id, name: a.name }))
                .ok_or_else(|| AppError::Unauthorized("invalid service token".into()));
        }
        let claims =
            state.keys.verify(&token).ok_or_else(|| AppError::Unauthorized("invalid or expired token".into()))?;
        return Ok(Caller::User(live_user(&state, claims).await?));
    }
    if let Some(cookie) = req.cookie(ACCESS_COOKIE) {
        let claims =
            state.keys.verify(cookie.value()).ok_or_else(|| AppError::Unauthorized("session expired".into()))?;
        if is_state_changing(req) && req.path().starts_with("/api/") {
            let presented = req.headers().get(csrf::CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !csrf::is_valid(req, presented) {
                return Err(AppError::Forbidden("missing or wrong X-CSRF-Token header".into()));
            }
        }
        return Ok(Caller::User(live_user(&state, claims).await?));
    }
    Err(AppError::Unauthorized("log in first: send Authorization: Bearer <token>".into()))
}

/// What [`identify`] found out about the caller, kept in the request's extensions.
#[derive(Debug, Clone)]
enum Identity {
    /// No credentials at all.
    Anonymous,
    Known(Caller),
    /// Credentials that do not hold (401), with the reason to give.
    Refused(String),
    /// Cookie credentials without the CSRF header on a state-changing API call (403).
    MissingCsrf(String),
    /// The database could not be asked (down, full, saturated): 503 with Retry-After, and the
    /// cause to log.
    Unavailable {
        retry_after_s: u64,
        cause: String,
    },
    /// The lookup itself failed otherwise; already logged.
    Failed,
}

/// Middleware: authenticates every request once and records the outcome for the extractors.
pub async fn identify(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let identity = match authenticate(req.request()).await {
        Ok(caller) => Identity::Known(caller),
        Err(AppError::Unauthorized(_)) if !has_credentials(req.request()) => Identity::Anonymous,
        Err(AppError::Unauthorized(reason)) => Identity::Refused(reason),
        Err(AppError::Forbidden(reason)) => Identity::MissingCsrf(reason),
        // Logged once, when the request's 503 is answered.
        Err(AppError::Unavailable { retry_after_s, cause }) => Identity::Unavailable { retry_after_s, cause },
        Err(error) => {
            tracing::error!(error = ?error, "authenticating a request failed");
            Identity::Failed
        }
    };
    req.extensions_mut().insert(identity);
    next.call(req).await
}

fn has_credentials(req: &HttpRequest) -> bool {
    req.headers().contains_key(header::AUTHORIZATION) || req.cookie(ACCESS_COOKIE).is_some()
}

/// The role of a signed-in caller, if any (for page frames and navigation).
pub fn caller_role(req: &HttpRequest) -> Option<Role> {
    match caller_of(req).ok()? {
        Caller::User(user) => Some(user.role),
        Caller::Service(_) => None,
    }
}

/// The caller recorded by [`identify`], or the error to answer with.
fn caller_of(req: &HttpRequest) -> Result<Caller, AppError> {
    let identity = req.extensions().get::<Identity>().cloned();
    match identity {
        Some(Identity::Known(caller)) => Ok(caller),
        Some(Identity::Anonymous) => {
            Err(AppError::Unauthorized("log in first: send Authorization: Bearer <token>".into()))
        }
        Some(Identity::Refused(reason)) => Err(AppError::Unauthorized(reason)),
        Some(Identity::MissingCsrf(reason)) => Err(AppError::Forbidden(reason)),
        Some(Identity::Unavailable { retry_after_s, cause }) => {
            Err(AppError::Unavailable { retry_after_s, cause: format!("authenticating: {cause}") })
        }
        Some(Identity::Failed) => {
            Err(AppError::Internal(anyhow::anyhow!("authentication failed earlier in this request")))
        }
        None => Err(AppError::Internal(anyhow::anyhow!("the identify middleware is not installed"))),
    }
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Ready<Result<Caller, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller_of(req))
    }
}

impl FromRequest for ServiceClient {
    type Error = AppError;
    type Future = Ready<Result<ServiceClient, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller_of(req).and_then(|caller| match caller {
            Caller::Service(service) => Ok(service),
            Caller::User(_) => Err(AppError::Forbidden("only service accounts may call this".into())),
        }))
    }
}

/// Declares an extractor for people whose role passes `allowed`.
macro_rules! person_extractor {
    ($(#[$doc:meta])* $name:ident, $allowed:expr, $refusal:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub CurrentUser);

        impl FromRequest for $name {
            type Error = AppError;
            type Future = Ready<Result<$name, AppError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                ready(caller_of(req).and_then(|caller| match caller {
                    Caller::User(user) if ($allowed)(user.role) => Ok($name(user)),
                    _ => Err(AppError::Forbidden($refusal.into())),
                }))
            }
        }
    };
}

person_extractor!(
    /// Any logged-in person (agent, staff or admin).
    PersonUser, |role: Role| role != Role::Service, "only people may call this");
person_extractor!(
    /// A freelance agent.
    AgentUser, |role: Role| role == Role::Agent, "only agents may call this");
impl AgentUser {
    /// The agent's id (an agent's user id is their profile's key).
    pub fn id(&self) -> AgentId {
        self.0.agent_id()
    }
}

person_extractor!(
    /// Staff or an admin.
    StaffUser, |role: Role| role.is_staff(), "only staff may call this");
person_extractor!(
    /// An admin.
    AdminUser, |role: Role| role == Role::Admin, "only admins may call this");

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<CurrentUser, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(PersonUser::from_request(req, payload).into_inner().map(|person| person.0))
    }
}

/// The logged-in person, if any: for pages that show more to a signed-in visitor.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequest for MaybeUser {
    type Error = AppError;
    type Future = Ready<Result<MaybeUser, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match caller_of(req) {
            Ok(Caller::User(user)) => Ok(MaybeUser(Some(user))),
            Ok(Caller::Service(_)) | Err(AppError::Unauthorized(_) | AppError::Forbidden(_)) => Ok(MaybeUser(None)),
            Err(other) => Err(other),
        })
    }
}
