//! Recruiting: applications, email confirmation, staff review, profiles, skills and regions.
//! Every function here takes a `&mut DbConn` inside the caller's transaction, so an event, its
//! audit entry and its email commit together.

pub mod input;
pub mod placement;
pub mod profile;
pub mod register;
pub mod review;
pub mod skills;
