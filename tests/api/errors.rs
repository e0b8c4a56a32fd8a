//! Bad input gets a clear 4xx problem+json naming the field; never a 5xx.

use serde_json::json;

use crate::helpers::{problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    let body = problem(response, 400).await;
    assert!(body["detail"].as_str().unwrap().contains("not valid JSON"));
}

#[tokio::test]
async fn a_wrong_type_or_missing_field_is_400_naming_the_field() {
    let app = spawn_app().await;
    let wrong_type =
        problem(app.post_json("/api/v1/auth/login", &json!({"email": 5, "password": "x"}), None).await, 400).await;
    assert_eq!(wrong_type["errors"][0]["field"], "email");
    let missing = problem(app.post_json("/api/v1/auth/login", &json!({"email": "a@b.c"}), None).await, 400).await;
    assert_eq!(missing["errors"][0]["field"], "password");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = spawn_app().await;
    let response = app.client.post(app.url("/api/v1/auth/login")).body("email=a").send().await.unwrap();
    problem(response, 415).await;
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = spawn_app_with(|s| s.max_body_bytes = 4096).await;
    let huge = json!({"email": "a@b.c", "password": "x".repeat(10_000)});
    let body = problem(app.post_json("/api/v1/auth/login", &huge, None).await, 413).await;
    assert!(body["detail"].as_str().unwrap().contains("4096"));
}

#[tokio::test]
async fn unknown_api_paths_are_404_problems_and_unknown_pages_are_html() {
    let app = spawn_app().await;
    problem(app.client.get(app.url("/api/v1/nothing-here")).send().await.unwrap(), 404).await;
    let page = app.client.get(app.url("/nothing-here")).send().await.unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("Not found"));
}

#[tokio::test]
async fn a_known_path_with_another_method_is_405_naming_the_methods_it_takes() {
    let app = spawn_app().await;
    let response = app.client.delete(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET, PATCH");
    let body = problem(response, 405).await;
    assert_eq!(body["detail"], "this path takes GET, PATCH");
    let with_id = app.client.put(app.url("/api/v1/escalations/7/resolve")).send().await.unwrap();
    assert_eq!(with_id.headers()["allow"], "POST");
    problem(app.client.delete(app.url("/api/v1/nothing-here")).send().await.unwrap(), 404).await;
}
