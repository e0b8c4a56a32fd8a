//! The load test's agents over HTTP: logging in, going online, and an event stream per agent
//! that accepts each offer as it arrives (noting how long it took to come) and resolves (and wraps up) the
//! conversation at once so the seat is free again.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use futures_util::StreamExt;
use serde_json::{Value, json};

use super::{Counters, Sent, seed};

/// Access tokens of agents `0..count`, eight logins at a time.
pub async fn log_in_all(client: &reqwest::Client, url: &str, count: usize) -> anyhow::Result<Vec<String>> {
    let logins = futures_util::stream::iter(0..count)
        .map(|index| {
            let (client, url) = (client.clone(), url.to_string());
            async move {
                let body = json!({"email": seed::email(index), "password": seed::PASSWORD});
                let answer: Value = client
                    .post(format!("{url}/api/v1/auth/login"))
                    .json(&body)
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                let token = answer["access_token"].as_str().context("a login answers with a token")?.to_string();
                let online = client
                    .put(format!("{url}/api/v1/me/presence"))
                    .bearer_auth(&token)
                    .json(&json!({"status": "online"}))
                    .send()
                    .await?;
                online.error_for_status()?;
                anyhow::Ok(token)
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    logins.into_iter().collect()
}

/// Opens the agent's stream (returns once the server answered) and serves it in the background.
pub async fn open(
    client: reqwest::Client,
    url: String,
    token: String,
    sent: Sent,
    counters: Arc<Mutex<Counters>>,
) -> anyhow::Result<()> {
    let response =
        client.get(format!("{url}/api/v1/me/events")).bearer_auth(&token).send().await?.error_for_status()?;
    tokio::spawn(async move {
        let mut bytes = response.bytes_stream();
        let mut buffer = String::new();
        while let Some(Ok(chunk)) = bytes.next().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                if let Some(offer) = offer_in(&block) {
                    take(&client, &url, &token, offer, &sent, &counters).await;
                }
            }
        }
    });
    Ok(())
}

/// The data of an `offer` event block, if it is one.
fn offer_in(block: &str) -> Option<Value> {
    let mut kind = "";
    let mut data = String::new();
    for line in block.lines() {
        if let Some(rest) = line.strip_prefix("event:") {
            kind = rest.trim();
        } else if let Some(rest) = line.strip_prefix("data:") {
            data.push_str(rest.trim());
        }
    }
    (kind == "offer").then(|| serde_json::from_str(&data).ok()).flatten()
}

async fn take(client: &reqwest::Client, url: &str, token: &str, offer: Value, sent: &Sent, counters: &Mutex<Counters>) {
    let arrived = Instant::now();
    let label = offer["summary"].as_str().unwrap_or_default().to_string();
    if let Some(at) = sent.lock().unwrap_or_else(|p| p.into_inner()).get(&label) {
        let ms = arrived.duration_since(*at).as_secs_f64() * 1000.0;
        counters.lock().unwrap_or_else(|p| p.into_inner()).latencies_ms.push(ms);
    }
    let (offer_id, escalation_id) =
        (offer["id"].as_i64().unwrap_or_default(), offer["escalation_id"].as_i64().unwrap_or_default());
    let accepted = client.post(format!("{url}/api/v1/offers/{offer_id}/accept")).bearer_auth(token).send().await;
    let ok = accepted.is_ok_and(|r| r.status().is_success());
    let resolved = ok
        && client
            .post(format!("{url}/api/v1/escalations/{escalation_id}/resolve"))
            .bearer_auth(token)
            .json(&json!({"disposition": "solved"}))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        // Wrap-up holds the seat until it is finished.
        && client
            .post(format!("{url}/api/v1/escalations/{escalation_id}/wrap-up"))
            .bearer_auth(token)
            .json(&json!({"disposition": "solved"}))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
    let mut counters = counters.lock().unwrap_or_else(|p| p.into_inner());
    if ok {
        counters.accepted += 1;
    }
    if !ok || !resolved {
        counters.errors += 1;
    }
}
