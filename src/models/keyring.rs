//! Which data key sealed the values stored in this database (one row per key name).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::keyring};

/// The row naming the data key (see `auth::data_key`).
pub const DATA_KEY: &str = "data";

/// The key id recorded under `name`, if any.
pub fn key_id(conn: &mut DbConn, name: &str) -> QueryResult<Option<String>> {
    keyring::table.find(name).select(keyring::key_id).first(conn).optional()
}

/// Records `key_id` under `name` unless a key is recorded already; returns the recorded one.
/// Two processes claiming at once: one insert fails as a unique violation, and its caller
/// reads the winner's key (upserts do not compile over both backends).
pub fn claim(conn: &mut DbConn, name: &str, key_id: &str, now: NaiveDateTime) -> QueryResult<String> {
    if let Some(recorded) = self::key_id(conn, name)? {
        return Ok(recorded);
    }
    diesel::insert_into(keyring::table)
        .values((keyring::name.eq(name), keyring::key_id.eq(key_id), keyring::updated_at.eq(now)))
        .execute(conn)?;
    Ok(key_id.to_string())
}

/// Records that `name`'s values are now sealed under `key_id` (the end of a rotation).
pub fn set(conn: &mut DbConn, name: &str, key_id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(keyring::table.find(name))
        .set((keyring::key_id.eq(key_id), keyring::updated_at.eq(now)))
        .execute(conn)
}
