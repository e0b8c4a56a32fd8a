//! GET /api/v1/me/export: an agent's own data as one JSON archive (`privacy::agent_archive`).
//! The account page links to it; the session cookie authenticates the download.

use actix_web::{HttpResponse, get, web};
use chrono::Utc;

use crate::auth::AgentUser;
use crate::error::{AppResult, Problem};
use crate::privacy::agent_archive::{self, AgentArchive};
use crate::startup::AppState;

/// Everything Handoff holds about me: profile, availability, presence history, offers with
/// their explanations, the conversations I handled (as kept), ratings and pay lines.
#[utoipa::path(
    tag = "agents",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A JSON archive, as a download", body = AgentArchive),
        (status = 401, body = Problem),
        (status = 403, description = "Not an agent", body = Problem),
    )
)]
#[get("/api/v1/me/export")]
pub async fn export(agent: AgentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let (id, tz) = (agent.id(), state.settings.payroll_tz());
    let now = Utc::now();
    let archive = state.db.read(move |conn| agent_archive::archive(conn, id, now, tz)).await?;
    let name = format!("handoff-my-data-{}.json", now.date_naive());
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}\"")))
        .json(archive))
}
