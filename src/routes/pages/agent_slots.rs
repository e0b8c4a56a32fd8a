//! GET /agent/slots: where the agent's hours are most needed this week (a heatmap of the
//! outlook, boosts marked), the slots open to book, their bookings and commitment score;
//! POST /agent/slots/{id}/book and /release change a booking with the API's rules.

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;

use super::forms::Fields;
use super::heatmap::{self, Cell, Heatmap};
use super::{Chrome, Page, require_csrf};
use crate::auth::AgentUser;
use crate::availability::store;
use crate::coverage::outlook::{self, Outlook};
use crate::coverage::slots::{self, Commitment, MySlots};
use crate::coverage::target;
use crate::error::{AppError, PageError};
use crate::ids::{AgentId, SlotId};
use crate::models::{agent, boost_alert, db_time};
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

/// Open slots listed at most (the soonest first).
const OPEN_SHOWN: usize = 40;

struct SlotLine {
    id: SlotId,
    when: String,
    queue: String,
    places_left: i32,
    boost: String,
    opens: Option<String>,
    state: String,
    releasable: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent_slots.html")]
pub struct SlotsPage {
    chrome: Chrome,
    notice: Option<String>,
    alert: Option<String>,
    timezone: String,
    commitment: Commitment,
    heat: Heatmap,
    queues: Vec<String>,
    open: Vec<SlotLine>,
    open_total: usize,
    mine: Vec<SlotLine>,
    lockdown_h: u32,
    alert_dashboard: bool,
    alert_email: bool,
}

fn outlook_cell(cell: &outlook::OutlookInterval, tz: chrono_tz::Tz) -> Cell {
    let boost = if cell.multiplier > 1.0 { format!(", boosted ×{:.2}", cell.multiplier) } else { String::new() };
    Cell {
        class: format!("need-{}{}", cell.need, if cell.multiplier > 1.0 { " boosted" } else { "" }),
        label: format!(
            "{}: {} needed, {:.1} scheduled or booked ({} need){boost}",
            heatmap::when(cell.starts_at, tz),
            cell.required,
            cell.supplied,
            cell.need
        ),
    }
}

async fn build(
    req: &HttpRequest,
    state: &AppState,
    agent_id: AgentId,
    notice: Option<String>,
    alert: Option<String>,
) -> Result<SlotsPage, PageError> {
    let dispatcher = state.dispatcher.clone();
    let (found, mine, outlook, lockdown_h, alerts) = state
        .db
        .read(move |conn| {
            let now = Utc::now();
            let found = agent::find(conn, agent_id)?.ok_or_else(|| AppError::NotFound("no agent profile".into()))?;
            let mine: MySlots = slots::my_slots(conn, now, &dispatcher, agent_id)?;
            let outlook: Outlook = outlook::outlook(conn, now, &dispatcher, agent_id)?;
            let alerts = boost_alert::of(conn, agent_id)?;
            Ok((found, mine, outlook, target::load(conn)?.release_lockdown_h, alerts))
        })
        .await?;
    let tz = store::timezone_of(&found);
    let now = Utc::now();
    let line = |s: &slots::SlotView| SlotLine {
        id: s.id,
        when: heatmap::half_hour(s.starts_at, tz),
        queue: format!("{} · {} · {}", s.language, s.market, s.required_skills.join(", ")),
        places_left: s.places_left,
        boost: if s.multiplier > 1.0 { format!("×{:.2}", s.multiplier) } else { "—".into() },
        opens: (s.opens_at > now).then(|| heatmap::when(s.opens_at, tz)),
        state: s.booking.clone().unwrap_or_default().replace('_', " "),
        releasable: s.booking.as_deref() == Some("booked"),
    };
    let cells = outlook.intervals.iter().map(|c| (c.starts_at, outlook_cell(c, tz))).collect();
    Ok(SlotsPage {
        chrome: Chrome::of(req),
        notice,
        alert,
        timezone: tz.name().to_string(),
        commitment: mine.commitment.clone(),
        heat: heatmap::lay_out(cells, tz),
        queues: outlook.queues,
        open_total: mine.open.len(),
        open: mine.open.iter().take(OPEN_SHOWN).map(line).collect(),
        mine: mine.mine.iter().map(line).collect(),
        lockdown_h,
        alert_dashboard: alerts.as_ref().is_some_and(|a| a.dashboard),
        alert_email: alerts.as_ref().is_some_and(|a| a.email),
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

#[get("/agent/slots")]
pub async fn show(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    query: ApiQuery<DoneQuery>,
) -> Result<SlotsPage, PageError> {
    let notice = match query.done.as_str() {
        "booked" => {
            Some("Booked. The slot counts as your availability; come online within five minutes of its start.".into())
        }
        "released" => Some("Released. The place is open to others again.".into()),
        "alerts" => Some("Your choice of live boost alerts is saved.".into()),
        _ => None,
    };
    build(&req, &state, agent.0.id(), notice, None).await
}

/// Books or releases, then shows the page again: with a notice, or with the rule that refused it.
async fn change(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    slot: SlotId,
    posted: web::Form<Vec<(String, String)>>,
    booking: bool,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let (agent_id, dispatcher) = (agent.0.id(), state.dispatcher.clone());
    let outcome = state
        .db
        .write(move |conn| {
            let now = Utc::now();
            if booking {
                slots::book(conn, now, &dispatcher, agent_id, slot).map(|_| ())
            } else {
                let settings = target::load(conn)?;
                slots::release(conn, now, &settings, agent_id, slot).map(|_| ())
            }
        })
        .await;
    match outcome {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                if booking { "/agent/slots?done=booked" } else { "/agent/slots?done=released" },
            ))
            .finish()),
        Err(error @ (AppError::Conflict(_) | AppError::NotFound(_) | AppError::Validation(_))) => {
            let message = match &error {
                AppError::Validation(fields) => fields.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; "),
                AppError::Conflict(m) | AppError::NotFound(m) => m.clone(),
                other => other.to_string(),
            };
            let page = build(&req, &state, agent_id, None, Some(message)).await?;
            super::render_with_status(&page, actix_web::http::StatusCode::CONFLICT)
        }
        Err(error) => Err(PageError(error)),
    }
}

#[post("/agent/slots/{id}/book")]
pub async fn book(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    id: web::Path<SlotId>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    change(req, agent, state, id.into_inner(), posted, true).await
}

#[post("/agent/slots/{id}/release")]
pub async fn release(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    id: web::Path<SlotId>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    change(req, agent, state, id.into_inner(), posted, false).await
}

#[post("/agent/slots/alerts")]
pub async fn save_alerts(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let (id, dashboard, email) = (agent.0.id(), fields.is_checked("dashboard"), fields.is_checked("email"));
    state.db.write(move |conn| Ok(boost_alert::set(conn, id, dashboard, email, db_time(Utc::now()))?)).await?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/agent/slots?done=alerts")).finish())
}
