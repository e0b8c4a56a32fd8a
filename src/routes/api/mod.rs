//! The JSON API under /api/v1, as described in API.md.

pub mod admin;
pub mod agents;
pub mod auth;
pub mod me;
pub mod recruits;
pub mod regions;
pub mod skills;
