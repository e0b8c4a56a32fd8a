//! Embedded migrations, one folder per backend with identical names. Each backend runs only
//! its own folder, so SQLite SQL can never reach PostgreSQL.

use diesel::{RunQueryDsl, connection::SimpleConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::connection::DbConn;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Identifies our advisory lock, so instances starting together migrate one at a time.
const MIGRATION_LOCK_KEY: i64 = 0x48414e444f4646; // "HANDOFF"

type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration; returns the versions applied.
pub fn run_migrations(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConn::Sqlite(conn) => names(conn.run_pending_migrations(SQLITE_MIGRATIONS)),
        DbConn::Pg(conn) => with_pg_lock(conn, |conn| names(conn.run_pending_migrations(POSTGRES_MIGRATIONS))),
    };
    applied.map_err(|e| anyhow::anyhow!("running migrations: {e}"))
}

/// Reverts every applied migration, newest first; returns the versions reverted.
pub fn revert_all_migrations(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let reverted = match conn {
        DbConn::Sqlite(conn) => names(conn.revert_all_migrations(SQLITE_MIGRATIONS)),
        DbConn::Pg(conn) => with_pg_lock(conn, |conn| names(conn.revert_all_migrations(POSTGRES_MIGRATIONS))),
    };
    reverted.map_err(|e| anyhow::anyhow!("reverting migrations: {e}"))
}

fn names<V: std::fmt::Display>(result: Result<Vec<V>, MigrationError>) -> Result<Vec<String>, MigrationError> {
    result.map(|versions| versions.iter().map(ToString::to_string).collect())
}

/// Holds a session advisory lock while `work` runs: several instances may start at once.
fn with_pg_lock<T>(
    conn: &mut diesel::PgConnection,
    work: impl FnOnce(&mut diesel::PgConnection) -> Result<T, MigrationError>,
) -> Result<T, MigrationError> {
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")).execute(conn)?;
    let result = work(conn);
    conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
    result
}
