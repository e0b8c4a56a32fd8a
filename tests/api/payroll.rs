//! Payroll end to end: a scripted day on a chosen clock (tickers off), exported over HTTP and
//! compared with a CSV written out by hand; the detail export traced back to escalations; the
//! CSV read back by the csv crate and by Python's csv module; who may download what.

use chrono::{DateTime, Duration, TimeZone, Utc};
use diesel::prelude::*;
use handoff::availability::presence::{self, Presence};
use handoff::db::{Db, DbConn};
use handoff::dispatch::{Dispatcher, conversation, intake, offers, queue};
use handoff::error::AppError;
use handoff::models::offer;
use serde_json::{Value, json};

use crate::dispatch::escalation;
use crate::helpers::{TestApp, problem, spawn_app, spawn_app_with};
use crate::recruiting::application;
use handoff::ids::{AgentId, EscalationId, ServiceAccountId};

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

/// An approved agent with a name of our choosing, never online yet; returns (id, token).
pub async fn agent(app: &TestApp, email: &str, full_name: &str) -> (AgentId, String) {
    let mut body = application(email);
    body["full_name"] = json!(full_name);
    let response = app.post_json("/api/v1/agents", &body, None).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let mails = crate::mail::wait_for(&app.data_dir.join("mail"), email, "Confirm your email", 1).await;
    let token = crate::mail::verification_token(&mails[0]);
    assert_eq!(app.post_json("/api/v1/agents/verify", &json!({"token": token}), None).await.status(), 200);
    let admin = app.admin_token().await;
    let approved = app.post_json(&format!("/api/v1/staff/recruits/{id}/approve"), &json!({}), Some(&admin)).await;
    assert_eq!(approved.status(), 200);
    (AgentId(id), app.login_ok(email, "applicant-password-1").await["access_token"].as_str().unwrap().to_string())
}

/// Drives the library with a chosen clock; each step is one transaction, like a request.
pub struct Day {
    pub db: Db,
    service: ServiceAccountId,
    /// The service account's bearer token.
    pub token: String,
}

const HEARTBEAT: i64 = 45;

impl Day {
    pub async fn new(app: &TestApp) -> Day {
        let token = app.service_token("bot").await;
        let db = app.db();
        let service = db
            .read(|conn| {
                use handoff::db::schema::service_accounts;
                Ok(service_accounts::table.select(service_accounts::id).first::<ServiceAccountId>(conn)?)
            })
            .await
            .unwrap();
        Day { db, service, token }
    }

    pub fn service_id(&self) -> ServiceAccountId {
        self.service
    }

    pub async fn step(&self, f: impl FnOnce(&mut DbConn) -> Result<(), AppError> + Send + 'static) {
        self.db.write(f).await.unwrap();
    }

    pub async fn presence(&self, agent: AgentId, to: Presence, at: &str) {
        let at = utc(at);
        self.step(move |conn| {
            presence::choose(conn, agent, to, at)?;
            queue::tick(conn, at, &Dispatcher::new(Duration::seconds(HEARTBEAT))).map(|_| ())
        })
        .await;
    }

    /// The chatbot escalates at `at`; `agent` (the only one who can take it) accepts `after`.
    pub async fn escalate_and_accept(
        &self,
        external_id: &str,
        agent: AgentId,
        at: &str,
        after: Duration,
    ) -> EscalationId {
        let (at, service) = (utc(at), self.service);
        let input: intake::EscalationInput = serde_json::from_value(escalation(external_id)).unwrap();
        self.db
            .write(move |conn| {
                presence::heartbeat(conn, agent, at)?;
                let (created, _) = intake::intake(conn, service, &input, None, None, at)?;
                // The test plays the dispatcher, with its own clock.
                handoff::dispatch::queue::redispatch(conn, at, &Dispatcher::new(Duration::seconds(HEARTBEAT)))?;
                let pending = offer::pending_for_agent(conn, agent)?;
                let offered = pending.iter().find(|o| o.escalation_id == created.id).expect("offered to the agent");
                offers::accept(conn, agent, offered.id, at + after)?;
                Ok(created.id)
            })
            .await
            .unwrap()
    }

