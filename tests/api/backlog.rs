//! A backlog drained under concurrency: escalations queue while every agent is busy, then agents
//! resolve and accept as fast as they can while the platform keeps escalating. On PostgreSQL
//! this once produced hundreds of deadlocks and 5xx answers (concurrent dispatch passes writing
//! the same rows in different orders); now one dispatcher decides, so no answer may be a 5xx,
//! the database may report no deadlock, and the queue must empty.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::dispatch::{escalation, online_agent};
use crate::helpers::{TestApp, spawn_app};

const AGENTS: usize = 6;
const BACKLOG: usize = 60;
const LATE_ARRIVALS: usize = 20;

/// Every status code a client saw, by what it was doing.
#[derive(Default)]
struct Seen(Mutex<Vec<(String, u16)>>);

impl Seen {
    fn note(&self, what: &str, status: reqwest::StatusCode) {
        self.0.lock().unwrap().push((what.to_string(), status.as_u16()));
    }

    fn server_errors(&self) -> Vec<(String, u16)> {
        self.0.lock().unwrap().iter().filter(|(_, status)| *status >= 500).cloned().collect()
    }
}

/// Deadlocks PostgreSQL has detected in this database so far (0 on SQLite, which has none).
async fn deadlocks(app: &TestApp) -> i64 {
    if !app.database_url.starts_with("postgres") {
        return 0;
    }
    app.db()
        .read(|conn| {
            #[derive(QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                deadlocks: i64,
            }
            // Statistics reach the view at the end of each transaction of the reporting backend.
            let found: Count = diesel::sql_query(
                "SELECT COALESCE(deadlocks, 0)::BIGINT AS deadlocks FROM pg_stat_database WHERE datname = current_database()",
            )
            .get_result(conn)?;
            Ok(found.deadlocks)
        })
        .await
        .unwrap()
}

/// Waiting escalations (queued or offered).
async fn waiting(app: &TestApp) -> i64 {
    use handoff::db::schema::escalations;
    app.db()
        .read(|conn| {
            Ok(escalations::table.filter(escalations::state.eq_any(["queued", "offered"])).count().get_result(conn)?)
        })
        .await
        .unwrap()
}

/// Resolves what the agent holds and accepts what it is offered, until the arrivals are over
/// and nothing waits.
async fn work(app: Arc<TestApp>, token: String, seen: Arc<Seen>, arrived: Arc<AtomicBool>, deadline: Instant) {
    while Instant::now() < deadline {
        let held: Vec<Value> =
            app.get_json("/api/v1/me/escalations?state=assigned", &token).await.json().await.unwrap_or_default();
        for e in &held {
            let path = format!("/api/v1/escalations/{}/resolve", e["id"]);
            let answer = app.post_json(&path, &json!({"disposition": "solved"}), Some(&token)).await;
            seen.note("resolve", answer.status());
            // Wrap-up holds the capacity until it is finished.
            let path = format!("/api/v1/escalations/{}/wrap-up", e["id"]);
            let answer = app.post_json(&path, &json!({"disposition": "solved"}), Some(&token)).await;
            seen.note("wrap-up", answer.status());
        }
        let offers: Vec<Value> = app.get_json("/api/v1/me/offers", &token).await.json().await.unwrap_or_default();
        for offer in &offers {
            let answer =
                app.post_json(&format!("/api/v1/offers/{}/accept", offer["id"]), &json!({}), Some(&token)).await;
            seen.note("accept", answer.status());
        }
        if held.is_empty() && offers.is_empty() {
            if arrived.load(Ordering::Relaxed) && waiting(&app).await == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn a_backlog_drains_under_concurrent_accepts_resolves_and_arrivals_without_deadlock_or_5xx() {
    let app = Arc::new(spawn_app().await);
    let service = app.service_token("bot").await;
    let mut tokens = Vec::new();
    for n in 0..AGENTS {
        tokens.push(online_agent(&app, &format!("busy{n}@example.com"), 4, "native").await.1);
    }
    // Every agent busy: one conversation each (capacity 1), so what comes next queues.
    for (n, token) in tokens.iter().enumerate() {
        let created = app.post_json("/api/v1/escalations", &escalation(&format!("first-{n}")), Some(&service)).await;
        assert_eq!(created.status(), 201);
        let offers: Vec<Value> = app.get_json("/api/v1/me/offers", token).await.json().await.unwrap();
        if let Some(offer) = offers.first() {
            let path = format!("/api/v1/offers/{}/accept", offer["id"]);
            assert_eq!(app.post_json(&path, &json!({}), Some(token)).await.status(), 200);
        }
    }
    let backlog =
        join_all(
            (0..BACKLOG).map(|n| {
                let (app, service) = (app.clone(), service.clone());
                async move {
                    app.post_json("/api/v1/escalations", &escalation(&format!("queued-{n}")), Some(&service)).await
                }
            }),
        )
        .await;
    assert!(backlog.iter().all(|r| r.status() == 201), "the backlog is taken in");
    assert!(waiting(&app).await >= (BACKLOG - AGENTS) as i64, "the backlog waits");
    let deadlocks_before = deadlocks(&app).await;

    // Now everything at once: agents resolve and accept, the platform keeps escalating.
    let seen = Arc::new(Seen::default());
    let deadline = Instant::now() + Duration::from_secs(90);
    let arrived = Arc::new(AtomicBool::new(false));
    let arrivals = {
        let (app, service, seen, arrived) = (app.clone(), service.clone(), seen.clone(), arrived.clone());
        tokio::spawn(async move {
            for n in 0..LATE_ARRIVALS {
                let answer =
                    app.post_json("/api/v1/escalations", &escalation(&format!("late-{n}")), Some(&service)).await;
                seen.note("escalate", answer.status());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            arrived.store(true, Ordering::Relaxed);
        })
    };
    let workers: Vec<_> = tokens
        .iter()
        .map(|token| tokio::spawn(work(app.clone(), token.clone(), seen.clone(), arrived.clone(), deadline)))
        .collect();
    arrivals.await.unwrap();
    for worker in workers {
        worker.await.unwrap();
    }
    assert_eq!(seen.server_errors(), vec![], "no answer is a 5xx");
    assert_eq!(waiting(&app).await, 0, "the queue is empty at the end");
    let escalated = seen.0.lock().unwrap().iter().filter(|(what, status)| what == "escalate" && *status == 201).count();
    assert_eq!(escalated, LATE_ARRIVALS, "every late arrival was taken in");
    // The statistics of the last transactions reach the view within a second or so.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(deadlocks(&app).await - deadlocks_before, 0, "PostgreSQL detected no deadlock");
}
