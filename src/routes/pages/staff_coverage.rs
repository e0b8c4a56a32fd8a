//! GET /staff/coverage: per queue, a heatmap of the week (required against scheduled and
//! booked agents, coloured by the forecast service level), a chart of required against
//! supplied agents, the boosts posted and what they reserve, and the service target. The POSTs
//! beside it recompute the forecast, publish slots, post a boost and (admins) change the target.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, http::header, post, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::Serialize;

use super::forms::{Fields, FormErrors};
use super::heatmap::{self, Cell, Heatmap};
use super::{Chrome, Page, require_csrf};
use crate::auth::{AdminUser, StaffUser};
use crate::coverage::board::{self, Coverage, Interval};
use crate::coverage::boosts::{self, BoostRequest, BoostView};
use crate::coverage::target::{self, ServiceTarget};
use crate::coverage::{run, slots};
use crate::error::{AppError, PageError};
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

struct QueueHeat {
    name: String,
    method: String,
    pace: String,
    short: usize,
    heat: Heatmap,
}

/// Required and supplied agents across all queues per interval, for the chart.
#[derive(Serialize)]
struct ChartPoint {
    at: DateTime<Utc>,
    required: u32,
    supplied: f64,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_coverage.html")]
pub struct CoveragePage {
    chrome: Chrome,
    notice: Option<String>,
    errors: FormErrors,
    computed: String,
    target: ServiceTarget,
    budgets: String,
    live: target::LiveBoost,
    live_on: bool,
    queues: Vec<QueueHeat>,
    /// (form value `language|market|skills`, label) per forecast queue.
    queue_options: Vec<(String, String)>,
    chart_json: String,
    boosts: Vec<BoostView>,
}

/// How well an interval is covered, as a colour.
fn cover_class(cell: &Interval, share: f64) -> &'static str {
    if cell.required == 0 {
        "cover-quiet"
    } else if cell.forecast_service_level + 0.1 < share {
        "cover-short"
    } else if cell.forecast_service_level < share {
        "cover-tight"
    } else {
        "cover-ok"
    }
}

fn queue_heat(coverage: &Coverage, q: &board::QueueCoverage) -> QueueHeat {
    let share = coverage.target_share;
    let cells = q
        .intervals
        .iter()
        .map(|c| {
            let online = c.online.map(|o| format!(", {o:.1} online")).unwrap_or_default();
            let label = format!(
                "{}: {:.1} customers, {} required, {:.1} scheduled, {:.1} booked{online}, {:.0} % within {} s",
                heatmap::when(c.starts_at, chrono_tz::UTC),
                c.forecast_arrivals,
                c.required,
                c.scheduled,
                c.booked,
                c.forecast_service_level * 100.0,
                coverage.target_within_s
            );
            (c.starts_at, Cell { class: cover_class(c, share).into(), label })
        })
        .collect();
    QueueHeat {
        name: format!(
            "{} · {} · {}",
            q.language,
            q.market,
            if q.required_skills.is_empty() { "any skill".into() } else { q.required_skills.join(", ") }
        ),
        method: format!("{:?}", q.method)
            .replace("DailyAndWeekly", "daily and weekly seasonality")
            .replace("DailyOnly", "daily seasonality (under two weeks of history)")
            .replace("StaffExpectation", "your expectation (under two days of history)"),
        pace: format!(
            "{:.0} s per conversation, customers wait {:.0} s on average before leaving",
            q.handle_s, q.patience_s
        ),
        short: q.intervals.iter().filter(|c| c.required > 0 && c.forecast_service_level < share).count(),
        heat: heatmap::lay_out(cells, chrono_tz::UTC),
    }
}

