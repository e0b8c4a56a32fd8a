//! The platform's end of the webhooks during a load test: a local HTTP endpoint that answers
//! 204 to every delivery and counts them, so the server's outbox does real work.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{App, HttpResponse, HttpServer, web};

/// A running receiver: where to point the service account, and how many deliveries arrived.
pub struct Receiver {
    pub url: String,
    received: Arc<AtomicUsize>,
}

impl Receiver {
    pub fn received(&self) -> usize {
        self.received.load(Ordering::Relaxed)
    }
}

/// Starts the receiver on a free loopback port.
pub fn start() -> anyhow::Result<Receiver> {
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let server = HttpServer::new(move || {
        let counter = counter.clone();
        App::new().default_service(web::to(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            async { HttpResponse::NoContent().finish() }
        }))
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")?;
    let address = server.addrs()[0];
    tokio::spawn(server.run());
    Ok(Receiver { url: format!("http://{address}/webhooks"), received })
}
