//! Out of hours: when nobody who could take an escalation is online, its honest ETA is the
//! next time an eligible agent is scheduled to start.

use chrono::{DateTime, Utc};

use super::Dispatcher;
use super::candidates;
use crate::availability::store;
use crate::db::DbConn;
use crate::error::AppError;
use crate::matching::{Needs, Rules};
use crate::models::agent;

/// The next scheduled start of an active agent who could take escalations of `needs` under
/// `rules`, within eight days; `None` if nobody is.
pub fn next_eligible_start(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    dispatcher: &Dispatcher,
    needs: &Needs,
    rules: &Rules,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let (states, agents): (Vec<_>, Vec<_>) = agent::active_states(conn)?.into_iter().unzip();
    let candidates = candidates::to_candidates(conn, now, dispatcher, states)?;
    let eligible: Vec<agent::Agent> = candidates
        .iter()
        .zip(agents)
        .filter(|(c, _)| crate::matching::qualifies(needs, c, rules).is_ok())
        .map(|(_, a)| a)
        .collect();
    if eligible.is_empty() {
        return Ok(None);
    }
    Ok(store::next_starts(conn, &eligible, now)?.into_iter().flatten().min())
}
