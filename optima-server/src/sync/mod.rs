//! Copying records from the vendors into the database: full (which also finds deletions) and
//! incremental (only what changed since the newest `lastUpdated` seen), on demand
//! (`optima-server sync …`) and on a schedule. One replica at a time runs a given kind.
//!
//! Each kind of record is a [`Source`]; [`run`] does the rest the same way for all of them:
//! locking, counting, batching writes, telling new from changed from unchanged, marking
//! deletions, remembering the watermark, and reporting.

pub mod callbacks;
pub(crate) mod catalog;
mod companies;
mod opportunities;
pub mod unifi_sites;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Transaction};

pub use catalog::{CatalogItems, CatalogRow};
pub use companies::Companies;
pub use opportunities::{Opportunities, is_closed};

use crate::db::{Backend, timestamp};
use crate::lock_file::{FileLock, LockHolder};
use crate::state::AppState;
use crate::store::sync_state::advisory;
use crate::store::{SqlStore, StoreError, Stored};

/// Full or incremental.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Everything; records no longer at the vendor are marked deleted.
    Full,
    /// Only records changed since the last sync's watermark (a full sync if there is none).
    Incremental,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SyncReport {
    /// Which kind of record.
    pub kind: String,
    /// Whether it ran full.
    pub full: bool,
    /// Records received from the vendor.
    pub fetched: u64,
    /// New here.
    pub created: u64,
    /// Changed.
    pub updated: u64,
    /// Seen before and not changed.
    pub unchanged: u64,
    /// No longer at the vendor (full syncs only).
    pub deleted: u64,
    /// Records the vendor sent without an id, skipped.
    pub skipped: u64,
    /// How long it took, in milliseconds.
    pub elapsed_ms: u64,
}

impl std::fmt::Display for SyncReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {} fetched, {} created, {} updated, {} unchanged, {} deleted, {} skipped in {:.1} s",
            self.kind,
            if self.full { "full" } else { "incremental" },
            self.fetched,
            self.created,
            self.updated,
            self.unchanged,
            self.deleted,
            self.skipped,
            self.elapsed_ms as f64 / 1000.0
        )
    }
}

/// Why a sync did not complete. Whatever was written before the failure stays written, and
/// the watermark does not move, so the next run picks up from where this one started.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The vendor is not configured.
    #[error("{0} is not configured")]
    NotConfigured(&'static str),
    /// Another replica, process or task is running this sync.
    #[error("{0}")]
    Busy(RunningSync),
    /// ConnectWise failed.
    #[error("ConnectWise: {0}")]
    ConnectWise(Box<optima_connectwise::Error>),
    /// The UniFi controller failed.
    #[error("UniFi: {0}")]
    Unifi(Box<optima_unifi::Error>),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] StoreError),
    /// The task writing the sync's rows stopped before it finished (the runtime was shutting
    /// down under it).
    #[error("the sync's writer stopped before it finished")]
    WriterStopped,
}

impl From<sqlx::Error> for SyncError {
    fn from(e: sqlx::Error) -> Self {
        SyncError::Database(e.into())
    }
}

impl From<optima_connectwise::Error> for SyncError {
    fn from(e: optima_connectwise::Error) -> Self {
        SyncError::ConnectWise(Box::new(e))
    }
}

impl From<optima_unifi::Error> for SyncError {
    fn from(e: optima_unifi::Error) -> Self {
        SyncError::Unifi(Box::new(e))
    }
}

/// Where progress goes: a progress bar on the command line, nowhere in the server.
pub trait Progress: Send + Sync {
    /// A sync of `kind` starts; `total` when the vendor could say.
    fn begin(&self, kind: &str, total: Option<u64>);
    /// `n` more records handled.
    fn advance(&self, n: u64);
    /// It ended.
    fn end(&self, report: &SyncReport);
}

/// Progress that goes nowhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Progress for Quiet {
    fn begin(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn end(&self, _: &SyncReport) {}
}

