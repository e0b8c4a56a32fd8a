//! Which resolved conversations are reviewed: a random share, every sensitive one, and every
//! one the customer rated low (the staff's rule, `quality::settings::Sampling`). Each pick is an
//! automated decision the agent sees, with the rule that made it.

use chrono::{DateTime, Utc};

use super::decisions;
use super::settings::Sampling;
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::models::agent_decision::DecisionKind;
use crate::models::{db_time, escalation, review_sample};

/// Why a conversation was picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Random,
    Sensitive,
    LowRating(i32),
}

impl Pick {
    fn reason(self) -> &'static str {
        match self {
            Pick::Random => "random",
            Pick::Sensitive => "sensitive",
            Pick::LowRating(_) => "low_rating",
        }
    }

    fn words(self, share: f64) -> String {
        match self {
            Pick::Random => format!(
                "picked at random: {:.0} % of all resolved conversations are reviewed, whoever handled them",
                share * 100.0
            ),
            Pick::Sensitive => {
                "picked because it was marked sensitive: every sensitive conversation is reviewed".into()
            }
            Pick::LowRating(score) => format!(
                "picked because the customer rated it {score}/5: every low-rated conversation is reviewed, which is \
                 often where the rating is unfair"
            ),
        }
    }
}

/// A fair draw in [0, 1) from the operating system.
fn draw() -> f64 {
    getrandom::u64().map(|x| (x >> 11) as f64 / (1u64 << 53) as f64).unwrap_or(1.0)
}

/// After a resolution: a sensitive conversation is always picked, others with the random share.
pub fn on_resolved(
    conn: &mut DbConn,
    e: &escalation::Escalation,
    agent: AgentId,
    rule: &Sampling,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let pick = if e.sensitive && rule.sensitive {
        Some(Pick::Sensitive)
    } else if draw() < rule.random_share {
        Some(Pick::Random)
    } else {
        None
    };
    match pick {
        Some(pick) => pick_for_review(conn, e, agent, pick, rule.random_share, now),
        None => Ok(()),
    }
}

/// After a customer's rating: a low one picks the conversation (once).
pub fn on_rated(
    conn: &mut DbConn,
    e: &escalation::Escalation,
    agent: AgentId,
    score: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let rule = super::settings::load(conn)?.sampling;
    if rule.rating_at_most.is_some_and(|most| score <= most as i32) {
        pick_for_review(conn, e, agent, Pick::LowRating(score), rule.random_share, now)?;
    }
    Ok(())
}

fn pick_for_review(
    conn: &mut DbConn,
    e: &escalation::Escalation,
    agent: AgentId,
    pick: Pick,
    share: f64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if review_sample::exists(conn, e.id)? {
        return Ok(());
    }
    review_sample::insert(conn, e.id, agent, pick.reason(), db_time(now))?;
    let words = format!(
        "Escalation {} was {}. A reviewer will score it on the staff's scorecard; you will see the review and may \
         dispute it once.",
        e.id,
        pick.words(share)
    );
    let inputs = serde_json::json!({"rule": pick.reason(), "random_share": share, "sensitive": e.sensitive,
        "rating": match pick { Pick::LowRating(s) => Some(s), _ => None }});
    decisions::record(conn, agent, DecisionKind::QualitySample, Some(e.id), inputs, &words, now)
}
