//! The quality loop over HTTP: paid wrap-up holding capacity, first-contact marks from a
//! returning customer, scorecards, reviews and disputes, tiers, and every automated decision
//! explained to the agent and reviewable by a person.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::conversation::accept_first;
use crate::dispatch::{escalate, escalation, offers_of, online_agent};
use crate::helpers::{TestApp, problem, spawn_app};
use crate::payroll::{csv_of, read_csv};

pub async fn put(app: &TestApp, path: &str, body: &Value, token: &str) -> reqwest::Response {
    app.client.put(app.url(path)).bearer_auth(token).json(body).send().await.unwrap()
}

async fn tick_at(app: &TestApp, at: chrono::DateTime<Utc>) {
    let db = app.db();
    db.write(move |conn| {
        handoff::dispatch::queue::tick(conn, at, &handoff::dispatch::Dispatcher::new(Duration::seconds(3600)))
    })
    .await
    .unwrap();
}

pub async fn resolve(app: &TestApp, agent: &str, id: i64) {
    let done = app
        .post_json(&format!("/api/v1/escalations/{id}/resolve"), &json!({"disposition": "solved"}), Some(agent))
        .await;
    assert_eq!(done.status(), 200, "{}", done.text().await.unwrap());
}

/// An escalation accepted by `agent`; its id.
pub async fn taken(app: &TestApp, service: &str, agent: &str, body: &Value) -> i64 {
    let id = escalate(app, service, body).await["id"].as_i64().unwrap();
    accept_first(app, agent).await;
    id
}

