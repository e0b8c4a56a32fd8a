//! The bus: what committed transactions tell the rest of the service. A transaction notes, as
//! it writes, which agents got a stream event and whether it changed what dispatch decides on
//! (a new or requeued escalation, freed or added capacity, a profile change): see
//! `realtime::notes`. After it commits, [`Db::write`](crate::db::Db::write) publishes those
//! notes here: agents' streams wake at once, and the dispatcher is asked for a pass. A
//! rolled-back transaction publishes nothing.
//!
//! Across instances (PostgreSQL) the same notes travel as `NOTIFY handoff` inside the
//! transaction, so they are delivered exactly when it commits; each instance's listener
//! (`realtime::listener`) feeds them into its own bus. Payloads are short: `a:<agent id>` (a
//! stream event), `d:<nonce>` (a pass is wanted; the nonce lets the writer wait for it),
//! `c:<agent id>` (an agent's facts changed without a stream event: a decline, a capacity or
//! profile change; a stream event implies a change too), `e:<id>,<id>…` (escalations whose row
//! changed: one notice per transaction, sent as it commits), `u:<user id>` (a login of that
//! user was revoked: instances forget what they knew of its sessions and close its streams),
//! `s:<nonce>,<nonce>…` (the leader's pass that covered those requests has committed) and `h`
//! (the leader's clock pass, once a second: someone leads, so writers may wait for passes).
//!
//! Each [`Db`](crate::db::Db) owns one bus: nothing here is process-global except the notes of
//! the transaction running on the current thread, which are that transaction's own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::{Notify, oneshot};

pub use super::notes::{
    Notes, agent_changed, agent_event, dispatch_wanted, escalation_changed, forget, notify_escalations, pg_notify,
    sessions_revoked, take,
};
use crate::auth::revocation::KnownSessions;
use crate::ids::{AgentId, EscalationId, UserId};

/// The PostgreSQL channel every instance listens on.
pub const CHANNEL: &str = "handoff";
/// How long a writer waits for the dispatcher's pass before answering anyway (the pass still
/// happens; the answer then shows the escalation queued rather than offered).
const SETTLE_TIMEOUT: Duration = Duration::from_secs(1);
/// Most nonces in one settle notice (NOTIFY payloads must stay under 8,000 bytes).
const NONCES_PER_NOTICE: usize = 300;
/// A leader not heard from for this long is presumed gone: writers stop waiting for passes
/// (answering at once, the escalation still queued) until one leads again.
const LEADER_SILENT_AFTER: Duration = Duration::from_millis(1500);
/// The leader's once-a-second notice.
pub const LEADER_HEARTBEAT: &str = "h";

/// Most changed agents (or escalations) the bus remembers between passes; past it, the
/// dispatcher reads all of them again (cheaper than a list that long, and memory stays bounded
/// on an instance that hears every change but does not lead).
const CHANGED_KEPT: usize = 5_000;

/// Which agents (or escalations) changed since the dispatcher last read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed<T> {
    /// Too many to list, or unknown: read everyone.
    Everyone,
    Only(Vec<T>),
}

pub type ChangedAgents = Changed<AgentId>;
pub type ChangedEscalations = Changed<EscalationId>;

impl<T> Default for Changed<T> {
    fn default() -> Changed<T> {
        Changed::Only(Vec::new())
    }
}

impl<T> Changed<T> {
    fn extend(&mut self, more: impl Iterator<Item = T>) {
        if let Changed::Only(list) = self {
            list.extend(more);
            if list.len() > CHANGED_KEPT {
                *self = Changed::Everyone;
            }
        }
    }
}

/// What changed since the dispatcher's last pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub agents: ChangedAgents,
    pub escalations: ChangedEscalations,
}

impl Changes {
    /// Unknown: read everything again.
    pub fn everything() -> Changes {
        Changes { agents: Changed::Everyone, escalations: Changed::Everyone }
    }
}

/// One instance's hub: open streams by agent, the dispatcher's doorbell and the writers
/// waiting for a pass.
#[derive(Default)]
pub struct Bus {
    streams: Mutex<HashMap<AgentId, Vec<Weak<Notify>>>>,
    /// Rung when a pass is wanted.
    pub doorbell: Notify,
    /// Nonces of passes asked for and not yet run.
    requested: Mutex<Vec<u64>>,
    /// Agents and escalations changed since the dispatcher last read them.
    changed: Mutex<Changes>,
    /// Writers waiting for the pass that covers their nonce.
    waiters: Mutex<HashMap<u64, oneshot::Sender<()>>>,
    /// Whether a dispatcher runs on this instance (else writers do not wait for passes: a
    /// test's or the CLI's own database handle).
    dispatcher_running: AtomicBool,
    /// Whether the cross-instance listener is connected (streams then need no safety poll).
    listening: AtomicBool,
    /// When a leader's pass was last seen (here or through a notice).
    leader_seen: Mutex<Option<std::time::Instant>>,
    /// What this instance knows of logins' access tokens (forgotten on revocation).
    pub sessions: KnownSessions,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus").finish_non_exhaustive()
    }
}

