//! Dispatch over HTTP: intake, offers, cascades, widening, backlog, idempotency, concurrency.
//! Time-based steps run the ticker's function with a chosen clock (no sleeping).

use chrono::{Duration, Utc};
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem, spawn_app, spawn_app_with};
use crate::recruiting::application;

/// An approved agent, online, with the given skills and Swedish level.
pub async fn online_agent(app: &TestApp, email: &str, payments: i32, swedish: &str) -> (i64, String) {
    let mut body = application(email);
    body["skills"] = json!([{"skill": "payments", "proficiency": payments}, {"skill": "refunds", "proficiency": 3}]);
    body["languages"] = json!([{"code": "sv", "level": swedish}]);
    let id = {
        let response = app.post_json("/api/v1/agents", &body, None).await;
        assert_eq!(response.status(), 201);
        response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    };
    let mails = crate::mail::wait_for(&app.data_dir.join("mail"), email, "Confirm your email", 1).await;
    let token = crate::mail::verification_token(&mails[0]);
    assert_eq!(app.post_json("/api/v1/agents/verify", &json!({"token": token}), None).await.status(), 200);
    let admin = app.admin_token().await;
    assert_eq!(
        app.post_json(&format!("/api/v1/staff/recruits/{id}/approve"), &json!({}), Some(&admin)).await.status(),
        200
    );
    let access = app.login_ok(email, "applicant-password-1").await["access_token"].as_str().unwrap().to_string();
    go(app, &access, "online").await;
    (id, access)
}

