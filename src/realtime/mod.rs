//! Real time: each agent's event stream (`offer`, `offer_withdrawn`, `assigned`, `message`,
//! `closed`, `presence`). Events are rows written in the same transaction as the change they
//! report (so a reconnecting stream can replay them); when it commits, the bus wakes the
//! agent's streams on this instance at once and, through LISTEN/NOTIFY, on every other one.

pub mod bus;
pub mod listener;
pub mod notes;
pub mod notice;
pub mod stream;

use chrono::{DateTime, Utc};

use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::models::{agent_event, db_time};

pub use notice::{AgentNotice, CustomerMessage};

/// Records an event for the agent's stream.
pub fn notify(conn: &mut DbConn, agent: AgentId, notice: &AgentNotice, now: DateTime<Utc>) -> Result<(), AppError> {
    let data = serde_json::to_string(notice).map_err(|e| AppError::Internal(e.into()))?;
    agent_event::record(conn, agent, notice.kind(), &data, db_time(now))?;
    // The agent's streams, wherever they are, wake as soon as this transaction commits.
    bus::agent_event(conn, agent)?;
    Ok(())
}