impl Bus {
    pub fn new() -> Arc<Bus> {
        Arc::new(Bus::default())
    }

    /// After a commit: wakes the agents' streams here and rings the dispatcher.
    pub fn publish(&self, committed: Notes) {
        self.note_changed(committed.agents.iter().chain(&committed.changed).copied());
        self.note_escalations(committed.escalations.into_iter());
        for user in committed.revoked {
            self.sessions_revoked(user);
        }
        self.wake_agents(committed.agents);
        if let Some(nonce) = committed.dispatch {
            self.request_pass(nonce);
        }
    }

    /// Whether writers should wait for a pass: a dispatcher runs on this instance and some
    /// instance led dispatch within the last few seconds (no one waits on a dead leader).
    pub fn writers_wait_for_passes(&self) -> bool {
        self.dispatcher_running.load(Ordering::Relaxed)
            && self
                .leader_seen
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .is_some_and(|seen| seen.elapsed() < LEADER_SILENT_AFTER)
    }

    /// Notes that a leader's pass committed just now.
    pub fn leader_seen(&self) {
        *self.leader_seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(std::time::Instant::now());
    }

    /// Wakes the open streams of these agents on this instance.
    pub fn wake_agents(&self, mut agents: Vec<AgentId>) {
        if agents.is_empty() {
            return;
        }
        agents.sort_unstable();
        agents.dedup();
        let mut streams = self.streams.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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

    /// A login of `user` was revoked: their access tokens are checked against the database
    /// again, and their open streams wake to find out they must close.
    fn sessions_revoked(&self, user: UserId) {
        self.sessions.forget_user(user);
        self.wake_agents(vec![AgentId::of_user(user)]);
    }

    /// Wakes every open stream on this instance (after notices may have been missed).
    pub fn wake_all(&self) {
        let agents = self.agents_streaming();
        self.wake_agents(agents);
    }

    /// Asks for a pass covering `nonce` (from this instance's commit or another's notice).
    pub fn request_pass(&self, nonce: u64) {
        self.requested.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(nonce);
        self.doorbell.notify_one();
    }

    fn note_changed(&self, agents: impl Iterator<Item = AgentId>) {
        self.changed.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).agents.extend(agents);
    }

