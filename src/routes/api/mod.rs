//! The JSON API under /api/v1, as described in API.md.

pub mod admin;
pub mod auth;
