//! The quality loop in the background: learned speed and quality, then tiers, are recomputed
//! once an hour across all instances
//! (the `tiers` lease, taken with a holder name unique to each attempt, so it is won only once
//! it has expired).

use chrono::{Duration, Utc};

use crate::db::Db;
use crate::models::{db_time, lease};

const TIERS_LEASE: &str = "tiers";
const TIERS_EVERY: Duration = Duration::hours(1);

pub fn spawn(db: Db, instance: String) {
    tokio::spawn(async move {
        let mut every_minute = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            let now = Utc::now();
            let attempt = format!("{instance}@{}", now.timestamp_millis());
            let done = db
                .write(move |conn| {
                    if lease::acquire(conn, TIERS_LEASE, &attempt, db_time(now), db_time(now + TIERS_EVERY))?.is_none()
                    {
                        return Ok(None);
                    }
                    super::tiers::recompute(conn, now).map(Some)
                })
                .await;
            match done {
                Ok(Some(done)) => tracing::info!(
                    agents = done.agents,
                    changed = done.changed,
                    learned = done.learned,
                    "learned figures and tiers recomputed"
                ),
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "could not recompute tiers"),
            }
        }
    });
}
