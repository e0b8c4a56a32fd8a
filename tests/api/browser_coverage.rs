//! The coverage pages in a real headless Chromium (TEST_BROWSER=1): an agent reads the week's
//! need, books a slot and is told why it cannot be released; staff read the heatmap and the
//! required-versus-supplied chart and post a boost the agent then sees.

use fantoccini::Locator;
use serde_json::json;

use crate::browser::{browser, enabled, fill, screenshot, staff_login, start_driver, submit_login, wait_for_text};
use crate::coverage::history;
use crate::helpers::spawn_app;

#[tokio::test]
async fn an_agent_books_from_the_outlook_and_staff_boost_the_gap_they_see() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    app.active_agent_token("slots@example.com").await;
    history(&app, 3, 6).await;
    let admin = app.admin_token().await;
    app.post_json("/api/v1/staff/coverage/forecast", &json!({}), Some(&admin)).await;
    app.post_json("/api/v1/staff/slots/publish", &json!({}), Some(&admin)).await;
    let driver = start_driver();

    let staff = browser(&driver, 1400, 1600).await;
    staff_login(&app, &staff, &app.admin_email, &app.admin_password, None).await;
    // Landed on /staff first, so the next page is not overtaken by the login's last redirect.
    wait_for_text(&staff, "Waits inside the range").await;
    staff.goto(&app.url("/staff/coverage")).await.unwrap();
    wait_for_text(&staff, "Required and supplied").await;
    let drawn = staff
        .execute("var c = Chart.getChart('chart-coverage'); return c ? c.data.datasets.map(function (d) { return d.label; }) : null;", vec![])
        .await
        .unwrap();
    assert_eq!(drawn, json!(["Required", "Scheduled or booked"]));
    let short = staff.find_all(Locator::Css("table.heatmap td.cover-short")).await.unwrap();
    assert!(!short.is_empty(), "nobody is scheduled: busy half hours are short");
    screenshot(&staff, "30-staff-coverage").await;

    fill(&staff, "budgets", "SEK=20000").await;
    staff.find(Locator::Id("save-target")).await.unwrap().click().await.unwrap();
    wait_for_text(&staff, "The service target is saved.").await;
    let starts = (handoff::coverage::run::interval_start(chrono::Utc::now()) + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    // A datetime-local input takes its value as text in the browser's own format; set it as a
    // script would, then fill the rest as a person.
    staff.execute("document.getElementById('boost-starts').value = arguments[0];", vec![json!(starts)]).await.unwrap();
    fill(&staff, "boost-budget", "12000").await;
    fill(&staff, "boost-reason", "Evening peak").await;
    staff.find(Locator::Id("post-boost")).await.unwrap().click().await.unwrap();
    wait_for_text(&staff, "The boost is posted").await;
    wait_for_text(&staff, "12000 SEK").await;
    screenshot(&staff, "31-staff-boost-posted").await;
    staff.close().await.unwrap();

    let agent = browser(&driver, 1280, 1400).await;
    submit_login(&app, &agent, "slots@example.com", "applicant-password-1").await;
    wait_for_text(&agent, "Your work").await;
    agent.goto(&app.url("/agent/slots")).await.unwrap();
    wait_for_text(&agent, "Where your hours are needed").await;
    let boosted = agent.find_all(Locator::Css("table.heatmap td[title*='boosted ×1.20']")).await.unwrap();
    assert_eq!(boosted.len(), 4, "the boost's two hours (four half hours) are marked");
    wait_for_text(&agent, "×1.20").await;
    screenshot(&agent, "32-agent-outlook").await;
    agent.find(Locator::Css("#open-slots button")).await.unwrap().click().await.unwrap();
    wait_for_text(&agent, "Booked. The slot counts as your availability").await;
    agent.find(Locator::Css("#my-bookings button")).await.unwrap().click().await.unwrap();
    wait_for_text(&agent, "this one is locked").await;
    let alert = agent.find(Locator::Id("slot-alert")).await.unwrap().text().await.unwrap();
    assert!(alert.contains("12 hours before the start"), "{alert}");
    screenshot(&agent, "33-agent-release-locked").await;
    agent.close().await.unwrap();
}

#[tokio::test]
async fn an_agent_on_a_break_sees_a_live_boost_arrive_on_the_dashboard() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    let (_, token) = app.active_agent_token("on-break@example.com").await;
    let alerts = json!({"dashboard": true, "email": false});
    let saved =
        app.client.put(app.url("/api/v1/me/boost-alerts")).bearer_auth(&token).json(&alerts).send().await.unwrap();
    assert_eq!(saved.status(), 200);
    let admin = app.admin_token().await;
    let mut target: serde_json::Value =
        app.get_json("/api/v1/staff/service-target", &admin).await.json().await.unwrap();
    target["daily_boost_budget_minor"] = json!({"SEK": 10_000});
    target["live_boost"] = json!({"multiplier": 1.5, "minutes": 30, "currency": "SEK", "budget_minor": 2_000});
    let put =
        app.client.put(app.url("/api/v1/staff/service-target")).bearer_auth(&admin).json(&target).send().await.unwrap();
    assert_eq!(put.status(), 200);

    let driver = start_driver();
    let client = browser(&driver, 1280, 900).await;
    submit_login(&app, &client, "on-break@example.com", "applicant-password-1").await;
    wait_for_text(&client, "Your work").await;
    let service = app.service_token("bot").await;
    let waiting = json!({"external_id": "nobody-online", "language": "sv", "market": "SE", "required_skills": ["payments"],
        "priority": "normal", "sensitive": false, "reason": "customer_request", "summary": "Card blocked"});
    assert_eq!(app.post_json("/api/v1/escalations", &waiting, Some(&service)).await.status(), 201);
    let posted = app
        .db()
        .write(|conn| {
            handoff::coverage::live_boosts::post_where_short(
                conn,
                chrono::Utc::now(),
                &handoff::dispatch::Dispatcher::new(chrono::Duration::seconds(60)),
                "http://handoff.test",
            )
        })
        .await
        .unwrap();
    assert_eq!(posted.len(), 1);
    // The event arrives on the open stream (the bus wakes it): no reload.
    wait_for_text(&client, "conversations there pay ×1.50").await;
    let banner = client.find(Locator::Id("boost-alert")).await.unwrap().text().await.unwrap();
    assert!(banner.starts_with("1 customer(s) waiting in sv · SE · payments"), "{banner}");
    screenshot(&client, "34-agent-live-boost").await;
    client.close().await.unwrap();
}
