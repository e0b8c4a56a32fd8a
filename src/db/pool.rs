//! Connection pools and the two doors to them: [`Db::read`] and [`Db::write`].

use std::time::Duration;

use anyhow::Context;
use diesel::{Connection, ConnectionError, connection::SimpleConnection, r2d2::R2D2Connection};

use super::connection::{Backend, DatabaseUrl, DbConn};
use crate::error::AppError;

type Pool = r2d2::Pool<Manager>;

/// How long a request may wait for a free connection before it fails. Short, so a wrong URL
/// or a dead database shows its real error quickly instead of hanging for r2d2's default 30 s.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);
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
    match work(conn) {
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
                Db { reader: pool.clone(), writer: pool, backend }
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
                Db { reader, writer, backend }
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
            let mut conn = pool.get().context("checking out a read connection")?;
            work(&mut conn)
        })
        .await
        .context("running a database read")?
    }

    /// Runs `work` on a blocking thread inside one transaction on the write connection:
    /// everything it does commits together or not at all (an `Err` rolls back).
    pub async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.writer.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get().context("checking out the write connection")?;
            crate::realtime::wakeups::forget();
            let outcome = in_write_transaction(&mut conn, work);
            // Only committed events wake streams; a rolled-back one never happened.
            match outcome {
                Ok(_) => crate::realtime::wakeups::wake_committed(),
                Err(_) => crate::realtime::wakeups::forget(),
            }
            outcome
        })
        .await
        .context("running a database write")?
    }

    /// Applies pending migrations (blocking: for start-up and the CLI, before serving).
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        super::run_migrations(&mut *self.writer.get().context("checking out the write connection")?)
    }

    /// Reverts every migration (blocking: for the CLI and tests).
    pub fn revert_all_migrations(&self) -> anyhow::Result<Vec<String>> {
        super::revert_all_migrations(&mut *self.writer.get().context("checking out the write connection")?)
    }

    /// Whether the database answers; for `/readyz`.
    pub async fn ping(&self) -> Result<(), AppError> {
        self.read(|conn| conn.ping().map_err(AppError::from)).await
    }
}
