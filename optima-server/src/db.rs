//! The database: one pool over SQLite or PostgreSQL (through sqlx's `Any` driver, so every
//! query is written once), and the migrations, applied at start.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Row, Transaction};

use crate::lock_file::FileLock;

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

/// A migration's SQL: the same on both backends, or one text each where they differ (search
/// indexes: FTS5 on SQLite, pg_trgm on PostgreSQL).
enum Sql {
    Both(&'static str),
    PerBackend {
        sqlite: &'static str,
        postgres: &'static str,
    },
}

impl Sql {
    fn for_backend(&self, backend: Backend) -> &'static str {
        match (self, backend) {
            (Sql::Both(sql), _) => sql,
            (Sql::PerBackend { sqlite, .. }, Backend::Sqlite) => sqlite,
            (Sql::PerBackend { postgres, .. }, Backend::Postgres) => postgres,
        }
    }
}

/// Migrations in order; each runs once, in a transaction, and is recorded.
const MIGRATIONS: &[(i64, &str, Sql)] = &[
    (
        1,
        "users_roles_auth",
        Sql::Both(include_str!("../migrations/0001_users_roles_auth.sql")),
    ),
    (
        2,
        "companies_sync",
        Sql::Both(include_str!("../migrations/0002_companies_sync.sql")),
    ),
    (
        3,
        "vault",
        Sql::Both(include_str!("../migrations/0003_vault.sql")),
    ),
    (
        4,
        "procurement_sales",
        Sql::Both(include_str!("../migrations/0004_procurement_sales.sql")),
    ),
    (
        5,
        "unifi",
        Sql::Both(include_str!("../migrations/0005_unifi.sql")),
    ),
    (
        6,
        "api_keys",
        Sql::Both(include_str!("../migrations/0006_api_keys.sql")),
    ),
    (
        7,
        "audit",
        Sql::Both(include_str!("../migrations/0007_audit.sql")),
    ),
    (
        8,
        "vault_history",
        Sql::Both(include_str!("../migrations/0008_vault_history.sql")),
    ),
    (
        9,
        "sync_callbacks_status",
        Sql::Both(include_str!("../migrations/0009_sync_callbacks_status.sql")),
    ),
    (
        10,
        "search_index",
        Sql::PerBackend {
            sqlite: include_str!("../migrations/0010_search_index.sqlite.sql"),
            postgres: include_str!("../migrations/0010_search_index.postgres.sql"),
        },
    ),
    (
        11,
        "drop_search_btrees",
        Sql::Both(include_str!("../migrations/0011_drop_search_btrees.sql")),
    ),
    (
        12,
        "listing_versions",
        Sql::PerBackend {
            sqlite: include_str!("../migrations/0012_listing_versions.sqlite.sql"),
            postgres: include_str!("../migrations/0012_listing_versions.postgres.sql"),
        },
    ),
    (
        13,
        "search_index_pause",
        Sql::PerBackend {
            sqlite: include_str!("../migrations/0013_search_index_pause.sqlite.sql"),
            postgres: include_str!("../migrations/0013_search_index_pause.postgres.sql"),
        },
    ),
    (
        14,
        "listing_order_versions",
        Sql::PerBackend {
            sqlite: include_str!("../migrations/0014_listing_order_versions.sqlite.sql"),
            postgres: include_str!("../migrations/0014_listing_order_versions.postgres.sql"),
        },
    ),
    (
        15,
        "catalog_search_by_state",
        Sql::PerBackend {
            sqlite: include_str!("../migrations/0015_catalog_search_by_state.sqlite.sql"),
            postgres: include_str!("../migrations/0015_catalog_search_by_state.postgres.sql"),
        },
    ),
    (
        16,
        "catalog_search_by_name",
        Sql::PerBackend {
            sqlite: include_str!("../migrations/0016_catalog_search_by_name.sqlite.sql"),
            postgres: include_str!("../migrations/0016_catalog_search_by_name.postgres.sql"),
        },
    ),
    (
        17,
        "catalog_search_copy",
        Sql::PerBackend {
            sqlite: include_str!("../migrations/0017_catalog_search_copy.sqlite.sql"),
            postgres: include_str!("../migrations/0017_catalog_search_copy.postgres.sql"),
        },
    ),
];

/// An arbitrary constant: the PostgreSQL advisory lock that serialises migrations between
/// replicas starting together.
const MIGRATION_LOCK: i64 = 0x0971_3a00;

/// How long an SQLite connection waits for another's write lock before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 30_000;

