//! The server time of `GET /api/v1/quote` at 2,000 and 10,000 agents online (SQLite): the
//! handler's work after authentication, the skill check against the catalogue and the quote,
//! answered from this instance's kept snapshot; beside it the baseline of reading everything
//! (the roster, the queue by pool) for each quote, as a request would without the snapshot.
//! Prints the p99 of both over 2,000 quotes (the target is p99 ≤ 1 ms at 2,000 agents).
//! Run with `cargo bench --bench quote`; results are recorded in BENCHMARKS.md.

use std::time::Instant;

use chrono::{Duration, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use diesel::prelude::*;
use diesel::sql_query;
use handoff::db::{DbConn, run_migrations};
use handoff::dispatch::Dispatcher;
use handoff::dispatch::quotes::{self, QuoteRequest};
use handoff::models::skill;

/// Seeds `agents` online agents (a third busy, some with a second language and skill) and 300
/// queued escalations in six pools, with set-based SQL.
fn seed(conn: &mut DbConn, agents: usize, now: &str) {
    let statements = [
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {agents})
             INSERT INTO users (email, password_hash, full_name, role, status, created_at, updated_at)
             SELECT 'agent' || i || '@example.com', 'x', 'Agent ' || i, 'agent', 'active', '{now}', '{now}' FROM n"
        ),
        format!(
            "INSERT INTO agents (user_id, timezone, latitude, longitude, region, recruit_source, motivation, max_concurrent,
                                 rating_sum, rating_count, applied_at, presence, last_heartbeat_at, active_conversations)
             SELECT id, 'Europe/Stockholm', 59.3, 18.0, 'nordics', 'student', 'bench', 3, 0, 0, '{now}', 'online', '{now}', id % 4
             FROM users WHERE role = 'agent'"
        ),
        "INSERT INTO agent_languages (agent_id, code, level) SELECT user_id, 'sv', 'native' FROM agents".into(),
        "INSERT INTO agent_languages (agent_id, code, level) SELECT user_id, 'en', 'fluent' FROM agents WHERE user_id % 2 = 0".into(),
        "INSERT INTO agent_languages (agent_id, code, level) SELECT user_id, 'de', 'native' FROM agents WHERE user_id % 5 = 0".into(),
        "INSERT INTO agent_skills (agent_id, skill, proficiency) SELECT user_id, 'payments', 4 FROM agents WHERE user_id % 3 <> 0".into(),
        "INSERT INTO agent_skills (agent_id, skill, proficiency) SELECT user_id, 'refunds', 3 FROM agents".into(),
        "INSERT INTO agent_skills (agent_id, skill, proficiency) SELECT user_id, 'fraud', 4 FROM agents WHERE user_id % 4 = 0".into(),
        format!("INSERT INTO service_accounts (name, token_hash, webhook_secret, created_at) VALUES ('bench', 'x', 'x', '{now}')"),
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
             INSERT INTO escalations (service_account_id, external_id, language, market, required_skills, priority,
                 priority_rank, sensitive, reason, summary, transcript, state, widened_steps, eta_at_intake_s, eta_seconds,
                 created_at, updated_at)
             SELECT 1, 'q' || i, CASE i % 3 WHEN 0 THEN 'sv' WHEN 1 THEN 'en' ELSE 'de' END, 'SE',
                 CASE i % 2 WHEN 0 THEN 'payments' ELSE 'refunds' END, 'normal', 2, 0, 'customer_request', '', '[]',
                 'queued', 0, 30, 30, '{now}', '{now}' FROM n"
        ),
    ];
    for statement in statements {
        sql_query(statement).execute(conn).expect("seeding");
    }
}

fn request() -> QuoteRequest {
    QuoteRequest {
        language: "sv".into(),
        market: "SE".into(),
        required_skills: vec!["payments".into()],
        priority_rank: 2,
    }
}

/// The handler's work: the skill check and the quote.
fn answer(conn: &mut DbConn, dispatcher: &Dispatcher, request: &QuoteRequest, now: chrono::DateTime<Utc>) {
    let known = skill::all(conn).unwrap();
    assert!(request.required_skills.iter().all(|s| known.iter().any(|k| &k.name == s)));
    let (quote, _) = quotes::quote(conn, dispatcher, request, now).unwrap();
    assert!(quote.humans_online);
}

fn p99_us(mut run: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..2_000)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[(times.len() as f64 * 0.99) as usize - 1]
}

fn quotes_at_scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("quote");
    group.sample_size(20);
    for agents in [2_000, 10_000] {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("quote.db");
        let mut conn = DbConn::Sqlite(SqliteConnection::establish(path.to_str().unwrap()).unwrap());
        run_migrations(&mut conn).unwrap();
        let now = Utc::now();
        seed(&mut conn, agents, &now.format("%Y-%m-%d %H:%M:%S").to_string());
        // One clock for every quote: the snapshot read at the first stays fresh.
        let now = now + Duration::milliseconds(500);
        let dispatcher = Dispatcher::new(Duration::seconds(30));
        let request = request();
        answer(&mut conn, &dispatcher, &request, now);
        let kept = p99_us(|| answer(&mut conn, &dispatcher, &request, now));
        let read = p99_us(|| {
            dispatcher.quotes.clear();
            answer(&mut conn, &dispatcher, &request, now)
        });
        println!(
            "{agents} agents online: p99 {kept:.0} µs from the kept snapshot, {read:.0} µs reading everything per quote"
        );
        group.bench_with_input(BenchmarkId::new("kept snapshot", agents), &agents, |b, _| {
            b.iter(|| answer(&mut conn, &dispatcher, &request, now))
        });
        group.bench_with_input(BenchmarkId::new("reading everything", agents), &agents, |b, _| {
            b.iter(|| {
                dispatcher.quotes.clear();
                answer(&mut conn, &dispatcher, &request, now)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, quotes_at_scale);
criterion_main!(benches);
