//! Boosts in pay: work inside a booked, boosted slot is paid with the multiplier, in the
//! appended payroll columns, and work outside any boost is not.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::conversation::accept_first;
use crate::coverage::history;
use crate::dispatch::{escalate, escalation, online_agent};
use crate::helpers::{TestApp, spawn_app};
use crate::payroll::{csv_of, read_csv};
use handoff::db::schema::{coverage_slots, slot_bookings};

async fn resolve(app: &TestApp, token: &str, id: &Value) {
    let path = format!("/api/v1/escalations/{id}/resolve");
    assert_eq!(app.post_json(&path, &json!({"disposition": "solved"}), Some(token)).await.status(), 200);
    let path = format!("/api/v1/escalations/{id}/wrap-up");
    assert_eq!(app.post_json(&path, &json!({"disposition": "solved"}), Some(token)).await.status(), 200);
}

#[tokio::test]
async fn work_inside_a_booked_boosted_slot_is_paid_with_the_multiplier_in_the_appended_columns() {
    let app = spawn_app().await;
    let (booker_id, booker) = online_agent(&app, "booked-boost@example.com", 4, "native").await;
    history(&app, 3, 6).await;
    let admin = app.admin_token().await;
    app.post_json("/api/v1/staff/coverage/forecast", &json!({}), Some(&admin)).await;
    app.post_json("/api/v1/staff/slots/publish", &json!({}), Some(&admin)).await;
    let slot = app.get_json("/api/v1/me/slots", &booker).await.json::<Value>().await.unwrap()["open"][0].clone();
    let id = slot["id"].as_i64().unwrap();
    assert_eq!(app.post_json(&format!("/api/v1/me/slots/{id}/book"), &json!({}), Some(&booker)).await.status(), 200);

    // The booked slot is the one running now, boosted ×1.5 for its half hour (started afresh
    // if this one ends within the next 20 seconds, so the work below stays inside it).
    let until_next =
        (handoff::coverage::run::interval_start(Utc::now()) + Duration::minutes(30) - Utc::now()).num_milliseconds();
    if until_next < 20_000 {
        tokio::time::sleep(std::time::Duration::from_millis(until_next as u64 + 100)).await;
    }
    let now_slot = handoff::coverage::run::interval_start(Utc::now());
    app.db()
        .write(move |conn| {
            diesel::update(coverage_slots::table.find(id))
                .set(coverage_slots::starts_at.eq(now_slot.naive_utc()))
                .execute(conn)?;
            Ok(diesel::update(slot_bookings::table)
                .set(slot_bookings::starts_at.eq(now_slot.naive_utc()))
                .execute(conn)?)
        })
        .await
        .unwrap();
    let mut target: Value = app.get_json("/api/v1/staff/service-target", &admin).await.json().await.unwrap();
    target["daily_boost_budget_minor"] = json!({"SEK": 100_000});
    let saved =
        app.client.put(app.url("/api/v1/staff/service-target")).bearer_auth(&admin).json(&target).send().await.unwrap();
    assert_eq!(saved.status(), 200);
    let boost = json!({
        "language": "sv", "market": "SE", "required_skills": ["payments"], "multiplier": 1.5,
        "starts_at": now_slot, "ends_at": now_slot + Duration::minutes(30), "currency": "SEK",
        "budget_minor": 50_000, "reason": "Evening queue"
    });
    assert_eq!(app.post_json("/api/v1/staff/boosts", &boost, Some(&admin)).await.status(), 201);

    let service = app.service_token("bot").await;
    let escalated = escalate(&app, &service, &escalation("boosted-1")).await;
    accept_first(&app, &booker).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await; // two whole seconds engaged
    resolve(&app, &booker, &escalated["id"]).await;

    let today = Utc::now().date_naive();
    let window = format!("from={}&to={}", today - Duration::days(1), today + Duration::days(1));
    let summary = read_csv(&csv_of(&app, &format!("/api/v1/staff/payroll.csv?{window}"), &admin).await);
    let line = summary.iter().find(|r| r["agent_id"] == booker_id.to_string()).unwrap();
    let engaged: i64 = line["engaged_seconds"].parse().unwrap();
    assert!(engaged >= 2, "{line:?}");
    assert_eq!(line["boosted_seconds"], line["engaged_seconds"]);
    let base: i64 =
        line["hourly_pay_minor"].parse::<i64>().unwrap() + line["per_conversation_pay_minor"].parse::<i64>().unwrap();
    let boost: i64 = line["boost_pay_minor"].parse().unwrap();
    // Half of the base again, within the rounding of the two sums.
    assert!((boost * 2 - base).abs() <= 2, "{line:?}");
    assert_eq!(line["total_minor"].parse::<i64>().unwrap(), base + boost);

    let detail = read_csv(&csv_of(&app, &format!("/api/v1/staff/payroll.csv?{window}&detail=true"), &admin).await);
    let engaged_rows: Vec<_> =
        detail.iter().filter(|r| r["agent_id"] == booker_id.to_string() && r["kind"] == "engaged").collect();
    assert!(engaged_rows.iter().all(|r| r["multiplier"] == "1.50"), "{engaged_rows:?}");

    // The same work for an agent who booked nothing is not boosted by a scheduled boost.
    let (other_id, other) = online_agent(&app, "unbooked@example.com", 4, "native").await;
    crate::dispatch::go(&app, &booker, "away").await;
    let second = escalate(&app, &service, &escalation("boosted-2")).await;
    accept_first(&app, &other).await;
    resolve(&app, &other, &second["id"]).await;
    let summary = read_csv(&csv_of(&app, &format!("/api/v1/staff/payroll.csv?{window}"), &admin).await);
    let line = summary.iter().find(|r| r["agent_id"] == other_id.to_string()).unwrap();
    assert_eq!((line["boosted_seconds"].as_str(), line["boost_pay_minor"].as_str()), ("0", "0"));
}
