//! `spawn_app()`: a real server on a free port over a fresh database (a temporary SQLite file,
//! or a new PostgreSQL database when TEST_DATABASE_URL is set, dropped afterwards).

use std::sync::Once;

use diesel::{Connection, PgConnection, RunQueryDsl};
use handoff::config::Settings;
use handoff::startup::Application;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::authenticator::Authenticator;

/// The tests sign tokens of their own (expired ones, say) with this secret.
pub const TEST_JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";
/// The data key every test instance shares (PostgreSQL requires one in the environment).
pub const TEST_DATA_KEY: &str = "dGVzdC1kYXRhLWtleS10ZXN0LWRhdGEta2V5LTAxMjM=";

pub struct TestApp {
    pub address: String,
    /// The server's data folder (outgoing mail lands in `mail/` when no SMTP server is set).
    pub data_dir: std::path::PathBuf,
    /// The database the server uses, for tests that drive domain steps with their own clock.
    pub database_url: String,
    pub client: reqwest::Client,
    pub admin_email: String,
    pub admin_password: String,
    /// The TOTP secrets of the accounts this test enrolled, and codes from them.
    pub authenticator: Authenticator,
    /// The admin's access token once logged in (one login per test keeps codes fresh).
    admin_access: tokio::sync::Mutex<Option<String>>,
    _data_dir: TempDir,
    _database: TestDatabase,
}

/// A database only this test uses. For PostgreSQL it is created on the server named by
/// TEST_DATABASE_URL and dropped when the test ends.
pub struct TestDatabase {
    pub url: String,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub fn new(data_dir: &std::path::Path) -> TestDatabase {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(server) if !server.is_empty() => {
                let name = format!(
                    "handoff_test_{}",
                    &handoff::auth::tokens::token_hash(&handoff::auth::tokens::random_token())[..16]
                );
                let mut admin = PgConnection::establish(&server).expect("connect to TEST_DATABASE_URL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create a test database");
                let mut url = url::Url::parse(&server).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&name);
                // Over TLS, server threads still inside OpenSSL when a test process exits can crash
                // in OpenSSL's exit handlers (seen as SIGSEGV after a passing test); a local test
                // server needs no TLS.
                if !url.query_pairs().any(|(key, _)| key == "sslmode") {
                    url.query_pairs_mut().append_pair("sslmode", "disable");
                }
                TestDatabase { url: url.to_string(), postgres: Some((server, name)) }
            }
            _ => TestDatabase { url: format!("sqlite://{}", data_dir.join("handoff.db").display()), postgres: None },
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.postgres {
            if let Ok(mut admin) = PgConnection::establish(server) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
            }
        }
    }
}

fn init_logging() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("TEST_LOG") {
            handoff::telemetry::init(&filter);
        }
    });
}

/// The data key of [`TEST_DATA_KEY`], for tests that seal or open secrets themselves.
pub fn test_data_key() -> handoff::auth::data_key::DataKey {
    let settings = Settings { data_key: TEST_DATA_KEY.into(), ..Settings::default() };
    handoff::auth::data_key::DataKey::from_settings(&settings, handoff::db::Backend::Postgres)
        .expect("the test key reads")
}

