//! The webhook outbox: events waiting to be delivered to a service account's URL.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::webhook_deliveries};
use crate::ids::{EscalationId, ServiceAccountId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct WebhookDelivery {
    pub id: i64,
    pub service_account_id: ServiceAccountId,
    pub event: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
}

/// Queues an event; returns its id (the event id receivers deduplicate by).
pub fn insert(
    conn: &mut DbConn,
    service: ServiceAccountId,
    escalation: EscalationId,
    event: &str,
    payload: &str,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::service_account_id.eq(service),
            webhook_deliveries::escalation_id.eq(escalation),
            webhook_deliveries::event.eq(event),
            webhook_deliveries::payload.eq(payload),
            webhook_deliveries::created_at.eq(at),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(at),
        ))
        .returning(webhook_deliveries::id)
        .get_result(conn)
}

/// Undelivered events whose next attempt is due and that no worker holds, oldest first.
pub fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<i64>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::delivered_at.is_null())
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .filter(webhook_deliveries::claimed_until.is_null().or(webhook_deliveries::claimed_until.lt(now)))
        .order(webhook_deliveries::id.asc())
        .limit(limit)
        .select(webhook_deliveries::id)
        .load(conn)
}

/// Takes a delivery until `until`; only one worker of any instance wins.
pub fn claim(
    conn: &mut DbConn,
    id: i64,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Option<WebhookDelivery>> {
    let claimed = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::delivered_at.is_null())
            .filter(webhook_deliveries::claimed_until.is_null().or(webhook_deliveries::claimed_until.lt(now))),
    )
    .set(webhook_deliveries::claimed_until.eq(until))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(None);
    }
    webhook_deliveries::table.find(id).select(WebhookDelivery::as_select()).first(conn).optional()
}

/// Records one attempt: delivered (a 2xx) or to be retried at `retry_at`.
pub fn record_attempt(
    conn: &mut DbConn,
    id: i64,
    status: Option<i32>,
    error: Option<&str>,
    delivered_at: Option<NaiveDateTime>,
    retry_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::last_status.eq(status),
            webhook_deliveries::last_error.eq(error),
            webhook_deliveries::delivered_at.eq(delivered_at),
            webhook_deliveries::next_attempt_at.eq(retry_at),
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

/// Gives a claimed delivery back unsent, due again at `retry_at` (its receiver failed earlier
/// in the same batch; no attempt is counted against it).
pub fn defer(conn: &mut DbConn, id: i64, retry_at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::next_attempt_at.eq(retry_at),
        ))
        .execute(conn)
}

/// Recent deliveries, newest first, optionally only undelivered ones (for staff).
pub fn recent(conn: &mut DbConn, pending_only: bool, limit: i64) -> QueryResult<Vec<WebhookDelivery>> {
    let mut query = webhook_deliveries::table.into_boxed();
    if pending_only {
        query = query.filter(webhook_deliveries::delivered_at.is_null());
    }
    query.order(webhook_deliveries::id.desc()).limit(limit).select(WebhookDelivery::as_select()).load(conn)
}

/// Drops the events about `escalations` not delivered yet (an erasure); returns how many.
pub fn drop_undelivered(conn: &mut DbConn, escalations: &[EscalationId]) -> QueryResult<usize> {
    diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::escalation_id.eq_any(escalations))
            .filter(webhook_deliveries::delivered_at.is_null()),
    )
    .execute(conn)
}

/// Deletes every event about `escalations`, delivered or not (their records are gone).
pub fn forget_for(conn: &mut DbConn, escalations: &[EscalationId]) -> QueryResult<usize> {
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::escalation_id.eq_any(escalations)))
        .execute(conn)
}
