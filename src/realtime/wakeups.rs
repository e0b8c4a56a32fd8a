//! In-process wake-ups for event streams. An event is a row written inside a transaction; a
//! stream polling for rows would see it only at its next poll. So `notify` also remembers the
//! agent on the writing thread, and after the transaction commits the writer wakes that agent's
//! open streams on this instance at once. Streams on other instances still find the row at
//! their next poll (the shared database is the only channel between instances).
//!
//! The registry is process-wide because the writer (`Db::write`) knows nothing of the HTTP
//! state, and streams and writers meet only here.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};

use tokio::sync::Notify;

thread_local! {
    /// Agents with events written by the transaction running on this thread.
    static PENDING: RefCell<Vec<i64>> = const { RefCell::new(Vec::new()) };
}

static STREAMS: LazyLock<Mutex<HashMap<i64, Vec<Weak<Notify>>>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Notes that the current transaction wrote an event for `agent`.
pub fn remember(agent: i64) {
    PENDING.with(|p| p.borrow_mut().push(agent));
}

/// Drops what a rolled-back (or not yet started) transaction noted.
pub fn forget() {
    PENDING.with(|p| p.borrow_mut().clear());
}

/// After a commit: wakes the open streams of every agent the transaction wrote events for.
pub fn wake_committed() {
    let mut agents = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
    if agents.is_empty() {
        return;
    }
    agents.sort_unstable();
    agents.dedup();
    let mut streams = STREAMS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for agent in agents {
        if let Some(list) = streams.get_mut(&agent) {
            list.retain(|weak| match weak.upgrade() {
                Some(notify) => {
                    // A stored permit: a stream busy reading right now still wakes once more.
                    notify.notify_one();
                    true
                }
                None => false,
            });
        }
    }
}

/// Agents with at least one open stream on this instance (their streams are their heartbeat).
pub fn agents_streaming() -> Vec<i64> {
    let mut streams = STREAMS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    streams.retain(|_, list| {
        list.retain(|weak| weak.strong_count() > 0);
        !list.is_empty()
    });
    let mut agents: Vec<i64> = streams.keys().copied().collect();
    agents.sort_unstable();
    agents
}

/// Registers a stream of `agent`; it is woken until the returned handle is dropped.
pub fn subscribe(agent: i64) -> Arc<Notify> {
    let notify = Arc::new(Notify::new());
    let mut streams = STREAMS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let list = streams.entry(agent).or_default();
    list.retain(|weak| weak.strong_count() > 0);
    list.push(Arc::downgrade(&notify));
    notify
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_committed_event_wakes_the_agents_streams_and_a_rollback_does_not() {
        let first = subscribe(7001);
        let second = subscribe(7001);
        let other = subscribe(7002);
        remember(7001);
        forget();
        wake_committed();
        remember(7001);
        wake_committed();
        let woken = |n: &Arc<Notify>| {
            let n = n.clone();
            async move { tokio::time::timeout(std::time::Duration::from_millis(50), n.notified()).await.is_ok() }
        };
        assert!(woken(&first).await && woken(&second).await);
        assert!(!woken(&other).await, "another agent's stream sleeps on");
        assert!(!woken(&first).await, "one wake per commit");
        drop(second);
        remember(7001);
        wake_committed();
        assert_eq!(STREAMS.lock().unwrap()[&7001].len(), 1, "dropped streams are forgotten");
        assert!(agents_streaming().contains(&7001) && agents_streaming().contains(&7002));
        drop((first, other));
        assert!(!agents_streaming().contains(&7001), "no open stream, no heartbeat");
    }
}
