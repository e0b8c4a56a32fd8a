//! Supervisors over HTTP: whispers only the agent and staff see (checked at a real webhook
//! receiver and in the platform's transcript), take-over with the agent's pay to that moment
//! kept, ending a taken-over conversation, and raised hands.

use serde_json::{Value, json};

use crate::conversation::{Received, accept_first, service_with_webhooks, start_receiver};
use crate::dispatch::{escalate, escalation, offers_of, online_agent};
use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn a_whisper_reaches_the_agent_only_and_a_take_over_answers_the_customer_as_a_supervisor() {
    let app = spawn_app().await;
    let received = Received::default();
    let (service, _) = service_with_webhooks(&app, &start_receiver(received.clone())).await;
    let (agent_id, agent) = online_agent(&app, "watched@example.com", 4, "native").await;
    let id = escalate(&app, &service, &escalation("sup-1")).await["id"].as_i64().unwrap();
    accept_first(&app, &agent).await;
    let staff = app.staff_token("supervisor@example.com", "staff").await;

    let whisper = format!("/api/v1/staff/escalations/{id}/whisper");
    let sent = app.post_json(&whisper, &json!({"text": "Offer the fee refund"}), Some(&staff)).await;
    assert_eq!(sent.status(), 201);
    problem(app.post_json(&whisper, &json!({"text": "no"}), Some(&agent)).await, 403).await;
    let messages = format!("/api/v1/escalations/{id}/messages");
    let seen_by_agent: Vec<Value> = app.get_json(&messages, &agent).await.json().await.unwrap();
    assert_eq!(seen_by_agent.iter().filter(|m| m["from"] == "whisper").count(), 1);
    let seen_by_platform: Vec<Value> = app.get_json(&messages, &service).await.json().await.unwrap();
    assert!(seen_by_platform.iter().all(|m| m["from"] != "whisper"), "the platform never sees a whisper");

    let reply = app.post_json(&messages, &json!({"text": "I will refund the fee."}), Some(&agent)).await;
    assert_eq!(reply.status(), 201);
    received.wait_for("escalation.message").await;
    // Staff may not write to the customer before taking over.
    problem(app.post_json(&messages, &json!({"text": "Hello"}), Some(&staff)).await, 409).await;

    let take_over = format!("/api/v1/staff/escalations/{id}/take-over");
    problem(app.post_json(&take_over, &json!({}), Some(&agent)).await, 403).await;
    let taken = app.post_json(&take_over, &json!({}), Some(&staff)).await;
    assert_eq!(taken.status(), 200);
    problem(app.post_json(&take_over, &json!({}), Some(&staff)).await, 409).await;
    let blocked = problem(app.post_json(&messages, &json!({"text": "still me"}), Some(&agent)).await, 409).await;
    assert_eq!(blocked["detail"], "a supervisor has taken this conversation over");
    problem(app.post_json(&whisper, &json!({"text": "too late"}), Some(&staff)).await, 409).await;
    let answered = app.post_json(&messages, &json!({"text": "A supervisor here: done."}), Some(&staff)).await;
    assert_eq!(answered.status(), 201);
    let end = format!("/api/v1/staff/escalations/{id}/end");
    let ended = app.post_json(&end, &json!({"disposition": "refund_issued"}), Some(&staff)).await;
    assert_eq!(ended.status(), 200);
    assert_eq!(ended.json::<Value>().await.unwrap()["state"], "resolved");
    received.wait_for("escalation.resolved").await;
    let closed = problem(app.post_json(&whisper, &json!({"text": "hello?"}), Some(&staff)).await, 409).await;
    assert!(closed["detail"].as_str().unwrap().contains("this one is resolved"), "{closed}");

    // At the receiver: the agent's and the supervisor's replies, marked; never the whisper.
    let hooks: Vec<Value> = received.requests.lock().unwrap().iter().map(|(_, _, v)| v.clone()).collect();
    let authors: Vec<&str> = hooks
        .iter()
        .filter(|h| h["event"] == "escalation.message")
        .map(|h| h["data"]["message"]["author"].as_str().unwrap())
        .collect();
    assert_eq!(authors, ["agent", "supervisor"]);
    assert!(hooks.iter().all(|h| !h.to_string().contains("Offer the fee refund")), "no webhook carries a whisper");

    // The agent's stretch ended at the take-over: no per-conversation pay, time to then kept.
    let outcome = app
        .db()
        .read(move |conn| {
            use diesel::prelude::*;
            use handoff::db::schema::assignments;
            Ok(assignments::table
                .filter(assignments::agent_id.eq(agent_id))
                .select((assignments::outcome, assignments::ended_at.is_not_null()))
                .first::<(Option<String>, bool)>(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(outcome, (Some("taken_over".to_string()), true));
}

#[tokio::test]
async fn an_agent_raises_a_hand_once_and_staff_take_it() {
    let app = spawn_app().await;
    let (_, agent) = online_agent(&app, "stuck@example.com", 4, "native").await;
    let service = app.service_token("bot").await;
    let id = escalate(&app, &service, &escalation("help-1")).await["id"].as_i64().unwrap();
    accept_first(&app, &agent).await;
    let raised = app
        .post_json(
            "/api/v1/me/help",
            &json!({"escalation_id": id, "note": "Customer asks about a chargeback"}),
            Some(&agent),
        )
        .await;
    assert_eq!(raised.status(), 201);
    let raised: Value = raised.json().await.unwrap();
    problem(app.post_json("/api/v1/me/help", &json!({"note": "again"}), Some(&agent)).await, 409).await;
    let empty = problem(app.post_json("/api/v1/me/help", &json!({"note": ""}), Some(&agent)).await, 422).await;
    assert_eq!(empty["errors"][0]["field"], "note");

    let staff = app.staff_token("floor@example.com", "staff").await;
    let hands: Vec<Value> = app.get_json("/api/v1/staff/help", &staff).await.json().await.unwrap();
    assert_eq!(hands.len(), 1);
    assert_eq!(hands[0]["agent_name"], "Astrid Lind");
    let take = format!("/api/v1/staff/help/{}/answer", raised["id"]);
    assert_eq!(app.post_json(&take, &json!({}), Some(&staff)).await.status(), 200);
    problem(app.post_json(&take, &json!({}), Some(&staff)).await, 409).await;
    assert!(app.get_json("/api/v1/staff/help", &staff).await.json::<Vec<Value>>().await.unwrap().is_empty());
    assert!(offers_of(&app, &agent).await.is_empty());
}

#[tokio::test]
async fn a_supervisor_who_took_over_sends_the_conversation_back_to_the_queue_never_to_its_agent() {
    let app = spawn_app().await;
    let (_, agent) = online_agent(&app, "first-hand@example.com", 4, "native").await;
    let service = app.service_token("bot").await;
    let id = escalate(&app, &service, &escalation("sup-transfer")).await["id"].as_i64().unwrap();
    accept_first(&app, &agent).await;
    let staff = app.staff_token("lead3@example.com", "staff").await;
    let other = app.staff_token("lead4@example.com", "staff").await;
    let transfer = format!("/api/v1/staff/escalations/{id}/transfer");
    let body = json!({"required_skills": ["payments"], "note": "needs a payments specialist"});
    problem(app.post_json(&transfer, &body, Some(&staff)).await, 409).await;
    assert_eq!(
        app.post_json(&format!("/api/v1/staff/escalations/{id}/take-over"), &json!({}), Some(&staff)).await.status(),
        200
    );
    problem(app.post_json(&transfer, &body, Some(&other)).await, 409).await;
    let unknown = json!({"required_skills": ["astrology"], "note": "n"});
    let refused = problem(app.post_json(&transfer, &unknown, Some(&staff)).await, 422).await;
    assert_eq!(refused["errors"][0]["field"], "required_skills[0]");
    let moved = app.post_json(&transfer, &body, Some(&staff)).await;
    assert_eq!(moved.status(), 200);
    assert_eq!(moved.json::<Value>().await.unwrap()["state"], "queued");
    assert!(offers_of(&app, &agent).await.is_empty(), "never offered back to the agent it was taken from");
    // The take-over ended with the transfer: the next agent works it as their own.
    let (_, next) = online_agent(&app, "second-hand@example.com", 4, "native").await;
    accept_first(&app, &next).await;
    let reply =
        app.post_json(&format!("/api/v1/escalations/{id}/messages"), &json!({"text": "Hello"}), Some(&next)).await;
    assert_eq!(reply.status(), 201);
}
