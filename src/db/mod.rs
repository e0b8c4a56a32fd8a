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

pub use connection::{Backend, DatabaseUrl, DbConn};
pub use migrate::{revert_all_migrations, run_migrations};
pub use pool::Db;

/// Whether a diesel error is a violated unique index: "already exists" for the caller.
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(error, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}
