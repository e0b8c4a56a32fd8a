//! Dispatch: the matching engine meeting the database. Intake, offers one agent at a time with
//! a timeout, the queue with its widening ladder, atomic claims, ETAs, and the dispatcher
//! (`runner`) that runs every pass, on the one instance holding the dispatch lease. Claims and
//! state changes stay conditional UPDATEs, and at most one pending offer per escalation is a
//! unique index, so even two overlapping passes never over-assign.

use std::sync::Arc;

use chrono::Duration;

pub mod candidates;
pub mod conversation;
pub mod eta;
pub mod eta_pools;
pub mod intake;
pub mod live;
pub mod live_queue;
pub mod offers;
pub mod profiles;
pub mod queue;
pub mod quotes;
pub mod recent;
pub mod release;
pub mod roster;
pub mod runner;
pub mod scheduled;
pub mod settings;
pub mod view;

/// What a dispatch pass needs besides a connection: how fresh a heartbeat must be, and what
/// this instance keeps in memory between passes (the waiting queue, the free agents, their
/// profiles, recent-work statistics).
/// Cheap to clone into a database closure.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    pub heartbeat_timeout: Duration,
    pub profiles: Arc<profiles::ProfileCache>,
    pub recent: Arc<recent::RecentWork>,
    pub live: Arc<live::LiveAgents>,
    pub queue: Arc<live_queue::LiveQueue>,
    pub roster: Arc<roster::KeptRoster>,
    /// What quotes need, on every instance (leader or not).
    pub quotes: Arc<quotes::QuoteBoard>,
}

impl Dispatcher {
    pub fn new(heartbeat_timeout: Duration) -> Dispatcher {
        Dispatcher {
            heartbeat_timeout,
            profiles: Arc::default(),
            recent: Arc::default(),
            live: Arc::default(),
            queue: Arc::default(),
            roster: Arc::default(),
            quotes: Arc::default(),
        }
    }

    /// Drops what is kept in memory: rebuilt from the database by the next pass.
    pub fn forget(&self) {
        self.profiles.clear();
        self.recent.clear();
        self.live.clear();
        self.queue.clear();
        self.roster.clear();
    }
}
