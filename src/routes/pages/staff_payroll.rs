//! GET /staff/payroll: a period's pay per agent and currency, totals, and the CSV downloads.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, get, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;

use super::pay_period::{LineView, PeriodQuery, PickedPeriod, pick};
use super::{Chrome, Page};
use crate::auth::StaffUser;
use crate::error::PageError;
use crate::ids::AgentId;
use crate::money;
use crate::payroll::{export, lines};
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

struct AgentLine {
    agent_id: AgentId,
    name: String,
    email: String,
    line: LineView,
}

struct CurrencyTotal {
    agents: usize,
    total: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_payroll.html")]
struct PayrollPage {
    chrome: Chrome,
    picked: PickedPeriod,
    rows: Vec<AgentLine>,
    totals: Vec<CurrencyTotal>,
}

#[get("/staff/payroll")]
pub async fn show(
    req: HttpRequest,
    _staff: Page<StaffUser>,
    state: web::Data<AppState>,
    query: ApiQuery<PeriodQuery>,
) -> Result<PayrollPage, PageError> {
    let tz = state.settings.payroll_tz();
    let picked = pick(&query, tz, Utc::now().with_timezone(&tz).date_naive());
    let period = picked.period;
    let pays = state.db.read(move |conn| export::collect(conn, &period, Utc::now(), None, &mut |_, _| {})).await?;
    let mut rows = Vec::new();
    let mut sums: BTreeMap<String, (usize, i64)> = BTreeMap::new();
    for pay in &pays {
        for line in lines(&pay.pieces) {
            let sum = sums.entry(line.currency.clone()).or_default();
            sum.0 += 1;
            sum.1 += line.total_minor;
            rows.push(AgentLine {
                agent_id: pay.payee.id,
                name: pay.payee.name.clone(),
                email: pay.payee.email.clone(),
                line: LineView::from(&line),
            });
        }
    }
    let totals = sums
        .into_iter()
        .map(|(currency, (agents, minor))| CurrencyTotal { total: money::display(minor, &currency), agents })
        .collect();
    Ok(PayrollPage { chrome: Chrome::of(&req), picked, rows, totals })
}
