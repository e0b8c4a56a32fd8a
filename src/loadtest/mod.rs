//! `handoff loadtest`: the service end to end under load. It starts a server in this process on
//! a scratch database, brings N agents online over the API with open event streams that accept
//! every offer (and resolve at once, to free the seat), escalates at a fixed rate over HTTP, and
//! reports escalation → offer-received latency, accepted throughput and errors; and, for
//! comparison, the raw single-row write rate of the same database.

pub mod seed;
mod stream;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::auth::accounts;
use crate::config::Settings;
use crate::operations::metrics::percentile;
use crate::startup::Application;

pub struct LoadOptions {
    pub agents: usize,
    /// How many of the agents open an event stream (the first ones).
    pub streams: usize,
    pub rate_per_s: f64,
    pub duration_s: u64,
    pub data_dir: Option<PathBuf>,
}

/// When each escalation was sent, by the label the offer carries back (its summary).
pub type Sent = Arc<Mutex<HashMap<String, Instant>>>;

#[derive(Default)]
pub struct Counters {
    pub latencies_ms: Vec<f64>,
    pub accepted: usize,
    pub errors: usize,
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let style = ProgressStyle::with_template(&format!("{{spinner}} {what} {{bar:30}} {{pos}}/{{len}}"))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(len).with_style(style)
}

pub async fn run(mut settings: Settings, options: LoadOptions) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let folder = crate::demo::fresh_folder(options.data_dir)?;
    settings.data_dir = folder.clone();
    if !settings.database_url().starts_with("postgres") {
        settings.database_url = format!("sqlite://{}", folder.join("handoff.db").display());
    }
    // Thousands of logins from one address are the test, not an attack.
    settings.login_attempts_per_minute = 1_000_000;
    // Agents without a stream send no heartbeats; they must stay online for the whole run.
    settings.heartbeat_timeout_s = 3600;
    settings.bind = "127.0.0.1:0".into();
    settings.public_url = String::new();
    let application = Application::build(settings).await?;
    let url = format!("http://127.0.0.1:{}", application.port());
    let db = application.db.clone();
    tokio::spawn(application.run_until_stopped());
    println!(
        "load test against {url} ({})",
        if db.backend() == crate::db::Backend::Postgres { "PostgreSQL" } else { "SQLite" }
    );

    let hash = accounts::hash_off_thread(seed::PASSWORD.into()).await.map_err(anyhow::Error::new)?;
    let seeding = bar(options.agents as u64, "seeding agents");
    for from in (0..options.agents).step_by(250) {
        let (to, hash) = ((from + 250).min(options.agents), hash.clone());
        db.write(move |conn| seed::agents(conn, from, to, &hash, Utc::now())).await.map_err(anyhow::Error::new)?;
        seeding.set_position(to as u64);
    }
    seeding.finish_and_clear();
    let service_token = db
        .write(|conn| accounts::create_service_account(conn, "loadtest", None, Utc::now()).map(|c| c.token))
        .await
        .map_err(anyhow::Error::new)?;
    let writes_per_s = raw_write_rate(&db).await?;

    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let tokens = stream::log_in_all(&client, &url, options.agents).await?;
    let sent: Sent = Arc::default();
    let counters = Arc::new(Mutex::new(Counters::default()));
    let connecting = bar(options.streams as u64, "opening streams");
    for token in tokens.iter().take(options.streams) {
        stream::open(client.clone(), url.clone(), token.clone(), sent.clone(), counters.clone()).await?;
        connecting.inc(1);
    }
    connecting.finish_and_clear();
    let rss_ready = memory_mb("VmRSS");

    let started = Instant::now();
    let total = (options.rate_per_s * options.duration_s as f64).round() as u64;
    let sending = bar(total, "escalating");
    let gap = Duration::from_secs_f64(1.0 / options.rate_per_s.max(0.001));
    let mut ticker = tokio::time::interval(gap);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut requests = Vec::new();
    for n in 0..total {
        ticker.tick().await;
        let (client, url, token, sent, counters) =
            (client.clone(), url.clone(), service_token.clone(), sent.clone(), counters.clone());
        requests.push(tokio::spawn(async move {
            let label = format!("load-{n}");
            let body = json!({
                "external_id": label, "language": "sv", "market": "SE", "required_skills": ["payments"],
                "priority": "normal", "sensitive": false, "reason": "customer_request", "summary": label,
            });
            sent.lock().unwrap_or_else(|p| p.into_inner()).insert(label, Instant::now());
            let ok = client
                .post(format!("{url}/api/v1/escalations"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if !ok {
                counters.lock().unwrap_or_else(|p| p.into_inner()).errors += 1;
            }
        }));
        sending.inc(1);
    }
    futures_util::stream::iter(requests)
        .for_each(|r| async move {
            let _ = r.await;
        })
        .await;
    sending.finish_and_clear();
    let sending_took = started.elapsed();
    // Let the last offers arrive and be answered.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let counters = counters.lock().unwrap_or_else(|p| p.into_inner());
    let mut latencies = counters.latencies_ms.clone();
    latencies.sort_by(f64::total_cmp);
    println!("agents online: {}, with open streams: {}", tokens.len(), options.streams);
    println!("escalations sent: {total} in {:.1} s ({:.1}/s asked)", sending_took.as_secs_f64(), options.rate_per_s);
    println!(
        "escalation → offer received: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} offers)",
        percentile(&latencies, 50.0),
        percentile(&latencies, 90.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or_default(),
        latencies.len()
    );
    println!(
        "accepted: {} ({:.1}/s); errors: {}",
        counters.accepted,
        counters.accepted as f64 / sending_took.as_secs_f64().max(0.001),
        counters.errors
    );
    println!("raw single-row writes on the same database: {writes_per_s:.0}/s");
    println!(
        "memory of this process (server, streams and load generator together): {} MB with everyone online, \
         {} MB peak",
        rss_ready.map_or("?".into(), |mb| format!("{mb:.0}")),
        memory_mb("VmHWM").map_or("?".into(), |mb| format!("{mb:.0}"))
    );
    Ok(())
}

/// A memory figure of this process from /proc/self/status (Linux), in MB.
fn memory_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Single-row inserts, one transaction each, through the same writer as the service.
async fn raw_write_rate(db: &crate::db::Db) -> anyhow::Result<f64> {
    const ROWS: u32 = 2_000;
    let started = Instant::now();
    for n in 0..ROWS {
        db.write(move |conn| {
            let entry = crate::models::audit::NewAuditEntry {
                actor_id: None,
                subject_kind: "loadtest",
                subject_id: Some(n as i64),
                action: "insert",
                detail: None,
                created_at: crate::models::db_time(Utc::now()),
            };
            Ok(crate::models::audit::record(conn, &entry)?)
        })
        .await
        .map_err(anyhow::Error::new)
        .context("measuring raw writes")?;
    }
    Ok(ROWS as f64 / started.elapsed().as_secs_f64())
}
