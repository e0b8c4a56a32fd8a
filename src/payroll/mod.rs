//! Payroll: metering engaged time and exporting CSV.
//! Engaged time is the union of the intervals with at least one assigned conversation, clipped
//! to the period, paid at the hourly rate in force when the work happened (a rate change
//! mid-interval splits it); each resolved conversation is paid at the per-conversation rate in
//! force at resolution. Everything is integer minor units; the hourly part is divided by 3,600
//! and rounded half up once per line. One line per agent and currency.

pub mod arithmetic;
pub mod boost;
pub mod command;
pub mod export;
pub mod ledger;
pub mod metering;

pub use arithmetic::{Interval, RateSpan, Work, period, union};
pub use ledger::{Activity, Kind, PayLine, Piece, lines, meter};
