//! Pausing a table's search indexes for a bulk write, and rebuilding them in one pass
//! afterwards: FTS5 indexes a whole table about eight times faster in one `rebuild` than row by
//! row through its triggers, and PostgreSQL builds an index faster than it updates one.
//!
//! SQLite: while the index keyed by rowid is paused, searches of its table do not use it: they
//! scan the table with a plain `LIKE`, slower but current (the check and the search share a
//! read transaction). Its rebuild and the end of its pause are one transaction. The catalog's
//! name-ordered index (migration 16) is rebuilt after that, in a transaction of its own, and
//! searches meanwhile sort their matches by name instead of reading pages from it: a sync that
//! ends with one rebuild does not wait for the second, and no writer waits for both at once.
//!
//! PostgreSQL: the trigram index on the table itself keeps up with bulk writes and never
//! pauses. The catalog's copy in name order (migration 17) pauses and is rebuilt as SQLite's
//! name-ordered index is, at the same points; meanwhile searches read the table.
//!
//! [`SqlStore::repair_search_indexes`], run at start, rebuilds whatever a stopped process left
//! paused.

use std::time::Instant;

use chrono::Utc;
use sqlx::{Any, AnyConnection, Transaction};

use super::{SqlStore, Stored};
use crate::db::{Backend, timestamp};

/// The tables whose search indexes can pause (the triggers of SQLite's FTS5 indexes, and of
/// PostgreSQL's copy in name order, consult `search_index_paused`).
const PAUSABLE: &[&str] = &["catalog_items"];

/// The tables with a name-ordered search index, and the name its pause goes by in
/// `search_index_paused`. Its triggers stand aside while either pause is there.
const NAME_ORDERED: &[(&str, &str)] = &[("catalog_items", "catalog_items_by_name")];

/// The name under which `table`'s name-ordered index is paused, if it has one.
fn name_ordered_pause(table: &str) -> Option<&'static str> {
    NAME_ORDERED
        .iter()
        .find(|(of, _)| *of == table)
        .map(|(_, pause)| *pause)
}

/// Which of a table's search indexes are paused.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Paused {
    /// The table's own index: on SQLite the FTS5 index keyed by rowid, which every search of
    /// the table uses. On PostgreSQL this pause marks a bulk write under way, and stops only
    /// the name-ordered copy's triggers.
    pub index: bool,
    /// The name-ordered index (SQLite) or copy (PostgreSQL), where the table has one.
    pub by_name: bool,
}

