//! Connection pools and the two doors to them: [`Db::read`] and [`Db::write`].

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use diesel::{Connection, ConnectionError, connection::SimpleConnection, r2d2::R2D2Connection};

use super::connection::{Backend, DatabaseUrl, DbConn};
use crate::error::AppError;
use crate::realtime::bus::{self, Bus};

type Pool = r2d2::Pool<Manager>;

/// How long a request may wait for a free connection before it is refused with 503 and
/// Retry-After. Short: a dead database, or a writer saturated past what it can do, is answered
/// within about a second instead of leaving the client hanging (r2d2's default is 30 s).
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long `/readyz` waits for the write connection: a busy writer is overload (answered on
/// the requests), not unreadiness, so the probe gives up early and says so.
const PROBE_CHECKOUT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long SQLite waits for a lock held by another process (the CLI, say) before failing.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// Opens connections of the variant the URL names (our own manager, so the real connection
/// error reaches the log).
#[derive(Debug)]
struct Manager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConn, ConnectionError> {
        self.url.connect()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ConnectionError> {
        conn.ping().map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

/// The SQLite pragmas, applied to every connection as the pool hands it out for the first time.
#[derive(Debug)]
pub(super) struct SqlitePragmas {
    synchronous: String,
    query_only: bool,
}

impl r2d2::CustomizeConnection<DbConn, ConnectionError> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), ConnectionError> {
        // busy_timeout first: the switch to WAL itself may have to wait for a lock.
        let pragmas = format!(
            "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = {};
             PRAGMA foreign_keys = ON;
             PRAGMA query_only = {};",
            self.synchronous,
            if self.query_only { "ON" } else { "OFF" },
        );
        conn.batch_execute(&pragmas).map_err(ConnectionError::CouldntSetupConfiguration)
    }
}

/// Runs `work` in a transaction that commits on `Ok` and rolls back on `Err`. On SQLite it is
/// `BEGIN IMMEDIATE`: it takes the write lock up front (waiting up to busy_timeout for another
/// process), where a deferred transaction that reads first fails with "database is locked" if
/// another writer got in between (see CRATES.md).
fn in_write_transaction<T>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<T, AppError>,
) -> Result<T, AppError> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    match conn {
        DbConn::Sqlite(inner) => AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?,
        DbConn::Pg(_) => <DbConn as Connection>::TransactionManager::begin_transaction(conn)?,
    }
    // Other instances hear which escalations changed as this commits (one notice for all).
    match work(conn).and_then(|value| Ok(bus::notify_escalations(conn).map(|()| value)?)) {
        Ok(value) => match <DbConn as Connection>::TransactionManager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(error) => {
                let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
                Err(error.into())
            }
        },
        Err(error) => {
            <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(error)
        }
    }
}

/// The application's database: cheap to clone, shared by every request and background task.
#[derive(Clone)]
pub struct Db {
    reader: Pool,
    writer: Pool,
    backend: Backend,
    url: DatabaseUrl,
    bus: Arc<Bus>,
    /// Writes waiting for or holding the write connection (see `writes_pending`).
    pending_writes: Arc<AtomicUsize>,
}

/// Counts a write as pending for as long as it lives.
struct Pending(Arc<AtomicUsize>);

impl Pending {
    fn start(counter: &Arc<AtomicUsize>) -> Pending {
        counter.fetch_add(1, Ordering::Relaxed);
        Pending(counter.clone())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Db {
    /// Connects to `url`, failing at once with the backend's own message if it cannot.
    /// `pool_size` bounds the read connections (and all connections on PostgreSQL).
    pub fn connect(url: &str, pool_size: u32, sqlite_synchronous: &str) -> anyhow::Result<Db> {
        let url = DatabaseUrl::parse(url).context("reading the database URL")?;
        // One direct connection first: r2d2 would retry a failing connect until its timeout
        // and then report only "timed out".
        drop(url.connect().context("connecting to the database")?);
        let backend = url.backend();
        let builder =
            |size: u32| r2d2::Pool::builder().max_size(size).min_idle(Some(1)).connection_timeout(CHECKOUT_TIMEOUT);
        let manager = || Manager { url: url.clone() };
        let db = match backend {
            Backend::Postgres => {
                let pool = builder(pool_size).build(manager()).context("opening the PostgreSQL pool")?;
                Db {
                    reader: pool.clone(),
                    writer: pool,
                    backend,
                    url: url.clone(),
                    bus: Bus::new(),
                    pending_writes: Arc::default(),
                }
            }
            Backend::Sqlite => {
                let synchronous = sqlite_synchronous.to_ascii_uppercase();
                let writer = builder(1)
                    .connection_customizer(Box::new(SqlitePragmas {
                        synchronous: synchronous.clone(),
                        query_only: false,
                    }))
                    .build(manager())
                    .context("opening the SQLite writer")?;
                let reader = builder(pool_size)
                    .connection_customizer(Box::new(SqlitePragmas { synchronous, query_only: true }))
                    .build(manager())
                    .context("opening the SQLite readers")?;
                Db { reader, writer, backend, url: url.clone(), bus: Bus::new(), pending_writes: Arc::default() }
            }
        };
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `work` on a blocking thread with a read connection.
    pub async fn read<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.reader.clone();
        actix_web::web::block(move || {
            let mut conn = checkout(&pool, CHECKOUT_TIMEOUT)?;
            work(&mut conn)
        })
        .await
        .context("running a database read")?
    }

    /// Runs `work` on a blocking thread inside one transaction on the write connection:
    /// everything it does commits together or not at all (an `Err` rolls back). After a commit
    /// the bus hears what it noted (streams wake, the dispatcher is rung), and when it changed
    /// what dispatch decides on, this waits (bounded) for the dispatcher's pass, so the caller's
    /// answer already shows the outcome (an escalation offered, the next agent's offer).
    pub async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.write_then(work, true).await
    }

    /// Like [`Db::write`] without waiting for a dispatch pass: for the dispatcher itself.
    pub async fn write_unsettled<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.write_then(work, false).await
    }

