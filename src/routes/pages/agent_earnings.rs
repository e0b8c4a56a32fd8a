//! GET /agent/earnings: engaged time, conversations and estimated pay this month (in the
//! agent's time zone), with the same arithmetic payroll uses.

use actix_web::{HttpRequest, get, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{Datelike, Utc};

use super::{Chrome, Page};
use crate::auth::AgentUser;
use crate::availability::store;
use crate::error::PageError;
use crate::money;
use crate::payroll::{earnings, period};
use crate::startup::AppState;

struct Line {
    currency: String,
    engaged: String,
    conversations: i64,
    hourly: String,
    per_conversation: String,
    total: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent_earnings.html")]
struct EarningsPage {
    chrome: Chrome,
    period: String,
    lines: Vec<Line>,
}

fn hours_minutes(seconds: i64) -> String {
    format!("{} h {:02} min", seconds / 3600, (seconds % 3600) / 60)
}

#[get("/agent/earnings")]
pub async fn show(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
) -> Result<EarningsPage, PageError> {
    let id = agent.0.0.id;
    let (label, lines) = state
        .db
        .read(move |conn| {
            let now = Utc::now();
            let tz = store::load(conn, id)?.timezone;
            let today = now.with_timezone(&tz).date_naive();
            let first = today.with_day(1).unwrap_or(today);
            let span = period(first, today, tz);
            let label = format!("{} to {} ({})", first, today, tz.name());
            Ok((label, earnings::for_agent(conn, id, span, now)?))
        })
        .await?;
    let lines = lines
        .into_iter()
        .map(|l| Line {
            engaged: hours_minutes(l.engaged_seconds),
            conversations: l.conversations,
            hourly: money::display(l.hourly_pay_minor, &l.currency),
            per_conversation: money::display(l.per_conversation_pay_minor, &l.currency),
            total: money::display(l.total_minor, &l.currency),
            currency: l.currency,
        })
        .collect();
    Ok(EarningsPage { chrome: Chrome::of(&req), period: label, lines })
}
