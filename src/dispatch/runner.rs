//! The dispatcher: the one loop that decides who gets what. Request handlers never run a pass;
//! their transactions note what changed (`realtime::bus`), and after they commit this loop is
//! rung and runs one pass for everything that arrived meanwhile, so a burst of escalations,
//! declines and resolutions costs one batched transaction, not one each (group commit).
//!
//! Exactly one instance leads: the holder of the `dispatch` lease. Every pass renews the lease
//! inside its own transaction and commits only while the lease still names this instance and
//! its epoch, so a dispatcher that stalled past its lease can never write a decision after
//! another took over; on a lost lease or a failed pass it drops what it keeps in memory (the
//! waiting queue, the free agents, their profiles, recent-work statistics) and rebuilds from the
//! database. Between passes it keeps the queue and the free agents and reads again only the
//! escalations and agents named in committed changes (`dispatch::live_queue`, `dispatch::live`). The database's conditional UPDATEs and the one-pending-offer index remain
//! the last line: two dispatchers overlapping for an instant still never over-assign. On SQLite
//! the one process leads through the same code.
//!
//! Followers take HTTP and commands, and ring the leader through NOTIFY (`realtime::listener`).
//! They try for the lease every second, so a killed leader is replaced within
//! `LEASE_FOR` + one second.
//!
//! Settings: `HANDOFF_CLOCK_TICKERS=false` keeps the loop reacting to changes but skips the
//! clock's work (offer expiry, silent agents, widening, ETA refresh), for test harnesses that
//! drive time themselves.

use std::time::Duration;

use chrono::Utc;

use super::Dispatcher;
use super::queue::{self, EtaRefresh, PassReport};
use crate::db::Db;
use crate::error::AppError;
use crate::models::{db_time, lease};
use crate::realtime::bus::{self, Bus, Changes};

/// The lease's name in the `leases` table.
pub const LEASE: &str = "dispatch";
/// How long a lease lasts without renewal: the longest a dead leader leaves dispatch idle.
/// The leader renews it at least every `TICK`, and a pass in progress keeps the lease row
/// locked, so even a slow pass cannot lose it halfway.
const LEASE_FOR: chrono::Duration = chrono::Duration::seconds(2);
/// The clock's pass, and how often a follower asks for the lease.
const TICK: Duration = Duration::from_secs(1);
/// Pause after a failed pass, so a failing database is not hammered.
const BACKOFF: Duration = Duration::from_millis(200);

/// Which pass to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PassKind {
    /// Something changed: offer what can be offered, quote new escalations.
    Changes,
    /// The clock: expire offers and silent agents, widen, offer, refresh every ETA.
    Clock,
}

/// Starts this instance's dispatcher; `address` (where it serves HTTP) names it in the lease.
pub fn spawn(db: Db, dispatcher: Dispatcher, clock: bool, address: &str) {
    db.bus().dispatcher_started();
    tokio::spawn(run(db, dispatcher, clock, holder_name(address)));
}

/// This instance's name in the lease: host, address and a random suffix (a restarted process
/// on the same address is a new holder), so operators can see who leads.
pub fn holder_name(address: &str) -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).unwrap_or_default();
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "handoff".into());
    format!("{host}/{address}/{}", hex::encode(bytes))
}

