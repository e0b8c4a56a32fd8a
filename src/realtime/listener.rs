//! The cross-instance listener (PostgreSQL): one dedicated connection per instance that
//! LISTENs on the bus channel and feeds every notice into this instance's bus, so an event
//! committed anywhere wakes the agent's stream here, and a request for a dispatch pass reaches
//! the leader, within milliseconds and without polling.
//!
//! A pooled connection would not do: LISTEN outlives its return to the pool. On any error the
//! connection is dropped and opened again after a second; notices sent meanwhile are lost, so a
//! fresh connection wakes every local stream and rings the dispatcher once (each re-reads the
//! database). While it is down, streams fall back to a one-second poll.
//!
//! Plain TCP (as the bundled libpq's pool uses for a local or private-network database): a URL
//! that demands TLS (`sslmode=require`) keeps the fallback and says so in the log.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};

use super::bus::{Bus, CHANNEL};
use crate::db::{DatabaseUrl, Db};

/// Pause before reconnecting after the listener's connection failed.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Listens for as long as the process runs (returns at once on SQLite: one process, one bus).
pub async fn run(db: Db) {
    let DatabaseUrl::Postgres(url) = db.url().clone() else {
        return;
    };
    let bus = db.bus().clone();
    let mut failures = 0u32;
    loop {
        let outcome = listen(&url, &bus).await;
        bus.set_listening(false);
        match outcome {
            Ok(()) => tracing::warn!("the cross-instance listener's connection closed; reconnecting"),
            // One warning per outage, not one a second.
            Err(error) if failures == 0 => {
                tracing::warn!(%error, "cross-instance listener failed; streams poll meanwhile")
            }
            Err(error) => tracing::debug!(%error, "cross-instance listener still failing"),
        }
        failures = failures.saturating_add(1);
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

async fn listen(url: &str, bus: &Arc<Bus>) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = tokio_postgres::connect(url, NoTls).await?;
    let (notices, mut received) = mpsc::unbounded_channel::<String>();
    // The connection yields notifications only while something polls it.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(notice)) => {
                    if notices.send(notice.payload().to_string()).is_err() {
                        return Ok(());
                    }
                }
                Ok(_) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    bus.set_listening(true);
    tracing::info!("listening for other instances' events");
    // Whatever was sent while this connection was down is lost: everyone re-reads once.
    bus.wake_all();
    bus.doorbell.notify_one();
    while let Some(payload) = received.recv().await {
        bus.receive(&payload);
    }
    drop(client);
    match driver.await {
        Ok(outcome) => outcome,
        Err(_) => Ok(()),
    }
}
