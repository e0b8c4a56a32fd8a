//! Wiring: settings → database → shared state → the actix App with its middleware and routes.

use crate::dispatch::Dispatcher;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpServer, dev::Server, middleware, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::auth::{
    cookies,
    data_key::DataKey,
    rate_limit::{HourlyLimiter, LoginLimiter},
    secret,
    session::TokenLifetimes,
    tokens::JwtKeys,
};
use crate::config::Settings;
use crate::db::Db;
use crate::email::{outbox::Outbox, transport::Mailer};
use crate::ids::UserId;
use crate::recruiting::{placement, register::LinkSettings, review::Reviewer};
use crate::routes;
use crate::telemetry::RequestSpan;
use crate::webhooks::worker::WebhookWorker;

/// What every request handler and background task shares.
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub keys: JwtKeys,
    pub login_limiter: LoginLimiter,
    pub registration_limiter: HourlyLimiter,
    pub outbox: Outbox,
    pub webhooks: WebhookWorker,
    /// This process's Prometheus collectors (GET /metrics).
    pub metrics: Arc<crate::operations::prometheus::ServiceMetrics>,
    /// Dispatch passes' settings and this instance's in-memory agent profiles.
    pub dispatcher: Dispatcher,
    /// Seals and opens the secrets the service reads back (webhook and TOTP secrets).
    pub data_key: DataKey,
    /// Hashes the platform's customer references (`privacy::customer_ref`).
    pub customer_refs: crate::privacy::customer_ref::CustomerRefs,
}

impl AppState {
    pub fn token_lifetimes(&self) -> TokenLifetimes {
        TokenLifetimes { access_s: self.settings.access_token_ttl_s, refresh_s: self.settings.refresh_token_ttl_s }
    }

    /// Where confirmation links point and how long they live.
    pub fn link_settings(&self) -> LinkSettings {
        LinkSettings { public_url: self.settings.public_url(), verification_ttl_h: self.settings.verification_ttl_h }
    }

    /// Who is deciding about an agent, for staff actions.
    pub fn reviewer(&self, staff_id: UserId) -> Reviewer {
        Reviewer { staff_id, public_url: self.settings.public_url() }
    }

    /// Sends queued mail now rather than at the next poll; call after a commit that queued mail.
    pub fn mail_queued(&self) {
        self.outbox.wakeup.notify_one();
    }

    /// Delivers queued webhooks now; call after a commit that may have queued some.
    pub fn webhooks_queued(&self) {
        self.webhooks.wakeup.notify_one();
    }
}

/// A server bound to its port, ready to run.
pub struct Application {
    port: u16,
    server: Server,
    /// Credentials of the admin created on this start (a fresh database), to show once.
    pub first_admin: Option<(String, String)>,
    /// The running service's database (for in-process drivers such as `handoff demo`).
    pub db: Db,
    /// The running service's dispatcher (so in-process drivers share its profile cache).
    pub dispatcher: Dispatcher,
    /// The running service's data key (for in-process drivers that create service accounts).
    pub data_key: DataKey,
}