#[tokio::test]
async fn wrap_up_holds_capacity_until_finished_is_paid_and_shows_in_the_detail_export() {
    let app = spawn_app().await;
    let (_, agent) = online_agent(&app, "wrapper@example.com", 4, "native").await;
    let service = app.service_token("bot").await;
    let first = taken(&app, &service, &agent, &escalation("wrap-1")).await;
    resolve(&app, &agent, first).await;

    escalate(&app, &service, &escalation("wrap-2")).await;
    assert!(offers_of(&app, &agent).await.is_empty(), "capacity is held during wrap-up");
    let path = format!("/api/v1/escalations/{first}/wrap-up");
    let wrong = problem(app.post_json(&path, &json!({"disposition": "made_up"}), Some(&agent)).await, 422).await;
    assert_eq!(wrong["errors"][0]["field"], "disposition");
    let stranger = app.active_agent_token("stranger@example.com").await.1;
    problem(app.post_json(&path, &json!({"disposition": "solved"}), Some(&stranger)).await, 403).await;

    let done = app
        .post_json(
            &path,
            &json!({"disposition": "refund_issued", "notes": "card 4111 1111 1111 1111 refunded"}),
            Some(&agent),
        )
        .await;
    assert_eq!(done.status(), 200);
    let done: Value = done.json().await.unwrap();
    assert_eq!(done["disposition"], "refund_issued");
    assert!(!done["notes"].as_str().unwrap().contains("4111 1111"), "notes are redacted like every text");
    assert!(done["wrap_up_seconds"].as_i64().unwrap() >= 0);
    problem(app.post_json(&path, &json!({"disposition": "solved"}), Some(&agent)).await, 409).await;
    assert_eq!(offers_of(&app, &agent).await.len(), 1, "finishing wrap-up frees the capacity for the next");

    let shown: Value = app.get_json(&format!("/api/v1/escalations/{first}"), &service).await.json().await.unwrap();
    let last = shown["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["event"].as_str(), last["detail"].as_str()), (Some("wrapped_up"), Some("refund_issued")));
    let stored = app
        .db()
        .read(move |conn| {
            Ok(handoff::models::escalation::find(conn, handoff::ids::EscalationId(first))?.unwrap().disposition)
        })
        .await
        .unwrap();
    assert_eq!(stored.as_deref(), Some("refund_issued"), "the wrap-up disposition is the reported one");

    let admin = app.admin_token().await;
    let today = Utc::now().date_naive();
    let detail = csv_of(&app, &format!("/api/v1/staff/payroll.csv?from={today}&to={today}&detail=true"), &admin).await;
    let header = detail.lines().next().unwrap();
    assert!(header.ends_with(",multiplier,boost_pay_minor,conversation_engaged_seconds,wrap_up_seconds"), "{header}");
    let rows = read_csv(&detail);
    let conversation = rows.iter().find(|r| r["kind"] == "conversation").expect("a conversation line");
    assert_eq!(conversation["escalation_ids"], first.to_string());
    assert!(conversation["wrap_up_seconds"].parse::<i64>().unwrap() >= 0);
    assert!(rows.iter().filter(|r| r["kind"] != "conversation").all(|r| r["wrap_up_seconds"].is_empty()));
}

#[tokio::test]
async fn a_wrap_up_ends_by_itself_at_the_maximum_and_pay_stops_there() {
    let app = spawn_app().await;
    let (agent_id, agent) = online_agent(&app, "slowwrap@example.com", 4, "native").await;
    let service = app.service_token("bot").await;
    let first = taken(&app, &service, &agent, &escalation("auto-1")).await;
    resolve(&app, &agent, first).await;
    escalate(&app, &service, &escalation("auto-2")).await;
    tick_at(&app, Utc::now() + Duration::seconds(60)).await;
    assert!(offers_of(&app, &agent).await.is_empty(), "a minute into the two-minute maximum");
    tick_at(&app, Utc::now() + Duration::seconds(125)).await;
    assert_eq!(offers_of(&app, &agent).await.len(), 1, "past the maximum the capacity is free");
    let late = app
        .post_json(&format!("/api/v1/escalations/{first}/wrap-up"), &json!({"disposition": "solved"}), Some(&agent))
        .await;
    assert_eq!(
        problem(late, 409).await["detail"],
        "this conversation is not in wrap-up (finished, or its time ran out)"
    );
    let (resolved, ended) = app
        .db()
        .read(move |conn| {
            use diesel::prelude::*;
            use handoff::db::schema::assignments;
            Ok(assignments::table
                .filter(assignments::agent_id.eq(agent_id))
                .filter(assignments::escalation_id.eq(first))
                .select((assignments::resolved_at.assume_not_null(), assignments::ended_at.assume_not_null()))
                .first::<(chrono::NaiveDateTime, chrono::NaiveDateTime)>(conn)?)
        })
        .await
        .unwrap();
    assert_eq!((ended - resolved).num_seconds(), 120, "paid wrap-up stops at the maximum, not at the late tick");
}

#[tokio::test]
async fn a_returning_customer_marks_the_earlier_resolution_and_the_agent_can_have_it_reviewed() {
    let app = spawn_app().await;
    let (_, agent) = online_agent(&app, "fcr@example.com", 4, "native").await;
    let service = app.service_token("bot").await;
    let mut body = escalation("fcr-1");
    body["customer_ref"] = json!("customer-42");
    let first = taken(&app, &service, &agent, &body).await;
    resolve(&app, &agent, first).await;
    body["external_id"] = json!("fcr-2");
    escalate(&app, &service, &body).await;

    let decisions: Vec<Value> = app.get_json("/api/v1/me/decisions", &agent).await.json().await.unwrap();
    let mark = decisions.iter().find(|d| d["kind"] == "first_contact").expect("a first-contact decision");
    assert_eq!(mark["escalation_id"], first);
    assert!(mark["explanation"].as_str().unwrap().contains("not resolved on first contact"));
    assert_eq!(mark["inputs"]["window_h"], 72);
    assert!(decisions.iter().any(|d| d["kind"] == "offer" && d["explanation"].as_str().unwrap().contains("Why you")));

    let id = mark["id"].as_str().unwrap();
    let path = format!("/api/v1/me/decisions/{id}/review");
    let asked = app.post_json(&path, &json!({"reason": "they came back about a different card"}), Some(&agent)).await;
    assert_eq!(asked.status(), 201);
    let asked: Value = asked.json().await.unwrap();
    problem(app.post_json(&path, &json!({"reason": "again"}), Some(&agent)).await, 409).await;
    let other = app.active_agent_token("other@example.com").await.1;
    problem(app.post_json(&path, &json!({"reason": "not mine"}), Some(&other)).await, 404).await;
    let bad =
        problem(app.post_json("/api/v1/me/decisions/tier-1/review", &json!({"reason": "x"}), Some(&agent)).await, 422)
            .await;
    assert_eq!(bad["errors"][0]["field"], "id");

    let staff = app.staff_token("reviewer@example.com", "staff").await;
    let open: Vec<Value> = app.get_json("/api/v1/staff/reviews-requested", &staff).await.json().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["decision_id"], id);
    assert_eq!(open[0]["overdue"], false);
    let answer_path = format!("/api/v1/staff/reviews-requested/{}/answer", asked["id"]);
    let unreasoned =
        problem(app.post_json(&answer_path, &json!({"outcome": "overturned", "answer": " "}), Some(&staff)).await, 422)
            .await;
    assert_eq!(unreasoned["errors"][0]["field"], "answer");
    let answer = json!({"outcome": "overturned", "answer": "A different card: the mark is removed from your figures."});
    assert_eq!(app.post_json(&answer_path, &answer, Some(&staff)).await.status(), 200);
    problem(app.post_json(&answer_path, &answer, Some(&staff)).await, 409).await;
    let decisions: Vec<Value> = app.get_json("/api/v1/me/decisions", &agent).await.json().await.unwrap();
    let mark = decisions.iter().find(|d| d["id"] == id).unwrap();
    assert_eq!(mark["review"]["outcome"], "overturned");
    app.post_json("/api/v1/staff/tiers/recompute", &json!({}), Some(&staff)).await;
    let tier: Value = app.get_json("/api/v1/me/tier", &agent).await.json().await.unwrap();
    assert_eq!(tier["figures"]["counts"]["repeats"], 0, "an overturned first-contact mark stops counting");
    assert_eq!(tier["figures"]["counts"]["resolutions"], 1);
    assert!(
        app.get_json("/api/v1/staff/reviews-requested", &staff).await.json::<Vec<Value>>().await.unwrap().is_empty()
    );
}

