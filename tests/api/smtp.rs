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
    let maildir = tempfile::tempdir().unwrap();
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(maildir.path().join(sub)).unwrap();
    }
    let port = free_port();
    let child = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 -m aiosmtpd runs (pip install aiosmtpd)");
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