/// One kind of record copied from a vendor into one table.
///
/// The table has at least `id TEXT PRIMARY KEY`, `cw_id BIGINT UNIQUE`, `cw_last_updated TEXT`,
/// `deleted_at TEXT`, `created_at` and `updated_at`.
#[async_trait]
pub trait Source: Send + Sync + 'static {
    /// The record.
    type Item: Send + 'static;
    /// What is written of a record: for a kind synced in bulk, the record cut down to the
    /// stored columns, so that batches waiting for the database hold only those.
    type Row: Send + Sync + 'static;
    /// Name in reports, locks and `sync_state` (`companies`).
    const KIND: &'static str;
    /// The table.
    const TABLE: &'static str;

    /// Every record changed since `since` (every record when `None`).
    async fn fetch(
        &self,
        state: &AppState,
        since: Option<DateTime<Utc>>,
    ) -> Result<BoxStream<'static, Result<Self::Item, SyncError>>, SyncError>;
    /// How many records `fetch` will yield, when the vendor can say.
    async fn count(&self, state: &AppState, since: Option<DateTime<Utc>>) -> Option<u64>;
    /// The vendor's id of a record.
    fn vendor_id(item: &Self::Item) -> Option<i64>;
    /// When the vendor last changed it.
    fn last_updated(item: &Self::Item) -> Option<DateTime<Utc>>;
    /// The row to write for a record the vendor calls `vendor_id`.
    fn row(vendor_id: i64, item: Self::Item) -> Self::Row;
    /// Writes a record: an insert with a new `id` when `existing` is `None`, else an update of
    /// that row (which also clears `deleted_at`).
    async fn write(
        tx: &mut Transaction<'_, Any>,
        row: &Self::Row,
        existing: Option<&str>,
        now: &str,
    ) -> Stored<()>;
    /// Writes a batch of rows as [`Source::write`] would. One by one unless a kind synced in
    /// bulk writes many rows per statement.
    async fn write_batch(
        tx: &mut Transaction<'_, Any>,
        rows: &[(Self::Row, Option<String>)],
        now: &str,
    ) -> Stored<()> {
        for (row, existing) in rows {
            Self::write(tx, row, existing.as_deref(), now).await?;
        }
        Ok(())
    }
}

/// How many records go into one transaction: large enough that SQLite is not bound by
/// commits (each one writes every index page the batch touched, and flushes the search
/// index), small enough that a failure loses little and a batch of rows stays a few MB.
const BATCH: usize = 5000;

/// A sync that writes at least 1/`PAUSE_INDEX_RATIO` of a table's rows pauses its search index
/// and rebuilds it at the end: for SQLite's FTS5, one rebuild of the whole table costs about
/// what incremental updates of an eighth of it do.
const PAUSE_INDEX_RATIO: usize = 4;

/// Rows changed by a sync from which the table's statistics are refreshed (`ANALYZE`).
const ANALYZE_AFTER: u64 = 1000;

/// A sync found its kind already running: which kind, and who runs it since when, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningSync {
    /// The kind of sync (`catalog`).
    pub kind: &'static str,
    /// Who holds its lock, as the holder described itself.
    pub holder: Option<LockHolder>,
}

impl std::fmt::Display for RunningSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a {} sync is already running", self.kind)?;
        match &self.holder {
            Some(holder) => write!(f, " ({holder})"),
            None => f.write_str(" (in another process)"),
        }
    }
}

/// What a sync does when another is running the same kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WhenBusy {
    /// Give up at once with [`SyncError::Busy`].
    #[default]
    Fail,
    /// Wait for the other to finish, then run.
    Wait,
}

#[derive(Debug, Default)]
struct KindSlot {
    running: Arc<tokio::sync::Mutex<()>>,
    holder: std::sync::Mutex<Option<LockHolder>>,
}

