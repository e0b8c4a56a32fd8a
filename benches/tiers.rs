//! Tier recomputation for 10,000 agents over 28 days of history on SQLite: each agent handled
//! 4 conversations a day (1.12 million resolved stretches), was offered each once and missed
//! one offer a day more, half the conversations rated, one in twenty reviewed, one in ten
//! followed by the same customer, a slot booked every day. Measured: learning speed and quality
//! per skill plus every tier (`quality::tiers::recompute`, which writes), the figures alone
//! (`evaluate_all`, read only), and as a baseline in the same run one grouped count over the
//! resolutions. Peak memory of a recompute is read from the kernel (VmHWM, reset first).
//! Run with `cargo bench --bench tiers`; results are recorded in BENCHMARKS.md.

use std::time::Instant;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use diesel::prelude::*;
use diesel::sql_query;
use handoff::db::{DbConn, run_migrations};

const AGENTS: i64 = 10_000;
const DAYS: i64 = 28;
const PER_DAY: i64 = 4;

fn seed(conn: &mut DbConn) {
    let statements = [
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {AGENTS})
             INSERT INTO users (email, password_hash, full_name, role, status, created_at, updated_at)
             SELECT 'agent' || i || '@example.com', 'x', 'Agent ' || i, 'agent', 'active', '2026-10-01 00:00:00', '2026-10-01 00:00:00' FROM n"
        ),
        "INSERT INTO agents (user_id, timezone, latitude, longitude, recruit_source, motivation, max_concurrent,
                             rating_sum, rating_count, applied_at)
         SELECT id, 'Europe/Stockholm', 59.3, 18.0, 'student', 'bench', 2, 0, 0, '2026-10-01 00:00:00' FROM users".into(),
        "INSERT INTO service_accounts (name, token_hash, webhook_secret, created_at)
         VALUES ('bench', 'x', 'x', '2026-10-01 00:00:00')".into(),
        format!(
            "WITH RECURSIVE d(day) AS (SELECT 0 UNION ALL SELECT day + 1 FROM d WHERE day < {DAYS} - 1),
             c(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM c WHERE k < {PER_DAY} - 1)
             INSERT INTO escalations (service_account_id, external_id, language, market, required_skills, priority,
                 priority_rank, sensitive, reason, summary, transcript, state, assigned_agent_id, widened_steps,
                 eta_at_intake_s, eta_seconds, created_at, assigned_at, closed_at, updated_at)
             SELECT 1, user_id || '-' || day || '-' || k, 'sv', 'SE', CASE k % 2 WHEN 0 THEN 'payments' ELSE 'refunds' END,
                 'normal', 2, 0, 'customer_request', '', '[]', 'resolved', user_id, 0, 30, 30, t,
                 t, datetime(t, '+' || (15 + (user_id % 20)) || ' minutes'), t
             FROM (SELECT user_id, day, k,
                          datetime('2026-11-01 07:10:00', '+' || day || ' days', '+' || (k * 60) || ' minutes') AS t
                   FROM agents, d, c)"
        ),
        "INSERT INTO assignments (escalation_id, agent_id, started_at, ended_at, outcome, resolved_at)
         SELECT id, assigned_agent_id, assigned_at, datetime(closed_at, '+1 minutes'), 'resolved', closed_at FROM escalations".into(),
        "INSERT INTO offers (escalation_id, agent_id, state, score, explanation, created_at, expires_at, answered_at)
         SELECT id, assigned_agent_id, 'accepted', 0.8, 'bench', created_at, datetime(created_at, '+20 seconds'), created_at
         FROM escalations".into(),
        "INSERT INTO offers (escalation_id, agent_id, state, score, explanation, created_at, expires_at, answered_at)
         SELECT id, assigned_agent_id, 'expired', 0.7, 'bench', created_at, datetime(created_at, '+20 seconds'), NULL
         FROM escalations WHERE id % 4 = 0".into(),
        "INSERT INTO ratings (escalation_id, agent_id, score, comment, created_at)
         SELECT id, assigned_agent_id, 3 + (id % 3), NULL, closed_at FROM escalations WHERE id % 2 = 0".into(),
        "INSERT INTO scorecards (name, criteria, active, created_at)
         VALUES ('bench', '[{\"name\":\"accuracy\",\"weight\":1,\"scale\":\"one_to_five\"}]', 1, '2026-10-01 00:00:00')".into(),
        "INSERT INTO quality_reviews (escalation_id, agent_id, scorecard_id, scores, score, comment, created_at)
         SELECT id, assigned_agent_id, 1, '{\"accuracy\":4}', 60 + (id % 40), '', closed_at FROM escalations WHERE id % 20 = 0".into(),
        "INSERT INTO repeat_contacts (escalation_id, repeat_escalation_id, marked_at)
         SELECT id, id - 1, closed_at FROM escalations WHERE id % 10 = 0".into(),
        format!(
            "WITH RECURSIVE d(day) AS (SELECT 0 UNION ALL SELECT day + 1 FROM d WHERE day < {DAYS} - 1)
             INSERT INTO coverage_slots (language, market, required_skills, starts_at, places, booked, published_at, updated_at)
             SELECT 'sv', 'SE', 'payments', datetime('2026-11-01 07:00:00', '+' || day || ' days'), {AGENTS}, {AGENTS},
                    '2026-10-25 00:00:00', '2026-10-25 00:00:00' FROM d"
        ),
        "INSERT INTO slot_bookings (slot_id, agent_id, starts_at, state, booked_at, settled_at)
         SELECT s.id, a.user_id, s.starts_at, CASE (a.user_id + s.id) % 10 WHEN 0 THEN 'no_show' ELSE 'kept' END,
                '2026-10-25 00:00:00', s.starts_at FROM coverage_slots s, agents a".into(),
    ];
    for statement in statements {
        sql_query(statement).execute(conn).expect("seeding");
    }
}

