//! The /agent/availability page over plain HTTP.

use crate::helpers::{TestApp, spawn_app};
use crate::recruiting_pages::csrf_of;

/// Logs the cookie client in through the form as an approved agent.
pub async fn agent_in_browser_session(app: &TestApp, email: &str) -> i64 {
    let (id, _) = app.active_agent_token(email).await;
    let login_page = app.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let form = [("email", email), ("password", "applicant-password-1"), ("csrf_token", &csrf_of(&login_page))];
    let response = app.client.post(app.url("/login")).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 303);
    id
}

async fn page(app: &TestApp) -> String {
    let response = app.client.get(app.url("/agent/availability")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

#[tokio::test]
async fn an_agent_edits_the_week_goes_online_and_sets_rates_on_the_page() {
    let app = spawn_app().await;
    agent_in_browser_session(&app, "w@example.com").await;
    let html = page(&app).await;
    assert!(html.contains(r#"for="mon_0_start""#) && html.contains("Europe/Stockholm"));
    let csrf = csrf_of(&html);

    let week = [
        ("csrf_token", csrf.as_str()),
        ("mon_0_start", "09:00"),
        ("mon_0_end", "13:30"),
        ("fri_0_start", "22:00"),
        ("fri_0_end", "02:00"),
        ("exception_0_date", "2026-12-24"),
        ("exception_0_kind", "off"),
    ];
    let saved = app.client.post(app.url("/agent/availability")).form(&week).send().await.unwrap();
    assert_eq!(saved.status(), 303);
    assert_eq!(saved.headers()["location"], "/agent/availability?done=schedule");
    let html = app.client.get(app.url("/agent/availability?done=schedule")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Your availability is saved."));
    assert!(html.contains(r#"value="09:00""#) && html.contains(r#"value="13:30""#));
    assert!(html.contains("08:00–12:30 UTC") || html.contains("07:00–11:30 UTC"), "the slot is shown in UTC too");
    assert!(html.contains(r#"value="2026-12-24""#));

    let overlapping = [
        ("csrf_token", csrf.as_str()),
        ("tue_0_start", "09:00"),
        ("tue_0_end", "12:00"),
        ("tue_1_start", "11:00"),
        ("tue_1_end", "14:00"),
    ];
    let refused = app.client.post(app.url("/agent/availability")).form(&overlapping).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("overlaps weekly[0]"));

    let online = app
        .client
        .post(app.url("/agent/presence"))
        .form(&[("csrf_token", csrf.as_str()), ("status", "online")])
        .send()
        .await
        .unwrap();
    assert_eq!(online.status(), 303);
    assert!(page(&app).await.contains(r#"id="presence">online<"#));

    let rates = [
        ("csrf_token", csrf.as_str()),
        ("currency", "SEK"),
        ("hourly_rate", "240"),
        ("per_conversation", "16.50"),
        ("effective_from", ""),
    ];
    assert_eq!(app.client.post(app.url("/agent/rates")).form(&rates).send().await.unwrap().status(), 303);
    let html = page(&app).await;
    assert!(html.contains("240.00 SEK per hour, 16.50 SEK per conversation"));
    let capacity = app
        .client
        .post(app.url("/agent/capacity"))
        .form(&[("csrf_token", csrf.as_str()), ("max_concurrent", "9")])
        .send()
        .await
        .unwrap();
    assert_eq!(capacity.status(), 422);
}

#[tokio::test]
async fn staff_cannot_open_the_agent_page() {
    let app = spawn_app().await;
    app.browser_login(&app.admin_email, &app.admin_password).await;
    assert_eq!(app.client.get(app.url("/agent/availability")).send().await.unwrap().status(), 403);
}
