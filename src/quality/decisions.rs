//! Automated decisions about agents, explained and contestable (EU Platform Work Directive
//! 2024/2831, in force for platforms from 2 December 2026). Every system that decides about an
//! agent's work or pay records its decision here with its inputs and plain words (offers keep
//! theirs on the offer); the agent sees them (`GET /api/v1/me/decisions`) and may ask for a
//! human review of any one, once; staff answer with a written reason before the deadline.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::db::{DbConn, is_unique_violation};
use crate::error::AppError;
use crate::ids::{AgentId, DecisionId, DecisionReviewId, EscalationId, OfferId, UserId};
use crate::models::agent_decision::{self, DecisionKind};
use crate::models::db_time;
use crate::models::decision_review::{self, DecisionReview, ReviewOutcome};
use crate::models::offer::{self, OfferState};

/// How far back the agent's list reaches.
const SHOWN_DAYS: i64 = 90;
/// Most decisions listed (newest first).
const SHOWN_MOST: i64 = 300;

/// Which decision: an offer, or a recorded decision. Written `offer-12` or `decision-5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionRef {
    Offer(OfferId),
    Recorded(DecisionId),
}

impl fmt::Display for DecisionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecisionRef::Offer(id) => write!(f, "offer-{id}"),
            DecisionRef::Recorded(id) => write!(f, "decision-{id}"),
        }
    }
}

impl FromStr for DecisionRef {
    type Err = AppError;

    fn from_str(text: &str) -> Result<DecisionRef, AppError> {
        let refused = || AppError::invalid("id", "must be `offer-<number>` or `decision-<number>`");
        let (kind, number) = text.split_once('-').ok_or_else(refused)?;
        let number: i64 = number.parse().map_err(|_| refused())?;
        match kind {
            "offer" => Ok(DecisionRef::Offer(OfferId(number))),
            "decision" => Ok(DecisionRef::Recorded(DecisionId(number))),
            _ => Err(refused()),
        }
    }
}

/// Records an automated decision about `agent`.
pub fn record(
    conn: &mut DbConn,
    agent: AgentId,
    kind: DecisionKind,
    escalation: Option<EscalationId>,
    inputs: serde_json::Value,
    explanation: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    agent_decision::insert(conn, agent, kind, escalation, &inputs.to_string(), explanation, db_time(now))?;
    Ok(())
}

/// A decision as the agent sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionView {
    /// `offer-<id>` or `decision-<id>`: what `POST /api/v1/me/decisions/{id}/review` takes.
    pub id: String,
    /// `offer`, `set_away`, `no_show`, `tier`, `first_contact` or `quality_sample`.
    pub kind: String,
    pub at: DateTime<Utc>,
    #[schema(value_type = Option<i64>)]
    pub escalation_id: Option<EscalationId>,
    /// In plain words: what was decided and why.
    pub explanation: String,
    /// The figures the system used.
    #[schema(value_type = Object)]
    pub inputs: serde_json::Value,
    /// The human review asked for, if any.
    pub review: Option<ReviewView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewView {
    #[schema(value_type = i64)]
    pub id: DecisionReviewId,
    pub decision_id: String,
    #[schema(value_type = i64)]
    pub agent_id: AgentId,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    /// Staff answer before this.
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
    pub answered_at: Option<DateTime<Utc>>,
    /// `upheld` or `overturned`.
    pub outcome: Option<String>,
    pub answer: Option<String>,
}

impl ReviewView {
    fn of(r: DecisionReview, now: DateTime<Utc>) -> ReviewView {
        ReviewView {
            id: r.id,
            decision_id: r.decision_ref,
            agent_id: r.agent_id,
            reason: r.reason,
            requested_at: r.requested_at.and_utc(),
            due_at: r.due_at.and_utc(),
            overdue: r.answered_at.is_none() && r.due_at.and_utc() < now,
            answered_at: r.answered_at.map(|t| t.and_utc()),
            outcome: r.outcome.map(|o| o.as_str().to_string()),
            answer: r.answer,
        }
    }
}

fn offer_words(o: &offer::Offer) -> String {
    let ending = match o.state {
        OfferState::Pending => "It is waiting for your answer.",
        OfferState::Accepted => "You accepted it.",
        OfferState::Declined => "You declined it; declining never counts against you.",
        OfferState::Expired => "It expired unanswered: missed offers count in your answered-offers figure.",
        OfferState::Withdrawn => "It was withdrawn (you left, or the customer did).",
        OfferState::Transferred => "You accepted it and later transferred it.",
    };
    format!(
        "The matching engine offered you escalation {} with a score of {:.2}. Why you: {}. {ending}",
        o.escalation_id, o.score, o.explanation
    )
}

fn offer_view(o: offer::Offer) -> DecisionView {
    DecisionView {
        id: DecisionRef::Offer(o.id).to_string(),
        kind: "offer".into(),
        at: o.created_at.and_utc(),
        escalation_id: Some(o.escalation_id),
        explanation: offer_words(&o),
        inputs: serde_json::json!({"score": o.score, "why": o.explanation, "state": o.state.as_str()}),
        review: None,
    }
}

fn recorded_view(d: agent_decision::AgentDecision) -> DecisionView {
    DecisionView {
        id: DecisionRef::Recorded(d.id).to_string(),
        kind: d.kind.as_str().to_string(),
        at: d.created_at.and_utc(),
        escalation_id: d.escalation_id,
        explanation: d.explanation,
        inputs: serde_json::from_str(&d.inputs).unwrap_or(serde_json::Value::Null),
        review: None,
    }
}

