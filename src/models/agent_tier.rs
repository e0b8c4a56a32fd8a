//! Each agent's tier as last computed, with the figures behind it (JSON).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::agent_tiers};
use crate::ids::AgentId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agent_tiers)]
pub struct AgentTier {
    pub agent_id: AgentId,
    pub tier: String,
    pub score: f64,
    pub figures: String,
    /// When the agent reached this tier.
    pub since: NaiveDateTime,
    pub computed_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, agent: AgentId) -> QueryResult<Option<AgentTier>> {
    agent_tiers::table.find(agent).select(AgentTier::as_select()).first(conn).optional()
}

/// The stored tiers of `agents`: (agent, tier).
pub fn tiers_of(conn: &mut DbConn, agents: &[AgentId]) -> QueryResult<Vec<(AgentId, String)>> {
    agent_tiers::table
        .filter(agent_tiers::agent_id.eq_any(agents))
        .select((agent_tiers::agent_id, agent_tiers::tier))
        .load(conn)
}

/// Every stored tier: (agent, tier).
pub fn all_tiers(conn: &mut DbConn) -> QueryResult<Vec<(AgentId, String)>> {
    agent_tiers::table.select((agent_tiers::agent_id, agent_tiers::tier)).load(conn)
}

/// Stores the agent's tier (an update, or an insert the first time: upserts do not compile
/// over both backends). `since` changes only with the tier.
pub fn store(
    conn: &mut DbConn,
    agent: AgentId,
    tier: &str,
    score: f64,
    figures: &str,
    changed: bool,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let updated = if changed {
        diesel::update(agent_tiers::table.find(agent))
            .set((
                agent_tiers::tier.eq(tier),
                agent_tiers::score.eq(score),
                agent_tiers::figures.eq(figures),
                agent_tiers::since.eq(at),
                agent_tiers::computed_at.eq(at),
            ))
            .execute(conn)?
    } else {
        diesel::update(agent_tiers::table.find(agent))
            .set((agent_tiers::score.eq(score), agent_tiers::figures.eq(figures), agent_tiers::computed_at.eq(at)))
            .execute(conn)?
    };
    if updated == 0 {
        diesel::insert_into(agent_tiers::table)
            .values((
                agent_tiers::agent_id.eq(agent),
                agent_tiers::tier.eq(tier),
                agent_tiers::score.eq(score),
                agent_tiers::figures.eq(figures),
                agent_tiers::since.eq(at),
                agent_tiers::computed_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
