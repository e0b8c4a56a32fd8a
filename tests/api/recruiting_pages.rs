//! The recruiting pages over plain HTTP (the browser suite drives the same pages in Chromium).

use crate::helpers::{TestApp, spawn_app};
use crate::mail;

pub use crate::helpers::csrf_of;

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    app.client.post(app.url(path)).form(fields).send().await.unwrap()
}

fn application_form<'a>(csrf: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf_token", csrf),
        ("full_name", "Nils Holm"),
        ("email", email),
        ("password", "a long password"),
        ("language_code_0", "sv"),
        ("language_level_0", "native"),
        ("language_code_1", "en"),
        ("language_level_1", "fluent"),
        ("skill_refunds", "on"),
        ("proficiency_refunds", "4"),
        ("skill_payments", "on"),
        ("proficiency_payments", "3"),
        ("city", "Umeå"),
        ("timezone", ""),
        ("currency", "SEK"),
        ("hourly_rate", "195.50"),
        ("per_conversation", "12"),
        ("recruit_source", "rural"),
        ("motivation", "I live in the north and want flexible work."),
    ]
}

#[tokio::test]
async fn the_register_page_applies_with_the_same_rules_as_the_api() {
    let app = spawn_app().await;
    let (status, html) = page(&app, "/register").await;
    assert_eq!(status, 200);
    for label in [
        r#"for="full_name""#,
        r#"for="email""#,
        r#"for="password""#,
        r#"for="city""#,
        r#"for="motivation""#,
        r#"for="skill_fraud""#,
    ] {
        assert!(html.contains(label), "every input has a label: {label}");
    }
    let csrf = csrf_of(&html);

    // Bad input comes back with messages next to the fields and what was typed kept.
    let mut bad = application_form(&csrf, "not-an-email");
    bad.retain(|(k, _)| *k != "city");
    bad.push(("hourly_rate", "lots"));
    let response = post_form(&app, "/register", &bad).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("must be an email address"));
    assert!(html.contains("choose your city or enter your coordinates"));
    assert!(html.contains("enter an amount such as 220 or 220.50"));
    assert!(html.contains(r#"value="Nils Holm""#), "typed values are kept");
    assert!(!html.contains("a long password"), "the password is never echoed");

    let response = post_form(&app, "/register", &application_form(&csrf, "nils@example.com")).await;
    assert_eq!(response.status(), 201);
    assert!(response.text().await.unwrap().contains("Check your email"));

    // The same email again: the form says so.
    let response = post_form(&app, "/register", &application_form(&csrf, "nils@example.com")).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("this email address cannot be used to apply"));

    // The confirmation link opens a page whose button confirms.
    let mails = mail::wait_for(&app.data_dir.join("mail"), "nils@example.com", "Confirm", 1).await;
    let token = mail::verification_token(&mails[0]);
    let (status, html) = page(&app, &format!("/verify?token={token}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Confirm my email address"));
    let confirmed = post_form(&app, "/verify", &[("csrf_token", &csrf_of(&html)), ("token", &token)]).await;
    assert_eq!(confirmed.status(), 200);
    assert!(confirmed.text().await.unwrap().contains("Your email address is confirmed"));
    let again = post_form(&app, "/verify", &[("csrf_token", &csrf), ("token", &token)]).await;
    assert_eq!(again.status(), 409);

    // Staff see the applicant with what they asked for, in major units.
    let admin = app.admin_token().await;
    let recruits: Vec<serde_json::Value> =
        app.get_json("/api/v1/staff/recruits?status=pending_review", &admin).await.json().await.unwrap();
    assert_eq!(recruits[0]["rates"]["hourly_rate_minor"], 19550);
    assert_eq!(recruits[0]["timezone"], "Europe/Stockholm", "the city's time zone was used");
    assert_eq!(recruits[0]["country"], "SE");
}

#[tokio::test]
async fn staff_review_applicants_on_the_recruits_page() {
    let app = spawn_app().await;
    let id = app.verified_applicant("olle@example.com").await;

    // Not signed in: off to the login page.
    let response = app.client.get(app.url("/staff/recruits")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login");

    // The first login of the admin sets up the second factor, then shows the recovery codes.
    let enrolled = app.browser_login(&app.admin_email, &app.admin_password).await;
    assert_eq!(enrolled.status(), 200);
    assert_eq!(enrolled.text().await.unwrap().matches("<li><code>").count(), 10, "ten recovery codes");

    let (status, html) = page(&app, "/staff/recruits").await;
    assert_eq!(status, 200);
    assert!(html.contains("olle@example.com") && html.contains("220.00 SEK per hour"));
    assert!(html.contains(&format!(r#"id="approve-{id}""#)));

    let csrf = csrf_of(&html);
    let missing_reason =
        post_form(&app, &format!("/staff/recruits/{id}/reject"), &[("csrf_token", &csrf), ("reason", " ")]).await;
    assert_eq!(missing_reason.status(), 422);
    let approved =
        post_form(&app, &format!("/staff/recruits/{id}/approve"), &[("csrf_token", &csrf), ("note", "Welcome")]).await;
    assert_eq!(approved.status(), 303);
    let (_, after) = page(&app, approved.headers()["location"].to_str().unwrap()).await;
    assert!(after.contains("Approved. The agent has been emailed."));
    let (_, active) = page(&app, "/staff/recruits?status=active").await;
    assert!(active.contains("olle@example.com") && active.contains("Welcome"));
    mail::wait_for(&app.data_dir.join("mail"), "olle@example.com", "approved", 1).await;
}

#[tokio::test]
async fn an_agent_gets_an_html_403_on_the_staff_page() {
    let app = spawn_app().await;
    app.active_agent_token("p@example.com").await;
    let (_, login_page) = page(&app, "/login").await;
    let form =
        [("email", "p@example.com"), ("password", "applicant-password-1"), ("csrf_token", &csrf_of(&login_page))];
    let response = post_form(&app, "/login", &form).await;
    assert_eq!(response.headers()["location"], "/agent", "agents land on their dashboard");
    let response = app.client.get(app.url("/staff/recruits")).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}