async fn build(
    req: &HttpRequest,
    state: &AppState,
    notice: Option<String>,
    errors: FormErrors,
) -> Result<CoveragePage, PageError> {
    let dispatcher = state.dispatcher.clone();
    let (coverage, settings, boosts) = state
        .db
        .read(move |conn| {
            let now = Utc::now();
            let from = run::interval_start(now);
            let to = from + Duration::days(7);
            let booked = slots::booked_agents(conn, from, to)?;
            let coverage = board::coverage(conn, now, &dispatcher, from, to, &booked)?;
            Ok((coverage, target::load(conn)?, boosts::around(conn, now, 7)?))
        })
        .await?;
    let mut totals: Vec<ChartPoint> = Vec::new();
    for q in &coverage.queues {
        for (i, c) in q.intervals.iter().enumerate() {
            if totals.len() <= i {
                totals.push(ChartPoint { at: c.starts_at, required: 0, supplied: 0.0 });
            }
            totals[i].required += c.required;
            totals[i].supplied += c.scheduled + c.booked;
        }
    }
    let budgets =
        settings.daily_boost_budget_minor.iter().map(|(c, m)| format!("{c}={m}")).collect::<Vec<_>>().join(", ");
    Ok(CoveragePage {
        chrome: Chrome::of(req),
        notice,
        errors,
        computed: match (&coverage.forecast_computed_at, &coverage.inputs_version) {
            (Some(at), Some(version)) => format!("{} UTC (inputs {version})", at.format("%Y-%m-%d %H:%M")),
            _ => "not yet".into(),
        },
        queue_options: coverage
            .queues
            .iter()
            .map(|q| {
                let skills = q.required_skills.join(",");
                (format!("{}|{}|{skills}", q.language, q.market), format!("{} · {} · {skills}", q.language, q.market))
            })
            .collect(),
        queues: coverage.queues.iter().map(|q| queue_heat(&coverage, q)).collect(),
        chart_json: serde_json::to_string(&totals).unwrap_or_else(|_| "[]".into()),
        live_on: settings.live_boost.is_some(),
        live: settings.live_boost.clone().unwrap_or(target::LiveBoost {
            multiplier: 1.2,
            minutes: 30,
            currency: "SEK".into(),
            budget_minor: 5_000,
        }),
        target: settings,
        budgets,
        boosts,
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

#[get("/staff/coverage")]
pub async fn show(
    req: HttpRequest,
    _staff: Page<StaffUser>,
    state: web::Data<AppState>,
    query: ApiQuery<DoneQuery>,
) -> Result<CoveragePage, PageError> {
    let notice = match query.done.as_str() {
        "forecast" => Some("The forecast is recomputed from the latest history.".to_string()),
        "published" => Some("Slots are published from the current gap.".to_string()),
        "boost" => Some("The boost is posted; agents see it on their slots and outlook.".to_string()),
        "target" => Some("The service target is saved.".to_string()),
        _ => None,
    };
    build(&req, &state, notice, FormErrors::default()).await
}

fn back(done: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/staff/coverage?done={done}"))).finish()
}

/// Shows the page again with what was refused (422, or 409 for a rule such as the budget).
async fn refused(req: &HttpRequest, state: &AppState, error: AppError) -> Result<HttpResponse, PageError> {
    let status =
        if matches!(error, AppError::Conflict(_)) { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    let errors = match &error {
        AppError::Conflict(message) => {
            let mut errors = FormErrors::default();
            errors.general = Some(message.clone());
            errors
        }
        _ => FormErrors::from_error(&error).ok_or(PageError(error))?,
    };
    super::render_with_status(&build(req, state, None, errors).await?, status)
}

#[post("/staff/coverage/forecast")]
pub async fn recompute(
    req: HttpRequest,
    _staff: Page<StaffUser>,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    require_csrf(&req, Fields::from_pairs(posted.into_inner()).get("csrf_token"))?;
    run::recompute(&state.db, Utc::now()).await?;
    Ok(back("forecast"))
}

#[post("/staff/coverage/publish")]
pub async fn publish(
    req: HttpRequest,
    _staff: Page<StaffUser>,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    require_csrf(&req, Fields::from_pairs(posted.into_inner()).get("csrf_token"))?;
    let dispatcher = state.dispatcher.clone();
    state.db.write(move |conn| slots::publish_from_gap(conn, Utc::now(), &dispatcher)).await?;
    Ok(back("published"))
}

/// A `datetime-local` value read as UTC.
fn utc_field(fields: &Fields, name: &str) -> Result<DateTime<Utc>, AppError> {
    NaiveDateTime::parse_from_str(fields.get(name), "%Y-%m-%dT%H:%M")
        .map(|t| t.and_utc())
        .map_err(|_| AppError::invalid(name, "must be a date and time like 2026-12-01T09:00 (UTC)"))
}

fn number<T: std::str::FromStr>(fields: &Fields, name: &str, what: &str) -> Result<T, AppError> {
    fields.get(name).trim().parse().map_err(|_| AppError::invalid(name, format!("must be {what}")))
}

fn boost_from(fields: &Fields) -> Result<BoostRequest, AppError> {
    let queue: Vec<&str> = fields.get("queue").split('|').collect();
    let [language, market, skills] = queue[..] else { return Err(AppError::invalid("queue", "choose a queue")) };
    let starts_at = utc_field(fields, "starts_at")?;
    let hours: f64 = number(fields, "hours", "a number of hours")?;
    Ok(BoostRequest {
        language: language.into(),
        market: market.into(),
        required_skills: skills.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        multiplier: number(fields, "multiplier", "a number like 1.2")?,
        starts_at,
        ends_at: starts_at + Duration::minutes((hours * 60.0).round() as i64),
        currency: fields.get("currency").trim().to_uppercase(),
        budget_minor: number(fields, "budget_minor", "whole minor units")?,
        reason: fields.get("reason").to_string(),
    })
}

#[post("/staff/coverage/boosts")]
pub async fn post_boost(
    req: HttpRequest,
    staff: Page<StaffUser>,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let actor = staff.0.0.id;
    let outcome = match boost_from(&fields) {
        Ok(request) => state.db.write(move |conn| boosts::post(conn, Utc::now(), actor, &request).map(|_| ())).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => Ok(back("boost")),
        Err(error) => refused(&req, &state, error).await,
    }
}

/// "SEK=10000, EUR=5000" as a budget map.
fn budgets_from(text: &str) -> Result<std::collections::BTreeMap<String, i64>, AppError> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (currency, minor) = pair
                .split_once('=')
                .ok_or_else(|| AppError::invalid("budgets", format!("`{pair}` is not CUR=amount")))?;
            let minor = minor
                .trim()
                .parse()
                .map_err(|_| AppError::invalid("budgets", format!("`{pair}` needs whole minor units")))?;
            Ok((currency.trim().to_uppercase(), minor))
        })
        .collect()
}

/// The live boost fields; a blank multiplier turns live boosts off.
fn live_boost_from(fields: &Fields) -> Result<Option<target::LiveBoost>, AppError> {
    if fields.get("live_multiplier").trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(target::LiveBoost {
        multiplier: number(fields, "live_multiplier", "a number like 1.2")?,
        minutes: number(fields, "live_minutes", "whole minutes")?,
        currency: fields.get("live_currency").trim().to_uppercase(),
        budget_minor: number(fields, "live_budget_minor", "whole minor units")?,
    }))
}

