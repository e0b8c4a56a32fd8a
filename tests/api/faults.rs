//! Storage faults answered honestly: with the database unreachable or its disk full, requests
//! get 503 problem+json with Retry-After instead of hanging or a generic 500, `/readyz` says
//! 503, and everything works again once the fault is gone, without a restart.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::dispatch::escalation;
use crate::helpers::{TestApp, problem, spawn_app_with};

/// No answer may take longer than this: the old behaviour was a 10 s hang, then a 500.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// A TCP proxy in front of PostgreSQL that can be cut (every connection dropped, new ones
/// refused) and restored on the same port: a database server stopping and coming back.
struct Proxy {
    port: u16,
    upstream: SocketAddr,
    running: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    async fn start(port: u16, upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("the proxy binds");
        let port = listener.local_addr().unwrap().port();
        let running = tokio::spawn(async move {
            // Dropping the set (when this task is aborted) closes every proxied connection.
            let mut connections = JoinSet::new();
            loop {
                let Ok((mut client, _)) = listener.accept().await else { return };
                connections.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Proxy { port, upstream, running: Some(running) }
    }

    /// The database "stops": open connections break and new ones are refused.
    async fn cut(&mut self) {
        if let Some(running) = self.running.take() {
            running.abort();
            let _ = running.await;
        }
    }

    /// The database "comes back" on the same address.
    async fn restore(&mut self) {
        *self = Proxy::start(self.port, self.upstream).await;
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(ANSWER_WITHIN).build().unwrap()
}

/// Asserts a 503 problem with Retry-After, answered well within `ANSWER_WITHIN`.
async fn assert_unavailable(response: reqwest::Result<reqwest::Response>, what: &str) {
    let response = response.unwrap_or_else(|e| panic!("{what}: no answer within {ANSWER_WITHIN:?}: {e}"));
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
    assert_eq!(response.headers()["retry-after"], "1", "{what} says when to try again");
    let body = problem(response, 503).await;
    assert_eq!(body["type"], "/problems/unavailable", "{what}");
}

async fn readyz(app: &TestApp) -> reqwest::Result<reqwest::Response> {
    client().get(app.url("/readyz")).send().await
}

/// Polls `/readyz` until it answers 200 (the service recovered by itself).
async fn until_ready(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if readyz(app).await.is_ok_and(|r| r.status() == StatusCode::OK) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("/readyz never came back");
}

async fn escalate(app: &TestApp, service: &str, id: &str) -> reqwest::Result<reqwest::Response> {
    client().post(app.url("/api/v1/escalations")).bearer_auth(service).json(&escalation(id)).send().await
}

#[tokio::test]
async fn a_stopped_database_is_answered_with_503_at_once_and_recovery_needs_no_restart() {
    if !std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("skipped: stopping the database is tried on PostgreSQL (set TEST_DATABASE_URL)");
        return;
    }
    // The proxy stands in front of the server TEST_DATABASE_URL names.
    let server = url::Url::parse(&std::env::var("TEST_DATABASE_URL").unwrap()).unwrap();
    let upstream = tokio::net::lookup_host((server.host_str().unwrap_or("127.0.0.1"), server.port().unwrap_or(5432)))
        .await
        .unwrap()
        .next()
        .expect("the database server's address");
    let mut proxy = Proxy::start(0, upstream).await;
    let port = proxy.port;
    let app = spawn_app_with(move |settings| {
        let mut url = url::Url::parse(&settings.database_url).unwrap();
        url.set_port(Some(port)).unwrap();
        settings.database_url = url.to_string();
    })
    .await;
    let service = app.service_token("bot").await;
    assert_eq!(escalate(&app, &service, "before").await.unwrap().status(), 201);

    proxy.cut().await;
    assert_unavailable(readyz(&app).await, "/readyz with the database down").await;
    assert_unavailable(escalate(&app, &service, "during").await, "an escalation with the database down").await;
    let me = client().get(app.url("/api/v1/me")).bearer_auth(&service).send().await;
    assert!(me.is_ok_and(|r| r.status() != StatusCode::INTERNAL_SERVER_ERROR), "never a generic 500");

    proxy.restore().await;
    until_ready(&app).await;
    let after = escalate(&app, &service, "after").await.unwrap();
    assert_eq!(after.status(), 201, "writes work again without a restart");
}

/// A small filesystem for the data folder (root only: tmpfs); unmounted when dropped.
struct SmallDisk {
    folder: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> Option<SmallDisk> {
        let folder = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(folder.path())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(SmallDisk { folder })
    }

    /// Fills the disk to the last byte; returns the filler's path.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.folder.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        let mut byte = [0u8; 1];
        while file.write_all(&byte).is_ok() {
            byte[0] = 1;
        }
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(self.folder.path()).status();
    }
}

#[tokio::test]
async fn a_full_disk_is_answered_with_503_and_readyz_turns_unready_until_space_returns() {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("skipped: the full disk is tried on SQLite, whose file the test can place");
        return;
    }
    let Some(disk) = SmallDisk::mount(8) else {
        // CI runs as root, where tmpfs mounts work; say so loudly anywhere else.
        eprintln!("skipped: could not mount a small tmpfs (needs root)");
        return;
    };
    let folder = disk.folder.path().to_path_buf();
    let app = spawn_app_with(move |settings| {
        settings.data_dir = folder.clone();
        settings.database_url = format!("sqlite://{}", folder.join("handoff.db").display());
    })
    .await;
    let service = app.service_token("bot").await;
    assert_eq!(escalate(&app, &service, "before").await.unwrap().status(), 201);

    let filler = disk.fill();
    // The WAL may still hold free pages from before: write until the disk refuses.
    let mut refused = None;
    for n in 0..500 {
        let answer = escalate(&app, &service, &format!("full-{n}")).await.expect("an answer, not a hang");
        if answer.status() != StatusCode::CREATED {
            refused = Some(answer);
            break;
        }
    }
    let refused = refused.expect("a full disk refuses writes sooner or later");
    assert_unavailable(Ok(refused), "an escalation on a full disk").await;
    assert_unavailable(readyz(&app).await, "/readyz on a full disk").await;
    let reads: Value = client().get(app.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(reads["status"], "ok", "the process itself is up");

    std::fs::remove_file(filler).unwrap();
    until_ready(&app).await;
    assert_eq!(escalate(&app, &service, "after").await.unwrap().status(), 201, "writes work again");
}

#[tokio::test]
async fn past_the_writers_backlog_new_escalations_are_refused_at_once_before_authentication() {
    let app = crate::helpers::spawn_app_with(|s| s.max_pending_writes = 1).await;
    let service = app.service_token("bot").await;
    // Someone else holds the database's write lock (another process on SQLite, a table lock
    // on PostgreSQL), so the service's next write waits: its writer has a backlog of one.
    let (release, released) = std::sync::mpsc::channel::<()>();
    let holder = tokio::spawn({
        let db = app.db();
        async move {
            db.write(move |conn| {
                if let handoff::db::DbConn::Pg(_) = conn {
                    use diesel::RunQueryDsl;
                    diesel::sql_query("LOCK TABLE escalations IN SHARE ROW EXCLUSIVE MODE").execute(conn)?;
                }
                let _ = released.recv_timeout(Duration::from_secs(4));
                Ok(())
            })
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let waiting = tokio::spawn({
        let (url, service) = (app.url("/api/v1/escalations"), service.clone());
        async move { client().post(url).bearer_auth(service).json(&escalation("waits")).send().await }
    });
    // Once that write waits, a new escalation is refused, even with a token nobody issued.
    let deadline = Instant::now() + Duration::from_secs(3);
    let refused = loop {
        let probe = client()
            .post(app.url("/api/v1/escalations"))
            .bearer_auth("hsvc_not-a-real-token")
            .json(&escalation("probe"))
            .send()
            .await
            .expect("an answer");
        if probe.status() == StatusCode::SERVICE_UNAVAILABLE {
            break probe;
        }
        assert_eq!(probe.status(), StatusCode::UNAUTHORIZED, "before the backlog, an unknown token is 401");
        assert!(Instant::now() < deadline, "the backlog was never refused");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_unavailable(Ok(refused), "a new escalation past the backlog").await;

    release.send(()).unwrap();
    holder.await.unwrap().unwrap();
    assert_eq!(waiting.await.unwrap().unwrap().status(), 201, "the admitted escalation was taken");
    // The service's own background writes (dispatch passes, webhooks) can fill a backlog of one
    // for an instant: the escalation is taken as soon as nothing is queued.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let after = escalate(&app, &service, "after").await.unwrap().status();
        if after == StatusCode::CREATED {
            break;
        }
        assert_eq!(after, StatusCode::SERVICE_UNAVAILABLE, "refused, or taken");
        assert!(Instant::now() < deadline, "the backlog never cleared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
