//! Getting back in by email, and changing a password: single-use, expiring links, the same
//! answer for unknown addresses, and every login ended at once.

use serde_json::{Value, json};

use crate::helpers::{TestApp, problem, spawn_app};
use crate::mail::{reset_token, wait_for};

const RESET_SUBJECT: &str = "Reset your Handoff password";

async fn ask_for_reset(app: &TestApp, email: &str) {
    let response = app.post_json("/api/v1/auth/password-reset", &json!({"email": email}), None).await;
    assert_eq!(response.status(), 202);
}

async fn complete(app: &TestApp, token: &str, new_password: &str) -> reqwest::Response {
    let body = json!({"token": token, "new_password": new_password});
    app.post_json("/api/v1/auth/password-reset/complete", &body, None).await
}

#[tokio::test]
async fn a_forgotten_password_is_reset_once_by_the_emailed_link_and_every_login_ends() {
    let app = spawn_app().await;
    let (_, agent) = app.active_agent_token("forgot@example.com").await;
    ask_for_reset(&app, "Forgot@Example.com").await;
    let mails = wait_for(&app.data_dir.join("mail"), "forgot@example.com", RESET_SUBJECT, 1).await;
    let token = reset_token(&mails[0]);
    assert_eq!(app.get_json("/api/v1/me", &agent).await.status(), 200, "asking changes nothing yet");

    let done = complete(&app, &token, "a brand new password").await;
    assert_eq!(done.status(), 204);
    assert!(done.text().await.unwrap().is_empty(), "the link sets a password and never signs in");
    problem(app.get_json("/api/v1/me", &agent).await, 401).await;
    assert_eq!(app.login("forgot@example.com", "applicant-password-1").await.status(), 401);
    app.login_ok("forgot@example.com", "a brand new password").await;

    let again = problem(complete(&app, &token, "another new password").await, 422).await;
    assert_eq!(again["errors"][0]["field"], "token", "{again}");
    let made_up = problem(complete(&app, "not-a-real-token", "another new password").await, 422).await;
    assert_eq!(made_up["errors"][0]["field"], "token");
}

#[tokio::test]
async fn unknown_addresses_get_the_same_answer_and_no_mail_and_links_expire() {
    let app = spawn_app().await;
    ask_for_reset(&app, "nobody@example.com").await;
    app.active_agent_token("late@example.com").await;
    // A link asked for two hours ago (links last one hour).
    let db = app.db();
    let asked = chrono::Utc::now() - chrono::Duration::hours(2);
    let public_url = app.url("");
    db.write(move |conn| handoff::auth::password_reset::request(conn, "late@example.com", &public_url, asked))
        .await
        .unwrap();
    let mails = wait_for(&app.data_dir.join("mail"), "late@example.com", RESET_SUBJECT, 1).await;
    let expired = problem(complete(&app, &reset_token(&mails[0]), "a brand new password").await, 422).await;
    assert_eq!(expired["errors"][0]["field"], "token");
    app.login_ok("late@example.com", "applicant-password-1").await;
    let all = crate::mail::read_all(&app.data_dir.join("mail"));
    assert!(all.iter().all(|m| !m.to.contains("nobody@example.com")), "no mail to an unknown address");
}

#[tokio::test]
async fn a_newer_link_replaces_the_older_and_a_confirmation_link_cannot_reset() {
    let app = spawn_app().await;
    let body = crate::recruiting::application("twice@example.com");
    assert_eq!(app.post_json("/api/v1/agents", &body, None).await.status(), 201);
    let confirmations = wait_for(&app.data_dir.join("mail"), "twice@example.com", "Confirm your email", 1).await;
    let confirmation = crate::mail::verification_token(&confirmations[0]);
    problem(complete(&app, &confirmation, "a brand new password").await, 422).await;

    ask_for_reset(&app, "twice@example.com").await;
    wait_for(&app.data_dir.join("mail"), "twice@example.com", RESET_SUBJECT, 1).await;
    ask_for_reset(&app, "twice@example.com").await;
    let mails = wait_for(&app.data_dir.join("mail"), "twice@example.com", RESET_SUBJECT, 2).await;
    let tokens: Vec<String> = mails.iter().map(reset_token).collect();
    let mut outcomes = Vec::new();
    for token in &tokens {
        outcomes.push(complete(&app, token, "a brand new password").await.status().as_u16());
    }
    outcomes.sort_unstable();
    assert_eq!(outcomes, [204, 422], "only the newest link works");
}

#[tokio::test]
async fn changing_a_password_needs_the_current_one_and_ends_every_login() {
    let app = spawn_app().await;
    let (_, agent) = app.active_agent_token("change@example.com").await;
    let other_login = app.login_ok("change@example.com", "applicant-password-1").await;
    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});

    let wrong =
        app.post_json("/api/v1/me/password", &change("not it at all", "a brand new password"), Some(&agent)).await;
    assert_eq!(problem(wrong, 422).await["errors"][0]["field"], "current_password");
    let short = app.post_json("/api/v1/me/password", &change("applicant-password-1", "short"), Some(&agent)).await;
    assert_eq!(problem(short, 422).await["errors"][0]["field"], "new_password");

    let changed = app
        .post_json("/api/v1/me/password", &change("applicant-password-1", "a brand new password"), Some(&agent))
        .await;
    assert_eq!(changed.status(), 204);
    problem(app.get_json("/api/v1/me", &agent).await, 401).await;
    let other: &Value = &other_login["access_token"];
    problem(app.get_json("/api/v1/me", other.as_str().unwrap()).await, 401).await;
    assert_eq!(app.login("change@example.com", "applicant-password-1").await.status(), 401);
    app.login_ok("change@example.com", "a brand new password").await;

    let service = app.service_token("bot").await;
    let by_service = app.post_json("/api/v1/me/password", &change("x", "a brand new password"), Some(&service)).await;
    problem(by_service, 403).await;
}

#[tokio::test]
async fn the_reset_pages_need_the_csrf_token_and_a_spent_link_offers_a_new_one() {
    let app = spawn_app().await;
    app.active_agent_token("pages@example.com").await;
    let forged = app.client.post(app.url("/forgot-password")).form(&[("email", "pages@example.com")]).send().await;
    assert_eq!(forged.unwrap().status(), 403);
    let html = app.client.get(app.url("/forgot-password")).send().await.unwrap().text().await.unwrap();
    let csrf = crate::recruiting_pages::csrf_of(&html);
    let sent = app
        .client
        .post(app.url("/forgot-password"))
        .form(&[("email", "pages@example.com"), ("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let mails = wait_for(&app.data_dir.join("mail"), "pages@example.com", RESET_SUBJECT, 1).await;
    let token = reset_token(&mails[0]);
    let form = app.client.get(app.url(&format!("/reset-password?token={token}"))).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let forged = app
        .client
        .post(app.url("/reset-password"))
        .form(&[("token", token.as_str()), ("password", "a brand new password"), ("confirm", "a brand new password")])
        .send()
        .await;
    assert_eq!(forged.unwrap().status(), 403, "no CSRF token, no new password");
    assert_eq!(complete(&app, &token, "a brand new password").await.status(), 204);
    let spent = app.client.get(app.url(&format!("/reset-password?token={token}"))).send().await.unwrap();
    assert_eq!(spent.status(), 422);
    assert!(spent.text().await.unwrap().contains("Ask for a new link"));
}
