//! Agents' pay rates, effective-dated: a change applies from its `effective_from` on, and past
//! work is paid at the rate in force when it happened.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::agent_rates};
use crate::ids::AgentId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agent_rates)]
pub struct AgentRate {
    pub id: i64,
    pub agent_id: AgentId,
    pub hourly_rate_minor: i64,
    pub per_conversation_minor: i64,
    pub currency: String,
    pub effective_from: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = agent_rates)]
pub struct NewAgentRate<'a> {
    pub agent_id: AgentId,
    pub hourly_rate_minor: i64,
    pub per_conversation_minor: i64,
    pub currency: &'a str,
    pub effective_from: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, rate: &NewAgentRate) -> QueryResult<usize> {
    let inserted = diesel::insert_into(agent_rates::table).values(rate).execute(conn)?;
    crate::models::agent::touch_profile(conn, rate.agent_id)?;
    Ok(inserted)
}

/// Every rate (past, present and scheduled) of many agents, oldest first.
pub fn all_for(conn: &mut DbConn, ids: &[AgentId]) -> QueryResult<Vec<AgentRate>> {
    agent_rates::table
        .filter(agent_rates::agent_id.eq_any(ids))
        .order((agent_rates::agent_id.asc(), agent_rates::effective_from.asc(), agent_rates::id.asc()))
        .select(AgentRate::as_select())
        .load(conn)
}

/// The rate in force at `at`: the latest one that took effect at or before it.
pub fn in_force(conn: &mut DbConn, agent_id: AgentId, at: NaiveDateTime) -> QueryResult<Option<AgentRate>> {
    agent_rates::table
        .filter(agent_rates::agent_id.eq(agent_id))
        .filter(agent_rates::effective_from.le(at))
        .order((agent_rates::effective_from.desc(), agent_rates::id.desc()))
        .select(AgentRate::as_select())
        .first(conn)
        .optional()
}

/// Every rate an agent has had or will have, newest first.
pub fn history(conn: &mut DbConn, agent_id: AgentId) -> QueryResult<Vec<AgentRate>> {
    agent_rates::table
        .filter(agent_rates::agent_id.eq(agent_id))
        .order((agent_rates::effective_from.desc(), agent_rates::id.desc()))
        .select(AgentRate::as_select())
        .load(conn)
}

/// The rates in force at `at` for many agents (latest effective_from at or before `at`).
pub fn in_force_for(conn: &mut DbConn, ids: &[AgentId], at: NaiveDateTime) -> QueryResult<Vec<AgentRate>> {
    let all: Vec<AgentRate> = agent_rates::table
        .filter(agent_rates::agent_id.eq_any(ids))
        .filter(agent_rates::effective_from.le(at))
        .order((agent_rates::agent_id.asc(), agent_rates::effective_from.desc(), agent_rates::id.desc()))
        .select(AgentRate::as_select())
        .load(conn)?;
    let mut latest: Vec<AgentRate> = Vec::new();
    for rate in all {
        if latest.last().is_none_or(|l| l.agent_id != rate.agent_id) {
            latest.push(rate);
        }
    }
    Ok(latest)
}