#[tokio::test]
async fn reviewers_score_on_a_scorecard_once_and_the_agent_disputes_once() {
    let app = spawn_app().await;
    let (agent_id, agent) = online_agent(&app, "reviewed@example.com", 4, "native").await;
    let service = app.service_token("bot").await;
    let mut body = escalation("review-1");
    body["sensitive"] = json!(true);
    let id = taken(&app, &service, &agent, &body).await;
    let staff = app.staff_token("qa@example.com", "staff").await;

    let bad = json!({"name": "Chat", "criteria": [{"name": "empathy", "weight": 0, "scale": "stars"}]});
    let refused = problem(app.post_json("/api/v1/staff/scorecards", &bad, Some(&staff)).await, 422).await;
    let fields: Vec<&str> =
        refused["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["criteria[0].weight", "criteria[0].scale"]);
    let card = json!({"name": "Chat", "criteria": [
        {"name": "greeting", "weight": 1, "scale": "yes_no"}, {"name": "accuracy", "weight": 3, "scale": "one_to_five"}]});
    let card: Value = app.post_json("/api/v1/staff/scorecards", &card, Some(&staff)).await.json().await.unwrap();
    let review = json!({"escalation_id": id, "scorecard_id": card["id"], "scores": {"greeting": 1, "accuracy": 3}, "comment": "Clear and kind."});
    problem(app.post_json("/api/v1/staff/reviews", &review, Some(&staff)).await, 409).await;

    resolve(&app, &agent, id).await;
    let queue: Value = app.get_json("/api/v1/staff/reviews/queue", &staff).await.json().await.unwrap();
    assert_eq!(queue["sampled"][0]["escalation_id"], id);
    assert_eq!(queue["sampled"][0]["reason"], "sensitive", "every sensitive conversation is sampled");
    let missing = json!({"escalation_id": id, "scorecard_id": card["id"], "scores": {"greeting": 1}});
    let refused = problem(app.post_json("/api/v1/staff/reviews", &missing, Some(&staff)).await, 422).await;
    assert_eq!(refused["errors"][0]["field"], "scores.accuracy");
    let scored = app.post_json("/api/v1/staff/reviews", &review, Some(&staff)).await;
    assert_eq!(scored.status(), 201);
    let scored: Value = scored.json().await.unwrap();
    assert_eq!(scored["score"], 62.5);
    assert_eq!(scored["agent_id"], agent_id);
    let twice = problem(app.post_json("/api/v1/staff/reviews", &review, Some(&staff)).await, 409).await;
    assert!(twice["detail"].as_str().unwrap().contains("reviewed already"));

    let mine: Vec<Value> = app.get_json("/api/v1/me/reviews", &agent).await.json().await.unwrap();
    assert_eq!((mine[0]["comment"].as_str(), mine[0]["score"].as_f64()), (Some("Clear and kind."), Some(62.5)));
    let dispute = format!("/api/v1/me/reviews/{}/dispute", scored["id"]);
    assert_eq!(
        app.post_json(&dispute, &json!({"reason": "The policy changed that day."}), Some(&agent)).await.status(),
        200
    );
    problem(app.post_json(&dispute, &json!({"reason": "Once more."}), Some(&agent)).await, 409).await;
    let queue: Value = app.get_json("/api/v1/staff/reviews/queue", &staff).await.json().await.unwrap();
    assert_eq!(queue["disputed"][0]["id"], scored["id"]);
    assert!(queue["sampled"].as_array().unwrap().is_empty(), "reviewed samples leave the queue");
    let settle = format!("/api/v1/staff/reviews/{}/dispute", scored["id"]);
    let settled = app
        .post_json(&settle, &json!({"outcome": "overturned", "answer": "Right: the policy changed."}), Some(&staff))
        .await;
    assert_eq!(settled.status(), 200);
    let settled: Value = settled.json().await.unwrap();
    assert_eq!(settled["dispute"]["outcome"], "overturned");
    problem(app.post_json(&settle, &json!({"outcome": "upheld", "answer": "x"}), Some(&staff)).await, 409).await;

    let decisions: Vec<Value> = app.get_json("/api/v1/me/decisions", &agent).await.json().await.unwrap();
    assert!(decisions.iter().any(|d| d["kind"] == "quality_sample" && d["inputs"]["rule"] == "sensitive"));
}

#[tokio::test]
async fn the_agent_sees_their_tier_its_figures_and_what_the_next_one_needs() {
    let app = spawn_app().await;
    let (_, agent) = online_agent(&app, "tiered@example.com", 4, "native").await;
    let tier: Value = app.get_json("/api/v1/me/tier", &agent).await.json().await.unwrap();
    assert_eq!(tier["tier"], "standard");
    assert_eq!(tier["next"]["tier"], "silver");
    let missing: Vec<&str> =
        tier["next"]["missing"].as_array().unwrap().iter().map(|m| m["figure"].as_str().unwrap()).collect();
    assert!(missing.contains(&"conversations"), "{missing:?}");
    assert!(tier["formula"].as_str().unwrap().contains("0.30 × quality"));
    assert_eq!(tier["figures"]["counts"]["resolutions"], 0);

    let admin = app.admin_token().await;
    let bands = json!({"bands": [{"skill": "payments", "currency": "SEK", "min_hourly_minor": 15000,
        "max_hourly_minor": 25000, "min_per_conversation_minor": 1000, "max_per_conversation_minor": 2000}]});
    assert_eq!(put(&app, "/api/v1/staff/pay-bands", &bands, &admin).await.status(), 200);
    let above_band = json!({"hourly_rate_minor": 26000, "per_conversation_minor": 1500, "currency": "SEK"});
    let refused = problem(put(&app, "/api/v1/me/rates", &above_band, &agent).await, 422).await;
    assert_eq!(refused["errors"][0]["field"], "hourly_rate_minor", "the standard tier's ceiling is the band's");
    let mut settings: Value = app.get_json("/api/v1/staff/quality-settings", &admin).await.json().await.unwrap();
    settings["tiers"]["weights"]["quality"] = json!(0.5);
    let refused = problem(put(&app, "/api/v1/staff/quality-settings", &settings, &admin).await, 422).await;
    assert_eq!(refused["errors"][0]["field"], "tiers.weights");
    assert_eq!(refused["errors"][0]["message"], "must add up to 1");

    // A tier reachable with no conversations: the recompute moves the agent and tells them.
    settings["tiers"]["weights"]["quality"] = json!(0.3);
    settings["tiers"]["levels"][1]["min_conversations"] = json!(0);
    settings["tiers"]["levels"][1]["min_score"] = json!(0.01);
    assert_eq!(put(&app, "/api/v1/staff/quality-settings", &settings, &admin).await.status(), 200);
    let staff = app.staff_token("lead@example.com", "staff").await;
    let summary: Value =
        app.post_json("/api/v1/staff/tiers/recompute", &json!({}), Some(&staff)).await.json().await.unwrap();
    assert!(summary["changed"].as_i64().unwrap() >= 1);
    let tier: Value = app.get_json("/api/v1/me/tier", &agent).await.json().await.unwrap();
    assert_eq!(tier["tier"], "silver");
    assert_eq!(tier["perks"]["early_slot_booking"], true);
    assert_eq!(put(&app, "/api/v1/me/rates", &above_band, &agent).await.status(), 200, "silver's ceiling is 105 %");
    let decisions: Vec<Value> = app.get_json("/api/v1/me/decisions", &agent).await.json().await.unwrap();
    let change = decisions.iter().find(|d| d["kind"] == "tier").expect("a tier decision");
    assert!(change["explanation"].as_str().unwrap().contains("from none to silver"), "{}", change["explanation"]);
}

#[tokio::test]
async fn a_missed_offer_set_away_is_a_decision_the_agent_reads_in_plain_words() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut settings: Value = app.get_json("/api/v1/staff/matching", &admin).await.json().await.unwrap();
    settings["missed_offers_to_away"] = json!(1);
    assert_eq!(put(&app, "/api/v1/staff/matching", &settings, &admin).await.status(), 200);
    let (_, sleepy) = online_agent(&app, "sleepy2@example.com", 5, "native").await;
    let service = app.service_token("bot").await;
    escalate(&app, &service, &escalation("away-1")).await;
    tick_at(&app, Utc::now() + Duration::seconds(21)).await;
    let decisions: Vec<Value> = app.get_json("/api/v1/me/decisions", &sleepy).await.json().await.unwrap();
    let away = decisions.iter().find(|d| d["kind"] == "set_away").expect("a set-away decision");
    assert_eq!(away["inputs"], json!({"missed_in_a_row": 1, "limit": 1}));
    assert!(away["explanation"].as_str().unwrap().starts_with("You were set away because you missed 1 offers"));
    let offer = decisions.iter().find(|d| d["kind"] == "offer").unwrap();
    assert!(offer["explanation"].as_str().unwrap().contains("expired unanswered"));
}

