//! Customer ratings of conversations.

use crate::ids::{AgentId, EscalationId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    DbConn,
    schema::{agents, ratings},
};

/// Records a rating and adds it to the agent's totals; a second rating of the same
/// escalation is a unique violation.
pub fn insert(
    conn: &mut DbConn,
    escalation: EscalationId,
    agent: AgentId,
    score: i32,
    comment: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(ratings::table)
        .values((
            ratings::escalation_id.eq(escalation),
            ratings::agent_id.eq(agent),
            ratings::score.eq(score),
            ratings::comment.eq(comment),
            ratings::created_at.eq(at),
        ))
        .execute(conn)?;
    crate::realtime::bus::agent_changed(conn, agent)?;
    diesel::update(agents::table.find(agent))
        .set((
            agents::rating_sum.eq(agents::rating_sum + score as i64),
            agents::rating_count.eq(agents::rating_count + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// The rating of an escalation: (score, comment).
pub fn of_escalation(conn: &mut DbConn, escalation: EscalationId) -> QueryResult<Option<(i32, Option<String>)>> {
    ratings::table.find(escalation).select((ratings::score, ratings::comment)).first(conn).optional()
}

/// Removes the comment of an escalation's rating (an erasure); the score stays for metrics.
pub fn erase_comment(conn: &mut DbConn, escalation: EscalationId) -> QueryResult<usize> {
    diesel::update(ratings::table.find(escalation).filter(ratings::comment.is_not_null()))
        .set(ratings::comment.eq(None::<String>))
        .execute(conn)
}

/// Removes the comments of ratings given before `cutoff` (retention); the scores stay.
pub fn erase_comments_before(conn: &mut DbConn, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(ratings::table.filter(ratings::created_at.lt(cutoff)).filter(ratings::comment.is_not_null()))
        .set(ratings::comment.eq(None::<String>))
        .execute(conn)
}

/// Every rating of `agent`'s conversations: (escalation, score, comment, when).
pub fn for_agent(
    conn: &mut DbConn,
    agent: AgentId,
) -> QueryResult<Vec<(EscalationId, i32, Option<String>, NaiveDateTime)>> {
    ratings::table
        .filter(ratings::agent_id.eq(agent))
        .order(ratings::created_at.asc())
        .select((ratings::escalation_id, ratings::score, ratings::comment, ratings::created_at))
        .load(conn)
}

/// Per agent, ratings since `since`: (agent, how many, sum of scores).
pub fn totals_since(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Vec<(AgentId, i64, Option<i64>)>> {
    use diesel::dsl::{count_star, sum};
    ratings::table
        .filter(ratings::created_at.ge(since))
        .group_by(ratings::agent_id)
        .select((ratings::agent_id, count_star(), sum(ratings::score)))
        .load(conn)
}