/// One lock per kind of sync within a server, which keeps the schedule and an on-demand run in
/// one process apart; [`lock_kind`] adds the lock that keeps processes apart.
#[derive(Debug, Default)]
pub struct SyncLocks(std::sync::Mutex<HashMap<&'static str, Arc<KindSlot>>>);

impl SyncLocks {
    fn get(&self, kind: &'static str) -> Arc<KindSlot> {
        let mut locks = self.0.lock().unwrap_or_else(|e| e.into_inner());
        locks.entry(kind).or_default().clone()
    }
}

/// A stable number per kind for PostgreSQL's advisory locks. The lock is the pair (this,
/// a hash of the current schema): advisory locks are per database, and deployments (or tests)
/// that share a database in separate schemas must not block each other's syncs.
fn lock_key(kind: &str) -> i32 {
    let h = kind.bytes().fold(0x0971_5e00_i64, |h, b| {
        h.wrapping_mul(31).wrapping_add(b as i64)
    });
    (h ^ (h >> 32)) as i32
}

/// The right to run one kind of sync, in this process and across processes. Release it with
/// [`KindLock::release`]; merely dropping it releases too, less tidily on PostgreSQL (the
/// connection holding the advisory lock is closed rather than reused).
#[derive(Debug)]
pub struct KindLock {
    slot: Arc<KindSlot>,
    _local: tokio::sync::OwnedMutexGuard<()>,
    _file: Option<FileLock>,
    advisory: Option<(i32, PoolConnection<Any>)>,
}

impl KindLock {
    /// Lets go of the lock.
    pub async fn release(mut self) {
        if let Some((key, mut conn)) = self.advisory.take()
            && advisory::unlock(&mut conn, key).await.is_err()
        {
            conn.close_on_drop();
        }
    }
}

impl Drop for KindLock {
    fn drop(&mut self) {
        *self.slot.holder.lock().unwrap_or_else(|e| e.into_inner()) = None;
        if let Some((_, conn)) = &mut self.advisory {
            // Not released by `release` (a failure or cancellation on the way): closing the
            // session is what frees its advisory lock.
            conn.close_on_drop();
        }
    }
}

/// Takes the lock for `kind`: the in-process lock, then across processes a lock file beside
/// the SQLite database or an advisory lock on PostgreSQL. With [`WhenBusy::Fail`] a lock held
/// elsewhere is [`SyncError::Busy`], naming the holder where it can be known.
pub async fn lock_kind(
    state: &AppState,
    kind: &'static str,
    when_busy: WhenBusy,
) -> Result<KindLock, SyncError> {
    let slot = state.sync_locks.get(kind);
    let busy = |holder: Option<LockHolder>| SyncError::Busy(RunningSync { kind, holder });
    let local = match when_busy {
        WhenBusy::Wait => Some(slot.running.clone().lock_owned().await),
        WhenBusy::Fail => slot.running.clone().try_lock_owned().ok(),
    };
    let local = match local {
        Some(guard) => guard,
        None => {
            let holder = slot
                .holder
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            return Err(busy(holder));
        }
    };
    let db = state.store.db();
    let mut file = None;
    let mut advisory = None;
    if let Some(path) = db.lock_file_path(&format!("sync-{kind}")) {
        let io = |e: std::io::Error| {
            SyncError::from(sqlx::Error::Io(std::io::Error::new(
                e.kind(),
                format!("lock file {}: {e}", path.display()),
            )))
        };
        file = Some(
            match FileLock::acquire(path.clone(), false).await.map_err(io)? {
                Ok(lock) => lock,
                Err(holder) if when_busy == WhenBusy::Wait => {
                    let running = RunningSync { kind, holder };
                    tracing::info!(%running, "waiting for it to finish");
                    FileLock::acquire(path.clone(), true)
                        .await
                        .map_err(io)?
                        .map_err(busy)?
                }
                Err(holder) => return Err(busy(holder)),
            },
        );
    } else if db.backend == Backend::Postgres {
        let key = lock_key(kind);
        let mut conn = db.pool.acquire().await?;
        let mut locked = advisory::try_lock(&mut conn, key, &application_name(kind)).await?;
        if !locked && when_busy == WhenBusy::Wait {
            let running = RunningSync {
                kind,
                holder: advisory::holder(&mut conn, key).await,
            };
            tracing::info!(%running, "waiting for it to finish");
            advisory::lock(&mut conn, key).await?;
            locked = true;
        }
        if !locked {
            let _ = advisory::forget_name(&mut conn).await;
            return Err(busy(advisory::holder(&mut conn, key).await));
        }
        advisory = Some((key, conn));
    }
    *slot.holder.lock().unwrap_or_else(|e| e.into_inner()) = Some(LockHolder {
        since: Utc::now(),
        who: crate::lock_file::this_process(),
    });
    Ok(KindLock {
        slot,
        _local: local,
        _file: file,
        advisory,
    })
}

/// What a PostgreSQL session holding a sync's lock calls itself (at most 63 bytes are kept).
fn application_name(kind: &str) -> String {
    let mut name = format!("optima {kind} sync, pid {}", std::process::id());
    if let Ok(host) = whoami::fallible::hostname() {
        name.push_str(" on ");
        name.push_str(&host);
    }
    catalog::truncate(name, 63)
}

/// Runs one sync of `source`, holding the lock for its kind for the whole run.
pub async fn run<S: Source>(
    state: &AppState,
    source: &S,
    mode: SyncMode,
    progress: &dyn Progress,
) -> Result<SyncReport, SyncError> {
    run_with(state, source, mode, progress, WhenBusy::Fail).await
}

/// [`run`], waiting for a running sync of the same kind when `when_busy` says so.
pub async fn run_with<S: Source>(
    state: &AppState,
    source: &S,
    mode: SyncMode,
    progress: &dyn Progress,
    when_busy: WhenBusy,
) -> Result<SyncReport, SyncError> {
    let result = match lock_kind(state, S::KIND, when_busy).await {
        Ok(lock) => {
            let result = run_locked(state, source, mode, progress).await;
            lock.release().await;
            result
        }
        Err(busy) => Err(busy),
    };
    finished(state, S::KIND, result.as_ref()).await;
    result
}

/// Counts a finished run in the metrics and keeps a failure (not a busy or unconfigured kind)
/// for the status route.
pub(crate) async fn finished(
    state: &AppState,
    kind: &'static str,
    result: Result<&SyncReport, &SyncError>,
) {
    crate::metrics::sync_run(kind, result);
    if let Err(e) = result
        && !matches!(e, SyncError::Busy(_) | SyncError::NotConfigured(_))
    {
        let now = timestamp(Utc::now());
        if let Err(store) = state
            .store
            .record_sync_failure(kind, &now, &e.to_string())
            .await
        {
            tracing::warn!(error = %store, kind, "could not record a failed sync");
        }
    }
}

async fn run_locked<S: Source>(
    state: &AppState,
    source: &S,
    mode: SyncMode,
    progress: &dyn Progress,
) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let store = &state.store;
    let watermark = store.sync_watermark(S::KIND).await?;
    let since = match mode {
        SyncMode::Full => None,
        SyncMode::Incremental => watermark,
    };
    let full = since.is_none();
    let mut report = SyncReport {
        kind: S::KIND.to_owned(),
        full,
        ..SyncReport::default()
    };

    let existing = store.synced_rows(S::TABLE).await?;

    progress.begin(S::KIND, source.count(state, since).await);
    let mut stream = source.fetch(state, since).await?;
    let mut seen: HashSet<i64> = HashSet::new();
    let mut newest = watermark;
    let now = timestamp(Utc::now());
    // Reading from the vendor and writing to the database overlap: batches go to the writer
    // through a short queue while the next page is fetched and parsed.
    let (to_writer, batches) = tokio::sync::mpsc::channel::<Batch<S>>(2);
    let read = async {
        // Owned here, so that the writer sees the queue close when reading ends.
        let to_writer = to_writer;
        let mut batch: Batch<S> = Vec::with_capacity(BATCH);
        while let Some(item) = stream.next().await {
            if to_writer.is_closed() {
                // The writer failed: reading on is wasted, and its error is the one to report.
                return Ok(());
            }
            let item = item?;
            report.fetched += 1;
            progress.advance(1);
            let Some(vendor_id) = S::vendor_id(&item) else {
                report.skipped += 1;
                continue;
            };
            if !seen.insert(vendor_id) {
                // Pages shifted under a running sync and repeated a record.
                continue;
            }
            let updated = S::last_updated(&item);
            if let Some(u) = updated {
                newest = Some(newest.map_or(u, |n| n.max(u)));
            }
            match existing.get(vendor_id) {
                Some(e)
                    if !e.deleted()
                        && e.last_updated_ms().is_some()
                        && e.last_updated_ms() == updated.map(|u| u.timestamp_millis()) =>
                {
                    report.unchanged += 1;
                }
                Some(e) => {
                    report.updated += 1;
                    batch.push((S::row(vendor_id, item), Some(e.id())));
                }
                None => {
                    report.created += 1;
                    batch.push((S::row(vendor_id, item), None));
                }
            }
            if batch.len() >= BATCH {
                let full_batch = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if to_writer.send(full_batch).await.is_err() {
                    return Ok(());
                }
            }
        }
        if !batch.is_empty() {
            let _ = to_writer.send(batch).await;
        }
        Ok::<(), SyncError>(())
    };
    // The writer is a task of its own, so that it runs beside the reader's parsing (on
    // another core when there is one) instead of waiting for the reader to yield.
    let mut writer = AbortOnDrop(tokio::spawn(write_batches::<S>(
        store.clone(),
        batches,
        existing.len(),
        now.clone(),
    )));
    // Whether reading ended or failed, the queue is closed now: the writer writes what was
    // read before the end (at most three batches) and stops.
    let read = read.await;
    let (paused, write) = match (&mut writer.0).await {
        Ok(outcome) => outcome,
        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        // Cancelled under us: whether it had paused the index is read back (and taken as
        // paused when that fails too, so that the index is rebuilt).
        Err(_) => (
            store.search_index_paused(S::TABLE).await.unwrap_or(true),
            Err(SyncError::WriterStopped),
        ),
    };
    let finished = match read.and(write) {
        Ok(()) if full => mark_gone::<S>(store, &existing, &seen, &now).await,
        Ok(()) => Ok(0),
        Err(e) => Err(e),
    };
    // Failed or not, a paused index is rebuilt from what was written. After a failure, that
    // failure is the one reported; the next start rebuilds an index still paused.
    let mut rebuild_by_name = false;
    if paused {
        match store.resume_search_index(S::TABLE).await {
            Ok(()) => rebuild_by_name = true,
            Err(resume) => match &finished {
                Ok(_) => return Err(resume.into()),
                Err(_) => tracing::warn!(
                    table = S::TABLE,
                    error = %resume,
                    "could not rebuild the search index after a failed sync"
                ),
            },
        }
    }
    let outcome = async {
        report.deleted = finished?;
        // After a bulk change, fresh planner statistics: without them both backends take the
        // flag columns of a list for selective and read the table row by row.
        if report.created + report.updated + report.deleted >= ANALYZE_AFTER {
            store.analyze(S::TABLE).await?;
        }
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        store
            .record_sync(
                S::KIND,
                newest.map(timestamp),
                full,
                &now,
                serde_json::to_string(&report).unwrap_or_default(),
            )
            .await?;
        Ok::<_, SyncError>(report)
    }
    .await;
    // Searches are whole again; the name-ordered index, which only makes the pages of common
    // terms faster, follows without holding the sync's last writes up.
    if rebuild_by_name {
        let (store, table) = (store.clone(), S::TABLE);
        tokio::spawn(async move {
            if let Err(error) = store.rebuild_name_ordered_index(table).await {
                tracing::warn!(
                    table,
                    %error,
                    "could not rebuild the name-ordered search index; the next start will"
                );
            }
        });
    }
    let report = outcome?;
    progress.end(&report);
    tracing::info!(%report, "sync finished");
    Ok(report)
}

