//! The `handoff` binary's account commands, against the backend under test.

use std::process::Command;

use crate::helpers::{TestDatabase, spawn_app_with};

fn handoff(data_dir: &std::path::Path, database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .env("HANDOFF_DATA_DIR", data_dir)
        .env("HANDOFF_DATABASE_URL", database_url)
        .env("HANDOFF_DATA_KEY", crate::helpers::TEST_DATA_KEY)
        .env("HANDOFF_PASSWORD", "cli-password-123")
        .env("HANDOFF_LOG", "warn")
        .output()
        .expect("the handoff binary runs")
}

#[tokio::test]
async fn staff_and_service_accounts_created_on_the_command_line_can_log_in() {
    let data_dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(data_dir.path());

    let migrated = handoff(data_dir.path(), &database.url, &["migrate"]);
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));

    let staff = handoff(
        data_dir.path(),
        &database.url,
        &["staff", "create", "--email", "Ops@Example.com", "--full-name", "Ops Person", "--role", "staff"],
    );
    assert!(staff.status.success(), "{}", String::from_utf8_lossy(&staff.stderr));
    assert!(String::from_utf8_lossy(&staff.stdout).contains("created staff ops@example.com"));

    let again =
        handoff(data_dir.path(), &database.url, &["staff", "create", "--email", "ops@example.com", "--full-name", "X"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let bad = handoff(data_dir.path(), &database.url, &["staff", "create", "--email", "nope", "--full-name", "X"]);
    assert!(!bad.status.success());

    let service = handoff(data_dir.path(), &database.url, &["service-account", "create", "--name", "bot"]);
    let printed = String::from_utf8_lossy(&service.stdout).to_string();
    assert!(service.status.success(), "{}", String::from_utf8_lossy(&service.stderr));
    let token = printed.split_whitespace().find(|w| w.starts_with("hsvc_")).expect("the token is printed").to_string();

    // A server on the same database accepts both.
    let url = database.url.clone();
    let app = spawn_app_with(move |s| s.database_url = url).await;
    assert_eq!(app.login("ops@example.com", "cli-password-123").await.status(), 200);
    let response = app.post_json("/api/v1/admin/staff", &serde_json::json!({}), Some(&token)).await;
    let status = response.status();
    assert_eq!(
        status,
        403,
        "the service token authenticates (and is not an admin): {}",
        response.text().await.unwrap()
    );
}

#[test]
fn a_bad_setting_stops_the_binary_with_a_clear_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .arg("migrate")
        .env("HANDOFF_BIND", "not-an-address")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("HANDOFF_BIND"));
}

#[test]
fn simulate_prints_a_json_report_and_refuses_a_broken_scenario() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/small.json");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_handoff")).args(args).env("HANDOFF_LOG", "warn").output().unwrap()
    };
    let output = run(&["simulate", "--scenario", scenario, "--policy", "longest_idle", "--json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(report["policy"], "longest_idle");
    assert_eq!(report["seed"], 7);
    assert!(report["escalations"].as_u64().unwrap() > 50);
    for field in ["p_wait", "utilization", "eta_rel_error_mean", "language_match_rate", "offers_per_handled"] {
        assert!(report[field].is_number(), "{field}");
    }
    assert!(report["wait_s"]["p99"].is_number() && report["fairness"]["engaged_time_gini"].is_number());
    let again = run(&["simulate", "--scenario", scenario, "--policy", "longest_idle", "--json"]);
    assert_eq!(again.stdout, output.stdout, "the same seed gives the same report");

    let folder = tempfile::tempdir().unwrap();
    let broken = folder.path().join("broken.json");
    std::fs::write(&broken, r#"{"duration_s": 0, "agents": [], "arrivals": []}"#).unwrap();
    let refused = run(&["simulate", "--scenario", broken.to_str().unwrap()]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("duration_s") && message.contains("agents must name"), "{message}");
}

#[test]
fn loadtest_reports_latency_throughput_and_no_errors_on_a_small_run() {
    let folder = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(["loadtest", "--agents", "10", "--rate", "10", "--duration-s", "2"])
        .args(["--data-dir", folder.path().join("load").to_str().unwrap()])
        .env("HANDOFF_LOG", "warn")
        .env_remove("HANDOFF_DATABASE_URL")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("agents online: 10, with open streams: 10"), "{text}");
    assert!(text.contains("memory of this process") && text.contains(" MB peak"), "{text}");
    assert!(text.contains("escalation → offer received: p50") && text.contains("(20 offers)"), "{text}");
    assert!(text.contains("accepted: 20 ") && text.contains("errors: 0"), "{text}");
    assert!(text.contains("raw single-row writes on the same database:"), "{text}");
}
