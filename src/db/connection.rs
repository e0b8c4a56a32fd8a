//! The connection enum over both backends and the URL that picks between them.

use std::path::PathBuf;

use diesel::{Connection, ConnectionError, PgConnection, SqliteConnection};

/// One database connection of either backend; queries written once run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed `HANDOFF_DATABASE_URL`.
#[derive(Debug, Clone)]
pub enum DatabaseUrl {
    /// A SQLite file; its folder is created on first use.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string, passed to libpq as given.
    Postgres(String),
}

impl DatabaseUrl {
    /// Reads `sqlite://path/to/file.db` (relative) or `sqlite:///abs/file.db`, and
    /// `postgres://…` or `postgresql://…`.
    pub fn parse(url: &str) -> Result<DatabaseUrl, ConnectionError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(ConnectionError::InvalidConnectionUrl("sqlite:// needs a file path".into()));
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(url.to_string()))
        } else {
            Err(ConnectionError::InvalidConnectionUrl("expected a URL starting with sqlite:// or postgres://".into()))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// Opens one connection of the right variant, keeping the backend's own error message
    /// (diesel's `MultiConnection::establish` would replace it with a generic one).
    pub fn connect(&self) -> Result<DbConn, ConnectionError> {
        match self {
            DatabaseUrl::Sqlite(path) => {
                if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(folder)
                        .map_err(|e| ConnectionError::BadConnection(format!("creating {}: {e}", folder.display())))?;
                }
                let path = path.to_str().ok_or_else(|| {
                    ConnectionError::InvalidConnectionUrl("the SQLite path is not valid UTF-8".into())
                })?;
                SqliteConnection::establish(path).map(DbConn::Sqlite)
            }
            DatabaseUrl::Postgres(url) => PgConnection::establish(url).map(DbConn::Pg),
        }
    }
}
