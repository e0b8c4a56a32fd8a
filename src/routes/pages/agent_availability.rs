//! GET /agent/availability: an agent's week (as a grid, with UTC times), exceptions, presence,
//! capacity and rates; the POSTs beside it save each part with the same rules as the API.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, http::header, post, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{NaiveDateTime, TimeZone, Utc};

use super::forms::{Fields, FormErrors};
use super::register::{Choice, parse_major_units};
use super::{Chrome, Page, require_csrf};
use crate::auth::AgentUser;
use crate::availability::input::{self, AvailabilityInput, Day, ExceptionInput, SlotInput};
use crate::availability::presence::Presence;
use crate::availability::rates::{self, RateChange};
use crate::availability::store;
use crate::commands;
use crate::error::{AppError, PageError};
use crate::ids::AgentId;
use crate::models::agent;
use crate::money;
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

/// Slot inputs per day, and empty exception rows, the grid offers.
const SLOTS_PER_DAY: usize = 3;
const NEW_EXCEPTION_ROWS: usize = 2;

struct DayRow {
    day: &'static str,
    label: &'static str,
    slots: Vec<SlotCell>,
}

struct SlotCell {
    index: usize,
    start: String,
    end: String,
    utc: Option<String>,
}

struct ExceptionRow {
    index: usize,
    date: String,
    kind: String,
    start: String,
    end: String,
}

struct PresenceButton {
    status: &'static str,
    primary: bool,
    current: bool,
}

struct RateLine {
    text: String,
    from: String,
    in_force: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent_availability.html")]
struct AvailabilityPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    errors: FormErrors,
    timezone: String,
    scheduled_now: bool,
    presence: String,
    presence_reason: Option<String>,
    presence_buttons: Vec<PresenceButton>,
    days: Vec<DayRow>,
    exceptions: Vec<ExceptionRow>,
    capacity: Vec<Choice>,
    rates: Vec<RateLine>,
    currency: String,
    heartbeat_every_s: u64,
}

const DAY_LABELS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

async fn build(
    req: &HttpRequest,
    state: &AppState,
    agent_id: AgentId,
    errors: FormErrors,
    notice: Option<&'static str>,
) -> Result<AvailabilityPage, PageError> {
    let now = Utc::now();
    let (schedule, found, history) = state
        .db
        .read(move |conn| {
            let found = agent::find(conn, agent_id)?.ok_or_else(|| AppError::NotFound("no agent profile".into()))?;
            Ok((store::load(conn, agent_id)?, found, rates::history(conn, agent_id, now)?))
        })
        .await?;
    let view = input::view(&schedule, now);
    let days = Day::ALL
        .iter()
        .zip(DAY_LABELS)
        .map(|(day, label)| {
            let mine: Vec<&input::SlotView> = view.weekly.iter().filter(|s| s.day == *day).collect();
            DayRow {
                day: day.as_str(),
                label,
                slots: (0..SLOTS_PER_DAY)
                    .map(|index| match mine.get(index) {
                        Some(slot) => SlotCell {
                            index,
                            start: slot.start.clone(),
                            end: slot.end.clone(),
                            utc: Some(format!(
                                "{}–{} UTC",
                                slot.next_start_utc.format("%H:%M"),
                                slot.next_end_utc.format("%H:%M")
                            )),
                        },
                        None => SlotCell { index, start: String::new(), end: String::new(), utc: None },
                    })
                    .collect(),
            }
        })
        .collect();
    let mut exceptions: Vec<ExceptionRow> = view
        .exceptions
        .iter()
        .enumerate()
        .map(|(index, e)| ExceptionRow {
            index,
            date: e.date.to_string(),
            kind: if e.available { "extra".into() } else { "off".into() },
            start: e.start.clone().unwrap_or_default(),
            end: e.end.clone().unwrap_or_default(),
        })
        .collect();
    let first_new = exceptions.len();
    exceptions.extend((0..NEW_EXCEPTION_ROWS).map(|i| ExceptionRow {
        index: first_new + i,
        date: String::new(),
        kind: "off".into(),
        start: String::new(),
        end: String::new(),
    }));
    let limit = state.settings.max_concurrent_limit;
    let capacity_values: Vec<String> = (1..=limit).map(|n| n.to_string()).collect();
    let capacity =
        Choice::list(capacity_values.iter().map(|v| (v.as_str(), v.clone())), &found.max_concurrent.to_string());
    let currency = history.iter().find(|r| r.in_force).map(|r| r.currency.clone()).unwrap_or_else(|| "SEK".into());
    let rates = history
        .iter()
        .map(|r| RateLine {
            text: format!(
                "{} per hour, {} per conversation",
                money::display(r.hourly_rate_minor, &r.currency),
                money::display(r.per_conversation_minor, &r.currency)
            ),
            from: r.effective_from.with_timezone(&schedule.timezone).format("%Y-%m-%d %H:%M %Z").to_string(),
            in_force: r.in_force,
        })
        .collect();
    Ok(AvailabilityPage {
        chrome: Chrome::of(req),
        notice,
        errors,
        timezone: view.timezone,
        scheduled_now: view.scheduled_now,
        presence_buttons: ["online", "away", "offline"]
            .into_iter()
            .map(|status| PresenceButton {
                status,
                primary: status == "online",
                current: found.presence.as_str() == status,
            })
            .collect(),
        presence: found.presence.to_string(),
        presence_reason: found.presence_reason,
        days,
        exceptions,
        capacity,
        rates,
        currency,
        heartbeat_every_s: (state.settings.heartbeat_timeout_s / 3).max(1),
    })
}

