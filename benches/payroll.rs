//! The cost of a month's payroll export on SQLite: 500 agents, each online twice a day and
//! handling 8 conversations a day for 30 days (120,000 stretches of work, 30,000 presence
//! changes), metered and written as CSV, as `handoff payroll export` and the staff endpoint do.
//! Run with `cargo bench --bench payroll`; results are recorded in BENCHMARKS.md.

use std::time::Instant;

use chrono::{NaiveDate, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use diesel::prelude::*;
use diesel::sql_query;
use handoff::db::{DbConn, run_migrations};
use handoff::payroll::export::{self, PayrollPeriod};

const AGENTS: i64 = 500;
const DAYS: i64 = 30;
const CONVERSATIONS_PER_DAY: i64 = 8;

/// Seeds agents, rates, presence and work for November 2026 with set-based SQL.
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
        "INSERT INTO agent_rates (agent_id, hourly_rate_minor, per_conversation_minor, currency, effective_from, created_at)
         SELECT user_id, 22000, 1500, 'SEK', '2026-10-01 00:00:00', '2026-10-01 00:00:00' FROM agents".into(),
        // A mid-month raise for every agent, so intervals are split.
        "INSERT INTO agent_rates (agent_id, hourly_rate_minor, per_conversation_minor, currency, effective_from, created_at)
         SELECT user_id, 24000, 1600, 'SEK', '2026-11-15 12:00:00', '2026-11-01 00:00:00' FROM agents".into(),
        "INSERT INTO service_accounts (name, token_hash, webhook_secret, created_at)
         VALUES ('bench', 'x', 'x', '2026-10-01 00:00:00')".into(),
        format!(
            "WITH RECURSIVE d(day) AS (SELECT 0 UNION ALL SELECT day + 1 FROM d WHERE day < {DAYS} - 1),
             s(shift) AS (SELECT 0 UNION ALL SELECT 1),
             e(event) AS (SELECT 0 UNION ALL SELECT 1)
             INSERT INTO presence_events (agent_id, presence, reason, scheduled, at)
             SELECT user_id, CASE event WHEN 0 THEN 'online' ELSE 'offline' END, 'chosen', 1,
                    datetime('2026-11-01 07:00:00', '+' || day || ' days', '+' || (shift * 6 + event * 4) || ' hours')
             FROM agents, d, s, e"
        ),
        format!(
            "WITH RECURSIVE d(day) AS (SELECT 0 UNION ALL SELECT day + 1 FROM d WHERE day < {DAYS} - 1),
             c(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM c WHERE k < {CONVERSATIONS_PER_DAY} - 1)
             INSERT INTO escalations (service_account_id, external_id, language, market, required_skills, priority,
                 priority_rank, sensitive, reason, summary, transcript, state, assigned_agent_id, widened_steps,
                 eta_at_intake_s, eta_seconds, created_at, assigned_at, closed_at, updated_at)
             SELECT 1, user_id || '-' || day || '-' || k, 'sv', 'SE', 'payments', 'normal', 2, 0, 'customer_request', '',
                 '[]', 'resolved', user_id, 0, 30, 30, t, t, datetime(t, '+25 minutes'), t
             FROM (SELECT user_id, day, k,
                          datetime('2026-11-01 07:10:00', '+' || day || ' days', '+' || (k * 40) || ' minutes') AS t
                   FROM agents, d, c)"
        ),
        "INSERT INTO assignments (escalation_id, agent_id, started_at, ended_at, outcome)
         SELECT id, assigned_agent_id, assigned_at, closed_at, 'resolved' FROM escalations".into(),
    ];
    for statement in statements {
        sql_query(statement).execute(conn).expect("seeding");
    }
}

fn export_a_month(c: &mut Criterion) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("payroll.db");
    let mut conn = DbConn::Sqlite(SqliteConnection::establish(path.to_str().unwrap()).unwrap());
    run_migrations(&mut conn).unwrap();
    let started = Instant::now();
    seed(&mut conn);
    println!("seeded {AGENTS} agents × {DAYS} days in {:.1} s", started.elapsed().as_secs_f64());
    let november = PayrollPeriod {
        from: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        tz: chrono_tz::Europe::Stockholm,
    };
    let mut group = c.benchmark_group("payroll export");
    group.sample_size(10);
    group.bench_function(format!("{AGENTS} agents, one month, summary CSV"), |b| {
        b.iter(|| {
            let pays = export::collect(&mut conn, &november, Utc::now(), None, &mut |_, _| {}).unwrap();
            let mut out = Vec::new();
            export::write_summary(&mut out, &november, &pays).unwrap();
            assert_eq!(out.iter().filter(|b| **b == b'\n').count() as i64, AGENTS + 1);
        })
    });
    group.finish();
}

criterion_group!(benches, export_a_month);
criterion_main!(benches);
