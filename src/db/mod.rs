//! Storage: one schema over SQLite (embedded default) and PostgreSQL (production), chosen by the
//! URL scheme of `HANDOFF_DATABASE_URL`.
//!
//! Invariants owned here:
//! - every diesel call runs on a blocking thread through [`Db::read`] or [`Db::write`], the pool
//!   checkout included, so async workers never wait on the database;
//! - on SQLite all writes go through one connection (a pool of one), which is fair and fast
//!   where several writers would starve each other on `busy_timeout` (see CRATES.md);
//!   readers get their own `query_only` connections;
//! - SQLite pragmas are set in one place, [`pool::SqlitePragmas`].

mod connection;
mod migrate;
mod pool;
pub mod schema;
pub mod text_enum;

pub use connection::{Backend, DatabaseUrl, DbConn};
pub use migrate::{revert_all_migrations, run_migrations};
pub use pool::{Db, Readiness};

/// Whether a diesel error is a violated unique index: "already exists" for the caller.
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(error, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

/// Whether a diesel error says the database cannot serve right now (rather than that this
/// query is wrong): the connection is gone, the disk is full or failing, or PostgreSQL broke a
/// deadlock or a serialisation conflict by cancelling this transaction. Such a request is
/// refused with 503 and Retry-After (nothing was committed), never answered as a bug.
pub fn is_outage(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection
            | DatabaseErrorKind::UnableToSendCommand
            | DatabaseErrorKind::SerializationFailure
            | DatabaseErrorKind::ReadOnlyTransaction,
            _,
        ) => true,
        Error::DatabaseError(_, info) => is_outage_message(info.message()),
        Error::BrokenTransactionManager => true,
        Error::RollbackErrorOnCommit { rollback_error, commit_error } => {
            is_outage(rollback_error) || is_outage(commit_error)
        }
        _ => false,
    }
}

/// The messages of outages that diesel files under "unknown": SQLite's SQLITE_FULL, SQLITE_IOERR
/// and SQLITE_BUSY (another process held the lock past busy_timeout), PostgreSQL's deadlock
/// (40P01), a server shutting down, and a lost connection.
fn is_outage_message(message: &str) -> bool {
    const OUTAGES: [&str; 9] = [
        "database or disk is full",
        "disk I/O error",
        "database is locked",
        "deadlock detected",
        "terminating connection",
        "server closed the connection",
        "could not connect",
        "no connection to the server",
        "the database system is",
    ];
    OUTAGES.iter().any(|outage| message.contains(outage))
}
