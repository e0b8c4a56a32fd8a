//! Wiring: settings → database → shared state → the actix App with its middleware and routes.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpServer, dev::Server, middleware, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::auth::{
    cookies, rate_limit::LoginLimiter, secret, session::TokenLifetimes, tokens::JwtKeys,
};
use crate::config::Settings;
use crate::db::Db;
use crate::routes;
use crate::telemetry::RequestSpan;

/// What every request handler and background task shares.
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub keys: JwtKeys,
    pub login_limiter: LoginLimiter,
}

impl AppState {
    pub fn token_lifetimes(&self) -> TokenLifetimes {
        TokenLifetimes {
            access_s: self.settings.access_token_ttl_s,
            refresh_s: self.settings.refresh_token_ttl_s,
        }
    }
}

/// A server bound to its port, ready to run.
pub struct Application {
    port: u16,
    server: Server,
    /// Credentials of the admin created on this start (a fresh database), to show once.
    pub first_admin: Option<(String, String)>,
}

impl Application {
    /// Connects, migrates, makes sure an admin exists, and binds `settings.bind` (port 0 picks
    /// a free port, as the tests do).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        settings.validate()?;
        let db = connect_and_migrate(&settings).await?;
        let first_admin = crate::auth::accounts::ensure_first_admin(&db)
            .await
            .map_err(anyhow::Error::new)?;
        let secret = secret::load_or_create(&settings.jwt_secret, &settings.data_dir)?;
        let state = web::Data::new(AppState {
            keys: JwtKeys::new(&secret),
            login_limiter: LoginLimiter::new(settings.login_attempts_per_minute),
            settings: Arc::new(settings),
            db,
        });
        let listener = TcpListener::bind(&state.settings.bind)
            .with_context(|| format!("binding {}", state.settings.bind))?;
        let port = listener.local_addr()?.port();
        spawn_housekeeping(state.clone());
        let server = serve(listener, state)?;
        Ok(Application {
            port,
            server,
            first_admin,
        })
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
    let (url, size, synchronous) = (
        settings.database_url(),
        settings.db_pool_size,
        settings.sqlite_synchronous.clone(),
    );
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

/// Periodic upkeep that needs no database: forgetting idle rate-limit keys.
fn spawn_housekeeping(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut every_minute = tokio::time::interval(Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            state.login_limiter.forget_idle();
        }
    });
}

fn serve(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let workers = match state.settings.workers {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2),
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
