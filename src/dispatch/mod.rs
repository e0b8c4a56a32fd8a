//! Dispatch: the matching engine meeting the database. Intake, offers one agent at a time with
//! a timeout, the queue with its widening ladder, atomic claims, ETAs, and the ticker that
//! keeps it all moving. Every step is safe to run on several instances at once: claims and
//! state changes are conditional UPDATEs, and at most one pending offer per escalation is a
//! unique index.

pub mod candidates;
pub mod conversation;
pub mod eta;
pub mod intake;
pub mod offers;
pub mod queue;
pub mod settings;
pub mod view;
