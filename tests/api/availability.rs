//! Availability, presence, capacity and pay over HTTP; heartbeat expiry with a chosen clock.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem, spawn_app};

async fn put(app: &TestApp, path: &str, body: &Value, token: &str) -> reqwest::Response {
    app.client.put(app.url(path)).bearer_auth(token).json(body).send().await.unwrap()
}

#[tokio::test]
async fn an_agent_sets_a_week_with_overnight_slots_and_exceptions_and_sees_it_in_utc() {
    let app = spawn_app().await;
    let (_, agent) = app.active_agent_token("a@example.com").await;
    let week = json!({
        "weekly": [
            {"day": "mon", "start": "09:00", "end": "13:30"},
            {"day": "mon", "start": "18:00", "end": "20:00"},
            {"day": "fri", "start": "22:00", "end": "02:00"}
        ],
        "exceptions": [
            {"date": "2026-12-24", "available": false},
            {"date": "2026-12-27", "available": true, "start": "10:00", "end": "12:00"}
        ]
    });
    let response = put(&app, "/api/v1/me/availability", &week, &agent).await;
    assert_eq!(response.status(), 200);
    let shown: Value = response.json().await.unwrap();
    assert_eq!(shown["timezone"], "Europe/Stockholm");
    assert_eq!(shown["weekly"].as_array().unwrap().len(), 3);
    let monday = &shown["weekly"][0];
    assert_eq!(
        (monday["day"].as_str(), monday["start"].as_str(), monday["end"].as_str()),
        (Some("mon"), Some("09:00"), Some("13:30"))
    );
    // Stockholm is UTC+1 in winter and UTC+2 in summer: 09:00 local is 08:00 or 07:00 UTC.
    let utc_start = monday["next_start_utc"].as_str().unwrap();
    assert!(utc_start.ends_with("T08:00:00Z") || utc_start.ends_with("T07:00:00Z"), "{utc_start}");
    let friday = &shown["weekly"][2];
    let (start, end): (chrono::DateTime<Utc>, chrono::DateTime<Utc>) = (
        friday["next_start_utc"].as_str().unwrap().parse().unwrap(),
        friday["next_end_utc"].as_str().unwrap().parse().unwrap(),
    );
    assert_eq!(end - start, Duration::hours(4), "the overnight slot ends four hours later, the next day");
    assert_eq!(shown["exceptions"].as_array().unwrap().len(), 2);
    let again: Value = app.get_json("/api/v1/me/availability", &agent).await.json().await.unwrap();
    assert_eq!(again["weekly"], shown["weekly"]);
}

