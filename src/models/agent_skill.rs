//! The skills an agent offers, each with a self-assessed proficiency from 1 to 5.

use diesel::prelude::*;

use crate::db::{DbConn, schema::agent_skills};
use crate::ids::AgentId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agent_skills)]
pub struct AgentSkill {
    pub agent_id: AgentId,
    pub skill: String,
    pub proficiency: i32,
}

pub fn for_agent(conn: &mut DbConn, agent_id: AgentId) -> QueryResult<Vec<AgentSkill>> {
    agent_skills::table
        .filter(agent_skills::agent_id.eq(agent_id))
        .order(agent_skills::skill.asc())
        .select(AgentSkill::as_select())
        .load(conn)
}

/// Replaces an agent's skills, row by row.
pub fn replace(conn: &mut DbConn, agent_id: AgentId, skills: &[(String, i32)]) -> QueryResult<()> {
    diesel::delete(agent_skills::table.filter(agent_skills::agent_id.eq(agent_id))).execute(conn)?;
    for (skill, proficiency) in skills {
        diesel::insert_into(agent_skills::table)
            .values((
                agent_skills::agent_id.eq(agent_id),
                agent_skills::skill.eq(skill),
                agent_skills::proficiency.eq(proficiency),
            ))
            .execute(conn)?;
    }
    crate::models::agent::touch_profile(conn, agent_id)?;
    Ok(())
}

/// Skills of many agents at once.
pub fn for_agents(conn: &mut DbConn, ids: &[AgentId]) -> QueryResult<Vec<AgentSkill>> {
    agent_skills::table.filter(agent_skills::agent_id.eq_any(ids)).select(AgentSkill::as_select()).load(conn)
}
