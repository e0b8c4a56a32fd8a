//! GET /staff/conversations/{id}: a supervisor's view of one conversation: the bot's transcript
//! and every message since (whispers marked), refreshed by htmx while it is live; whisper to
//! the agent, take it over, reply as a supervisor and end it; and, once resolved, score it on
//! a scorecard beside the transcript.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;

use super::forms::Fields;
use super::{Chrome, Page, require_csrf};
use crate::auth::StaffUser;
use crate::dispatch::conversation::{self, Author, MessageView};
use crate::dispatch::intake::TranscriptLine;
use crate::error::{AppError, PageError};
use crate::ids::{EscalationId, ScorecardId, UserId};
use crate::models::escalation::{self, EscalationState};
use crate::quality::reviews::{self, ReviewInput, ReviewView, ScorecardView};
use crate::quality::supervise;
use crate::startup::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "staff_conversation.html")]
pub struct ConversationPage {
    chrome: Chrome,
    alert: Option<String>,
    id: EscalationId,
    summary: String,
    state: String,
    agent: Option<String>,
    live: bool,
    taken_over_by_me: bool,
    taken_over: bool,
    transcript: Vec<TranscriptLine>,
    messages: Vec<MessageView>,
    review: Option<ReviewView>,
    scorecards: Vec<ScorecardView>,
}

async fn build(
    req: &HttpRequest,
    state: &AppState,
    id: EscalationId,
    me: UserId,
    alert: Option<String>,
) -> Result<ConversationPage, PageError> {
    let (e, transcript, messages, taken_by, review, scorecards, agent) = state
        .db
        .read(move |conn| {
            let e = conversation::load(conn, id)?;
            let agent = match e.assigned_agent_id {
                Some(a) => crate::models::agent::find_with_user(conn, a)?.map(|(_, u)| u.full_name),
                None => None,
            };
            Ok((
                e,
                escalation::transcript_of(conn, id)?,
                conversation::messages(conn, id, 0, crate::routes::api::paging::MAX_LIMIT, true)?,
                escalation::taken_over_by(conn, id)?,
                reviews::of_escalation(conn, id)?,
                reviews::scorecards(conn)?.into_iter().filter(|c| c.active).collect::<Vec<_>>(),
                agent,
            ))
        })
        .await?;
    Ok(ConversationPage {
        chrome: Chrome::of(req),
        alert,
        id,
        summary: e.summary.clone(),
        state: e.state.to_string(),
        agent,
        live: e.state == EscalationState::Assigned,
        taken_over_by_me: taken_by == Some(me),
        taken_over: taken_by.is_some(),
        transcript: serde_json::from_str(&transcript).unwrap_or_default(),
        messages,
        review,
        scorecards: if e.state == EscalationState::Resolved { scorecards } else { vec![] },
    })
}

#[get("/staff/conversations/{id}")]
pub async fn show(
    req: HttpRequest,
    staff: Page<StaffUser>,
    state: web::Data<AppState>,
    id: web::Path<EscalationId>,
) -> Result<ConversationPage, PageError> {
    build(&req, &state, id.into_inner(), staff.0.0.id, None).await
}

/// One supervisor action, then the page again (with the rule that refused it, if one did).
#[post("/staff/conversations/{id}/{action}")]
pub async fn act(
    req: HttpRequest,
    staff: Page<StaffUser>,
    state: web::Data<AppState>,
    path: web::Path<(EscalationId, String)>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let ((id, action), me) = (path.into_inner(), staff.0.0.id);
    let text = fields.get("text").trim().to_string();
    let disposition = fields.get("disposition").trim().to_string();
    let now = Utc::now();
    let done: Result<(), AppError> = match action.as_str() {
        "whisper" | "reply" if text.is_empty() || text.len() > 10_000 => {
            Err(AppError::invalid("text", "write between 1 and 10,000 characters"))
        }
        "whisper" => state.db.write(move |conn| supervise::whisper(conn, id, me, &text, now).map(|_| ())).await,
        "reply" => {
            crate::commands::post_message(&state, id, Author::Supervisor { id: me }, text, now).await.map(|_| ())
        }
        "take_over" => state.db.write(move |conn| supervise::take_over(conn, id, me, now).map(|_| ())).await,
        "end" if disposition.is_empty() => Err(AppError::invalid("disposition", "say how it ended")),
        "end" => {
            let ended = state.db.write(move |conn| supervise::end(conn, id, me, &disposition, now).map(|_| ())).await;
            state.webhooks_queued();
            ended
        }
        "review" => {
            let scorecard_id = ScorecardId(fields.get("scorecard_id").parse().unwrap_or(0));
            let scores: BTreeMap<String, i64> = fields
                .0
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix("score_")?.to_string(), v.parse().ok()?)))
                .collect();
            let input =
                ReviewInput { escalation_id: id, scorecard_id, scores, comment: fields.get("comment").trim().into() };
            state.db.write(move |conn| reviews::review(conn, &input, me, now).map(|_| ())).await
        }
        _ => Err(AppError::NotFound("no such action".into())),
    };
    match done {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/staff/conversations/{id}")))
            .finish()),
        Err(error) => {
            let page = build(&req, &state, id, me, Some(super::refusal(error)?)).await?;
            super::render_with_status(&page, actix_web::http::StatusCode::CONFLICT)
        }
    }
}
