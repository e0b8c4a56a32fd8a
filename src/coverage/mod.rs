//! Coverage: how many agents each queue needs per 30-minute interval, how many it has, and the
//! marketplace that closes the gap. The maths (forecast, Erlang A) is pure; storage and pages
//! call it.

pub mod board;
pub mod boosts;
pub mod erlang_a;
pub mod forecast;
pub mod live_boosts;
pub mod outlook;
pub mod requirement;
pub mod run;
pub mod slots;
pub mod target;
pub mod upkeep;
