//! Revocation takes effect at once: an access token of a login that was logged out, or of a
//! user who was suspended, is refused on the very next request (not when it expires), on
//! every instance, and the user's event streams close.

use std::time::Duration;

use serde_json::json;

use crate::dispatch::online_agent;
use crate::helpers::{problem, spawn_app};

/// An admin-only write (each with a new name, so none is a conflict).
async fn admin_call(app: &crate::helpers::TestApp, token: &str) -> reqwest::Response {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let name = format!("bot-{}", CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    app.post_json("/api/v1/admin/service-accounts", &json!({"name": name}), Some(token)).await
}

#[tokio::test]
async fn logout_refuses_that_logins_access_token_at_once_and_leaves_the_other_logins() {
    let app = spawn_app().await;
    let ending =
        app.login_ok(&app.admin_email, &app.admin_password).await["access_token"].as_str().unwrap().to_string();
    let other = app.login_ok(&app.admin_email, &app.admin_password).await["access_token"].as_str().unwrap().to_string();
    assert_eq!(admin_call(&app, &ending).await.status(), 201, "known live first (and so kept in memory)");
    assert_eq!(app.post_json("/api/v1/auth/logout", &json!({}), Some(&ending)).await.status(), 204);
    let refused = problem(admin_call(&app, &ending).await, 401).await;
    assert_eq!(refused["detail"], "this login has ended: log in again");
    assert_eq!(admin_call(&app, &other).await.status(), 201, "another login of the same person stays");
}

#[tokio::test]
async fn suspension_refuses_the_agents_token_at_once_and_closes_their_stream() {
    let app = spawn_app().await;
    let (id, agent) = online_agent(&app, "revoked@example.com", 4, "native").await;
    let mut stream = crate::events::open(&app, &agent, None).await;
    stream.next_of("snapshot").await;
    assert_eq!(app.get_json("/api/v1/me/offers", &agent).await.status(), 200);

    let staff = app.staff_token("s@example.com", "staff").await;
    let suspend = format!("/api/v1/staff/agents/{id}/suspend");
    assert_eq!(app.post_json(&suspend, &json!({"reason": "Account shared"}), Some(&staff)).await.status(), 200);
    problem(app.get_json("/api/v1/me/offers", &agent).await, 401).await;
    assert!(stream.ends().await, "the suspended agent's open stream is closed");
    // They may still log in, to read why.
    app.login_ok("revoked@example.com", "applicant-password-1").await;
}

/// Another instance hears the revocation through NOTIFY and stops trusting what it kept.
#[tokio::test]
async fn a_logout_on_one_instance_refuses_the_token_on_another() {
    if !std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("skipped: instances share a database only on PostgreSQL (set TEST_DATABASE_URL)");
        return;
    }
    let app = spawn_app().await;
    let second_dir = tempfile::tempdir().unwrap();
    let settings = crate::helpers::test_settings(second_dir.path(), &app.database_url);
    let second = handoff::startup::Application::build(settings).await.unwrap();
    let second_address = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped());
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let call_second = |token: String| {
        let (client, url) = (app.client.clone(), format!("{second_address}/api/v1/admin/service-accounts"));
        let name = format!("second-{}", calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        async move { client.post(url).bearer_auth(token).json(&json!({"name": name})).send().await.unwrap().status() }
    };

    let token = app.admin_token().await;
    // The second instance's listener connects in the background: wait until it is heard, so
    // this tests NOTIFY rather than the fallback that reads the database on every request.
    let started = std::time::Instant::now();
    while app.client.get(format!("{second_address}/readyz")).send().await.unwrap().status() != 200 {
        assert!(started.elapsed() < Duration::from_secs(10), "the second instance got ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(call_second(token.clone()).await, 201, "live on the second instance, and kept there");
    assert_eq!(app.post_json("/api/v1/auth/logout", &json!({}), Some(&token)).await.status(), 204);
    let logged_out = std::time::Instant::now();
    loop {
        let status = call_second(token.clone()).await;
        if status == 401 {
            break;
        }
        assert_eq!(status, 201);
        assert!(logged_out.elapsed() < Duration::from_secs(5), "the second instance never heard of the logout");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("refused on the second instance {:?} after the logout", logged_out.elapsed());
}
