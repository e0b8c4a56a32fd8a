//! Logging with tracing: human-readable lines on stderr, filtered by `HANDOFF_LOG`.

use tracing_subscriber::{EnvFilter, fmt};

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}
