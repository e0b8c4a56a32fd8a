use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use serde_json::{Value, json};

use crate::helpers::{TEST_JWT_SECRET, problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_first_admin_logs_in_and_gets_a_short_lived_token_pair() {
    let app = spawn_app().await;
    let pair = app.login_ok(&app.admin_email, &app.admin_password).await;
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["user"]["role"], "admin");
    assert_eq!(pair["user"]["email"], app.admin_email.as_str());
    let expires_in = pair["expires_in"].as_u64().unwrap();
    assert!(expires_in > 0 && expires_in <= 900);
    assert!(pair["refresh_token"].as_str().unwrap().len() >= 40);
    // The access token is an HS256 JWT with issuer, audience and expiry.
    let access = pair["access_token"].as_str().unwrap();
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(access.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(access.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert_eq!(claims["iss"], "handoff");
    assert_eq!(claims["aud"], "handoff");
    assert!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap() <= 900);
}

#[tokio::test]
async fn email_case_and_spaces_do_not_matter_at_login() {
    let app = spawn_app().await;
    let shouted = format!("  {}  ", app.admin_email.to_uppercase());
    assert_eq!(app.login(&shouted, &app.admin_password).await.status(), 200);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    let wrong_password = problem(app.login(&app.admin_email, "not-the-password").await, 401).await;
    let unknown_email = problem(app.login("nobody@example.com", "not-the-password").await, 401).await;
    assert_eq!(wrong_password, unknown_email);
    assert_eq!(wrong_password["detail"], "email or password is wrong");
}

async fn refresh(app: &crate::helpers::TestApp, token: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": token}), None).await
}

#[tokio::test]
async fn refresh_rotates_the_pair_and_the_old_refresh_token_stops_working() {
    let app = spawn_app().await;
    let first = app.login_ok(&app.admin_email, &app.admin_password).await;
    let first_refresh = first["refresh_token"].as_str().unwrap();

    let response = refresh(&app, first_refresh).await;
    assert_eq!(response.status(), 200);
    let second: Value = response.json().await.unwrap();
    let second_refresh = second["refresh_token"].as_str().unwrap();
    assert_ne!(first_refresh, second_refresh);
    assert_eq!(second["user"]["role"], "admin");

    // The new access token works where an admin is needed.
    let created =
        app.post_json("/api/v1/admin/service-accounts", &json!({"name": "bot"}), second["access_token"].as_str()).await;
    assert_eq!(created.status(), 201);

    // The spent token no longer works...
    problem(refresh(&app, first_refresh).await, 401).await;
    // ...and presenting it revoked the whole login, so the newest token is dead too.
    problem(refresh(&app, second_refresh).await, 401).await;

    // A fresh login is unaffected.
    let again = app.login_ok(&app.admin_email, &app.admin_password).await;
    assert_eq!(refresh(&app, again["refresh_token"].as_str().unwrap()).await.status(), 200);
}

#[tokio::test]
async fn a_made_up_refresh_token_is_refused() {
    let app = spawn_app().await;
    problem(refresh(&app, "made-up").await, 401).await;
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let app = spawn_app().await;
    let pair = app.login_ok(&app.admin_email, &app.admin_password).await;
    let response = app.post_json("/api/v1/auth/logout", &json!({}), pair["access_token"].as_str()).await;
    assert_eq!(response.status(), 204);
    problem(refresh(&app, pair["refresh_token"].as_str().unwrap()).await, 401).await;
}

/// The claims of an access token (read without checking it).
pub fn claims_of(token: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

fn forge(claims: &Value, secret: &str) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), claims, &key).unwrap()
}

async fn admin_call(app: &crate::helpers::TestApp, token: &str) -> reqwest::Response {
    app.post_json("/api/v1/admin/service-accounts", &json!({"name": "x"}), Some(token)).await
}

#[tokio::test]
async fn expired_forged_and_unsigned_tokens_get_401() {
    let app = spawn_app().await;
    let pair = app.login_ok(&app.admin_email, &app.admin_password).await;
    let id = pair["user"]["id"].as_i64().unwrap().to_string();
    // Forged tokens name the real login, so only the signature, expiry or audience is wrong.
    let sid = claims_of(pair["access_token"].as_str().unwrap())["sid"].as_str().unwrap().to_string();
    let now = Utc::now().timestamp();
    let claims = |exp: i64| json!({"sub": id, "role": "admin", "sid": sid, "iss": "handoff", "aud": "handoff", "iat": now - 2000, "exp": exp});

    // Control: a token we sign the same way, still valid, is accepted.
    assert_eq!(admin_call(&app, &forge(&claims(now + 600), TEST_JWT_SECRET)).await.status(), 201);

    let expired = forge(&claims(now - 60), TEST_JWT_SECRET);
    assert_eq!(problem(admin_call(&app, &expired).await, 401).await["detail"], "invalid or expired token");

    let wrong_key = forge(&claims(now + 600), "another-secret-another-secret-another-secret");
    problem(admin_call(&app, &wrong_key).await, 401).await;

    let wrong_audience = forge(
        &json!({"sub": id, "role": "admin", "sid": sid, "iss": "handoff", "aud": "other", "iat": now, "exp": now + 600}),
        TEST_JWT_SECRET,
    );
    problem(admin_call(&app, &wrong_audience).await, 401).await;

    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims(now + 600).to_string());
    problem(admin_call(&app, &format!("{header}.{body}.")).await, 401).await;
}

