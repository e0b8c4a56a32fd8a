//! GET /api/v1/staff/queue: every escalation waiting for a human, in queue order, with how long
//! it has waited, what we promised and who could take it now.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::dispatch::Dispatcher;
use crate::dispatch::candidates::{self, EligiblePools, PassPool};
use crate::dispatch::settings;
use crate::error::AppError;
use crate::ids::EscalationId;
use crate::models::escalation;

/// How many waiting escalations the view lists.
pub const QUEUE_VIEW_LIMIT: i64 = 200;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueEntry {
    #[schema(value_type = i64)]
    pub id: EscalationId,
    pub external_id: String,
    /// `queued` (looking for an agent) or `offered` (an offer is out).
    pub state: String,
    pub priority: String,
    pub language: String,
    pub market: String,
    pub required_skills: Vec<String>,
    pub sensitive: bool,
    /// 1-based place in the queue.
    pub position: i64,
    pub created_at: DateTime<Utc>,
    pub waited_s: i64,
    /// The current estimate of the time to a human.
    pub eta_seconds: i32,
    /// The estimate promised at intake.
    pub eta_at_intake_s: i32,
    /// Widening steps applied so far.
    pub widened_steps: i32,
    /// Online agents who pass every hard constraint for it and have room now.
    pub eligible_agents_online: i64,
}

pub fn waiting(conn: &mut DbConn, now: DateTime<Utc>, dispatcher: &Dispatcher) -> Result<Vec<QueueEntry>, AppError> {
    let settings = settings::load(conn)?;
    let waiting = escalation::waiting(conn, QUEUE_VIEW_LIMIT)?;
    let candidates = candidates::load(conn, now, dispatcher, None)?;
    let mut pool = PassPool::load(conn, candidates, &waiting, &settings)?;
    let mut entries = Vec::with_capacity(waiting.len());
    let mut pools = EligiblePools::default();
    for (index, e) in waiting.iter().enumerate() {
        let eligible = pool.free_eligible(e, &mut pools);
        entries.push(QueueEntry {
            id: e.id,
            external_id: e.external_id.clone(),
            state: e.state.to_string(),
            priority: e.priority.clone(),
            language: e.language.clone(),
            market: e.market.clone(),
            required_skills: e.skills(),
            sensitive: e.sensitive,
            position: index as i64 + 1,
            created_at: e.created_at.and_utc(),
            waited_s: (now - e.created_at.and_utc()).num_seconds().max(0),
            eta_seconds: e.eta_seconds,
            eta_at_intake_s: e.eta_at_intake_s,
            widened_steps: e.widened_steps,
            eligible_agents_online: eligible as i64,
        });
    }
    Ok(entries)
}
