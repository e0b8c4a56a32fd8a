//! Who may call what: no credentials 401, the wrong role 403.

use serde_json::json;

use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn admin_endpoints_refuse_staff_and_services_with_403_and_strangers_with_401() {
    let app = spawn_app().await;
    let staff = app.staff_token("staff@example.com", "staff").await;
    let service = app.service_token("bot").await;
    let endpoints = [
        (
            "/api/v1/admin/staff",
            json!({"email": "n@example.com", "password": "long-enough-pw", "full_name": "N", "role": "staff"}),
        ),
        ("/api/v1/admin/service-accounts", json!({"name": "other-bot"})),
    ];
    for (path, body) in &endpoints {
        problem(app.post_json(path, body, Some(&staff)).await, 403).await;
        problem(app.post_json(path, body, Some(&service)).await, 403).await;
        problem(app.post_json(path, body, None).await, 401).await;
        problem(app.post_json(path, body, Some("garbage")).await, 401).await;
    }
    // A second admin created by the first may call them.
    let second_admin = app.staff_token("boss@example.com", "admin").await;
    assert_eq!(app.post_json(endpoints[1].0, &endpoints[1].1, Some(&second_admin)).await.status(), 201);
}

#[tokio::test]
async fn logout_needs_a_person_not_a_service() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    problem(app.post_json("/api/v1/auth/logout", &json!({}), Some(&service)).await, 403).await;
    problem(app.post_json("/api/v1/auth/logout", &json!({}), None).await, 401).await;
}

#[tokio::test]
async fn who_you_are_is_answered_before_anything_about_the_body() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    let broken = json!({"unexpected": true});
    // Authentication and role are checked first, whichever backend answers faster.
    problem(app.post_json("/api/v1/admin/staff", &broken, None).await, 401).await;
    problem(app.post_json("/api/v1/admin/staff", &broken, Some(&service)).await, 403).await;
    let admin = app.admin_token().await;
    problem(app.post_json("/api/v1/admin/staff", &broken, Some(&admin)).await, 400).await;
}
