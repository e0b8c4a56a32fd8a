//! `handoff demo`: starts on a fresh database, prints where to look, and within a bounded time
//! the simulated chatbot's escalations are being assigned to simulated agents.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Kills the demo even when the test fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn samples(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
        .sum()
}

#[tokio::test]
async fn the_demo_comes_alive_with_assigned_escalations_within_a_minute() {
    let folder = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(["demo", "--data-dir", folder.path().join("demo").to_str().unwrap(), "--escalations-per-minute", "120"])
        .env("HANDOFF_BIND", "127.0.0.1:0")
        .env("HANDOFF_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the handoff binary runs");
    let mut demo = Running(child);
    let stdout = demo.0.stdout.take().unwrap();
    let printed: Vec<String> = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout).lines().map_while(Result::ok).take_while(|l| !l.contains("Ctrl-C stops it")).collect()
    })
    .await
    .unwrap();
    let text = printed.join("\n");
    let url = text.split("running at ").nth(1).and_then(|r| r.split_whitespace().next()).expect(&text).to_string();
    let agent_email =
        text.split("log in as agent").nth(1).map(|r| format!("agent{}", r.split(' ').next().unwrap())).unwrap();
    assert!(text.contains("/staff") && text.contains("chatbot token"), "{text}");

    // No server in this process installed rustls' crypto provider; the client needs one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let metrics = client.get(format!("{url}/metrics")).send().await.unwrap().text().await.unwrap();
        let worked = samples(&metrics, "handoff_escalations{state=\"assigned\"}")
            + samples(&metrics, "handoff_escalations{state=\"resolved\"}");
        if worked >= 3.0 {
            assert_eq!(samples(&metrics, "handoff_agents_online"), 30.0);
            break;
        }
        assert!(Instant::now() < deadline, "no escalation was assigned within a minute:\n{metrics}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let login = client
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"email": agent_email, "password": handoff::demo::AGENT_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200, "the printed agent login works");

    // The printed admin login works with a code from the printed TOTP key.
    let after = |marker: &str| text.split(marker).nth(1).and_then(|r| r.split_whitespace().next()).unwrap().to_string();
    let (email, password, key) = (after("log in as admin@"), after(" / "), after("add TOTP key "));
    let login = json!({"email": format!("admin@{email}"), "password": password});
    let asked: Value =
        client.post(format!("{url}/api/v1/auth/login")).json(&login).send().await.unwrap().json().await.unwrap();
    assert_eq!(asked["mfa_enrolment_required"], false, "the demo's admin is enrolled: {asked}");
    let code = crate::authenticator::code_at(&key, crate::authenticator::now_s());
    let body = json!({"challenge": asked["challenge"], "code": code});
    let done = client.post(format!("{url}/api/v1/auth/mfa")).json(&body).send().await.unwrap();
    assert_eq!(done.status(), 200, "the printed admin login works with the printed key");
}
