//! The JSON API under /api/v1, as described in API.md.

pub mod admin;
pub mod agents;
pub mod auth;
pub mod availability;
pub mod conversation;
pub mod coverage;
pub mod customers;
pub mod escalations;
pub mod matching;
pub mod me;
pub mod mfa;
pub mod my_data;
pub mod offers;
pub mod operations;
pub mod paging;
pub mod passwords;
pub mod pay_bands;
pub mod payroll;
pub mod quote;
pub mod recruits;
pub mod redaction;
pub mod regions;
pub mod security_events;
pub mod skills;
pub mod slots;
pub mod staff_agents;
