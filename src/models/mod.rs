//! One file per table: the row struct, the insert and update forms, and query functions that
//! take `&mut DbConn` and return `QueryResult`. No HTTP here.

pub mod refresh_token;
pub mod service_account;
pub mod user;

/// The current instant as stored in the database (UTC, no zone: every stored time is UTC).
pub fn db_time(instant: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    instant.naive_utc()
}