/// Marks deleted the rows a full sync did not see; answers how many.
async fn mark_gone<S: Source>(
    store: &crate::store::SqlStore,
    existing: &crate::store::sync_state::SyncedRows,
    seen: &HashSet<i64>,
    now: &str,
) -> Result<u64, SyncError> {
    let gone: Vec<i64> = existing
        .live_vendor_ids()
        .filter(|id| !seen.contains(id))
        .collect();
    for chunk in gone.chunks(BATCH) {
        store.mark_deleted(S::TABLE, chunk, now).await?;
    }
    Ok(gone.len() as u64)
}

/// Writes the batches `batches` brings, each in a transaction of its own, pausing the table's
/// search index once they add up to a good part of its `table_rows`. Answers whether it paused
/// the index (which the caller then rebuilds, whatever the outcome) and how the writes went.
async fn write_batches<S: Source>(
    store: SqlStore,
    mut batches: tokio::sync::mpsc::Receiver<Batch<S>>,
    table_rows: usize,
    now: String,
) -> (bool, Result<(), SyncError>) {
    let mut paused = false;
    let mut written = 0usize;
    while let Some(batch) = batches.recv().await {
        written += batch.len();
        // Once the rows written reach a quarter of the table, the search index is cheaper
        // rebuilt in one pass at the end than kept up row by row (where it can pause: the
        // catalog's FTS5 indexes on SQLite, its copy in name order on PostgreSQL).
        if !paused && written.saturating_mul(PAUSE_INDEX_RATIO) >= table_rows {
            match store.pause_search_index(S::TABLE).await {
                Ok(p) => paused = p,
                Err(e) => return (paused, Err(e.into())),
            }
        }
        if let Err(e) = write_batch::<S>(&store, &batch, &now).await {
            return (paused, Err(e));
        }
    }
    (paused, Ok(()))
}

