//! Staff operations over HTTP: metrics of a scripted morning, the live queue, and who may see them.

use chrono::Duration;
use handoff::availability::presence::Presence;
use serde_json::{Value, json};

use crate::dispatch::{escalate, escalation};
use crate::helpers::{problem, spawn_app, spawn_app_with};
use crate::payroll::{Day, agent, rates_since_october};

fn utc(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&chrono::Utc)
}

#[tokio::test]
async fn metrics_of_a_scripted_morning_match_the_hand_count() {
    let app = spawn_app_with(|s| s.clock_tickers = false).await;
    let (asa, _) = agent(&app, "asa@example.com", "Åsa Öberg").await;
    let day = Day::new(&app).await;
    rates_since_october(&day.db).await;
    // Online 10:00-11:00; e1 reaches her 5 s after it arrives and is resolved at 10:40.
    day.presence(asa, Presence::Online, "2026-10-25T10:00:00Z").await;
    let e1 = day.escalate_and_accept("e1", asa, "2026-10-25T10:10:00Z", Duration::seconds(5)).await;
    day.resolve(e1, asa, "2026-10-25T10:40:00Z").await;
    // e2's offer is missed; nobody else can take it and the customer leaves.
    let input: handoff::dispatch::intake::EscalationInput = serde_json::from_value(escalation("e2")).unwrap();
    let service_id = day.service_id();
    day.step(move |conn| {
        let at = utc("2026-10-25T10:45:00Z");
        handoff::availability::presence::heartbeat(conn, asa, at)?;
        handoff::dispatch::intake::intake(conn, service_id, &input, None, None, at)?;
        // The test plays the dispatcher, with its own clock.
        handoff::dispatch::queue::redispatch(conn, at, &handoff::dispatch::Dispatcher::new(Duration::seconds(45)))?;
        handoff::dispatch::queue::tick(
            conn,
            at + Duration::seconds(30),
            &handoff::dispatch::Dispatcher::new(Duration::seconds(45)),
        )
        .map(|_| ())
    })
    .await;
    day.presence(asa, Presence::Offline, "2026-10-25T11:00:00Z").await;
    let service = day.token.clone();
    let waiting: Value = app.get_json("/api/v1/escalations/2", &service).await.json().await.unwrap();
    assert_eq!(waiting["state"], "queued");
    let cancelled = app.post_json("/api/v1/escalations/2/cancel", &json!({}), Some(&service)).await;
    assert_eq!(cancelled.status(), 200);

    let admin = app.admin_token().await;
    let path = "/api/v1/staff/metrics?from=2026-10-25T10:00:00Z&to=2026-10-25T11:00:00Z&bucket_s=1800";
    let metrics: Value = app.get_json(path, &admin).await.json().await.unwrap();
    let promised = day
        .db
        .read(move |conn| {
            use diesel::prelude::*;
            use handoff::db::schema::escalations;
            Ok(escalations::table.find(e1).select(escalations::eta_at_intake_s).first::<i32>(conn)?)
        })
        .await
        .unwrap() as f64;
    assert_eq!(metrics["escalations"], 2);
    assert_eq!(metrics["resolved"], 1);
    assert_eq!(metrics["time_to_human_s"], json!({"p50": 5.0, "p90": 5.0, "p99": 5.0}));
    assert_eq!(metrics["abandoned_rate"], 0.5);
    assert_eq!(metrics["offer_accept_rate"], 0.5, "one accepted, one missed");
    // Engaged 10:10:05-10:40:00 = 1,795 s of 3,600 s online.
    assert_eq!(metrics["utilization"], 0.499);
    assert_eq!(metrics["eta_abs_error_s"]["mean"], (promised - 5.0).abs());
    let series = metrics["series"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0]["escalations"], 1);
    assert_eq!(series[1]["offers_missed"], 1);
    assert_eq!(series[1]["queue_length"], 0, "nothing waited at 10:30");
}

