//! The timeline of an escalation.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::escalation_events};
use crate::ids::EscalationId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = escalation_events)]
pub struct EscalationEvent {
    pub id: i64,
    pub escalation_id: EscalationId,
    pub event: String,
    pub detail: Option<String>,
    pub at: NaiveDateTime,
}

pub fn record(
    conn: &mut DbConn,
    escalation: EscalationId,
    event: &str,
    detail: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(escalation_events::table)
        .values((
            escalation_events::escalation_id.eq(escalation),
            escalation_events::event.eq(event),
            escalation_events::detail.eq(detail),
            escalation_events::at.eq(at),
        ))
        .execute(conn)
}

pub fn for_escalation(conn: &mut DbConn, escalation: EscalationId) -> QueryResult<Vec<EscalationEvent>> {
    escalation_events::table
        .filter(escalation_events::escalation_id.eq(escalation))
        .order(escalation_events::id.asc())
        .select(EscalationEvent::as_select())
        .load(conn)
}