/// The connection pool and which backend it talks to.
#[derive(Debug, Clone)]
pub struct Db {
    /// The pool, for reads and single-statement writes.
    pub pool: AnyPool,
    /// The backend.
    pub backend: Backend,
    /// Where write transactions run: on SQLite a pool of one connection, so this process's
    /// writers queue in order instead of polling SQLite's lock; on PostgreSQL, `pool`.
    writer: AnyPool,
    /// The SQLite database file (none in memory and on PostgreSQL): its lock files sit beside it.
    sqlite_file: Option<PathBuf>,
    /// Counts of synced tables' live rows, by query, with the table version each was taken at.
    counts: Arc<std::sync::Mutex<HashMap<String, (i64, i64)>>>,
    /// Page anchors of synced tables' lists, by query (see [`Db::page_anchor`]).
    anchors: Arc<std::sync::Mutex<HashMap<String, Arc<PageAnchors>>>>,
    /// Rows from one page anchor to the next.
    anchor_spacing: Arc<AtomicUsize>,
    /// How searches choose their way to a page (see [`Db::set_search_tuning`]).
    search_tuning: Arc<std::sync::Mutex<SearchTuning>>,
}

/// How searches of synced tables choose their way to a page, by how many matches they have
/// (see [`Db::set_search_tuning`]). The defaults suit a catalog of 100k to 1M items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchTuning {
    /// Up to this many matches, SQLite reads a search's matches once, for its page and its
    /// count together; beyond it, the index counts them first.
    pub few_matches: usize,
    /// From this many matches on, a page is read from the table's name-ordered index (SQLite's
    /// catalog, migration 16), where sorting every match by name would cost more than the few
    /// lookups there.
    pub by_name_from: usize,
    /// Rows per bucket of a name-ordered index, from its next rebuild: a page of matches reads
    /// the matches of the buckets it spans.
    pub name_bucket_rows: usize,
}

impl Default for SearchTuning {
    fn default() -> Self {
        SearchTuning {
            few_matches: 100,
            by_name_from: 1000,
            name_bucket_rows: 256,
        }
    }
}

/// Rows from one page anchor to the next, unless [`Db::set_page_anchor_spacing`] says
/// otherwise: reaching a page by number reads at most this many rows it does not show.
pub const PAGE_ANCHOR_SPACING: usize = 1000;

/// The name and id of every `spacing`-th row of a list (the first included), in list order, at
/// one version of its table: of the whole list, or of its first `covered` rows.
#[derive(Debug)]
struct PageAnchors {
    version: i64,
    spacing: usize,
    keys: Vec<(String, String)>,
    /// How many rows from the start the anchors cover, `None` for all of them.
    covered: Option<i64>,
}

impl PageAnchors {
    /// Whether the anchor for row `offset` is known.
    fn cover(&self, offset: i64) -> bool {
        self.covered.is_none_or(|rows| offset < rows)
    }
}

/// Where to start reading a page reached by number (see [`Db::page_anchor`]): the rows from the
/// one named here, in list order, skipping `skip` of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageAnchor {
    /// The anchor row's name.
    pub name: String,
    /// The anchor row's id.
    pub id: String,
    /// How many rows from the anchor on precede the page (fewer than the spacing, unless the
    /// page lies past the end of the list).
    pub skip: i64,
}