/// The agent's automated decisions of the last 90 days, newest first, with any review.
pub fn mine(conn: &mut DbConn, agent: AgentId, now: DateTime<Utc>) -> Result<Vec<DecisionView>, AppError> {
    let since = db_time(now - Duration::days(SHOWN_DAYS));
    let mut shown: Vec<DecisionView> =
        agent_decision::of_agent(conn, agent, since, SHOWN_MOST)?.into_iter().map(recorded_view).collect();
    shown.extend(offer::recent_for_agent(conn, agent, since, SHOWN_MOST)?.into_iter().map(offer_view));
    shown.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
    shown.truncate(SHOWN_MOST as usize);
    let mut reviews: std::collections::HashMap<String, DecisionReview> =
        decision_review::of_agent(conn, agent)?.into_iter().map(|r| (r.decision_ref.clone(), r)).collect();
    for view in &mut shown {
        view.review = reviews.remove(&view.id).map(|r| ReviewView::of(r, now));
    }
    Ok(shown)
}

/// Whether `decision` is about `agent` (404 otherwise, so no one learns of others' decisions).
fn check_owner(conn: &mut DbConn, agent: AgentId, decision: DecisionRef) -> Result<(), AppError> {
    let owner = match decision {
        DecisionRef::Offer(id) => offer::find(conn, id)?.map(|o| o.agent_id),
        DecisionRef::Recorded(id) => agent_decision::find(conn, id)?.map(|d| d.agent_id),
    };
    if owner != Some(agent) {
        return Err(AppError::NotFound(format!("no decision {decision} about you")));
    }
    Ok(())
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct ReviewRequest {
    /// Why the decision seems wrong to you.
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
}

/// The agent asks for a human review of one decision. 404 when it is not about them; 409 when
/// they asked already. Audited.
pub fn request_review(
    conn: &mut DbConn,
    agent: AgentId,
    decision: DecisionRef,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<ReviewView, AppError> {
    check_owner(conn, agent, decision)?;
    if reason.trim().is_empty() {
        return Err(AppError::invalid("reason", "must say why"));
    }
    let due = now + Duration::hours(super::settings::load(conn)?.decision_review_deadline_h as i64);
    let key = decision.to_string();
    let id = decision_review::insert(conn, agent, &key, reason, db_time(now), db_time(due)).map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict(format!("a review of {key} was asked for already"))
        } else {
            e.into()
        }
    })?;
    super::audited(conn, Some(agent.into()), "decision_review", id.0, "decision_review_requested", &key, now)?;
    let stored = decision_review::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("no review {id}")))?;
    Ok(ReviewView::of(stored, now))
}

/// Reviews for staff: open ones by deadline (the overdue flagged), with answered ones if asked.
pub fn requested(conn: &mut DbConn, answered_too: bool, now: DateTime<Utc>) -> Result<Vec<ReviewView>, AppError> {
    Ok(decision_review::for_staff(conn, answered_too, 500)?.into_iter().map(|r| ReviewView::of(r, now)).collect())
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct ReviewAnswer {
    /// `upheld` or `overturned`.
    #[schema(value_type = String)]
    pub outcome: String,
    /// The written reason the agent reads.
    #[validate(length(min = 1, max = 4000))]
    pub answer: String,
}

/// A staff member answers a review with a written reason; 409 when answered already. Audited.
pub fn answer(
    conn: &mut DbConn,
    id: DecisionReviewId,
    staff: UserId,
    input: &ReviewAnswer,
    now: DateTime<Utc>,
) -> Result<ReviewView, AppError> {
    let outcome = ReviewOutcome::parse(&input.outcome)
        .ok_or_else(|| AppError::invalid("outcome", "must be `upheld` or `overturned`"))?;
    if input.answer.trim().is_empty() {
        return Err(AppError::invalid("answer", "must give the reason in writing"));
    }
    let asked =
        decision_review::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("no review request {id}")))?;
    if !decision_review::answer(conn, id, staff, outcome, &input.answer, db_time(now))? {
        return Err(AppError::Conflict(format!("review request {id} was answered already")));
    }
    if outcome == ReviewOutcome::Overturned {
        undo(conn, &asked)?;
    }
    let detail = format!("{outcome}: {}", input.answer);
    super::audited(conn, Some(staff), "decision_review", id.0, "decision_review_answered", &detail, now)?;
    let stored = decision_review::find(conn, id)?.ok_or_else(|| AppError::NotFound(format!("no review {id}")))?;
    Ok(ReviewView::of(stored, now))
}

/// What an overturned decision takes back by itself: a first-contact mark stops counting at
/// once. Others (a tier, a set-away, a sample) stand as facts; the written answer says what
/// staff did about them, and the next hourly recompute reflects any corrected figure.
fn undo(conn: &mut DbConn, asked: &DecisionReview) -> Result<(), AppError> {
    if let Ok(DecisionRef::Recorded(id)) = asked.decision_ref.parse::<DecisionRef>()
        && let Some(decision) = agent_decision::find(conn, id)?
        && decision.kind == DecisionKind::FirstContact
        && let Some(escalation) = decision.escalation_id
    {
        crate::models::escalation::unmark_repeated(conn, escalation)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_read_back_and_others_are_refused() {
        for r in [DecisionRef::Offer(OfferId(12)), DecisionRef::Recorded(DecisionId(5))] {
            assert_eq!(r.to_string().parse::<DecisionRef>().unwrap(), r);
        }
        for bad in ["12", "offer-", "tier-3", "decision-x", ""] {
            assert!(bad.parse::<DecisionRef>().is_err(), "{bad}");
        }
    }
}
