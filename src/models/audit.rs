//! The audit log: who did what to whom, when and why.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    DbConn,
    schema::{audit_log, users},
};
use crate::ids::UserId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub actor_id: Option<UserId>,
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    pub action: String,
    pub detail: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry<'a> {
    /// `None` when the system or the subject itself acted (registration, verification).
    pub actor_id: Option<UserId>,
    pub subject_kind: &'a str,
    pub subject_id: Option<i64>,
    pub action: &'a str,
    pub detail: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

pub fn record(conn: &mut DbConn, entry: &NewAuditEntry) -> QueryResult<usize> {
    diesel::insert_into(audit_log::table).values(entry).execute(conn)
}

/// The entries about one subject, oldest first, with the acting user's email.
pub fn for_subject(conn: &mut DbConn, kind: &str, id: i64) -> QueryResult<Vec<(AuditEntry, Option<String>)>> {
    audit_log::table
        .left_join(users::table)
        .filter(audit_log::subject_kind.eq(kind))
        .filter(audit_log::subject_id.eq(id))
        .order(audit_log::id.asc())
        .select((AuditEntry::as_select(), users::email.nullable()))
        .load(conn)
}

/// The latest entries of one kind (`settings`, …), newest first, with the acting user's email.
pub fn recent_of_kind(conn: &mut DbConn, kind: &str, limit: i64) -> QueryResult<Vec<(AuditEntry, Option<String>)>> {
    audit_log::table
        .left_join(users::table)
        .filter(audit_log::subject_kind.eq(kind))
        .order(audit_log::id.desc())
        .limit(limit)
        .select((AuditEntry::as_select(), users::email.nullable()))
        .load(conn)
}

/// Deletes audit entries written before `cutoff` (retention).
pub fn forget_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(audit_log::table.filter(audit_log::created_at.lt(cutoff))).execute(conn)
}
