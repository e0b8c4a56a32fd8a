//! The agent's event stream (Server-Sent Events): snapshot, live events, replay after a
//! reconnect with Last-Event-ID, and the open stream as heartbeat.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::dispatch::{escalate, escalation, go, online_agent};
use crate::helpers::TestApp;
use crate::helpers::spawn_app;

/// One parsed event.
#[derive(Debug, Clone)]
pub struct Event {
    id: Option<i64>,
    kind: String,
    data: Value,
}

/// An open stream and what has been read of it so far.
pub struct Stream {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>>>>,
    buffer: String,
}

pub async fn open(app: &TestApp, token: &str, last_event_id: Option<i64>) -> Stream {
    let mut request = app.client.get(app.url("/api/v1/me/events")).bearer_auth(token);
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id.to_string());
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    Stream { body: Box::pin(response.bytes_stream()), buffer: String::new() }
}

impl Stream {
    /// The next event of `kind` (skipping others), waiting up to 10 s.
    pub async fn next_of(&mut self, kind: &str) -> Event {
        self.next_within(kind, Duration::from_secs(10)).await
    }

    /// The next event of `kind` (skipping others), waiting up to `wait`.
    pub async fn next_within(&mut self, kind: &str, wait: Duration) -> Event {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = Event { id: None, kind: "message".into(), data: Value::Null };
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event: ") {
                        event.kind = v.to_string();
                    } else if let Some(v) = line.strip_prefix("id: ") {
                        event.id = v.parse().ok();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        event.data = serde_json::from_str(v).unwrap_or(Value::String(v.into()));
                    }
                }
                if event.kind == kind {
                    return event;
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .unwrap_or_else(|_| panic!("no {kind} event arrived"));
            self.buffer.push_str(&String::from_utf8_lossy(&chunk.expect("the stream stays open").unwrap()));
        }
    }

    /// Whether the server ends the stream within 10 s (events before the end are skipped).
    pub async fn ends(&mut self) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Err(_) => return false,
                Ok(None | Some(Err(_))) => return true,
                Ok(Some(Ok(_))) => {}
            }
        }
    }
}

#[tokio::test]
async fn an_agent_sees_offers_live_and_a_reconnect_replays_what_was_missed() {
    let app = spawn_app().await;
    let (_, agent) = online_agent(&app, "live@example.com", 4, "native").await;
    let mut stream = open(&app, &agent, None).await;
    let snapshot = stream.next_of("snapshot").await;
    assert_eq!(snapshot.data["presence"]["status"], "online");
    assert_eq!(snapshot.data["offers"], json!([]));

    let service = app.service_token("bot").await;
    let created = escalate(&app, &service, &escalation("live-1")).await;
    let offer = stream.next_of("offer").await;
    assert_eq!(offer.data["escalation_id"], created["id"]);
    assert!(offer.data["why"]["factors"]["skill"].as_f64().is_some(), "why me travels with the offer");
    let offer_event_id = offer.id.expect("events are numbered");

    app.post_json(&format!("/api/v1/offers/{}/accept", offer.data["id"]), &json!({}), Some(&agent)).await;
    let assigned = stream.next_of("assigned").await;
    assert_eq!(assigned.data["escalation_id"], created["id"]);
    app.post_json(
        &format!("/api/v1/escalations/{}/messages", created["id"]),
        &json!({"text": "Are you there?"}),
        Some(&service),
    )
    .await;
    let message = stream.next_of("message").await;
    assert_eq!(message.data["message"]["text"], "Are you there?");
    drop(stream);

    // Reconnecting after the offer: the rest is replayed, in order.
    let mut resumed = open(&app, &agent, Some(offer_event_id)).await;
    assert_eq!(resumed.next_of("assigned").await.data["escalation_id"], created["id"]);
    assert_eq!(resumed.next_of("message").await.data["message"]["text"], "Are you there?");
    app.post_json(
        &format!("/api/v1/escalations/{}/resolve", created["id"]),
        &json!({"disposition": "solved"}),
        Some(&agent),
    )
    .await;
    assert_eq!(resumed.next_of("closed").await.data["disposition"], "solved");
}

#[tokio::test]
async fn the_open_stream_is_the_heartbeat_and_presence_changes_arrive_on_it() {
    let app = spawn_app().await;
    let (id, agent) = online_agent(&app, "beat@example.com", 4, "native").await;
    let before = chrono::Utc::now();
    let mut stream = open(&app, &agent, None).await;
    stream.next_of("snapshot").await;
    let db = app.db();
    let beat = db
        .read(move |conn| Ok(handoff::models::agent::find(conn, handoff::ids::AgentId(id))?.unwrap().last_heartbeat_at))
        .await
        .unwrap()
        .unwrap();
    assert!(beat.and_utc() >= before - chrono::Duration::seconds(1), "opening the stream counts as a heartbeat");
    go(&app, &agent, "away").await;
    let presence = stream.next_of("presence").await;
    assert_eq!((presence.data["status"].as_str(), presence.data["reason"].as_str()), (Some("away"), Some("chosen")));
}

