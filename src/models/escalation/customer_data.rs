//! Escalation rows as customer data: finding a customer's escalations, erasing their content,
//! counting what was redacted, and the retention job's queries (text past its time, rows past
//! the payroll retention). Every write goes through the parent's `noted`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Escalation, noted};
use crate::db::{DbConn, schema::escalations};
use crate::ids::{EscalationId, ServiceAccountId};

/// The escalations of `service` whose customer reference hashes to `hash`, oldest first.
pub fn for_customer(conn: &mut DbConn, service: ServiceAccountId, hash: &str) -> QueryResult<Vec<Escalation>> {
    escalations::table
        .filter(escalations::service_account_id.eq(service))
        .filter(escalations::customer_ref_hash.eq(hash))
        .order(escalations::id.asc())
        .select(Escalation::as_select())
        .load(conn)
}

/// Erases an escalation's conversation content (summary, transcript), keeping what payroll and
/// metrics need; false when it was erased already.
pub fn erase_content(conn: &mut DbConn, id: EscalationId, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(escalations::table.find(id).filter(escalations::erased_at.is_null()))
        .set((
            escalations::summary.eq(""),
            escalations::transcript.eq("[]"),
            escalations::hand_back_summary.eq(None::<String>),
            escalations::erased_at.eq(at),
            escalations::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(noted(id, updated) == 1)
}

/// Counts `more` hidden card numbers, IBANs or patterns on an escalation.
pub fn add_redactions(conn: &mut DbConn, id: EscalationId, more: i32) -> QueryResult<usize> {
    if more == 0 {
        return Ok(0);
    }
    diesel::update(escalations::table.find(id))
        .set(escalations::redactions.eq(escalations::redactions + more))
        .execute(conn)
}

/// How many things were hidden in an escalation's text.
pub fn redactions_of(conn: &mut DbConn, id: EscalationId) -> QueryResult<i32> {
    escalations::table.find(id).select(escalations::redactions).first(conn)
}

/// When an escalation's content was erased, if it was.
pub fn erased_at(conn: &mut DbConn, id: EscalationId) -> QueryResult<Option<NaiveDateTime>> {
    escalations::table.find(id).select(escalations::erased_at).first(conn)
}

/// Closed escalations whose conversation text is still kept and that closed before `cutoff`.
pub fn closed_with_content_before(
    conn: &mut DbConn,
    cutoff: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<EscalationId>> {
    escalations::table
        .filter(escalations::closed_at.lt(cutoff))
        .filter(escalations::erased_at.is_null())
        .order(escalations::id.asc())
        .limit(limit)
        .select(escalations::id)
        .load(conn)
}

/// Closed escalations that still hold a transcript and closed before `cutoff`.
pub fn closed_with_transcript_before(
    conn: &mut DbConn,
    cutoff: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<EscalationId>> {
    escalations::table
        .filter(escalations::closed_at.lt(cutoff))
        .filter(escalations::transcript.ne("[]"))
        .order(escalations::id.asc())
        .limit(limit)
        .select(escalations::id)
        .load(conn)
}

/// Forgets the chatbot's transcript of an escalation.
pub fn clear_transcript(conn: &mut DbConn, id: EscalationId) -> QueryResult<usize> {
    let updated = diesel::update(escalations::table.find(id)).set(escalations::transcript.eq("[]")).execute(conn)?;
    Ok(noted(id, updated))
}

/// Escalations that closed before `cutoff` (payroll retention), oldest first.
pub fn closed_before(conn: &mut DbConn, cutoff: NaiveDateTime, limit: i64) -> QueryResult<Vec<EscalationId>> {
    escalations::table
        .filter(escalations::closed_at.lt(cutoff))
        .order(escalations::id.asc())
        .limit(limit)
        .select(escalations::id)
        .load(conn)
}

/// Deletes an escalation with its offers, assignments, timeline, messages and rating (the
/// foreign keys cascade): the end of its payroll retention.
pub fn delete(conn: &mut DbConn, id: EscalationId) -> QueryResult<usize> {
    let deleted = diesel::delete(escalations::table.find(id)).execute(conn)?;
    Ok(noted(id, deleted))
}
