//! Security events: what happened to accounts, for admins, filtered by kind and account.

use serde_json::{Value, json};

use crate::helpers::{problem, spawn_app};

fn kinds(events: &Value) -> Vec<String> {
    events.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn admins_see_sign_ins_failures_logouts_and_status_changes_and_others_do_not() {
    let app = spawn_app().await;
    let (id, agent) = app.active_agent_token("watched@example.com").await;
    assert_eq!(app.login("stuffing@example.com", "guess-guess-guess").await.status(), 401);
    assert_eq!(app.login("watched@example.com", "wrong-password!").await.status(), 401);
    assert_eq!(app.post_json("/api/v1/auth/logout", &json!({}), Some(&agent)).await.status(), 204);
    let staff = app.staff_token("s@example.com", "staff").await;
    let suspend = format!("/api/v1/staff/agents/{id}/suspend");
    assert_eq!(app.post_json(&suspend, &json!({"reason": "Shared login"}), Some(&staff)).await.status(), 200);

    let admin = app.admin_token().await;
    let all: Value = app.get_json("/api/v1/admin/security-events", &admin).await.json().await.unwrap();
    let seen = kinds(&all);
    for kind in ["login_succeeded", "login_failed", "logout", "status_changed", "staff_created"] {
        assert!(seen.contains(&kind.to_string()), "{kind} in {seen:?}");
    }
    let failed: Value =
        app.get_json("/api/v1/admin/security-events?kind=login_failed", &admin).await.json().await.unwrap();
    let emails: Vec<&str> = failed.as_array().unwrap().iter().map(|e| e["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["watched@example.com", "stuffing@example.com"], "newest first, the typed email kept");
    assert!(failed[0]["client_ip"].as_str().is_some_and(|ip| ip.starts_with("127.")));

    let about: Value = app
        .get_json(&format!("/api/v1/admin/security-events?user_id={id}&limit=500"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(about.as_array().unwrap().iter().all(|e| e["user_id"] == id));
    let changed = about.as_array().unwrap().iter().find(|e| e["kind"] == "status_changed").unwrap();
    assert_eq!(changed["detail"], "active → suspended");
    let newest = about[0]["id"].as_i64().unwrap();
    let older: Value = app
        .get_json(&format!("/api/v1/admin/security-events?user_id={id}&before_id={newest}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(older.as_array().unwrap().len(), about.as_array().unwrap().len() - 1, "pages on by id");

    let wrong = problem(app.get_json("/api/v1/admin/security-events?kind=whatever", &admin).await, 422).await;
    assert_eq!(wrong["errors"][0]["field"], "kind");
    problem(app.get_json("/api/v1/admin/security-events", &staff).await, 403).await;

    let page = app.client.get(app.url("/staff/security?kind=login_failed")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"security-events\"") && html.contains("stuffing@example.com"));
    let refused = app.client.get(app.url("/staff/security")).bearer_auth(&staff).send().await.unwrap();
    assert_eq!(refused.status(), 403);
}
