//! An agent's 7-day demand outlook: where, across the queues they can serve, the requirement
//! exceeds the scheduled and booked supply, and which boosts pay more.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::board;
use super::boosts::scheduled_multiplier;
use super::forecast::INTERVAL_S;
use super::slots::{self, PUBLISH_DAYS};
use crate::db::DbConn;
use crate::dispatch::Dispatcher;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::models::coverage_history::QueueKey;
use crate::models::{boost, db_time};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutlookInterval {
    pub starts_at: DateTime<Utc>,
    /// Agents required across the agent's queues.
    pub required: u32,
    /// Agents scheduled or booked across them.
    pub supplied: f64,
    /// `high` (under 80 % covered), `some` (under 100 %), `covered` or `quiet` (nobody needed).
    pub need: String,
    /// The best boost multiplier on one of the agent's queues then (1.0 when none).
    pub multiplier: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Outlook {
    /// The queues counted: the ones the agent is eligible for.
    pub queues: Vec<String>,
    pub intervals: Vec<OutlookInterval>,
}

/// How much help an interval needs, in words.
pub fn need(required: u32, supplied: f64) -> &'static str {
    match required {
        0 => "quiet",
        r if supplied < 0.8 * r as f64 => "high",
        r if supplied < r as f64 => "some",
        _ => "covered",
    }
}

pub fn outlook(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    dispatcher: &Dispatcher,
    agent: AgentId,
) -> Result<Outlook, AppError> {
    let from = super::run::interval_start(now);
    let to = from + Duration::days(PUBLISH_DAYS);
    let booked = slots::booked_agents(conn, from, to)?;
    let coverage = board::coverage(conn, now, dispatcher, from, to, &booked)?;
    let keys: Vec<QueueKey> =
        coverage.queues.iter().map(|q| QueueKey::new(&q.language, &q.market, &q.required_skills.join(","))).collect();
    let fits = slots::eligible_queues(conn, now, dispatcher, agent, &keys)?;
    let boosts = boost::overlapping(conn, db_time(from), db_time(to))?;
    let mine: Vec<usize> = (0..keys.len()).filter(|i| fits[*i]).collect();
    let intervals = std::iter::successors(Some(from), |at| Some(*at + Duration::seconds(INTERVAL_S)))
        .take_while(|at| *at < to)
        .map(|at| {
            let (mut required, mut supplied, mut multiplier) = (0, 0.0, 1.0_f64);
            for &q in &mine {
                if let Some(cell) = coverage.queues[q].intervals.iter().find(|c| c.starts_at == at) {
                    required += cell.required;
                    supplied += cell.scheduled + cell.booked;
                }
                multiplier = multiplier.max(scheduled_multiplier(&boosts, &keys[q], db_time(at)));
            }
            OutlookInterval {
                starts_at: at,
                required,
                supplied,
                need: need(required, supplied).to_string(),
                multiplier,
            }
        })
        .collect();
    let queues = mine
        .iter()
        .map(|&q| format!("{} · {} · {}", keys[q].language, keys[q].market, keys[q].required_skills))
        .collect();
    Ok(Outlook { queues, intervals })
}

#[cfg(test)]
mod tests {
    #[test]
    fn need_is_told_in_words_from_the_share_covered() {
        assert_eq!(super::need(0, 0.0), "quiet");
        assert_eq!(super::need(10, 7.9), "high");
        assert_eq!(super::need(10, 8.0), "some");
        assert_eq!(super::need(10, 10.0), "covered");
    }
}
