//! Supervisors: POST /api/v1/staff/escalations/{id}/whisper, /take-over, /end and /transfer;
//! agents' POST /api/v1/me/help, and the raised hands staff see (GET /api/v1/staff/help,
//! POST /api/v1/staff/help/{id}/answer).

use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;

use crate::auth::{AgentUser, StaffUser};
use crate::dispatch::conversation::{MessageInput, MessageView, TransferInput};
use crate::dispatch::view::{self, EscalationView};
use crate::error::{AppResult, Problem};
use crate::ids::{EscalationId, HelpRequestId};
use crate::quality::supervise::{self, EndInput, HelpInput, HelpView};
use crate::routes::json::ApiJson;
use crate::startup::AppState;

/// Whisper to the agent: only they and staff see it (never the platform or the customer).
#[utoipa::path(tag = "quality", security(("bearer" = [])), request_body = MessageInput, params(("id" = i64, Path, description = "Escalation id")),
    responses((status = 201, body = MessageView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Not a live conversation with an agent", body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/staff/escalations/{id}/whisper")]
pub async fn whisper(
    staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<EscalationId>,
    body: ApiJson<MessageInput>,
) -> AppResult<HttpResponse> {
    let (id, text) = (id.into_inner(), body.0.text);
    let sent = state.db.write(move |conn| supervise::whisper(conn, id, staff.0.id, &text, Utc::now())).await?;
    Ok(HttpResponse::Created().json(sent))
}

/// Take the conversation over from its agent (their pay to this moment stands); then reply with
/// POST /api/v1/escalations/{id}/messages and finish with /end or /transfer.
#[utoipa::path(tag = "quality", security(("bearer" = [])), params(("id" = i64, Path, description = "Escalation id")),
    responses((status = 200, body = EscalationView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Not live, or taken over already", body = Problem)))]
#[post("/api/v1/staff/escalations/{id}/take-over")]
pub async fn take_over(
    staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<EscalationId>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let shown = state
        .db
        .write(move |conn| {
            let taken = supervise::take_over(conn, id, staff.0.id, Utc::now())?;
            view::escalation(conn, &taken)
        })
        .await?;
    Ok(HttpResponse::Ok().json(shown))
}

/// End a conversation you took over (the platform gets `escalation.resolved`).
#[utoipa::path(tag = "quality", security(("bearer" = [])), request_body = EndInput, params(("id" = i64, Path, description = "Escalation id")),
    responses((status = 200, body = EscalationView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Not taken over by you, or not live", body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/staff/escalations/{id}/end")]
pub async fn end(
    staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<EscalationId>,
    body: ApiJson<EndInput>,
) -> AppResult<HttpResponse> {
    let (id, disposition) = (id.into_inner(), body.0.disposition);
    let shown = state
        .db
        .write(move |conn| {
            let ended = supervise::end(conn, id, staff.0.id, &disposition, Utc::now())?;
            view::escalation(conn, &ended)
        })
        .await?;
    state.webhooks_queued();
    Ok(HttpResponse::Ok().json(shown))
}

/// Send a conversation you took over back to the queue with new needs.
#[utoipa::path(tag = "quality", security(("bearer" = [])), request_body = TransferInput, params(("id" = i64, Path, description = "Escalation id")),
    responses((status = 200, body = EscalationView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Not taken over by you, or not live", body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/staff/escalations/{id}/transfer")]
pub async fn transfer(
    staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<EscalationId>,
    body: ApiJson<TransferInput>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.0);
    let shown = state
        .db
        .write(move |conn| {
            let moved = supervise::transfer(conn, id, staff.0.id, &input, Utc::now())?;
            view::escalation(conn, &moved)
        })
        .await?;
    Ok(HttpResponse::Ok().json(shown))
}

/// Raise a hand: staff see it live on /staff.
#[utoipa::path(tag = "quality", security(("bearer" = [])), request_body = HelpInput,
    responses((status = 201, body = HelpView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "A hand is raised already", body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/me/help")]
pub async fn raise_hand(
    agent: AgentUser,
    state: web::Data<AppState>,
    body: ApiJson<HelpInput>,
) -> AppResult<HttpResponse> {
    let (agent, input) = (agent.id(), body.0);
    let raised = state.db.write(move |conn| supervise::raise_hand(conn, agent, &input, Utc::now())).await?;
    Ok(HttpResponse::Created().json(raised))
}

/// Hands raised and not yet taken, oldest first.
#[utoipa::path(tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = Vec<HelpView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/staff/help")]
pub async fn raised_hands(_staff: StaffUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.db.read(supervise::raised_hands).await?))
}

/// Take a raised hand (someone is on it); audited.
#[utoipa::path(tag = "quality", security(("bearer" = [])), params(("id" = i64, Path, description = "Help request id")),
    responses((status = 200, body = HelpView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Taken already", body = Problem)))]
#[post("/api/v1/staff/help/{id}/answer")]
pub async fn answer_hand(
    staff: StaffUser,
    state: web::Data<AppState>,
    id: web::Path<HelpRequestId>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    Ok(HttpResponse::Ok()
        .json(state.db.write(move |conn| supervise::answer_hand(conn, id, staff.0.id, Utc::now())).await?))
}
