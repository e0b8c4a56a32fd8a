//! GET /staff: what is happening now (the queue and the agents on duty, refreshed in place by
//! htmx from GET /staff/live) and how well the promise is kept (the last 24 hours' metrics;
//! charts drawn by static/js/staff.js from GET /api/v1/staff/metrics).

use actix_web::{HttpRequest, get, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{Duration, Utc};

use super::{Chrome, Page};
use crate::auth::StaffUser;
use crate::error::PageError;
use crate::ids::EscalationId;
use crate::operations::{agents, queue, report, window};
use crate::routes::api::availability::heartbeat_timeout;
use crate::startup::AppState;

/// One waiting escalation, written for people.
struct Waiting {
    id: EscalationId,
    external_id: String,
    priority: String,
    needs: String,
    waited: String,
    eta: String,
    state: String,
    eligible: i64,
}

/// One agent on duty, written for people.
struct OnDuty {
    name: String,
    load: String,
    free: i64,
    rating: String,
    offers: String,
    scheduled: bool,
}

/// A headline number with its label.
struct Kpi {
    label: &'static str,
    value: String,
    hint: &'static str,
}

/// "45 s", "3 min 05 s", "1 h 02 min".
fn duration(seconds: f64) -> String {
    let s = seconds.round().max(0.0) as i64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

fn percent(share: f64) -> String {
    format!("{:.0} %", share * 100.0)
}

/// A conversation an agent or supervisor has now.
struct InProgress {
    id: EscalationId,
    external_id: String,
    agent: String,
    since: String,
    taken_over: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_live.html")]
struct LivePart {
    waiting: Vec<Waiting>,
    on_duty: Vec<OnDuty>,
    hands: Vec<crate::quality::supervise::HelpView>,
    in_progress: Vec<InProgress>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_operations.html")]
struct OperationsPage {
    chrome: Chrome,
    kpis: Vec<Kpi>,
    waiting: Vec<Waiting>,
    on_duty: Vec<OnDuty>,
    hands: Vec<crate::quality::supervise::HelpView>,
    in_progress: Vec<InProgress>,
}

async fn live_part(state: &AppState) -> Result<LivePart, PageError> {
    let (timeout, dispatcher) = (heartbeat_timeout(state), state.dispatcher.clone());
    let now = Utc::now();
    let day_start = window::day_start(now, state.settings.payroll_tz());
    let (entries, roster, hands, with_humans) = state
        .db
        .read(move |conn| {
            Ok((
                queue::waiting(conn, now, &dispatcher)?,
                agents::on_duty(conn, now, timeout, day_start)?,
                crate::quality::supervise::raised_hands(conn)?,
                crate::models::escalation::live(conn, 50)?,
            ))
        })
        .await?;
    let names: std::collections::HashMap<crate::ids::AgentId, String> =
        roster.iter().map(|a| (a.roster.agent_id, a.roster.full_name.clone())).collect();
    let in_progress = with_humans
        .into_iter()
        .map(|(e, supervisor)| InProgress {
            id: e.id,
            agent: e.assigned_agent_id.and_then(|a| names.get(&a).cloned()).unwrap_or_else(|| "an agent".into()),
            since: duration(e.assigned_at.map(|t| (now - t.and_utc()).num_seconds() as f64).unwrap_or(0.0)),
            external_id: e.external_id,
            taken_over: supervisor.is_some(),
        })
        .collect();
    let waiting = entries
        .into_iter()
        .map(|e| Waiting {
            id: e.id,
            needs: format!("{} · {} · {}", e.language, e.market, e.required_skills.join(", ")),
            external_id: e.external_id,
            priority: e.priority,
            waited: duration(e.waited_s as f64),
            eta: duration(e.eta_seconds as f64),
            state: e.state,
            eligible: e.eligible_agents_online,
        })
        .collect();
    let on_duty = roster
        .into_iter()
        .map(|a| OnDuty {
            name: a.roster.full_name.clone(),
            load: format!("{} of {}", a.roster.active_conversations, a.roster.max_concurrent),
            free: a.roster.free_capacity,
            rating: a.rating.map(|r| format!("{r:.1} ({})", a.rating_count)).unwrap_or_else(|| "new".into()),
            offers: format!(
                "{} accepted · {} declined · {} missed",
                a.offers_accepted_today, a.offers_declined_today, a.offers_missed_today
            ),
            scheduled: a.roster.scheduled,
        })
        .collect();
    Ok(LivePart { waiting, on_duty, hands, in_progress })
}

#[get("/staff")]
pub async fn show(
    req: HttpRequest,
    _staff: Page<StaffUser>,
    state: web::Data<AppState>,
) -> Result<OperationsPage, PageError> {
    let now_live = live_part(&state).await?;
    let now = Utc::now();
    let span = crate::payroll::Interval { start: now - Duration::days(1), end: now };
    let last_day = state.db.read(move |conn| report::report(conn, span, Duration::hours(1), now)).await?.metrics;
    // With no escalations yet, a zero would read as a perfect score: show a dash instead.
    let some = |text: String| if last_day.escalations == 0 { "—".to_string() } else { text };
    let kpis = vec![
        Kpi {
            label: "Time to a human (median)",
            value: some(duration(last_day.time_to_human_s.p50)),
            hint: "last 24 h",
        },
        Kpi { label: "Time to a human (p90)", value: some(duration(last_day.time_to_human_s.p90)), hint: "last 24 h" },
        Kpi { label: "Customers who left", value: some(percent(last_day.abandoned_rate)), hint: "before a human came" },
        Kpi {
            label: "Offers accepted",
            value: some(percent(last_day.offer_accept_rate)),
            hint: "of answered or missed",
        },
        Kpi { label: "Utilisation", value: percent(last_day.utilization), hint: "engaged / online time" },
        Kpi {
            label: "ETA error (mean)",
            value: some(duration(last_day.eta_abs_error_s.mean)),
            hint: "promised vs actual",
        },
        Kpi {
            label: "Waits inside the range",
            value: some(percent(last_day.eta_accuracy.range_coverage)),
            hint: "of the 80 % range promised",
        },
    ];
    Ok(OperationsPage {
        chrome: Chrome::of(&req),
        kpis,
        waiting: now_live.waiting,
        on_duty: now_live.on_duty,
        hands: now_live.hands,
        in_progress: now_live.in_progress,
    })
}

/// The live part alone, for htmx to swap in every few seconds.
#[get("/staff/live")]
pub async fn live(_staff: Page<StaffUser>, state: web::Data<AppState>) -> Result<LivePart, PageError> {
    live_part(&state).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_naturally() {
        assert_eq!(super::duration(45.4), "45 s");
        assert_eq!(super::duration(185.0), "3 min 05 s");
        assert_eq!(super::duration(3720.0), "1 h 02 min");
    }
}
