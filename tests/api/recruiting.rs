//! The recruiting journey and its rules, over HTTP against a real server and database.

use serde_json::{Value, json};

use crate::helpers::{TestApp, problem, spawn_app};
use crate::mail;

pub fn application(email: &str) -> Value {
    json!({
        "email": email,
        "password": "applicant-password-1",
        "full_name": "Astrid Lind",
        "languages": [{"code": "sv", "level": "native"}, {"code": "en", "level": "fluent"}],
        "skills": [{"skill": "payments", "proficiency": 4}, {"skill": "fraud", "proficiency": 3}],
        "location": {"lat": 59.3293, "lon": 18.0686},
        "timezone": "Europe/Stockholm",
        "hourly_rate_minor": 22000,
        "per_conversation_minor": 1500,
        "currency": "SEK",
        "recruit_source": "student",
        "motivation": "I study economics and like solving problems."
    })
}

impl TestApp {
    /// Applies, confirms the email through the link in the mail, and returns the agent id.
    pub async fn verified_applicant(&self, email: &str) -> i64 {
        let response = self.post_json("/api/v1/agents", &application(email), None).await;
        assert_eq!(response.status(), 201);
        let id = response.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let mails = mail::wait_for(&self.data_dir.join("mail"), email, "Confirm your email", 1).await;
        let token = mail::verification_token(&mails[0]);
        let verified = self.post_json("/api/v1/agents/verify", &json!({"token": token}), None).await;
        assert_eq!(verified.status(), 200);
        id
    }

    /// An approved agent's access token.
    pub async fn active_agent_token(&self, email: &str) -> (i64, String) {
        let id = self.verified_applicant(email).await;
        let staff = self.admin_token().await;
        let approved = self.post_json(&format!("/api/v1/staff/recruits/{id}/approve"), &json!({}), Some(&staff)).await;
        assert_eq!(approved.status(), 200);
        let pair = self.login_ok(email, "applicant-password-1").await;
        (id, pair["access_token"].as_str().unwrap().to_string())
    }

    pub async fn get_json(&self, path: &str, token: &str) -> reqwest::Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.unwrap()
    }
}