/// One recompute in one write transaction, as the hourly upkeep runs it.
fn recompute(conn: &mut DbConn, now: chrono::DateTime<Utc>) -> handoff::quality::tiers::RecomputeSummary {
    conn.transaction::<_, handoff::error::AppError, _>(|c| handoff::quality::tiers::recompute(c, now)).unwrap()
}

/// The process's resident and peak resident memory in KiB (Linux).
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn recompute_tiers(c: &mut Criterion) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("tiers.db");
    let mut conn = DbConn::Sqlite(SqliteConnection::establish(path.to_str().unwrap()).unwrap());
    run_migrations(&mut conn).unwrap();
    let started = Instant::now();
    seed(&mut conn);
    println!("seeded {AGENTS} agents × {DAYS} days in {:.1} s", started.elapsed().as_secs_f64());
    let now = Utc.with_ymd_and_hms(2026, 11, 29, 0, 0, 0).unwrap();

    // Memory of one full recompute, beside the memory before it.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let (before, _) = memory_kib();
    let first = Instant::now();
    let summary = recompute(&mut conn, now);
    let (_, peak) = memory_kib();
    println!(
        "first recompute ({} agents, {} learned, {} tier changes): {:.2} s, resident {} MiB before, peak {} MiB (+{} MiB)",
        summary.agents,
        summary.learned,
        summary.changed,
        first.elapsed().as_secs_f64(),
        before / 1024,
        peak / 1024,
        peak.saturating_sub(before) / 1024
    );

    let mut group = c.benchmark_group("tiers");
    group.sample_size(10);
    group.bench_function("baseline: one grouped count of resolutions", |b| {
        b.iter(|| {
            let counts = handoff::models::escalation::resolutions_since(
                &mut conn,
                (now - chrono::Duration::days(DAYS)).naive_utc(),
            )
            .unwrap();
            assert_eq!(counts.len() as i64, AGENTS);
        })
    });
    group.bench_function("figures for 10,000 agents (read only)", |b| {
        let rules = handoff::quality::settings::QualitySettings::default().tiers;
        b.iter(|| {
            let figures = handoff::quality::tiers::evaluate_all(&mut conn, &rules, now).unwrap();
            assert_eq!(figures.len() as i64, AGENTS);
        })
    });
    group.bench_function("recompute: learn, tier and store 10,000 agents", |b| b.iter(|| recompute(&mut conn, now)));
    group.finish();
}

criterion_group!(benches, recompute_tiers);
criterion_main!(benches);
