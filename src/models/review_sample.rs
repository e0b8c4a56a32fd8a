//! Conversations the sampling rule picked for a quality review, and why.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{quality_reviews, review_samples};
use crate::ids::{AgentId, EscalationId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = review_samples)]
pub struct ReviewSample {
    pub escalation_id: EscalationId,
    pub agent_id: AgentId,
    pub reason: String,
    pub sampled_at: NaiveDateTime,
}

pub fn exists(conn: &mut DbConn, escalation: EscalationId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(review_samples::table.find(escalation))).get_result(conn)
}

pub fn insert(
    conn: &mut DbConn,
    escalation: EscalationId,
    agent: AgentId,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(review_samples::table)
        .values((
            review_samples::escalation_id.eq(escalation),
            review_samples::agent_id.eq(agent),
            review_samples::reason.eq(reason),
            review_samples::sampled_at.eq(at),
        ))
        .execute(conn)
}

/// Sampled conversations nobody has reviewed yet, oldest first.
pub fn unreviewed(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<ReviewSample>> {
    review_samples::table
        .filter(diesel::dsl::not(diesel::dsl::exists(
            quality_reviews::table.filter(quality_reviews::escalation_id.eq(review_samples::escalation_id)),
        )))
        .order(review_samples::sampled_at.asc())
        .limit(limit)
        .select(ReviewSample::as_select())
        .load(conn)
}
