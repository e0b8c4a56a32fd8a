//! Learned speed and quality per agent and skill (`quality::learning`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::agent_skill_stats};
use crate::ids::AgentId;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = agent_skill_stats)]
pub struct SkillStat {
    pub agent_id: AgentId,
    pub skill: String,
    pub conversations: i32,
    pub handle_s: f64,
    pub quality: f64,
    pub computed_at: NaiveDateTime,
}

pub fn for_agents(conn: &mut DbConn, agents: &[AgentId]) -> QueryResult<Vec<SkillStat>> {
    agent_skill_stats::table
        .filter(agent_skill_stats::agent_id.eq_any(agents))
        .select(SkillStat::as_select())
        .load(conn)
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<SkillStat>> {
    agent_skill_stats::table.select(SkillStat::as_select()).load(conn)
}

/// Replaces one agent's figures (delete and insert: upserts do not compile over both backends).
pub fn replace(conn: &mut DbConn, agent: AgentId, stats: &[SkillStat]) -> QueryResult<()> {
    diesel::delete(agent_skill_stats::table.filter(agent_skill_stats::agent_id.eq(agent))).execute(conn)?;
    for s in stats {
        diesel::insert_into(agent_skill_stats::table)
            .values((
                agent_skill_stats::agent_id.eq(s.agent_id),
                agent_skill_stats::skill.eq(&s.skill),
                agent_skill_stats::conversations.eq(s.conversations),
                agent_skill_stats::handle_s.eq(s.handle_s),
                agent_skill_stats::quality.eq(s.quality),
                agent_skill_stats::computed_at.eq(s.computed_at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