    async fn accept_waiting(&self, agent: AgentId, at: &str) -> EscalationId {
        let at = utc(at);
        self.db
            .write(move |conn| {
                let pending = offer::pending_for_agent(conn, agent)?;
                offers::accept(conn, agent, pending[0].id, at)?;
                Ok(pending[0].escalation_id)
            })
            .await
            .unwrap()
    }

    /// Resolves at `at` and finishes wrap-up at the same instant (no wrap-up time).
    pub async fn resolve(&self, escalation: EscalationId, agent: AgentId, at: &str) {
        self.resolve_and_wrap_up(escalation, agent, at, at).await;
    }

    /// Resolves at `at` and finishes wrap-up at `wrapped_at`.
    pub async fn resolve_and_wrap_up(&self, escalation: EscalationId, agent: AgentId, at: &str, wrapped_at: &str) {
        let (at, wrapped_at) = (utc(at), utc(wrapped_at));
        self.step(move |conn| conversation::resolve(conn, escalation, agent, "solved", None, at).map(|_| ())).await;
        let input = handoff::quality::wrap_up::WrapUpInput { disposition: "solved".into(), notes: None };
        self.step(move |conn| {
            handoff::quality::wrap_up::finish(conn, escalation, agent, &input, wrapped_at).map(|_| ())
        })
        .await;
    }

    async fn transfer(&self, escalation: EscalationId, agent: AgentId, at: &str) {
        let at = utc(at);
        let input =
            conversation::TransferInput { required_skills: vec!["payments".into()], note: "needs a specialist".into() };
        self.step(move |conn| conversation::transfer(conn, escalation, agent, &input, at).map(|_| ())).await;
    }
}

/// Both agents asked for 220.00 SEK an hour and 15.00 a conversation, from October on.
pub async fn rates_since_october(db: &Db) {
    db.write(|conn| {
        use handoff::db::schema::agent_rates;
        let october = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap().naive_utc();
        diesel::update(agent_rates::table).set(agent_rates::effective_from.eq(october)).execute(conn)?;
        Ok(())
    })
    .await
    .unwrap();
}

pub async fn csv_of(app: &TestApp, path: &str, token: &str) -> String {
    let response = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename="));
    response.text().await.unwrap()
}

