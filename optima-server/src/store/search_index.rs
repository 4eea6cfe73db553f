//! Pausing a table's search index for a bulk write (SQLite's FTS5 catalog index), and
//! rebuilding it in one pass afterwards: FTS5 indexes a whole table about eight times faster
//! in one `rebuild` than row by row through its triggers.
//!
//! While an index is paused, searches of its table do not use it: they scan the table with a
//! plain `LIKE`, slower but current (the check and the search share a read transaction). The
//! rebuild and the end of the pause are one transaction, and
//! [`SqlStore::repair_search_indexes`], run at start, rebuilds an index a crash left paused.
//! PostgreSQL's trigram index keeps up with bulk writes by itself: there nothing pauses.

use chrono::Utc;
use sqlx::AnyConnection;

use super::{SqlStore, Stored};
use crate::db::{Backend, timestamp};

/// The tables whose search index can pause (their triggers consult `search_index_paused`).
const PAUSABLE: &[&str] = &["catalog_items"];

impl SqlStore {
    /// Stops updating `table`'s search index row by row; `false` (and nothing done) where that
    /// cannot be done: on PostgreSQL, or for a table without a pausable index.
    pub async fn pause_search_index(&self, table: &str) -> Stored<bool> {
        if self.db.backend != Backend::Sqlite || !PAUSABLE.contains(&table) {
            return Ok(false);
        }
        sqlx::query("INSERT INTO search_index_paused (tbl, since) VALUES ($1, $2) ON CONFLICT (tbl) DO NOTHING")
            .bind(table)
            .bind(timestamp(Utc::now()))
            .execute(&self.db.pool)
            .await?;
        tracing::debug!(table, "search index paused for a bulk write");
        Ok(true)
    }

    /// Whether `table`'s search index is paused.
    pub async fn search_index_paused(&self, table: &str) -> Stored<bool> {
        let mut conn = self.db.pool.acquire().await?;
        paused(&mut conn, self.db.backend, table).await
    }

    /// Rebuilds `table`'s paused search index from the table and ends the pause, in one
    /// transaction.
    pub async fn resume_search_index(&self, table: &str) -> Stored<()> {
        if !PAUSABLE.contains(&table) {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let mut tx = self.db.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')"
        ))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM search_index_paused WHERE tbl = $1")
            .bind(table)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(
            table,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "search index rebuilt after a bulk write"
        );
        Ok(())
    }

    /// Rebuilds every search index a stopped process left paused.
    pub async fn repair_search_indexes(&self) -> Stored<()> {
        if self.db.backend != Backend::Sqlite {
            return Ok(());
        }
        let paused: Vec<String> = sqlx::query_scalar("SELECT tbl FROM search_index_paused")
            .fetch_all(&self.db.pool)
            .await?;
        for table in paused {
            tracing::warn!(table, "a search index was left paused; rebuilding it");
            self.resume_search_index(&table).await?;
        }
        Ok(())
    }
}

/// Whether `table`'s search index is paused, read on `conn` (inside a caller's transaction).
pub(crate) async fn paused(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
) -> Stored<bool> {
    if backend != Backend::Sqlite || !PAUSABLE.contains(&table) {
        return Ok(false);
    }
    let paused: Option<String> =
        sqlx::query_scalar("SELECT tbl FROM search_index_paused WHERE tbl = $1")
            .bind(table)
            .fetch_optional(conn)
            .await?;
    Ok(paused.is_some())
}