#[tokio::test]
async fn wrap_up_time_is_paid_as_engaged_time_and_split_out_per_conversation() {
    use crate::payroll::{Day, agent, rates_since_october};
    use handoff::availability::presence::Presence;
    let app = crate::helpers::spawn_app_with(|s| s.clock_tickers = false).await;
    let (asa, _) = agent(&app, "asa@example.com", "Åsa Öberg").await;
    let day = Day::new(&app).await;
    rates_since_october(&day.db).await;
    day.presence(asa, Presence::Online, "2026-10-25T10:00:00Z").await;
    let id = day.escalate_and_accept("w1", asa, "2026-10-25T10:10:00Z", Duration::zero()).await;
    day.resolve_and_wrap_up(id, asa, "2026-10-25T10:40:00Z", "2026-10-25T10:42:00Z").await;
    day.presence(asa, Presence::Offline, "2026-10-25T11:00:00Z").await;

    let admin = app.admin_token().await;
    let summary = read_csv(&csv_of(&app, "/api/v1/staff/payroll.csv?from=2026-10-25&to=2026-10-25", &admin).await);
    assert_eq!(summary[0]["engaged_seconds"], "1920", "thirty minutes of conversation and two of wrap-up");
    let detail =
        read_csv(&csv_of(&app, "/api/v1/staff/payroll.csv?from=2026-10-25&to=2026-10-25&detail=true", &admin).await);
    let conversation = detail.iter().find(|r| r["kind"] == "conversation").unwrap();
    assert_eq!(
        (conversation["conversation_engaged_seconds"].as_str(), conversation["wrap_up_seconds"].as_str()),
        ("1800", "120")
    );
    assert_eq!(conversation["start"], "2026-10-25T10:40:00Z", "the conversation counts when it was resolved");
    let engaged: i64 =
        detail.iter().filter(|r| r["kind"] == "engaged").map(|r| r["seconds"].parse::<i64>().unwrap()).sum();
    assert_eq!(engaged, 1920);
}

