//! Coverage in the background, on every instance (each step is idempotent): bookings are
//! settled (kept or no-show) every minute; when the newest forecast is an hour old it is
//! recomputed and the next week's slots re-published from the new gap; and live boosts are
//! posted where queues are short, by the one instance holding the `live_boosts` lease.

use chrono::{Duration, Utc};

use super::{live_boosts, run, slots};
use crate::db::Db;
use crate::dispatch::Dispatcher;
use crate::models::{coverage_forecast, db_time, lease};

/// How old the newest forecast may get.
const FORECAST_EVERY: Duration = Duration::hours(1);

/// The lease naming the one instance that posts live boosts (so two never post one each).
const LIVE_BOOST_LEASE: &str = "live_boosts";

/// `holder` names this instance in the `live_boosts` lease (`dispatch::runner::holder_name`).
pub fn spawn(db: Db, dispatcher: Dispatcher, public_url: String, holder: String) {
    tokio::spawn(async move {
        let mut every_minute = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            let now = Utc::now();
            if let Err(error) = db.write(move |conn| slots::settle_started(conn, now)).await {
                tracing::warn!(%error, "could not settle started bookings");
            }
            let (live_dispatcher, url, holder) = (dispatcher.clone(), public_url.clone(), holder.clone());
            let live = db
                .write(move |conn| {
                    let until = db_time(now + Duration::minutes(2));
                    if lease::acquire(conn, LIVE_BOOST_LEASE, &holder, db_time(now), until)?.is_none() {
                        return Ok(vec![]);
                    }
                    live_boosts::post_where_short(conn, now, &live_dispatcher, &url)
                })
                .await;
            match live {
                Ok(posted) if !posted.is_empty() => tracing::info!(boosts = posted.len(), "live boosts posted"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "could not look for queues to boost"),
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