#[tokio::test]
async fn overlapping_slots_and_bad_times_are_refused_with_the_slot_named() {
    let app = spawn_app().await;
    let (_, agent) = app.active_agent_token("b@example.com").await;
    let overlapping = json!({"weekly": [
        {"day": "sun", "start": "22:00", "end": "03:00"},
        {"day": "mon", "start": "02:00", "end": "05:00"}
    ]});
    let errors = problem(put(&app, "/api/v1/me/availability", &overlapping, &agent).await, 422).await;
    assert_eq!(errors["errors"][0]["field"], "weekly[1]");
    assert_eq!(errors["errors"][0]["message"], "overlaps weekly[0]");

    let bad = json!({"weekly": [{"day": "tue", "start": "25:00", "end": "09:00"}, {"day": "wed", "start": "09:00", "end": "09:00"}],
        "exceptions": [{"date": "2026-12-01", "available": true}]});
    let errors = problem(put(&app, "/api/v1/me/availability", &bad, &agent).await, 422).await;
    let fields: Vec<&str> = errors["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["weekly[0].start", "weekly[1].end", "exceptions[0]"]);
    let errors = problem(
        put(
            &app,
            "/api/v1/me/availability",
            &json!({"weekly": [{"day": "someday", "start": "09:00", "end": "10:00"}]}),
            &agent,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(errors["errors"][0]["field"], "weekly[0].day");
}

#[tokio::test]
async fn an_online_agent_is_listed_with_rate_and_set_away_when_the_heartbeat_stops() {
    let app = spawn_app().await;
    let (id, agent) = app.active_agent_token("c@example.com").await;
    let online = put(&app, "/api/v1/me/presence", &json!({"status": "online"}), &agent).await;
    assert_eq!(online.status(), 200);
    let online: Value = online.json().await.unwrap();
    assert_eq!(online["status"], "online");
    assert_eq!(online["scheduled"], false, "no schedule yet: online outside it, and recorded so");

    let staff = app.staff_token("s@example.com", "staff").await;
    let roster: Vec<Value> = app.get_json("/api/v1/staff/agents?presence=online", &staff).await.json().await.unwrap();
    assert_eq!(roster.len(), 1);
    assert_eq!((roster[0]["agent_id"].as_i64(), roster[0]["hourly_rate_minor"].as_i64()), (Some(id), Some(22000)));
    assert_eq!(roster[0]["free_capacity"], 1);

    // A heartbeat keeps the agent online; then 46 s of silence (a chosen clock, no sleeping).
    assert_eq!(app.post_json("/api/v1/me/heartbeat", &json!({}), Some(&agent)).await.status(), 200);
    let db = app.db();
    let soon = Utc::now() + Duration::seconds(30);
    let moved = db
        .write(move |conn| handoff::availability::presence::expire_silent(conn, soon, Duration::seconds(45)))
        .await
        .unwrap();
    assert!(moved.is_empty(), "30 s of silence is within the timeout");
    let later = Utc::now() + Duration::seconds(46);
    let moved = db
        .write(move |conn| handoff::availability::presence::expire_silent(conn, later, Duration::seconds(45)))
        .await
        .unwrap();
    assert_eq!(moved, vec![handoff::ids::AgentId(id)]);
    let again = db
        .write(move |conn| handoff::availability::presence::expire_silent(conn, later, Duration::seconds(45)))
        .await
        .unwrap();
    assert!(again.is_empty(), "a second instance finds nothing left to do");

    let me: Value = app.get_json("/api/v1/me", &agent).await.json().await.unwrap();
    assert_eq!((me["presence"].as_str(), me["presence_reason"].as_str()), (Some("away"), Some("heartbeat_lost")));
    let roster: Vec<Value> = app.get_json("/api/v1/staff/agents?presence=online", &staff).await.json().await.unwrap();
    assert!(roster.is_empty());
    let events = db
        .read(move |conn| Ok(handoff::models::presence_event::for_agent(conn, handoff::ids::AgentId(id), 10)?))
        .await
        .unwrap();
    let kinds: Vec<(&str, &str)> = events.iter().rev().map(|e| (e.presence.as_str(), e.reason.as_str())).collect();
    assert_eq!(kinds, [("online", "chosen"), ("away", "heartbeat_lost")]);
}

#[tokio::test]
async fn a_scheduled_agent_going_online_is_recorded_as_scheduled() {
    let app = spawn_app().await;
    let (_, agent) = app.active_agent_token("d@example.com").await;
    // 00:00 to 00:00 is the whole day, as a time picker sends it.
    let all_week: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| json!({"day": d, "start": "00:00", "end": "00:00"}))
        .collect();
    assert_eq!(put(&app, "/api/v1/me/availability", &json!({"weekly": all_week}), &agent).await.status(), 200);
    let online: Value =
        put(&app, "/api/v1/me/presence", &json!({"status": "online"}), &agent).await.json().await.unwrap();
    assert_eq!(online["scheduled"], true);
}

#[tokio::test]
async fn a_suspended_agent_is_taken_offline_and_cannot_come_back() {
    let app = spawn_app().await;
    let (id, agent) = app.active_agent_token("e@example.com").await;
    assert_eq!(put(&app, "/api/v1/me/presence", &json!({"status": "online"}), &agent).await.status(), 200);
    let staff = app.admin_token().await;
    assert_eq!(
        app.post_json(&format!("/api/v1/staff/agents/{id}/suspend"), &json!({"reason": "review"}), Some(&staff))
            .await
            .status(),
        200
    );
    problem(app.get_json("/api/v1/me", &agent).await, 401).await;
    // Suspension ended their login; they may log in again to see why.
    let agent =
        app.login_ok("e@example.com", "applicant-password-1").await["access_token"].as_str().unwrap().to_string();
    let me: Value = app.get_json("/api/v1/me", &agent).await.json().await.unwrap();
    assert_eq!((me["presence"].as_str(), me["presence_reason"].as_str()), (Some("offline"), Some("suspended")));
    for status in ["online", "away"] {
        problem(put(&app, "/api/v1/me/presence", &json!({"status": status}), &agent).await, 409).await;
    }
    assert_eq!(put(&app, "/api/v1/me/presence", &json!({"status": "offline"}), &agent).await.status(), 200);
    problem(put(&app, "/api/v1/me/presence", &json!({"status": "asleep"}), &agent).await, 422).await;
}

#[tokio::test]
async fn capacity_is_between_one_and_the_staff_limit() {
    let app = spawn_app().await;
    let (_, agent) = app.active_agent_token("f@example.com").await;
    for wrong in [0, 4] {
        let errors =
            problem(put(&app, "/api/v1/me/capacity", &json!({"max_concurrent": wrong}), &agent).await, 422).await;
        assert_eq!(errors["errors"][0]["message"], "must be between 1 and 3");
    }
    assert_eq!(put(&app, "/api/v1/me/capacity", &json!({"max_concurrent": 3}), &agent).await.status(), 200);
    let me: Value = app.get_json("/api/v1/me", &agent).await.json().await.unwrap();
    assert_eq!(me["max_concurrent"], 3);
}

#[tokio::test]
async fn rates_stay_inside_the_pay_bands_and_past_work_keeps_its_rate() {
    let app = spawn_app().await;
    let (id, agent) = app.active_agent_token("g@example.com").await; // skills: payments, fraud; asks 220.00 SEK
    let admin = app.admin_token().await;
    let bands = json!({"bands": [
        {"skill": "payments", "currency": "SEK", "min_hourly_minor": 15000, "max_hourly_minor": 25000, "min_per_conversation_minor": 1000, "max_per_conversation_minor": 2000},
        {"skill": "fraud", "currency": "SEK", "min_hourly_minor": 20000, "max_hourly_minor": 30000, "min_per_conversation_minor": 1500, "max_per_conversation_minor": 3000}
    ]});
    assert_eq!(put(&app, "/api/v1/staff/pay-bands", &bands, &admin).await.status(), 200);
    let shown: Value = app.get_json("/api/v1/staff/pay-bands", &admin).await.json().await.unwrap();
    assert_eq!(shown["bands"].as_array().unwrap().len(), 2);

    let too_much = json!({"hourly_rate_minor": 40000, "per_conversation_minor": 1500, "currency": "SEK"});
    let errors = problem(put(&app, "/api/v1/me/rates", &too_much, &agent).await, 422).await;
    assert_eq!(errors["errors"][0]["field"], "hourly_rate_minor");
    assert_eq!(
        errors["errors"][0]["message"],
        "must be between 15000 and 30000 (150.00 SEK to 300.00 SEK) for your skills"
    );
    let past = json!({"hourly_rate_minor": 24000, "per_conversation_minor": 1500, "currency": "SEK", "effective_from": "2020-01-01T00:00:00Z"});
    let errors = problem(put(&app, "/api/v1/me/rates", &past, &agent).await, 422).await;
    assert_eq!(errors["errors"][0]["field"], "effective_from");

    let before_change = Utc::now();
    let raise = json!({"hourly_rate_minor": 26000, "per_conversation_minor": 1800, "currency": "SEK"});
    let changed: Value = put(&app, "/api/v1/me/rates", &raise, &agent).await.json().await.unwrap();
    assert_eq!(changed["in_force"], true);
    let next_month = (Utc::now() + Duration::days(30)).to_rfc3339();
    let later = json!({"hourly_rate_minor": 28000, "per_conversation_minor": 1800, "currency": "SEK", "effective_from": next_month});
    assert_eq!(put(&app, "/api/v1/me/rates", &later, &agent).await.json::<Value>().await.unwrap()["in_force"], false);

    let history: Vec<Value> = app.get_json("/api/v1/me/rates", &agent).await.json().await.unwrap();
    let hourly: Vec<(i64, bool)> =
        history.iter().map(|r| (r["hourly_rate_minor"].as_i64().unwrap(), r["in_force"].as_bool().unwrap())).collect();
    assert_eq!(hourly, [(28000, false), (26000, true), (22000, false)]);

    // The rate for work done before the change is the old one.
    let db = app.db();
    let old = db
        .read(move |conn| {
            Ok(handoff::models::agent_rate::in_force(
                conn,
                handoff::ids::AgentId(id),
                handoff::models::db_time(before_change),
            )?)
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.hourly_rate_minor, 22000);
}

#[tokio::test]
async fn pay_bands_are_for_admins_and_must_make_sense() {
    let app = spawn_app().await;
    let staff = app.staff_token("s@example.com", "staff").await;
    let admin = app.admin_token().await;
    problem(put(&app, "/api/v1/staff/pay-bands", &json!({"bands": []}), &staff).await, 403).await;
    let bad = json!({"bands": [
        {"skill": "juggling", "currency": "SEK", "min_hourly_minor": 1, "max_hourly_minor": 2, "min_per_conversation_minor": 1, "max_per_conversation_minor": 2},
        {"skill": "payments", "currency": "SEK", "min_hourly_minor": 500, "max_hourly_minor": 100, "min_per_conversation_minor": 1, "max_per_conversation_minor": 2}
    ]});
    let errors = problem(put(&app, "/api/v1/staff/pay-bands", &bad, &admin).await, 422).await;
    let fields: Vec<&str> = errors["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["bands[0].skill", "bands[1].max_hourly_minor"]);
    // Applications outside the bands are refused too.
    let band = json!({"bands": [{"skill": "payments", "currency": "SEK", "min_hourly_minor": 15000, "max_hourly_minor": 20000, "min_per_conversation_minor": 0, "max_per_conversation_minor": 5000}]});
    assert_eq!(put(&app, "/api/v1/staff/pay-bands", &band, &admin).await.status(), 200);
    let errors =
        problem(app.post_json("/api/v1/agents", &crate::recruiting::application("h@example.com"), None).await, 422)
            .await;
    assert_eq!(errors["errors"][0]["field"], "hourly_rate_minor");
}
