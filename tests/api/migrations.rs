//! Migrations apply, revert and apply again on the backend under test.

use diesel::RunQueryDsl;
use handoff::db::{DatabaseUrl, Db, DbConn};

use crate::helpers::TestDatabase;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn table_count(url: &str) -> i64 {
    let mut conn = DatabaseUrl::parse(url).unwrap().connect().unwrap();
    let sql = match &conn {
        DbConn::Sqlite(_) => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('users', 'refresh_tokens', 'service_accounts')"
        }
        DbConn::Pg(_) => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('users', 'refresh_tokens', 'service_accounts')"
        }
    };
    diesel::sql_query(sql).get_result::<Count>(&mut conn).unwrap().n
}

#[test]
fn migrations_go_up_down_and_up_again() {
    let data_dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(data_dir.path());
    let db = Db::connect(&database.url, 2, "NORMAL").unwrap();
    let expected_backend =
        if database.is_postgres() { handoff::db::Backend::Postgres } else { handoff::db::Backend::Sqlite };
    assert_eq!(db.backend(), expected_backend);

    let applied = db.migrate().unwrap();
    assert!(!applied.is_empty());
    assert_eq!(table_count(&database.url), 3);
    assert!(db.migrate().unwrap().is_empty(), "a second run has nothing to do");

    let reverted = db.revert_all_migrations().unwrap();
    assert_eq!(reverted.len(), applied.len());
    assert_eq!(table_count(&database.url), 0);

    assert_eq!(db.migrate().unwrap(), applied);
    assert_eq!(table_count(&database.url), 3);
    drop(db);
}

#[test]
fn a_wrong_postgres_url_fails_fast_with_the_real_error() {
    let started = std::time::Instant::now();
    let error =
        Db::connect("postgres://nobody@127.0.0.1:1/none", 2, "NORMAL").err().expect("nothing listens on port 1");
    let message = format!("{error:#}");
    assert!(message.contains("127.0.0.1") || message.contains("connect"), "the real error is kept: {message}");
    assert!(!message.contains("Invalid connection url for multiconnection"));
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "no 30 s r2d2 retry loop");
}

#[test]
fn sqlite_files_use_wal_and_enforce_foreign_keys() {
    let data_dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", data_dir.path().join("nested/folder/handoff.db").display());
    let db = Db::connect(&url, 2, "FULL").unwrap();
    db.migrate().unwrap();
    #[derive(diesel::QueryableByName)]
    struct Mode {
        #[diesel(sql_type = diesel::sql_types::Text)]
        journal_mode: String,
    }
    let mut conn = DatabaseUrl::parse(&url).unwrap().connect().unwrap();
    let mode = diesel::sql_query("PRAGMA journal_mode").get_result::<Mode>(&mut conn).unwrap();
    assert_eq!(mode.journal_mode, "wal", "WAL persists in the file once the pool set it");
    // The pool's connections enforce foreign keys: a token for a user who does not exist is refused.
    let orphan = futures_executor_block_on(db.write(|conn| {
        Ok(diesel::sql_query(
            "INSERT INTO refresh_tokens (user_id, family, token_hash, created_at, expires_at) \
             VALUES (999, 'f', 'h', '2026-01-01 00:00:00', '2026-01-02 00:00:00')",
        )
        .execute(conn)?)
    }));
    assert!(orphan.is_err());
}

/// Runs one future to completion on a small runtime (these tests are not async).
fn futures_executor_block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}
