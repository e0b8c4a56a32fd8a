//! Customer data: card numbers and IBANs hidden at intake and in messages (in the database, the
//! answers and the webhooks the platform receives), staff patterns, and erasure and access by
//! customer reference across two service accounts. Both backends.

use diesel::prelude::*;
use handoff::db::schema::{agent_events, escalation_events, escalations, messages, ratings};
use serde_json::{Value, json};

use crate::conversation::{Received, accept_first, service_with_webhooks, start_receiver};
use crate::dispatch::{escalate, escalation, online_agent};
use crate::helpers::{TestApp, problem, spawn_app};

const CARD: &str = "4111 1111 1111 1111";
const IBAN: &str = "DE89 3704 0044 0532 0130 00";

/// Every text stored about conversations (summaries, transcripts, dispositions, messages,
/// timeline notes, rating comments, agents' notices), as one string.
async fn everything_stored(app: &TestApp) -> String {
    app.db()
        .read(|conn| {
            let rows: Vec<(String, String, Option<String>)> = escalations::table
                .select((escalations::summary, escalations::transcript, escalations::disposition))
                .load(conn)?;
            let texts: Vec<String> = messages::table.select(messages::text).load(conn)?;
            let notes: Vec<Option<String>> = escalation_events::table.select(escalation_events::detail).load(conn)?;
            let comments: Vec<Option<String>> = ratings::table.select(ratings::comment).load(conn)?;
            let notices: Vec<String> = agent_events::table.select(agent_events::data).load(conn)?;
            Ok(format!("{rows:?} {texts:?} {notes:?} {comments:?} {notices:?}"))
        })
        .await
        .unwrap()
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

#[tokio::test]
async fn card_numbers_and_ibans_are_hidden_before_they_are_stored_or_sent() {
    let app = spawn_app().await;
    let received = Received::default();
    let (service, _) = service_with_webhooks(&app, &start_receiver(received.clone())).await;
    let (_, agent) = online_agent(&app, "talker@example.com", 4, "native").await;
    let mut body = escalation("chat-1");
    body["summary"] = json!(format!("Card {CARD} was charged twice; order 4242 4242 4242 4241"));
    body["transcript"][0]["text"] = json!(format!("refund to {IBAN} please"));
    let created = escalate(&app, &service, &body).await;
    let id = created["id"].as_i64().unwrap();
    accept_first(&app, &agent).await;

    let path = format!("/api/v1/escalations/{id}/messages");
    let from_customer = app.post_json(&path, &json!({"text": format!("it is {CARD}")}), Some(&service)).await;
    let shown: Value = from_customer.json().await.unwrap();
    assert_eq!(shown["text"], "it is [card •••• 1111]");
    let reply = json!({"text": format!("I see {CARD} and {IBAN}")});
    assert_eq!(app.post_json(&path, &reply, Some(&agent)).await.status(), 201);
    let (_, raw, _) = received.wait_for("escalation.message").await;
    assert!(raw.contains("I see [card •••• 1111] and [iban •••• 3000]"), "{raw}");

    // What else people type in a conversation: the disposition, the customer's rating comment.
    let resolve = (format!("/api/v1/escalations/{id}/resolve"), json!({"disposition": format!("refunded {IBAN}")}));
    assert_eq!(app.post_json(&resolve.0, &resolve.1, Some(&agent)).await.status(), 200);
    let (_, resolved_raw, _) = received.wait_for("escalation.resolved").await;
    assert!(resolved_raw.contains("refunded [iban •••• 3000]"), "{resolved_raw}");
    let rate = (format!("/api/v1/escalations/{id}/rating"), json!({"score": 5, "comment": format!("card {CARD}")}));
    assert_eq!(app.post_json(&rate.0, &rate.1, Some(&service)).await.status(), 201);
    let comments: Vec<Option<String>> =
        app.db().read(|conn| Ok(ratings::table.select(ratings::comment).load(conn)?)).await.unwrap();
    assert_eq!(comments, [Some("card [card •••• 1111]".to_string())]);

    let staff = app.staff_token("sam@example.com", "staff").await;
    let view: Value = app.get_json(&format!("/api/v1/escalations/{id}"), &staff).await.json().await.unwrap();
    assert_eq!(view["redactions"], 7, "summary, transcript, three in messages, disposition, comment: {view}");
    let stored = everything_stored(&app).await;
    for secret in [CARD, IBAN] {
        assert!(!digits(&stored).contains(&digits(secret)), "{secret} is stored: {stored}");
        assert!(!digits(&format!("{raw}{resolved_raw}")).contains(&digits(secret)));
    }
    assert!(stored.contains("order 4242 4242 4242 4241"), "a number failing the check stays as typed");

    assert_eq!(view["summary"], "Card [card •••• 1111] was charged twice; order 4242 4242 4242 4241");
}

#[tokio::test]
async fn staff_patterns_with_a_check_digit_are_hidden_and_a_broken_one_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let rules = json!({"patterns": [{"name": "personnummer", "pattern": r"\b\d{6}[-+]?\d{4}\b", "check": "luhn"}]});
    let saved = app.client.put(app.url("/api/v1/staff/redaction-patterns")).bearer_auth(&admin).json(&rules).send();
    assert_eq!(saved.await.unwrap().status(), 200);
    let broken = json!({"patterns": [{"name": "x", "pattern": "(unclosed", "check": "none"}]});
    let refused = app.client.put(app.url("/api/v1/staff/redaction-patterns")).bearer_auth(&admin).json(&broken).send();
    let refused = problem(refused.await.unwrap(), 422).await;
    assert_eq!(refused["errors"][0]["field"], "patterns[0].pattern");

    let service = app.service_token("bot").await;
    let mut body = escalation("pnr-1");
    body["summary"] = json!("pnr 811218-9876, not 811218-9875");
    let created = escalate(&app, &service, &body).await;
    let staff = app.staff_token("sam@example.com", "staff").await;
    let view: Value =
        app.get_json(&format!("/api/v1/escalations/{}", created["id"]), &staff).await.json().await.unwrap();
    assert_eq!(view["summary"], "pnr [personnummer •••• 9876], not 811218-9875");
}

