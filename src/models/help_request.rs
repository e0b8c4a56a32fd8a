//! Agents' raised hands, shown live on /staff until someone answers.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::help_requests};
use crate::ids::{AgentId, EscalationId, HelpRequestId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = help_requests)]
pub struct HelpRequest {
    pub id: HelpRequestId,
    pub agent_id: AgentId,
    pub escalation_id: Option<EscalationId>,
    pub note: String,
    pub raised_at: NaiveDateTime,
    pub answered_by: Option<UserId>,
    pub answered_at: Option<NaiveDateTime>,
}

pub fn insert(
    conn: &mut DbConn,
    agent: AgentId,
    escalation: Option<EscalationId>,
    note: &str,
    at: NaiveDateTime,
) -> QueryResult<HelpRequestId> {
    diesel::insert_into(help_requests::table)
        .values((
            help_requests::agent_id.eq(agent),
            help_requests::escalation_id.eq(escalation),
            help_requests::note.eq(note),
            help_requests::raised_at.eq(at),
        ))
        .returning(help_requests::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: HelpRequestId) -> QueryResult<Option<HelpRequest>> {
    help_requests::table.find(id).select(HelpRequest::as_select()).first(conn).optional()
}

/// The agent's hand still raised, if any.
pub fn open_of_agent(conn: &mut DbConn, agent: AgentId) -> QueryResult<Option<HelpRequest>> {
    help_requests::table
        .filter(help_requests::agent_id.eq(agent))
        .filter(help_requests::answered_at.is_null())
        .select(HelpRequest::as_select())
        .first(conn)
        .optional()
}

/// Hands still raised, oldest first.
pub fn open(conn: &mut DbConn) -> QueryResult<Vec<HelpRequest>> {
    help_requests::table
        .filter(help_requests::answered_at.is_null())
        .order(help_requests::raised_at.asc())
        .select(HelpRequest::as_select())
        .load(conn)
}

/// A staff member takes it; false if someone did already.
pub fn answer(conn: &mut DbConn, id: HelpRequestId, by: UserId, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(help_requests::table.find(id).filter(help_requests::answered_at.is_null()))
        .set((help_requests::answered_by.eq(Some(by)), help_requests::answered_at.eq(Some(at))))
        .execute(conn)?;
    Ok(updated == 1)
}