impl Db {
    /// How many rows of `table` (a synced table: companies, catalog items, opportunities) meet
    /// `filter`, a condition without parameters on columns that lists filter on. Counting a
    /// large table scans it, so a count is kept while the table's version (migration 12, moved
    /// by triggers whenever a row arrives, leaves or changes such a column, in any process)
    /// stays where it was when the count was taken.
    pub async fn live_count(&self, table: &str, filter: &str) -> Result<i64, sqlx::Error> {
        let key = format!("{table} WHERE {filter}");
        // The version is read first: a write committed between the two reads leaves a count
        // filed under an older version, which the next reader finds stale and takes again.
        let version = self.listing_version(table).await?;
        let cached = self
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .copied();
        if let Some((at, count)) = cached
            && at == version
        {
            return Ok(count);
        }
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {key}"))
            .fetch_one(&self.pool)
            .await?;
        self.counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, (version, count));
        Ok(count)
    }

    /// The version of a synced table's lists (migrations 12 and 14): it moves whenever a row
    /// arrives, leaves, is renamed or changes a column that lists filter on, in any process.
    async fn listing_version(&self, table: &str) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT version FROM listing_versions WHERE table_name = $1")
            .bind(table)
            .fetch_one(&self.pool)
            .await
    }

    /// Where a page starting at row `offset` (from 0) of the list of `table` where `filter`
    /// holds, in (name, id) order, can be read from without reading every row before it; `None`
    /// when `offset` is within the first anchor spacing, where skipping rows costs little.
    ///
    /// The anchors (every [`PAGE_ANCHOR_SPACING`]-th row's name and id) are kept while the
    /// table's listing version stays where it was, as [`Db::live_count`] keeps counts. A page
    /// past those known finds them with one walk over the rows before it, as deep as itself or
    /// twice as deep as those known; the pages after it read at most a spacing of rows each.
    pub async fn page_anchor(
        &self,
        table: &str,
        filter: &str,
        offset: i64,
    ) -> Result<Option<PageAnchor>, sqlx::Error> {
        let spacing = self.anchor_spacing.load(Relaxed).max(1);
        if offset < spacing as i64 {
            return Ok(None);
        }
        let key = format!("{table} WHERE {filter}");
        let version = self.listing_version(table).await?;
        let cached = self
            .anchors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .filter(|a| a.version == version && a.spacing == spacing)
            .cloned();
        let anchors = match cached {
            Some(anchors) if anchors.cover(offset) => anchors,
            known => {
                let deeper = known.and_then(|a| a.covered).unwrap_or(0).saturating_mul(2);
                let rows = offset.saturating_add(1).max(deeper);
                let anchors = self
                    .find_anchors(table, filter, version, spacing, rows)
                    .await?;
                let anchors = Arc::new(anchors);
                self.anchors
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key, anchors.clone());
                anchors
            }
        };
        let nearest = (offset as usize / spacing).min(anchors.keys.len().saturating_sub(1));
        Ok(anchors.keys.get(nearest).map(|(name, id)| PageAnchor {
            name: name.clone(),
            id: id.clone(),
            skip: offset - (nearest * spacing) as i64,
        }))
    }

    /// The anchors of the first `rows` rows of the list of `table` where `filter` holds, found
    /// in the database so that only the anchors cross to this process.
    async fn find_anchors(
        &self,
        table: &str,
        filter: &str,
        version: i64,
        spacing: usize,
        rows: i64,
    ) -> Result<PageAnchors, sqlx::Error> {
        // Each anchor is found from the one before it, by skipping `spacing` rows of the name
        // index: a walk over the rows once, with nothing sorted or held (a window numbering the
        // rows would be re-sorted by both backends). Whether the list ends within `rows` is
        // the kept count's to say.
        let found = sqlx::query(&format!(
            "WITH RECURSIVE anchors (k, name, id) AS ( \
               SELECT 0, name, id FROM (SELECT name, id FROM {table} WHERE {filter} \
                 ORDER BY name, id LIMIT 1) AS head \
               UNION ALL \
               SELECT a.k + 1, next.name, next.id FROM anchors a JOIN {table} next ON next.id = ( \
                 SELECT id FROM {table} WHERE {filter} AND (name, id) >= (a.name, a.id) \
                 ORDER BY name, id LIMIT 1 OFFSET $1) \
               WHERE (a.k + 1) * $1 < $2) \
             SELECT name, id FROM anchors ORDER BY k"
        ))
        .bind(spacing as i64)
        .bind(rows)
        .fetch_all(&self.pool)
        .await?;
        let listed = self.live_count(table, filter).await?;
        let keys = found
            .iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("id")?)))
            .collect::<Result<Vec<(String, String)>, sqlx::Error>>()?;
        Ok(PageAnchors {
            version,
            spacing,
            keys,
            covered: (listed > rows).then_some(rows),
        })
    }

    /// Sets the rows from one page anchor to the next (for tests that page through a few rows,
    /// and for tuning); the anchors kept are found again at the next page.
    pub fn set_page_anchor_spacing(&self, spacing: usize) {
        self.anchor_spacing.store(spacing.max(1), Relaxed);
    }

    /// Sets how searches choose their way to a page (for tests that page through a few rows
    /// across every way, and for tuning).
    pub fn set_search_tuning(&self, tuning: SearchTuning) {
        *self.search_tuning.lock().unwrap_or_else(|e| e.into_inner()) = SearchTuning {
            name_bucket_rows: tuning.name_bucket_rows.max(1),
            ..tuning
        };
    }

    /// How searches choose their way to a page.
    pub fn search_tuning(&self) -> SearchTuning {
        *self.search_tuning.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Connects (creating the SQLite file and its directory if needed, both private to the
    /// owner).
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(DbError::UnsupportedUrl(redact_url(url)));
        };
        let sqlite_file = match backend {
            Backend::Sqlite => sqlite_file(url),
            Backend::Postgres => None,
        };
        if let Some(file) = &sqlite_file {
            create_private_file(file)?;
        }
        // An in-memory SQLite database lives and dies with its connection: keep exactly one.
        let in_memory = backend == Backend::Sqlite && sqlite_file.is_none();
        let max_connections = match backend {
            Backend::Sqlite if in_memory => 1,
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let pool = pool_options(backend, max_connections, in_memory)
            .connect(url)
            .await?;
        let writer = if backend == Backend::Sqlite && !in_memory {
            // Writers wait their turn here, in order; the acquire timeout is the longest a
            // write request queues behind others in this process.
            pool_options(backend, 1, false)
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await?
        } else {
            pool.clone()
        };
        let db = Db {
            pool,
            backend,
            writer,
            sqlite_file,
            counts: Arc::default(),
            anchors: Arc::default(),
            anchor_spacing: Arc::new(AtomicUsize::new(PAGE_ANCHOR_SPACING)),
            search_tuning: Arc::default(),
        };
        if backend == Backend::Sqlite && !in_memory {
            // Switching to WAL takes an exclusive lock that SQLite's busy timeout does not wait
            // for: a second process starting at the same moment would fail. Take turns.
            let _turn = db.process_lock("migrate", true).await?;
            db.pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        Ok(db)
    }

    /// Begins a write transaction. On SQLite it is `BEGIN IMMEDIATE` on the writer connection:
    /// the write lock is taken up front, where the busy timeout applies, rather than on the
    /// first write after a read, where SQLite fails at once (`database is locked`) instead of
    /// waiting. Use it for every transaction that writes.
    pub async fn begin(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.writer.begin().await,
        }
    }

    /// The lock file named `name` beside the SQLite database (none in memory or on PostgreSQL).
    pub fn lock_file_path(&self, name: &str) -> Option<PathBuf> {
        let file = self.sqlite_file.as_ref()?;
        let mut lock = file.as_os_str().to_owned();
        lock.push(format!(".{name}.lock"));
        Some(PathBuf::from(lock))
    }

    /// Takes the process-spanning file lock `name` on SQLite, waiting for it when `wait`;
    /// `Ok(None)` when there is nothing to lock (memory, PostgreSQL) or, not waiting, someone
    /// else holds it (see [`Db::lock_file_path`] and [`crate::lock_file`]).
    async fn process_lock(&self, name: &str, wait: bool) -> Result<Option<FileLock>, DbError> {
        let Some(path) = self.lock_file_path(name) else {
            return Ok(None);
        };
        let io = |source| DbError::DataDir {
            path: path.display().to_string(),
            source,
        };
        Ok(FileLock::acquire(path.clone(), wait)
            .await
            .map_err(io)?
            .ok())
    }

    /// Applies every migration not yet applied. Processes starting together take turns: through
    /// an advisory lock on PostgreSQL, a lock file beside the database on SQLite.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let _turn = self.process_lock("migrate", true).await?;
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
                let mut tx = match self.backend {
                    Backend::Sqlite => {
                        sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?
                    }
                    Backend::Postgres => sqlx::Connection::begin(&mut *conn).await?,
                };
                tx.execute(sql.for_backend(self.backend)).await?;
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

fn pool_options(backend: Backend, max_connections: u32, in_memory: bool) -> AnyPoolOptions {
    let mut options = AnyPoolOptions::new();
    if in_memory {
        options = options
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
    }
    options
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // Per connection: cascades need foreign keys on; writers wait rather
                    // than fail while another process holds the write lock.
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute(&*format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}"))
                        .await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    // 16 MiB of page cache (the default is 2 MiB): a sync's batch touches
                    // pages all over the name and id indexes, which would otherwise be read
                    // back from the OS for every statement.
                    conn.execute("PRAGMA cache_size = -16384").await?;
                    // Deleted and overwritten content is zeroed, so a value sealed in place
                    // (a field turned secure) leaves no clear text in the file's free space.
                    conn.execute("PRAGMA secure_delete = ON").await?;
                }
                Ok(())
            })
        })
}

/// The database file an SQLite URL names, or `None` for an in-memory database.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Creates the database file (and its directory) readable by the owner only, before SQLite
/// opens it: SQLite gives its `-wal` and `-shm` files the database file's mode, so they are
/// private too. An existing file is left as it is.
fn create_private_file(file: &Path) -> Result<(), DbError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| DbError::DataDir { path, source }
    };
    if let Some(dir) = file.parent().filter(|p| !p.as_os_str().is_empty())
        && !dir.exists()
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(io(dir))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(file).map_err(io(file))?;
    Ok(())
}

/// Creates `schema` in the PostgreSQL database at `url`, so that a test or a tool can work in
/// a schema of its own (`options=-c search_path=<schema>` in its URL).
pub async fn create_schema(url: &str, schema: &str) -> Result<(), DbError> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await?;
    Ok(())
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
    fn sqlite_file_is_found() {
        assert_eq!(
            sqlite_file("sqlite://./data/optima.db?mode=rwc"),
            Some(PathBuf::from("./data/optima.db"))
        );
        assert_eq!(sqlite_file("sqlite:optima.db"), Some("optima.db".into()));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(
            sqlite_file("sqlite://shared?mode=memory&cache=shared"),
            None
        );
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
    }
}