#[post("/staff/coverage/target")]
pub async fn save_target(
    req: HttpRequest,
    admin: Page<AdminUser>,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let actor = admin.0.0.id;
    let read = || -> Result<ServiceTarget, AppError> {
        Ok(ServiceTarget {
            share: number::<f64>(&fields, "share_percent", "a percentage")? / 100.0,
            within_s: number(&fields, "within_s", "whole seconds")?,
            max_abandon: number::<f64>(&fields, "max_abandon_percent", "a percentage")? / 100.0,
            expected_arrivals_per_hour: number(&fields, "expected_arrivals_per_hour", "a number")?,
            default_handle_s: number(&fields, "default_handle_s", "whole seconds")?,
            default_patience_s: number(&fields, "default_patience_s", "whole seconds")?,
            history_weeks: number(&fields, "history_weeks", "whole weeks")?,
            release_lockdown_h: number(&fields, "release_lockdown_h", "whole hours")?,
            daily_boost_budget_minor: budgets_from(fields.get("budgets"))?,
            live_boost: live_boost_from(&fields)?,
        })
    };
    let outcome = match read() {
        Ok(wanted) => {
            state
                .db
                .write(move |conn| {
                    let now = Utc::now();
                    boosts::check_budget_covers_commitments(conn, &wanted, now)?;
                    target::save(conn, &wanted, actor, now)
                })
                .await
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => Ok(back("target")),
        Err(error) => refused(&req, &state, error).await,
    }
}
