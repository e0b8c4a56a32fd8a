//! Certifications: staff vouching that an agent may handle a skill that requires one.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::certifications};
use crate::ids::{AgentId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certifications)]
pub struct Certification {
    pub agent_id: AgentId,
    pub skill: String,
    pub granted_by: Option<UserId>,
    pub granted_at: NaiveDateTime,
}

pub fn for_agent(conn: &mut DbConn, agent_id: AgentId) -> QueryResult<Vec<Certification>> {
    certifications::table
        .filter(certifications::agent_id.eq(agent_id))
        .order(certifications::skill.asc())
        .select(Certification::as_select())
        .load(conn)
}

/// Grants a certification; granting one the agent holds already is a unique violation.
pub fn insert(
    conn: &mut DbConn,
    agent_id: AgentId,
    skill: &str,
    granted_by: UserId,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let inserted = diesel::insert_into(certifications::table)
        .values((
            certifications::agent_id.eq(agent_id),
            certifications::skill.eq(skill),
            certifications::granted_by.eq(granted_by),
            certifications::granted_at.eq(at),
        ))
        .execute(conn)?;
    crate::models::agent::touch_profile(conn, agent_id)?;
    Ok(inserted)
}

/// Certifications of many agents at once.
pub fn for_agents(conn: &mut DbConn, ids: &[AgentId]) -> QueryResult<Vec<Certification>> {
    certifications::table.filter(certifications::agent_id.eq_any(ids)).select(Certification::as_select()).load(conn)
}
