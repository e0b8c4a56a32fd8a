//! Small named facts about the installation, stored as text (usually JSON).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::app_settings};

/// Sets a setting an admin changed, with an audit entry (`action`) carrying the new value.
pub fn set_audited(
    conn: &mut DbConn,
    key: &str,
    value: &str,
    actor: crate::ids::UserId,
    action: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    set(conn, key, value, at)?;
    crate::models::audit::record(
        conn,
        &crate::models::audit::NewAuditEntry {
            actor_id: Some(actor),
            subject_kind: "settings",
            subject_id: None,
            action,
            detail: Some(value),
            created_at: at,
        },
    )?;
    Ok(())
}

pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    app_settings::table.find(key).select(app_settings::value).first(conn).optional()
}

/// Sets a value, inserting or updating (upserts do not compile over both backends).
pub fn set(conn: &mut DbConn, key: &str, value: &str, at: NaiveDateTime) -> QueryResult<()> {
    let updated = diesel::update(app_settings::table.find(key))
        .set((app_settings::value.eq(value), app_settings::updated_at.eq(at)))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(app_settings::table)
            .values((app_settings::key.eq(key), app_settings::value.eq(value), app_settings::updated_at.eq(at)))
            .execute(conn)?;
    }
    Ok(())
}