#[tokio::test]
async fn the_queue_shows_who_waits_and_only_staff_see_operations() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    let created = escalate(&app, &service, &escalation("lonely")).await;
    let admin = app.admin_token().await;
    let queue: Vec<Value> = app.get_json("/api/v1/staff/queue", &admin).await.json().await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["id"], created["id"]);
    assert_eq!(queue[0]["position"], 1);
    assert_eq!(queue[0]["state"], "queued");
    assert_eq!(queue[0]["eligible_agents_online"], 0);
    assert_eq!(queue[0]["required_skills"], json!(["payments"]));

    let (_, agent_token) = app.active_agent_token("a@example.com").await;
    for path in ["/api/v1/staff/queue", "/api/v1/staff/metrics"] {
        problem(app.get_json(path, &agent_token).await, 403).await;
        problem(app.get_json(path, &service).await, 403).await;
        problem(app.client.get(app.url(path)).send().await.unwrap(), 401).await;
    }
    let wrong = problem(app.get_json("/api/v1/staff/metrics?from=yesterday", &admin).await, 422).await;
    assert_eq!(wrong["errors"][0]["field"], "from");
    let default: Value = app.get_json("/api/v1/staff/metrics", &admin).await.json().await.unwrap();
    assert_eq!(default["escalations"], 1, "the last 24 hours by default");
}

#[tokio::test]
async fn prometheus_metrics_parse_and_count_what_happened() {
    let app = spawn_app().await;
    let (_, agent_token) = crate::dispatch::online_agent(&app, "p@example.com", 5, "native").await;
    let service = app.service_token("bot").await;
    escalate(&app, &service, &escalation("m-1")).await;
    let offers = crate::dispatch::offers_of(&app, &agent_token).await;
    let offer_id = offers[0]["id"].as_i64().unwrap();
    let accepted = app.post_json(&format!("/api/v1/offers/{offer_id}/accept"), &json!({}), Some(&agent_token)).await;
    assert_eq!(accepted.status(), 200);

    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("valid exposition");
    let value = |name: &str, labels: &[(&str, &str)]| -> f64 {
        let sample = scrape
            .samples
            .iter()
            .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .unwrap_or_else(|| panic!("{name} {labels:?} in\n{text}"));
        match sample.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            prometheus_parse::Value::Histogram(ref buckets) => buckets.last().map(|b| b.count).unwrap_or_default(),
            _ => panic!("unexpected {name}"),
        }
    };
    assert_eq!(value("handoff_http_requests_total", &[("route", "/api/v1/escalations"), ("status", "201")]), 1.0);
    assert_eq!(value("handoff_http_requests_total", &[("route", "/api/v1/offers/:id/accept"), ("status", "200")]), 1.0);
    assert_eq!(value("handoff_escalations", &[("state", "assigned")]), 1.0);
    assert_eq!(value("handoff_offers", &[("state", "accepted")]), 1.0);
    assert_eq!(value("handoff_queue_length", &[]), 0.0);
    assert_eq!(value("handoff_agents_online", &[]), 1.0);
    assert_eq!(value("handoff_time_to_human_seconds_count", &[]), 1.0);
    value("handoff_outbox_backlog", &[("kind", "email")]);
    value("handoff_http_request_duration_seconds_count", &[("route", "/api/v1/escalations")]);
    // Route labels are patterns: no id or token ever becomes a label value.
    assert!(!text.contains(&format!("/api/v1/offers/{offer_id}/accept")));
}

#[tokio::test]
async fn metrics_can_require_a_bearer_token_and_a_wrong_one_is_refused() {
    let token = "metrics-scraper-token-0123456789";
    let app = spawn_app_with(|s| s.metrics_token = token.into()).await;
    let scrape = |bearer: Option<&str>| {
        let mut request = app.client.get(app.url("/metrics"));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        request.send()
    };
    let refused = problem(scrape(None).await.unwrap(), 401).await;
    assert!(!refused.to_string().contains(token), "the answer never shows the token");
    problem(scrape(Some("metrics-scraper-token-0123456788")).await.unwrap(), 401).await;
    let admin = app.admin_token().await;
    problem(scrape(Some(&admin)).await.unwrap(), 401).await;
    let answered = scrape(Some(token)).await.unwrap();
    assert_eq!(answered.status(), 200);
    assert!(answered.text().await.unwrap().contains("handoff_"), "the usual exposition");
}