/// Sunday 25 October 2026 in Stockholm: clocks go back at 03:00 CEST, so the payroll day is 25
/// hours long, from 22:00 UTC on the 24th to 23:00 UTC on the 25th.
#[tokio::test]
async fn a_scripted_day_exports_exactly_the_hand_written_payroll() {
    let app = spawn_app_with(|s| {
        s.payroll_timezone = "Europe/Stockholm".into();
        s.clock_tickers = false;
    })
    .await;
    let (asa, _) = agent(&app, "asa@example.com", "Åsa Öberg, \"Ace\"").await;
    let (bo, bo_token) = agent(&app, "bo@example.com", "Bo Lind").await;
    let response =
        app.client.put(app.url("/api/v1/me/capacity")).bearer_auth(&bo_token).json(&json!({"max_concurrent": 2}));
    assert_eq!(response.send().await.unwrap().status(), 200);
    let day = Day::new(&app).await;
    rates_since_october(&day.db).await;
    // Bo raises his rates from 08:00 UTC: 300.00 an hour, 20.00 a conversation.
    day.step(move |conn| {
        let change = handoff::availability::rates::RateChange {
            hourly_rate_minor: 30000,
            per_conversation_minor: 2000,
            currency: "SEK".into(),
            effective_from: Some(utc("2026-10-25T08:00:00Z")),
        };
        handoff::availability::rates::change(conn, bo, &change, utc("2026-10-25T06:00:00Z")).map(|_| ())
    })
    .await;

    // Åsa starts the evening before; her first conversation crosses the start of the period.
    day.presence(asa, Presence::Online, "2026-10-24T21:30:00Z").await;
    let e0 = day.escalate_and_accept("e0", asa, "2026-10-24T21:40:00Z", Duration::seconds(10)).await;
    day.resolve(e0, asa, "2026-10-24T22:20:00Z").await;
    day.presence(asa, Presence::Offline, "2026-10-25T01:30:00Z").await;
    // Bo holds two conversations at once across his rate change, then transfers a third.
    day.presence(bo, Presence::Online, "2026-10-25T07:00:00Z").await;
    let e2 = day.escalate_and_accept("e2", bo, "2026-10-25T07:05:15Z", Duration::seconds(15)).await;
    let e3 = day.escalate_and_accept("e3", bo, "2026-10-25T07:20:00Z", Duration::seconds(15)).await;
    day.resolve(e2, bo, "2026-10-25T07:50:00Z").await;
    day.resolve(e3, bo, "2026-10-25T08:10:00Z").await;
    let e4 = day.escalate_and_accept("e4", bo, "2026-10-25T09:00:00Z", Duration::seconds(5)).await;
    day.transfer(e4, bo, "2026-10-25T09:15:05Z").await;
    day.presence(bo, Presence::Offline, "2026-10-25T09:30:00Z").await;
    // Åsa comes back and is offered the transferred conversation.
    day.presence(asa, Presence::Online, "2026-10-25T10:00:00Z").await;
    assert_eq!(day.accept_waiting(asa, "2026-10-25T10:00:10Z").await, e4);
    day.resolve(e4, asa, "2026-10-25T10:30:10Z").await;
    day.presence(asa, Presence::Offline, "2026-10-25T11:00:00Z").await;
    // A late conversation runs past local midnight: 20 minutes are in the period, its resolution is not.
    day.presence(asa, Presence::Online, "2026-10-25T22:30:00Z").await;
    let e5 = day.escalate_and_accept("e5", asa, "2026-10-25T22:40:00Z", Duration::zero()).await;
    day.resolve(e5, asa, "2026-10-25T23:20:00Z").await;
    day.presence(asa, Presence::Offline, "2026-10-25T23:30:00Z").await;

    let admin = app.admin_token().await;
    let csv = csv_of(&app, "/api/v1/staff/payroll.csv?from=2026-10-25&to=2026-10-25", &admin).await;
    // Åsa: online 22:00-01:30, 10:00-11:00 and 22:30-23:00 = 18,000 s; engaged e0 22:00-22:20,
    // e4 10:00:10-10:30:10 and e5 22:40-23:00 = 4,200 s at 220.00/h = 25,666.67 → 25,667;
    // e0 and e4 resolved in the period at 15.00 = 3,000.
    // Bo: online 07:00-09:30 = 9,000 s; engaged 07:05:30-08:10 (e2 and e3 at once) and
    // 09:00:05-09:15:05 (e4, transferred) = 4,770 s; 3,270 s at 220.00 + 1,500 s at 300.00 =
    // 19,983.33 + 12,500 = 32,483.33 → 32,483; e2 at 15.00 (before 08:00) and e3 at 20.00.
    let expected = format!(
        "period_start,period_end,agent_id,agent_name,email,currency,online_seconds,engaged_seconds,conversations,hourly_pay_minor,per_conversation_pay_minor,total_minor,total,boosted_seconds,boost_pay_minor\n\
         2026-10-25,2026-10-25,{asa},\"Åsa Öberg, \"\"Ace\"\"\",asa@example.com,SEK,18000,4200,2,25667,3000,28667,286.67,0,0\n\
         2026-10-25,2026-10-25,{bo},Bo Lind,bo@example.com,SEK,9000,4770,2,32483,3500,35983,359.83,0,0\n"
    );
    assert_eq!(csv, expected);

    // Every number traces to escalations in the reconciliation export.
    let detail = csv_of(&app, "/api/v1/staff/payroll.csv?from=2026-10-25&to=2026-10-25&detail=true", &admin).await;
    let rows = read_csv(&detail);
    let bo_engaged: Vec<[&str; 6]> = rows
        .iter()
        .filter(|r| r["agent_id"] == bo.to_string() && r["kind"] == "engaged")
        .map(|r| {
            [&r["escalation_ids"], &r["start"], &r["end"], &r["seconds"], &r["rate_minor"], &r["pay_minor"]]
                .map(|s| s.as_str())
        })
        .collect();
    let (e2s, e3s, e4s) = (e2.to_string(), e3.to_string(), e4.to_string());
    let both = format!("{e2} {e3}");
    assert_eq!(
        bo_engaged,
        vec![
            [both.as_str(), "2026-10-25T07:05:30Z", "2026-10-25T08:00:00Z", "3270", "22000", "19983.3333"],
            [e3s.as_str(), "2026-10-25T08:00:00Z", "2026-10-25T08:10:00Z", "600", "30000", "5000.0000"],
            [e4s.as_str(), "2026-10-25T09:00:05Z", "2026-10-25T09:15:05Z", "900", "30000", "7500.0000"],
        ]
    );
    let bo_paid_for: Vec<&str> = rows
        .iter()
        .filter(|r| r["agent_id"] == bo.to_string() && r["kind"] == "conversation")
        .map(|r| r["escalation_ids"].as_str())
        .collect();
    assert_eq!(bo_paid_for, [e2s.as_str(), e3s.as_str()], "the transferred e4 is paid to Åsa, who resolved it");
    let asa_paid_for: Vec<String> = rows
        .iter()
        .filter(|r| r["agent_id"] == asa.to_string() && r["kind"] == "conversation")
        .map(|r| r["escalation_ids"].clone())
        .collect();
    assert_eq!(asa_paid_for, [e0.to_string(), e4.to_string()]);
    assert_summary_matches_detail(&read_csv(&csv), &rows);
    crate::payroll_python::check(&csv, &detail);

    // Åsa's own statement is her line, and only hers.
    let asa_token =
        app.login_ok("asa@example.com", "applicant-password-1").await["access_token"].as_str().unwrap().to_string();
    let statement = csv_of(&app, "/api/v1/me/statement.csv?from=2026-10-25&to=2026-10-25", &asa_token).await;
    let lines: Vec<&str> = expected.lines().collect();
    assert_eq!(statement, format!("{}\n{}\n", lines[0], lines[1]));

    // The command line writes the same file.
    let out = app.data_dir.join("payroll.csv");
    let args = ["payroll", "export", "--from", "2026-10-25", "--to", "2026-10-25", "--out", out.to_str().unwrap()];
    let exported = cli_with_payroll_zone(&app, &args);
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), expected);
    let wrong = cli_with_payroll_zone(&app, &["payroll", "export", "--from", "2026-10-25", "--to", "yesterday"]);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("--to: `yesterday` is not a date"));
}

