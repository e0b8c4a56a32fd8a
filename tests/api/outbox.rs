//! The email outbox: a mail queued with its event survives failures and restarts, is retried
//! with backoff, and is delivered once.

use std::sync::Arc;

use chrono::{Duration, Utc};
use handoff::db::Db;
use handoff::email::{EmailContent, outbox, transport::Mailer};

use crate::helpers::TestDatabase;
use crate::mail;

fn worker(db: &Db, mailer: Mailer) -> outbox::Outbox {
    outbox::Outbox {
        db: db.clone(),
        mailer,
        from: "Handoff <no-reply@handoff.local>".parse().unwrap(),
        wakeup: Arc::new(tokio::sync::Notify::new()),
    }
}

#[tokio::test]
async fn a_mail_that_fails_is_kept_retried_after_backoff_and_sent_once() {
    let data_dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(data_dir.path());
    let db = Db::connect(&database.url, 2, "NORMAL").unwrap();
    db.migrate().unwrap();
    let now = Utc::now();
    let content = EmailContent { subject: "Hello".into(), text: "plain".into(), html: "<p>html</p>".into() };
    db.write(move |conn| outbox::enqueue(conn, "ada@example.com", &content, now)).await.unwrap();

    // Nothing listens on port 1: the attempt fails and the mail stays queued.
    let unreachable = worker(&db, Mailer::from_settings("smtp://127.0.0.1:1", None, data_dir.path()).unwrap());
    assert_eq!(unreachable.deliver_due(now).await.unwrap(), outbox::PassReport { sent: 0, failed: 1 });

    // A new process with a working transport: not before the backoff, then exactly once.
    let folder = data_dir.path().join("delivered");
    let working = worker(&db, Mailer::from_settings("", None, &folder).unwrap());
    assert_eq!(working.deliver_due(now + Duration::seconds(5)).await.unwrap(), outbox::PassReport::default());
    assert_eq!(
        working.deliver_due(now + Duration::seconds(11)).await.unwrap(),
        outbox::PassReport { sent: 1, failed: 0 }
    );
    assert_eq!(working.deliver_due(now + Duration::hours(2)).await.unwrap(), outbox::PassReport::default());
    let delivered = mail::read_all(&folder);
    assert_eq!(delivered.len(), 1);
    assert_eq!((delivered[0].subject.as_str(), delivered[0].text.trim()), ("Hello", "plain"));
    assert_eq!(delivered[0].html.trim(), "<p>html</p>");
}
