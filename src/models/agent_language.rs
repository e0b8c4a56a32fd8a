//! The languages an agent speaks, each at a level.

use diesel::prelude::*;

use crate::db::{DbConn, schema::agent_languages};
use crate::ids::AgentId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agent_languages)]
pub struct AgentLanguage {
    pub agent_id: AgentId,
    pub code: String,
    pub level: String,
}

pub fn for_agent(conn: &mut DbConn, agent_id: AgentId) -> QueryResult<Vec<AgentLanguage>> {
    agent_languages::table
        .filter(agent_languages::agent_id.eq(agent_id))
        .order(agent_languages::code.asc())
        .select(AgentLanguage::as_select())
        .load(conn)
}

/// Replaces an agent's languages (row by row: multi-row inserts do not compile over both backends).
pub fn replace(conn: &mut DbConn, agent_id: AgentId, languages: &[(String, String)]) -> QueryResult<()> {
    diesel::delete(agent_languages::table.filter(agent_languages::agent_id.eq(agent_id))).execute(conn)?;
    for (code, level) in languages {
        diesel::insert_into(agent_languages::table)
            .values((
                agent_languages::agent_id.eq(agent_id),
                agent_languages::code.eq(code),
                agent_languages::level.eq(level),
            ))
            .execute(conn)?;
    }
    crate::models::agent::touch_profile(conn, agent_id)?;
    Ok(())
}

/// Languages of many agents at once.
pub fn for_agents(conn: &mut DbConn, ids: &[AgentId]) -> QueryResult<Vec<AgentLanguage>> {
    agent_languages::table.filter(agent_languages::agent_id.eq_any(ids)).select(AgentLanguage::as_select()).load(conn)
}