/// A spawned task that is asked to stop when its handle is dropped: the writer of a sync
/// dropped half-way (its caller gave up) stops at its next await instead of writing on for the
/// rest of the run without its lock.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Rows on their way to the database, with the ids of those already there.
type Batch<S> = Vec<(<S as Source>::Row, Option<String>)>;

async fn write_batch<S: Source>(
    store: &SqlStore,
    batch: &Batch<S>,
    now: &str,
) -> Result<(), SyncError> {
    let mut tx = store.db().begin().await?;
    S::write_batch(&mut tx, batch, now).await?;
    tx.commit().await?;
    Ok(())
}

/// What can be synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SyncTarget {
    /// Companies from ConnectWise.
    Companies,
    /// Procurement catalog items from ConnectWise.
    Catalog,
    /// Sales opportunities from ConnectWise.
    Opportunities,
    /// UniFi sites from the controller.
    UnifiSites,
    /// Everything configured.
    All,
}

/// Runs the syncs a target names, in order, stopping at the first failure. Kinds whose vendor
/// is not configured are skipped by `All` and refused when named. A kind already syncing
/// elsewhere is [`SyncError::Busy`].
pub async fn run_target(
    state: &AppState,
    target: SyncTarget,
    mode: SyncMode,
    progress: &dyn Progress,
) -> Result<Vec<SyncReport>, SyncError> {
    run_target_with(state, target, mode, progress, WhenBusy::Fail).await
}

