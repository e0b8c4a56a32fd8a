//! The account page over plain HTTP: an agent turns a second factor on (QR page, a wrong code
//! shown again with the same QR code, recovery codes), renews the codes, turns it off; staff
//! cannot turn theirs off; a password change needs the current one and signs out everywhere.

use crate::helpers::{TestApp, csrf_of, spawn_app, value_of_input};

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn post(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let response = app.client.post(app.url(path)).form(fields).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn secret_on(html: &str) -> String {
    html.split(r#"id="mfa-secret" class="secret">"#).nth(1).unwrap().split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn an_agent_turns_a_second_factor_on_renews_the_codes_and_turns_it_off() {
    let app = spawn_app().await;
    app.active_agent_token("ada@example.com").await;
    assert_eq!(app.browser_login("ada@example.com", "applicant-password-1").await.status(), 303);
    let (status, html) = page(&app, "/account").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"id="mfa-status">Off."#), "{html}");
    let csrf = csrf_of(&html);

    let (status, enrol) = post(&app, "/account/mfa/enrol", &[("csrf_token", &csrf)]).await;
    assert_eq!(status, 200);
    assert!(enrol.contains("<svg") && enrol.contains(r#"action="/account/mfa/confirm""#));
    let secret = secret_on(&enrol);
    app.authenticator.remember("ada@example.com", &secret);
    let (status, again) = post(&app, "/account/mfa/confirm", &[("csrf_token", &csrf), ("code", "000000")]).await;
    assert_eq!(status, 422);
    assert!(again.contains("That code is not right.") && secret_on(&again) == secret, "the same QR code again");

    let code = app.authenticator.code("ada@example.com").await;
    let (status, codes) = post(&app, "/account/mfa/confirm", &[("csrf_token", &csrf), ("code", &code)]).await;
    assert_eq!(status, 200);
    assert_eq!(codes.matches("<li><code>").count(), 10);
    let first_code = codes.split("<li><code>").nth(1).unwrap().split('<').next().unwrap().to_string();
    let (_, html) = page(&app, "/account").await;
    assert!(html.contains("10 of 10 recovery codes left") && html.contains(r#"id="remove-mfa""#), "{html}");

    let (status, renewed) =
        post(&app, "/account/mfa/recovery-codes", &[("csrf_token", &csrf), ("code", &first_code)]).await;
    assert_eq!(status, 200, "a recovery code unlocks new ones");
    assert_eq!(renewed.matches("<li><code>").count(), 10);
    assert!(!renewed.contains(&first_code));

    let renewed_code = renewed.split("<li><code>").nth(1).unwrap().split('<').next().unwrap().to_string();
    let (status, off) = post(&app, "/account/mfa/remove", &[("csrf_token", &csrf), ("code", &renewed_code)]).await;
    assert_eq!(status, 200);
    assert!(off.contains("Your second factor is off.") && off.contains(r#"id="mfa-status">Off."#));
    let (status, _) = post(&app, "/account/mfa/remove", &[("csrf_token", "forged"), ("code", "1")]).await;
    assert_eq!(status, 403, "CSRF is checked");
}

#[tokio::test]
async fn staff_keep_their_second_factor_and_a_password_change_signs_out_everywhere() {
    let app = spawn_app().await;
    let api_token = app.admin_token().await;
    app.browser_login(&app.admin_email, &app.admin_password).await;
    let (_, html) = page(&app, "/account").await;
    assert!(html.contains("Staff accounts must keep a second factor") && !html.contains(r#"id="remove-mfa""#));
    let csrf = csrf_of(&html);

    let wrong = [
        ("csrf_token", csrf.as_str()),
        ("current_password", "not-it-at-all"),
        ("new_password", "a brand new password"),
        ("confirm", "a brand new password"),
    ];
    let (status, refused) = post(&app, "/account/password", &wrong).await;
    assert_eq!(status, 422);
    assert!(refused.contains("The current password is not your current password."), "{refused}");
    let differ = [
        ("csrf_token", csrf.as_str()),
        ("current_password", app.admin_password.as_str()),
        ("new_password", "a brand new password"),
        ("confirm", "another new password"),
    ];
    assert!(post(&app, "/account/password", &differ).await.1.contains("the two new passwords differ"));

    let right = [
        ("csrf_token", csrf.as_str()),
        ("current_password", app.admin_password.as_str()),
        ("new_password", "a brand new password"),
        ("confirm", "a brand new password"),
    ];
    let response = app.client.post(app.url("/account/password")).form(&right).send().await.unwrap();
    assert_eq!((response.status().as_u16(), response.headers()["location"].to_str().unwrap()), (303, "/login"));
    assert_eq!(app.get_json("/api/v1/staff/queue", &api_token).await.status(), 401, "every login has ended");
    assert!(value_of_input(&page(&app, "/login").await.1, "csrf_token").is_some());
    let asked = app.login(&app.admin_email, "a brand new password").await;
    assert_eq!(asked.status(), 200, "the new password works (and still asks for the code)");
}
