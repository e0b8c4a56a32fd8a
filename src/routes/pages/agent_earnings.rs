//! GET /agent/earnings: online and engaged time, conversations and pay in a period (this month
//! by default) in the payroll time zone, from the same metering as the payroll export.

use actix_web::{HttpRequest, get, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;

use super::pay_period::{LineView, PeriodQuery, PickedPeriod, pick};
use super::{Chrome, Page};
use crate::auth::AgentUser;
use crate::error::PageError;
use crate::payroll::{lines, metering};
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "agent_earnings.html")]
struct EarningsPage {
    chrome: Chrome,
    picked: PickedPeriod,
    lines: Vec<LineView>,
}

#[get("/agent/earnings")]
pub async fn show(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    query: ApiQuery<PeriodQuery>,
) -> Result<EarningsPage, PageError> {
    let id = agent.0.id();
    let tz = state.settings.payroll_tz();
    let picked = pick(&query, tz, Utc::now().with_timezone(&tz).date_naive());
    let span = picked.period.interval();
    let pay = state.db.read(move |conn| Ok(lines(&metering::pieces(conn, id, span, Utc::now())?))).await?;
    Ok(EarningsPage { chrome: Chrome::of(&req), picked, lines: pay.iter().map(LineView::from).collect() })
}
