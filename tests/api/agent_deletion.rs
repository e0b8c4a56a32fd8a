//! Deleting an agent account on request: personal fields anonymised, logins ended, pay records
//! exact (the payroll of a past period is the same but for the name and email). Both backends.

use serde_json::Value;

use crate::helpers::{problem, spawn_app_with};

#[tokio::test]
async fn a_deleted_agent_is_anonymised_and_their_pay_stays_exact() {
    let app = spawn_app_with(|s| s.clock_tickers = false).await;
    let asa = crate::payroll_pages::morning(&app).await;
    let admin = app.admin_token().await;
    let path = "/api/v1/staff/payroll.csv?from=2026-10-25&to=2026-10-25";
    let before = app.get_json(path, &admin).await.text().await.unwrap();
    assert!(before.contains("Åsa Öberg,asa@example.com,SEK,3600,1800,1,11000,1500,12500,125.00"), "{before}");

    let staff = app.staff_token("sam@example.com", "staff").await;
    let delete = format!("/api/v1/staff/agents/{asa}/anonymise");
    let deleted = app.post_json(&delete, &serde_json::json!({}), Some(&staff)).await;
    assert_eq!(deleted.status(), 200);
    assert_eq!(app.post_json(&delete, &serde_json::json!({}), Some(&staff)).await.status(), 200, "idempotent");

    let after = app.get_json(path, &admin).await.text().await.unwrap();
    let placeholder =
        format!("Deleted agent {asa},deleted-{asa}@deleted.invalid,SEK,3600,1800,1,11000,1500,12500,125.00");
    assert!(after.contains(&placeholder), "the same pay under the placeholder: {after}");
    assert!(!after.contains("asa@example.com") && !after.contains("Åsa"));
    assert_eq!(before.lines().count(), after.lines().count());

    let recruit: Value = app.get_json(&format!("/api/v1/staff/recruits/{asa}"), &staff).await.json().await.unwrap();
    assert_eq!(recruit["status"], "deleted");
    assert_eq!((recruit["motivation"].as_str(), recruit["country"].as_str()), (Some(""), None));
    problem(app.login("asa@example.com", "applicant-password-1").await, 401).await;
    problem(app.post_json("/api/v1/staff/agents/999999/anonymise", &serde_json::json!({}), Some(&staff)).await, 404)
        .await;
}

#[tokio::test]
async fn staff_delete_an_account_from_the_recruits_page_after_confirming() {
    let app = spawn_app_with(|s| s.clock_tickers = false).await;
    let (id, _) = app.active_agent_token("leaving@example.com").await;
    let staff = app.staff_token("sam@example.com", "staff").await;
    assert_eq!(app.browser_login("sam@example.com", "staff-password-1").await.status(), 303);
    let html = app.client.get(app.url("/staff/recruits?status=active")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!(r#"id="delete-{id}""#)) && html.contains(&format!(r#"id="confirm-delete-{id}""#)));
    let csrf = crate::helpers::csrf_of(&html);
    let action = app.url(&format!("/staff/recruits/{id}/delete"));
    let unconfirmed = app.client.post(&action).form(&[("csrf_token", csrf.as_str()), ("back_to", "active")]).send();
    assert_eq!(unconfirmed.await.unwrap().status(), 422, "not without the box ticked");
    let confirmed = [("csrf_token", csrf.as_str()), ("back_to", "active"), ("confirm", "yes")];
    let done = app.client.post(&action).form(&confirmed).send().await.unwrap();
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "/staff/recruits?status=active&done=deleted");
    let recruit: Value = app.get_json(&format!("/api/v1/staff/recruits/{id}"), &staff).await.json().await.unwrap();
    assert_eq!(
        (recruit["status"].as_str(), recruit["email"].as_str()),
        (Some("deleted"), Some(format!("deleted-{id}@deleted.invalid").as_str()))
    );
}
