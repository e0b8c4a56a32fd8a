//! The waiting queue as the dispatcher last read it, kept between passes, in queue order
//! (priority, then age). Like the free agents (`dispatch::live`), a pass reads again only the
//! escalations named in changes committed since its last read (every write to an escalation's
//! row notes it: `models::escalation`), and the whole queue when that list is unknown or too
//! long, and at least once a second. Only rows read from the database are kept, never what a
//! pass decided: a rolled-back pass leaves nothing behind, and the runner drops everything
//! after a failed pass or a lost lease.
//!
//! A pass looks at the head of the queue only (`limit` escalations). With a longer queue the
//! kept rows are exactly the waiting escalations up to a horizon (the last kept place): a
//! change behind it is not kept, and when departures leave the head half empty the queue is
//! read again, so the head a pass sees is always the database's.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::live::READ_EVERYONE_AFTER;
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::EscalationId;
use crate::models::escalation::{self, Escalation};
use crate::realtime::bus::ChangedEscalations;

/// A place in the queue: priority rank, arrival, id (the database's order, `escalation::waiting`).
type Place = (i32, NaiveDateTime, EscalationId);

fn place_of(e: &Escalation) -> Place {
    (e.priority_rank, e.created_at, e.id)
}

/// The kept head of the waiting queue.
#[derive(Debug, Default)]
pub struct LiveQueue {
    kept: Mutex<Option<Kept>>,
}

#[derive(Debug)]
struct Kept {
    rows: BTreeMap<Place, Escalation>,
    places: HashMap<EscalationId, Place>,
    /// When the whole queue was last read (by the pass's clock).
    read_at: DateTime<Utc>,
    /// With more waiting than `limit`: the last place kept. Rows behind it are not kept.
    horizon: Option<Place>,
}

impl Kept {
    fn read(conn: &mut DbConn, now: DateTime<Utc>, limit: usize) -> Result<Kept, AppError> {
        let rows = escalation::waiting(conn, limit as i64)?;
        let horizon = if rows.len() >= limit { rows.last().map(place_of) } else { None };
        let places = rows.iter().map(|e| (e.id, place_of(e))).collect();
        let rows = rows.into_iter().map(|e| (place_of(&e), e)).collect();
        Ok(Kept { rows, places, read_at: now, horizon })
    }

    /// Replaces the changed escalations' rows with what the database holds now.
    fn refresh(&mut self, conn: &mut DbConn, ids: &[EscalationId], limit: usize) -> Result<(), AppError> {
        for id in ids {
            if let Some(place) = self.places.remove(id) {
                self.rows.remove(&place);
            }
        }
        for row in escalation::waiting_among(conn, ids)? {
            let place = place_of(&row);
            if self.horizon.is_some_and(|horizon| place > horizon) {
                continue;
            }
            self.places.insert(row.id, place);
            self.rows.insert(place, row);
        }
        // Arrivals ahead of the horizon push the last ones out of the head.
        while self.rows.len() > limit {
            if let Some((_, dropped)) = self.rows.pop_last() {
                self.places.remove(&dropped.id);
            }
            self.horizon = self.rows.last_key_value().map(|(place, _)| *place);
        }
        Ok(())
    }
}

impl LiveQueue {
    /// The first `limit` waiting escalations in queue order at `now`, reading again only the
    /// `changed` ones while the last full read is fresh (a test driving its own clock, or a
    /// stale or half-drained head, reads the whole queue).
    pub fn read(
        &self,
        conn: &mut DbConn,
        now: DateTime<Utc>,
        changed: &ChangedEscalations,
        limit: usize,
    ) -> Result<Vec<Escalation>, AppError> {
        let mut kept = self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match (kept.as_mut(), changed) {
            (Some(queue), ChangedEscalations::Only(ids))
                if queue.read_at <= now && now - queue.read_at < READ_EVERYONE_AFTER =>
            {
                if !ids.is_empty() {
                    let mut ids = ids.clone();
                    ids.sort_unstable();
                    ids.dedup();
                    queue.refresh(conn, &ids, limit)?;
                }
                if queue.horizon.is_some() && queue.rows.len() < limit / 2 {
                    *kept = Some(Kept::read(conn, now, limit)?);
                }
            }
            _ => *kept = Some(Kept::read(conn, now, limit)?),
        }
        Ok(kept.as_ref().expect("filled above").rows.values().cloned().collect())
    }

    /// Drops the rows: the next pass reads the whole queue.
    pub fn clear(&self) {
        *self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }
}
