//! Dispatch: the matching engine meeting the database. Intake, offers one agent at a time with
//! a timeout, the queue with its widening ladder, atomic claims, ETAs, and the ticker that
//! keeps it all moving. Every step is safe to run on several instances at once: claims and
//! state changes are conditional UPDATEs, and at most one pending offer per escalation is a
//! unique index.

use std::sync::Arc;

use chrono::Duration;

pub mod candidates;
pub mod conversation;
pub mod eta;
pub mod intake;
pub mod offers;
pub mod profiles;
pub mod queue;
pub mod settings;
pub mod view;

/// What a dispatch pass needs besides a connection: how fresh a heartbeat must be, and this
/// instance's in-memory agent profiles. Cheap to clone into a database closure.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    pub heartbeat_timeout: Duration,
    pub profiles: Arc<profiles::ProfileCache>,
}

impl Dispatcher {
    pub fn new(heartbeat_timeout: Duration) -> Dispatcher {
        Dispatcher { heartbeat_timeout, profiles: Arc::default() }
    }
}
