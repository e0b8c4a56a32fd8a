//! GET /metrics in the Prometheus text format: request counts and latencies and time to a human
//! (counted by this instance), and the shared state read from the database at each scrape
//! (escalations by state, queue length, agents online, offers by outcome, outbox backlog), so
//! every instance reports the same shared numbers.

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web,
};
use chrono::{DateTime, Duration, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::db::{
    DbConn,
    schema::{agents, escalations, offers, outbox_emails, users, webhook_deliveries},
};
use crate::error::AppError;
use crate::models::escalation::EscalationState;
use crate::models::offer::OfferState;
use crate::models::{db_time, user};
use crate::startup::AppState;

/// What the database says at one scrape.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Snapshot {
    pub escalations_by_state: Vec<(EscalationState, i64)>,
    pub offers_by_state: Vec<(OfferState, i64)>,
    pub queue_length: i64,
    pub agents_online: i64,
    pub emails_unsent: i64,
    pub webhooks_undelivered: i64,
}

/// Reads the shared numbers in one go.
pub fn snapshot(conn: &mut DbConn, now: DateTime<Utc>, heartbeat_timeout: Duration) -> Result<Snapshot, AppError> {
    let escalations_by_state: Vec<(EscalationState, i64)> =
        escalations::table.group_by(escalations::state).select((escalations::state, count_star())).load(conn)?;
    let offers_by_state = offers::table.group_by(offers::state).select((offers::state, count_star())).load(conn)?;
    let queue_length = escalations_by_state.iter().filter(|(s, _)| s.is_waiting()).map(|(_, n)| n).sum();
    let agents_online = agents::table
        .inner_join(users::table)
        .filter(users::status.eq(user::status::ACTIVE))
        .filter(agents::presence.eq("online"))
        .filter(agents::last_heartbeat_at.ge(db_time(now - heartbeat_timeout)))
        .count()
        .get_result(conn)?;
    let emails_unsent = outbox_emails::table.filter(outbox_emails::sent_at.is_null()).count().get_result(conn)?;
    let webhooks_undelivered =
        webhook_deliveries::table.filter(webhook_deliveries::delivered_at.is_null()).count().get_result(conn)?;
    Ok(Snapshot {
        escalations_by_state,
        offers_by_state,
        queue_length,
        agents_online,
        emails_unsent,
        webhooks_undelivered,
    })
}

/// The collectors of one process.
pub struct ServiceMetrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    time_to_human: Histogram,
    escalations: IntGaugeVec,
    offers: IntGaugeVec,
    queue_length: IntGauge,
    agents_online: IntGauge,
    outbox_backlog: IntGaugeVec,
}

impl ServiceMetrics {
    pub fn new() -> Result<ServiceMetrics, prometheus::Error> {
        let registry = Registry::new_custom(Some("handoff".into()), None)?;
        // CPU seconds, memory and open files of this process (`handoff_process_*`): what a load
        // generator in another process reads to report the server's own CPU per escalation.
        #[cfg(target_os = "linux")]
        registry.register(Box::new(prometheus::process_collector::ProcessCollector::for_self()))?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered, by route pattern and status"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to answer an HTTP request")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0]),
            &["method", "route"],
        )?;
        let time_to_human = Histogram::with_opts(
            HistogramOpts::new(
                "time_to_human_seconds",
                "From escalation to an agent's accept (this instance's accepts)",
            )
            .buckets(vec![5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0]),
        )?;
        let escalations =
            IntGaugeVec::new(Opts::new("escalations", "Escalations in the database by state"), &["state"])?;
        let offers = IntGaugeVec::new(Opts::new("offers", "Offers in the database by outcome"), &["state"])?;
        let queue_length = IntGauge::new("queue_length", "Escalations waiting for a human")?;
        let agents_online = IntGauge::new("agents_online", "Active agents online with a live heartbeat")?;
        let outbox_backlog =
            IntGaugeVec::new(Opts::new("outbox_backlog", "Emails and webhooks not yet delivered"), &["kind"])?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(time_to_human.clone()))?;
        registry.register(Box::new(escalations.clone()))?;
        registry.register(Box::new(offers.clone()))?;
        registry.register(Box::new(queue_length.clone()))?;
        registry.register(Box::new(agents_online.clone()))?;
        registry.register(Box::new(outbox_backlog.clone()))?;
        Ok(ServiceMetrics {
            registry,
            requests,
            latency,
            time_to_human,
            escalations,
            offers,
            queue_length,
            agents_online,
            outbox_backlog,
        })
    }

    /// An agent accepted an escalation that had waited `waited_s`.
    pub fn human_reached(&self, waited_s: f64) {
        self.time_to_human.observe(waited_s.max(0.0));
    }

    /// The text exposition with the database numbers of `snapshot`.
    pub fn render(&self, snapshot: &Snapshot) -> Result<String, prometheus::Error> {
        self.escalations.reset();
        for (state, count) in &snapshot.escalations_by_state {
            self.escalations.with_label_values(&[state.as_str()]).set(*count);
        }
        self.offers.reset();
        for (state, count) in &snapshot.offers_by_state {
            self.offers.with_label_values(&[state.as_str()]).set(*count);
        }
        self.queue_length.set(snapshot.queue_length);
        self.agents_online.set(snapshot.agents_online);
        self.outbox_backlog.with_label_values(&["email"]).set(snapshot.emails_unsent);
        self.outbox_backlog.with_label_values(&["webhook"]).set(snapshot.webhooks_undelivered);
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

/// Middleware: counts every answered request by its route pattern (never the raw path, so ids
/// and tokens do not become label values) and times it.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = std::time::Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let response = next.call(req).await?;
    if let Some(state) = state {
        // `{id}` written as `:id`: some exposition parsers stumble on braces inside label values.
        let route = response
            .request()
            .match_pattern()
            .map(|p| p.replace('{', ":").replace('}', ""))
            .unwrap_or_else(|| "unmatched".into());
        let status = response.status().as_u16().to_string();
        let metrics = &state.metrics;
        metrics.requests.with_label_values(&[method.as_str(), route.as_str(), status.as_str()]).inc();
        metrics.latency.with_label_values(&[method.as_str(), route.as_str()]).observe(started.elapsed().as_secs_f64());
    }
    Ok(response)
}
