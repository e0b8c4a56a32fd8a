//! /staff/settings over HTTP: admins change matching, pay bands, skills and market rules with
//! the API's validation, every change is audited and listed; staff only look.

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};
use crate::payroll_pages::staff_in_browser_session;
use crate::recruiting_pages::csrf_of;

async fn settings_page(app: &TestApp) -> String {
    let response = app.client.get(app.url("/staff/settings")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// Every field of the matching form as the page rendered it, with some replaced.
fn matching_form(html: &str, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let form = html.split(r#"action="/staff/settings/matching""#).nth(1).unwrap().split("</form>").next().unwrap();
    let mut fields: Vec<(String, String)> = Vec::new();
    for input in form.split("<input").skip(1) {
        let attribute =
            |name: &str| input.split(&format!(r#"{name}=""#)).nth(1).map(|r| r.split('"').next().unwrap().to_string());
        if let (Some(name), Some(value)) = (attribute("name"), attribute("value")) {
            fields.push((name, value));
        }
    }
    for select in form.split("<select").skip(1) {
        let name = select.split(r#"name=""#).nth(1).unwrap().split('"').next().unwrap().to_string();
        let chosen =
            select.split("<option").find(|o| o.contains(" selected")).or_else(|| select.split("<option").nth(1));
        let value = chosen.and_then(|o| o.split(r#"value=""#).nth(1)).map(|v| v.split('"').next().unwrap().to_string());
        fields.push((name, value.unwrap_or_default()));
    }
    for (name, value) in changes {
        fields.retain(|(n, _)| n != name);
        fields.push((name.to_string(), value.to_string()));
    }
    fields
}

async fn post(app: &TestApp, path: &str, fields: &[(String, String)]) -> (u16, String) {
    let response = app.client.post(app.url(path)).form(fields).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn admins_tune_matching_pay_bands_skills_and_markets_and_each_change_is_audited() {
    let app = spawn_app().await;
    staff_in_browser_session(&app).await;
    let html = settings_page(&app).await;
    for label in
        [r#"for="weights.skill""#, r#"for="offer_timeout_s""#, r#"for="ladder_0_relax""#, r#"for="skill-name""#]
    {
        assert!(html.contains(label), "labelled: {label}");
    }
    let csrf = csrf_of(&html);

    // Matching: a wrong timeout is refused beside its field and nothing is saved.
    let (status, page) =
        post(&app, "/staff/settings/matching", &matching_form(&html, &[("offer_timeout_s", "2")])).await;
    assert_eq!(status, 422);
    assert!(page.contains("must be between 5 and 600 seconds"));
    let form = matching_form(&html, &[("offer_timeout_s", "30"), ("weights.cost", "3.5"), ("ladder_2_relax", "")]);
    assert_eq!(post(&app, "/staff/settings/matching", &form).await.0, 303);
    let admin = app.admin_token().await;
    let matching: Value = app.get_json("/api/v1/staff/matching", &admin).await.json().await.unwrap();
    assert_eq!(matching["offer_timeout_s"], 30);
    assert_eq!(matching["weights"]["cost"], 3.5);
    assert_eq!(matching["ladder"].as_array().unwrap().len(), 2, "the emptied third step is gone");

    // Pay bands in major units; min above max is refused.
    let band = |min: &str, max: &str| {
        owned(&[
            ("csrf_token", &csrf),
            ("band_rows", "1"),
            ("band_0_skill", "payments"),
            ("band_0_currency", "sek"),
            ("band_0_min_hourly", min),
            ("band_0_max_hourly", max),
            ("band_0_min_conversation", "10"),
            ("band_0_max_conversation", "20.50"),
        ])
    };
    assert_eq!(post(&app, "/staff/settings/pay-bands", &band("300", "150")).await.0, 422);
    assert_eq!(post(&app, "/staff/settings/pay-bands", &band("150.00", "300")).await.0, 303);
    let bands: Value = app.get_json("/api/v1/staff/pay-bands", &admin).await.json().await.unwrap();
    assert_eq!(bands["bands"][0]["min_hourly_minor"], 15000);
    assert_eq!(bands["bands"][0]["max_per_conversation_minor"], 2050);
    assert_eq!(bands["bands"][0]["currency"], "SEK");

    // A new skill, and the same one again.
    let skill = owned(&[("csrf_token", &csrf), ("name", "crypto_assets"), ("requires_certification", "on")]);
    assert_eq!(post(&app, "/staff/settings/skills", &skill).await.0, 303);
    let (status, page) = post(&app, "/staff/settings/skills", &skill).await;
    assert_eq!(status, 422);
    assert!(page.contains("exists already"));

    // Sweden may be served from the Nordics only.
    let markets = owned(&[
        ("csrf_token", &csrf),
        ("market_rows", "1"),
        ("market_0_code", "se"),
        ("market_0_region_nordics", "on"),
    ]);
    assert_eq!(post(&app, "/staff/settings/markets", &markets).await.0, 303);
    let regions: Value = app.get_json("/api/v1/staff/regions", &admin).await.json().await.unwrap();
    assert_eq!(regions["markets"]["SE"], serde_json::json!(["nordics"]));
    let bad_market = owned(&[("csrf_token", &csrf), ("market_rows", "1"), ("market_0_code", "S1")]);
    assert_eq!(post(&app, "/staff/settings/markets", &bad_market).await.0, 422);

    let html = settings_page(&app).await;
    let changes = html.split(r#"id="changes""#).nth(1).unwrap();
    for action in ["matching changed", "pay bands replaced", "skill added", "regions replaced"] {
        assert!(changes.contains(action), "{action} is listed with who did it");
    }
    assert!(changes.contains(&app.admin_email));
    assert_eq!(changes.matches("matching changed").count(), 1, "refused changes leave no entry");
}

#[tokio::test]
async fn staff_see_settings_but_cannot_change_them_and_forms_need_csrf() {
    let app = spawn_app().await;
    app.staff_token("sam@example.com", "staff").await;
    assert_eq!(app.browser_login("sam@example.com", "staff-password-1").await.status(), 303);
    let html = settings_page(&app).await;
    assert!(html.contains("Only admins can change these.") && html.contains("<fieldset disabled>"));
    assert!(!html.contains(r#"id="save-matching""#));
    let csrf = csrf_of(&html);
    let skill = owned(&[("csrf_token", &csrf), ("name", "sneaky")]);
    assert_eq!(post(&app, "/staff/settings/skills", &skill).await.0, 403);

    let admin_app = spawn_app().await;
    staff_in_browser_session(&admin_app).await;
    let forged = owned(&[("csrf_token", "not-the-token"), ("name", "forged")]);
    assert_eq!(post(&admin_app, "/staff/settings/skills", &forged).await.0, 403);
}