#[tokio::test]
async fn learned_speed_and_quality_come_from_the_agents_own_work_and_show_in_why_you() {
    let app = spawn_app().await;
    let (_, agent) = online_agent(&app, "learner@example.com", 4, "native").await;
    let service = app.service_token("bot").await;
    for n in 0..3 {
        let mut body = escalation(&format!("learn-{n}"));
        body["customer_ref"] = json!(format!("customer-{n}"));
        let id = taken(&app, &service, &agent, &body).await;
        resolve(&app, &agent, id).await;
        let wrap_up = format!("/api/v1/escalations/{id}/wrap-up");
        assert_eq!(app.post_json(&wrap_up, &json!({"disposition": "solved"}), Some(&agent)).await.status(), 200);
    }
    let staff = app.staff_token("lead2@example.com", "staff").await;
    let summary: Value =
        app.post_json("/api/v1/staff/tiers/recompute", &json!({}), Some(&staff)).await.json().await.unwrap();
    assert_eq!(summary["learned"], 1, "{summary}");
    let tier: Value = app.get_json("/api/v1/me/tier", &agent).await.json().await.unwrap();
    let learned = tier["learned"].as_array().unwrap();
    assert_eq!(learned.len(), 1, "{tier}");
    assert_eq!((learned[0]["skill"].as_str(), learned[0]["conversations"].as_i64()), (Some("payments"), Some(3)));
    assert_eq!(learned[0]["quality"], 1.0, "every customer resolved on first contact so far");

    escalate(&app, &service, &escalation("learn-next")).await;
    let offer = &offers_of(&app, &agent).await[0];
    let factors: Vec<&str> =
        offer["why"]["factors"].as_object().map(|f| f.keys().map(String::as_str).collect()).unwrap_or_default();
    assert!(factors.contains(&"quality") && factors.contains(&"speed"), "{offer}");
}

