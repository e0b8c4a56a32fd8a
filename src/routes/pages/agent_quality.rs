//! GET /agent/quality ("Quality & decisions"): the agent's tier with the figures behind it and
//! what the next tier needs, their quality reviews (dispute once), every automated decision
//! about them in plain words (ask for a human review of any), and the list of automated
//! systems: what each uses and how the agent's behaviour affects it.

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;

use super::forms::Fields;
use super::{Chrome, Page, require_csrf};
use crate::auth::AgentUser;
use crate::error::{AppError, PageError};
use crate::ids::{AgentId, ReviewId};
use crate::quality::decisions::{self, DecisionRef, DecisionView};
use crate::quality::reviews::{self, ReviewView};
use crate::quality::tiers::{self, TierView};
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

/// One figure as a labelled bar.
struct FigureBar {
    name: &'static str,
    percent: u32,
    weight: String,
}

/// One automated system, as the Platform Work Directive asks it be explained.
struct System {
    name: &'static str,
    decides: &'static str,
    uses: &'static str,
    you: &'static str,
}

const SYSTEMS: &[System] = &[
    System {
        name: "Matching (offers)",
        decides: "which agent is offered each conversation, and in what order",
        uses: "your languages and levels, skills and proficiency, certifications, distance and region, rating, current load, how long since your last conversation, your rates, and the customer's needs",
        you: "keeping your skills, languages and availability true; answering offers; lower rates count a little toward cost. Declining never lowers your chances later.",
    },
    System {
        name: "Set away after missed offers",
        decides: "setting you away after a number of offers in a row expire unanswered",
        uses: "how many offers in a row you let expire, and the staff's limit",
        you: "answering offers (accept or decline) while online; taking a break when you step away",
    },
    System {
        name: "Slot commitment score",
        decides: "when you may book new coverage slots (as soon as published, or four hours later)",
        uses: "slots you kept, missed (no-show) or released late over the last 28 days",
        you: "coming online within five minutes of a booked start; releasing early rather than late",
    },
    System {
        name: "First-contact resolution",
        decides: "marking a resolution as not resolved on first contact",
        uses: "whether the same customer (by the platform's customer reference) came back within the staff's window",
        you: "resolving the whole need; you can ask for a review when they came back about something else",
    },
    System {
        name: "Quality sampling",
        decides: "which of your conversations a person reviews",
        uses: "a random share of all conversations, every sensitive one, and every one a customer rated low",
        you: "nothing: picks are by rule, not by suspicion",
    },
    System {
        name: "Tiers",
        decides: "your tier and its perks (early slot booking, a higher pay ceiling, priority for sensitive work)",
        uses: "the figures and formula shown above, over the last 28 days",
        you: "each figure, by its weight; the page says what the next tier needs",
    },
];

#[derive(Template, WebTemplate)]
#[template(path = "agent_quality.html")]
pub struct QualityPage {
    chrome: Chrome,
    notice: Option<String>,
    alert: Option<String>,
    tier: TierView,
    bars: Vec<FigureBar>,
    reviews: Vec<ReviewView>,
    decisions: Vec<DecisionView>,
    systems: &'static [System],
}

async fn build(
    req: &HttpRequest,
    state: &AppState,
    agent: AgentId,
    notice: Option<String>,
    alert: Option<String>,
) -> Result<QualityPage, PageError> {
    let (tier, reviews, decisions) = state
        .db
        .read(move |conn| {
            let now = Utc::now();
            Ok((tiers::mine(conn, agent, now)?, reviews::of_agent(conn, agent)?, decisions::mine(conn, agent, now)?))
        })
        .await?;
    let (f, w) = (&tier.figures, &tier.weights);
    let bar = |name, value: f64, weight: f64| FigureBar {
        name,
        percent: (value * 100.0).round() as u32,
        weight: format!("{:.0} %", weight * 100.0),
    };
    let bars = vec![
        bar("Quality", f.quality, w.quality),
        bar("Rating", f.rating, w.rating),
        bar("First contact", f.fcr, w.fcr),
        bar("Commitment", f.commitment, w.commitment),
        bar("Offers answered", f.answered, w.answered),
    ];
    Ok(QualityPage { chrome: Chrome::of(req), notice, alert, tier, bars, reviews, decisions, systems: SYSTEMS })
}

#[derive(Debug, serde::Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

#[get("/agent/quality")]
pub async fn show(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    query: ApiQuery<DoneQuery>,
) -> Result<QualityPage, PageError> {
    let notice = match query.done.as_str() {
        "disputed" => Some("Your dispute is with staff; their answer will appear here.".into()),
        "asked" => Some("A person will review the decision and answer in writing before the deadline shown.".into()),
        _ => None,
    };
    build(&req, &state, agent.0.id(), notice, None).await
}

/// Shows the page again with the rule that refused a form.
async fn refused(
    req: &HttpRequest,
    state: &AppState,
    agent: AgentId,
    error: AppError,
) -> Result<HttpResponse, PageError> {
    let page = build(req, state, agent, None, Some(super::refusal(error)?)).await?;
    super::render_with_status(&page, actix_web::http::StatusCode::CONFLICT)
}

#[post("/agent/quality/reviews/{id}/dispute")]
pub async fn dispute(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    id: web::Path<ReviewId>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let (agent_id, id, reason) = (agent.0.id(), id.into_inner(), fields.get("reason").trim().to_string());
    let done = state.db.write(move |conn| reviews::dispute(conn, agent_id, id, &reason, Utc::now())).await;
    match done {
        Ok(_) => {
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/agent/quality?done=disputed")).finish())
        }
        Err(error) => refused(&req, &state, agent_id, error).await,
    }
}

#[post("/agent/quality/decisions/{id}/review")]
pub async fn ask_review(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let decision: DecisionRef = id.parse()?;
    let (agent_id, reason) = (agent.0.id(), fields.get("reason").trim().to_string());
    let done =
        state.db.write(move |conn| decisions::request_review(conn, agent_id, decision, &reason, Utc::now())).await;
    match done {
        Ok(_) => Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/agent/quality?done=asked")).finish()),
        Err(error) => refused(&req, &state, agent_id, error).await,
    }
}
