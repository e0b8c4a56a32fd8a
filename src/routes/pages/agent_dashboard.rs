//! GET /agent: the agent's dashboard: status, incoming offers with a countdown and "why me",
//! and live conversations with transcript, reply, transfer and resolve. A small static script
//! keeps it live from the event stream (which is also the heartbeat).

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;

use super::forms::Fields;
use super::{Chrome, Page, require_csrf};
use crate::auth::AgentUser;
use crate::commands;
use crate::dispatch::conversation::{self, Author, MessageView, TransferInput};
use crate::dispatch::{intake::TranscriptLine, view};
use crate::error::{AppError, PageError};
use crate::ids::{EscalationId, OfferId};
use crate::models::escalation::EscalationState;
use crate::models::{agent, assignment, escalation, skill};
use crate::routes::query::ApiQuery;
use crate::startup::AppState;

struct FactorBar {
    name: String,
    percent: u32,
}

struct OfferCard {
    offer: view::OfferView,
    score_percent: u32,
    factors: Vec<FactorBar>,
}

struct ConversationCard {
    id: EscalationId,
    summary: String,
    language: String,
    skills: String,
    priority: String,
    sensitive: bool,
    transcript: Vec<TranscriptLine>,
    messages: Vec<MessageView>,
    packet: view::HandoffPacket,
}

/// A conversation the agent resolved and is wrapping up.
struct WrapUpCard {
    id: EscalationId,
    summary: String,
    disposition: String,
    until: chrono::DateTime<Utc>,
}

#[derive(Template, WebTemplate)]
#[template(path = "agent_dashboard.html")]
struct Dashboard {
    chrome: Chrome,
    presence: String,
    presence_reason: Option<String>,
    load: String,
    rating: String,
    offers: Vec<OfferCard>,
    conversations: Vec<ConversationCard>,
    wrap_ups: Vec<WrapUpCard>,
    dispositions: Vec<String>,
    skills: Vec<String>,
    notice: Option<String>,
    /// The newest event this render reflects; the page's stream resumes after it.
    last_event_id: i64,
}

#[derive(Debug, serde::Deserialize)]
pub struct DashboardQuery {
    #[serde(default)]
    notice: String,
}

fn notice_for(code: &str) -> Option<String> {
    let text = match code {
        "accepted" => "Accepted: the conversation is yours.",
        "declined" => "Declined: it goes to someone else.",
        "sent" => "Sent.",
        "resolved" => "Resolved. Thank you!",
        "transferred" => "Handed back to the queue.",
        "handed_back" => "Handed back to the chatbot with your summary.",
        "wrapped_up" => "Wrap-up done: you are ready for the next conversation.",
        "help" => "Your hand is raised: a supervisor will join you.",
        _ => return None,
    };
    Some(text.to_string())
}

#[get("/agent")]
pub async fn show(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    query: ApiQuery<DashboardQuery>,
) -> Result<Dashboard, PageError> {
    let id = agent.0.id();
    let (me, pending, assigned, catalogue, last_event_id, wrap_ups, quality) = state
        .db
        .read(move |conn| {
            // Read first: anything newer than this reaches the page through its stream.
            let last_event_id = crate::models::agent_event::latest_id(conn, id)?;
            let me = agent::find(conn, id)?.ok_or_else(|| AppError::NotFound("no agent profile".into()))?;
            let pending = view::offers_of(conn, id)?;
            let mut assigned = Vec::new();
            for e in escalation::for_agent(conn, id, Some(EscalationState::Assigned), None, 100)? {
                if escalation::taken_over_by(conn, e.id)?.is_some() {
                    continue; // a supervisor has it now
                }
                let messages = conversation::messages(conn, e.id, 0, crate::routes::api::paging::MAX_LIMIT, true)?;
                let transcript = escalation::transcript_of(conn, e.id)?;
                let packet = view::HandoffPacket::of(&e, &escalation::contract_of(conn, e.id)?);
                assigned.push((e, transcript, messages, packet));
            }
            let quality = crate::quality::settings::load(conn)?;
            let mut wrap_ups = Vec::new();
            for stretch in assignment::wrap_ups_of(conn, id)? {
                if let (Some(e), Some(resolved)) = (escalation::find(conn, stretch.escalation_id)?, stretch.resolved_at)
                {
                    let until = resolved.and_utc() + chrono::Duration::seconds(quality.wrap_up_max_s as i64);
                    let disposition = e.disposition.clone().unwrap_or_default();
                    wrap_ups.push(WrapUpCard { id: e.id, summary: e.summary, disposition, until });
                }
            }
            Ok((me, pending, assigned, skill::all(conn)?, last_event_id, wrap_ups, quality))
        })
        .await?;
    let offers = pending
        .into_iter()
        .map(|offer| OfferCard {
            score_percent: (offer.why.score * 100.0).round() as u32,
            factors: offer
                .why
                .factors
                .iter()
                .map(|(name, c)| FactorBar {
                    name: name.clone(),
                    percent: (c / offer.why.score.max(0.001) * 100.0).round() as u32,
                })
                .collect(),
            offer,
        })
        .collect();
    let conversations = assigned
        .into_iter()
        .map(|(e, transcript, messages, packet)| ConversationCard {
            id: e.id,
            transcript: serde_json::from_str(&transcript).unwrap_or_default(),
            skills: e.skills().join(", "),
            summary: e.summary,
            language: e.language,
            priority: e.priority,
            sensitive: e.sensitive,
            messages,
            packet,
        })
        .collect();
    Ok(Dashboard {
        chrome: Chrome::of(&req),
        load: format!("{} of {} conversations", me.active_conversations, me.max_concurrent),
        rating: match me.rating_count {
            0 => "no ratings yet".to_string(),
            n => {
                format!("rated {:.1} by {n} customer{}", me.rating_sum as f64 / n as f64, if n == 1 { "" } else { "s" })
            }
        },
        presence: me.presence.to_string(),
        presence_reason: me.presence_reason,
        offers,
        conversations,
        wrap_ups,
        dispositions: quality.dispositions,
        skills: catalogue.into_iter().map(|s| s.name).collect(),
        notice: notice_for(&query.notice),
        last_event_id,
    })
}

