//! The recruiting journey in a real headless Chromium, driven over WebDriver (chromedriver).
//! Runs when TEST_BROWSER=1 (`.ci/run` installs Debian's chromium and chromium-driver); saves a
//! screenshot of each page to target/screenshots/.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::mail;

/// chromedriver in its own process group; dropping it kills the group, browsers included,
/// even when the test panics.
pub struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // `--` so the negative process-group id is not read as an option.
        let _ = Command::new("kill").args(["-s", "KILL", "--", &format!("-{}", self.child.id())]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_driver() -> Driver {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("chromedriver runs (apt-get install chromium chromium-driver)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver { child, port, _profile: tempfile::tempdir().unwrap() }
}

pub async fn browser(driver: &Driver, width: u32, height: u32) -> Client {
    let args = json!([
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        format!("--window-size={width},{height}"),
        format!("--user-data-dir={}", driver._profile.path().join(format!("{width}x{height}")).display()),
    ]);
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), json!({ "args": args }));
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a browser session")
}

pub async fn screenshot(client: &Client, name: &str) {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&folder).unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(folder.join(format!("{name}.png")), png).unwrap();
}

pub async fn fill(client: &Client, id: &str, text: &str) {
    client.find(Locator::Id(id)).await.unwrap().send_keys(text).await.unwrap();
}

pub async fn choose(client: &Client, id: &str, value: &str) {
    client.find(Locator::Id(id)).await.unwrap().select_by_value(value).await.unwrap();
}