    fn note_escalations(&self, escalations: impl Iterator<Item = EscalationId>) {
        self.changed.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).escalations.extend(escalations);
    }

    /// The dispatcher takes what changed since its last pass (before reading it again).
    pub fn take_changed(&self) -> Changes {
        std::mem::take(&mut *self.changed.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// The dispatcher takes the requests a pass about to start will cover.
    pub fn take_requests(&self) -> Vec<u64> {
        std::mem::take(&mut *self.requested.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// A pass that started after these requests has committed: their writers may answer.
    pub fn settle(&self, nonces: &[u64]) {
        self.leader_seen();
        let mut waiters = self.waiters.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for nonce in nonces {
            if let Some(waiter) = waiters.remove(nonce) {
                let _ = waiter.send(());
            }
        }
    }

    /// Releases every waiting writer (a new leader's first pass covered all of them).
    pub fn settle_everyone(&self) {
        let mut waiters = self.waiters.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (_, waiter) in waiters.drain() {
            let _ = waiter.send(());
        }
    }

    /// Registers a writer's wait for the pass covering `nonce` (before its commit is published,
    /// so a fast pass cannot settle it unseen).
    pub fn await_pass(&self, nonce: u64) -> oneshot::Receiver<()> {
        let (sender, receiver) = oneshot::channel();
        self.waiters.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(nonce, sender);
        receiver
    }

    /// Waits (bounded) for the pass covering `nonce`.
    pub async fn settled(&self, nonce: u64, receiver: oneshot::Receiver<()>) {
        if tokio::time::timeout(SETTLE_TIMEOUT, receiver).await.is_err() {
            self.waiters.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&nonce);
            tracing::debug!(nonce, "answered before the dispatcher's pass (no leader, or a slow pass)");
        }
    }

    /// The settle notices for a committed pass, each short enough for one NOTIFY.
    pub fn settle_notices(nonces: &[u64]) -> Vec<String> {
        nonces
            .chunks(NONCES_PER_NOTICE)
            .map(|chunk| {
                let list: Vec<String> = chunk.iter().map(u64::to_string).collect();
                format!("s:{}", list.join(","))
            })
            .collect()
    }

    /// Feeds a notice from another instance (or this one, through PostgreSQL) into the bus.
    pub fn receive(&self, payload: &str) {
        match payload.split_once(':') {
            Some(("a", agent)) => {
                if let Ok(agent) = agent.parse() {
                    self.note_changed(std::iter::once(agent));
                    self.wake_agents(vec![agent]);
                }
            }
            Some(("c", agent)) => {
                if let Ok(agent) = agent.parse() {
                    self.note_changed(std::iter::once(agent));
                }
            }
            Some(("u", user)) => {
                if let Ok(user) = user.parse() {
                    self.sessions_revoked(user);
                }
            }
            Some(("e", list)) => {
                self.note_escalations(list.split(',').filter_map(|id| id.parse().ok()));
            }
            Some(("d", nonce)) => {
                if let Ok(nonce) = nonce.parse() {
                    self.request_pass(nonce);
                }
            }
            Some(("s", list)) => {
                let nonces: Vec<u64> = list.split(',').filter_map(|n| n.parse().ok()).collect();
                self.settle(&nonces);
            }
            None if payload == LEADER_HEARTBEAT => self.leader_seen(),
            _ => tracing::warn!(payload, "unknown notice on the bus"),
        }
    }

    /// Marks that a dispatcher runs on this instance.
    pub fn dispatcher_started(&self) {
        self.dispatcher_running.store(true, Ordering::Relaxed);
    }

    pub fn set_listening(&self, listening: bool) {
        self.listening.store(listening, Ordering::Relaxed);
        // Revocations may have gone unheard while the listener was down.
        self.sessions.clear();
    }

    /// Whether notices from other instances arrive (else streams poll as a fallback).
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Relaxed)
    }

    /// Agents with at least one open stream on this instance (their streams are their heartbeat).
    pub fn agents_streaming(&self) -> Vec<AgentId> {
        let mut streams = self.streams.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        streams.retain(|_, list| {
            list.retain(|weak| weak.strong_count() > 0);
            !list.is_empty()
        });
        let mut agents: Vec<AgentId> = streams.keys().copied().collect();
        agents.sort_unstable();
        agents
    }

    /// Registers a stream of `agent`; it is woken until the returned handle is dropped.
    pub fn subscribe(&self, agent: AgentId) -> Arc<Notify> {
        let notify = Arc::new(Notify::new());
        let mut streams = self.streams.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let list = streams.entry(agent).or_default();
        list.retain(|weak| weak.strong_count() > 0);
        list.push(Arc::downgrade(&notify));
        notify
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realtime::notes::NOTES;

    async fn woken(n: &Arc<Notify>) -> bool {
        tokio::time::timeout(Duration::from_millis(50), n.notified()).await.is_ok()
    }

    #[tokio::test]
    async fn a_committed_event_wakes_the_agents_streams_and_a_rollback_does_not() {
        let bus = Bus::new();
        let first = bus.subscribe(AgentId(7001));
        let second = bus.subscribe(AgentId(7001));
        let other = bus.subscribe(AgentId(7002));
        NOTES.with(|n| n.borrow_mut().agents.push(AgentId(7001)));
        forget();
        bus.publish(take());
        NOTES.with(|n| n.borrow_mut().agents.push(AgentId(7001)));
        bus.publish(take());
        assert!(woken(&first).await && woken(&second).await);
        assert!(!woken(&other).await, "another agent's stream sleeps on");
        assert!(!woken(&first).await, "one wake per commit");
        drop(second);
        assert!(bus.agents_streaming().contains(&AgentId(7001)) && bus.agents_streaming().contains(&AgentId(7002)));
        drop((first, other));
        assert!(bus.agents_streaming().is_empty(), "no open stream, no heartbeat");
    }

    #[tokio::test]
    async fn a_writer_waits_for_the_pass_that_covers_its_request() {
        let bus = Bus::new();
        bus.dispatcher_started();
        assert!(!bus.writers_wait_for_passes(), "no leader heard of yet: nobody waits");
        bus.receive(LEADER_HEARTBEAT);
        assert!(bus.writers_wait_for_passes(), "a leader's heartbeat: writers wait for passes");
        NOTES.with(|n| n.borrow_mut().dispatch = Some(42));
        let committed = take();
        assert_eq!(committed.wants_dispatch(), Some(42));
        let receiver = bus.await_pass(42);
        bus.publish(committed);
        assert_eq!(bus.take_requests(), [42], "the dispatcher sees the request");
        bus.receive("s:41,42");
        tokio::time::timeout(Duration::from_millis(50), bus.settled(42, receiver)).await.expect("settled at once");
        bus.receive("d:43");
        assert_eq!(bus.take_requests(), [43], "another instance's request rings here too");
    }

    #[test]
    fn settle_notices_fit_in_a_notify_payload() {
        let nonces: Vec<u64> = (0..1000).map(|i| u64::MAX - i).collect();
        let notices = Bus::settle_notices(&nonces);
        assert_eq!(notices.len(), 4);
        assert!(notices.iter().all(|n| n.len() < 8000));
    }
}