#[tokio::test]
async fn an_applicant_applies_confirms_is_approved_and_logs_in() {
    let app = spawn_app().await;
    let email = "astrid@example.com";
    let applied = app.post_json("/api/v1/agents", &application(email), None).await;
    assert_eq!(applied.status(), 201);
    let applied: Value = applied.json().await.unwrap();
    assert_eq!(applied["status"], "pending_verification");
    let id = applied["id"].as_i64().unwrap();

    // Not before confirming the address.
    assert_eq!(app.login(email, "applicant-password-1").await.status(), 403);

    let mails = mail::wait_for(&app.data_dir.join("mail"), email, "Confirm your email", 1).await;
    assert!(mails[0].html.contains("/verify?token="), "the HTML part has the link too");
    let token = mail::verification_token(&mails[0]);
    assert!(mails[0].text.contains(&format!("{}/verify?token={token}", app.address)), "the link points at this server");

    let verified = app.post_json("/api/v1/agents/verify", &json!({"token": token}), None).await;
    assert_eq!(verified.status(), 200);
    assert_eq!(verified.json::<Value>().await.unwrap()["status"], "pending_review");
    problem(app.post_json("/api/v1/agents/verify", &json!({"token": token}), None).await, 409).await;

    let staff = app.staff_token("reviewer@example.com", "staff").await;
    let pending: Vec<Value> =
        app.get_json("/api/v1/staff/recruits?status=pending_review", &staff).await.json().await.unwrap();
    assert_eq!(pending.len(), 1);
    let recruit = &pending[0];
    assert_eq!(recruit["id"], id);
    assert_eq!(recruit["email"], email);
    assert_eq!(recruit["country"], "SE");
    assert_eq!(recruit["region"], "nordics");
    assert_eq!(recruit["languages"][0]["code"], "en");
    assert_eq!(recruit["recruit_source"], "student");
    let actions: Vec<&str> =
        recruit["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["applied", "email_verified"]);

    let approved = app
        .post_json(&format!("/api/v1/staff/recruits/{id}/approve"), &json!({"note": "Welcome!"}), Some(&staff))
        .await;
    assert_eq!(approved.status(), 200);
    assert_eq!(approved.json::<Value>().await.unwrap()["status"], "active");
    problem(app.post_json(&format!("/api/v1/staff/recruits/{id}/approve"), &json!({}), Some(&staff)).await, 409).await;

    let welcome = mail::wait_for(&app.data_dir.join("mail"), email, "approved", 1).await;
    assert!(welcome[0].text.contains("Welcome!") && welcome[0].text.contains("/login"));

    let pair = app.login_ok(email, "applicant-password-1").await;
    assert_eq!(pair["user"]["role"], "agent");
    let me: Value = app.get_json("/api/v1/me", pair["access_token"].as_str().unwrap()).await.json().await.unwrap();
    assert_eq!(me["status"], "active");
    assert_eq!(me["rates"]["hourly_rate_minor"], 22000);
    assert_eq!(me["rates"]["currency"], "SEK");
    assert_eq!(me["rating"]["count"], 0);
    assert_eq!(me["timezone"], "Europe/Stockholm");

    let detail: Value = app.get_json(&format!("/api/v1/staff/recruits/{id}"), &staff).await.json().await.unwrap();
    let last = detail["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["by"].as_str(), last["detail"].as_str()),
        (Some("approved"), Some("reviewer@example.com"), Some("Welcome!"))
    );
}

#[tokio::test]
async fn a_rejected_applicant_is_told_why_and_the_decision_is_kept() {
    let app = spawn_app().await;
    let id = app.verified_applicant("bo@example.com").await;
    let staff = app.admin_token().await;
    problem(
        app.post_json(&format!("/api/v1/staff/recruits/{id}/reject"), &json!({"reason": ""}), Some(&staff)).await,
        422,
    )
    .await;
    let rejected = app
        .post_json(
            &format!("/api/v1/staff/recruits/{id}/reject"),
            &json!({"reason": "We need German speakers"}),
            Some(&staff),
        )
        .await;
    assert_eq!(rejected.status(), 200);
    let mails = mail::wait_for(&app.data_dir.join("mail"), "bo@example.com", "Your Handoff application", 1).await;
    assert!(mails[0].text.contains("We need German speakers"));
    let detail: Value = app.get_json(&format!("/api/v1/staff/recruits/{id}"), &staff).await.json().await.unwrap();
    assert_eq!(detail["status"], "rejected");
    let last = detail["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["detail"], "We need German speakers");
    // A rejected applicant cannot be approved later by mistake.
    problem(app.post_json(&format!("/api/v1/staff/recruits/{id}/approve"), &json!({}), Some(&staff)).await, 409).await;
}

#[tokio::test]
async fn every_invalid_field_is_named_and_a_taken_email_is_409() {
    let app = spawn_app().await;
    let mut bad = application("not-an-email");
    bad["password"] = json!("short");
    bad["languages"] = json!([{"code": "xx", "level": "fluent"}]);
    bad["skills"] = json!([{"skill": "payments", "proficiency": 9}]);
    bad["location"] = json!({"lat": 120.0, "lon": 10.0});
    bad["timezone"] = json!("Europe/Atlantis");
    bad["currency"] = json!("XYZ");
    bad["hourly_rate_minor"] = json!(-5);
    bad["motivation"] = json!("");
    let errors = problem(app.post_json("/api/v1/agents", &bad, None).await, 422).await;
    let fields: Vec<&str> = errors["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(
        fields,
        [
            "currency",
            "email",
            "hourly_rate_minor",
            "languages[0].code",
            "location",
            "motivation",
            "password",
            "skills[0].proficiency",
            "timezone"
        ]
    );

    let mut unknown_skill = application("c@example.com");
    unknown_skill["skills"] = json!([{"skill": "juggling", "proficiency": 3}]);
    let errors = problem(app.post_json("/api/v1/agents", &unknown_skill, None).await, 422).await;
    assert_eq!(errors["errors"][0]["field"], "skills[0].skill");

    let mut bad_enum = application("d@example.com");
    bad_enum["recruit_source"] = json!("newspaper");
    let errors = problem(app.post_json("/api/v1/agents", &bad_enum, None).await, 422).await;
    assert_eq!(errors["errors"][0]["field"], "recruit_source");

    let mut missing = application("e@example.com");
    missing.as_object_mut().unwrap().remove("timezone");
    let errors = problem(app.post_json("/api/v1/agents", &missing, None).await, 400).await;
    assert_eq!(errors["errors"][0]["field"], "timezone");

    assert_eq!(app.post_json("/api/v1/agents", &application("f@example.com"), None).await.status(), 201);
    let taken = problem(app.post_json("/api/v1/agents", &application("F@example.com"), None).await, 409).await;
    assert_eq!(taken["detail"], "this email address cannot be used to apply");
    // The admin's address is taken too, and the answer is the same.
    let admin_taken = problem(app.post_json("/api/v1/agents", &application(&app.admin_email), None).await, 409).await;
    assert_eq!(admin_taken["detail"], taken["detail"]);
}

#[tokio::test]
async fn a_made_up_confirmation_token_is_refused_and_resend_reveals_nothing() {
    let app = spawn_app().await;
    let errors = problem(app.post_json("/api/v1/agents/verify", &json!({"token": "made-up"}), None).await, 422).await;
    assert_eq!(errors["errors"][0]["field"], "token");
    assert_eq!(app.post_json("/api/v1/agents", &application("g@example.com"), None).await.status(), 201);
    for email in ["g@example.com", "nobody@example.com"] {
        assert_eq!(app.post_json("/api/v1/agents/verify/resend", &json!({"email": email}), None).await.status(), 202);
    }
    let mails = mail::wait_for(&app.data_dir.join("mail"), "g@example.com", "Confirm your email", 2).await;
    assert_ne!(mail::verification_token(&mails[0]), mail::verification_token(&mails[1]));
}

#[tokio::test]
async fn agents_get_403_from_staff_endpoints() {
    let app = spawn_app().await;
    let (id, agent) = app.active_agent_token("agent@example.com").await;
    let gets = [
        "/api/v1/staff/recruits",
        &format!("/api/v1/staff/recruits/{id}"),
        "/api/v1/staff/skills",
        "/api/v1/staff/regions",
    ];
    for path in gets {
        problem(app.get_json(path, &agent).await, 403).await;
    }
    let posts = [
        (format!("/api/v1/staff/recruits/{id}/approve"), json!({})),
        (format!("/api/v1/staff/recruits/{id}/reject"), json!({"reason": "x"})),
        (format!("/api/v1/staff/agents/{id}/suspend"), json!({"reason": "x"})),
        (format!("/api/v1/staff/agents/{id}/reinstate"), json!({})),
        (format!("/api/v1/staff/agents/{id}/certifications"), json!({"skill": "fraud"})),
        ("/api/v1/staff/skills".to_string(), json!({"name": "x1", "requires_certification": false})),
        ("/api/v1/admin/staff".to_string(), json!({})),
    ];
    for (path, body) in &posts {
        problem(app.post_json(path, body, Some(&agent)).await, 403).await;
    }
    let put =
        app.client.put(app.url("/api/v1/staff/regions")).bearer_auth(&agent).json(&json!({})).send().await.unwrap();
    problem(put, 403).await;
    // And staff (not admin) may review but not change settings.
    let staff = app.staff_token("s@example.com", "staff").await;
    assert_eq!(app.get_json("/api/v1/staff/skills", &staff).await.status(), 200);
    problem(
        app.post_json("/api/v1/staff/skills", &json!({"name": "x1", "requires_certification": false}), Some(&staff))
            .await,
        403,
    )
    .await;
    problem(app.get_json("/api/v1/staff/regions", &staff).await, 403).await;
    // A staff member has no agent profile.
    problem(app.get_json("/api/v1/me", &staff).await, 403).await;
}

#[tokio::test]
async fn suspension_reinstatement_and_certification_follow_the_rules() {
    let app = spawn_app().await;
    let (id, _) = app.active_agent_token("h@example.com").await;
    let staff = app.staff_token("s@example.com", "staff").await;
    let suspend = format!("/api/v1/staff/agents/{id}/suspend");
    assert_eq!(app.post_json(&suspend, &json!({"reason": "Rude to a customer"}), Some(&staff)).await.status(), 200);
    problem(app.post_json(&suspend, &json!({"reason": "again"}), Some(&staff)).await, 409).await;
    let reinstate = format!("/api/v1/staff/agents/{id}/reinstate");
    assert_eq!(app.post_json(&reinstate, &json!({"note": "Talked it through"}), Some(&staff)).await.status(), 200);
    problem(app.post_json(&reinstate, &json!({}), Some(&staff)).await, 409).await;
    problem(app.post_json("/api/v1/staff/agents/999999/suspend", &json!({"reason": "x"}), Some(&staff)).await, 404)
        .await;

    let certify = format!("/api/v1/staff/agents/{id}/certifications");
    assert_eq!(app.post_json(&certify, &json!({"skill": "fraud"}), Some(&staff)).await.status(), 201);
    problem(app.post_json(&certify, &json!({"skill": "fraud"}), Some(&staff)).await, 409).await;
    problem(app.post_json(&certify, &json!({"skill": "payments"}), Some(&staff)).await, 422).await;
    problem(app.post_json(&certify, &json!({"skill": "juggling"}), Some(&staff)).await, 422).await;
    let detail: Value = app.get_json(&format!("/api/v1/staff/recruits/{id}"), &staff).await.json().await.unwrap();
    assert_eq!(detail["certifications"], json!(["fraud"]));
    let actions: Vec<&str> =
        detail["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["applied", "email_verified", "approved", "suspended", "reinstated", "certified"]);
}

#[tokio::test]
async fn the_skill_catalogue_starts_with_defaults_and_admins_extend_it() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let skills: Vec<Value> = app.get_json("/api/v1/staff/skills", &admin).await.json().await.unwrap();
    assert!(skills.iter().any(|s| s["name"] == "fraud" && s["requires_certification"] == true));
    assert!(skills.iter().any(|s| s["name"] == "payments" && s["requires_certification"] == false));
    let new = json!({"name": "crypto_assets", "requires_certification": true});
    assert_eq!(app.post_json("/api/v1/staff/skills", &new, Some(&admin)).await.status(), 201);
    problem(app.post_json("/api/v1/staff/skills", &new, Some(&admin)).await, 409).await;
    let errors = problem(
        app.post_json(
            "/api/v1/staff/skills",
            &json!({"name": "Bad Name", "requires_certification": false}),
            Some(&admin),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(errors["errors"][0]["field"], "name");
    // Applicants can now name it.
    let mut applying = application("i@example.com");
    applying["skills"] = json!([{"skill": "crypto_assets", "proficiency": 2}]);
    assert_eq!(app.post_json("/api/v1/agents", &applying, None).await.status(), 201);
}

#[tokio::test]
async fn agents_change_their_profile_and_a_move_places_them_again() {
    let app = spawn_app().await;
    let (_, agent) = app.active_agent_token("j@example.com").await;
    let changes = json!({"location": {"lat": 52.52, "lon": 13.405}, "timezone": "Europe/Berlin", "full_name": "J. Berliner",
        "languages": [{"code": "de", "level": "fluent"}], "skills": [{"skill": "refunds", "proficiency": 5}]});
    let response = app.client.patch(app.url("/api/v1/me")).bearer_auth(&agent).json(&changes).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let me: Value = response.json().await.unwrap();
    assert_eq!((me["country"].as_str(), me["region"].as_str()), (Some("DE"), Some("western_europe")));
    assert_eq!(me["timezone"], "Europe/Berlin");
    assert_eq!(me["full_name"], "J. Berliner");
    assert_eq!(me["languages"], json!([{"code": "de", "level": "fluent"}]));
    assert_eq!(me["skills"], json!([{"skill": "refunds", "proficiency": 5}]));
    let at_sea = json!({"location": {"lat": 30.0, "lon": -40.0}});
    let me: Value = app
        .client
        .patch(app.url("/api/v1/me"))
        .bearer_auth(&agent)
        .json(&at_sea)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((me["country"].clone(), me["region"].clone()), (Value::Null, Value::Null));
    let bad = json!({"timezone": "Nowhere/Town"});
    let errors =
        problem(app.client.patch(app.url("/api/v1/me")).bearer_auth(&agent).json(&bad).send().await.unwrap(), 422)
            .await;
    assert_eq!(errors["errors"][0]["field"], "timezone");
}

#[tokio::test]
async fn admins_replace_regions_and_agents_are_placed_again() {
    let app = spawn_app().await;
    let (id, _) = app.active_agent_token("k@example.com").await;
    let admin = app.admin_token().await;
    let current: Value = app.get_json("/api/v1/staff/regions", &admin).await.json().await.unwrap();
    assert_eq!(current["regions"]["type"], "FeatureCollection");
    assert!(current["regions"]["features"].as_array().unwrap().iter().any(|f| f["properties"]["name"] == "nordics"));

    let stockholm_box = json!({"type": "Polygon", "coordinates": [[[17.5, 59.0], [18.5, 59.0], [18.5, 59.6], [17.5, 59.6], [17.5, 59.0]]]});
    let document = json!({
        "regions": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "greater_stockholm"}, "geometry": stockholm_box},
            {"type": "Feature", "properties": {"name": "dach", "countries": ["DE", "AT", "CH"]}, "geometry": null}
        ]},
        "markets": {"SE": ["greater_stockholm"], "DE": ["dach"]}
    });
    let response =
        app.client.put(app.url("/api/v1/staff/regions")).bearer_auth(&admin).json(&document).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["agents_moved"], 1);
    let detail: Value = app.get_json(&format!("/api/v1/staff/recruits/{id}"), &admin).await.json().await.unwrap();
    assert_eq!(detail["region"], "greater_stockholm");
    let now: Value = app.get_json("/api/v1/staff/regions", &admin).await.json().await.unwrap();
    assert_eq!(now["markets"], json!({"DE": ["dach"], "SE": ["greater_stockholm"]}));

    let broken = json!({
        "regions": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "x", "countries": ["QQ"]}, "geometry": null},
            {"type": "Feature", "properties": {"name": "y"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}
        ]},
        "markets": {"ZZZ": ["x"], "SE": ["nowhere"]}
    });
    let response =
        app.client.put(app.url("/api/v1/staff/regions")).bearer_auth(&admin).json(&broken).send().await.unwrap();
    let errors = problem(response, 422).await;
    let fields: Vec<&str> = errors["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(
        fields,
        ["regions.features[0].properties.countries", "regions.features[1].geometry", "markets.SE", "markets.ZZZ"]
    );
}
