//! The database: one pool over SQLite or PostgreSQL (through sqlx's `Any` driver, so every
//! query is written once), and the migrations, applied at start.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (the embedded default).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A database failure, or a URL that names no supported database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL is neither `sqlite:` nor `postgres:`.
    #[error("OPTIMA_DATABASE_URL must start with sqlite: or postgres:, got `{0}`")]
    UnsupportedUrl(String),
    /// sqlx failed.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// The data directory could not be created.
    #[error("cannot create {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A stored value could not be read back.
    #[error("corrupt value in column {column}: {message}")]
    Corrupt {
        /// The column.
        column: &'static str,
        /// What was wrong.
        message: String,
    },
}

/// Migrations in order; each runs once, in a transaction, and is recorded.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "users_roles_auth",
        include_str!("../migrations/0001_users_roles_auth.sql"),
    ),
    (
        2,
        "companies_sync",
        include_str!("../migrations/0002_companies_sync.sql"),
    ),
    (3, "vault", include_str!("../migrations/0003_vault.sql")),
    (
        4,
        "procurement_sales",
        include_str!("../migrations/0004_procurement_sales.sql"),
    ),
    (5, "unifi", include_str!("../migrations/0005_unifi.sql")),
];

/// An arbitrary constant: the PostgreSQL advisory lock that serialises migrations between
/// replicas starting together.
const MIGRATION_LOCK: i64 = 0x0971_3a00;

/// The connection pool and which backend it talks to.
#[derive(Debug, Clone)]
pub struct Db {
    /// The pool.
    pub pool: AnyPool,
    /// The backend.
    pub backend: Backend,
}

impl Db {
    /// Connects (creating the SQLite file and its directory if needed).
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(DbError::UnsupportedUrl(redact_url(url)));
        };
        if backend == Backend::Sqlite
            && let Some(dir) = sqlite_dir(url)
        {
            std::fs::create_dir_all(&dir).map_err(|source| DbError::DataDir {
                path: dir.clone(),
                source,
            })?;
        }
        // An in-memory SQLite database lives and dies with its connection: keep exactly one.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let max_connections = match backend {
            Backend::Sqlite if in_memory => 1,
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let mut options = AnyPoolOptions::new();
        if in_memory {
            options = options
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let pool = options
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Per connection: cascades need foreign keys on; writers wait rather
                        // than fail while another holds the write lock.
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        if backend == Backend::Sqlite && !in_memory {
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        Ok(Db { pool, backend })
    }

    /// Applies every migration not yet applied. Replicas starting together on PostgreSQL take
    /// turns through an advisory lock.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
        }
        let result = async {
            conn.execute(
                "CREATE TABLE IF NOT EXISTS optima_migrations (
                    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
            )
            .await?;
            for (version, name, sql) in MIGRATIONS {
                let applied: Option<i64> =
                    sqlx::query_scalar("SELECT version FROM optima_migrations WHERE version = $1")
                        .bind(version)
                        .fetch_optional(&mut *conn)
                        .await?;
                if applied.is_some() {
                    continue;
                }
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                tx.execute(*sql).await?;
                sqlx::query(
                    "INSERT INTO optima_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                )
                .bind(version)
                .bind(*name)
                .bind(timestamp(Utc::now()))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                tracing::info!(version, name, "applied migration");
            }
            Ok::<_, DbError>(())
        }
        .await;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
        }
        result
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

fn sqlite_dir(url: &str) -> Option<String> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| p.display().to_string())
}

/// A URL with any password replaced, for messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// How timestamps are stored and shown: RFC 3339 in UTC with milliseconds.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads a timestamp column.
pub fn get_time(row: &AnyRow, column: &'static str) -> Result<DateTime<Utc>, DbError> {
    let text: String = row.try_get(column)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| DbError::Corrupt {
            column,
            message: e.to_string(),
        })
}

/// Reads a JSON array of strings kept as text.
pub fn get_strings(row: &AnyRow, column: &'static str) -> Result<Vec<String>, DbError> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|e| DbError::Corrupt {
        column,
        message: e.to_string(),
    })
}

/// Encodes a list of strings for a text column.
pub fn strings(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_directory_is_found() {
        assert_eq!(
            sqlite_dir("sqlite://./data/optima.db?mode=rwc").as_deref(),
            Some("./data")
        );
        assert_eq!(sqlite_dir("sqlite::memory:"), None);
        assert_eq!(sqlite_dir("sqlite://optima.db"), None);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
    }
}
