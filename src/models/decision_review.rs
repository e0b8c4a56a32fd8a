//! Agents' requests for a human review of an automated decision, and staff's answers.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::decision_reviews};
use crate::ids::{AgentId, DecisionReviewId, UserId};

crate::text_enum! {
    /// What the human review concluded.
    pub enum ReviewOutcome {
        /// The decision stands, for the reason given.
        Upheld => "upheld",
        /// The decision was wrong and has been corrected, as the answer says.
        Overturned => "overturned",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = decision_reviews)]
pub struct DecisionReview {
    pub id: DecisionReviewId,
    pub agent_id: AgentId,
    /// `offer-<id>` or `decision-<id>` (`quality::decisions::DecisionRef`).
    pub decision_ref: String,
    pub reason: String,
    pub requested_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
    pub answered_by: Option<UserId>,
    pub outcome: Option<ReviewOutcome>,
    pub answer: Option<String>,
}

/// One request per decision: a second is a unique violation.
pub fn insert(
    conn: &mut DbConn,
    agent: AgentId,
    decision_ref: &str,
    reason: &str,
    at: NaiveDateTime,
    due: NaiveDateTime,
) -> QueryResult<DecisionReviewId> {
    diesel::insert_into(decision_reviews::table)
        .values((
            decision_reviews::agent_id.eq(agent),
            decision_reviews::decision_ref.eq(decision_ref),
            decision_reviews::reason.eq(reason),
            decision_reviews::requested_at.eq(at),
            decision_reviews::due_at.eq(due),
        ))
        .returning(decision_reviews::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: DecisionReviewId) -> QueryResult<Option<DecisionReview>> {
    decision_reviews::table.find(id).select(DecisionReview::as_select()).first(conn).optional()
}

/// The agent's requests, newest first.
pub fn of_agent(conn: &mut DbConn, agent: AgentId) -> QueryResult<Vec<DecisionReview>> {
    decision_reviews::table
        .filter(decision_reviews::agent_id.eq(agent))
        .order(decision_reviews::id.desc())
        .select(DecisionReview::as_select())
        .load(conn)
}

/// Requests for staff: unanswered ones by deadline, then the latest answered.
pub fn for_staff(conn: &mut DbConn, answered_too: bool, limit: i64) -> QueryResult<Vec<DecisionReview>> {
    let mut query = decision_reviews::table.into_boxed();
    if !answered_too {
        query = query.filter(decision_reviews::answered_at.is_null());
    }
    query
        .order((decision_reviews::answered_at.is_not_null(), decision_reviews::due_at.asc()))
        .limit(limit)
        .select(DecisionReview::as_select())
        .load(conn)
}

/// Records the answer; false if it was answered already.
pub fn answer(
    conn: &mut DbConn,
    id: DecisionReviewId,
    by: UserId,
    outcome: ReviewOutcome,
    answer: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(decision_reviews::table.find(id).filter(decision_reviews::answered_at.is_null()))
        .set((
            decision_reviews::answered_at.eq(Some(at)),
            decision_reviews::answered_by.eq(Some(by)),
            decision_reviews::outcome.eq(Some(outcome)),
            decision_reviews::answer.eq(Some(answer)),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}
