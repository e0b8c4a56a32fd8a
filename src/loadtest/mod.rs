//! `handoff loadtest`: the service end to end under load. It targets a server in another process
//! (`--target URL`, seeding agents into that server's database) or starts one in this process
//! on a scratch database; brings N agents online over the API with open event streams that
//! accept every offer (and resolve at once, to free the seat); escalates at a fixed rate over
//! HTTP with a realistic workload (four queues, 20-line transcripts, webhooks to a local
//! receiver); and reports escalation → offer-received latency, accepted throughput, refusals
//! and errors, the server's CPU time per escalation (from its /metrics), and, for comparison,
//! the raw single-row write rate of the same database.

mod receiver;
pub mod seed;
mod stream;
mod workload;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

use crate::auth::accounts;
use crate::auth::data_key::DataKey;
use crate::config::Settings;
use crate::db::Db;
use crate::operations::metrics::percentile;
use crate::startup::Application;

pub struct LoadOptions {
    pub agents: usize,
    /// How many of the agents open an event stream (the first ones).
    pub streams: usize,
    pub rate_per_s: f64,
    pub duration_s: u64,
    pub data_dir: Option<PathBuf>,
    /// A server already running in another process (its database is HANDOFF_DATABASE_URL, where
    /// the generator seeds agents): then the figures are the server's own, not shared with the
    /// generator. Without it, a server starts in this process (the CI smoke mode).
    pub target: Option<String>,
    /// The one-queue, transcript-free body of earlier runs instead of the realistic workload.
    pub minimal: bool,
    /// Where the agents log in, stream and answer, when not the instance escalations go to
    /// (another instance on the same PostgreSQL: the cross-instance path).
    pub agents_target: Option<String>,
}

/// When each escalation was sent, by the label the offer carries back (its summary).
pub type Sent = Arc<Mutex<HashMap<String, Instant>>>;

#[derive(Default)]
pub struct Counters {
    pub latencies_ms: Vec<f64>,
    pub accepted: usize,
    pub errors: usize,
}

/// What the escalating loop saw of the server's answers.
#[derive(Default)]
struct Answers {
    created: usize,
    /// 503/429 with Retry-After: refused early, by design, when past the ceiling.
    refused: usize,
    /// Anything else that is not a success (a 5xx other than 503, a dropped connection).
    failed: usize,
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let style = ProgressStyle::with_template(&format!("{{spinner}} {what} {{bar:30}} {{pos}}/{{len}}"))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(len).with_style(style)
}

/// The server under test: its URL and its database (for seeding and the raw write rate).
async fn server(mut settings: Settings, options: &LoadOptions) -> anyhow::Result<(String, Db, DataKey)> {
    if let Some(target) = &options.target {
        // The same database and data key as the server (its data folder on SQLite).
        let url = settings.database_url();
        let db = tokio::task::spawn_blocking(move || Db::connect(&url, 4, "NORMAL")).await??;
        let key = DataKey::from_settings(&settings, db.backend())?;
        crate::auth::sealed::check_at_start(&db, &key).await?;
        return Ok((target.trim_end_matches('/').to_string(), db, key));
    }
    let folder = crate::demo::fresh_folder(options.data_dir.clone())?;
    settings.data_dir = folder.clone();
    if !settings.database_url().starts_with("postgres") {
        settings.database_url = format!("sqlite://{}", folder.join("handoff.db").display());
    }
    // Thousands of logins from one address are the test, not an attack.
    settings.login_attempts_per_minute = 1_000_000;
    // Agents without a stream send no heartbeats; they must stay online for the whole run.
    settings.heartbeat_timeout_s = 3600;
    // The webhook receiver is on this machine.
    settings.webhook_private_addresses = true;
    settings.bind = "127.0.0.1:0".into();
    settings.public_url = String::new();
    let application = Application::build(settings).await?;
    let url = format!("http://127.0.0.1:{}", application.port());
    let (db, key) = (application.db.clone(), application.data_key.clone());
    tokio::spawn(application.run_until_stopped());
    Ok((url, db, key))
}