    async fn write_then<T, F>(&self, work: F, settle: bool) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (pool, hub) = (self.writer.clone(), self.bus.clone());
        let pending = Pending::start(&self.pending_writes);
        let (value, waiting) = actix_web::web::block(move || {
            let mut conn = checkout(&pool, CHECKOUT_TIMEOUT)?;
            bus::forget();
            match in_write_transaction(&mut conn, work) {
                Ok(value) => {
                    // Only committed notes are published; a rolled-back change never happened.
                    let committed = bus::take();
                    let waiting = committed
                        .wants_dispatch()
                        .filter(|_| settle && hub.writers_wait_for_passes())
                        .map(|nonce| (nonce, hub.await_pass(nonce)));
                    hub.publish(committed);
                    Ok((value, waiting))
                }
                Err(error) => {
                    bus::forget();
                    Err(error)
                }
            }
        })
        .await
        .context("running a database write")??;
        drop(pending);
        if let Some((nonce, receiver)) = waiting {
            self.bus.settled(nonce, receiver).await;
        }
        Ok(value)
    }

    /// How many writes wait for or hold the write connection now: the writer's backlog.
    pub fn writes_pending(&self) -> usize {
        self.pending_writes.load(Ordering::Relaxed)
    }

    /// This database's bus (streams, the dispatcher's doorbell, cross-instance notices).
    pub fn bus(&self) -> &Arc<Bus> {
        &self.bus
    }

    /// The URL this database was opened with (for the cross-instance listener's own connection).
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Applies pending migrations (blocking: for start-up and the CLI, before serving).
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        super::run_migrations(&mut *self.writer.get().context("checking out the write connection")?)
    }

    /// Reverts every migration (blocking: for the CLI and tests).
    pub fn revert_all_migrations(&self) -> anyhow::Result<Vec<String>> {
        super::revert_all_migrations(&mut *self.writer.get().context("checking out the write connection")?)
    }

    /// Whether the database answers reads and takes a write; for `/readyz`.
    pub async fn readiness(&self) -> Readiness {
        let (reader, writer) = (self.reader.clone(), self.writer.clone());
        let probed = actix_web::web::block(move || {
            let mut conn = checkout(&reader, CHECKOUT_TIMEOUT)?;
            conn.ping()?;
            drop(conn);
            let mut conn = match writer.get_timeout(PROBE_CHECKOUT_TIMEOUT) {
                Ok(conn) => conn,
                // Every write connection busy and none failing to open: saturated, not down.
                // (r2d2 appends the last connection error to its message when connecting failed.)
                Err(error) if error.to_string() == "timed out waiting for connection" => return Ok(Readiness::Busy),
                Err(error) => return Err(AppError::unavailable(error)),
            };
            in_write_transaction(&mut conn, |conn| Ok(crate::models::health_probe::beat(conn, chrono::Utc::now())?))?;
            Ok(Readiness::Ready)
        })
        .await;
        match probed {
            Ok(Ok(readiness)) => readiness,
            Ok(Err(error)) => Readiness::Down(error.to_string()),
            Err(error) => Readiness::Down(error.to_string()),
        }
    }
}

/// What `/readyz` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Reads and a write went through.
    Ready,
    /// Reads work and the writer is saturated: overload, refused on the requests themselves.
    Busy,
    /// The database does not answer or refuses writes (unreachable, disk full).
    Down(String),
}

/// A connection from `pool`, or 503 when none comes within `timeout` (every connection busy,
/// or the database unreachable: r2d2 then reports the last connection error).
fn checkout(pool: &Pool, timeout: Duration) -> Result<r2d2::PooledConnection<Manager>, AppError> {
    pool.get_timeout(timeout).map_err(|error| AppError::unavailable(format!("no database connection: {error}")))
}
