//! An agent's own data: the archive holds their profile, availability, presence history,
//! offers with explanations, the conversations they handled (redacted as stored), ratings and
//! pay lines, and nobody else's. Both backends.

use serde_json::{Value, json};

use crate::conversation::accept_first;
use crate::dispatch::{escalate, escalation, online_agent};
use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn an_agent_downloads_everything_held_about_them_and_nothing_about_others() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    let (_, agent) = online_agent(&app, "talker@example.com", 4, "native").await;
    let mut body = escalation("mine-1");
    body["summary"] = json!("Card 4111 1111 1111 1111 declined");
    let id = escalate(&app, &service, &body).await["id"].as_i64().unwrap();
    accept_first(&app, &agent).await;
    let path = format!("/api/v1/escalations/{id}/messages");
    assert_eq!(app.post_json(&path, &json!({"text": "Hello, I can help"}), Some(&agent)).await.status(), 201);
    let resolve = (format!("/api/v1/escalations/{id}/resolve"), json!({"disposition": "solved"}));
    assert_eq!(app.post_json(&resolve.0, &resolve.1, Some(&agent)).await.status(), 200);
    let rate = (format!("/api/v1/escalations/{id}/rating"), json!({"score": 5, "comment": "great"}));
    assert_eq!(app.post_json(&rate.0, &rate.1, Some(&service)).await.status(), 201);

    let response = app.get_json("/api/v1/me/export", &agent).await;
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment; filename=\"handoff-my-data-"), "{disposition}");
    let archive: Value = response.json().await.unwrap();
    assert_eq!(archive["profile"]["email"], "talker@example.com");
    assert_eq!(archive["profile"]["full_name"], "Astrid Lind");
    assert!(archive["availability"]["weekly"].is_array());
    let presence: Vec<&str> =
        archive["presence_history"].as_array().unwrap().iter().map(|p| p["presence"].as_str().unwrap()).collect();
    assert!(presence.contains(&"online"), "{presence:?}");
    let offer = &archive["offers"][0];
    assert_eq!((offer["escalation_id"].as_i64(), offer["state"].as_str()), (Some(id), Some("accepted")));
    assert!(offer["explanation"]["factors"]["skill"].is_number(), "why the offer came: {offer}");
    let conversation = &archive["conversations"][0];
    assert_eq!(conversation["summary"], "Card [card •••• 1111] declined", "as stored: redacted");
    assert_eq!(conversation["disposition"], "solved");
    assert_eq!(conversation["messages"][0]["text"], "Hello, I can help");
    assert_eq!(
        (archive["ratings"][0]["score"].as_i64(), archive["ratings"][0]["comment"].as_str()),
        (Some(5), Some("great"))
    );
    let csv = archive["pay_lines_csv"].as_str().unwrap();
    assert!(csv.starts_with("period_start,period_end,agent_id,"), "{csv}");
    assert!(csv.contains("talker@example.com"), "their own pay lines: {csv}");

    // Another agent's archive has none of it; staff and the platform cannot call it.
    let (_, other) = online_agent(&app, "other@example.com", 4, "native").await;
    let theirs: Value = app.get_json("/api/v1/me/export", &other).await.json().await.unwrap();
    assert!(theirs["conversations"].as_array().unwrap().is_empty() && theirs["offers"].as_array().unwrap().is_empty());
    problem(app.get_json("/api/v1/me/export", &service).await, 403).await;
}