/// [`run_target`], waiting for running syncs of the same kinds when `when_busy` says so.
pub async fn run_target_with(
    state: &AppState,
    target: SyncTarget,
    mode: SyncMode,
    progress: &dyn Progress,
    when_busy: WhenBusy,
) -> Result<Vec<SyncReport>, SyncError> {
    let cw = state.integrations.connectwise.is_some();
    let kinds: Vec<Kind> = match target {
        SyncTarget::Companies | SyncTarget::Catalog | SyncTarget::Opportunities if !cw => {
            return Err(SyncError::NotConfigured("ConnectWise"));
        }
        SyncTarget::Companies => vec![Kind::Companies],
        SyncTarget::Catalog => vec![Kind::Catalog],
        SyncTarget::Opportunities => vec![Kind::Opportunities],
        SyncTarget::UnifiSites => vec![Kind::UnifiSites],
        SyncTarget::All => configured_kinds(state),
    };
    let mut reports = Vec::new();
    for kind in kinds {
        reports.push(run_kind(state, kind, mode, progress, when_busy).await?);
    }
    Ok(reports)
}

/// One kind of sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Companies,
    Catalog,
    Opportunities,
    UnifiSites,
}

/// The kinds `all` runs: those whose vendor is configured.
fn configured_kinds(state: &AppState) -> Vec<Kind> {
    let mut kinds = Vec::new();
    if state.integrations.connectwise.is_some() {
        kinds.extend([Kind::Companies, Kind::Catalog, Kind::Opportunities]);
    }
    if state.integrations.unifi.is_some() {
        kinds.push(Kind::UnifiSites);
    }
    kinds
}

