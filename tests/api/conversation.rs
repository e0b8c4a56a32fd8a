//! A conversation end to end: assignment, messages both ways, resolve, rating, transfer, and
//! the signed webhooks the platform receives (by a real HTTP receiver on this machine).

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::dispatch::{escalate, escalation, events, offers_of, online_agent};
use crate::helpers::{TestApp, problem, spawn_app, spawn_app_with};

/// What the platform's webhook endpoint received.
#[derive(Clone, Default)]
pub struct Received {
    pub requests: Arc<Mutex<Vec<(String, String, Value)>>>,
    /// Status codes to answer with, one per request; 200 once they run out.
    answers: Arc<Mutex<Vec<u16>>>,
}

async fn receive(req: HttpRequest, body: web::Bytes, received: web::Data<Received>) -> HttpResponse {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let raw = String::from_utf8(body.to_vec()).unwrap();
    let parsed: Value = serde_json::from_str(&raw).unwrap();
    received.requests.lock().unwrap().push((header("Handoff-Signature"), raw, parsed));
    let status = received.answers.lock().unwrap().pop().unwrap_or(200);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

/// A webhook receiver on a free port; returns its URL.
pub fn start_receiver(received: Received) -> String {
    let data = web::Data::new(received);
    let server = HttpServer::new(move || App::new().app_data(data.clone()).route("/hooks", web::post().to(receive)))
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    format!("http://127.0.0.1:{port}/hooks")
}

impl Received {
    /// Waits (up to 10 s) for an event of this kind and returns its signature, raw body and JSON.
    pub async fn wait_for(&self, event: &str) -> (String, String, Value) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            if let Some(found) = self.requests.lock().unwrap().iter().find(|(_, _, v)| v["event"] == event).cloned() {
                return found;
            }
            assert!(std::time::Instant::now() < deadline, "no {event} webhook arrived");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// A service account whose webhooks go to `url`: (token, webhook secret).
pub async fn service_with_webhooks(app: &TestApp, url: &str) -> (String, String) {
    let admin = app.admin_token().await;
    let created: Value = app
        .post_json("/api/v1/admin/service-accounts", &json!({"name": "platform", "webhook_url": url}), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    (created["token"].as_str().unwrap().to_string(), created["webhook_secret"].as_str().unwrap().to_string())
}

fn assert_signed(secret: &str, signature: &str, raw: &str) {
    let (t, v1) = signature.split_once(',').unwrap();
    let t: i64 = t.strip_prefix("t=").unwrap().parse().unwrap();
    assert!((Utc::now().timestamp() - t).abs() < 300, "a fresh timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{raw}").as_bytes());
    assert_eq!(v1.strip_prefix("v1=").unwrap(), hex::encode(mac.finalize().into_bytes()), "the signature verifies");
}

pub async fn accept_first(app: &TestApp, token: &str) -> Value {
    let offer = offers_of(app, token).await[0]["id"].clone();
    let accepted = app.post_json(&format!("/api/v1/offers/{offer}/accept"), &json!({}), Some(token)).await;
    assert_eq!(accepted.status(), 200);
    accepted.json().await.unwrap()
}

#[tokio::test]
async fn a_conversation_runs_from_assignment_to_rating_and_the_platform_hears_of_each_step() {
    let app = spawn_app().await;
    let received = Received::default();
    let (service, secret) = service_with_webhooks(&app, &start_receiver(received.clone())).await;
    let (_, agent) = online_agent(&app, "talker@example.com", 4, "native").await;
    let created = escalate(&app, &service, &escalation("chat-1")).await;
    let id = created["id"].as_i64().unwrap();
    accept_first(&app, &agent).await;

    let (signature, raw, assigned) = received.wait_for("escalation.assigned").await;
    assert_signed(&secret, &signature, &raw);
    assert_eq!(assigned["data"]["external_id"], "chat-1");
    // The database holds the secret sealed: not readable there, yet the signature verifies.
    let stored: Vec<String> = app
        .db()
        .read(|conn| {
            use diesel::prelude::*;
            use handoff::db::schema::service_accounts;
            Ok(service_accounts::table.select(service_accounts::webhook_secret).load(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].starts_with("sealed:v1:") && !stored[0].contains(&secret[6..]), "{}", stored[0]);
    assert_eq!(assigned["data"]["agent"]["display_name"], "Astrid L.");

    let customer = app
        .post_json(
            &format!("/api/v1/escalations/{id}/messages"),
            &json!({"text": "Hello? My card was charged twice."}),
            Some(&service),
        )
        .await;
    assert_eq!(customer.status(), 201);
    let reply = app
        .post_json(
            &format!("/api/v1/escalations/{id}/messages"),
            &json!({"text": "Hi, I am looking at it now."}),
            Some(&agent),
        )
        .await;
    assert_eq!(reply.status(), 201);
    let (signature, raw, message) = received.wait_for("escalation.message").await;
    assert_signed(&secret, &signature, &raw);
    assert_eq!(message["data"]["message"]["text"], "Hi, I am looking at it now.");
    let thread: Vec<Value> =
        app.get_json(&format!("/api/v1/escalations/{id}/messages"), &agent).await.json().await.unwrap();
    let from: Vec<&str> = thread.iter().map(|m| m["from"].as_str().unwrap()).collect();
    assert_eq!(from, ["customer", "agent"]);

    let resolved = app
        .post_json(&format!("/api/v1/escalations/{id}/resolve"), &json!({"disposition": "refund_issued"}), Some(&agent))
        .await;
    assert_eq!(resolved.status(), 200);
    assert_eq!(resolved.json::<Value>().await.unwrap()["state"], "resolved");
    let (_, _, done) = received.wait_for("escalation.resolved").await;
    assert_eq!(done["data"]["disposition"], "refund_issued");
    problem(
        app.post_json(&format!("/api/v1/escalations/{id}/messages"), &json!({"text": "still there?"}), Some(&service))
            .await,
        409,
    )
    .await;

    assert_eq!(
        app.post_json(
            &format!("/api/v1/escalations/{id}/rating"),
            &json!({"score": 5, "comment": "Quick!"}),
            Some(&service)
        )
        .await
        .status(),
        201
    );
    problem(
        app.post_json(&format!("/api/v1/escalations/{id}/rating"), &json!({"score": 4}), Some(&service)).await,
        409,
    )
    .await;
    let me: Value = app.get_json("/api/v1/me", &agent).await.json().await.unwrap();
    assert_eq!((me["rating"]["score"].as_f64(), me["rating"]["count"].as_i64()), (Some(5.0), Some(1)));
    assert_eq!(me["active_conversations"], 1, "held during wrap-up");
    let wrapped = app
        .post_json(&format!("/api/v1/escalations/{id}/wrap-up"), &json!({"disposition": "solved"}), Some(&agent))
        .await;
    assert_eq!(wrapped.status(), 200);
    let me: Value = app.get_json("/api/v1/me", &agent).await.json().await.unwrap();
    assert_eq!(me["active_conversations"], 0);

    let staff = app.staff_token("ops@example.com", "staff").await;
    let deliveries: Vec<Value> = app.get_json("/api/v1/staff/webhooks", &staff).await.json().await.unwrap();
    let kinds: Vec<&str> = deliveries.iter().map(|d| d["event"].as_str().unwrap()).collect();
    for event in ["escalation.assigned", "escalation.message", "escalation.resolved"] {
        assert!(kinds.contains(&event), "{event} is listed for staff");
    }
}

#[tokio::test]
async fn a_failed_webhook_is_kept_and_retried_after_backoff_until_delivered() {
    let app = spawn_app().await;
    let received = Received::default();
    received.answers.lock().unwrap().push(500);
    let (service, _) = service_with_webhooks(&app, &start_receiver(received.clone())).await;
    let (_, agent) = online_agent(&app, "retry@example.com", 4, "native").await;
    escalate(&app, &service, &escalation("chat-2")).await;
    accept_first(&app, &agent).await;
    received.wait_for("escalation.assigned").await; // the first attempt, answered 500

    let staff = app.staff_token("ops@example.com", "staff").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let pending = loop {
        let pending: Vec<Value> =
            app.get_json("/api/v1/staff/webhooks?pending=true", &staff).await.json().await.unwrap();
        if pending.iter().any(|d| d["attempts"] == 1) {
            break pending;
        }
        assert!(std::time::Instant::now() < deadline, "the failed attempt is recorded");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let failed = pending.iter().find(|d| d["event"] == "escalation.assigned").unwrap();
    assert_eq!(failed["last_status"], 500);

    let worker =
        handoff::webhooks::worker::WebhookWorker::new(app.db(), true, crate::helpers::test_data_key()).unwrap();
    assert_eq!(
        worker.deliver_due(Utc::now() + Duration::seconds(5)).await.unwrap().delivered,
        0,
        "not before the backoff"
    );
    assert_eq!(worker.deliver_due(Utc::now() + Duration::seconds(11)).await.unwrap().delivered, 1);
    let copies: Vec<Value> = received
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|(_, _, v)| v.clone())
        .filter(|v| v["event"] == "escalation.assigned")
        .collect();
    assert_eq!(copies.len(), 2);
    assert_eq!(copies[0]["id"], copies[1]["id"], "the retry carries the same event id");
    let pending: Vec<Value> = app.get_json("/api/v1/staff/webhooks?pending=true", &staff).await.json().await.unwrap();
    assert!(pending.iter().all(|d| d["event"] != "escalation.assigned"));
}

#[tokio::test]
async fn finishing_wrap_up_frees_capacity_for_the_next_waiting_escalation() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    let (_, agent) = online_agent(&app, "solo@example.com", 4, "native").await;
    let first = escalate(&app, &service, &escalation("one")).await;
    accept_first(&app, &agent).await;
    let second = escalate(&app, &service, &escalation("two")).await;
    assert_eq!(second["state"], "queued", "capacity 1 is in use");
    app.post_json(
        &format!("/api/v1/escalations/{}/resolve", first["id"]),
        &json!({"disposition": "solved"}),
        Some(&agent),
    )
    .await;
    assert!(offers_of(&app, &agent).await.is_empty(), "capacity is held during wrap-up");
    let wrap_up = format!("/api/v1/escalations/{}/wrap-up", first["id"]);
    assert_eq!(app.post_json(&wrap_up, &json!({"disposition": "solved"}), Some(&agent)).await.status(), 200);
    let offers = offers_of(&app, &agent).await;
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0]["escalation_id"], second["id"]);
}

#[tokio::test]
async fn a_transfer_goes_back_to_the_queue_with_new_needs_and_never_to_the_same_agent() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    let (_, first) = online_agent(&app, "first@example.com", 5, "native").await;
    let created = escalate(&app, &service, &escalation("handover")).await;
    accept_first(&app, &first).await;
    let (_, second) = online_agent(&app, "second@example.com", 3, "native").await;
    let transferred = app
        .post_json(
            &format!("/api/v1/escalations/{}/transfer", created["id"]),
            &json!({"required_skills": ["refunds"], "note": "needs a refund"}),
            Some(&first),
        )
        .await;
    assert_eq!(transferred.status(), 200);
    assert!(offers_of(&app, &first).await.is_empty(), "not back to the same agent");
    let offers = offers_of(&app, &second).await;
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0]["required_skills"], json!(["refunds"]));
    let shown: Value =
        app.get_json(&format!("/api/v1/escalations/{}", created["id"]), &service).await.json().await.unwrap();
    assert_eq!(events(&shown), ["created", "offered", "assigned", "transferred", "offered"]);
    let me: Value = app.get_json("/api/v1/me", &first).await.json().await.unwrap();
    assert_eq!(me["active_conversations"], 0);
}

