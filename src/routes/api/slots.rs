//! Bookable coverage for agents (GET /api/v1/me/slots, POST /api/v1/me/slots/{id}/book and
//! /release, GET /api/v1/me/outlook) and boosts for staff (GET, POST /api/v1/staff/boosts,
//! POST /api/v1/staff/slots/publish).

use actix_web::{HttpResponse, get, post, put, web};
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{AgentUser, StaffUser};
use crate::coverage::boosts::{self, BoostRequest, BoostView};
use crate::coverage::outlook::{self, Outlook};
use crate::coverage::slots::{self, MySlots};
use crate::coverage::target;
use crate::error::{AppResult, Problem};
use crate::ids::SlotId;
use crate::routes::json::ApiJson;
use crate::startup::AppState;

/// Open slots that fit my languages and skills (next 7 days), my bookings, and my commitment score.
#[utoipa::path(tag = "coverage", security(("bearer" = [])),
    responses((status = 200, body = MySlots), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/me/slots")]
pub async fn mine(agent: AgentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let (id, dispatcher) = (agent.id(), state.dispatcher.clone());
    Ok(HttpResponse::Ok().json(state.db.read(move |conn| slots::my_slots(conn, Utc::now(), &dispatcher, id)).await?))
}

/// Book a place in a slot: it then counts as availability.
#[utoipa::path(tag = "coverage", security(("bearer" = [])), params(("id" = i64, Path, description = "Slot id")),
    responses((status = 200, body = MySlots), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "Full, started, overlapping, or not yet open to you", body = Problem),
        (status = 422, description = "Not eligible for the slot's queue", body = Problem)))]
#[post("/api/v1/me/slots/{id}/book")]
pub async fn book(agent: AgentUser, state: web::Data<AppState>, id: web::Path<SlotId>) -> AppResult<HttpResponse> {
    let (agent_id, slot, dispatcher) = (agent.id(), id.into_inner(), state.dispatcher.clone());
    let answer = state
        .db
        .write(move |conn| {
            let now = Utc::now();
            slots::book(conn, now, &dispatcher, agent_id, slot)?;
            slots::my_slots(conn, now, &dispatcher, agent_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Release a booking, until the lock-down before its start.
#[utoipa::path(tag = "coverage", security(("bearer" = [])), params(("id" = i64, Path, description = "Slot id")),
    responses((status = 200, body = MySlots), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, description = "No booking of this slot", body = Problem), (status = 409, description = "Inside the lock-down", body = Problem)))]
#[post("/api/v1/me/slots/{id}/release")]
pub async fn release(agent: AgentUser, state: web::Data<AppState>, id: web::Path<SlotId>) -> AppResult<HttpResponse> {
    let (agent_id, slot, dispatcher) = (agent.id(), id.into_inner(), state.dispatcher.clone());
    let answer = state
        .db
        .write(move |conn| {
            let now = Utc::now();
            let settings = target::load(conn)?;
            slots::release(conn, now, &settings, agent_id, slot)?;
            slots::my_slots(conn, now, &dispatcher, agent_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Where my hours are most needed over the next 7 days, across the queues I can serve.
#[utoipa::path(tag = "coverage", security(("bearer" = [])),
    responses((status = 200, body = Outlook), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/me/outlook")]
pub async fn my_outlook(agent: AgentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let (id, dispatcher) = (agent.id(), state.dispatcher.clone());
    Ok(HttpResponse::Ok().json(state.db.read(move |conn| outlook::outlook(conn, Utc::now(), &dispatcher, id)).await?))
}

/// Boosts in force from yesterday to a week ahead.
#[utoipa::path(tag = "coverage", security(("bearer" = [])),
    responses((status = 200, body = Vec<BoostView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/staff/boosts")]
pub async fn list_boosts(_staff: StaffUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.db.read(|conn| boosts::around(conn, Utc::now(), 7)).await?))
}

/// Post a scheduled boost on a queue: booked slots inside it pay the multiplier. Audited.
#[utoipa::path(tag = "coverage", security(("bearer" = [])), request_body = BoostRequest,
    responses((status = 201, body = BoostView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "Over the day's budget", body = Problem), (status = 422, body = Problem)))]
#[post("/api/v1/staff/boosts")]
pub async fn post_boost(
    staff: StaffUser,
    state: web::Data<AppState>,
    body: ApiJson<BoostRequest>,
) -> AppResult<HttpResponse> {
    let request = body.0;
    let actor = staff.0.id;
    let saved = state.db.write(move |conn| boosts::post(conn, Utc::now(), actor, &request)).await?;
    Ok(HttpResponse::Created().json(BoostView::from(&saved)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    /// Places open across every slot after publishing.
    pub places_open: i64,
}

/// Publish (or re-cap) the next 7 days of slots from the gap now (also done after each forecast).
#[utoipa::path(tag = "coverage", security(("bearer" = [])),
    responses((status = 200, body = Published), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[post("/api/v1/staff/slots/publish")]
pub async fn publish(_staff: StaffUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let dispatcher = state.dispatcher.clone();
    let places_open = state.db.write(move |conn| slots::publish_from_gap(conn, Utc::now(), &dispatcher)).await?;
    Ok(HttpResponse::Ok().json(Published { places_open }))
}

/// Whether I hear of live boosts while away or offline: on my dashboard, by email.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoostAlerts {
    pub dashboard: bool,
    pub email: bool,
}

impl validator::Validate for BoostAlerts {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// My choice of live boost alerts (both off until I choose).
#[utoipa::path(tag = "coverage", security(("bearer" = [])),
    responses((status = 200, body = BoostAlerts), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/api/v1/me/boost-alerts")]
pub async fn show_alerts(agent: AgentUser, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let id = agent.id();
    let found = state.db.read(move |conn| Ok(crate::models::boost_alert::of(conn, id)?)).await?;
    let alerts = found.map_or(BoostAlerts { dashboard: false, email: false }, |a| BoostAlerts {
        dashboard: a.dashboard,
        email: a.email,
    });
    Ok(HttpResponse::Ok().json(alerts))
}

/// Choose how I hear of live boosts (emails at most every two hours).
#[utoipa::path(tag = "coverage", security(("bearer" = [])), request_body = BoostAlerts,
    responses((status = 200, body = BoostAlerts), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[put("/api/v1/me/boost-alerts")]
pub async fn set_alerts(
    agent: AgentUser,
    state: web::Data<AppState>,
    body: ApiJson<BoostAlerts>,
) -> AppResult<HttpResponse> {
    let (id, wanted) = (agent.id(), body.0);
    let saved = wanted.clone();
    state
        .db
        .write(move |conn| {
            Ok(crate::models::boost_alert::set(
                conn,
                id,
                wanted.dashboard,
                wanted.email,
                crate::models::db_time(Utc::now()),
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}