#[tokio::test]
async fn a_customer_is_exported_and_erased_by_reference_and_only_for_their_platform() {
    let app = spawn_app().await;
    let (first, second) = (app.service_token("bank-bot").await, app.service_token("other-bot").await);
    let mut ids = Vec::new();
    for (service, external) in [(&first, "a-1"), (&first, "a-2"), (&second, "b-1")] {
        let mut body = escalation(external);
        body["customer_ref"] = json!("+46 70 123 45 67");
        body["summary"] = json!(format!("Customer {external} wants a refund"));
        body["intent"] = json!("refund_request");
        body["collected"] = json!({"order": format!("order of {external}")});
        ids.push(escalate(&app, service, &body).await["id"].clone());
    }
    let mut other = escalation("a-3");
    other["customer_ref"] = json!("someone-else");
    escalate(&app, &first, &other).await;
    let stored: Vec<Option<String>> =
        app.db().read(|conn| Ok(escalations::table.select(escalations::customer_ref_hash).load(conn)?)).await.unwrap();
    assert!(stored.iter().flatten().all(|h| h.len() == 64 && !h.contains("4670")), "only a keyed hash: {stored:?}");

    let reference = "%2B46%2070%20123%2045%2067";
    let export = app.get_json(&format!("/api/v1/customers/{reference}/export"), &first).await;
    assert_eq!(export.status(), 200);
    let export: Value = export.json().await.unwrap();
    let externals: Vec<&str> =
        export["escalations"].as_array().unwrap().iter().map(|e| e["external_id"].as_str().unwrap()).collect();
    assert_eq!(externals, ["a-1", "a-2"], "this platform's escalations of this customer only");
    assert_eq!(export["escalations"][0]["summary"], "Customer a-1 wants a refund");

    let erase = || app.client.delete(app.url(&format!("/api/v1/customers/{reference}"))).bearer_auth(&first).send();
    let counts: Value = erase().await.unwrap().json().await.unwrap();
    assert_eq!((counts["escalations"].clone(), counts["erased_now"].clone()), (json!(2), json!(2)));
    let again: Value = erase().await.unwrap().json().await.unwrap();
    assert_eq!((again["escalations"].clone(), again["erased_now"].clone()), (json!(2), json!(0)), "idempotent");

    let export: Value =
        app.get_json(&format!("/api/v1/customers/{reference}/export"), &first).await.json().await.unwrap();
    assert!(export["escalations"].as_array().unwrap().iter().all(|e| e["summary"] == "" && e["erased_at"].is_string()));
    let theirs: Value =
        app.get_json(&format!("/api/v1/customers/{reference}/export"), &second).await.json().await.unwrap();
    assert_eq!(theirs["escalations"][0]["summary"], "Customer b-1 wants a refund", "the other platform's copy stays");
    // The bot's packet is the customer's too: erased with the conversation.
    let erased: Value = app.get_json(&format!("/api/v1/escalations/{}", ids[0]), &first).await.json().await.unwrap();
    assert_eq!((erased["packet"]["intent"].clone(), erased["packet"]["collected"].clone()), (Value::Null, json!({})));
    let kept: Value = app.get_json(&format!("/api/v1/escalations/{}", ids[2]), &second).await.json().await.unwrap();
    assert_eq!(kept["packet"]["collected"]["order"], "order of b-1");

    let agent = online_agent(&app, "talker@example.com", 4, "native").await.1;
    problem(app.get_json(&format!("/api/v1/customers/{reference}/export"), &agent).await, 403).await;
}

#[tokio::test]
async fn a_transfer_note_is_screened_too() {
    let app = spawn_app().await;
    let service = app.service_token("bot").await;
    let (_, agent) = online_agent(&app, "talker@example.com", 4, "native").await;
    let id = escalate(&app, &service, &escalation("note-1")).await["id"].as_i64().unwrap();
    accept_first(&app, &agent).await;
    let note = json!({"required_skills": [], "note": format!("customer read out {CARD}")});
    let moved = app.post_json(&format!("/api/v1/escalations/{id}/transfer"), &note, Some(&agent)).await;
    assert_eq!(moved.status(), 200);
    let stored = everything_stored(&app).await;
    assert!(stored.contains("customer read out [card •••• 1111]"), "{stored}");
    assert!(!digits(&stored).contains(&digits(CARD)));
}