#[tokio::test]
async fn only_the_platform_and_the_assigned_agent_take_part() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    let other_service = app.service_token("other").await;
    let (_, agent) = online_agent(&app, "mine@example.com", 5, "native").await;
    let created = escalate(&app, &service, &escalation("private")).await;
    let id = created["id"].as_i64().unwrap();
    problem(
        app.post_json(&format!("/api/v1/escalations/{id}/messages"), &json!({"text": "hi"}), Some(&agent)).await,
        403,
    )
    .await;
    accept_first(&app, &agent).await;
    let (_, stranger) = online_agent(&app, "stranger@example.com", 5, "native").await;
    let staff = app.staff_token("ops@example.com", "staff").await;
    problem(
        app.post_json(&format!("/api/v1/escalations/{id}/messages"), &json!({"text": "hi"}), Some(&stranger)).await,
        403,
    )
    .await;
    // Staff write only in a conversation they took over.
    problem(
        app.post_json(&format!("/api/v1/escalations/{id}/messages"), &json!({"text": "hi"}), Some(&staff)).await,
        409,
    )
    .await;
    problem(
        app.post_json(&format!("/api/v1/escalations/{id}/messages"), &json!({"text": "hi"}), Some(&other_service))
            .await,
        403,
    )
    .await;
    problem(app.get_json(&format!("/api/v1/escalations/{id}/messages"), &stranger).await, 403).await;
    problem(
        app.post_json(&format!("/api/v1/escalations/{id}/resolve"), &json!({"disposition": "x"}), Some(&stranger))
            .await,
        403,
    )
    .await;
    problem(
        app.post_json(&format!("/api/v1/escalations/{id}/rating"), &json!({"score": 5}), Some(&service)).await,
        409,
    )
    .await;
    problem(
        app.post_json(&format!("/api/v1/escalations/{id}/rating"), &json!({"score": 9}), Some(&service)).await,
        422,
    )
    .await;
    problem(
        app.post_json(&format!("/api/v1/escalations/{id}/messages"), &json!({"text": ""}), Some(&agent)).await,
        422,
    )
    .await;
}

