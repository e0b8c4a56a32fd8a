//! Payroll CSVs: GET /api/v1/staff/payroll.csv (every agent, staff) and
//! GET /api/v1/me/statement.csv (the calling agent's own lines).

use actix_web::{HttpResponse, get, http::header, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{AgentUser, StaffUser};
use crate::error::{AppError, AppResult, Problem};
use crate::ids::AgentId;
use crate::payroll::export::{self, PayrollPeriod};
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PayrollQuery {
    /// First day, inclusive, in the payroll time zone (`2026-12-01`).
    #[param(required = true, value_type = String, format = Date)]
    pub from: Option<String>,
    /// Last day, inclusive (`2026-12-31`); at most 367 days after `from`.
    #[param(required = true, value_type = String, format = Date)]
    pub to: Option<String>,
    /// `true` for one line per paid interval, conversation and online span (reconciliation).
    #[param(pattern = "^(true|false|1|0)$")]
    pub detail: Option<String>,
    /// Staff only: one agent's lines.
    #[param(value_type = Option<i64>)]
    pub agent_id: Option<String>,
}

impl PayrollQuery {
    fn detail(&self) -> AppResult<bool> {
        match self.detail.as_deref() {
            None | Some("false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(other) => Err(AppError::invalid("detail", format!("`{other}` is not true or false"))),
        }
    }

    fn agent_id(&self) -> AppResult<Option<AgentId>> {
        self.agent_id
            .as_deref()
            .map(|id| {
                id.parse::<AgentId>().map_err(|_| AppError::invalid("agent_id", format!("`{id}` is not an agent id")))
            })
            .transpose()
    }
}

/// Builds the CSV in a blocking read and answers it as a download.
async fn csv_download(
    state: &AppState,
    query: &PayrollQuery,
    stem: &'static str,
    only: Option<AgentId>,
) -> AppResult<HttpResponse> {
    let payroll = PayrollPeriod::parse(query.from.as_deref(), query.to.as_deref(), state.settings.payroll_tz())?;
    let detail = query.detail()?;
    let body = state
        .db
        .read(move |conn| {
            let pays = export::collect(conn, &payroll, Utc::now(), only, &mut |_, _| {})?;
            let mut out = Vec::new();
            let written = if detail {
                export::write_detail(&mut out, &payroll, &pays)
            } else {
                export::write_summary(&mut out, &payroll, &pays)
            };
            written.map_err(|e| AppError::Internal(anyhow::Error::new(e).context("writing payroll CSV")))?;
            Ok(out)
        })
        .await?;
    let name = if detail { payroll.file_name(&format!("{stem}-detail")) } else { payroll.file_name(stem) };
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// One line per agent and currency with pay in the period (columns as in API.md); with
/// `detail=true`, one line per piece so every total traces to escalation ids.
#[utoipa::path(tag = "payroll", security(("bearer" = [])), params(PayrollQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/api/v1/staff/payroll.csv")]
pub async fn staff_export(
    _staff: StaffUser,
    state: web::Data<AppState>,
    query: ApiQuery<PayrollQuery>,
) -> AppResult<HttpResponse> {
    let only = query.agent_id()?;
    csv_download(&state, &query, "payroll", only).await
}

/// The calling agent's own payroll lines for the period (`detail=true` for every piece).
#[utoipa::path(tag = "payroll", security(("bearer" = [])), params(PayrollQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem), (status = 403, description = "Not an agent, or another agent's id", body = Problem), (status = 422, body = Problem)))]
#[get("/api/v1/me/statement.csv")]
pub async fn statement(
    agent: AgentUser,
    state: web::Data<AppState>,
    query: ApiQuery<PayrollQuery>,
) -> AppResult<HttpResponse> {
    // A statement is always the caller's own: naming anyone else is refused, not ignored.
    if query.agent_id()?.is_some_and(|id| id != agent.id()) {
        return Err(AppError::Forbidden("a statement shows only your own pay".into()));
    }
    csv_download(&state, &query, "statement", Some(agent.id())).await
}
