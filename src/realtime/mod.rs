//! Real time: each agent's event stream (`offer`, `offer_withdrawn`, `assigned`, `message`,
//! `closed`, `presence`). Events are rows written in the same transaction as the change they
//! report; the instance holding the agent's stream reads them, so an event raised on one
//! instance reaches an agent connected to another through the shared database (at the next
//! poll), and one raised on the same instance at once (see `wakeups`).

pub mod stream;
pub mod wakeups;

use chrono::{DateTime, Utc};

use crate::db::DbConn;
use crate::error::AppError;
use crate::models::{agent_event, db_time};

/// Records an event for the agent's stream.
pub fn notify(
    conn: &mut DbConn,
    agent: i64,
    kind: &str,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    agent_event::record(conn, agent, kind, &data.to_string(), db_time(now))?;
    // The agent's streams on this instance are woken as soon as this transaction commits.
    wakeups::remember(agent);
    Ok(())
}
