//! Quality reviews: staff-managed scorecards (weighted criteria, yes/no or 1-5), reviewers'
//! scores of sampled conversations, and the agent's one dispute of each review, settled by
//! staff with a written answer. Every step is audited.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::db::{DbConn, is_unique_violation};
use crate::error::{AppError, FieldError};
use crate::ids::{AgentId, EscalationId, ReviewId, ScorecardId, UserId};
use crate::models::escalation::EscalationState;
use crate::models::quality_review::{self, DisputeOutcome, NewReview, QualityReview};
use crate::models::{db_time, escalation, review_sample, scorecard};

crate::text_enum! {
    /// How a criterion is scored.
    pub enum Scale {
        /// 0 (no) or 1 (yes).
        YesNo => "yes_no",
        /// 1 to 5.
        OneToFive => "one_to_five",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub name: String,
    /// Relative weight, above 0.
    pub weight: f64,
    /// `yes_no` or `one_to_five`.
    pub scale: String,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct ScorecardInput {
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    #[validate(length(min = 1, max = 30))]
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScorecardView {
    #[schema(value_type = i64)]
    pub id: ScorecardId,
    pub name: String,
    pub criteria: Vec<Criterion>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

fn criteria_of(card: &scorecard::Scorecard) -> Vec<Criterion> {
    serde_json::from_str(&card.criteria).unwrap_or_default()
}

fn scorecard_view(card: scorecard::Scorecard) -> ScorecardView {
    ScorecardView {
        criteria: criteria_of(&card),
        id: card.id,
        name: card.name,
        active: card.active,
        created_at: card.created_at.and_utc(),
    }
}

pub fn scorecards(conn: &mut DbConn) -> Result<Vec<ScorecardView>, AppError> {
    Ok(scorecard::all(conn)?.into_iter().map(scorecard_view).collect())
}

/// A new scorecard; 422 naming the criterion at fault, 409 for a name in use. Audited.
pub fn create_scorecard(
    conn: &mut DbConn,
    input: &ScorecardInput,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<ScorecardView, AppError> {
    let mut errors = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for (i, c) in input.criteria.iter().enumerate() {
        let field = |f: &str| format!("criteria[{i}].{f}");
        if !(1..=100).contains(&c.name.trim().len()) {
            errors.push(FieldError::new(field("name"), "must be 1 to 100 characters"));
        } else if names.contains(&c.name.trim()) {
            errors.push(FieldError::new(field("name"), "is used by another criterion"));
        }
        names.push(c.name.trim());
        if !(c.weight > 0.0 && c.weight <= 100.0) {
            errors.push(FieldError::new(field("weight"), "must be above 0 and at most 100"));
        }
        if Scale::parse(&c.scale).is_none() {
            errors.push(FieldError::new(field("scale"), "must be `yes_no` or `one_to_five`"));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let criteria: Vec<Criterion> =
        input.criteria.iter().map(|c| Criterion { name: c.name.trim().to_string(), ..c.clone() }).collect();
    let text = serde_json::to_string(&criteria).map_err(|e| AppError::Internal(e.into()))?;
    let id = scorecard::insert(conn, input.name.trim(), &text, by, db_time(now)).map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict(format!("a scorecard is named `{}` already", input.name.trim()))
        } else {
            e.into()
        }
    })?;
    super::audited(conn, Some(by), "scorecard", id.0, "scorecard_created", &text, now)?;
    Ok(scorecard_view(scorecard::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("no scorecard {id}")))?))
}

/// The score, 0 to 100: the weighted mean of each criterion scaled to 0..1. 422 naming
/// `scores.<criterion>` for one missing, unknown or out of its scale.
pub fn score(criteria: &[Criterion], scores: &BTreeMap<String, i64>) -> Result<f64, AppError> {
    let mut errors = Vec::new();
    let (mut total, mut weights) = (0.0, 0.0);
    for c in criteria {
        let field = format!("scores.{}", c.name);
        let scale = Scale::parse(&c.scale).unwrap_or(Scale::OneToFive);
        match (scores.get(&c.name), scale) {
            (None, _) => errors.push(FieldError::new(field, "is missing")),
            (Some(v @ 0..=1), Scale::YesNo) => total += c.weight * *v as f64,
            (Some(v @ 1..=5), Scale::OneToFive) => total += c.weight * (*v - 1) as f64 / 4.0,
            (Some(_), Scale::YesNo) => errors.push(FieldError::new(field, "must be 0 (no) or 1 (yes)")),
            (Some(_), Scale::OneToFive) => errors.push(FieldError::new(field, "must be between 1 and 5")),
        }
        weights += c.weight;
    }
    for name in scores.keys().filter(|n| !criteria.iter().any(|c| &c.name == *n)) {
        errors.push(FieldError::new(format!("scores.{name}"), "is not a criterion of this scorecard"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(if weights > 0.0 { 100.0 * total / weights } else { 0.0 })
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct ReviewInput {
    #[schema(value_type = i64)]
    pub escalation_id: EscalationId,
    #[schema(value_type = i64)]
    pub scorecard_id: ScorecardId,
    /// Criterion name → score (0/1 for yes/no, 1-5 for a scale).
    pub scores: BTreeMap<String, i64>,
    /// Coaching for the agent.
    #[validate(length(max = 4000))]
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewView {
    #[schema(value_type = i64)]
    pub id: ReviewId,
    #[schema(value_type = i64)]
    pub escalation_id: EscalationId,
    #[schema(value_type = i64)]
    pub agent_id: AgentId,
    #[schema(value_type = i64)]
    pub scorecard_id: ScorecardId,
    pub scores: BTreeMap<String, i64>,
    /// 0 to 100.
    pub score: f64,
    pub comment: String,
    pub created_at: DateTime<Utc>,
    pub dispute: Option<DisputeView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DisputeView {
    pub reason: String,
    pub disputed_at: DateTime<Utc>,
    /// `upheld` or `overturned` (then the review no longer counts); `null` while open.
    pub outcome: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

fn review_view(r: QualityReview) -> ReviewView {
    let dispute = r.disputed_at.map(|at| DisputeView {
        reason: r.dispute_reason.clone().unwrap_or_default(),
        disputed_at: at.and_utc(),
        outcome: r.dispute_outcome.map(|o| o.as_str().to_string()),
        answer: r.dispute_answer.clone(),
        answered_at: r.dispute_answered_at.map(|t| t.and_utc()),
    });
    ReviewView {
        id: r.id,
        escalation_id: r.escalation_id,
        agent_id: r.agent_id,
        scorecard_id: r.scorecard_id,
        scores: serde_json::from_str(&r.scores).unwrap_or_default(),
        score: r.score,
        comment: r.comment,
        created_at: r.created_at.and_utc(),
        dispute,
    }
}

/// A reviewer scores a resolved conversation, once. 404 for an unknown conversation, 422
/// naming `scorecard_id` or a score, 409 when it is not resolved or was reviewed already.
pub fn review(conn: &mut DbConn, input: &ReviewInput, by: UserId, now: DateTime<Utc>) -> Result<ReviewView, AppError> {
    let e = escalation::find(conn, input.escalation_id)?
        .ok_or_else(|| AppError::NotFound(format!("no escalation {}", input.escalation_id)))?;
    let card = scorecard::find(conn, input.scorecard_id)?
        .filter(|c| c.active)
        .ok_or_else(|| AppError::invalid("scorecard_id", "is not an active scorecard"))?;
    let score = score(&criteria_of(&card), &input.scores)?;
    let Some(agent) = e.assigned_agent_id.filter(|_| e.state == EscalationState::Resolved) else {
        return Err(AppError::Conflict("only a resolved conversation can be reviewed".into()));
    };
    let comment = crate::dispatch::conversation::screened(conn, e.id, &input.comment)?;
    let scores = serde_json::to_string(&input.scores).map_err(|e| AppError::Internal(e.into()))?;
    let new = NewReview {
        escalation_id: e.id,
        agent_id: agent,
        scorecard_id: card.id,
        reviewer_id: by,
        scores: &scores,
        score,
        comment: &comment,
        at: db_time(now),
    };
    let id = quality_review::insert(conn, &new).map_err(|error| {
        if is_unique_violation(&error) {
            AppError::Conflict(format!("escalation {} was reviewed already", e.id))
        } else {
            error.into()
        }
    })?;
    super::audited(conn, Some(by), "quality_review", id.0, "quality_review_scored", &format!("{score:.1}"), now)?;
    found(conn, id)
}

fn found(conn: &mut DbConn, id: ReviewId) -> Result<ReviewView, AppError> {
    Ok(review_view(quality_review::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("no review {id}")))?))
}

pub fn of_escalation(conn: &mut DbConn, id: EscalationId) -> Result<Option<ReviewView>, AppError> {
    Ok(quality_review::of_escalation(conn, id)?.map(review_view))
}

pub fn of_agent(conn: &mut DbConn, agent: AgentId) -> Result<Vec<ReviewView>, AppError> {
    Ok(quality_review::of_agent(conn, agent)?.into_iter().map(review_view).collect())
}

/// What is waiting for reviewers: sampled conversations not yet reviewed, and open disputes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewQueue {
    pub sampled: Vec<SampledView>,
    pub disputed: Vec<ReviewView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SampledView {
    #[schema(value_type = i64)]
    pub escalation_id: EscalationId,
    #[schema(value_type = i64)]
    pub agent_id: AgentId,
    /// `random`, `sensitive` or `low_rating`.
    pub reason: String,
    pub sampled_at: DateTime<Utc>,
}

pub fn queue(conn: &mut DbConn) -> Result<ReviewQueue, AppError> {
    let sampled = review_sample::unreviewed(conn, 200)?
        .into_iter()
        .map(|s| SampledView {
            escalation_id: s.escalation_id,
            agent_id: s.agent_id,
            reason: s.reason,
            sampled_at: s.sampled_at.and_utc(),
        })
        .collect();
    let disputed = quality_review::open_disputes(conn)?.into_iter().map(review_view).collect();
    Ok(ReviewQueue { sampled, disputed })
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct DisputeInput {
    /// Why the review is wrong.
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
}

/// The agent disputes their review, once: 404 for another's review, 409 the second time.
pub fn dispute(
    conn: &mut DbConn,
    agent: AgentId,
    id: ReviewId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<ReviewView, AppError> {
    let review = quality_review::find(conn, id)?
        .filter(|r| r.agent_id == agent)
        .ok_or_else(|| AppError::NotFound(format!("no review {id} of yours")))?;
    if reason.trim().is_empty() {
        return Err(AppError::invalid("reason", "must say why"));
    }
    if review.disputed_at.is_some() || !quality_review::dispute(conn, id, reason, db_time(now))? {
        return Err(AppError::Conflict("a review can be disputed only once; this one was".into()));
    }
    super::audited(conn, Some(agent.into()), "quality_review", id.0, "quality_review_disputed", reason, now)?;
    found(conn, id)
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct DisputeAnswer {
    /// `upheld` (the review stands) or `overturned` (it no longer counts).
    pub outcome: String,
    #[validate(length(min = 1, max = 4000))]
    pub answer: String,
}

/// Staff settle a dispute with a written answer; 409 when none is open. Audited.
pub fn settle(
    conn: &mut DbConn,
    id: ReviewId,
    input: &DisputeAnswer,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<ReviewView, AppError> {
    let outcome = DisputeOutcome::parse(&input.outcome)
        .ok_or_else(|| AppError::invalid("outcome", "must be `upheld` or `overturned`"))?;
    if input.answer.trim().is_empty() {
        return Err(AppError::invalid("answer", "must give the reason in writing"));
    }
    quality_review::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("no review {id}")))?;
    if !quality_review::settle_dispute(conn, id, outcome, &input.answer, by, db_time(now))? {
        return Err(AppError::Conflict(format!("review {id} has no open dispute")));
    }
    let detail = format!("{outcome}: {}", input.answer);
    super::audited(conn, Some(by), "quality_review", id.0, "quality_review_dispute_settled", &detail, now)?;
    found(conn, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criteria() -> Vec<Criterion> {
        vec![
            Criterion { name: "greeting".into(), weight: 1.0, scale: "yes_no".into() },
            Criterion { name: "accuracy".into(), weight: 3.0, scale: "one_to_five".into() },
        ]
    }

    #[test]
    fn the_score_is_the_weighted_mean_of_scaled_criteria() {
        let scores = BTreeMap::from([("greeting".to_string(), 1), ("accuracy".to_string(), 3)]);
        assert!((score(&criteria(), &scores).unwrap() - 100.0 * (1.0 + 3.0 * 0.5) / 4.0).abs() < 1e-9);
    }

    #[test]
    fn missing_unknown_and_out_of_scale_scores_are_named() {
        let scores = BTreeMap::from([("greeting".to_string(), 2), ("tone".to_string(), 3)]);
        let AppError::Validation(errors) = score(&criteria(), &scores).unwrap_err() else { panic!() };
        let fields: Vec<String> = errors.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["scores.greeting", "scores.accuracy", "scores.tone"]);
    }
}
