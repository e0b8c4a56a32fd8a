//! Coverage in the background, on every instance (each step is idempotent): bookings are
//! settled (kept or no-show) every minute; when the newest forecast is an hour old it is
//! recomputed and the next week's slots re-published from the new gap.

use chrono::{Duration, Utc};

use super::{run, slots};
use crate::db::Db;
use crate::dispatch::Dispatcher;
use crate::models::{coverage_forecast, db_time};

/// How old the newest forecast may get.
const FORECAST_EVERY: Duration = Duration::hours(1);

pub fn spawn(db: Db, dispatcher: Dispatcher) {
    tokio::spawn(async move {
        let mut every_minute = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            let now = Utc::now();
            if let Err(error) = db.write(move |conn| slots::settle_started(conn, now)).await {
                tracing::warn!(%error, "could not settle started bookings");
            }
            let due = match db.read(|conn| Ok(coverage_forecast::newest_run_at(conn)?)).await {
                Ok(newest) => newest.is_none_or(|at| db_time(now) - at >= FORECAST_EVERY),
                Err(error) => {
                    tracing::warn!(%error, "could not read the newest coverage forecast");
                    false
                }
            };
            if !due {
                continue;
            }
            match run::recompute(&db, now).await {
                Ok(run) => {
                    tracing::info!(queues = run.queues, version = %run.inputs_version, "coverage forecast recomputed")
                }
                Err(error) => {
                    tracing::warn!(%error, "could not recompute the coverage forecast");
                    continue;
                }
            }
            let dispatcher = dispatcher.clone();
            match db.write(move |conn| slots::publish_from_gap(conn, now, &dispatcher)).await {
                Ok(places) => tracing::info!(places, "coverage slots published"),
                Err(error) => tracing::warn!(%error, "could not publish coverage slots"),
            }
        }
    });
}
