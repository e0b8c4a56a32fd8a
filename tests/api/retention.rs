//! Retention with an injected clock: the daily job removes exactly the text that is due and
//! nothing payroll needs (the payroll CSVs of a past period are byte-identical before and
//! after), and running it again removes nothing more. Both backends.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use handoff::db::schema::{escalations, messages, presence_events};
use handoff::privacy::retention::{RetentionPolicy, RetentionReport, run};

use crate::helpers::spawn_app_with;

async fn payroll_csvs(app: &crate::helpers::TestApp, admin: &str) -> (String, String) {
    let path = "/api/v1/staff/payroll.csv?from=2026-10-25&to=2026-10-25";
    let summary = app.get_json(path, admin).await.text().await.unwrap();
    let detail = app.get_json(&format!("{path}&detail=true"), admin).await.text().await.unwrap();
    (summary, detail)
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

#[tokio::test]
async fn old_conversation_text_goes_on_schedule_and_pay_stays_exact() {
    let app = spawn_app_with(|s| s.clock_tickers = false).await;
    crate::payroll_pages::morning(&app).await; // resolved at 2026-10-25T10:40Z
    let admin = app.admin_token().await;
    let before = payroll_csvs(&app, &admin).await;
    assert!(before.0.contains("125.00"), "{}", before.0);
    let db = app.db();
    let policy = RetentionPolicy::from_settings(&handoff::config::Settings::default());

    // Ten days on nothing is due (transcripts 30 days, conversations 90).
    let early = run(&db, policy, at("2026-11-04T10:41:00Z")).await.unwrap();
    assert_eq!(early, RetentionReport::default());
    // Forty days on only the transcript goes.
    let transcripts = run(&db, policy, at("2026-12-04T10:41:00Z")).await.unwrap();
    assert_eq!((transcripts.transcripts, transcripts.conversations), (1, 0));
    // A hundred days on the conversation text goes too.
    let later = run(&db, policy, at("2027-02-02T10:41:00Z")).await.unwrap();
    assert_eq!(later.conversations, 1);
    let stored: Vec<(String, String, Option<chrono::NaiveDateTime>)> = db
        .read(|conn| {
            Ok(escalations::table
                .select((escalations::summary, escalations::transcript, escalations::erased_at))
                .load(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].0.as_str(), stored[0].1.as_str()), ("", "[]"));
    assert!(stored[0].2.is_some());
    let texts: Vec<String> = db.read(|conn| Ok(messages::table.select(messages::text).load(conn)?)).await.unwrap();
    assert!(texts.iter().all(String::is_empty));

    assert_eq!(payroll_csvs(&app, &admin).await, before, "pay is computed exactly as before");
    let again = run(&db, policy, at("2027-02-02T10:41:00Z")).await.unwrap();
    assert_eq!(again, RetentionReport::default(), "a second run finds nothing more");

    // Past the payroll retention (seven years) the escalation itself goes, with its pay records.
    assert_eq!(run(&db, policy, at("2033-10-29T00:00:00Z")).await.unwrap().escalations_deleted, 0);
    let end = run(&db, policy, at("2033-11-01T00:00:00Z")).await.unwrap();
    assert_eq!(end.escalations_deleted, 1);
    let left: i64 = db.read(|conn| Ok(escalations::table.count().get_result(conn)?)).await.unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn presence_history_keeps_each_agents_last_change_before_the_cutoff() {
    let app = spawn_app_with(|s| s.clock_tickers = false).await;
    crate::payroll_pages::morning(&app).await; // online 10:00, offline 11:00 on 2026-10-25
    let db = app.db();
    let cutoff = at("2026-10-26T00:00:00Z");
    let before_cutoff = || async {
        db.read(move |conn| {
            Ok(presence_events::table
                .filter(presence_events::at.lt(cutoff.naive_utc()))
                .order(presence_events::id.asc())
                .select(presence_events::presence)
                .load::<String>(conn)?)
        })
        .await
        .unwrap()
    };
    let old = before_cutoff().await;
    assert!(old.len() >= 2, "{old:?}");
    let policy =
        RetentionPolicy { presence: chrono::Duration::days(1), ..RetentionPolicy::from_settings(&Default::default()) };
    let report = run(&db, policy, cutoff + chrono::Duration::days(1)).await.unwrap();
    assert_eq!(report.presence_events, old.len() - 1, "all but the last change before the cutoff go");
    assert_eq!(before_cutoff().await, ["offline"], "it still says the agent was offline at the cutoff");
}
