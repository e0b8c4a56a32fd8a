//! Logging with tracing: human-readable lines on stderr, filtered by `HANDOFF_LOG`, and one
//! line per HTTP request. Requests are logged by path only: query strings can carry tokens
//! (email verification links), and no secret may reach a log.

use std::time::Instant;

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::{EnvFilter, fmt};

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt().with_env_filter(filter).with_target(false).with_writer(std::io::stderr).try_init();
}

/// When the request arrived, to log its duration.
struct Arrival(Instant);

/// The root span of every request: method, path (never the query) and request id; its end is
/// logged with the status and duration.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        request.extensions_mut().insert(Arrival(Instant::now()));
        let request_id = request.extensions().get::<RequestId>().map(ToString::to_string).unwrap_or_default();
        tracing::info_span!("request", method = %request.method(), path = %request.path(), request_id = %request_id)
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let _entered = span.enter();
        match outcome {
            Ok(response) => {
                let elapsed_ms = response
                    .request()
                    .extensions()
                    .get::<Arrival>()
                    .map(|arrival| arrival.0.elapsed().as_secs_f64() * 1000.0)
                    .unwrap_or_default();
                let status = response.status().as_u16();
                let elapsed_ms = format!("{elapsed_ms:.1}");
                if status >= 500 {
                    tracing::error!(status, %elapsed_ms, "answered");
                } else {
                    tracing::info!(status, %elapsed_ms, "answered");
                }
            }
            Err(error) => tracing::error!(%error, "request failed before an answer"),
        }
    }
}