fn cli_with_payroll_zone(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .env("HANDOFF_DATA_DIR", &app.data_dir)
        .env("HANDOFF_DATABASE_URL", &app.database_url)
        .env("HANDOFF_PAYROLL_TIMEZONE", "Europe/Stockholm")
        .env("HANDOFF_LOG", "warn")
        .output()
        .expect("the handoff binary runs")
}

type Row = std::collections::HashMap<String, String>;

/// Parses with the csv crate, keyed by the header.
pub fn read_csv(text: &str) -> Vec<Row> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| header.iter().map(String::from).zip(r.unwrap().iter().map(String::from)).collect())
        .collect()
}

/// Each summary line equals the sum of its detail pieces, rounded once.
fn assert_summary_matches_detail(summary: &[Row], detail: &[Row]) {
    for line in summary {
        let pieces: Vec<&Row> =
            detail.iter().filter(|r| r["agent_id"] == line["agent_id"] && r["currency"] == line["currency"]).collect();
        let seconds = |kind: &str| -> i64 {
            pieces.iter().filter(|r| r["kind"] == kind).map(|r| r["seconds"].parse::<i64>().unwrap()).sum()
        };
        let exact: i128 = pieces
            .iter()
            .filter(|r| r["kind"] == "engaged")
            .map(|r| r["seconds"].parse::<i128>().unwrap() * r["rate_minor"].parse::<i128>().unwrap())
            .sum();
        let per_conversation: i64 = pieces
            .iter()
            .filter(|r| r["kind"] == "conversation")
            .map(|r| r["rate_minor"].parse::<i64>().unwrap())
            .sum();
        assert_eq!(line["online_seconds"], seconds("online").to_string());
        assert_eq!(line["engaged_seconds"], seconds("engaged").to_string());
        assert_eq!(line["hourly_pay_minor"], ((2 * exact + 3600) / 7200).to_string());
        assert_eq!(line["per_conversation_pay_minor"], per_conversation.to_string());
        let conversations = pieces.iter().filter(|r| r["kind"] == "conversation").count();
        assert_eq!(line["conversations"], conversations.to_string());
    }
}

