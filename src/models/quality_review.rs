//! Quality reviews: one per conversation, scored on a scorecard; the agent may dispute once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::quality_reviews};
use crate::ids::{AgentId, EscalationId, ReviewId, ScorecardId, UserId};

crate::text_enum! {
    /// How staff settled a dispute.
    pub enum DisputeOutcome {
        /// The review stands.
        Upheld => "upheld",
        /// The review was wrong: it no longer counts toward the agent's quality score.
        Overturned => "overturned",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = quality_reviews)]
pub struct QualityReview {
    pub id: ReviewId,
    pub escalation_id: EscalationId,
    pub agent_id: AgentId,
    pub scorecard_id: ScorecardId,
    pub reviewer_id: Option<UserId>,
    /// Criterion name → score (JSON).
    pub scores: String,
    /// 0 to 100.
    pub score: f64,
    pub comment: String,
    pub created_at: NaiveDateTime,
    pub disputed_at: Option<NaiveDateTime>,
    pub dispute_reason: Option<String>,
    pub dispute_outcome: Option<DisputeOutcome>,
    pub dispute_answer: Option<String>,
    pub dispute_answered_by: Option<UserId>,
    pub dispute_answered_at: Option<NaiveDateTime>,
}

pub struct NewReview<'a> {
    pub escalation_id: EscalationId,
    pub agent_id: AgentId,
    pub scorecard_id: ScorecardId,
    pub reviewer_id: UserId,
    pub scores: &'a str,
    pub score: f64,
    pub comment: &'a str,
    pub at: NaiveDateTime,
}

/// A second review of the same conversation is a unique violation.
pub fn insert(conn: &mut DbConn, new: &NewReview) -> QueryResult<ReviewId> {
    diesel::insert_into(quality_reviews::table)
        .values((
            quality_reviews::escalation_id.eq(new.escalation_id),
            quality_reviews::agent_id.eq(new.agent_id),
            quality_reviews::scorecard_id.eq(new.scorecard_id),
            quality_reviews::reviewer_id.eq(new.reviewer_id),
            quality_reviews::scores.eq(new.scores),
            quality_reviews::score.eq(new.score),
            quality_reviews::comment.eq(new.comment),
            quality_reviews::created_at.eq(new.at),
        ))
        .returning(quality_reviews::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: ReviewId) -> QueryResult<Option<QualityReview>> {
    quality_reviews::table.find(id).select(QualityReview::as_select()).first(conn).optional()
}

/// The agent's reviews, newest first.
pub fn of_agent(conn: &mut DbConn, agent: AgentId) -> QueryResult<Vec<QualityReview>> {
    quality_reviews::table
        .filter(quality_reviews::agent_id.eq(agent))
        .order(quality_reviews::id.desc())
        .select(QualityReview::as_select())
        .load(conn)
}

/// Reviews disputed and not yet answered, oldest dispute first.
pub fn open_disputes(conn: &mut DbConn) -> QueryResult<Vec<QualityReview>> {
    quality_reviews::table
        .filter(quality_reviews::disputed_at.is_not_null())
        .filter(quality_reviews::dispute_answered_at.is_null())
        .order(quality_reviews::disputed_at.asc())
        .select(QualityReview::as_select())
        .load(conn)
}

/// The agent disputes; false if disputed already.
pub fn dispute(conn: &mut DbConn, id: ReviewId, reason: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(quality_reviews::table.find(id).filter(quality_reviews::disputed_at.is_null()))
        .set((quality_reviews::disputed_at.eq(Some(at)), quality_reviews::dispute_reason.eq(Some(reason))))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Staff settle a dispute; false if it is not open.
pub fn settle_dispute(
    conn: &mut DbConn,
    id: ReviewId,
    outcome: DisputeOutcome,
    answer: &str,
    by: UserId,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        quality_reviews::table
            .find(id)
            .filter(quality_reviews::disputed_at.is_not_null())
            .filter(quality_reviews::dispute_answered_at.is_null()),
    )
    .set((
        quality_reviews::dispute_outcome.eq(Some(outcome)),
        quality_reviews::dispute_answer.eq(Some(answer)),
        quality_reviews::dispute_answered_by.eq(Some(by)),
        quality_reviews::dispute_answered_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Per agent, counting reviews since `since` (overturned ones excluded): (agent, how many,
/// sum of scores 0-100).
pub fn totals_since(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Vec<(AgentId, i64, Option<f64>)>> {
    quality_reviews::table
        .filter(quality_reviews::created_at.ge(since))
        .filter(
            quality_reviews::dispute_outcome
                .is_null()
                .or(quality_reviews::dispute_outcome.ne(DisputeOutcome::Overturned)),
        )
        .group_by(quality_reviews::agent_id)
        .select((quality_reviews::agent_id, diesel::dsl::count_star(), diesel::dsl::sum(quality_reviews::score)))
        .load(conn)
}

/// The review of a conversation, if it has one.
pub fn of_escalation(conn: &mut DbConn, escalation: EscalationId) -> QueryResult<Option<QualityReview>> {
    quality_reviews::table
        .filter(quality_reviews::escalation_id.eq(escalation))
        .select(QualityReview::as_select())
        .first(conn)
        .optional()
}

/// Counting reviews since `since` with the needed skills: (agent, skills, score 0-100).
pub fn scored_since(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Vec<(AgentId, String, f64)>> {
    use crate::db::schema::escalations;
    quality_reviews::table
        .inner_join(escalations::table.on(escalations::id.eq(quality_reviews::escalation_id)))
        .filter(quality_reviews::created_at.ge(since))
        .filter(
            quality_reviews::dispute_outcome
                .is_null()
                .or(quality_reviews::dispute_outcome.ne(DisputeOutcome::Overturned)),
        )
        .select((quality_reviews::agent_id, escalations::required_skills, quality_reviews::score))
        .load(conn)
}