impl SqlStore {
    /// Stops updating `table`'s search indexes row by row; `false` (and nothing done) for a
    /// table without a pausable index.
    pub async fn pause_search_index(&self, table: &str) -> Stored<bool> {
        if !PAUSABLE.contains(&table) {
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

    /// Whether `table`'s search index (the one every search uses) is paused.
    pub async fn search_index_paused(&self, table: &str) -> Stored<bool> {
        let mut conn = self.db.pool.acquire().await?;
        Ok(paused(&mut conn, table).await?.index)
    }

    /// Whether `table`'s name-ordered search index waits for its rebuild (see
    /// [`SqlStore::rebuild_name_ordered_index`]).
    pub async fn name_ordered_index_paused(&self, table: &str) -> Stored<bool> {
        let mut conn = self.db.pool.acquire().await?;
        Ok(paused(&mut conn, table).await?.by_name)
    }

    /// Rebuilds `table`'s paused search index from the table and ends its pause, in one
    /// transaction. A name-ordered index stays paused, for
    /// [`SqlStore::rebuild_name_ordered_index`].
    pub async fn resume_search_index(&self, table: &str) -> Stored<()> {
        if !PAUSABLE.contains(&table) {
            return Ok(());
        }
        let started = Instant::now();
        let mut tx = self.db.begin().await?;
        // PostgreSQL's trigram index on the table itself kept up with the writes.
        if self.db.backend == Backend::Sqlite {
            sqlx::query(&format!(
                "INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')"
            ))
            .execute(&mut *tx)
            .await?;
        }
        if let Some(by_name) = name_ordered_pause(table) {
            sqlx::query(
                "INSERT INTO search_index_paused (tbl, since) VALUES ($1, $2) ON CONFLICT (tbl) DO NOTHING",
            )
            .bind(by_name)
            .bind(timestamp(Utc::now()))
            .execute(&mut *tx)
            .await?;
        }
        end_pause(tx, table, table, started).await
    }

    /// Rebuilds `table`'s paused name-ordered search index, after its other index
    /// ([`SqlStore::resume_search_index`]), and ends its pause, in one transaction. Its name
    /// buckets are chosen again from the names there are now. Nothing to do when it is not
    /// paused, or while the other index still is.
    pub async fn rebuild_name_ordered_index(&self, table: &str) -> Stored<()> {
        let Some(by_name) = name_ordered_pause(table) else {
            return Ok(());
        };
        let started = Instant::now();
        let mut tx = self.db.begin().await?;
        if self.db.backend == Backend::Postgres {
            // Writers of the table wait until the copy is whole (their statements' triggers
            // would skip it while the pause stands); searches go on reading the table itself.
            // The mode conflicts with itself: a second rebuild (another process's start, the
            // CLI's repair after its sync) waits for this one, then finds nothing paused,
            // instead of emptying the copy again after searches have gone back to it.
            sqlx::query(&format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
                .execute(&mut *tx)
                .await?;
        }
        let state = paused(&mut tx, table).await?;
        if state.index || !state.by_name {
            return Ok(());
        }
        if self.db.backend == Backend::Postgres {
            for statement in postgres_copy_rebuild(table, by_name) {
                sqlx::query(&statement).execute(&mut *tx).await?;
            }
            end_pause(tx, table, by_name, started).await?;
            // Its statistics were those of the copy before it was emptied. The rebuild stands
            // either way, and autovacuum analyzes a table this changed soon after.
            if let Err(error) = sqlx::query(&format!("ANALYZE {by_name}"))
                .execute(&self.db.pool)
                .await
            {
                tracing::warn!(table, %error, "could not refresh the statistics of the search copy");
            }
            return Ok(());
        }
        let bucket_rows = self.db.search_tuning().name_bucket_rows;
        // Every `bucket_rows`-th name in name order starts a bucket.
        for statement in [
            format!("DELETE FROM {table}_name_buckets"),
            format!(
                "INSERT INTO {table}_name_buckets (bucket, first_name) \
                 SELECT row_number() OVER (ORDER BY name), name FROM ( \
                   SELECT DISTINCT name FROM ( \
                     SELECT name, row_number() OVER (ORDER BY name) AS position FROM {table}) \
                   WHERE position % {bucket_rows} = 1 % {bucket_rows})"
            ),
            format!("INSERT INTO {by_name}_fts({by_name}_fts) VALUES ('rebuild')"),
        ] {
            sqlx::query(&statement).execute(&mut *tx).await?;
        }
        end_pause(tx, table, by_name, started).await
    }

    /// Rebuilds every search index a stopped process left paused.
    pub async fn repair_search_indexes(&self) -> Stored<()> {
        let paused: Vec<String> = sqlx::query_scalar("SELECT tbl FROM search_index_paused")
            .fetch_all(&self.db.pool)
            .await?;
        for table in PAUSABLE {
            let by_name = name_ordered_pause(table);
            if paused.iter().any(|p| p == table) {
                tracing::warn!(table, "a search index was left paused; rebuilding it");
                self.resume_search_index(table).await?;
            }
            if by_name.is_some_and(|by_name| paused.iter().any(|p| p == table || p == by_name)) {
                self.rebuild_name_ordered_index(table).await?;
            }
        }
        Ok(())
    }
}

/// The statements that rebuild PostgreSQL's copy of `table` for searches (migration 17), named
/// `copy`, in name order: its indexes are dropped while it is filled, which writes them in one
/// pass each instead of row by row.
fn postgres_copy_rebuild(table: &str, copy: &str) -> [String; 6] {
    [
        format!("TRUNCATE {copy}"),
        format!("DROP INDEX IF EXISTS {copy}_trgm"),
        format!("ALTER TABLE {copy} DROP CONSTRAINT IF EXISTS {copy}_pkey"),
        format!(
            "INSERT INTO {copy} (id, name, inactive, deleted_at, search_key) \
             SELECT id, name, inactive, deleted_at, search_key FROM {table} ORDER BY name, id"
        ),
        format!("ALTER TABLE {copy} ADD PRIMARY KEY (id)"),
        format!("CREATE INDEX {copy}_trgm ON {copy} USING gin (search_key public.gin_trgm_ops)"),
    ]
}

/// Ends the pause named `pause` (an index of `table`) and commits `tx`, which rebuilt that
/// index since `started`.
async fn end_pause(
    mut tx: Transaction<'static, Any>,
    table: &str,
    pause: &str,
    started: Instant,
) -> Stored<()> {
    sqlx::query("DELETE FROM search_index_paused WHERE tbl = $1")
        .bind(pause)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(
        table,
        index = pause,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "search index rebuilt after a bulk write"
    );
    Ok(())
}

/// Which of `table`'s search indexes are paused, read on `conn` (inside a caller's
/// transaction).
pub(crate) async fn paused(conn: &mut AnyConnection, table: &str) -> Stored<Paused> {
    if !PAUSABLE.contains(&table) {
        return Ok(Paused::default());
    }
    let by_name = name_ordered_pause(table);
    let found: Vec<String> =
        sqlx::query_scalar("SELECT tbl FROM search_index_paused WHERE tbl IN ($1, $2)")
            .bind(table)
            .bind(by_name.unwrap_or(table))
            .fetch_all(conn)
            .await?;
    Ok(Paused {
        index: found.iter().any(|p| p == table),
        by_name: by_name.is_some_and(|by_name| found.iter().any(|p| p == by_name)),
    })
}