pub async fn run(settings: Settings, options: LoadOptions) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (url, db, key) = server(settings, &options).await?;
    let backend = if db.backend() == crate::db::Backend::Postgres { "PostgreSQL" } else { "SQLite" };
    let mode = if options.target.is_some() { "in its own process" } else { "in this process" };
    println!("load test against {url} ({backend}, server {mode})");

    let hash = accounts::hash_off_thread(seed::PASSWORD.into()).await.map_err(anyhow::Error::new)?;
    let seeding = bar(options.agents as u64, "seeding agents");
    for from in (0..options.agents).step_by(250) {
        let (to, hash) = ((from + 250).min(options.agents), hash.clone());
        db.write(move |conn| seed::agents(conn, from, to, &hash, Utc::now())).await.map_err(anyhow::Error::new)?;
        seeding.set_position(to as u64);
    }
    seeding.finish_and_clear();
    let receiver = receiver::start()?;
    let hook = receiver.url.clone();
    let service_token = db
        .write(move |conn| {
            accounts::create_service_account(
                conn,
                &key,
                &format!("loadtest-{}", Utc::now().timestamp_micros()),
                Some(&hook),
                Utc::now(),
            )
            .map(|c| c.token)
        })
        .await
        .map_err(anyhow::Error::new)?;
    let writes_per_s = raw_write_rate(&db).await?;

    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let agents_url = options.agents_target.as_deref().map_or(url.clone(), |u| u.trim_end_matches('/').to_string());
    if agents_url != url {
        println!("agents stream from {agents_url}; escalations go to {url}");
    }
    let tokens = stream::log_in_all(&client, &agents_url, options.agents).await?;
    let sent: Sent = Arc::default();
    let counters = Arc::new(Mutex::new(Counters::default()));
    let connecting = bar(options.streams as u64, "opening streams");
    for token in tokens.iter().take(options.streams) {
        stream::open(client.clone(), agents_url.clone(), token.clone(), sent.clone(), counters.clone()).await?;
        connecting.inc(1);
    }
    connecting.finish_and_clear();
    let rss_ready = memory_mb("VmRSS");

    let cpu_before = server_cpu_s(&client, &url).await;
    let started = Instant::now();
    let total = (options.rate_per_s * options.duration_s as f64).round() as u64;
    let sending = bar(total, "escalating");
    let gap = Duration::from_secs_f64(1.0 / options.rate_per_s.max(0.001));
    let mut ticker = tokio::time::interval(gap);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let answers = Arc::new(Mutex::new(Answers::default()));
    let mut requests = Vec::new();
    for n in 0..total {
        ticker.tick().await;
        let (client, url, token, sent, answers) =
            (client.clone(), url.clone(), service_token.clone(), sent.clone(), answers.clone());
        let realistic = !options.minimal;
        requests.push(tokio::spawn(async move {
            let label = format!("load-{n}");
            let body = workload::escalation(n, &label, realistic);
            sent.lock().unwrap_or_else(|p| p.into_inner()).insert(label, Instant::now());
            let answer = client.post(format!("{url}/api/v1/escalations")).bearer_auth(token).json(&body).send().await;
            let mut answers = answers.lock().unwrap_or_else(|p| p.into_inner());
            match answer.map(|r| (r.status(), r.headers().contains_key("retry-after"))) {
                Ok((status, _)) if status.is_success() => answers.created += 1,
                Ok((status, true)) if status == 503 || status == 429 => answers.refused += 1,
                _ => answers.failed += 1,
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
    let cpu_after = server_cpu_s(&client, &url).await;
    let counters = counters.lock().unwrap_or_else(|p| p.into_inner());
    let answers = answers.lock().unwrap_or_else(|p| p.into_inner());
    let mut latencies = counters.latencies_ms.clone();
    latencies.sort_by(f64::total_cmp);
    println!("agents online: {}, with open streams: {}", tokens.len(), options.streams);
    println!(
        "workload: {}",
        if options.minimal {
            "minimal (one queue, no transcript)"
        } else {
            "realistic (4 queues, 20-line transcripts, webhooks)"
        }
    );
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
        "answers: {} created, {} refused with Retry-After, {} failed",
        answers.created, answers.refused, answers.failed
    );
    println!(
        "accepted: {} ({:.1}/s); errors: {}",
        counters.accepted,
        counters.accepted as f64 / sending_took.as_secs_f64().max(0.001),
        counters.errors + answers.failed
    );
    println!("webhooks received by the platform's end: {}", receiver.received());
    match (cpu_before, cpu_after) {
        (Some(before), Some(after)) if answers.created > 0 => println!(
            "server CPU: {:.2} s in all, {:.2} ms per escalation created",
            after - before,
            (after - before) * 1000.0 / answers.created as f64
        ),
        _ => println!("server CPU: unknown (no handoff_process_cpu_seconds_total on /metrics)"),
    }
    println!("raw single-row writes on the same database: {writes_per_s:.0}/s");
    println!(
        "memory of this process ({}): {} MB with everyone online, {} MB peak",
        if options.target.is_some() { "the load generator" } else { "server, streams and load generator together" },
        rss_ready.map_or("?".into(), |mb| format!("{mb:.0}")),
        memory_mb("VmHWM").map_or("?".into(), |mb| format!("{mb:.0}"))
    );
    Ok(())
}

/// The server's CPU seconds so far, from its /metrics (`handoff_process_cpu_seconds_total`).
async fn server_cpu_s(client: &reqwest::Client, url: &str) -> Option<f64> {
    let text = client.get(format!("{url}/metrics")).send().await.ok()?.text().await.ok()?;
    text.lines()
        .find(|line| line.starts_with("handoff_process_cpu_seconds_total "))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|value| value.parse().ok())
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
