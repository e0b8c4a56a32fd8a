//! The email outbox: mail waiting to be sent, with its delivery attempts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::outbox_emails};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox_emails)]
pub struct OutboxEmail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox_emails)]
pub struct NewOutboxEmail<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub text_body: &'a str,
    pub html_body: &'a str,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, email: &NewOutboxEmail) -> QueryResult<usize> {
    diesel::insert_into(outbox_emails::table).values(email).execute(conn)
}

/// Ids of unsent mail whose next attempt is due, that has attempts left and that no worker
/// holds, oldest first.
pub fn due(conn: &mut DbConn, now: NaiveDateTime, max_attempts: i32, limit: i64) -> QueryResult<Vec<i64>> {
    outbox_emails::table
        .filter(outbox_emails::sent_at.is_null())
        .filter(outbox_emails::attempts.lt(max_attempts))
        .filter(outbox_emails::next_attempt_at.le(now))
        .filter(outbox_emails::claimed_until.is_null().or(outbox_emails::claimed_until.lt(now)))
        .order(outbox_emails::id.asc())
        .limit(limit)
        .select(outbox_emails::id)
        .load(conn)
}

/// Takes a mail for sending until `until`; only one worker (of any instance) wins.
pub fn claim(conn: &mut DbConn, id: i64, now: NaiveDateTime, until: NaiveDateTime) -> QueryResult<Option<OutboxEmail>> {
    let claimed = diesel::update(
        outbox_emails::table
            .filter(outbox_emails::id.eq(id))
            .filter(outbox_emails::sent_at.is_null())
            .filter(outbox_emails::claimed_until.is_null().or(outbox_emails::claimed_until.lt(now))),
    )
    .set(outbox_emails::claimed_until.eq(until))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(None);
    }
    outbox_emails::table.find(id).select(OutboxEmail::as_select()).first(conn).optional()
}

pub fn mark_sent(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(outbox_emails::table.find(id))
        .set((
            outbox_emails::sent_at.eq(at),
            outbox_emails::claimed_until.eq(None::<NaiveDateTime>),
            outbox_emails::attempts.eq(outbox_emails::attempts + 1),
        ))
        .execute(conn)
}

pub fn mark_failed(conn: &mut DbConn, id: i64, error: &str, retry_at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(outbox_emails::table.find(id))
        .set((
            outbox_emails::last_error.eq(error),
            outbox_emails::next_attempt_at.eq(retry_at),
            outbox_emails::claimed_until.eq(None::<NaiveDateTime>),
            outbox_emails::attempts.eq(outbox_emails::attempts + 1),
        ))
        .execute(conn)
}

/// Mail not yet delivered, for metrics and staff.
pub fn backlog(conn: &mut DbConn) -> QueryResult<i64> {
    outbox_emails::table.filter(outbox_emails::sent_at.is_null()).count().get_result(conn)
}