#[tokio::test]
async fn repeated_failed_logins_get_429_with_retry_after() {
    let app = spawn_app_with(|s| s.login_attempts_per_minute = 3).await;
    for _ in 0..3 {
        assert_eq!(app.login(&app.admin_email, "wrong-password").await.status(), 401);
    }
    let limited = app.login(&app.admin_email, "wrong-password").await;
    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    problem(limited, 429).await;
    // The right password does not get around the limit either.
    assert_eq!(app.login(&app.admin_email, &app.admin_password).await.status(), 429);
}

#[tokio::test]
async fn registrations_from_one_address_are_limited_per_hour() {
    let app = spawn_app_with(|s| s.registrations_per_hour = 2).await;
    for n in 0..2 {
        let body = crate::recruiting::application(&format!("applicant{n}@example.com"));
        assert_eq!(app.post_json("/api/v1/agents", &body, None).await.status(), 201);
    }
    let body = crate::recruiting::application("applicant9@example.com");
    let limited = app.post_json("/api/v1/agents", &body, None).await;
    assert!(limited.headers().contains_key("retry-after"));
    problem(limited, 429).await;
}

#[tokio::test]
async fn an_admin_creates_staff_once_and_bad_fields_are_named() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = json!({"email": "Kim@Example.com", "password": "long-enough-pw", "full_name": "Kim", "role": "staff"});
    let created = app.post_json("/api/v1/admin/staff", &body, Some(&admin)).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["email"], "kim@example.com");
    assert_eq!(created["role"], "staff");
    assert_eq!(app.login("kim@example.com", "long-enough-pw").await.status(), 200);

    let again = app.post_json("/api/v1/admin/staff", &body, Some(&admin)).await;
    problem(again, 409).await;

    let bad = json!({"email": "not-an-email", "password": "short", "full_name": "", "role": "staff"});
    let errors = problem(app.post_json("/api/v1/admin/staff", &bad, Some(&admin)).await, 422).await;
    let fields: Vec<&str> = errors["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "full_name", "password"]);

    let bad_role = json!({"email": "a@example.com", "password": "long-enough-pw", "full_name": "A", "role": "agent"});
    let error = problem(app.post_json("/api/v1/admin/staff", &bad_role, Some(&admin)).await, 422).await;
    assert_eq!(error["errors"][0]["field"], "role");
}

#[tokio::test]
async fn a_service_account_gets_a_working_token_shown_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = json!({"name": "chatbot", "webhook_url": "https://bot.example.com/hooks"});
    let created = app.post_json("/api/v1/admin/service-accounts", &body, Some(&admin)).await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let token = created["token"].as_str().unwrap();
    assert!(token.starts_with("hsvc_"));
    assert!(created["webhook_secret"].as_str().unwrap().starts_with("whsec_"));

    // The token authenticates (a service is not an admin: 403), a made-up one does not (401).
    problem(admin_call(&app, token).await, 403).await;
    problem(admin_call(&app, "hsvc_made-up").await, 401).await;

    problem(app.post_json("/api/v1/admin/service-accounts", &body, Some(&admin)).await, 409).await;
    let bad = json!({"name": "other", "webhook_url": "ftp://example.com"});
    let error = problem(app.post_json("/api/v1/admin/service-accounts", &bad, Some(&admin)).await, 422).await;
    assert_eq!(error["errors"][0]["field"], "webhook_url");
}

/// On PostgreSQL the login budget is one for all instances: attempts on two instances add up.
#[tokio::test]
async fn the_login_limit_holds_across_instances() {
    if !std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("skipped: instances share a database only on PostgreSQL (set TEST_DATABASE_URL)");
        return;
    }
    let app = spawn_app_with(|s| s.login_attempts_per_minute = 3).await;
    let second_dir = tempfile::tempdir().unwrap();
    let mut settings = crate::helpers::test_settings(second_dir.path(), &app.database_url);
    settings.login_attempts_per_minute = 3;
    let second = handoff::startup::Application::build(settings).await.unwrap();
    let second_login = format!("http://127.0.0.1:{}/api/v1/auth/login", second.port());
    tokio::spawn(second.run_until_stopped());
    let wrong = json!({"email": app.admin_email, "password": "wrong-password"});

    assert_eq!(app.login(&app.admin_email, "wrong-password").await.status(), 401);
    for _ in 0..2 {
        let on_second = app.client.post(&second_login).json(&wrong).send().await.unwrap();
        assert_eq!(on_second.status(), 401);
    }
    let limited = app.login(&app.admin_email, "wrong-password").await;
    assert!(limited.headers().contains_key("retry-after"));
    problem(limited, 429).await;
    problem(app.client.post(&second_login).json(&wrong).send().await.unwrap(), 429).await;
}
