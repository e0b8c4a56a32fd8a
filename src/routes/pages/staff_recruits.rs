//! GET /staff/recruits: applicants and agents by status, with their profiles, history and the
//! decisions staff can take; POST /staff/recruits/{id}/{action} takes them.

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;
use serde::Deserialize;

use super::{Chrome, Page, require_csrf};
use crate::auth::StaffUser;
use crate::error::{AppError, PageError};
use crate::ids::AgentId;
use crate::models::user::UserStatus;
use crate::models::{agent, skill, user};
use crate::money;
use crate::recruiting::review;
use crate::routes::api::recruits::{Recruit, recruits, status_filter};
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

const TABS: [(UserStatus, &str); 5] = [
    (user::status::PENDING_REVIEW, "Awaiting review"),
    (user::status::PENDING_VERIFICATION, "Email unconfirmed"),
    (user::status::ACTIVE, "Active"),
    (user::status::SUSPENDED, "Suspended"),
    (user::status::REJECTED, "Rejected"),
];
const PAGE_LIMIT: i64 = 200;

struct Tab {
    status: &'static str,
    label: &'static str,
    count: i64,
    current: bool,
}

/// A recruit as the page shows them.
struct Card {
    recruit: Recruit,
    rates: Option<String>,
    applied: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_recruits.html")]
struct RecruitsPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    status: String,
    cards: Vec<Card>,
    notice: Option<&'static str>,
    certifiable: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct RecruitsQuery {
    status: Option<String>,
    done: Option<String>,
}

/// What a finished action tells staff (by code, so no text is taken from the URL).
fn notice_for(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "approved" => Some("Approved. The agent has been emailed."),
        "rejected" => Some("Rejected. The applicant has been emailed the reason."),
        "suspended" => Some("Suspended."),
        "reinstated" => Some("Reinstated."),
        "certified" => Some("Certification granted."),
        "deleted" => Some("Account deleted: personal data anonymised, pay records kept."),
        _ => None,
    }
}

#[get("/staff/recruits")]
pub async fn list(
    req: HttpRequest,
    _staff: Page<StaffUser>,
    state: web::Data<AppState>,
    query: ApiQuery<RecruitsQuery>,
) -> Result<RecruitsPage, PageError> {
    let query = query.into_inner();
    let status = status_filter(query.status)?.unwrap_or(user::status::PENDING_REVIEW);
    let (counts, found, catalogue) = state
        .db
        .read(move |conn| {
            let counts = user::agent_status_counts(conn)?;
            let ids =
                agent::list_with_users(conn, Some(status), PAGE_LIMIT)?.into_iter().map(|(a, _)| a.user_id).collect();
            Ok((counts, recruits(conn, ids)?, skill::all(conn)?))
        })
        .await?;
    let tabs = TABS
        .iter()
        .map(|(tab_status, label)| Tab {
            status: tab_status.as_str(),
            label,
            count: counts.iter().find(|(s, _)| s == tab_status.as_str()).map(|(_, n)| *n).unwrap_or(0),
            current: *tab_status == status,
        })
        .collect();
    let cards = found
        .into_iter()
        .map(|recruit| Card {
            rates: recruit.profile.rates.as_ref().map(|r| {
                format!(
                    "{} per hour, {} per conversation",
                    money::display(r.hourly_rate_minor, &r.currency),
                    money::display(r.per_conversation_minor, &r.currency)
                )
            }),
            applied: recruit.profile.applied_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            recruit,
        })
        .collect();
    let certifiable = catalogue.into_iter().filter(|s| s.requires_certification).map(|s| s.name).collect();
    Ok(RecruitsPage {
        chrome: Chrome::of(&req),
        tabs,
        status: status.to_string(),
        cards,
        notice: notice_for(query.done.as_deref()),
        certifiable,
    })
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    skill: String,
    /// The tab to return to.
    #[serde(default)]
    back_to: String,
    /// Ticked to confirm deleting an account (it cannot be undone).
    #[serde(default)]
    confirm: String,
}

#[post("/staff/recruits/{id}/{action}")]
pub async fn decide(
    req: HttpRequest,
    staff: Page<StaffUser>,
    state: web::Data<AppState>,
    path: web::Path<(AgentId, String)>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, PageError> {
    let (id, action) = path.into_inner();
    let form = form.into_inner();
    require_csrf(&req, &form.csrf_token)?;
    let reviewer = state.reviewer(staff.0.0.id);
    let note = Some(form.note.trim().to_string()).filter(|n| !n.is_empty());
    let reason = form.reason.trim().to_string();
    if matches!(action.as_str(), "reject" | "suspend") && reason.is_empty() {
        return Err(PageError(AppError::invalid(
            "reason",
            "give a reason: it is kept, and a rejected applicant is told it",
        )));
    }
    if action == "delete" && form.confirm != "yes" {
        return Err(PageError(AppError::invalid("confirm", "tick the box: deleting an account cannot be undone")));
    }
    let (done, skill_name) = (action.clone(), form.skill.clone());
    state
        .db
        .write(move |conn| {
            let now = Utc::now();
            match action.as_str() {
                "approve" => review::approve(conn, &reviewer, id, note.as_deref(), now),
                "reject" => review::reject(conn, &reviewer, id, &reason, now),
                "suspend" => review::suspend(conn, &reviewer, id, &reason, now),
                "reinstate" => review::reinstate(conn, &reviewer, id, note.as_deref(), now),
                "certify" => review::certify(conn, &reviewer, id, &skill_name, now),
                "delete" => crate::privacy::anonymise::anonymise(conn, id, reviewer.staff_id, now),
                _ => Err(AppError::NotFound(format!("no action {action}"))),
            }
        })
        .await?;
    state.mail_queued();
    let back_to = status_filter(Some(form.back_to)).ok().flatten().unwrap_or(user::status::PENDING_REVIEW);
    let past = match done.as_str() {
        "approve" => "approved",
        "reject" => "rejected",
        "suspend" => "suspended",
        "reinstate" => "reinstated",
        "delete" => "deleted",
        _ => "certified",
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/staff/recruits?status={back_to}&done={past}")))
        .finish())
}