async fn run(db: Db, dispatcher: Dispatcher, clock: bool, holder: String) {
    let bus = db.bus().clone();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut epoch: Option<i64> = None;
    // Failed passes in a row: an outage is logged once as it starts and once as it ends, not
    // five times a second.
    let mut failures: u32 = 0;
    loop {
        let (kind, ticked) = tokio::select! {
            _ = ticker.tick() => (if clock { PassKind::Clock } else { PassKind::Changes }, true),
            _ = bus.doorbell.notified() => (PassKind::Changes, false),
        };
        // A follower asks for the lease on the clock only, not on every request it hears.
        let held = match epoch {
            Some(held) => Some(held),
            None if ticked => lead(&db, &holder).await,
            None => None,
        };
        let Some(held) = held else {
            // The leader heard these requests and changes through NOTIFY; they are not ours.
            bus.take_requests();
            bus.take_changed();
            continue;
        };
        let new_leader = epoch.is_none();
        if new_leader {
            tracing::info!(holder, epoch = held, "leading dispatch");
            dispatcher.forget();
        }
        epoch = Some(held);
        let requests = bus.take_requests();
        // Taken before the pass reads: a change committed after this is read again next pass.
        // The clock's pass reads everyone (what no note reaches: heartbeats, another process
        // on the same SQLite file).
        let changed = match (kind, bus.take_changed()) {
            (PassKind::Clock, _) => Changes::everything(),
            (PassKind::Changes, changed) => changed,
        };
        let started = std::time::Instant::now();
        match pass(&db, &dispatcher, &holder, held, kind, ticked, requests.clone(), changed).await {
            Ok(Some(report)) => {
                let took_ms = started.elapsed().as_secs_f64() * 1000.0;
                if failures > 0 {
                    tracing::info!(failures, "dispatch passes succeed again");
                    failures = 0;
                }
                // (Marks the leader as seen here too, so writers on this instance wait for passes.)
                bus.settle(&requests);
                if new_leader {
                    // Writers here that asked while nobody led: this first pass covered them.
                    bus.settle_everyone();
                }
                if report != PassReport::default() {
                    tracing::debug!(?report, ?kind, took_ms, "dispatch pass");
                }
            }
            Ok(None) => {
                tracing::warn!(holder, epoch = held, "lost the dispatch lease; following");
                epoch = None;
                dispatcher.forget();
                requeue(&bus, requests);
            }
            Err(error) => {
                // Whatever this pass decided was rolled back: start again from the database.
                if failures == 0 {
                    tracing::error!(?error, ?kind, "dispatch pass failed; retrying until one succeeds");
                } else {
                    tracing::debug!(?error, failures, "dispatch pass failed again");
                }
                failures = failures.saturating_add(1);
                dispatcher.forget();
                requeue(&bus, requests);
                tokio::time::sleep(BACKOFF).await;
            }
        }
    }
}

/// Puts requests back for the next pass (their writers are still waiting for one).
fn requeue(bus: &Bus, requests: Vec<u64>) {
    for nonce in requests {
        bus.request_pass(nonce);
    }
}

/// Takes the lease if it is free or expired; the epoch held, or `None` while another leads.
async fn lead(db: &Db, holder: &str) -> Option<i64> {
    let holder = holder.to_string();
    let taken = db
        .write_unsettled(move |conn| {
            let now = Utc::now();
            Ok(lease::acquire(conn, LEASE, &holder, db_time(now), db_time(now + LEASE_FOR))?)
        })
        .await;
    match taken {
        Ok(epoch) => epoch,
        Err(error) => {
            tracing::warn!(%error, "could not ask for the dispatch lease");
            None
        }
    }
}

/// One pass under the lease: what it decides from is read first on a read connection, then its
/// decisions are written in one transaction (which holds the single writer only for the writes).
/// `None` if the lease was lost.
async fn pass(
    db: &Db,
    dispatcher: &Dispatcher,
    holder: &str,
    epoch: i64,
    kind: PassKind,
    ticked: bool,
    requests: Vec<u64>,
    changed: Changes,
) -> Result<Option<PassReport>, AppError> {
    let reading = dispatcher.clone();
    let input = db.read(move |conn| queue::prepare(conn, Utc::now(), &reading, Some(&changed))).await?;
    let (dispatcher, holder) = (dispatcher.clone(), holder.to_string());
    db.write_unsettled(move |conn| {
        let now = Utc::now();
        // First, so the lease row's lock orders this pass against a takeover.
        if !lease::hold(conn, LEASE, &holder, epoch, db_time(now + LEASE_FOR))? {
            return Ok(None);
        }
        let mut report = match kind {
            PassKind::Changes => queue::dispatch_waiting(conn, input, now, EtaRefresh::Unquoted)?,
            PassKind::Clock => {
                // Escalations this returns to the queue ring for the next pass at once.
                let expired = queue::expire(conn, now, &dispatcher)?;
                PassReport { expired, ..queue::dispatch_waiting(conn, input, now, EtaRefresh::All)? }
            }
        };
        report.batched = requests.len();
        // Writers on other instances wait for this: delivered when the pass commits.
        for notice in Bus::settle_notices(&requests) {
            bus::pg_notify(conn, &notice)?;
        }
        if ticked {
            // Once a second: followers' writers may wait for passes while this is heard.
            bus::pg_notify(conn, bus::LEADER_HEARTBEAT)?;
        }
        Ok(Some(report))
    })
    .await
}
