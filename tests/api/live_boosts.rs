//! Live boosts: a queue whose waiting customers would miss the target gets one boost at a time,
//! inside the day's budget; eligible agents away or offline who opted in hear of it on their
//! dashboard and by email (at most every two hours); online agents and those who did not opt
//! in are left alone.

use chrono::{DateTime, Duration, Timelike, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::dispatch::{escalate, escalation};
use crate::helpers::{TestApp, spawn_app};
use handoff::db::schema::{agent_events, audit_log, outbox_emails};
use handoff::dispatch::Dispatcher;

async fn post_where_short(app: &TestApp, at: DateTime<Utc>) -> Vec<handoff::coverage::boosts::BoostView> {
    app.db()
        .write(move |conn| {
            handoff::coverage::live_boosts::post_where_short(
                conn,
                at,
                &Dispatcher::new(Duration::seconds(60)),
                "http://handoff.test",
            )
        })
        .await
        .unwrap()
}

async fn boost_events(app: &TestApp, agent: i64) -> Vec<Value> {
    let rows: Vec<String> = app
        .db()
        .read(move |conn| {
            Ok(agent_events::table
                .filter(agent_events::agent_id.eq(agent))
                .filter(agent_events::kind.eq("boost"))
                .select(agent_events::data)
                .load(conn)?)
        })
        .await
        .unwrap();
    rows.iter().map(|r| serde_json::from_str(r).unwrap()).collect()
}

async fn boost_emails(app: &TestApp) -> i64 {
    app.db()
        .read(|conn| {
            Ok(outbox_emails::table
                .filter(outbox_emails::subject.like("Customers are waiting%"))
                .count()
                .get_result(conn)?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_short_queue_gets_one_live_boost_within_budget_and_opted_in_agents_hear_of_it() {
    let app = spawn_app().await;
    let (away, away_token) = app.active_agent_token("away@example.com").await;
    let (quiet, _) = app.active_agent_token("quiet@example.com").await;
    let alerts = json!({"dashboard": true, "email": true});
    let saved =
        app.client.put(app.url("/api/v1/me/boost-alerts")).bearer_auth(&away_token).json(&alerts).send().await.unwrap();
    assert_eq!(saved.status(), 200);
    assert_eq!(app.get_json("/api/v1/me/boost-alerts", &away_token).await.json::<Value>().await.unwrap(), alerts);
    let bad = app
        .client
        .put(app.url("/api/v1/me/boost-alerts"))
        .bearer_auth(&away_token)
        .json(&json!({"dashboard": "yes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16() / 100, 4);

    let admin = app.admin_token().await;
    let mut target: Value = app.get_json("/api/v1/staff/service-target", &admin).await.json().await.unwrap();
    target["daily_boost_budget_minor"] = json!({"SEK": 10_000});
    target["live_boost"] = json!({"multiplier": 1.3, "minutes": 30, "currency": "EUR", "budget_minor": 4_000});
    let refused =
        app.client.put(app.url("/api/v1/staff/service-target")).bearer_auth(&admin).json(&target).send().await.unwrap();
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "live_boost.currency");
    target["live_boost"]["currency"] = json!("SEK");
    let saved =
        app.client.put(app.url("/api/v1/staff/service-target")).bearer_auth(&admin).json(&target).send().await.unwrap();
    assert_eq!(saved.status(), 200);

    // Nobody waits yet: nothing to boost.
    assert!(post_where_short(&app, Utc::now()).await.is_empty());
    let service = app.service_token("bot").await;
    escalate(&app, &service, &escalation("waiting-1")).await;
    escalate(&app, &service, &escalation("waiting-2")).await;

    // Three moments 31 minutes apart on one UTC day (the budget is per day): ending now, or
    // starting now shortly after midnight.
    let now = Utc::now();
    let first = if now.hour() >= 2 { now - Duration::minutes(62) } else { now };
    let posted = post_where_short(&app, first).await;
    assert_eq!(posted.len(), 1);
    assert_eq!((posted[0].kind.as_str(), posted[0].multiplier), ("live", 1.3));
    assert!(posted[0].reason.starts_with("2 customer(s) waiting"), "{}", posted[0].reason);
    assert!(
        post_where_short(&app, first + Duration::minutes(1)).await.is_empty(),
        "one live boost per queue at a time"
    );

    let told = boost_events(&app, away).await;
    assert_eq!(told.len(), 1);
    assert_eq!((told[0]["multiplier"].as_f64(), told[0]["waiting"].as_i64()), (Some(1.3), Some(2)));
    assert!(boost_events(&app, quiet).await.is_empty(), "not opted in");
    let mails = crate::mail::wait_for(&app.data_dir.join("mail"), "away@example.com", "Customers are waiting", 1).await;
    assert!(mails[0].text.contains("pay ×1.30"), "{}", mails[0].text);

    // Expired: a second boost, told on the dashboard but not emailed again within two hours;
    // a third would pass the day's budget of 10,000 (4,000 each) and is only audited.
    assert_eq!(post_where_short(&app, first + Duration::minutes(31)).await.len(), 1);
    assert_eq!(boost_events(&app, away).await.len(), 2);
    assert_eq!(boost_emails(&app).await, 1);
    assert!(post_where_short(&app, first + Duration::minutes(62)).await.is_empty());
    let over: i64 = app
        .db()
        .read(|conn| {
            Ok(audit_log::table.filter(audit_log::action.eq("live_boost_over_budget")).count().get_result(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(over, 1);
    let listed: Value = app.get_json("/api/v1/staff/boosts", &admin).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_online_agent_is_not_sent_a_live_boost() {
    let app = spawn_app().await;
    let (id, token) = crate::dispatch::online_agent(&app, "busy@example.com", 4, "native").await;
    let alerts = json!({"dashboard": true, "email": false});
    app.client.put(app.url("/api/v1/me/boost-alerts")).bearer_auth(&token).json(&alerts).send().await.unwrap();
    let admin = app.admin_token().await;
    let mut target: Value = app.get_json("/api/v1/staff/service-target", &admin).await.json().await.unwrap();
    target["daily_boost_budget_minor"] = json!({"SEK": 10_000});
    target["live_boost"] = json!({"multiplier": 1.2, "minutes": 30, "currency": "SEK", "budget_minor": 1_000});
    app.client.put(app.url("/api/v1/staff/service-target")).bearer_auth(&admin).json(&target).send().await.unwrap();
    // Capacity 1 and busy, so a second customer waits for this agent to finish.
    let service = app.service_token("bot").await;
    escalate(&app, &service, &escalation("first")).await;
    crate::conversation::accept_first(&app, &token).await;
    escalate(&app, &service, &escalation("second")).await;
    let posted = post_where_short(&app, Utc::now()).await;
    assert_eq!(posted.len(), 1, "a five-minute handle time behind a busy agent misses 60 s");
    assert!(boost_events(&app, id).await.is_empty());
}