#[tokio::test]
async fn staff_see_conversations_whose_first_reply_is_late() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    let (_, agent) = online_agent(&app, "slow@example.com", 4, "native").await;
    let created = escalate(&app, &service, &escalation("late")).await;
    accept_first(&app, &agent).await;
    let staff = app.staff_token("ops@example.com", "staff").await;
    let late: Vec<Value> =
        app.get_json("/api/v1/staff/escalations/first-reply-overdue", &staff).await.json().await.unwrap();
    assert!(late.is_empty(), "just assigned: within the 120 s deadline");

    // Assigned three minutes ago, as far as the database knows.
    let id = created["id"].as_i64().unwrap();
    let db = app.db();
    db.write(move |conn| {
        use diesel::prelude::*;
        use handoff::db::schema::escalations;
        let earlier = handoff::models::db_time(Utc::now() - Duration::seconds(180));
        diesel::update(escalations::table.find(id)).set(escalations::assigned_at.eq(earlier)).execute(conn)?;
        Ok(())
    })
    .await
    .unwrap();
    let late: Vec<Value> =
        app.get_json("/api/v1/staff/escalations/first-reply-overdue", &staff).await.json().await.unwrap();
    assert_eq!(late.len(), 1);
    assert_eq!(late[0]["first_reply_overdue"], true);
    problem(app.get_json("/api/v1/staff/escalations/first-reply-overdue", &agent).await, 403).await;

    app.post_json(&format!("/api/v1/escalations/{id}/messages"), &json!({"text": "Sorry for the wait!"}), Some(&agent))
        .await;
    let late: Vec<Value> =
        app.get_json("/api/v1/staff/escalations/first-reply-overdue", &staff).await.json().await.unwrap();
    assert!(late.is_empty());
    let shown: Value = app.get_json(&format!("/api/v1/escalations/{id}"), &service).await.json().await.unwrap();
    assert_eq!(shown["first_reply_overdue"], false);
    assert!(shown["first_reply_at"].is_string());
}