async fn run_kind(
    state: &AppState,
    kind: Kind,
    mode: SyncMode,
    progress: &dyn Progress,
    when_busy: WhenBusy,
) -> Result<SyncReport, SyncError> {
    match kind {
        Kind::Companies => run_with(state, &Companies, mode, progress, when_busy).await,
        Kind::Catalog => run_with(state, &CatalogItems, mode, progress, when_busy).await,
        Kind::Opportunities => run_with(state, &Opportunities, mode, progress, when_busy).await,
        Kind::UnifiSites => unifi_sites_report(state, progress, when_busy).await,
    }
}

/// Syncs UniFi sites (always in full: a controller has few), reporting progress.
async fn unifi_sites_report(
    state: &AppState,
    progress: &dyn Progress,
    when_busy: WhenBusy,
) -> Result<SyncReport, SyncError> {
    progress.begin(unifi_sites::UNIFI_SITES_KIND, None);
    let outcome = unifi_sites::sync_unifi_sites_with(state, when_busy).await?;
    progress.advance(outcome.report.fetched);
    progress.end(&outcome.report);
    Ok(outcome.report)
}

/// One scheduled run: every configured kind in turn. A kind another process (or an on-demand
/// run) is syncing is logged and left to it, and a kind that fails is logged; neither stops
/// the kinds after it. Returns each kind's outcome, in order.
pub async fn run_scheduled(state: &AppState, mode: SyncMode) -> Vec<Result<SyncReport, SyncError>> {
    let mut outcomes = Vec::new();
    for kind in configured_kinds(state) {
        let outcome = run_kind(state, kind, mode, &Quiet, WhenBusy::Fail).await;
        match &outcome {
            Ok(_) => {}
            Err(SyncError::Busy(running)) => {
                let holder = running.holder.as_ref().map(ToString::to_string);
                tracing::info!(
                    kind = running.kind,
                    holder,
                    "scheduled sync skipped this kind: it is already running elsewhere"
                );
            }
            Err(e) => tracing::warn!(kind = ?kind, error = %e, "scheduled sync failed"),
        }
        outcomes.push(outcome);
    }
    outcomes
}

/// Runs every configured kind every `interval`: the first run and every 24th after it full,
/// the others incremental (see [`run_scheduled`]).
pub async fn schedule(state: Arc<AppState>, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut run_number: u64 = 0;
    loop {
        ticker.tick().await;
        let mode = if run_number.is_multiple_of(24) {
            SyncMode::Full
        } else {
            SyncMode::Incremental
        };
        run_number += 1;
        run_scheduled(&state, mode).await;
    }
}