#[tokio::test]
async fn an_offer_raised_on_one_instance_reaches_an_agent_connected_to_another() {
    let app = spawn_app().await;
    let (_, agent) = online_agent(&app, "roaming@example.com", 4, "native").await;
    // A second instance over the same database (same signing secret, its own port and folder).
    let second_dir = tempfile::tempdir().unwrap();
    let settings = crate::helpers::test_settings(second_dir.path(), &app.database_url);
    let second = handoff::startup::Application::build(settings).await.unwrap();
    let second_address = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped());

    let response =
        app.client.get(format!("{second_address}/api/v1/me/events")).bearer_auth(&agent).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let mut stream = Stream { body: Box::pin(response.bytes_stream()), buffer: String::new() };
    stream.next_of("snapshot").await;

    let service = app.service_token("bot").await;
    let created = escalate(&app, &service, &escalation("across")).await; // sent to the first instance
    // PostgreSQL tells the other instance at once (NOTIFY); two processes on one SQLite file
    // have no channel, and the other instance finds it at its safety read, every 10 s.
    let offer = stream.next_within("offer", Duration::from_secs(15)).await;
    assert_eq!(offer.data["escalation_id"], created["id"]);
}

#[tokio::test]
async fn a_page_rendered_before_its_stream_opens_misses_nothing() {
    let app = spawn_app().await;
    crate::availability_pages::agent_in_browser_session(&app, "page@example.com").await;
    let html = app.client.get(app.url("/agent")).send().await.unwrap().text().await.unwrap();
    let csrf = crate::recruiting_pages::csrf_of(&html);
    app.client
        .post(app.url("/agent/presence"))
        .form(&[("csrf_token", csrf.as_str()), ("status", "online"), ("back", "/agent")])
        .send()
        .await
        .unwrap();
    let html = app.client.get(app.url("/agent")).send().await.unwrap().text().await.unwrap();
    let after: i64 = html.split("data-after=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();

    // Something happens after the render but before the page's stream connects.
    let service = app.service_token("bot").await;
    let created = escalate(&app, &service, &escalation("between")).await;

    let response = app.client.get(app.url(&format!("/api/v1/me/events?after={after}"))).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let mut stream = Stream { body: Box::pin(response.bytes_stream()), buffer: String::new() };
    assert_eq!(stream.next_of("offer").await.data["escalation_id"], created["id"]);
}

/// The leader keeps the free agents between passes: a change committed on another instance
/// that no stream event announces (a decline) still reaches it (`c:` over NOTIFY), so the agent
/// is offered the next escalation at once rather than after the next full read.
#[tokio::test]
async fn a_decline_on_a_follower_frees_the_agent_for_the_leaders_next_offer() {
    if !std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("skipped: changes cross instances through PostgreSQL (set TEST_DATABASE_URL)");
        return;
    }
    let app = crate::helpers::spawn_app_with(|s| s.clock_tickers = false).await;
    let (_, agent) = online_agent(&app, "declines@example.com", 4, "native").await;
    let capacity = json!({"max_concurrent": 1});
    let response = app.client.put(app.url("/api/v1/me/capacity")).bearer_auth(&agent).json(&capacity).send().await;
    assert_eq!(response.unwrap().status(), 200);
    let second_dir = tempfile::tempdir().unwrap();
    let mut settings = crate::helpers::test_settings(second_dir.path(), &app.database_url);
    settings.clock_tickers = false;
    let follower = handoff::startup::Application::build(settings).await.unwrap();
    let follower_address = format!("http://127.0.0.1:{}", follower.port());
    tokio::spawn(follower.run_until_stopped());

    let service = app.service_token("bot").await;
    let first = escalate(&app, &service, &escalation("first")).await;
    assert_eq!(first["state"], "offered", "{first}");
    let offer = crate::dispatch::offers_of(&app, &agent).await[0]["id"].as_i64().unwrap();
    let declined = app
        .client
        .post(format!("{follower_address}/api/v1/offers/{offer}/decline"))
        .bearer_auth(&agent)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(declined.status(), 200);
    let second = escalate(&app, &service, &escalation("second")).await;
    assert_eq!(second["state"], "offered", "the leader read the agent again after the decline: {second}");
}
