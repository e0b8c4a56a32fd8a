//! The timeline of an escalation.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::escalation_events};
use crate::ids::EscalationId;

crate::text_enum! {
    /// What happened to an escalation, as its timeline names it.
    pub enum TimelineEvent {
        Created => "created",
        Offered => "offered",
        Assigned => "assigned",
        Declined => "declined",
        /// An offer's time ran out.
        Expired => "expired",
        /// An offer taken back (the agent left, or the customer did).
        Withdrawn => "withdrawn",
        /// The widening ladder relaxed a constraint.
        Widened => "widened",
        Resolved => "resolved",
        Transferred => "transferred",
        Rated => "rated",
        Abandoned => "abandoned",
        /// The customer was let go from the live wait (callback, or the longest live wait).
        CustomerReleased => "customer_released",
        /// The agent finished wrap-up (or its time ran out): the reported disposition.
        WrappedUp => "wrapped_up",
        /// A supervisor took the conversation over from its agent.
        TakenOver => "taken_over",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = escalation_events)]
pub struct EscalationEvent {
    pub id: i64,
    pub escalation_id: EscalationId,
    pub event: TimelineEvent,
    pub detail: Option<String>,
    pub at: NaiveDateTime,
}

pub fn record(
    conn: &mut DbConn,
    escalation: EscalationId,
    event: TimelineEvent,
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

/// Removes the free text of an escalation's timeline (transfer notes and the like).
pub fn erase_details(conn: &mut DbConn, escalation: EscalationId) -> QueryResult<usize> {
    diesel::update(escalation_events::table.filter(escalation_events::escalation_id.eq(escalation)))
        .set(escalation_events::detail.eq(None::<String>))
        .execute(conn)
}
