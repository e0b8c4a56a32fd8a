//! Messages of a conversation once a human has it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::messages};
use crate::ids::{AgentId, EscalationId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = messages)]
pub struct Message {
    pub id: i64,
    pub escalation_id: EscalationId,
    pub sender: String,
    pub agent_id: Option<AgentId>,
    pub text: String,
    pub created_at: NaiveDateTime,
    /// The staff member who wrote a whisper or a supervisor's reply.
    pub staff_id: Option<UserId>,
}

/// Who wrote a message: `sender` as stored.
pub const CUSTOMER: &str = "customer";
pub const AGENT: &str = "agent";
/// Staff to the agent only: never sent to the platform nor shown in its transcript.
pub const WHISPER: &str = "whisper";
/// A supervisor who took the conversation over, replying to the customer.
pub const SUPERVISOR: &str = "supervisor";

pub fn insert(
    conn: &mut DbConn,
    escalation: EscalationId,
    sender: &str,
    agent: Option<AgentId>,
    text: &str,
    at: NaiveDateTime,
) -> QueryResult<Message> {
    diesel::insert_into(messages::table)
        .values((
            messages::escalation_id.eq(escalation),
            messages::sender.eq(sender),
            messages::agent_id.eq(agent),
            messages::text.eq(text),
            messages::created_at.eq(at),
        ))
        .returning(messages::all_columns)
        .get_result(conn)
}

/// A whisper or a supervisor's reply, written by `staff`.
pub fn insert_by_staff(
    conn: &mut DbConn,
    escalation: EscalationId,
    sender: &str,
    staff: UserId,
    text: &str,
    at: NaiveDateTime,
) -> QueryResult<Message> {
    diesel::insert_into(messages::table)
        .values((
            messages::escalation_id.eq(escalation),
            messages::sender.eq(sender),
            messages::staff_id.eq(staff),
            messages::text.eq(text),
            messages::created_at.eq(at),
        ))
        .returning(messages::all_columns)
        .get_result(conn)
}

pub fn for_escalation(
    conn: &mut DbConn,
    escalation: EscalationId,
    after_id: i64,
    limit: i64,
    with_whispers: bool,
) -> QueryResult<Vec<Message>> {
    let mut query = messages::table.into_boxed();
    if !with_whispers {
        query = query.filter(messages::sender.ne(WHISPER));
    }
    query
        .filter(messages::escalation_id.eq(escalation))
        .filter(messages::id.gt(after_id))
        .order(messages::id.asc())
        .limit(limit)
        .select(Message::as_select())
        .load(conn)
}

/// Blanks the text of every message of `escalation` (an erasure); returns how many.
pub fn erase_for(conn: &mut DbConn, escalation: EscalationId) -> QueryResult<usize> {
    diesel::update(messages::table.filter(messages::escalation_id.eq(escalation)).filter(messages::text.ne("")))
        .set(messages::text.eq(""))
        .execute(conn)
}