#[tokio::test]
async fn webhooks_to_private_addresses_are_refused_unless_allowed() {
    // Server-side request forgery guard: the receiver listens on 127.0.0.1, which the default
    // settings refuse whether the URL names the IP or a name that resolves to it.
    let app = spawn_app_with(|s| s.webhook_private_addresses = false).await;
    let received = Received::default();
    let address = start_receiver(received.clone());
    let by_name = address.replace("127.0.0.1", "localhost");
    for (n, url) in [address.as_str(), by_name.as_str()].into_iter().enumerate() {
        let admin = app.admin_token().await;
        let body = json!({"name": format!("platform-{n}"), "webhook_url": url});
        let created: Value =
            app.post_json("/api/v1/admin/service-accounts", &body, Some(&admin)).await.json().await.unwrap();
        let service = created["token"].as_str().unwrap().to_string();
        let (_, agent) = online_agent(&app, &format!("ssrf{n}@example.com"), 4, "native").await;
        escalate(&app, &service, &escalation(&format!("ssrf-{n}"))).await;
        accept_first(&app, &agent).await;
    }
    let staff = app.staff_token("ops@example.com", "staff").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let pending = loop {
        let pending: Vec<Value> =
            app.get_json("/api/v1/staff/webhooks?pending=true", &staff).await.json().await.unwrap();
        if pending.iter().filter(|d| d["attempts"] == 1).count() >= 2 {
            break pending;
        }
        assert!(std::time::Instant::now() < deadline, "both refusals are recorded");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let errors: Vec<&str> = pending.iter().filter_map(|d| d["last_error"].as_str()).collect();
    assert!(errors.iter().any(|e| e.contains("127.0.0.1 is not a public address")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("public addresses only")), "{errors:?}");
    assert!(received.requests.lock().unwrap().is_empty(), "nothing reached the private receiver");
}

#[tokio::test]
async fn long_lists_come_in_pages_with_a_checked_limit() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    let (_, agent) = online_agent(&app, "pages@example.com", 4, "native").await;
    let created = escalate(&app, &service, &escalation("paged")).await;
    accept_first(&app, &agent).await;
    let path = format!("/api/v1/escalations/{}/messages", created["id"]);
    for n in 0..3 {
        let sent = app.post_json(&path, &json!({"text": format!("message {n}")}), Some(&service)).await;
        assert_eq!(sent.status(), 201, "{}", sent.text().await.unwrap());
    }
    let first: Vec<Value> = app.get_json(&format!("{path}?limit=2"), &agent).await.json().await.unwrap();
    assert_eq!(first.len(), 2);
    let last_id = first[1]["id"].as_i64().unwrap();
    let rest: Vec<Value> =
        app.get_json(&format!("{path}?limit=2&after_id={last_id}"), &agent).await.json().await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["text"], "message 2");

    for bad in ["limit=0", "limit=501", "limit=-3"] {
        let refused = problem(app.get_json(&format!("{path}?{bad}"), &agent).await, 422).await;
        assert_eq!(refused["errors"][0]["field"], "limit", "{bad}");
    }
    let refused = app.get_json(&format!("{path}?limit=many"), &agent).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("limit"));

    let mine: Vec<Value> = app.get_json("/api/v1/me/escalations?limit=1", &agent).await.json().await.unwrap();
    assert_eq!(mine.len(), 1);
    let older: Vec<Value> = app
        .get_json(&format!("/api/v1/me/escalations?before_id={}", mine[0]["id"]), &agent)
        .await
        .json()
        .await
        .unwrap();
    assert!(older.is_empty(), "one escalation in all");
}

