//! Presence changes, kept for payroll (online time) and schedule adherence.

use crate::ids::AgentId;
use crate::models::agent::Presence;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    DbConn,
    schema::{agents, presence_events},
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = presence_events)]
pub struct PresenceEvent {
    pub id: i64,
    pub agent_id: AgentId,
    pub presence: Presence,
    pub reason: String,
    pub scheduled: bool,
    pub at: NaiveDateTime,
}

pub fn record(
    conn: &mut DbConn,
    agent_id: AgentId,
    presence: Presence,
    reason: &str,
    scheduled: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(presence_events::table)
        .values((
            presence_events::agent_id.eq(agent_id),
            presence_events::presence.eq(presence),
            presence_events::reason.eq(reason),
            presence_events::scheduled.eq(scheduled),
            presence_events::at.eq(at),
        ))
        .execute(conn)
}

pub fn for_agent(conn: &mut DbConn, agent_id: AgentId, limit: i64) -> QueryResult<Vec<PresenceEvent>> {
    presence_events::table
        .filter(presence_events::agent_id.eq(agent_id))
        .order(presence_events::id.desc())
        .limit(limit)
        .select(PresenceEvent::as_select())
        .load(conn)
}

/// Sets an agent's presence if it is now one of `from`; `false` if it was not (someone else
/// changed it first). `heartbeat` also refreshes the heartbeat time.
pub fn transition(
    conn: &mut DbConn,
    agent_id: AgentId,
    from: &[Presence],
    to: Presence,
    reason: &str,
    heartbeat: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    let target = agents::table.filter(agents::user_id.eq(agent_id)).filter(agents::presence.eq_any(from));
    let updated = match heartbeat {
        Some(at) => diesel::update(target)
            .set((agents::presence.eq(to), agents::presence_reason.eq(reason), agents::last_heartbeat_at.eq(at)))
            .execute(conn)?,
        None => {
            diesel::update(target).set((agents::presence.eq(to), agents::presence_reason.eq(reason))).execute(conn)?
        }
    };
    if updated == 1 && to == Presence::Online {
        // Someone new to offer work to.
        crate::realtime::bus::dispatch_wanted(conn)?;
    }
    Ok(updated == 1)
}

/// Records a heartbeat for an agent who is online or away.
pub fn heartbeat(conn: &mut DbConn, agent_id: AgentId, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        agents::table.filter(agents::user_id.eq(agent_id)).filter(agents::presence.ne(Presence::Offline)),
    )
    .set(agents::last_heartbeat_at.eq(at))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Records a heartbeat for many agents at once (those online or away among `ids`).
pub fn heartbeat_many(conn: &mut DbConn, ids: &[AgentId], at: NaiveDateTime) -> QueryResult<usize> {
    let mut updated = 0;
    for chunk in ids.chunks(500) {
        updated += diesel::update(
            agents::table.filter(agents::user_id.eq_any(chunk)).filter(agents::presence.ne(Presence::Offline)),
        )
        .set(agents::last_heartbeat_at.eq(at))
        .execute(conn)?;
    }
    Ok(updated)
}

/// Agents online whose last heartbeat is older than `cutoff`.
pub fn silent_online(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<Vec<AgentId>> {
    agents::table
        .filter(agents::presence.eq(Presence::Online))
        .filter(agents::last_heartbeat_at.is_null().or(agents::last_heartbeat_at.lt(cutoff)))
        .select(agents::user_id)
        .load(conn)
}

/// Moves one silent agent to away, only if still online and still silent (idempotent across
/// instances: the second one finds nothing to change).
pub fn expire(conn: &mut DbConn, agent_id: AgentId, cutoff: NaiveDateTime, reason: &str) -> QueryResult<bool> {
    let updated = diesel::update(
        agents::table
            .filter(agents::user_id.eq(agent_id))
            .filter(agents::presence.eq(Presence::Online))
            .filter(agents::last_heartbeat_at.is_null().or(agents::last_heartbeat_at.lt(cutoff))),
    )
    .set((agents::presence.eq(Presence::Away), agents::presence_reason.eq(reason)))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The agent's presence just before `at` (`None` if they had no presence change before it).
pub fn presence_before(conn: &mut DbConn, agent_id: AgentId, at: NaiveDateTime) -> QueryResult<Option<Presence>> {
    presence_events::table
        .filter(presence_events::agent_id.eq(agent_id))
        .filter(presence_events::at.lt(at))
        .order((presence_events::at.desc(), presence_events::id.desc()))
        .select(presence_events::presence)
        .first(conn)
        .optional()
}

/// The agent's presence changes in `[from, to)`, in order: (when, presence).
pub fn changes_between(
    conn: &mut DbConn,
    agent_id: AgentId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(NaiveDateTime, Presence)>> {
    presence_events::table
        .filter(presence_events::agent_id.eq(agent_id))
        .filter(presence_events::at.ge(from))
        .filter(presence_events::at.lt(to))
        .order((presence_events::at.asc(), presence_events::id.asc()))
        .select((presence_events::at, presence_events::presence))
        .load(conn)
}

/// Agents with any presence change before `to` (who may have been online in a period ending then).
pub fn agents_seen_before(conn: &mut DbConn, to: NaiveDateTime) -> QueryResult<Vec<AgentId>> {
    presence_events::table.filter(presence_events::at.lt(to)).select(presence_events::agent_id).distinct().load(conn)
}

/// Deletes presence changes before `cutoff` except each agent's last one before it, which
/// still says whether they were online at the cutoff (payroll reads the presence at a period's
/// start from it).
pub fn forget_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    let kept: Vec<Option<i64>> = presence_events::table
        .filter(presence_events::at.lt(cutoff))
        .group_by(presence_events::agent_id)
        .select(diesel::dsl::max(presence_events::id))
        .load(conn)?;
    let mut kept: Vec<i64> = kept.into_iter().flatten().collect();
    kept.sort_unstable();
    let mut deleted = 0;
    // Chunks keep each statement within SQLite's bound-parameter limit.
    let doomed: Vec<i64> = presence_events::table
        .filter(presence_events::at.lt(cutoff))
        .select(presence_events::id)
        .load::<i64>(conn)?
        .into_iter()
        .filter(|id| kept.binary_search(id).is_err())
        .collect();
    for chunk in doomed.chunks(500) {
        deleted += diesel::delete(presence_events::table.filter(presence_events::id.eq_any(chunk))).execute(conn)?;
    }
    Ok(deleted)
}
