//! Agents' choices to hear of live boosts (`boost_alerts`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::boost_alerts};
use crate::ids::AgentId;

#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = boost_alerts)]
pub struct BoostAlert {
    pub agent_id: AgentId,
    pub dashboard: bool,
    pub email: bool,
    pub last_emailed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub fn of(conn: &mut DbConn, agent: AgentId) -> QueryResult<Option<BoostAlert>> {
    boost_alerts::table.find(agent).select(BoostAlert::as_select()).first(conn).optional()
}

/// Saves the agent's choice (inserting or updating: upserts do not compile over both backends).
pub fn set(conn: &mut DbConn, agent: AgentId, dashboard: bool, email: bool, now: NaiveDateTime) -> QueryResult<()> {
    let updated = diesel::update(boost_alerts::table.find(agent))
        .set((boost_alerts::dashboard.eq(dashboard), boost_alerts::email.eq(email), boost_alerts::updated_at.eq(now)))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(boost_alerts::table)
            .values((
                boost_alerts::agent_id.eq(agent),
                boost_alerts::dashboard.eq(dashboard),
                boost_alerts::email.eq(email),
                boost_alerts::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Everyone who opted into something.
pub fn opted_in(conn: &mut DbConn) -> QueryResult<Vec<BoostAlert>> {
    boost_alerts::table
        .filter(boost_alerts::dashboard.or(boost_alerts::email))
        .select(BoostAlert::as_select())
        .load(conn)
}

/// Records an email sent, if none was sent since `not_since` (false: still rate-limited).
pub fn claim_email(
    conn: &mut DbConn,
    agent: AgentId,
    not_since: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let claimed = diesel::update(
        boost_alerts::table
            .find(agent)
            .filter(boost_alerts::last_emailed_at.is_null().or(boost_alerts::last_emailed_at.lt(not_since))),
    )
    .set(boost_alerts::last_emailed_at.eq(now))
    .execute(conn)?;
    Ok(claimed == 1)
}