#[tokio::test]
async fn an_agent_hands_the_conversation_back_to_the_bot_with_a_summary() {
    let app = spawn_app().await;
    let received = Received::default();
    let (service, _) = service_with_webhooks(&app, &start_receiver(received.clone())).await;
    let (_, agent) = online_agent(&app, "talker@example.com", 4, "native").await;
    let id = escalate(&app, &service, &escalation("back-1")).await["id"].as_i64().unwrap();
    accept_first(&app, &agent).await;
    let path = format!("/api/v1/escalations/{id}/resolve");

    let no_summary = problem(app.post_json(&path, &json!({"hand_back": true}), Some(&agent)).await, 422).await;
    assert_eq!(no_summary["errors"][0]["field"], "summary");
    let nothing = problem(app.post_json(&path, &json!({}), Some(&agent)).await, 422).await;
    assert_eq!(nothing["errors"][0]["field"], "disposition");
    let summary = "Refund started for card 4111 1111 1111 1111; the bot sends the claim form";
    let back = app.post_json(&path, &json!({"hand_back": true, "summary": summary}), Some(&agent)).await;
    assert_eq!(back.status(), 200);
    let shown: Value = back.json().await.unwrap();
    assert_eq!(shown["state"], "resolved", "it ends like a resolution (and is paid like one)");

    let (_, raw, event) = received.wait_for("escalation.handed_back").await;
    assert_eq!(event["data"]["external_id"], "back-1");
    assert_eq!(event["data"]["summary"], "Refund started for card [card •••• 1111]; the bot sends the claim form");
    assert!(!raw.contains("4111 1111"));
    assert!(received.requests.lock().unwrap().iter().all(|(_, _, v)| v["event"] != "escalation.resolved"));

    let staff = app.staff_token("sam@example.com", "staff").await;
    let metrics: Value = app.get_json("/api/v1/staff/metrics", &staff).await.json().await.unwrap();
    assert_eq!((metrics["resolved"].as_i64(), metrics["handed_back"].as_i64()), (Some(1), Some(1)), "{metrics}");
    // After wrap-up the agent is free for the next one.
    let wrap_up = format!("/api/v1/escalations/{}/wrap-up", shown["id"]);
    assert_eq!(app.post_json(&wrap_up, &json!({"disposition": "handed_back"}), Some(&agent)).await.status(), 200);
    let next = escalate(&app, &service, &escalation("back-2")).await;
    assert_eq!(crate::dispatch::offers_of(&app, &agent).await[0]["escalation_id"], next["id"]);
}
