//! The quality loop: paid wrap-up, quality reviews, first-contact resolution, transparent
//! tiers, supervisors, and automated decisions about agents explained and contestable.

pub mod decisions;
pub mod fcr;
pub mod learning;
pub mod reviews;
pub mod sampling;
pub mod settings;
pub mod supervise;
pub mod tiers;
pub mod upkeep;
pub mod wrap_up;
