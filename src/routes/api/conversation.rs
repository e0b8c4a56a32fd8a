//! The conversation once a human has it: messages, resolve, transfer, rating; and the webhook
//! deliveries staff can inspect.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AgentUser, Caller, ServiceClient, StaffUser};
use crate::commands;
use crate::dispatch::conversation::{self, Author, MessageInput, RatingInput, ResolveInput, TransferInput};
use crate::dispatch::view;
use crate::error::{AppError, AppResult, Problem};
use crate::ids::{EscalationId, ServiceAccountId};
use crate::models::{escalation, webhook_delivery};
use crate::routes::api::paging::Paging;
use crate::routes::json::ApiJson;
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

/// Post a message: the platform relays the customer's words; the assigned agent replies (the
/// reply goes to the platform as `escalation.message`); a supervisor who took the conversation
/// over replies the same way (`author: supervisor` in the webhook).
#[utoipa::path(tag = "escalations", security(("bearer" = [])), request_body = MessageInput, params(("id" = i64, Path, description = "Escalation id")),
    responses((status = 201, body = conversation::MessageView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "The conversation has ended (or is not yet assigned, for agents)", body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/escalations/{id}/messages")]
pub async fn post_message(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<EscalationId>,
    body: ApiJson<MessageInput>,
) -> AppResult<HttpResponse> {
    let author = match caller {
        Caller::Service(service) => Author::Customer { service: service.id },
        Caller::User(user) if user.role == crate::auth::Role::Agent => Author::Agent { id: user.agent_id() },
        // Staff write to the customer only in a conversation they took over (else 409).
        Caller::User(user) => Author::Supervisor { id: user.id },
    };
    let sent = commands::post_message(&state, id.into_inner(), author, body.0.text, Utc::now()).await?;
    Ok(HttpResponse::Created().json(sent))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesAfter {
    /// Only messages after this message id (to page on, or to poll for new ones).
    pub after_id: Option<i64>,
}

/// The conversation's messages, oldest first (its service, staff, or its agent), at most
/// `limit` at a time.
#[utoipa::path(tag = "escalations", security(("bearer" = [])), params(("id" = i64, Path, description = "Escalation id"), MessagesAfter, Paging),
    responses((status = 200, body = Vec<conversation::MessageView>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[get("/api/v1/escalations/{id}/messages")]
pub async fn messages(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<EscalationId>,
    after: ApiQuery<MessagesAfter>,
    paging: ApiQuery<Paging>,
) -> AppResult<HttpResponse> {
    let (id, after_id, limit) = (id.into_inner(), after.after_id.unwrap_or(0), paging.limit()?);
    let found = state
        .db
        .read(move |conn| Ok(escalation::find(conn, id)?))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no escalation {id}")))?;
    let allowed = match &caller {
        Caller::Service(service) => service.id == found.service_account_id,
        Caller::User(user) => user.role.is_staff() || found.assigned_agent_id == Some(user.agent_id()),
    };
    if !allowed {
        return Err(AppError::Forbidden("this escalation is not yours".into()));
    }
    // Whispers are between staff and the agent: the platform never sees them.
    let with_whispers = matches!(caller, Caller::User(_));
    let shown = state.db.read(move |conn| conversation::messages(conn, id, after_id, limit, with_whispers)).await?;
    Ok(HttpResponse::Ok().json(shown))
}

/// Resolve your conversation (`disposition`), or give it back to the chatbot
/// (`{"hand_back": true, "summary": "..."}`: the platform gets `escalation.handed_back`); either
/// way it ends, it is paid the same, and your capacity goes to the next waiting escalation.
#[utoipa::path(tag = "escalations", security(("bearer" = [])), request_body = ResolveInput, params(("id" = i64, Path, description = "Escalation id")),
    responses((status = 200, body = view::EscalationView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/escalations/{id}/resolve")]
pub async fn resolve(
    agent: AgentUser,
    state: web::Data<AppState>,
    id: web::Path<EscalationId>,
    body: ApiJson<ResolveInput>,
) -> AppResult<HttpResponse> {
    let (disposition, hand_back) = body.0.checked()?;
    let shown = commands::resolve(&state, agent.id(), id.into_inner(), disposition, hand_back, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(shown))
}

/// Hand the conversation back to the queue with new needs; it will not come back to you.
#[utoipa::path(tag = "escalations", security(("bearer" = [])), request_body = TransferInput, params(("id" = i64, Path, description = "Escalation id")),
    responses((status = 200, body = view::EscalationView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/escalations/{id}/transfer")]
pub async fn transfer(
    agent: AgentUser,
    state: web::Data<AppState>,
    id: web::Path<EscalationId>,
    body: ApiJson<TransferInput>,
) -> AppResult<HttpResponse> {
    let shown = commands::transfer(&state, agent.id(), id.into_inner(), body.0, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(shown))
}

/// The customer's rating of a resolved conversation (once); it feeds the agent's rating.
#[utoipa::path(tag = "escalations", security(("bearer" = [])), request_body = RatingInput, params(("id" = i64, Path, description = "Escalation id")),
    responses((status = 201, description = "Recorded"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "Not resolved, or rated already", body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/escalations/{id}/rating")]
pub async fn rate(
    service: ServiceClient,
    state: web::Data<AppState>,
    id: web::Path<EscalationId>,
    body: ApiJson<RatingInput>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.0);
    state.db.write(move |conn| conversation::rate(conn, id, service.id, &input, Utc::now())).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({"escalation_id": id})))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    /// Only deliveries still waiting to succeed.
    pub pending: Option<bool>,
}

/// One webhook delivery and its attempts so far.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    #[schema(value_type = i64)]
    pub service_account_id: ServiceAccountId,
    pub event: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub delivered_at: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
}

/// Recent webhook deliveries with their attempts (newest first).
#[utoipa::path(tag = "operations", security(("bearer" = [])), params(DeliveryFilter),
    responses((status = 200, body = Vec<DeliveryView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/staff/webhooks")]
pub async fn deliveries(
    _staff: StaffUser,
    state: web::Data<AppState>,
    filter: ApiQuery<DeliveryFilter>,
) -> AppResult<HttpResponse> {
    let pending = filter.pending.unwrap_or(false);
    let found = state.db.read(move |conn| Ok(webhook_delivery::recent(conn, pending, 200)?)).await?;
    let shown: Vec<DeliveryView> = found
        .into_iter()
        .map(|d| DeliveryView {
            id: d.id,
            service_account_id: d.service_account_id,
            event: d.event,
            created_at: d.created_at.and_utc(),
            attempts: d.attempts,
            next_attempt_at: d.delivered_at.is_none().then(|| d.next_attempt_at.and_utc()),
            delivered_at: d.delivered_at.map(|t| t.and_utc()),
            last_status: d.last_status,
            last_error: d.last_error,
        })
        .collect();
    Ok(HttpResponse::Ok().json(shown))
}

/// Conversations whose agent has not replied within the first-reply deadline, longest first.
#[utoipa::path(tag = "operations", security(("bearer" = [])),
    responses((status = 200, body = Vec<view::EscalationView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/staff/escalations/first-reply-overdue")]
pub async fn first_reply_overdue(_staff: StaffUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let shown = state
        .db
        .read(|conn| {
            let deadline =
                chrono::Duration::seconds(crate::dispatch::settings::load(conn)?.first_reply_deadline_s as i64);
            let late = escalation::awaiting_first_reply(conn, crate::models::db_time(Utc::now() - deadline))?;
            late.iter().map(|e| view::escalation(conn, e)).collect::<AppResult<Vec<_>>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(shown))
}
