//! The /agent dashboard over plain HTTP: an offer with "why me", accept, the conversation with
//! its transcript, reply, resolve.

use chrono::Datelike;
use serde_json::{Value, json};

use crate::availability_pages::agent_in_browser_session;
use crate::dispatch::{escalate, escalation};
use crate::helpers::spawn_app;
use crate::recruiting_pages::csrf_of;

#[tokio::test]
async fn an_agent_takes_an_offer_replies_and_resolves_on_the_dashboard() {
    let app = spawn_app().await;
    agent_in_browser_session(&app, "desk@example.com").await;
    let page = app.client.get(app.url("/agent")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    let online = app
        .client
        .post(app.url("/agent/presence"))
        .form(&[("csrf_token", csrf.as_str()), ("status", "online"), ("back", "/agent")])
        .send()
        .await
        .unwrap();
    assert_eq!(online.headers()["location"], "/agent");

    let service = app.service_token("bot").await;
    let created = escalate(&app, &service, &escalation("desk-1")).await;
    let id = created["id"].as_i64().unwrap();
    let page = app.client.get(app.url("/agent")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Card payment failed twice") && page.contains("Why you? Match"));
    let offer_id = page.split("id=\"accept-").nth(1).unwrap().split('"').next().unwrap().to_string();

    let accepted = app
        .client
        .post(app.url(&format!("/agent/offers/{offer_id}/accept")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.headers()["location"], "/agent?notice=accepted");
    let page = app.client.get(app.url("/agent?notice=accepted")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Accepted: the conversation is yours."));
    assert!(page.contains("I want a human"), "the bot transcript is shown");

    let reply = app
        .client
        .post(app.url(&format!("/agent/conversations/{id}/reply")))
        .form(&[("csrf_token", csrf.as_str()), ("text", "Hello, I can help.")])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 303);
    let thread: Vec<Value> =
        app.get_json(&format!("/api/v1/escalations/{id}/messages"), &service).await.json().await.unwrap();
    assert_eq!(thread[0]["text"], "Hello, I can help.");
    let empty = app
        .client
        .post(app.url(&format!("/agent/conversations/{id}/reply")))
        .form(&[("csrf_token", csrf.as_str()), ("text", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 422);

    let resolved = app
        .client
        .post(app.url(&format!("/agent/conversations/{id}/resolve")))
        .form(&[("csrf_token", csrf.as_str()), ("disposition", "solved")])
        .send()
        .await
        .unwrap();
    assert_eq!(resolved.status(), 303);
    let shown: Value = app.get_json(&format!("/api/v1/escalations/{id}"), &service).await.json().await.unwrap();
    assert_eq!(shown["state"], "resolved");
    let forged = app
        .client
        .post(app.url(&format!("/agent/offers/{offer_id}/accept")))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(
        app.post_json(&format!("/api/v1/escalations/{id}/rating"), &json!({"score": 4}), Some(&service)).await.status(),
        201
    );
    let page = app.client.get(app.url("/agent")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("rated 4.0 by 1 customer"), "agents see their rating and count");
}

#[tokio::test]
async fn the_earnings_page_shows_engaged_time_conversations_and_pay_this_month() {
    let app = spawn_app().await;
    agent_in_browser_session(&app, "earner@example.com").await;
    let page = app.client.get(app.url("/agent/earnings")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("No online time or paid work in this period."));
    let csrf = csrf_of(&app.client.get(app.url("/agent")).send().await.unwrap().text().await.unwrap());
    app.client
        .post(app.url("/agent/presence"))
        .form(&[("csrf_token", csrf.as_str()), ("status", "online"), ("back", "/agent")])
        .send()
        .await
        .unwrap();
    let service = app.service_token("bot").await;
    let created = escalate(&app, &service, &escalation("paid")).await;
    let id = created["id"].as_i64().unwrap();
    let page = app.client.get(app.url("/agent")).send().await.unwrap().text().await.unwrap();
    let offer_id = page.split("id=\"accept-").nth(1).unwrap().split('"').next().unwrap().to_string();
    app.client
        .post(app.url(&format!("/agent/offers/{offer_id}/accept")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    app.client
        .post(app.url(&format!("/agent/conversations/{id}/resolve")))
        .form(&[("csrf_token", csrf.as_str()), ("disposition", "solved")])
        .send()
        .await
        .unwrap();

    // Make the conversation exactly 30 minutes long.
    let closed = app
        .db()
        .write(move |conn| {
            use diesel::prelude::*;
            use handoff::db::schema::escalations;
            let closed: chrono::NaiveDateTime =
                escalations::table.find(id).select(escalations::closed_at.assume_not_null()).first(conn)?;
            diesel::update(escalations::table.find(id))
                .set(escalations::assigned_at.eq(closed - chrono::Duration::minutes(30)))
                .execute(conn)?;
            use handoff::db::schema::assignments;
            diesel::update(assignments::table.filter(assignments::escalation_id.eq(id)))
                .set(assignments::started_at.eq(closed - chrono::Duration::minutes(30)))
                .execute(conn)?;
            // The asked rate has been in force since well before (the agent applied a moment ago).
            use handoff::db::schema::agent_rates;
            diesel::update(agent_rates::table)
                .set(agent_rates::effective_from.eq(closed - chrono::Duration::days(1)))
                .execute(conn)?;
            Ok(closed)
        })
        .await
        .unwrap();
    // The month so far, or (just after midnight on the first) the days the conversation spans.
    let (from, to) = ((closed - chrono::Duration::minutes(30)).date(), closed.date());
    let month = if from.month() == to.month() { String::new() } else { format!("?from={from}&to={to}") };
    let page = app.client.get(app.url(&format!("/agent/earnings{month}"))).send().await.unwrap().text().await.unwrap();
    // 30 minutes at 220.00 SEK an hour, plus one conversation at 15.00 SEK.
    for expected in ["0 h 30 min", "110.00 SEK", "15.00 SEK", "125.00 SEK"] {
        assert!(page.contains(expected), "{expected} on the earnings page");
    }
}