#[tokio::test]
async fn periods_are_checked_and_only_staff_export_everyone() {
    let app = spawn_app().await;
    let (_, agent_token) = app.active_agent_token("agent@example.com").await;
    let (other, _) = app.active_agent_token("other@example.com").await;
    let admin = app.admin_token().await;
    let get = |path: &str, token: &str| app.client.get(app.url(path)).bearer_auth(token.to_string()).send();

    let missing = problem(get("/api/v1/staff/payroll.csv", &admin).await.unwrap(), 422).await;
    let fields: Vec<&str> =
        missing["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["from", "to"]);
    let backwards =
        problem(get("/api/v1/staff/payroll.csv?from=2026-12-02&to=2026-12-01", &admin).await.unwrap(), 422).await;
    assert_eq!(backwards["errors"][0]["field"], "to");
    let garbled =
        problem(get("/api/v1/staff/payroll.csv?from=01/12/2026&to=2026-12-01", &admin).await.unwrap(), 422).await;
    assert_eq!(garbled["errors"][0]["field"], "from");
    let detail = problem(
        get("/api/v1/staff/payroll.csv?from=2026-12-01&to=2026-12-01&detail=maybe", &admin).await.unwrap(),
        422,
    )
    .await;
    assert_eq!(detail["errors"][0]["field"], "detail");

    let period = "from=2026-11-01&to=2026-11-30";
    problem(get(&format!("/api/v1/staff/payroll.csv?{period}"), &agent_token).await.unwrap(), 403).await;
    problem(get(&format!("/api/v1/me/statement.csv?{period}&agent_id={other}"), &agent_token).await.unwrap(), 403)
        .await;
    problem(get(&format!("/api/v1/me/statement.csv?{period}"), &admin).await.unwrap(), 403).await;
    problem(app.client.get(app.url(&format!("/api/v1/me/statement.csv?{period}"))).send().await.unwrap(), 401).await;
    problem(app.client.get(app.url(&format!("/api/v1/staff/payroll.csv?{period}"))).send().await.unwrap(), 401).await;
    let service = app.service_token("bot").await;
    problem(get(&format!("/api/v1/staff/payroll.csv?{period}"), &service).await.unwrap(), 403).await;
    problem(get(&format!("/api/v1/me/statement.csv?{period}"), &service).await.unwrap(), 403).await;
    let empty = csv_of(&app, &format!("/api/v1/me/statement.csv?{period}"), &agent_token).await;
    assert_eq!(empty.lines().count(), 1, "a header and nothing else: {empty}");
}