#[tokio::test]
async fn a_low_customer_rating_picks_the_conversation_for_review_and_says_why() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut settings: Value = app.get_json("/api/v1/staff/quality-settings", &admin).await.json().await.unwrap();
    settings["sampling"]["random_share"] = json!(0.0);
    assert_eq!(put(&app, "/api/v1/staff/quality-settings", &settings, &admin).await.status(), 200);
    let (_, agent) = online_agent(&app, "rated@example.com", 4, "native").await;
    let service = app.service_token("bot").await;
    let id = taken(&app, &service, &agent, &escalation("rated-1")).await;
    resolve(&app, &agent, id).await;
    let rated = app.post_json(&format!("/api/v1/escalations/{id}/rating"), &json!({"score": 2}), Some(&service)).await;
    assert_eq!(rated.status(), 201);
    let staff = app.staff_token("qa2@example.com", "staff").await;
    let queue: Value = app.get_json("/api/v1/staff/reviews/queue", &staff).await.json().await.unwrap();
    let sampled: Vec<&Value> =
        queue["sampled"].as_array().unwrap().iter().filter(|s| s["escalation_id"] == id).collect();
    assert_eq!(sampled.len(), 1, "{queue}");
    assert_eq!(sampled[0]["reason"], "low_rating", "no random share: only the rating picks it");
    let decisions: Vec<Value> = app.get_json("/api/v1/me/decisions", &agent).await.json().await.unwrap();
    let pick = decisions.iter().find(|d| d["kind"] == "quality_sample").expect("a sampling decision");
    assert_eq!(pick["inputs"]["rule"], "low_rating");
    assert!(pick["explanation"].as_str().unwrap().contains("rated it 2/5"), "{pick}");
}
