//! Availability, presence, capacity and pay rates: when agents work, whether they are here now,
//! how much they can take, and what they charge.
//!
//! Settings owned here: `HANDOFF_HEARTBEAT_TIMEOUT_S` (silence after which an online agent is
//! set away) and `HANDOFF_MAX_CONCURRENT_LIMIT` (the most conversations an agent may take at once).

pub mod input;
pub mod presence;
pub mod rates;
pub mod roster;
pub mod schedule;
pub mod store;