impl Application {
    /// Connects, migrates, seeds what a fresh database needs (an admin, default regions), and
    /// binds `settings.bind` (port 0 picks a free port, as the tests do).
    pub async fn build(mut settings: Settings) -> anyhow::Result<Application> {
        settings.validate()?;
        let listener = TcpListener::bind(&settings.bind).with_context(|| format!("binding {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        if settings.public_url.is_empty() {
            // Links in emails must carry the port actually bound (port 0 picks one).
            settings.public_url = format!("http://{}", listener.local_addr()?);
        }
        let (db, data_key) = connect_with_data_key(&settings).await?;
        let first_admin = crate::auth::accounts::ensure_first_admin(&db).await.map_err(anyhow::Error::new)?;
        db.write(|conn| placement::ensure_default_regions(conn, chrono::Utc::now()))
            .await
            .map_err(anyhow::Error::new)?;
        let secret = secret::load_or_create(&settings.jwt_secret, &settings.data_dir)?;
        let outbox = Outbox {
            db: db.clone(),
            mailer: Mailer::from_settings(&settings.smtp_url, settings.smtp_password()?, &settings.data_dir)?,
            from: settings.mail_from.parse().context("reading HANDOFF_MAIL_FROM")?,
            wakeup: Arc::new(tokio::sync::Notify::new()),
        };
        // Instances sharing PostgreSQL share their rate limits; SQLite's one process keeps its own.
        let shared_limits = (db.backend() == crate::db::Backend::Postgres).then(|| db.clone());
        let state = web::Data::new(AppState {
            keys: JwtKeys::new(&secret),
            login_limiter: LoginLimiter::new(settings.login_attempts_per_minute, shared_limits.clone()),
            registration_limiter: HourlyLimiter::new(settings.registrations_per_hour, shared_limits),
            outbox,
            webhooks: WebhookWorker::new(db.clone(), settings.webhook_private_addresses, data_key.clone())?,
            customer_refs: crate::privacy::customer_ref::CustomerRefs::load_or_create(&db, &data_key).await?,
            data_key,
            metrics: Arc::new(crate::operations::prometheus::ServiceMetrics::new()?),
            dispatcher: Dispatcher::new(chrono::Duration::seconds(settings.heartbeat_timeout_s as i64)),
            settings: Arc::new(settings),
            db,
        });
        spawn_housekeeping(state.clone());
        crate::privacy::retention::spawn_daily(
            state.db.clone(),
            crate::privacy::retention::RetentionPolicy::from_settings(&state.settings),
        );
        tokio::spawn(crate::realtime::stream::beat_open_streams(state.db.clone()));
        // The dispatcher runs on every instance; only the lease holder decides (see runner).
        let address = listener.local_addr()?.to_string();
        crate::coverage::upkeep::spawn(
            state.db.clone(),
            state.dispatcher.clone(),
            state.settings.public_url(),
            crate::dispatch::runner::holder_name(&address),
        );
        crate::quality::upkeep::spawn(state.db.clone(), crate::dispatch::runner::holder_name(&address));
        crate::dispatch::runner::spawn(
            state.db.clone(),
            state.dispatcher.clone(),
            state.settings.clock_tickers,
            &address,
        );
        tokio::spawn(crate::realtime::listener::run(state.db.clone()));
        tokio::spawn(state.outbox.clone().run(Duration::from_secs(state.settings.outbox_poll_s)));
        tokio::spawn(state.webhooks.clone().run(Duration::from_secs(state.settings.outbox_poll_s)));
        let (db, dispatcher, data_key) = (state.db.clone(), state.dispatcher.clone(), state.data_key.clone());
        let server = serve(listener, state)?;
        Ok(Application { port, server, first_admin, db, dispatcher, data_key })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is asked to stop (SIGINT or SIGTERM).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Opens the database named by the settings and applies pending migrations.
pub async fn connect_and_migrate(settings: &Settings) -> anyhow::Result<Db> {
    let (url, size, synchronous) =
        (settings.database_url(), settings.db_pool_size, settings.sqlite_synchronous.clone());
    tokio::task::spawn_blocking(move || {
        let db = Db::connect(&url, size, &synchronous)?;
        let applied = db.migrate()?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "applied database migrations");
        }
        Ok(db)
    })
    .await
    .context("opening the database")?
}

/// Opens the database (migrated) and the data key, and checks that the key is the one the
/// database's sealed values belong to: what every process that reads or writes secrets needs.
pub async fn connect_with_data_key(settings: &Settings) -> anyhow::Result<(Db, DataKey)> {
    let db = connect_and_migrate(settings).await?;
    let key = DataKey::from_settings(settings, db.backend())?;
    crate::auth::sealed::check_at_start(&db, &key).await?;
    Ok((db, key))
}

/// Periodic upkeep: deleting security events past their retention and forgetting idle
/// rate-limit keys (in memory, and the shared ones on PostgreSQL). Any instance may run the
/// deletes: they are idempotent.
fn spawn_housekeeping(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut every_minute = tokio::time::interval(Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            state.login_limiter.forget_idle();
            state.registration_limiter.forget_idle();
            let cutoff = crate::models::db_time(chrono::Utc::now() - crate::models::security_event::RETENTION);
            let expired = state.db.write(move |conn| Ok(crate::models::security_event::forget_before(conn, cutoff)?));
            if let Err(error) = expired.await {
                tracing::warn!(%error, "could not delete security events past their retention");
            }
            if state.db.backend() == crate::db::Backend::Postgres
                && let Err(error) = crate::auth::rate_limit::forget_idle_shared(&state.db).await
            {
                tracing::warn!(%error, "could not forget idle shared rate limits");
            }
        }
    });
}

fn serve(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let workers = match state.settings.workers {
        0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
        n => n,
    };
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(routes::configure)
            // Innermost first: identify the caller after the browser session was renewed.
            .wrap(middleware::from_fn(crate::auth::extract::identify))
            .wrap(middleware::from_fn(cookies::browser_session))
            .wrap(security_headers())
            .wrap(TracingLogger::<RequestSpan>::new())
            .wrap(middleware::from_fn(crate::operations::prometheus::record))
            // Outermost: an overloaded service refuses new work before doing any of it.
            .wrap(middleware::from_fn(routes::overload::refuse_when_saturated))
    })
    .workers(workers)
    .listen(listener)?
    .run();
    Ok(server)
}

/// Headers on every answer. The CSP allows no inline script; inline style only for the
/// vendored Swagger UI.
fn security_headers() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        ))
}