fn back(notice: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/agent?notice={notice}"))).finish()
}

#[post("/agent/offers/{id}/{answer}")]
pub async fn answer(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    path: web::Path<(OfferId, String)>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let (offer_id, answer) = path.into_inner();
    let agent_id = agent.0.id();
    let notice = match answer.as_str() {
        "accept" => commands::accept(&state, agent_id, offer_id, Utc::now()).await.map(|_| "accepted")?,
        "decline" => commands::decline(&state, agent_id, offer_id, None, Utc::now()).await.map(|_| "declined")?,
        _ => return Err(AppError::NotFound("no such answer".into()).into()),
    };
    Ok(back(notice))
}

#[post("/agent/conversations/{id}/{action}")]
pub async fn act(
    req: HttpRequest,
    agent: Page<AgentUser>,
    state: web::Data<AppState>,
    path: web::Path<(EscalationId, String)>,
    posted: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields::from_pairs(posted.into_inner());
    require_csrf(&req, fields.get("csrf_token"))?;
    let (id, action) = path.into_inner();
    let agent_id = agent.0.id();
    let text = fields.get("text").to_string();
    let disposition = fields.get("disposition").to_string();
    let note = fields.get("note").to_string();
    let skills: Vec<String> = fields.0.keys().filter_map(|k| k.strip_prefix("skill_").map(str::to_string)).collect();
    let now = Utc::now();
    let notice = match action.as_str() {
        "reply" if !text.is_empty() && text.len() <= 10_000 => {
            commands::post_message(&state, id, Author::Agent { id: agent_id }, text, now).await.map(|_| "sent")?
        }
        "reply" => return Err(AppError::invalid("text", "write between 1 and 10,000 characters").into()),
        "resolve" if !disposition.is_empty() => {
            commands::resolve(&state, agent_id, id, disposition, None, now).await.map(|_| "resolved")?
        }
        "resolve" => return Err(AppError::invalid("disposition", "choose how it ended").into()),
        "hand_back" if !text.trim().is_empty() && text.len() <= 4_000 => {
            let disposition = conversation::HANDED_BACK.to_string();
            commands::resolve(&state, agent_id, id, disposition, Some(text), now).await.map(|_| "handed_back")?
        }
        "hand_back" => {
            return Err(AppError::invalid("text", "write a summary for the chatbot (up to 4,000 characters)").into());
        }
        "transfer" if !note.is_empty() => {
            let input = TransferInput { required_skills: skills, note };
            commands::transfer(&state, agent_id, id, input, now).await.map(|_| "transferred")?
        }
        "transfer" => return Err(AppError::invalid("note", "say why, for the next agent").into()),
        "wrap_up" => {
            let notes = (!note.trim().is_empty()).then_some(note);
            let input = crate::quality::wrap_up::WrapUpInput { disposition, notes };
            state
                .db
                .write(move |conn| crate::quality::wrap_up::finish(conn, id, agent_id, &input, now))
                .await
                .map(|_| "wrapped_up")?
        }
        "help" if !note.trim().is_empty() && note.len() <= 1000 => {
            let input = crate::quality::supervise::HelpInput { escalation_id: Some(id), note };
            state
                .db
                .write(move |conn| crate::quality::supervise::raise_hand(conn, agent_id, &input, now))
                .await
                .map(|_| "help")?
        }
        "help" => return Err(AppError::invalid("note", "say what you need help with (up to 1,000 characters)").into()),
        _ => return Err(AppError::NotFound("no such action".into()).into()),
    };
    Ok(back(notice))
}