pub fn test_settings(data_dir: &std::path::Path, database_url: &str) -> Settings {
    Settings {
        data_dir: data_dir.to_path_buf(),
        database_url: database_url.to_string(),
        bind: "127.0.0.1:0".into(),
        jwt_secret: TEST_JWT_SECRET.into(),
        data_key: TEST_DATA_KEY.into(),
        workers: 1,
        db_pool_size: 4,
        // The webhook receivers of the tests listen on 127.0.0.1.
        webhook_private_addresses: true,
        ..Settings::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with some settings changed first.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    init_logging();
    let data_dir = tempfile::tempdir().expect("a temporary folder");
    let database = TestDatabase::new(data_dir.path());
    let mut settings = test_settings(data_dir.path(), &database.url);
    customize(&mut settings);
    let application = Application::build(settings.clone()).await.expect("the application starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let (admin_email, admin_password) = application.first_admin.clone().expect("a fresh database gets a first admin");
    tokio::spawn(application.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        // The server closes idle keep-alive connections after 5 s; a client reusing one at that
        // moment gets IncompleteMessage. Dropping idle connections sooner avoids the race.
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .expect("an HTTP client");
    TestApp {
        address,
        client,
        admin_email,
        admin_password,
        authenticator: Authenticator::default(),
        admin_access: tokio::sync::Mutex::new(None),
        data_dir: data_dir.path().to_path_buf(),
        database_url: settings.database_url.clone(),
        _data_dir: data_dir,
        _database: database,
    }
}

impl TestApp {
    /// A second connection pool to the server's database.
    pub fn db(&self) -> handoff::db::Db {
        handoff::db::Db::connect(&self.database_url, 2, "NORMAL").expect("the test database opens")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the request is sent")
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json("/api/v1/auth/login", &json!({"email": email, "password": password}), None).await
    }

    /// Logs in and returns the whole token pair; panics unless the login succeeds. Completes
    /// a second factor with a code from the test's authenticator, enrolling first where the
    /// server asks for it (staff signing in for the first time).
    pub async fn login_ok(&self, email: &str, password: &str) -> Value {
        let response = self.login(email, password).await;
        assert_eq!(response.status(), 200, "login as {email}");
        let answer: Value = response.json().await.unwrap();
        if answer["mfa_required"] != true {
            return answer;
        }
        let challenge = answer["challenge"].as_str().unwrap().to_string();
        if answer["mfa_enrolment_required"] == true {
            let enrolment = self.post_json("/api/v1/auth/mfa/enrolment", &json!({"challenge": challenge}), None).await;
            assert_eq!(enrolment.status(), 200, "an enrolment for {email}");
            let enrolment: Value = enrolment.json().await.unwrap();
            self.authenticator.remember(email, enrolment["secret"].as_str().unwrap());
        }
        let code = self.authenticator.code(email).await;
        let completed = self.post_json("/api/v1/auth/mfa", &json!({"challenge": challenge, "code": code}), None).await;
        assert_eq!(completed.status(), 200, "the second factor of {email}");
        completed.json().await.unwrap()
    }

    /// The admin's access token, logging in the first time it is asked for.
    pub async fn admin_token(&self) -> String {
        let mut cached = self.admin_access.lock().await;
        if let Some(token) = cached.as_ref() {
            return token.clone();
        }
        let pair = self.login_ok(&self.admin_email, &self.admin_password).await;
        let token = pair["access_token"].as_str().unwrap().to_string();
        *cached = Some(token.clone());
        token
    }

    /// Logs in through the login page with this client's cookies, completing the second factor
    /// page (and a first enrolment) as a person would; returns the last answer.
    pub async fn browser_login(&self, email: &str, password: &str) -> reqwest::Response {
        let login_page = self.client.get(self.url("/login")).send().await.unwrap().text().await.unwrap();
        let form = [("email", email), ("password", password), ("csrf_token", &csrf_of(&login_page))];
        let response = self.client.post(self.url("/login")).form(&form).send().await.unwrap();
        if response.status() != 200 {
            return response;
        }
        let page = response.text().await.unwrap();
        let challenge = value_of_input(&page, "challenge").expect("a second factor page");
        if let Some(secret) = page.split(r#"id="mfa-secret" class="secret">"#).nth(1) {
            self.authenticator.remember(email, secret.split('<').next().unwrap());
        }
        let code = self.authenticator.code(email).await;
        let form = [("challenge", challenge.as_str()), ("code", &code), ("csrf_token", &csrf_of(&page))];
        self.client.post(self.url("/login/mfa")).form(&form).send().await.unwrap()
    }

    /// Creates a staff account through the API and returns its access token.
    pub async fn staff_token(&self, email: &str, role: &str) -> String {
        let admin = self.admin_token().await;
        let body = json!({"email": email, "password": "staff-password-1", "full_name": "Sam Staff", "role": role});
        let response = self.post_json("/api/v1/admin/staff", &body, Some(&admin)).await;
        assert_eq!(response.status(), 201);
        self.login_ok(email, "staff-password-1").await["access_token"].as_str().unwrap().to_string()
    }

    /// Creates a service account through the API and returns its token.
    pub async fn service_token(&self, name: &str) -> String {
        let admin = self.admin_token().await;
        let response = self.post_json("/api/v1/admin/service-accounts", &json!({"name": name}), Some(&admin)).await;
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.unwrap();
        created["token"].as_str().unwrap().to_string()
    }
}

/// The value of the input named `name` in a page.
pub fn value_of_input(html: &str, name: &str) -> Option<String> {
    let after = html.split(&format!(r#"name="{name}" value=""#)).nth(1)?;
    Some(after.split('"').next()?.to_string())
}

/// The hidden CSRF field of a page.
pub fn csrf_of(html: &str) -> String {
    value_of_input(html, "csrf_token").expect("the page has a CSRF field")
}

/// Reads a problem+json answer, checking its content type and status field.
pub async fn problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(body["type"].as_str().unwrap().starts_with("/problems/"));
    body
}
