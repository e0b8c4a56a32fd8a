//! /staff/coverage and /agent/slots over plain HTTP: what each shows, their forms with the
//! API's rules, CSRF, and who may open them.

use serde_json::{Value, json};

use crate::availability_pages::agent_in_browser_session;
use crate::coverage::history;
use crate::helpers::csrf_of;
use crate::helpers::{TestApp, spawn_app};
use crate::payroll_pages::staff_in_browser_session;

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = app.client.post(app.url(path)).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    let body = response.text().await.unwrap();
    (status, location.unwrap_or(body))
}

async fn forecast(app: &TestApp) {
    let admin = app.admin_token().await;
    assert_eq!(app.post_json("/api/v1/staff/coverage/forecast", &json!({}), Some(&admin)).await.status(), 200);
    assert_eq!(app.post_json("/api/v1/staff/slots/publish", &json!({}), Some(&admin)).await.status(), 200);
}

#[tokio::test]
async fn an_agent_sees_where_they_are_needed_and_books_and_releases_from_the_page() {
    let app = spawn_app().await;
    agent_in_browser_session(&app, "pager@example.com").await;
    let (status, html) = page(&app, "/agent/slots").await;
    assert_eq!(status, 200);
    assert!(html.contains("No forecast covers the work you can take yet."));
    history(&app, 3, 6).await;
    forecast(&app).await;

    let (status, html) = page(&app, "/agent/slots").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<table class="heatmap">"#) && html.contains("need-high"), "the outlook is drawn");
    assert!(html.contains("sv · SE · payments"));
    assert!(html.contains(r#"id="commitment-score">90"#));
    let id: i64 = html
        .split(r#"action="/agent/slots/"#)
        .skip(1)
        .find_map(|rest| rest.split_once("/book").and_then(|(id, _)| id.parse().ok()))
        .expect("a Book form");
    let csrf = csrf_of(&html);

    let refused = post_form(&app, &format!("/agent/slots/{id}/book"), &[("csrf_token", "forged")]).await;
    assert_eq!(refused.0, 403);
    let booked = post_form(&app, &format!("/agent/slots/{id}/book"), &[("csrf_token", &csrf)]).await;
    assert_eq!(booked, (303, "/agent/slots?done=booked".to_string()));
    let (_, html) = page(&app, "/agent/slots?done=booked").await;
    assert!(html.contains("Booked. The slot counts as your availability"));
    assert!(html.contains(r#"id="my-bookings""#) && html.contains(&format!("/agent/slots/{id}/release")));

    // Live boost alerts: on the dashboard only.
    let saved = post_form(&app, "/agent/slots/alerts", &[("csrf_token", &csrf), ("dashboard", "on")]).await;
    assert_eq!(saved, (303, "/agent/slots?done=alerts".to_string()));
    let (_, html) = page(&app, "/agent/slots?done=alerts").await;
    assert!(html.contains(r#"id="alert-dashboard" checked"#) && !html.contains(r#"id="alert-email" checked"#));

    // The next slot starts within the 12-hour lock-down: the page says why it stays booked.
    let (status, html) = post_form(&app, &format!("/agent/slots/{id}/release"), &[("csrf_token", &csrf)]).await;
    assert_eq!(status, 409);
    assert!(html.contains("this one is locked"), "{html}");
}

#[tokio::test]
async fn staff_read_the_coverage_heatmap_and_set_the_target_and_boosts_from_the_page() {
    let app = spawn_app().await;
    app.active_agent_token("covered@example.com").await;
    history(&app, 3, 6).await;
    forecast(&app).await;
    staff_in_browser_session(&app).await;
    let (status, html) = page(&app, "/staff/coverage").await;
    assert_eq!(status, 200);
    assert!(html.contains("sv · SE · payments") && html.contains("daily seasonality"));
    assert!(html.contains("cover-short"), "nobody is scheduled, so every busy half hour is short");
    assert!(html.contains(r#"id="coverage-data">[{"at":"#), "the chart's data is in the page");
    let csrf = csrf_of(&html);

    let target = [
        ("csrf_token", csrf.as_str()),
        ("share_percent", "85"),
        ("within_s", "45"),
        ("max_abandon_percent", "2.5"),
        ("expected_arrivals_per_hour", "3"),
        ("default_handle_s", "300"),
        ("default_patience_s", "180"),
        ("history_weeks", "8"),
        ("release_lockdown_h", "6"),
        ("budgets", "SEK=20000"),
    ];
    assert_eq!(post_form(&app, "/staff/coverage/target", &target).await, (303, "/staff/coverage?done=target".into()));
    let admin = app.admin_token().await;
    let saved: Value = app.get_json("/api/v1/staff/service-target", &admin).await.json().await.unwrap();
    assert_eq!((saved["share"].as_f64(), saved["within_s"].as_u64()), (Some(0.85), Some(45)));
    assert_eq!(saved["daily_boost_budget_minor"], json!({"SEK": 20000}));

    let mut bad = target.to_vec();
    bad.retain(|(name, _)| *name != "budgets");
    bad.push(("budgets", "SEK=lots"));
    let (status, html) = post_form(&app, "/staff/coverage/target", &bad).await;
    assert_eq!(status, 422);
    assert!(html.contains("needs whole minor units"), "{html}");

    let starts = (handoff::coverage::run::interval_start(chrono::Utc::now()) + chrono::Duration::hours(2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let boost = [
        ("csrf_token", csrf.as_str()),
        ("queue", "sv|SE|payments"),
        ("starts_at", starts.as_str()),
        ("hours", "2"),
        ("multiplier", "1.25"),
        ("currency", "SEK"),
        ("budget_minor", "15000"),
        ("reason", "Tuesday lunch"),
    ];
    assert_eq!(post_form(&app, "/staff/coverage/boosts", &boost).await, (303, "/staff/coverage?done=boost".into()));
    let (_, html) = page(&app, "/staff/coverage?done=boost").await;
    assert!(html.contains("×1.25") && html.contains("15000 SEK"), "the boost and what it reserves are listed");
    let (status, html) = post_form(&app, "/staff/coverage/boosts", &boost).await;
    assert_eq!(status, 409);
    assert!(html.contains("over the daily boost budget"));
}

#[tokio::test]
async fn each_coverage_page_is_only_for_its_role() {
    let app = spawn_app().await;
    agent_in_browser_session(&app, "nosy@example.com").await;
    assert_eq!(page(&app, "/staff/coverage").await.0, 403);
    let (_, html) = page(&app, "/agent/slots").await;
    let csrf = csrf_of(&html);
    assert_eq!(post_form(&app, "/staff/coverage/forecast", &[("csrf_token", &csrf)]).await.0, 403);
    let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = anonymous.get(app.url("/agent/slots")).send().await.unwrap();
    assert_eq!(response.status(), 303);
}
