//! Staff operations: the live queue, metrics of how well the promise is kept, and the
//! Prometheus view of the service.

pub mod agents;
pub mod facts;
pub mod metrics;
pub mod prometheus;
pub mod queue;
pub mod report;
pub mod window;
