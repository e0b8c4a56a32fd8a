use crate::helpers::spawn_app;

#[tokio::test]
async fn health_and_readiness_answer_ok() {
    let app = spawn_app().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<serde_json::Value>().await.unwrap()["status"], "ready");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/login")).send().await.unwrap();
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
}

#[tokio::test]
async fn the_openapi_document_describes_every_v1_endpoint_and_the_docs_are_served_locally() {
    let app = spawn_app().await;
    let document: serde_json::Value =
        app.client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/admin/staff", "post"),
        ("/api/v1/admin/service-accounts", "post"),
        ("/api/v1/agents", "post"),
        ("/api/v1/agents/verify", "post"),
        ("/api/v1/agents/verify/resend", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/me", "patch"),
        ("/api/v1/staff/recruits", "get"),
        ("/api/v1/staff/recruits/{id}", "get"),
        ("/api/v1/staff/recruits/{id}/approve", "post"),
        ("/api/v1/staff/recruits/{id}/reject", "post"),
        ("/api/v1/staff/agents/{id}/suspend", "post"),
        ("/api/v1/staff/agents/{id}/reinstate", "post"),
        ("/api/v1/staff/agents/{id}/certifications", "post"),
        ("/api/v1/staff/skills", "get"),
        ("/api/v1/staff/skills", "post"),
        ("/api/v1/staff/regions", "get"),
        ("/api/v1/staff/regions", "put"),
        ("/api/v1/me/availability", "get"),
        ("/api/v1/me/availability", "put"),
        ("/api/v1/me/presence", "put"),
        ("/api/v1/me/heartbeat", "post"),
        ("/api/v1/me/capacity", "put"),
        ("/api/v1/me/rates", "put"),
        ("/api/v1/me/rates", "get"),
        ("/api/v1/staff/pay-bands", "get"),
        ("/api/v1/staff/pay-bands", "put"),
        ("/api/v1/staff/agents", "get"),
        ("/api/v1/escalations", "post"),
        ("/api/v1/escalations/{id}", "get"),
        ("/api/v1/escalations/{id}/cancel", "post"),
        ("/api/v1/me/offers", "get"),
        ("/api/v1/offers/{id}/accept", "post"),
        ("/api/v1/offers/{id}/decline", "post"),
        ("/api/v1/me/escalations", "get"),
        ("/api/v1/staff/matching", "get"),
        ("/api/v1/staff/matching", "put"),
        ("/api/v1/escalations/{id}/messages", "post"),
        ("/api/v1/escalations/{id}/messages", "get"),
        ("/api/v1/escalations/{id}/resolve", "post"),
        ("/api/v1/escalations/{id}/transfer", "post"),
        ("/api/v1/escalations/{id}/rating", "post"),
        ("/api/v1/staff/webhooks", "get"),
        ("/api/v1/me/events", "get"),
        ("/api/v1/staff/escalations/first-reply-overdue", "get"),
        ("/api/v1/staff/payroll.csv", "get"),
        ("/api/v1/me/statement.csv", "get"),
        ("/api/v1/staff/queue", "get"),
        ("/api/v1/staff/metrics", "get"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} is documented");
    }
    // Query parameters are documented as such (a path parameter must appear in the path), and
    // errors as problem+json.
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let (name, place) = (parameter["name"].as_str().unwrap(), parameter["in"].as_str().unwrap());
                let in_template = path.contains(&format!("{{{name}}}"));
                assert_eq!(place == "path", in_template, "{method} {path}: `{name}` is documented in {place}");
            }
            let default = &operation["responses"]["default"]["content"];
            assert!(default.get("application/problem+json").is_some(), "{method} {path} has a problem default");
        }
    }
    let docs = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let page = docs.text().await.unwrap();
    assert!(!page.contains("cdn") && !page.contains("unpkg"), "Swagger UI loads nothing from a CDN");
    let initializer = app.client.get(app.url("/api/docs/swagger-initializer.js")).send().await.unwrap();
    assert_eq!(initializer.status(), 200);
    assert!(initializer.text().await.unwrap().contains("/api/openapi.json"));
}