pub async fn go(app: &TestApp, token: &str, status: &str) {
    let response = app
        .client
        .put(app.url("/api/v1/me/presence"))
        .bearer_auth(token)
        .json(&json!({"status": status}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

pub fn escalation(external_id: &str) -> Value {
    json!({
        "external_id": external_id, "language": "sv", "market": "SE", "required_skills": ["payments"],
        "priority": "normal", "sensitive": false, "reason": "customer_request", "summary": "Card payment failed twice",
        "transcript": [{"from": "customer", "text": "I want a human", "at": "2026-11-28T10:00:00Z"}]
    })
}

pub async fn escalate(app: &TestApp, service: &str, body: &Value) -> Value {
    let response = app.post_json("/api/v1/escalations", body, Some(service)).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

pub async fn offers_of(app: &TestApp, token: &str) -> Vec<Value> {
    let response = app.get_json("/api/v1/me/offers", token).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("offers: {status} {text}"))
}

/// A POST whose future owns its request (so many can run at once).
fn send(
    app: &TestApp,
    path: &str,
    body: &Value,
    token: &str,
) -> impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + use<> {
    app.client.post(app.url(path)).bearer_auth(token).json(body).send()
}

async fn tick_at(app: &TestApp, at: chrono::DateTime<Utc>) {
    let db = app.db();
    db.write(move |conn| {
        handoff::dispatch::queue::tick(conn, at, &handoff::dispatch::Dispatcher::new(Duration::seconds(3600)))
    })
    .await
    .unwrap();
}

pub fn events(view: &Value) -> Vec<String> {
    view["timeline"].as_array().unwrap().iter().map(|t| t["event"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_best_agent_is_offered_first_and_accepting_assigns_with_an_explanation() {
    let app = spawn_app().await;
    let (strong, strong_token) = online_agent(&app, "strong@example.com", 5, "native").await;
    let (_, weak_token) = online_agent(&app, "weak@example.com", 2, "fluent").await;
    let service = app.service_token("bot").await;

    let created = escalate(&app, &service, &escalation("conv-1")).await;
    assert_eq!(created["state"], "offered");
    assert!(created["eta_seconds"].as_i64().unwrap() <= 60, "someone is free: the wait is one accept");
    assert!(offers_of(&app, &weak_token).await.is_empty());
    let offers = offers_of(&app, &strong_token).await;
    assert_eq!(offers.len(), 1);
    let why = &offers[0]["why"];
    let sum: f64 = why["factors"].as_object().unwrap().values().map(|v| v.as_f64().unwrap()).sum();
    assert!((sum - why["score"].as_f64().unwrap()).abs() < 0.01, "the factors add up to the score");
    assert_eq!(offers[0]["summary"], "Card payment failed twice");

    let accepted =
        app.post_json(&format!("/api/v1/offers/{}/accept", offers[0]["id"]), &json!({}), Some(&strong_token)).await;
    assert_eq!(accepted.status(), 200);
    let shown: Value =
        app.get_json(&format!("/api/v1/escalations/{}", created["id"]), &service).await.json().await.unwrap();
    assert_eq!(shown["state"], "assigned");
    assert_eq!(shown["assigned_agent"]["id"], strong);
    assert_eq!(shown["assigned_agent"]["display_name"], "Astrid L.");
    assert_eq!(shown["match"]["agent_id"], strong);
    assert!(shown["match"]["factors"]["skill"].as_f64().unwrap() > 0.0);
    assert_eq!(events(&shown), ["created", "offered", "assigned"]);
    problem(
        app.post_json(&format!("/api/v1/offers/{}/accept", offers[0]["id"]), &json!({}), Some(&strong_token)).await,
        409,
    )
    .await;
    let mine: Vec<Value> =
        app.get_json("/api/v1/me/escalations?state=assigned", &strong_token).await.json().await.unwrap();
    assert_eq!(mine.len(), 1);
}

#[tokio::test]
async fn a_decline_goes_to_the_next_best_at_once_and_then_the_queue() {
    let app = spawn_app().await;
    let (_, first) = online_agent(&app, "first@example.com", 5, "native").await;
    let (_, second) = online_agent(&app, "second@example.com", 3, "native").await;
    let service = app.service_token("bot").await;
    let created = escalate(&app, &service, &escalation("conv-2")).await;
    let offer = offers_of(&app, &first).await[0]["id"].clone();
    let declined =
        app.post_json(&format!("/api/v1/offers/{offer}/decline"), &json!({"reason": "on a break"}), Some(&first)).await;
    assert_eq!(declined.status(), 200);
    let next = offers_of(&app, &second).await;
    assert_eq!(next.len(), 1, "the next best has it at once");
    assert!(offers_of(&app, &first).await.is_empty(), "not offered again to who declined");
    app.post_json(&format!("/api/v1/offers/{}/decline", next[0]["id"]), &json!({}), Some(&second)).await;
    let shown: Value =
        app.get_json(&format!("/api/v1/escalations/{}", created["id"]), &service).await.json().await.unwrap();
    assert_eq!(shown["state"], "queued");
    assert_eq!(shown["queue_position"], 1);
    assert_eq!(events(&shown), ["created", "offered", "declined", "offered", "declined"]);
}

#[tokio::test]
async fn a_missed_offer_times_out_to_the_next_agent_and_repeated_misses_set_away() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut settings: Value = app.get_json("/api/v1/staff/matching", &admin).await.json().await.unwrap();
    settings["missed_offers_to_away"] = json!(1);
    let saved =
        app.client.put(app.url("/api/v1/staff/matching")).bearer_auth(&admin).json(&settings).send().await.unwrap();
    assert_eq!(saved.status(), 200);

    let (_, sleepy) = online_agent(&app, "sleepy@example.com", 5, "native").await;
    let (_, awake) = online_agent(&app, "awake@example.com", 3, "native").await;
    let service = app.service_token("bot").await;
    let created = escalate(&app, &service, &escalation("conv-3")).await;
    let missed = offers_of(&app, &sleepy).await[0]["id"].clone();

    tick_at(&app, Utc::now() + Duration::seconds(10)).await;
    assert_eq!(offers_of(&app, &sleepy).await.len(), 1, "10 s is within the 20 s timeout");
    tick_at(&app, Utc::now() + Duration::seconds(21)).await;
    assert!(offers_of(&app, &sleepy).await.is_empty());
    assert_eq!(offers_of(&app, &awake).await.len(), 1, "the next agent has it");
    let me: Value = app.get_json("/api/v1/me", &sleepy).await.json().await.unwrap();
    assert_eq!((me["presence"].as_str(), me["presence_reason"].as_str()), (Some("away"), Some("missed_offers")));
    let late =
        problem(app.post_json(&format!("/api/v1/offers/{missed}/accept"), &json!({}), Some(&sleepy)).await, 409).await;
    assert_eq!(late["detail"], "this offer is expired already");
    let shown: Value =
        app.get_json(&format!("/api/v1/escalations/{}", created["id"]), &service).await.json().await.unwrap();
    assert_eq!(events(&shown), ["created", "offered", "expired", "offered"]);
}

#[tokio::test]
async fn a_waiting_escalation_widens_to_a_conversational_speaker_after_the_configured_wait() {
    let app = spawn_app().await;
    let (_, learner_token) = online_agent(&app, "learner@example.com", 4, "conversational").await;
    let service = app.service_token("bot").await;
    let created = escalate(&app, &service, &escalation("conv-4")).await;
    assert_eq!(created["state"], "queued", "fluent Swedish is needed at first");
    assert!(created["eta_seconds"].as_i64().unwrap() > 60);
    tick_at(&app, Utc::now() + Duration::seconds(30)).await;
    assert!(offers_of(&app, &learner_token).await.is_empty());
    tick_at(&app, Utc::now() + Duration::seconds(61)).await;
    let offers = offers_of(&app, &learner_token).await;
    assert_eq!(offers.len(), 1);
    let shown: Value =
        app.get_json(&format!("/api/v1/escalations/{}", created["id"]), &service).await.json().await.unwrap();
    assert_eq!(events(&shown), ["created", "widened", "offered"]);
    assert!(shown["timeline"][1]["detail"].as_str().unwrap().contains("language_level"));
}

#[tokio::test]
async fn an_arriving_agent_takes_the_most_urgent_then_the_oldest_waiting_work() {
    let app = spawn_app().await;
    let (_, agent) = online_agent(&app, "late@example.com", 4, "native").await;
    go(&app, &agent, "offline").await;
    let service = app.service_token("bot").await;
    let first = escalate(&app, &service, &escalation("old")).await;
    let _second = escalate(&app, &service, &escalation("newer")).await;
    let mut urgent_body = escalation("urgent");
    urgent_body["priority"] = json!("urgent");
    let urgent = escalate(&app, &service, &urgent_body).await;
    assert_eq!(urgent["queue_position"], 1, "urgent goes to the front");
    assert_eq!(first["state"], "queued");

    go(&app, &agent, "online").await;
    let offers = offers_of(&app, &agent).await;
    assert_eq!(offers.len(), 1, "capacity 1: one offer");
    assert_eq!(offers[0]["escalation_id"], urgent["id"]);
    app.post_json(&format!("/api/v1/offers/{}/decline", offers[0]["id"]), &json!({}), Some(&agent)).await;
    let offers = offers_of(&app, &agent).await;
    assert_eq!(offers[0]["escalation_id"], first["id"], "then the oldest");
}

#[tokio::test]
async fn replays_return_the_same_escalation_even_when_concurrent() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    let created = escalate(&app, &service, &escalation("same")).await;
    let again = app.post_json("/api/v1/escalations", &escalation("same"), Some(&service)).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], created["id"]);

    let keyed = |external: &str| {
        app.client
            .post(app.url("/api/v1/escalations"))
            .bearer_auth(&service)
            .header("Idempotency-Key", "key-1")
            .json(&escalation(external))
    };
    let first = keyed("a").send().await.unwrap();
    assert_eq!(first.status(), 201);
    let repeat = keyed("b").send().await.unwrap();
    assert_eq!(repeat.status(), 200, "the key identifies the request");

    let replies = join_all((0..20).map(|_| send(&app, "/api/v1/escalations", &escalation("racing"), &service))).await;
    let mut ids = vec![];
    let mut created_count = 0;
    for reply in replies {
        let reply = reply.unwrap();
        let status = reply.status().as_u16();
        assert!(status == 200 || status == 201, "{status}");
        created_count += usize::from(status == 201);
        ids.push(reply.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    assert_eq!(created_count, 1);
    ids.dedup();
    assert_eq!(ids.len(), 1);
}

#[tokio::test]
async fn sensitive_escalations_go_only_to_well_rated_agents() {
    let app = spawn_app().await;
    let (poor, poor_token) = online_agent(&app, "poor@example.com", 5, "native").await;
    let (_, new_token) = online_agent(&app, "new@example.com", 2, "fluent").await;
    let db = app.db();
    db.write(move |conn| {
        use diesel::prelude::*;
        use handoff::db::schema::agents;
        diesel::update(agents::table.find(poor))
            .set((agents::rating_sum.eq(20i64), agents::rating_count.eq(10i64)))
            .execute(conn)?;
        Ok(())
    })
    .await
    .unwrap();
    let service = app.service_token("bot").await;
    let mut body = escalation("fragile");
    body["sensitive"] = json!(true);
    escalate(&app, &service, &body).await;
    assert!(offers_of(&app, &poor_token).await.is_empty(), "a 2.7 smoothed rating is below the 4.0 floor");
    assert_eq!(offers_of(&app, &new_token).await.len(), 1, "a new agent sits at the prior");
}

#[tokio::test]
async fn the_customer_leaving_withdraws_the_offer_and_only_services_escalate() {
    let app = spawn_app().await;
    let (_, agent) = online_agent(&app, "c@example.com", 4, "native").await;
    let service = app.service_token("bot").await;
    let other_service = app.service_token("other-bot").await;
    let created = escalate(&app, &service, &escalation("leaving")).await;
    problem(
        app.post_json(&format!("/api/v1/escalations/{}/cancel", created["id"]), &json!({}), Some(&other_service)).await,
        403,
    )
    .await;
    problem(app.get_json(&format!("/api/v1/escalations/{}", created["id"]), &other_service).await, 403).await;
    problem(app.get_json(&format!("/api/v1/escalations/{}", created["id"]), &agent).await, 403).await;
    let cancelled =
        app.post_json(&format!("/api/v1/escalations/{}/cancel", created["id"]), &json!({}), Some(&service)).await;
    assert_eq!(cancelled.status(), 200);
    assert_eq!(cancelled.json::<Value>().await.unwrap()["state"], "abandoned");
    assert!(offers_of(&app, &agent).await.is_empty());
    problem(
        app.post_json(&format!("/api/v1/escalations/{}/cancel", created["id"]), &json!({}), Some(&service)).await,
        409,
    )
    .await;

    problem(app.post_json("/api/v1/escalations", &escalation("x"), Some(&agent)).await, 403).await;
    let staff = app.staff_token("s@example.com", "staff").await;
    problem(app.post_json("/api/v1/escalations", &escalation("x"), Some(&staff)).await, 403).await;
    problem(app.post_json("/api/v1/escalations", &escalation("x"), None).await, 401).await;
    let mut bad = escalation("y");
    bad["language"] = json!("xx");
    bad["market"] = json!("ZZ");
    bad["priority"] = json!("asap");
    let errors = problem(app.post_json("/api/v1/escalations", &bad, Some(&service)).await, 422).await;
    assert_eq!(errors["errors"][0]["field"], "priority");
    bad["priority"] = json!("high");
    bad["required_skills"] = json!(["juggling"]);
    let errors = problem(app.post_json("/api/v1/escalations", &bad, Some(&service)).await, 422).await;
    let fields: Vec<&str> = errors["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["language", "market"]);
}

#[tokio::test]
async fn hundreds_of_escalations_and_accepts_at_once_never_over_assign() {
    let app = spawn_app().await;
    let mut agents = vec![];
    for i in 0..3 {
        let (id, token) = online_agent(&app, &format!("busy{i}@example.com"), 4, "native").await;
        let capacity = app
            .client
            .put(app.url("/api/v1/me/capacity"))
            .bearer_auth(&token)
            .json(&json!({"max_concurrent": 2}))
            .send()
            .await
            .unwrap();
        assert_eq!(capacity.status(), 200);
        agents.push((id, token));
    }
    let service = app.service_token("bot").await;
    let escalations =
        join_all((0..120).map(|i| send(&app, "/api/v1/escalations", &escalation(&format!("load-{i}")), &service)))
            .await;
    assert!(escalations.iter().all(|r| r.as_ref().unwrap().status() == 201));
    // Every agent tries to accept everything it is offered, all at once, several rounds.
    for _ in 0..4 {
        let mut attempts = vec![];
        for (_, token) in &agents {
            for offer in offers_of(&app, token).await {
                let path = format!("/api/v1/offers/{}/accept", offer["id"]);
                attempts.push(send(&app, &path, &json!({}), token));
                attempts.push(send(&app, &path, &json!({}), token));
            }
        }
        for reply in join_all(attempts).await {
            let reply = reply.unwrap();
            assert!(reply.status() == 200 || reply.status() == 409, "{}", reply.status());
        }
        tick_at(&app, Utc::now()).await;
    }
    let db = app.db();
    let (loads, per_escalation) = db
        .read(|conn| {
            use diesel::prelude::*;
            use handoff::db::schema::{agents, escalations, offers};
            let loads: Vec<(i64, i32, i32)> = agents::table
                .select((agents::user_id, agents::active_conversations, agents::max_concurrent))
                .load(conn)?;
            let assigned: Vec<Option<i64>> = escalations::table
                .filter(escalations::state.eq("assigned"))
                .select(escalations::assigned_agent_id)
                .load(conn)?;
            let accepted: Vec<i64> =
                offers::table.filter(offers::state.eq("accepted")).select(offers::escalation_id).load(conn)?;
            Ok((loads, (assigned, accepted)))
        })
        .await
        .unwrap();
    let (assigned, accepted) = per_escalation;
    for (id, active, max) in &loads {
        assert!(active <= max, "agent {id} holds {active} of {max}");
        let holding = assigned.iter().filter(|a| **a == Some(*id)).count() as i32;
        assert_eq!(holding, *active, "the load counter matches the assignments");
    }
    assert_eq!(assigned.len(), 6, "three agents with room for two each");
    let mut unique = accepted.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), accepted.len(), "no escalation was accepted twice");
}

#[tokio::test]
async fn an_agent_who_steps_away_loses_the_offer_to_the_next_agent() {
    let app = spawn_app().await;
    let (_, leaving) = online_agent(&app, "leaving@example.com", 5, "native").await;
    let (_, staying) = online_agent(&app, "staying@example.com", 3, "native").await;
    let service = app.service_token("bot").await;
    let created = escalate(&app, &service, &escalation("handover")).await;
    assert_eq!(offers_of(&app, &leaving).await.len(), 1);
    go(&app, &leaving, "offline").await;
    assert!(offers_of(&app, &leaving).await.is_empty());
    assert_eq!(offers_of(&app, &staying).await.len(), 1, "re-dispatched at once");
    let shown: Value =
        app.get_json(&format!("/api/v1/escalations/{}", created["id"]), &service).await.json().await.unwrap();
    assert_eq!(events(&shown), ["created", "offered", "withdrawn", "offered"]);
    let staff = app.staff_token("s@example.com", "staff").await;
    let roster: Vec<Value> = app.get_json("/api/v1/staff/agents?presence=online", &staff).await.json().await.unwrap();
    assert_eq!(roster.len(), 1);
    assert_eq!((roster[0]["pending_offers"].as_i64(), roster[0]["free_capacity"].as_i64()), (Some(1), Some(0)));
}

#[tokio::test]
async fn matching_settings_are_validated_and_only_for_admins() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let staff = app.staff_token("s@example.com", "staff").await;
    let current: Value = app.get_json("/api/v1/staff/matching", &admin).await.json().await.unwrap();
    assert_eq!(current["offer_timeout_s"], 20);
    assert_eq!(current["missed_offers_to_away"], 3);
    problem(app.get_json("/api/v1/staff/matching", &staff).await, 403).await;
    let mut bad = current.clone();
    bad["offer_timeout_s"] = json!(1);
    bad["weights"]["skill"] = json!(-1.0);
    bad["ladder"] = json!([{"after_s": 120, "relax": "proximity"}, {"after_s": 60, "relax": "language_level"}]);
    let response =
        app.client.put(app.url("/api/v1/staff/matching")).bearer_auth(&admin).json(&bad).send().await.unwrap();
    let errors = problem(response, 422).await;
    let fields: Vec<&str> = errors["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["weights.skill", "offer_timeout_s", "ladder"]);
}

#[tokio::test]
async fn a_skill_change_applies_to_the_very_next_escalation() {
    // Dispatch keeps agents' skills in memory (dispatch::profiles); a change must reach it at once.
    let app = spawn_app().await;
    let (_, token) = online_agent(&app, "changing@example.com", 5, "native").await;
    let service = app.service_token("bot").await;
    let first = escalate(&app, &service, &escalation("before-change")).await;
    assert_eq!(first["state"], "offered", "the cache now holds the agent with payments");
    let offer = offers_of(&app, &token).await[0]["id"].clone();
    let declined = app.post_json(&format!("/api/v1/offers/{offer}/decline"), &json!({}), Some(&token)).await;
    assert_eq!(declined.status(), 200);

    let change = json!({"skills": [{"skill": "refunds", "proficiency": 4}]});
    let response = app.client.patch(app.url("/api/v1/me")).bearer_auth(&token).json(&change).send().await.unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let payments = escalate(&app, &service, &escalation("needs-payments")).await;
    assert_eq!(payments["state"], "queued", "the agent no longer has payments");
    let mut refunds_body = escalation("needs-refunds");
    refunds_body["required_skills"] = json!(["refunds"]);
    let refunds = escalate(&app, &service, &refunds_body).await;
    assert_eq!(refunds["state"], "offered");
    let offers = offers_of(&app, &token).await;
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0]["escalation_id"], refunds["id"]);
}

#[tokio::test]
async fn raising_capacity_offers_waiting_work_before_the_answer_without_the_ticker() {
    // No clock passes: only the commit of the capacity change can bring the offer.
    let app = crate::helpers::spawn_app_with(|s| s.clock_tickers = false).await;
    let (_, token) = online_agent(&app, "busy@example.com", 5, "native").await;
    let service = app.service_token("bot").await;
    escalate(&app, &service, &escalation("first")).await;
    let first = offers_of(&app, &token).await;
    let accepted = app.post_json(&format!("/api/v1/offers/{}/accept", first[0]["id"]), &json!({}), Some(&token)).await;
    assert_eq!(accepted.status(), 200);
    let waiting = escalate(&app, &service, &escalation("second")).await;
    assert_eq!(waiting["state"], "queued", "capacity 1, and it is taken");

    let raised = app.client.put(app.url("/api/v1/me/capacity")).bearer_auth(&token).json(&json!({"max_concurrent": 2}));
    assert_eq!(raised.send().await.unwrap().status(), 200);
    let offers = offers_of(&app, &token).await;
    assert_eq!(offers.len(), 1, "the answer to the capacity change comes after the pass that offered the work");
    assert_eq!(offers[0]["escalation_id"], waiting["id"]);
}

/// The dispatcher keeps the free agents between passes: it reads again only the agents named
/// in changes, and everyone once its last full read is a second old.
#[tokio::test]
async fn the_dispatcher_reads_again_only_changed_agents_and_everyone_each_second() {
    use handoff::dispatch::{Dispatcher, candidates};
    use handoff::ids::AgentId;
    use handoff::realtime::bus::ChangedAgents;

    let app = spawn_app_with(|s| s.clock_tickers = false).await;
    let (id, _) = online_agent(&app, "kept@example.com", 4, "native").await;
    let agent = AgentId(id);
    let kept = Dispatcher::new(Duration::seconds(45));
    let db = app.db();
    let now = Utc::now();
    let ids_at = move |at: chrono::DateTime<Utc>, changed: ChangedAgents| {
        let kept = kept.clone();
        let db = db.clone();
        async move {
            db.read(move |conn| candidates::load(conn, at, &kept, Some(&changed)))
                .await
                .unwrap()
                .iter()
                .map(|c| c.agent_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids_at(now, ChangedAgents::Only(vec![])).await, [agent], "the first read reads everyone");
    // The agent fills up behind the dispatcher's back (no change noted to it).
    app.db().write(move |conn| Ok(handoff::models::agent::set_max_concurrent(conn, agent, 0)?)).await.unwrap();
    assert_eq!(ids_at(now, ChangedAgents::Only(vec![])).await, [agent], "unchanged agents come from memory");
    assert!(ids_at(now, ChangedAgents::Only(vec![agent])).await.is_empty(), "a changed agent is read again");
    app.db().write(move |conn| Ok(handoff::models::agent::set_max_concurrent(conn, agent, 2)?)).await.unwrap();
    assert!(ids_at(now, ChangedAgents::Only(vec![])).await.is_empty());
    let later = now + Duration::milliseconds(1500);
    assert_eq!(ids_at(later, ChangedAgents::Only(vec![])).await, [agent], "a second on, everyone is read again");
    assert!(ids_at(later, ChangedAgents::Everyone).await.contains(&agent));
}

/// The dispatcher keeps the waiting queue between passes, in queue order: it reads again only
/// the escalations named in changes, the whole queue once its last full read is a second old,
/// and with a queue longer than a pass looks at, exactly the head (an urgent arrival pushes the
/// last one out; departures that leave the head half empty read the queue again).
#[tokio::test]
async fn the_dispatcher_keeps_the_head_of_the_queue_and_reads_again_only_changed_escalations() {
    use handoff::dispatch::Dispatcher;
    use handoff::ids::EscalationId;
    use handoff::realtime::bus::ChangedEscalations;

    // No agent is online: everything escalated stays queued.
    let app = spawn_app_with(|s| s.clock_tickers = false).await;
    let service = app.service_token("bot").await;
    let kept = Dispatcher::new(Duration::seconds(45));
    let db = app.db();
    let now = Utc::now();
    let queue_at = move |at: chrono::DateTime<Utc>, changed: Vec<EscalationId>, limit: usize| {
        let (kept, db) = (kept.clone(), db.clone());
        async move {
            let changed = ChangedEscalations::Only(changed);
            let rows = db.read(move |conn| kept.queue.read(conn, at, &changed, limit)).await.unwrap();
            rows.iter().map(|e| e.external_id.clone()).collect::<Vec<_>>()
        }
    };
    let id_of = |view: &Value| EscalationId(view["id"].as_i64().unwrap());
    let a = escalate(&app, &service, &escalation("a")).await;
    assert_eq!(queue_at(now, vec![], 10).await, ["a"], "the first read reads the queue");
    let b = escalate(&app, &service, &escalation("b")).await;
    assert_eq!(queue_at(now, vec![], 10).await, ["a"], "unchanged, the queue comes from memory");
    assert_eq!(queue_at(now, vec![id_of(&b)], 10).await, ["a", "b"], "an arrival named in a change is read");
    let cancel = format!("/api/v1/escalations/{}/cancel", a["id"]);
    assert_eq!(app.post_json(&cancel, &json!({}), Some(&service)).await.status(), 200);
    assert_eq!(queue_at(now, vec![id_of(&a)], 10).await, ["b"], "a departure named in a change leaves");

    // A head of two: "b" and "c" are kept, "d" arrives behind the horizon and is not.
    let later = now + Duration::milliseconds(1500);
    escalate(&app, &service, &escalation("c")).await;
    assert_eq!(queue_at(later, vec![], 2).await, ["b", "c"], "a second on, the queue is read again");
    let d = escalate(&app, &service, &escalation("d")).await;
    assert_eq!(queue_at(later, vec![id_of(&d)], 2).await, ["b", "c"], "behind the head");
    let mut urgent = escalation("e");
    urgent["priority"] = json!("urgent");
    let e = escalate(&app, &service, &urgent).await;
    assert_eq!(queue_at(later, vec![id_of(&e)], 2).await, ["e", "b"], "an urgent arrival takes the head");
    for gone in [&e, &b] {
        let cancel = format!("/api/v1/escalations/{}/cancel", gone["id"]);
        assert_eq!(app.post_json(&cancel, &json!({}), Some(&service)).await.status(), 200);
    }
    assert_eq!(
        queue_at(later, vec![id_of(&e), id_of(&b)], 2).await,
        ["c", "d"],
        "a drained head reads the queue again, behind the old horizon too"
    );
}
