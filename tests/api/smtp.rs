//! Mail over a real SMTP server: a local aiosmtpd sink (installed by .ci/run). Runs when
//! TEST_SMTP=1; without it the test says so and checks nothing.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::spawn_app_with;
use crate::mail;
use crate::recruiting::application;

/// The aiosmtpd process, stopped when the test ends however it ends.
struct SmtpSink {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_sink() -> SmtpSink {
    start(|port, maildir| {
        let mut command = Command::new("python3");
        command
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir);
        command
    })
}

/// A sink that takes mail only after AUTH as `user` with `password` (tests/smtp_auth_sink.py).
fn start_sink_with_login(user: &str, password: &str) -> SmtpSink {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_auth_sink.py");
    start(|port, maildir| {
        let mut command = Command::new("python3");
        command.arg(&script).arg(port.to_string()).arg(maildir).args([user, password]);
        command
    })
}

fn start(command: impl FnOnce(u16, &std::path::Path) -> Command) -> SmtpSink {
    let maildir = tempfile::tempdir().unwrap();
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(maildir.path().join(sub)).unwrap();
    }
    let port = free_port();
    let child = command(port, maildir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 runs aiosmtpd (pip install aiosmtpd)");
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "aiosmtpd did not start listening on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    SmtpSink { child, port, maildir }
}

#[tokio::test]
async fn the_confirmation_mail_arrives_over_smtp_and_its_link_works() {
    if std::env::var("TEST_SMTP").as_deref() != Ok("1") {
        eprintln!("skipped: set TEST_SMTP=1 (with aiosmtpd installed) to run the SMTP test");
        return;
    }
    let sink = start_sink();
    let smtp_url = format!("smtp://127.0.0.1:{}", sink.port);
    let app = spawn_app_with(move |s| s.smtp_url = smtp_url).await;
    let response = app.post_json("/api/v1/agents", &application("smtp@example.com"), None).await;
    assert_eq!(response.status(), 201);

    let mails = mail::wait_for(sink.maildir.path(), "smtp@example.com", "Confirm your email", 1).await;
    assert!(mail::read_all(&app.data_dir.join("mail")).is_empty(), "nothing went to the file transport");
    let token = mail::verification_token(&mails[0]);
    let verified = app.post_json("/api/v1/agents/verify", &json!({"token": token}), None).await;
    assert_eq!(verified.status(), 200);
}

/// The SMTP password can come from a file instead of the URL; with the wrong one the server
/// refuses and the mail waits in the outbox.
#[tokio::test]
async fn the_smtp_password_can_come_from_a_file() {
    if std::env::var("TEST_SMTP").as_deref() != Ok("1") {
        eprintln!("skipped: set TEST_SMTP=1 (with aiosmtpd installed) to run the SMTP test");
        return;
    }
    let sink = start_sink_with_login("mailer@example.com", "s3cret smtp password");
    let secrets = tempfile::tempdir().unwrap();
    let (right, wrong) = (secrets.path().join("right"), secrets.path().join("wrong"));
    std::fs::write(&right, "s3cret smtp password\n").unwrap();
    std::fs::write(&wrong, "not the password\n").unwrap();
    // The user is an email address, percent-encoded in the URL as usual.
    let smtp_url = format!("smtp://mailer%40example.com@127.0.0.1:{}", sink.port);

    let (url, file) = (smtp_url.clone(), wrong.display().to_string());
    let refused = spawn_app_with(move |s| {
        s.smtp_url = url;
        s.smtp_password_file = file;
    })
    .await;
    assert_eq!(refused.post_json("/api/v1/agents", &application("nope@example.com"), None).await.status(), 201);
    // The attempt fails (the server refuses the login) and the mail stays queued for a retry.
    let deadline = Instant::now() + Duration::from_secs(15);
    let failure = loop {
        let db = refused.db();
        let error: Option<String> = db
            .read(|conn| {
                use diesel::prelude::*;
                use handoff::db::schema::outbox_emails;
                Ok(outbox_emails::table.select(outbox_emails::last_error).first::<Option<String>>(conn)?)
            })
            .await
            .unwrap();
        if let Some(error) = error {
            break error;
        }
        assert!(Instant::now() < deadline, "the delivery was never attempted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!failure.contains("not the password"), "the error does not show the password: {failure}");
    assert!(mail::read_all(sink.maildir.path()).is_empty(), "the wrong password delivers nothing");

    let file = right.display().to_string();
    let app = spawn_app_with(move |s| {
        s.smtp_url = smtp_url;
        s.smtp_password_file = file;
    })
    .await;
    assert_eq!(app.post_json("/api/v1/agents", &application("auth@example.com"), None).await.status(), 201);
    mail::wait_for(sink.maildir.path(), "auth@example.com", "Confirm your email", 1).await;
}
