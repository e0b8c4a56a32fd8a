//! The customer's wait contract over HTTP: quotes, the handoff packet, callbacks and the
//! longest live wait, out-of-hours ETAs, and returning customers offered their last agent.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::conversation::{Received, accept_first, service_with_webhooks, start_receiver};
use crate::dispatch::{escalate, escalation, go, offers_of, online_agent};
use crate::helpers::{TestApp, problem, spawn_app};

async fn set_capacity(app: &TestApp, agent: &str, max_concurrent: i32) {
    let response = app
        .client
        .put(app.url("/api/v1/me/capacity"))
        .bearer_auth(agent)
        .json(&json!({"max_concurrent": max_concurrent}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn quote(app: &TestApp, service: &str, query: &str) -> reqwest::Response {
    app.get_json(&format!("/api/v1/quote?{query}"), service).await
}

/// Quotes until `wanted` holds (each instance reads what quotes need at most once a second, in
/// the background), up to 10 s.
async fn quote_until(app: &TestApp, service: &str, query: &str, wanted: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let response = quote(app, service, query).await;
        assert_eq!(response.status(), 200);
        let answer: Value = response.json().await.unwrap();
        if wanted(&answer) {
            return answer;
        }
        assert!(std::time::Instant::now() < deadline, "the quote never became what was wanted: {answer}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

async fn tick_at(app: &TestApp, at: DateTime<Utc>) {
    app.db()
        .write(move |conn| {
            handoff::dispatch::queue::tick(conn, at, &handoff::dispatch::Dispatcher::new(Duration::seconds(3600)))
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_quote_counts_only_the_agents_who_could_take_it_and_the_queue_ahead() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    let swedish = "language=sv&market=SE&required_skills=payments&priority=normal";

    let nobody = quote_until(&app, &service, swedish, |_| true).await;
    assert_eq!(nobody["humans_online"], false);
    assert_eq!(nobody["next_scheduled_at"], Value::Null, "nobody is scheduled either");
    assert_eq!(nobody["queue_position"], 1);
    let range = nobody["eta_range_seconds"].as_array().unwrap();
    assert!(range[0].as_i64() <= nobody["eta_seconds"].as_i64() && nobody["eta_seconds"].as_i64() <= range[1].as_i64());

    let (_, agent) = online_agent(&app, "astrid@example.com", 4, "native").await;
    set_capacity(&app, &agent, 1).await;
    let free = quote_until(&app, &service, swedish, |q| q["humans_online"] == true).await;
    assert!(free["eta_seconds"].as_i64().unwrap() <= 20, "someone free: an accept away: {free}");
    assert_eq!(free["wording"], "less than a minute");
    // A German speaker's pool is empty, whoever else is online.
    let english = quote_until(&app, &service, "language=de&market=DE", |_| true).await;
    assert_eq!(english["humans_online"], false, "{english}");

    // The only eligible agent takes a conversation, and two more customers wait: the third
    // quote is behind both and waits for conversations to end.
    escalate(&app, &service, &escalation("q-1")).await;
    accept_first(&app, &agent).await;
    escalate(&app, &service, &escalation("q-2")).await;
    escalate(&app, &service, &escalation("q-3")).await;
    let behind = quote_until(&app, &service, swedish, |q| q["queue_position"] == 3).await;
    assert_eq!(behind["humans_online"], true);
    let (eta, low, high) = (
        behind["eta_seconds"].as_i64().unwrap(),
        behind["eta_range_seconds"][0].as_i64().unwrap(),
        behind["eta_range_seconds"][1].as_i64().unwrap(),
    );
    assert!(eta > 60 && low < eta && eta < high, "three conversations must end first: {behind}");
    // Urgent goes ahead of normal ones.
    let urgent = quote_until(&app, &service, &swedish.replace("normal", "urgent"), |_| true).await;
    assert_eq!(urgent["queue_position"], 1);
    assert!(urgent["eta_seconds"].as_i64().unwrap() < eta);

    let bad = problem(quote(&app, &service, "language=xx&market=SE").await, 422).await;
    assert_eq!(bad["errors"][0]["field"], "language");
    let bad = problem(quote(&app, &service, "language=sv&market=ZZ").await, 422).await;
    assert_eq!(bad["errors"][0]["field"], "market");
    let bad = problem(quote(&app, &service, "language=sv&market=SE&required_skills=juggling").await, 422).await;
    assert_eq!(bad["errors"][0]["field"], "required_skills");
    let bad = problem(quote(&app, &service, "language=sv&market=SE&priority=soon").await, 400).await;
    assert!(bad.to_string().contains("priority"), "{bad}");
}

#[tokio::test]
async fn the_handoff_packet_is_checked_screened_and_shown_to_the_agent_and_the_platform() {
    let app = spawn_app().await;
    let received = Received::default();
    let (service, _) = service_with_webhooks(&app, &start_receiver(received.clone())).await;
    let (_, agent) = online_agent(&app, "astrid@example.com", 4, "native").await;

    let mut body = escalation("packet-1");
    body["reason"] = json!("payment_issue");
    body["intent"] = json!("card_declined");
    body["sentiment"] = json!("negative");
    body["bot_attempts"] = json!(["checked the card status", "suggested retrying"]);
    body["collected"] = json!({"card": "4111 1111 1111 1111", "merchant": "Café Nord"});
    let created = escalate(&app, &service, &body).await;

    let offer = &offers_of(&app, &agent).await[0];
    let packet = &offer["packet"];
    assert_eq!((packet["reason"].as_str(), packet["intent"].as_str()), (Some("payment_issue"), Some("card_declined")));
    assert_eq!(packet["sentiment"], "negative");
    assert_eq!(packet["bot_attempts"][1], "suggested retrying");
    assert_eq!(packet["collected"]["merchant"], "Café Nord");
    assert!(!packet["collected"]["card"].as_str().unwrap().contains("4111 1111"), "a card number is never stored");
    accept_first(&app, &agent).await;
    let (_, _, assigned) = received.wait_for("escalation.assigned").await;
    assert_eq!(
        (assigned["data"]["reason"].as_str(), assigned["data"]["intent"].as_str()),
        (Some("payment_issue"), Some("card_declined"))
    );
    let shown: Value =
        app.get_json(&format!("/api/v1/escalations/{}", created["id"]), &agent).await.json().await.unwrap();
    assert_eq!(shown["packet"]["collected"]["merchant"], "Café Nord");

    // Bad packets are refused whole, each field named; nothing is recorded.
    let refused = |change: Value| {
        let mut bad = escalation("packet-bad");
        for (key, value) in change.as_object().unwrap() {
            bad[key] = value.clone();
        }
        bad
    };
    let cases = [
        (json!({"reason": "boredom"}), "reason"),
        (json!({"intent": "card declined!"}), "intent"),
        (json!({"sentiment": "furious"}), "sentiment"),
        (json!({"bot_attempts": vec!["tried"; 21]}), "bot_attempts"),
        (json!({"bot_attempts": ["x".repeat(301)]}), "bot_attempts[0]"),
        (json!({"collected": {"bad key": "v"}}), "collected"),
        (json!({"collected": {"note": "y".repeat(501)}}), "collected.note"),
        (json!({"max_live_wait_s": 5}), "max_live_wait_s"),
    ];
    for (change, field) in cases {
        let answer =
            problem(app.post_json("/api/v1/escalations", &refused(change.clone()), Some(&service)).await, 422).await;
        let fields: Vec<&str> =
            answer["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
        assert!(fields.contains(&field) || answer.to_string().contains(field), "{change}: {answer}");
    }
    let staff = app.staff_token("sam@example.com", "staff").await;
    let metrics: Value = app.get_json("/api/v1/staff/metrics", &staff).await.json().await.unwrap();
    assert_eq!(metrics["escalations"], 1, "nothing half-written: {metrics}");
    assert_eq!(metrics["reasons"]["payment_issue"], 1);
}

#[tokio::test]
async fn a_released_customer_keeps_their_place_and_the_platform_is_told_to_bring_them_back() {
    let app = spawn_app().await;
    let received = Received::default();
    let (service, _) = service_with_webhooks(&app, &start_receiver(received.clone())).await;

    // Nobody online: the escalation waits, with an honest long ETA, its range and place.
    let waiting = escalate(&app, &service, &escalation("cb-1")).await;
    let id = waiting["id"].as_i64().unwrap();
    assert_eq!(waiting["queue_position"], 1);
    assert_eq!(waiting["callback"], false);
    let (_, _, eta) = received.wait_for("escalation.eta").await;
    assert_eq!(eta["data"]["queue_position"], 1);
    let range = eta["data"]["eta_range_seconds"].as_array().unwrap();
    assert!(
        range[0].as_i64() <= eta["data"]["eta_seconds"].as_i64()
            && eta["data"]["eta_seconds"].as_i64() <= range[1].as_i64()
    );

    let released = app.post_json(&format!("/api/v1/escalations/{id}/callback"), &json!({}), Some(&service)).await;
    assert_eq!(released.status(), 200);
    let released: Value = released.json().await.unwrap();
    assert_eq!((released["callback"].as_bool(), released["state"].as_str()), (Some(true), Some("queued")));
    assert_eq!(released["queue_position"], 1, "it keeps its place");
    let (_, _, told) = received.wait_for("escalation.customer_released").await;
    assert_eq!(told["data"]["why"], "callback");

    // A longest live wait: released by the clock once it has passed, not before.
    let mut limited = escalation("cb-2");
    limited["max_live_wait_s"] = json!(30);
    let limited = escalate(&app, &service, &limited).await;
    tick_at(&app, Utc::now() + Duration::seconds(10)).await;
    let shown: Value =
        app.get_json(&format!("/api/v1/escalations/{}", limited["id"]), &service).await.json().await.unwrap();
    assert_eq!(shown["customer_released_at"], Value::Null);
    tick_at(&app, Utc::now() + Duration::seconds(31)).await;
    let shown: Value =
        app.get_json(&format!("/api/v1/escalations/{}", limited["id"]), &service).await.json().await.unwrap();
    assert_ne!(shown["customer_released_at"], Value::Null);
    // (Recorded for delivery at the clock's time, 31 s ahead: read from the outbox.)
    let limited_id = limited["id"].as_i64().unwrap();
    let payloads: Vec<String> = app
        .db()
        .read(move |conn| {
            use diesel::prelude::*;
            use handoff::db::schema::webhook_deliveries as w;
            Ok(w::table
                .filter(w::escalation_id.eq(limited_id))
                .filter(w::event.eq("escalation.customer_released"))
                .select(w::payload)
                .load(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(payloads.len(), 1);
    assert!(payloads[0].contains("\"why\":\"max_live_wait\""), "{}", payloads[0]);

    // An agent comes online and accepts: the platform is told to re-engage the customer.
    let (_, agent) = online_agent(&app, "astrid@example.com", 4, "native").await;
    let offer =
        offers_of(&app, &agent).await.into_iter().find(|o| o["escalation_id"] == id).expect("the oldest is offered");
    let accepted = app.post_json(&format!("/api/v1/offers/{}/accept", offer["id"]), &json!({}), Some(&agent)).await;
    assert_eq!(accepted.status(), 200);
    let (_, _, back) = received.wait_for("escalation.reengage").await;
    assert_eq!(back["data"]["external_id"], "cb-1");
    assert_eq!(back["data"]["agent"]["display_name"], "Astrid L.");
    let late =
        problem(app.post_json(&format!("/api/v1/escalations/{id}/callback"), &json!({}), Some(&service)).await, 409)
            .await;
    assert!(late["detail"].as_str().unwrap().contains("assigned"), "{late}");
}

/// How many `escalation.eta` webhooks were recorded for an escalation (delivered or not).
async fn etas_recorded(app: &TestApp, id: i64) -> i64 {
    app.db()
        .read(move |conn| {
            use diesel::prelude::*;
            use handoff::db::schema::webhook_deliveries as w;
            Ok(w::table
                .filter(w::escalation_id.eq(id))
                .filter(w::event.eq("escalation.eta"))
                .count()
                .get_result(conn)?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn the_platform_hears_when_a_waiting_customers_place_moves_up_not_every_second() {
    let app = spawn_app().await;
    let received = Received::default();
    let (service, _) = service_with_webhooks(&app, &start_receiver(received.clone())).await;
    let first = escalate(&app, &service, &escalation("place-1")).await;
    let second = escalate(&app, &service, &escalation("place-2")).await;
    assert_eq!(second["queue_position"], 2);
    let told_of = |external_id: &'static str| {
        let received = received.clone();
        move || -> Vec<Value> {
            received
                .requests
                .lock()
                .unwrap()
                .iter()
                .filter(|(_, _, v)| v["event"] == "escalation.eta" && v["data"]["external_id"] == external_id)
                .map(|(_, _, v)| v["data"].clone())
                .collect()
        }
    };
    let (_, _, eta) = received.wait_for("escalation.eta").await;
    assert!(eta["data"]["eta_seconds"].as_i64().unwrap() >= 60);
    // Nothing moves: clock passes record nothing new for the platform.
    let second_id = second["id"].as_i64().unwrap();
    let recorded = etas_recorded(&app, second_id).await;
    assert_eq!(recorded, 1, "told once at intake");
    tick_at(&app, Utc::now()).await;
    tick_at(&app, Utc::now()).await;
    assert_eq!(etas_recorded(&app, second_id).await, recorded);
    let second_told = told_of("place-2");
    let before = second_told().len();

    // The first customer leaves: the second is next, and the platform hears it with its place.
    let cancelled =
        app.post_json(&format!("/api/v1/escalations/{}/cancel", first["id"]), &json!({}), Some(&service)).await;
    assert_eq!(cancelled.status(), 200);
    tick_at(&app, Utc::now()).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let told = second_told();
        if told.len() > before {
            let last = told.last().unwrap();
            assert_eq!(last["queue_position"], 1, "{last}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the new place was never told: {told:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn with_nobody_eligible_online_the_eta_is_the_next_scheduled_start() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    let (_, agent) = online_agent(&app, "astrid@example.com", 4, "native").await;
    // Every day from one to two hours from now (in the agent's zone, Stockholm), then offline.
    let start = Utc::now() + Duration::hours(1);
    let local = |at: DateTime<Utc>| at.with_timezone(&chrono_tz::Europe::Stockholm).format("%H:%M").to_string();
    let (from, to) = (local(start), local(start + Duration::hours(1)));
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let weekly: Vec<Value> = days.iter().map(|d| json!({"day": d, "start": from, "end": to})).collect();
    let saved = app
        .client
        .put(app.url("/api/v1/me/availability"))
        .bearer_auth(&agent)
        .json(&json!({"weekly": weekly}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    go(&app, &agent, "offline").await;

    let quoted =
        quote_until(&app, &service, "language=sv&market=SE&required_skills=payments", |q| q["humans_online"] == false)
            .await;
    let next: DateTime<Utc> = quoted["next_scheduled_at"].as_str().unwrap().parse().unwrap();
    assert!((next - start).num_seconds().abs() <= 60, "{next} against {start}");
    assert!(quoted["wording"].as_str().unwrap().starts_with("we'll reply by"), "{quoted}");
    let created = escalate(&app, &service, &escalation("night-1")).await;
    let eta = created["eta_seconds"].as_i64().unwrap();
    assert!((3_540..=3_700).contains(&eta), "about an hour until the scheduled start: {created}");
}

#[tokio::test]
async fn a_returning_customer_is_offered_first_to_the_agent_who_helped_last_if_they_are_free() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    let (first_id, first) = online_agent(&app, "weak@example.com", 2, "fluent").await;
    set_capacity(&app, &first, 1).await;
    let mut visit = escalation("visit-1");
    visit["customer_ref"] = json!("customer-77");
    escalate(&app, &service, &visit).await;
    let assigned = accept_first(&app, &first).await;
    let resolved = app
        .post_json(
            &format!("/api/v1/escalations/{}/resolve", assigned["id"]),
            &json!({"disposition": "solved"}),
            Some(&first),
        )
        .await;
    assert_eq!(resolved.status(), 200);
    let wrap_up = format!("/api/v1/escalations/{}/wrap-up", assigned["id"]);
    assert_eq!(app.post_json(&wrap_up, &json!({"disposition": "solved"}), Some(&first)).await.status(), 200);

    // A stronger agent is online now; the returning customer still goes to the one they know.
    let (_, strong) = online_agent(&app, "strong@example.com", 5, "native").await;
    set_capacity(&app, &strong, 1).await;
    visit["external_id"] = json!("visit-2");
    let again = escalate(&app, &service, &visit).await;
    let offers = offers_of(&app, &first).await;
    assert_eq!(offers.len(), 1, "offered to the agent who helped last");
    assert_eq!(offers[0]["escalation_id"], again["id"]);
    let shown: Value =
        app.get_json(&format!("/api/v1/escalations/{}", again["id"]), &service).await.json().await.unwrap();
    assert!(shown["timeline"][0]["detail"].as_str().unwrap().contains(&format!("agent {first_id}")), "{shown}");

    // With that agent busy, the next visit is not held for them.
    visit["external_id"] = json!("visit-3");
    let third = escalate(&app, &service, &visit).await;
    assert_eq!(offers_of(&app, &strong).await[0]["escalation_id"], third["id"]);
    // Anyone else goes to the best agent as before.
    let other = escalate(&app, &service, &escalation("stranger-1")).await;
    assert_eq!(other["state"], "queued", "both agents are taken: {other}");
}

#[tokio::test]
async fn the_platform_and_staff_read_how_honest_the_etas_were() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    let (_, agent) = online_agent(&app, "astrid@example.com", 4, "native").await;
    escalate(&app, &service, &escalation("honest-1")).await;
    accept_first(&app, &agent).await;
    let report: Value = app.get_json("/api/v1/eta/accuracy", &service).await.json().await.unwrap();
    assert_eq!(report["reached_human"], 1, "{report}");
    assert!(report["range_coverage"].as_f64().is_some() && report["error_share_of_wait"].as_f64().is_some());
    problem(app.get_json("/api/v1/eta/accuracy", &agent).await, 403).await;
    let bad = problem(app.get_json("/api/v1/eta/accuracy?from=yesterday", &service).await, 422).await;
    assert_eq!(bad["errors"][0]["field"], "from");
}
