//! GET /staff/quality: what waits for reviewers and supervisors: sampled conversations to
//! score, disputed reviews, agents' requests for a human review of an automated decision (with
//! their deadlines), raised hands and the scorecards. Each form posts here and comes back.

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;

use super::forms::Fields;
use super::{Chrome, Page, require_csrf};
use crate::auth::StaffUser;
use crate::error::{AppError, PageError};
use crate::ids::{DecisionReviewId, HelpRequestId, ReviewId};
use crate::quality::decisions::{self, ReviewAnswer};
use crate::quality::reviews::{self, Criterion, DisputeAnswer, ReviewQueue, ScorecardInput, ScorecardView};
use crate::quality::supervise::{self, HelpView};
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "staff_quality.html")]
pub struct StaffQualityPage {
    chrome: Chrome,
    notice: Option<String>,
    alert: Option<String>,
    queue: ReviewQueue,
    requests: Vec<decisions::ReviewView>,
    hands: Vec<HelpView>,
    scorecards: Vec<ScorecardView>,
}

async fn build(
    req: &HttpRequest,
    state: &AppState,
    notice: Option<String>,
    alert: Option<String>,
) -> Result<StaffQualityPage, PageError> {
    let (queue, requests, hands, scorecards) = state
        .db
        .read(|conn| {
            Ok((
                reviews::queue(conn)?,
                decisions::requested(conn, false, Utc::now())?,
                supervise::raised_hands(conn)?,
                reviews::scorecards(conn)?,
            ))
        })
        .await?;
    Ok(StaffQualityPage { chrome: Chrome::of(req), notice, alert, queue, requests, hands, scorecards })
}

#[derive(Debug, serde::Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

#[get("/staff/quality")]
pub async fn show(
    req: HttpRequest,
    _staff: Page<StaffUser>,
    state: web::Data<AppState>,
    query: ApiQuery<DoneQuery>,
) -> Result<StaffQualityPage, PageError> {
    let notice = match query.done.as_str() {
        "settled" => Some("The dispute is settled; the agent sees your answer.".into()),
        "answered" => Some("Answered: the agent sees the outcome and your reason.".into()),
        "taken" => Some("The agent's hand is yours.".into()),
        "scorecard" => Some("Scorecard saved.".into()),
        _ => None,
    };
    build(&req, &state, notice, None).await
}

/// Redirects on success; shows the page again with the rule that refused the form otherwise.
async fn answer_of<T>(
    req: &HttpRequest,
    state: &AppState,
    done: Result<T, AppError>,
    code: &str,
) -> Result<HttpResponse, PageError> {
    match done {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/staff/quality?done={code}")))
            .finish()),
        Err(error) => {
            let page = build(req, state, None, Some(super::refusal(error)?)).await?;
            super::render_with_status(&page, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

#[post("/staff/quality/disputes/{id}")]
pub async fn settle(
    req: HttpRequest,
    staff: Page<StaffUser>,
    state: web::Data<AppState>,
    id: web::Path<ReviewId>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let input = DisputeAnswer { outcome: fields.get("outcome").into(), answer: fields.get("answer").trim().into() };
    let (id, by) = (id.into_inner(), staff.0.0.id);
    let done = state.db.write(move |conn| reviews::settle(conn, id, &input, by, Utc::now())).await;
    answer_of(&req, &state, done, "settled").await
}

#[post("/staff/quality/requests/{id}")]
pub async fn answer_request(
    req: HttpRequest,
    staff: Page<StaffUser>,
    state: web::Data<AppState>,
    id: web::Path<DecisionReviewId>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let input = ReviewAnswer { outcome: fields.get("outcome").into(), answer: fields.get("answer").trim().into() };
    let (id, by) = (id.into_inner(), staff.0.0.id);
    let done = state.db.write(move |conn| decisions::answer(conn, id, by, &input, Utc::now())).await;
    answer_of(&req, &state, done, "answered").await
}

#[post("/staff/quality/hands/{id}")]
pub async fn take_hand(
    req: HttpRequest,
    staff: Page<StaffUser>,
    state: web::Data<AppState>,
    id: web::Path<HelpRequestId>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let (id, by) = (id.into_inner(), staff.0.0.id);
    let done = state.db.write(move |conn| supervise::answer_hand(conn, id, by, Utc::now())).await;
    answer_of(&req, &state, done, "taken").await
}

/// Criteria written one per line: `name, weight, yes_no|one_to_five`.
fn criteria_of(text: &str) -> Result<Vec<Criterion>, AppError> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let parts: Vec<&str> = line.split(',').map(str::trim).collect();
            let weight = parts.get(1).and_then(|w| w.parse::<f64>().ok());
            match (parts.as_slice(), weight) {
                ([name, _, scale], Some(weight)) => {
                    Ok(Criterion { name: name.to_string(), weight, scale: scale.to_string() })
                }
                _ => Err(AppError::invalid(
                    format!("criteria[{i}]"),
                    "write each criterion as `name, weight, yes_no` or `name, weight, one_to_five`",
                )),
            }
        })
        .collect()
}

#[post("/staff/quality/scorecards")]
pub async fn create_scorecard(
    req: HttpRequest,
    staff: Page<StaffUser>,
    state: web::Data<AppState>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let (name, by) = (fields.get("name").trim().to_string(), staff.0.0.id);
    let done = match criteria_of(fields.get("criteria")) {
        Ok(criteria) if !name.is_empty() && !criteria.is_empty() => {
            let input = ScorecardInput { name, criteria };
            state.db.write(move |conn| reviews::create_scorecard(conn, &input, by, Utc::now())).await.map(|_| ())
        }
        Ok(_) => Err(AppError::invalid("name", "name the scorecard and give at least one criterion")),
        Err(error) => Err(error),
    };
    answer_of(&req, &state, done, "scorecard").await
}
