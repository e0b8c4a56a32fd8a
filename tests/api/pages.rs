//! The browser login: CSRF-protected form, HttpOnly SameSite=Lax cookies, renewal from the
//! refresh cookie, logout.

use crate::helpers::{TestApp, spawn_app};

use crate::helpers::csrf_of as csrf_field;

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect()
}

fn cookie_value(cookies: &[String], name: &str) -> Option<String> {
    cookies
        .iter()
        .find_map(|c| c.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap().to_string()))
}

async fn login_page_token(app: &TestApp) -> String {
    let page = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let cookies = set_cookies(&page);
    let csrf_cookie = cookies.iter().find(|c| c.starts_with("handoff_csrf=")).expect("a CSRF cookie");
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"));
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<label for="email">"#) && html.contains(r#"<label for="password">"#));
    csrf_field(&html)
}

#[tokio::test]
async fn the_login_form_refuses_a_post_without_the_csrf_token() {
    let app = spawn_app().await;
    login_page_token(&app).await;
    let form = [("email", app.admin_email.as_str()), ("password", app.admin_password.as_str())];
    let response = app.client.post(app.url("/login")).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(set_cookies(&response).iter().all(|c| !c.starts_with("handoff_access=")));
    let wrong =
        [("email", app.admin_email.as_str()), ("password", app.admin_password.as_str()), ("csrf_token", "forged")];
    assert_eq!(app.client.post(app.url("/login")).form(&wrong).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn logging_in_through_the_form_sets_httponly_lax_cookies_and_logging_out_clears_them() {
    let app = spawn_app().await;
    let token = login_page_token(&app).await;

    let wrong = [("email", app.admin_email.as_str()), ("password", "nope-nope-nope"), ("csrf_token", token.as_str())];
    let refused = app.client.post(app.url("/login")).form(&wrong).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert!(refused.text().await.unwrap().contains("email or password is wrong"));

    // The admin's first login sets up a second factor: its last page (the recovery codes)
    // carries the session cookies and leads on to the operations page.
    let response = app.browser_login(&app.admin_email, &app.admin_password).await;
    assert_eq!(response.status(), 200);
    let cookies = set_cookies(&response);
    assert!(response.text().await.unwrap().contains(r#"id="continue" href="/staff""#));
    for name in ["handoff_access", "handoff_refresh"] {
        let cookie = cookies.iter().find(|c| c.starts_with(&format!("{name}="))).expect(name);
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
            "{cookie}"
        );
    }

    let home = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains(&app.admin_email), "the start page shows who is signed in");

    let logout_token = csrf_field(&home);
    let out = app.client.post(app.url("/logout")).form(&[("csrf_token", logout_token.as_str())]).send().await.unwrap();
    assert_eq!(out.status(), 303);
    let cleared = set_cookies(&out);
    assert!(cleared.iter().any(|c| c.starts_with("handoff_access=;") && c.contains("Max-Age=0")));
    let home = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(!home.contains(&app.admin_email));

    // The next login asks for a code only, then lands on the operations page.
    let again = app.browser_login(&app.admin_email, &app.admin_password).await;
    assert_eq!(again.status(), 303);
    assert_eq!(again.headers()["location"], "/staff", "staff land on the operations page");
    assert!(cookie_value(&set_cookies(&again), "handoff_access").is_some());
}

#[tokio::test]
async fn an_expired_browser_session_is_renewed_from_the_refresh_cookie() {
    let app = spawn_app().await;
    let login = app.browser_login(&app.admin_email, &app.admin_password).await;
    let refresh = cookie_value(&set_cookies(&login), "handoff_refresh").unwrap();

    // A browser whose access cookie has run out sends only the refresh cookie.
    let bare = reqwest::Client::new();
    let renewed = bare.get(app.url("/")).header("cookie", format!("handoff_refresh={refresh}")).send().await.unwrap();
    let cookies = set_cookies(&renewed);
    let new_refresh = cookie_value(&cookies, "handoff_refresh").expect("a rotated refresh cookie");
    assert!(cookie_value(&cookies, "handoff_access").is_some_and(|v| !v.is_empty()));
    assert_ne!(new_refresh, refresh);
    assert!(renewed.text().await.unwrap().contains(&app.admin_email));

    // A parallel request that raced with the same old cookie is not signed in, but it does not
    // count as theft: the rotated cookie keeps working.
    let raced = bare.get(app.url("/")).header("cookie", format!("handoff_refresh={refresh}")).send().await.unwrap();
    assert!(!raced.text().await.unwrap().contains(&app.admin_email));
    let later = bare.get(app.url("/")).header("cookie", format!("handoff_refresh={new_refresh}")).send().await.unwrap();
    assert!(later.text().await.unwrap().contains(&app.admin_email));
}

#[tokio::test]
async fn a_cookie_authenticated_api_call_must_repeat_the_csrf_token() {
    let app = spawn_app().await;
    assert_eq!(app.browser_login(&app.admin_email, &app.admin_password).await.status(), 200);
    let home = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    let token = csrf_field(&home);

    let body = serde_json::json!({"name": "bot"});
    let without = app.client.post(app.url("/api/v1/admin/service-accounts")).json(&body).send().await.unwrap();
    assert_eq!(without.status(), 403);
    let with = app
        .client
        .post(app.url("/api/v1/admin/service-accounts"))
        .header("x-csrf-token", &token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), 201);
}