fn notice_for(done: &str) -> Option<&'static str> {
    match done {
        "schedule" => Some("Your availability is saved."),
        "presence" => Some("Your status is updated."),
        "capacity" => Some("Your capacity is saved."),
        "rates" => Some("Your new rates are saved."),
        _ => None,
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

#[get("/agent/availability")]
pub async fn show(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    query: ApiQuery<DoneQuery>,
) -> Result<AvailabilityPage, PageError> {
    build(&req, &state, agent.0.id(), FormErrors::default(), notice_for(&query.done)).await
}

fn back(done: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/agent/availability?done={done}"))).finish()
}

/// Re-renders the page with the errors of a refused change (422), or fails as a page.
async fn refused(
    req: &HttpRequest,
    state: &AppState,
    agent_id: AgentId,
    error: AppError,
) -> Result<HttpResponse, PageError> {
    // Field errors and conflicts (a suspended agent going online) are shown on the page.
    let Some(errors) = FormErrors::from_error(&error) else {
        return Err(PageError(error));
    };
    let page = build(req, state, agent_id, errors, None).await?;
    let body = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY).content_type("text/html; charset=utf-8").body(body))
}

/// Reads the grid and exception rows into the API's document.
fn read_availability(fields: &Fields) -> AvailabilityInput {
    let mut weekly = Vec::new();
    for day in Day::ALL {
        for index in 0..SLOTS_PER_DAY {
            let start = fields.get(&format!("{}_{index}_start", day.as_str()));
            let end = fields.get(&format!("{}_{index}_end", day.as_str()));
            if !start.is_empty() || !end.is_empty() {
                weekly.push(SlotInput { day, start: start.to_string(), end: end.to_string() });
            }
        }
    }
    let mut exceptions = Vec::new();
    for index in 0..(input_rows(fields)) {
        let date = fields.get(&format!("exception_{index}_date"));
        let Ok(date) = date.parse() else { continue };
        let available = fields.get(&format!("exception_{index}_kind")) == "extra";
        let time =
            |name: &str| Some(fields.get(&format!("exception_{index}_{name}")).to_string()).filter(|t| !t.is_empty());
        exceptions.push(ExceptionInput { date, available, start: time("start"), end: time("end") });
    }
    AvailabilityInput { weekly, exceptions }
}

/// How many exception rows were posted.
fn input_rows(fields: &Fields) -> usize {
    fields.0.keys().filter(|k| k.starts_with("exception_") && k.ends_with("_date")).count()
}

#[post("/agent/availability")]
pub async fn save(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let id = agent.0.id();
    let document = read_availability(&fields);
    let saved = match input::parse(&document) {
        Ok((weekly, exceptions)) => state.db.write(move |conn| store::save(conn, id, &weekly, &exceptions)).await,
        Err(error) => Err(error),
    };
    match saved {
        Ok(()) => Ok(back("schedule")),
        Err(error) => refused(&req, &state, id, error).await,
    }
}

#[post("/agent/presence")]
pub async fn set_presence(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let to = match fields.get("status") {
        "online" => Presence::Online,
        "away" => Presence::Away,
        _ => Presence::Offline,
    };
    let id = agent.0.id();
    let changed = commands::set_presence(&state, id, to, Utc::now()).await;
    match changed {
        // The dashboard's buttons come back to the dashboard.
        Ok(_) if fields.get("back") == "/agent" => {
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/agent")).finish())
        }
        Ok(_) => Ok(back("presence")),
        Err(error) => refused(&req, &state, id, error).await,
    }
}

#[post("/agent/capacity")]
pub async fn set_capacity(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let id = agent.0.id();
    let wanted: i32 = fields.get("max_concurrent").parse().unwrap_or(0);
    match commands::set_capacity(&state, id, wanted).await {
        Ok(_) => Ok(back("capacity")),
        Err(error) => refused(&req, &state, id, error).await,
    }
}

#[post("/agent/rates")]
pub async fn set_rates(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let id = agent.0.id();
    let currency = fields.get("currency").to_string();
    let amount = |name: &str| parse_major_units(fields.get(name), &currency);
    let (Some(hourly), Some(per_conversation)) = (amount("hourly_rate"), amount("per_conversation")) else {
        return refused(
            &req,
            &state,
            id,
            AppError::invalid("hourly_rate_minor", "enter amounts such as 220 or 220.50"),
        )
        .await;
    };
    let timezone = state.db.read(move |conn| Ok(store::load(conn, id)?.timezone)).await?;
    // `datetime-local` inputs are in the agent's own time zone.
    let effective_from = NaiveDateTime::parse_from_str(fields.get("effective_from"), "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|local| timezone.from_local_datetime(&local).earliest())
        .map(|t| t.with_timezone(&Utc));
    let change =
        RateChange { hourly_rate_minor: hourly, per_conversation_minor: per_conversation, currency, effective_from };
    if let Err(invalid) = validator::Validate::validate(&change) {
        return refused(&req, &state, id, invalid.into()).await;
    }
    match state.db.write(move |conn| rates::change(conn, id, &change, Utc::now())).await {
        Ok(_) => Ok(back("rates")),
        Err(error) => refused(&req, &state, id, error).await,
    }
}
