//! GET /api/v1/me/events: Server-Sent Events. The open stream is the agent's heartbeat. A
//! client reconnecting with `Last-Event-ID` gets what it missed; a new one gets a `snapshot`
//! (presence and pending offers) first.

use std::time::Duration;

use actix_web::{HttpRequest, Responder, get, web};
use actix_web_lab::sse;
use chrono::Utc;
use tokio::sync::mpsc;

use crate::auth::{AgentUser, CurrentUser, revocation};
use crate::availability::presence;
use crate::dispatch::view;
use crate::error::AppResult;
use crate::models::agent_event;
use crate::startup::AppState;

/// How often a stream looks for new events when nothing woke it. Every committed event wakes
/// it at once (on this instance through the bus, from others through LISTEN/NOTIFY); this
/// safety read only catches events written by a process without a bus (the CLI, a test's own
/// handle). While the cross-instance listener is down, streams poll at `POLL_WITHOUT_LISTENER`.
const POLL: Duration = Duration::from_secs(10);
const POLL_WITHOUT_LISTENER: Duration = Duration::from_secs(1);
/// How often open streams count as a heartbeat.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);
/// Most events replayed to a reconnecting client at once.
const REPLAY_LIMIT: i64 = 200;

/// Where to resume: the `Last-Event-ID` header of a reconnecting EventSource, or `?after=` from
/// a page that knows which events it has already rendered (EventSource cannot set headers on
/// its first request, and a page rendered before the stream opens must not miss what happens
/// in between).
fn last_event_id(req: &HttpRequest) -> Option<i64> {
    let header = req.headers().get("Last-Event-ID").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    header.or_else(|| {
        url::form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == "after")
            .and_then(|(_, v)| v.parse().ok())
    })
}

/// The agent's live events.
#[utoipa::path(tag = "agents", security(("bearer" = [])),
    params(("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event")),
    responses((status = 200, description = "text/event-stream of offer, offer_withdrawn, assigned, message, closed, presence (and snapshot)"),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
#[get("/api/v1/me/events")]
pub async fn events(agent: AgentUser, req: HttpRequest, state: web::Data<AppState>) -> AppResult<impl Responder> {
    let agent_id = agent.id();
    let resume = last_event_id(&req);
    let (sender, receiver) = mpsc::channel::<sse::Event>(32);
    let start = match resume {
        Some(after) => after,
        None => {
            let snapshot = state
                .db
                .write(move |conn| {
                    let now = Utc::now();
                    presence::heartbeat(conn, agent_id, now)?;
                    let data = serde_json::json!({
                        "presence": presence::current(conn, agent_id, now)?,
                        "offers": view::offers_of(conn, agent_id)?,
                    });
                    Ok((data, agent_event::latest_id(conn, agent_id)?))
                })
                .await?;
            let (data, latest) = snapshot;
            let _ = sender.send(sse::Data::new(data.to_string()).event("snapshot").id(latest.to_string()).into()).await;
            latest
        }
    };
    tokio::spawn(pump(state.into_inner(), agent.0, start, sender));
    Ok(sse::Sse::from_infallible_receiver(receiver).with_keep_alive(Duration::from_secs(15)))
}

/// Sends new events until the client goes away or its login is revoked (a revocation wakes
/// the stream). (The open stream is the agent's heartbeat: `beat_open_streams` writes it for
/// every agent with a stream on this instance in one go.)
async fn pump(state: std::sync::Arc<AppState>, agent: CurrentUser, mut last: i64, sender: mpsc::Sender<sse::Event>) {
    let agent_id = agent.agent_id();
    let woken = state.db.bus().subscribe(agent_id);
    loop {
        if sender.is_closed() {
            return;
        }
        // (A database outage keeps the stream open: it is not a revocation.)
        if let Ok(false) = revocation::is_live(&state, &agent).await {
            tracing::info!(%agent_id, "closing an event stream: its login was revoked");
            return;
        }
        let after = last;
        match state.db.read(move |conn| Ok(agent_event::since(conn, agent_id, after, REPLAY_LIMIT)?)).await {
            Ok(found) => {
                for event in found {
                    last = event.id;
                    let data = sse::Data::new(event.data).event(event.kind).id(event.id.to_string());
                    if sender.send(data.into()).await.is_err() {
                        return;
                    }
                }
            }
            Err(error) => tracing::warn!(%agent_id, %error, "reading stream events failed"),
        }
        let poll = match state.db.backend() {
            crate::db::Backend::Postgres if !state.db.bus().is_listening() => POLL_WITHOUT_LISTENER,
            _ => POLL,
        };
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = woken.notified() => {}
        }
    }
}

/// Every few seconds, one write refreshes the heartbeat of every agent with an open stream here
/// (one UPDATE for all of them rather than a write per stream: 2,000 streams would otherwise
/// be 400 write transactions a second).
pub async fn beat_open_streams(db: crate::db::Db) {
    let mut every = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        every.tick().await;
        let agents = db.bus().agents_streaming();
        if agents.is_empty() {
            continue;
        }
        let beat = db
            .write(move |conn| {
                Ok(crate::models::presence_event::heartbeat_many(conn, &agents, crate::models::db_time(Utc::now()))?)
            })
            .await;
        if let Err(error) = beat {
            tracing::warn!(%error, "could not record stream heartbeats");
        }
    }
}
