//! No secret reaches the logs: the service is run as a process at the most verbose level, is
//! given passwords, tokens (in headers, cookies, bodies and a query string) and a failed login,
//! and its whole log is then searched for each of them.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn passwords_tokens_and_the_jwt_secret_never_appear_in_the_log() {
    let folder = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .arg("serve")
        .env("HANDOFF_DATA_DIR", folder.path())
        .env("HANDOFF_BIND", format!("127.0.0.1:{port}"))
        .env("HANDOFF_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the handoff binary runs");
    let mut server = Running(child);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.get(format!("{url}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The first admin's password is printed once on stdout, on purpose; it must not be logged.
    let mut stdout = server.0.stdout.take().unwrap();
    let printed = tokio::task::spawn_blocking(move || {
        let mut text = String::new();
        let mut buffer = [0u8; 4096];
        while !text.contains("Handoff is running at") {
            let n = stdout.read(&mut buffer).unwrap();
            if n == 0 {
                break;
            }
            text.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
        text
    })
    .await
    .unwrap();
    let field = |name: &str| {
        printed.lines().find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_string())).expect(&printed)
    };
    let (email, password) = (field("email:"), field("password:"));

    let post = |path: &str, body: Value, token: Option<&str>| {
        let request = client.post(format!("{url}{path}")).json(&body);
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
    };
    let wrong_password = "not-the-password-4f9c2";
    let refused = post("/api/v1/auth/login", json!({"email": email, "password": wrong_password}), None);
    assert_eq!(refused.await.unwrap().status(), 401);
    let login = post("/api/v1/auth/login", json!({"email": email, "password": password}), None);
    let asked: Value = login.await.unwrap().json().await.unwrap();
    let challenge = asked["challenge"].as_str().expect("the admin must set up a second factor").to_string();
    let enrolment = post("/api/v1/auth/mfa/enrolment", json!({"challenge": challenge}), None);
    let enrolment: Value = enrolment.await.unwrap().json().await.unwrap();
    let totp_secret = enrolment["secret"].as_str().unwrap().to_string();
    let code = crate::authenticator::code_at(&totp_secret, crate::authenticator::now_s());
    let completed = post("/api/v1/auth/mfa", json!({"challenge": challenge, "code": code}), None);
    let pair: Value = completed.await.unwrap().json().await.unwrap();
    let recovery_code = pair["recovery_codes"][0].as_str().unwrap().to_string();
    let (access, refresh) = (pair["access_token"].as_str().unwrap(), pair["refresh_token"].as_str().unwrap());
    let created = post("/api/v1/admin/service-accounts", json!({"name": "bot"}), Some(access));
    let service: Value = created.await.unwrap().json().await.unwrap();
    let service_token = service["token"].as_str().unwrap();
    let _ = client.get(format!("{url}/api/v1/staff/skills?access_token={access}")).send().await.unwrap();
    let _ = client.get(format!("{url}/api/v1/me")).bearer_auth(service_token).send().await.unwrap();
    // What customers type: a card number, an IBAN and an email, at intake and in a message.
    let (card, iban, customer_email) =
        ("4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "kim.customer@example.org");
    let mut body = crate::dispatch::escalation("log-1");
    body["summary"] = json!(format!("card {card}, iban {iban}, mail {customer_email}"));
    body["customer_ref"] = json!(customer_email);
    let escalated = post("/api/v1/escalations", body, Some(service_token)).await.unwrap();
    assert_eq!(escalated.status(), 201);
    let id = escalated.json::<Value>().await.unwrap()["id"].clone();
    let said = json!({"text": format!("my card {card} and {customer_email}")});
    assert_eq!(
        post(&format!("/api/v1/escalations/{id}/messages"), said, Some(service_token)).await.unwrap().status(),
        201
    );
    let renewed = post("/api/v1/auth/refresh", json!({"refresh_token": refresh}), None);
    assert_eq!(renewed.await.unwrap().status(), 200);
    // A reused refresh token is the loudest path (it revokes the login and warns).
    let reused = post("/api/v1/auth/refresh", json!({"refresh_token": refresh}), None);
    assert_eq!(reused.await.unwrap().status(), 401);
    let _ = client.get(format!("{url}/api/v1/me")).bearer_auth("made-up.token.value").send().await.unwrap();

    let _ = server.0.kill();
    let _ = server.0.wait();
    let mut log = String::new();
    server.0.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    assert!(log.contains("/api/v1/auth/login"), "requests are logged at all:\n{log}");
    let jwt_secret = std::fs::read_to_string(folder.path().join("jwt_secret")).unwrap();
    let webhook_secret = service["webhook_secret"].as_str().unwrap();
    for (what, secret) in [
        ("admin password", password.as_str()),
        ("wrong password", wrong_password),
        ("access token", access),
        ("refresh token", refresh),
        ("service token", service_token),
        ("webhook secret", webhook_secret),
        ("JWT secret", jwt_secret.trim()),
        ("card number", card),
        ("card number's digits", &card.replace(' ', "")),
        ("IBAN", iban),
        ("IBAN without spaces", &iban.replace(' ', "")),
        ("customer's email", customer_email),
        ("login challenge", &challenge),
        ("TOTP secret", &totp_secret),
        ("recovery code", &recovery_code),
    ] {
        assert!(!secret.is_empty(), "{what} is known");
        assert!(!log.contains(secret), "the log contains the {what}");
    }
}
