//! The second factor over the API: staff forced to enrol, logins completed with a TOTP code
//! computed here, replays and burnt challenges refused, recovery codes spent once, agents
//! opting in and out, an admin's reset. Both backends.

use serde_json::{Value, json};

use crate::authenticator::{code_at, now_s};
use crate::helpers::{TestApp, problem, spawn_app};

async fn login_answer(app: &TestApp, email: &str, password: &str) -> Value {
    let response = app.login(email, password).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn complete(app: &TestApp, challenge: &str, code: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/mfa", &json!({"challenge": challenge, "code": code}), None).await
}

/// Creates a staff member directly (no login yet) and returns their email.
async fn new_staff(app: &TestApp, email: &str) -> String {
    let admin = app.admin_token().await;
    let body = json!({"email": email, "password": "staff-password-1", "full_name": "Sam Staff", "role": "staff"});
    assert_eq!(app.post_json("/api/v1/admin/staff", &body, Some(&admin)).await.status(), 201);
    email.to_string()
}

#[tokio::test]
async fn staff_must_enrol_before_any_token_and_then_sign_in_with_a_code_used_once() {
    let app = spawn_app().await;
    let email = new_staff(&app, "ops@example.com").await;

    let asked = login_answer(&app, &email, "staff-password-1").await;
    assert_eq!(asked["mfa_required"], true);
    assert_eq!(asked["mfa_enrolment_required"], true);
    assert_eq!(asked["expires_in"], 300);
    assert!(asked.get("access_token").is_none(), "no tokens before the second factor: {asked}");
    let challenge = asked["challenge"].as_str().unwrap();

    // A code cannot complete an enrolment that has no secret yet.
    problem(complete(&app, challenge, "123456").await, 401).await;
    let enrolment: Value =
        app.post_json("/api/v1/auth/mfa/enrolment", &json!({"challenge": challenge}), None).await.json().await.unwrap();
    let secret = enrolment["secret"].as_str().unwrap().to_string();
    assert!(enrolment["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/Handoff:ops%40example.com?"));
    assert!(enrolment["qr_svg"].as_str().unwrap().starts_with("<svg"));

    let step = now_s() / 30;
    let code = code_at(&secret, step * 30);
    let done = complete(&app, challenge, &code).await;
    assert_eq!(done.status(), 200);
    let done: Value = done.json().await.unwrap();
    assert!(done["access_token"].is_string() && done["refresh_token"].is_string());
    let recovery: Vec<String> =
        done["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    assert_eq!(recovery.len(), 10);
    assert_eq!(app.get_json("/api/v1/staff/queue", done["access_token"].as_str().unwrap()).await.status(), 200);
    problem(complete(&app, challenge, &code).await, 401).await; // the challenge is spent

    // The next login asks for a code only; the code just used is a replay.
    let asked = login_answer(&app, &email, "staff-password-1").await;
    assert_eq!(asked["mfa_enrolment_required"], false);
    let challenge = asked["challenge"].as_str().unwrap();
    let replay = problem(complete(&app, challenge, &code).await, 401).await;
    assert!(replay["detail"].as_str().unwrap().contains("used already"), "{replay}");
    problem(complete(&app, challenge, "000000").await, 401).await;
    // The next step's code is accepted (one step of clock drift either side).
    let next = complete(&app, challenge, &code_at(&secret, (step + 1) * 30)).await;
    assert_eq!(next.status(), 200);
    let next: Value = next.json().await.unwrap();
    assert!(next.get("recovery_codes").is_none(), "recovery codes are shown only at enrolment");

    // A recovery code signs in once.
    let asked = login_answer(&app, &email, "staff-password-1").await;
    let challenge = asked["challenge"].as_str().unwrap();
    assert_eq!(complete(&app, challenge, &recovery[3].to_lowercase()).await.status(), 200);
    let asked = login_answer(&app, &email, "staff-password-1").await;
    problem(complete(&app, asked["challenge"].as_str().unwrap(), &recovery[3]).await, 401).await;

    let admin = app.admin_token().await;
    let events: Value = app.get_json("/api/v1/admin/security-events?limit=200", &admin).await.json().await.unwrap();
    let kinds: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for kind in ["mfa_enrolled", "mfa_failed", "recovery_code_used"] {
        assert!(kinds.contains(&kind), "{kind} is recorded: {kinds:?}");
    }
}

#[tokio::test]
async fn a_challenge_is_burnt_after_five_wrong_codes_and_expires_unused() {
    let app = spawn_app().await;
    let email = new_staff(&app, "ops@example.com").await;
    app.login_ok(&email, "staff-password-1").await; // enrols
    let secret = app.authenticator.secret(&email).unwrap();

    let asked = login_answer(&app, &email, "staff-password-1").await;
    let challenge = asked["challenge"].as_str().unwrap();
    for _ in 0..5 {
        problem(complete(&app, challenge, "000000").await, 401).await;
    }
    let burnt = problem(complete(&app, challenge, &code_at(&secret, now_s() + 30)).await, 401).await;
    assert!(burnt["detail"].as_str().unwrap().contains("expired"), "{burnt}");
    problem(complete(&app, "made-up-challenge", "123456").await, 401).await;
}

#[tokio::test]
async fn agents_sign_in_with_a_password_alone_until_they_add_a_second_factor_and_may_remove_it() {
    let app = spawn_app().await;
    let (_, agent) = app.active_agent_token("ada@example.com").await;
    let status: Value = app.get_json("/api/v1/me/mfa", &agent).await.json().await.unwrap();
    assert_eq!(status, json!({"enrolled": false, "required": false, "recovery_codes_left": 0}));

    let enrolment: Value = app.post_json("/api/v1/me/mfa", &json!({}), Some(&agent)).await.json().await.unwrap();
    let secret = enrolment["secret"].as_str().unwrap().to_string();
    app.authenticator.remember("ada@example.com", &secret);
    let wrong =
        problem(app.post_json("/api/v1/me/mfa/confirm", &json!({"code": "000000"}), Some(&agent)).await, 422).await;
    assert_eq!(wrong["errors"][0]["field"], "code", "{wrong}");
    let code = app.authenticator.code("ada@example.com").await;
    let confirmed = app.post_json("/api/v1/me/mfa/confirm", &json!({"code": code}), Some(&agent)).await;
    assert_eq!(confirmed.status(), 200);
    let confirmed: Value = confirmed.json().await.unwrap();
    assert_eq!(confirmed["recovery_codes"].as_array().unwrap().len(), 10);
    assert_eq!(app.post_json("/api/v1/me/mfa", &json!({}), Some(&agent)).await.status(), 409);

    // Now the agent's login asks for a code (and never for an enrolment).
    let asked = login_answer(&app, "ada@example.com", "applicant-password-1").await;
    assert_eq!((asked["mfa_required"].clone(), asked["mfa_enrolment_required"].clone()), (json!(true), json!(false)));
    let pair = app.login_ok("ada@example.com", "applicant-password-1").await;
    let agent = pair["access_token"].as_str().unwrap().to_string();

    // A recovery code works wherever a code is asked for.
    let recovery = confirmed["recovery_codes"][0].as_str().unwrap();
    assert_eq!(app.post_json("/api/v1/me/mfa/remove", &json!({"code": recovery}), Some(&agent)).await.status(), 204);
    let asked = login_answer(&app, "ada@example.com", "applicant-password-1").await;
    assert!(asked["access_token"].is_string(), "a password alone again: {asked}");

    // Staff cannot remove theirs.
    let staff = app.staff_token("sam@example.com", "staff").await;
    let code = app.authenticator.code("sam@example.com").await;
    problem(app.post_json("/api/v1/me/mfa/remove", &json!({"code": code}), Some(&staff)).await, 403).await;
}

#[tokio::test]
async fn an_admin_reset_ends_the_logins_and_the_staff_member_enrols_again() {
    let app = spawn_app().await;
    let email = new_staff(&app, "sam@example.com").await;
    let pair = app.login_ok(&email, "staff-password-1").await;
    let (staff, id) = (pair["access_token"].as_str().unwrap().to_string(), pair["user"]["id"].as_i64().unwrap());
    assert_eq!(app.get_json("/api/v1/staff/queue", &staff).await.status(), 200);
    let admin = app.admin_token().await;

    let reset = app.client.delete(app.url(&format!("/api/v1/admin/users/{id}/mfa"))).bearer_auth(&admin).send();
    assert_eq!(reset.await.unwrap().status(), 204);
    problem(app.get_json("/api/v1/staff/queue", &staff).await, 401).await;
    let again = app.client.delete(app.url(&format!("/api/v1/admin/users/{id}/mfa"))).bearer_auth(&admin).send();
    problem(again.await.unwrap(), 404).await;
    let asked = login_answer(&app, "sam@example.com", "staff-password-1").await;
    assert_eq!(asked["mfa_enrolment_required"], true);
}