/// Waits until the page contains `text`.
pub async fn wait_for_text(client: &Client, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if client.source().await.unwrap().contains(text) {
            return;
        }
        assert!(Instant::now() < deadline, "the page never showed {text:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Fills and sends the login form (the password alone: agents without a second factor).
pub async fn submit_login(app: &TestApp, client: &Client, email: &str, password: &str) {
    client.goto(&app.url("/login")).await.unwrap();
    fill(client, "email", email).await;
    fill(client, "password", password).await;
    client.find(Locator::Css("form.stack button[type=submit]")).await.unwrap().click().await.unwrap();
}

/// Logs staff in as a person would: email and password, then the second factor. On a first
/// login that is the enrolment page (its QR code and typed key; the test's authenticator reads
/// the key, as a phone would scan the code) and then the recovery codes; after that, a code.
/// `shots` names the screenshots of the second-factor pages, when wanted.
pub async fn staff_login(app: &TestApp, client: &Client, email: &str, password: &str, shots: Option<&str>) {
    submit_login(app, client, email, password).await;
    wait_for_text(client, r#"id="code""#).await;
    let enrolling = client.find(Locator::Id("mfa-secret")).await;
    if let Ok(secret) = &enrolling {
        app.authenticator.remember(email, &secret.text().await.unwrap());
        let width =
            client.execute("return document.querySelector('figure.qr svg').getBoundingClientRect().width;", vec![]);
        assert!(width.await.unwrap().as_f64().unwrap() >= 150.0, "the QR code is drawn large enough to scan");
    }
    if let Some(name) = shots {
        screenshot(client, &format!("{name}-code")).await;
    }
    fill(client, "code", &app.authenticator.code(email).await).await;
    client.find(Locator::Id("verify-code")).await.unwrap().click().await.unwrap();
    if enrolling.is_ok() {
        wait_for_text(client, "Your recovery codes").await;
        let codes = client.find_all(Locator::Css("#recovery-codes li")).await.unwrap();
        assert_eq!(codes.len(), 10);
        if let Some(name) = shots {
            screenshot(client, &format!("{name}-recovery-codes")).await;
        }
        client.find(Locator::Id("continue")).await.unwrap().click().await.unwrap();
    }
}

pub fn enabled() -> bool {
    if std::env::var("TEST_BROWSER").as_deref() == Ok("1") {
        return true;
    }
    eprintln!("skipped: set TEST_BROWSER=1 (with chromium and chromedriver installed) to run the browser tests");
    false
}

async fn apply_in_the_browser(app: &TestApp, client: &Client, email: &str) {
    client.goto(&app.url("/register")).await.unwrap();
    screenshot(client, "01-register").await;
    fill(client, "full_name", "Greta Berg").await;
    fill(client, "email", email).await;
    fill(client, "password", "greta's long password").await;
    choose(client, "language_code_0", "sv").await;
    choose(client, "language_level_0", "native").await;
    choose(client, "language_code_1", "en").await;
    choose(client, "language_level_1", "fluent").await;
    client.find(Locator::Id("skill_payments")).await.unwrap().click().await.unwrap();
    choose(client, "proficiency_payments", "4").await;
    choose(client, "city", "Kiruna").await;
    choose(client, "currency", "SEK").await;
    fill(client, "hourly_rate", "210").await;
    fill(client, "per_conversation", "14.50").await;
    choose(client, "recruit_source", "rural").await;
    fill(client, "motivation", "Long winters, good internet, and I like people.").await;
    client.find(Locator::Css("form.form-grid button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(client, "Check your email").await;
    screenshot(client, "02-check-your-email").await;
}

#[tokio::test]
async fn a_person_applies_confirms_and_is_approved_in_the_browser() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    let driver = start_driver();
    let client = browser(&driver, 1280, 1000).await;
    let email = "greta@example.com";

    apply_in_the_browser(&app, &client, email).await;

    let mails = mail::wait_for(&app.data_dir.join("mail"), email, "Confirm your email", 1).await;
    let token = mail::verification_token(&mails[0]);
    client.goto(&app.url(&format!("/verify?token={token}"))).await.unwrap();
    screenshot(&client, "03-verify").await;
    client.find(Locator::Id("confirm")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "Your email address is confirmed").await;
    screenshot(&client, "04-verified").await;

    staff_login(&app, &client, &app.admin_email, &app.admin_password, Some("05-staff-login")).await;
    wait_for_text(&client, "Waiting for a human").await;
    assert_eq!(client.current_url().await.unwrap().path(), "/staff", "staff land on the operations page");
    client.find(Locator::LinkText("Recruits")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "Greta Berg").await;
    screenshot(&client, "06-staff-recruits").await;

    fill(&client, &format!("note-{}", agent_id(&app, email).await), "Welcome to the team").await;
    client.find(Locator::Css("button[id^=approve-]")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "Approved. The agent has been emailed.").await;
    screenshot(&client, "07-approved").await;

    mail::wait_for(&app.data_dir.join("mail"), email, "approved", 1).await;
    let admin = app.admin_token().await;
    let recruit: Value = app
        .get_json(&format!("/api/v1/staff/recruits/{}", agent_id(&app, email).await), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(recruit["status"], "active");
    assert_eq!(recruit["country"], "SE");
    assert_eq!(recruit["rates"]["per_conversation_minor"], 1450);
    assert_eq!(recruit["history"].as_array().unwrap().last().unwrap()["detail"], "Welcome to the team");
    client.close().await.unwrap();
}

#[tokio::test]
async fn the_application_form_fits_a_phone_screen() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    let driver = start_driver();
    let client = browser(&driver, 390, 844).await;
    client.goto(&app.url("/register")).await.unwrap();
    // Nothing is wider than the screen: no sideways scrolling.
    let widths =
        client.execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await.unwrap();
    let (content, viewport) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    assert!(content <= viewport, "the page is {content}px wide on a {viewport}px screen");
    screenshot(&client, "08-register-phone").await;
    client.close().await.unwrap();
}

async fn agent_id(app: &TestApp, email: &str) -> i64 {
    let admin = app.admin_token().await;
    let all: Vec<Value> = app.get_json("/api/v1/staff/recruits", &admin).await.json().await.unwrap();
    all.iter().find(|r| r["email"] == email).expect("the applicant is listed")["id"].as_i64().unwrap()
}

#[tokio::test]
async fn an_agent_sets_a_week_and_the_open_page_keeps_them_online() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    let (id, token) = app.active_agent_token("ines@example.com").await;
    let online = app
        .client
        .put(app.url("/api/v1/me/presence"))
        .bearer_auth(&token)
        .json(&json!({"status": "online"}))
        .send()
        .await
        .unwrap();
    assert_eq!(online.status(), 200);
    let driver = start_driver();
    let client = browser(&driver, 1280, 1100).await;
    submit_login(&app, &client, "ines@example.com", "applicant-password-1").await;
    wait_for_text(&client, "Your work").await;

    let opened_at = chrono::Utc::now();
    client.goto(&app.url("/agent/availability")).await.unwrap();
    wait_for_text(&client, "When you work").await;
    // The page's script sends a heartbeat as soon as it loads (CSP allows only our own script).
    let db = app.db();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let beat = db
            .read(move |conn| {
                Ok(handoff::models::agent::find(conn, handoff::ids::AgentId(id))?.and_then(|a| a.last_heartbeat_at))
            })
            .await
            .unwrap();
        if beat.is_some_and(|at| at.and_utc() >= opened_at - chrono::Duration::seconds(1)) {
            break;
        }
        assert!(Instant::now() < deadline, "the open page never sent a heartbeat");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    for (field, value) in
        [("mon_0_start", "09:00"), ("mon_0_end", "17:00"), ("sat_0_start", "22:00"), ("sat_0_end", "02:00")]
    {
        client.execute(&format!("document.getElementById('{field}').value = '{value}';"), vec![]).await.unwrap();
    }
    client.find(Locator::Id("save-schedule")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "Your availability is saved.").await;
    screenshot(&client, "09-agent-availability").await;
    let week: Value = app.get_json("/api/v1/me/availability", &token).await.json().await.unwrap();
    assert_eq!(week["weekly"].as_array().unwrap().len(), 2);
    client.close().await.unwrap();
}

#[tokio::test]
async fn an_offer_appears_live_on_the_dashboard_and_the_conversation_runs_there() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    let (_, token) = app.active_agent_token("dash@example.com").await;
    let driver = start_driver();
    let client = browser(&driver, 1280, 1000).await;
    submit_login(&app, &client, "dash@example.com", "applicant-password-1").await;
    wait_for_text(&client, "Your work").await;
    client.find(Locator::Id("go-online")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "No offers right now; they appear here").await;
    // A marker that survives only if the page is updated in place (htmx), not reloaded.
    client.execute("window.handoffMarker = 42;", vec![]).await.unwrap();

    // The platform escalates; the open page hears of it over the event stream, no clicking.
    let service = app.service_token("bot").await;
    let escalation = json!({"external_id": "live", "language": "sv", "market": "SE", "required_skills": ["payments"], "priority": "high",
        "sensitive": false, "reason": "customer_request", "summary": "Double charge on my card",
        "transcript": [{"from": "customer", "text": "I want to talk to a person", "at": "2026-11-28T10:00:00Z"}]});
    let created: Value = app.post_json("/api/v1/escalations", &escalation, Some(&service)).await.json().await.unwrap();
    wait_for_text(&client, "Double charge on my card").await;
    wait_for_text(&client, " s left").await;
    let marker = client.execute("return window.handoffMarker || null;", vec![]).await.unwrap();
    assert_eq!(marker, json!(42), "the offer arrived without reloading the page");
    screenshot(&client, "10-agent-offer").await;
    client.find(Locator::Css("button[id^=accept-]")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "Accepted: the conversation is yours.").await;

    let id = created["id"].as_i64().unwrap();
    app.post_json(
        &format!("/api/v1/escalations/{id}/messages"),
        &json!({"text": "Hello, is anyone there?"}),
        Some(&service),
    )
    .await;
    wait_for_text(&client, "Hello, is anyone there?").await;
    fill(&client, &format!("reply-{id}"), "Yes! I am looking at your card now.").await;
    client
        .find(Locator::Css(&format!("#conversation-{id} form.stack button[type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "Yes! I am looking at your card now.").await;
    screenshot(&client, "11-agent-conversation").await;
    client.find(Locator::Id(&format!("resolve-{id}"))).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "Resolved. Thank you!").await;
    let shown: Value = app.get_json(&format!("/api/v1/escalations/{id}"), &service).await.json().await.unwrap();
    assert_eq!(shown["state"], "resolved");
    let me: Value = app.get_json("/api/v1/me", &token).await.json().await.unwrap();
    assert_eq!(me["presence"], "online", "the open page kept the agent online");
    client.close().await.unwrap();

    // The same page on a phone: nothing wider than the screen.
    let phone = browser(&driver, 390, 844).await;
    submit_login(&app, &phone, "dash@example.com", "applicant-password-1").await;
    wait_for_text(&phone, "Your work").await;
    let widths =
        phone.execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await.unwrap();
    assert!(widths[0].as_i64().unwrap() <= widths[1].as_i64().unwrap());
    screenshot(&phone, "12-agent-dashboard-phone").await;
    phone.close().await.unwrap();
}

#[tokio::test]
async fn staff_pick_a_period_on_the_payroll_page_and_its_download_is_the_csv() {
    if !enabled() {
        return;
    }
    let app = spawn_app_with(|s| s.clock_tickers = false).await;
    crate::payroll_pages::morning(&app).await;
    let driver = start_driver();
    let client = browser(&driver, 1280, 1000).await;
    staff_login(&app, &client, &app.admin_email, &app.admin_password, None).await;
    wait_for_text(&client, "Waiting for a human").await;

    client.goto(&app.url("/staff/payroll")).await.unwrap();
    wait_for_text(&client, "Payroll").await;
    for (field, value) in [("from", "2026-10-25"), ("to", "2026-10-25")] {
        client.execute(&format!("document.getElementById('{field}').value = '{value}';"), vec![]).await.unwrap();
    }
    client.find(Locator::Id("show-period")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "125.00 SEK").await;
    screenshot(&client, "12-staff-payroll").await;
    // The download link, fetched by the page itself with its session cookie.
    let fetched = client
        .execute_async(
            "const done = arguments[0];
             fetch(document.getElementById('download-payroll').href).then(r => r.text()).then(done);",
            vec![],
        )
        .await
        .unwrap();
    let csv = fetched.as_str().unwrap();
    assert!(csv.starts_with("period_start,period_end,agent_id,agent_name,"), "{csv}");
    assert!(csv.contains("Åsa Öberg,asa@example.com,SEK,3600,1800,1,11000,1500,12500,125.00"), "{csv}");

    // On a phone the wide table scrolls inside its box; the page itself does not.
    client.set_window_size(390, 844).await.unwrap();
    let widths =
        client.execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await.unwrap();
    let (content, viewport) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    assert!(content <= viewport, "the payroll page is {content}px wide on a {viewport}px screen");
    screenshot(&client, "13-staff-payroll-phone").await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_queued_escalation_appears_on_the_operations_page_and_leaves_without_a_reload() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    // Enrolled already (over the API): the browser login asks for a code only.
    app.admin_token().await;
    let driver = start_driver();
    let client = browser(&driver, 1280, 1100).await;
    staff_login(&app, &client, &app.admin_email, &app.admin_password, Some("14-staff-login")).await;
    wait_for_text(&client, "Nobody is waiting.").await;

    let service = app.service_token("bot").await;
    let created = crate::dispatch::escalate(&app, &service, &crate::dispatch::escalation("live-1")).await;
    // No reload: htmx polls /staff/live and swaps the queue in.
    wait_for_text(&client, "live-1").await;
    let waiting = client.find(Locator::Id("waiting-count")).await.unwrap().text().await.unwrap();
    assert_eq!(waiting, "1");
    let drawn = client.execute("return document.body.getAttribute('data-charts');", vec![]).await.unwrap();
    assert_eq!(drawn, "drawn", "the charts were drawn from the metrics API");
    screenshot(&client, "14-staff-operations").await;

    let id = created["id"].as_i64().unwrap();
    let cancelled = app.post_json(&format!("/api/v1/escalations/{id}/cancel"), &json!({}), Some(&service)).await;
    assert_eq!(cancelled.status(), 200);
    wait_for_text(&client, "Nobody is waiting.").await;

    client.goto(&app.url("/staff/settings")).await.unwrap();
    wait_for_text(&client, "Widening ladder").await;
    screenshot(&client, "15-staff-settings").await;
    client.set_window_size(390, 844).await.unwrap();
    let widths =
        client.execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await.unwrap();
    let (content, viewport) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    assert!(content <= viewport, "the settings page is {content}px wide on a {viewport}px screen");
    client.close().await.unwrap();
}

#[tokio::test]
async fn an_agent_who_forgot_their_password_resets_it_from_the_emailed_link() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    let email = "forgetful@example.com";
    app.active_agent_token(email).await;
    let driver = start_driver();
    let client = browser(&driver, 1280, 1000).await;

    client.goto(&app.url("/login")).await.unwrap();
    client.find(Locator::LinkText("Forgot your password?")).await.unwrap().click().await.unwrap();
    fill(&client, "email", email).await;
    client.find(Locator::Css("form.stack button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "we have emailed it a link").await;
    screenshot(&client, "20-forgot-password").await;

    let mails = mail::wait_for(&app.data_dir.join("mail"), email, "Reset your Handoff password", 1).await;
    let link = format!("/reset-password?token={}", mail::reset_token(&mails[0]));
    client.goto(&app.url(&link)).await.unwrap();
    fill(&client, "password", "my new long password").await;
    fill(&client, "confirm", "my new long passwort").await;
    client.find(Locator::Id("set-password")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "The two passwords differ").await;
    fill(&client, "password", "my new long password").await;
    fill(&client, "confirm", "my new long password").await;
    screenshot(&client, "21-reset-password").await;
    client.find(Locator::Id("set-password")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "Your password is changed").await;
    screenshot(&client, "22-password-changed").await;

    client.goto(&app.url(&link)).await.unwrap();
    wait_for_text(&client, "This link is not valid any more").await;
    submit_login(&app, &client, email, "my new long password").await;
    wait_for_text(&client, "Log out").await;
    assert_eq!(client.current_url().await.unwrap().path(), "/agent", "the agent is in with the new password");
    client.close().await.unwrap();
}

#[tokio::test]
async fn an_agent_downloads_their_data_from_the_account_page() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    app.active_agent_token("ines@example.com").await;
    let driver = start_driver();
    let client = browser(&driver, 1280, 1100).await;
    submit_login(&app, &client, "ines@example.com", "applicant-password-1").await;
    wait_for_text(&client, "Your work").await;
    client.find(Locator::LinkText("Account")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "Download my data").await;
    screenshot(&client, "15-agent-account").await;
    // The link, fetched by the page itself with its session cookie, as the download would be.
    let fetched = client
        .execute_async(
            "const done = arguments[0];
             fetch(document.getElementById('download-my-data').href)
               .then(r => Promise.all([r.headers.get('content-disposition'), r.json()]))
               .then(([disposition, archive]) => done([disposition, archive.profile.email, archive.pay_lines_csv]));",
            vec![],
        )
        .await
        .unwrap();
    assert!(fetched[0].as_str().unwrap().starts_with("attachment; filename=\"handoff-my-data-"), "{fetched}");
    assert_eq!(fetched[1], "ines@example.com");
    assert!(fetched[2].as_str().unwrap().starts_with("period_start,period_end,agent_id,"));
    client.close().await.unwrap();
}
