//! GET /api/v1/quote: what a customer would be told before the bot escalates; and
//! GET /api/v1/eta/accuracy: how honest what we told was.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{Caller, ServiceClient};
use crate::dispatch::intake::Priority;
use crate::dispatch::quotes::{self, Quote, QuoteRequest};
use crate::error::{AppError, AppResult, FieldError, Problem};
use crate::models::skill;
use crate::operations::{facts, metrics, window};
use crate::routes::api::operations::MetricsQuery;
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuoteQuery {
    /// ISO 639-1, e.g. `sv`.
    #[validate(custom(function = "crate::validate::iso_639_1"))]
    pub language: String,
    /// ISO 3166-1 alpha-2, e.g. `SE`.
    #[validate(custom(function = "crate::validate::iso_3166_alpha2"))]
    pub market: String,
    /// Comma-separated skill names from the catalogue.
    #[serde(default)]
    #[validate(length(max = 400))]
    pub required_skills: String,
    /// `low`, `normal` (default), `high` or `urgent`.
    #[param(value_type = Option<String>)]
    pub priority: Option<Priority>,
}

/// Quote the wait before escalating: whether an eligible human is online, the expected wait
/// with its 80 % range and ready wording, the place it would take, and when the next eligible
/// agent is scheduled if none is online. Service accounts only.
#[utoipa::path(tag = "escalations", security(("bearer" = [])), params(QuoteQuery),
    responses((status = 200, body = Quote), (status = 400, description = "Malformed query", body = Problem), (status = 401, body = Problem),
        (status = 403, description = "Not a service account", body = Problem), (status = 422, body = Problem)))]
#[get("/api/v1/quote")]
pub async fn quote(
    _service: ServiceClient,
    state: web::Data<AppState>,
    query: ApiQuery<QuoteQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    query.validate()?;
    let required_skills: Vec<String> =
        query.required_skills.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
    let request = QuoteRequest {
        language: query.language,
        market: query.market,
        priority_rank: query.priority.unwrap_or(Priority::Normal).rank(),
        required_skills,
    };
    let dispatcher = state.dispatcher.clone();
    let now = Utc::now();
    let (answer, refresh) = state
        .db
        .read(move |conn| {
            check_skills(conn, &request.required_skills)?;
            quotes::quote(conn, &dispatcher, &request, now)
        })
        .await?;
    if refresh {
        let (db, dispatcher) = (state.db.clone(), state.dispatcher.clone());
        actix_web::rt::spawn(async move {
            let board = dispatcher.quotes.clone();
            if let Err(e) = db.read(move |conn| board.refresh(conn, Utc::now(), &dispatcher)).await {
                tracing::warn!(error = %e, "reading the quote snapshot failed");
            }
        });
    }
    Ok(HttpResponse::Ok().json(answer))
}

/// Every required skill is in the catalogue (422 naming the first unknown one otherwise).
fn check_skills(conn: &mut crate::db::DbConn, required: &[String]) -> Result<(), AppError> {
    if required.len() > 10 {
        return Err(AppError::invalid("required_skills", "at most 10 skills"));
    }
    let known: Vec<String> = skill::all(conn)?.into_iter().map(|s| s.name).collect();
    let unknown: Vec<FieldError> = required
        .iter()
        .filter(|s| !known.contains(s))
        .map(|s| FieldError::new("required_skills", format!("`{s}` is not in the skill catalogue")))
        .collect();
    if unknown.is_empty() { Ok(()) } else { Err(AppError::Validation(unknown)) }
}

/// The accuracy of the ETAs promised in a window, for the platform to show.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccuracyReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    #[serde(flatten)]
    pub accuracy: metrics::EtaAccuracy,
}

/// How honest the ETAs were: over escalations created in the last 24 hours (or `from`..`to`)
/// that reached a human, the mean absolute error over the mean actual wait and the share of
/// waits inside the 80 % range promised. Service accounts and staff; read-only.
#[utoipa::path(tag = "escalations", security(("bearer" = [])), params(MetricsQuery),
    responses((status = 200, body = AccuracyReport), (status = 401, body = Problem), (status = 403, description = "An agent", body = Problem), (status = 422, body = Problem)))]
#[get("/api/v1/eta/accuracy")]
pub async fn accuracy(
    caller: Caller,
    state: web::Data<AppState>,
    query: ApiQuery<MetricsQuery>,
) -> AppResult<HttpResponse> {
    if let Caller::User(user) = &caller
        && !user.role.is_staff()
    {
        return Err(AppError::Forbidden("for the platform and staff".into()));
    }
    let now = Utc::now();
    let span = window::parse(query.from.as_deref(), query.to.as_deref(), state.settings.payroll_tz(), now)?;
    let report = state
        .db
        .read(move |conn| {
            let facts = facts::escalations(conn, span)?;
            let created: Vec<&metrics::EscalationFact> = facts.iter().filter(|e| span.contains(e.created_at)).collect();
            Ok(AccuracyReport { from: span.start, to: span.end, accuracy: metrics::eta_accuracy(&created) })
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
