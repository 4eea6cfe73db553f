//! What the syncs keep between runs (watermarks, the last report) and the rows they compare
//! against; and the PostgreSQL advisory locks that keep one sync of a kind running at a time.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::{Any, Row};

use super::{SqlStore, Stored};
use crate::lock_file::LockHolder;

/// The rows of a synced table, by vendor id, as a full sync compares them with what the vendor
/// sends. A sync holds one entry per row of the table (a million, for a large catalog), so an
/// entry is 40 bytes in one sorted vector: Optima's own ids (32 lower-case hex digits) are kept
/// as the number they spell, and only other ids as text beside it.
#[derive(Debug, Default)]
pub struct SyncedRows {
    /// By vendor id.
    entries: Vec<SyncedEntry>,
    /// The ids that are not 32 lower-case hex digits, by vendor id.
    other_ids: HashMap<i64, Box<str>>,
}

#[derive(Debug, Clone, Copy)]
struct SyncedEntry {
    vendor_id: i64,
    /// The id's high and low 64 bits, when it is hex (else in `other_ids`).
    id: [u64; 2],
    /// Milliseconds since the epoch, or [`i64::MIN`] for none.
    last_updated_ms: i64,
    deleted: bool,
}

/// One row of [`SyncedRows`].
#[derive(Debug, Clone, Copy)]
pub struct SyncedRow<'a> {
    rows: &'a SyncedRows,
    entry: &'a SyncedEntry,
}

impl SyncedRows {
    /// Adds a row as read from the table (a vendor id may be added once).
    pub fn push(&mut self, vendor_id: i64, id: &str, last_updated: Option<&str>, deleted: bool) {
        let hex = id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let id = match u128::from_str_radix(id, 16) {
            Ok(n) if hex => [(n >> 64) as u64, n as u64],
            _ => {
                self.other_ids.insert(vendor_id, id.into());
                [0, 0]
            }
        };
        let last_updated_ms = last_updated
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or(i64::MIN, |t| t.timestamp_millis());
        self.entries.push(SyncedEntry {
            vendor_id,
            id,
            last_updated_ms,
            deleted,
        });
    }

    /// Orders the rows for [`SyncedRows::get`]; call once all are pushed.
    pub fn finish(&mut self) {
        self.entries.sort_unstable_by_key(|e| e.vendor_id);
        self.entries.shrink_to_fit();
    }

    /// The row with this vendor id.
    pub fn get(&self, vendor_id: i64) -> Option<SyncedRow<'_>> {
        let at = self
            .entries
            .binary_search_by_key(&vendor_id, |e| e.vendor_id)
            .ok()?;
        Some(SyncedRow {
            rows: self,
            entry: &self.entries[at],
        })
    }

    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The vendor ids of the rows not marked deleted.
    pub fn live_vendor_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.entries
            .iter()
            .filter(|e| !e.deleted)
            .map(|e| e.vendor_id)
    }
}

impl SyncedRow<'_> {
    /// Optima's id, exactly as stored.
    pub fn id(&self) -> String {
        match self.rows.other_ids.get(&self.entry.vendor_id) {
            Some(id) => id.to_string(),
            None => {
                let [high, low] = self.entry.id;
                format!("{:032x}", (u128::from(high) << 64) | u128::from(low))
            }
        }
    }

    /// When the vendor last changed it, as stored, in milliseconds since the epoch (`None`
    /// when not stored or not readable: the row is then written again).
    pub fn last_updated_ms(&self) -> Option<i64> {
        Some(self.entry.last_updated_ms).filter(|&ms| ms != i64::MIN)
    }

    /// Whether it is marked deleted.
    pub fn deleted(&self) -> bool {
        self.entry.deleted
    }
}

/// A `sync_state` row as the status route shows it (reports as stored JSON).
#[derive(Debug, Clone)]
pub struct SyncStateRow {
    /// The kind of sync.
    pub kind: String,
    /// When the last full run finished.
    pub last_full_at: Option<String>,
    /// Its report (JSON).
    pub last_full_report: Option<String>,
    /// When the last incremental run finished.
    pub last_incremental_at: Option<String>,
    /// Its report (JSON).
    pub last_incremental_report: Option<String>,
    /// When the last failed run failed.
    pub last_failure_at: Option<String>,
    /// Why.
    pub last_failure: Option<String>,
}

/// The newest callback applied for one record type.
#[derive(Debug, Clone)]
pub struct CallbackRow {
    /// `company`, `opportunity`.
    pub record_type: String,
    /// When it was applied.
    pub last_at: String,
    /// How far behind the change it was.
    pub lag_ms: Option<i64>,
    /// Callbacks applied for the type, in all.
    pub applied: i64,
}

/// What [`SqlStore::sync_status`] reads.
#[derive(Debug, Clone)]
pub struct SyncStatusRows {
    /// One per kind of sync that has run.
    pub kinds: Vec<SyncStateRow>,
    /// One per record type callbacks were applied for.
    pub callbacks: Vec<CallbackRow>,
}

impl SqlStore {
    /// Where the last sync of `kind` got to: the newest vendor change it saw.
    pub async fn sync_watermark(&self, kind: &str) -> Stored<Option<DateTime<Utc>>> {
        let watermark: Option<Option<String>> =
            sqlx::query_scalar("SELECT watermark FROM sync_state WHERE kind = $1")
                .bind(kind)
                .fetch_optional(&self.db.pool)
                .await?;
        Ok(watermark
            .flatten()
            .and_then(|w| DateTime::parse_from_rfc3339(&w).ok())
            .map(|w| w.with_timezone(&Utc)))
    }

    /// Every row of a synced `table`, by vendor id. Read as a stream: a million rows held
    /// at once as driver rows would cost half a GB on the way to this much smaller map.
    pub async fn synced_rows(&self, table: &str) -> Stored<SyncedRows> {
        use futures::TryStreamExt as _;
        let sql = format!("SELECT id, cw_id, cw_last_updated, deleted_at FROM {table}");
        let mut rows = sqlx::query(&sql).fetch(&self.db.pool);
        let mut synced = SyncedRows::default();
        while let Some(row) = rows.try_next().await? {
            let deleted: Option<String> = row.try_get("deleted_at")?;
            let id: String = row.try_get("id")?;
            let last_updated: Option<String> = row.try_get("cw_last_updated")?;
            synced.push(
                row.try_get("cw_id")?,
                &id,
                last_updated.as_deref(),
                deleted.is_some(),
            );
        }
        synced.finish();
        Ok(synced)
    }

    /// Marks the rows of `table` with these vendor ids deleted, in one transaction.
    pub async fn mark_deleted(&self, table: &str, vendor_ids: &[i64], now: &str) -> Stored<()> {
        let mut tx = self.db.begin().await?;
        let sql = format!("UPDATE {table} SET deleted_at = $1, updated_at = $1 WHERE cw_id = $2");
        for vendor_id in vendor_ids {
            sqlx::query(&sql)
                .bind(now)
                .bind(vendor_id)
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx.commit().await?)
    }

    /// Whether a ConnectWise callback with this message id was applied already.
    pub async fn callback_applied(&self, message_id: &str) -> Stored<bool> {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT message_id FROM connectwise_callbacks WHERE message_id = $1",
        )
        .bind(message_id)
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Records a ConnectWise callback as applied. Answers false when it already was (another
    /// delivery of the same message, applied at the same time).
    pub async fn record_callback(
        &self,
        message_id: &str,
        record_type: &str,
        record_id: Option<i64>,
        action: &str,
        now: &str,
        lag_ms: Option<i64>,
    ) -> Stored<bool> {
        let done = sqlx::query(
            "INSERT INTO connectwise_callbacks \
             (message_id, record_type, record_id, action, received_at, lag_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(message_id)
        .bind(record_type)
        .bind(record_id)
        .bind(action)
        .bind(now)
        .bind(lag_ms)
        .execute(&self.db.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Fresh planner statistics for `table`, after a bulk change.
    pub async fn analyze(&self, table: &str) -> Stored<()> {
        sqlx::query(&format!("ANALYZE {table}"))
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// Records a finished sync of `kind`: its watermark, when it ran (and whether in full), and
    /// its report.
    pub async fn record_sync(
        &self,
        kind: &str,
        watermark: Option<String>,
        full: bool,
        now: &str,
        report_json: String,
    ) -> Stored<()> {
        sqlx::query(
            "INSERT INTO sync_state (kind, watermark, last_full_at, last_run_at, last_report, \
             last_full_report, last_incremental_at, last_incremental_report) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (kind) DO UPDATE SET watermark = excluded.watermark, \
             last_full_at = COALESCE(excluded.last_full_at, sync_state.last_full_at), \
             last_run_at = excluded.last_run_at, last_report = excluded.last_report, \
             last_full_report = COALESCE(excluded.last_full_report, sync_state.last_full_report), \
             last_incremental_at = COALESCE(excluded.last_incremental_at, sync_state.last_incremental_at), \
             last_incremental_report = \
               COALESCE(excluded.last_incremental_report, sync_state.last_incremental_report)",
        )
        .bind(kind)
        .bind(watermark)
        .bind(full.then_some(now))
        .bind(now)
        .bind(&report_json)
        .bind(full.then_some(&report_json))
        .bind((!full).then_some(now))
        .bind((!full).then_some(&report_json))
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }

    /// Records a sync of `kind` that failed: when, and why.
    pub async fn record_sync_failure(&self, kind: &str, now: &str, message: &str) -> Stored<()> {
        sqlx::query(
            "INSERT INTO sync_state (kind, last_failure_at, last_failure) VALUES ($1, $2, $3) \
             ON CONFLICT (kind) DO UPDATE SET last_failure_at = excluded.last_failure_at, \
             last_failure = excluded.last_failure",
        )
        .bind(kind)
        .bind(now)
        .bind(message)
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }

    /// What every sync and the callbacks last did.
    pub async fn sync_status(&self) -> Stored<SyncStatusRows> {
        let rows = sqlx::query(
            "SELECT kind, last_full_at, last_full_report, last_incremental_at, \
             last_incremental_report, last_failure_at, last_failure FROM sync_state ORDER BY kind",
        )
        .fetch_all(&self.db.pool)
        .await?;
        let mut kinds = Vec::with_capacity(rows.len());
        for row in rows {
            kinds.push(SyncStateRow {
                kind: row.try_get("kind")?,
                last_full_at: row.try_get("last_full_at")?,
                last_full_report: row.try_get("last_full_report")?,
                last_incremental_at: row.try_get("last_incremental_at")?,
                last_incremental_report: row.try_get("last_incremental_report")?,
                last_failure_at: row.try_get("last_failure_at")?,
                last_failure: row.try_get("last_failure")?,
            });
        }
        let rows = sqlx::query(
            "SELECT c.record_type, c.received_at, c.lag_ms, \
               (SELECT COUNT(*) FROM connectwise_callbacks a WHERE a.record_type = c.record_type) AS applied \
             FROM connectwise_callbacks c \
             WHERE c.received_at = (SELECT MAX(received_at) FROM connectwise_callbacks b \
                                    WHERE b.record_type = c.record_type) \
             ORDER BY c.record_type",
        )
        .fetch_all(&self.db.pool)
        .await?;
        let mut callbacks = Vec::with_capacity(rows.len());
        for row in rows {
            callbacks.push(CallbackRow {
                record_type: row.try_get("record_type")?,
                last_at: row.try_get("received_at")?,
                lag_ms: row.try_get("lag_ms")?,
                applied: row.try_get("applied")?,
            });
        }
        callbacks.dedup_by(|a, b| a.record_type == b.record_type);
        Ok(SyncStatusRows { kinds, callbacks })
    }
}

/// PostgreSQL advisory locks on one session, keyed by (`key`, a hash of the current schema):
/// advisory locks are per database, and deployments (or tests) that share a database in
/// separate schemas must not block each other.
pub mod advisory {
    use super::*;

    /// Names the session (so that a process finding the lock taken can say who holds it) and
    /// tries the lock once.
    pub async fn try_lock(conn: &mut PoolConnection<Any>, key: i32, name: &str) -> Stored<bool> {
        sqlx::query("SELECT set_config('application_name', $1, false)")
            .bind(name)
            .execute(&mut **conn)
            .await?;
        Ok(
            sqlx::query_scalar("SELECT pg_try_advisory_lock($1, hashtext(current_schema()))")
                .bind(key)
                .fetch_one(&mut **conn)
                .await?,
        )
    }

    /// Waits for the lock.
    pub async fn lock(conn: &mut PoolConnection<Any>, key: i32) -> Stored<()> {
        sqlx::query("SELECT pg_advisory_lock($1, hashtext(current_schema()))")
            .bind(key)
            .execute(&mut **conn)
            .await?;
        Ok(())
    }

    /// Lets the lock go and forgets the session's name.
    pub async fn unlock(conn: &mut PoolConnection<Any>, key: i32) -> Stored<()> {
        sqlx::query("SELECT pg_advisory_unlock($1, hashtext(current_schema()))")
            .bind(key)
            .execute(&mut **conn)
            .await?;
        forget_name(conn).await
    }

    /// Forgets the session's name (after a lock that was not taken).
    pub async fn forget_name(conn: &mut PoolConnection<Any>) -> Stored<()> {
        sqlx::query("RESET application_name")
            .execute(&mut **conn)
            .await?;
        Ok(())
    }

    /// Who holds the lock: the holding session's name and address, and when it took the lock
    /// (its last statement, as a holder runs nothing else on that session).
    pub async fn holder(conn: &mut PoolConnection<Any>, key: i32) -> Option<LockHolder> {
        let row = sqlx::query(
            "SELECT a.application_name AS name, COALESCE(host(a.client_addr), 'local') AS addr, \
             to_char(a.query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS since \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 \
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND l.classid::bigint = $1 \
             AND l.objid::bigint = (hashtext(current_schema())::bigint & 4294967295) LIMIT 1",
        )
        .bind(i64::from(key) & 0xffff_ffff)
        .fetch_optional(&mut **conn)
        .await
        .ok()??;
        let name: String = row.try_get("name").ok()?;
        let addr: String = row.try_get("addr").ok()?;
        let since: String = row.try_get("since").ok()?;
        Some(LockHolder {
            since: DateTime::parse_from_rfc3339(&since)
                .ok()?
                .with_timezone(&Utc),
            who: if name.is_empty() {
                format!("a session from {addr}")
            } else {
                format!("{name} (from {addr})")
            },
        })
    }
}

#[cfg(test)]
mod synced_row_tests {
    use super::SyncedRows;

    fn one(id: &str, last_updated: Option<&str>) -> SyncedRows {
        let mut rows = SyncedRows::default();
        rows.push(7, id, last_updated, false);
        rows.finish();
        rows
    }

    #[test]
    fn an_id_comes_back_exactly_as_stored() {
        for id in [
            "019ad3c1a2b37c4d8e9f0a1b2c3d4e5f",
            "00000000000000000000000000000000",
            "ffffffffffffffffffffffffffffffff",
            "019AD3C1A2B37C4D8E9F0A1B2C3D4E5F",
            "019ad3c1-a2b3-7c4d-8e9f-0a1b2c3d4e5f",
            "x1",
            "",
        ] {
            assert_eq!(one(id, None).get(7).unwrap().id(), id);
        }
    }

    #[test]
    fn last_updated_is_compared_as_an_instant() {
        let at = |t: &str| one("a", Some(t)).get(7).unwrap().last_updated_ms();
        assert_eq!(at("2026-01-01T00:00:00Z"), at("2026-01-01T00:00:00.000Z"));
        assert_eq!(at("2026-01-01T01:00:00+01:00"), at("2026-01-01T00:00:00Z"));
        assert_ne!(at("2026-01-01T00:00:00.001Z"), at("2026-01-01T00:00:00Z"));
        assert_eq!(at("yesterday"), None);
        assert_eq!(one("a", None).get(7).unwrap().last_updated_ms(), None);
    }

    #[test]
    fn rows_are_found_by_vendor_id_whatever_the_order_they_came_in() {
        let mut rows = SyncedRows::default();
        for vendor_id in [50, -3, 7, 1_000_000, 0] {
            rows.push(
                vendor_id,
                &format!("{:032x}", vendor_id + 10),
                None,
                vendor_id == 7,
            );
        }
        rows.finish();
        assert_eq!(rows.len(), 5);
        for vendor_id in [50, -3, 7, 1_000_000, 0] {
            let row = rows.get(vendor_id).unwrap();
            assert_eq!(row.id(), format!("{:032x}", vendor_id + 10));
            assert_eq!(row.deleted(), vendor_id == 7);
        }
        assert!(rows.get(8).is_none());
        let mut live: Vec<i64> = rows.live_vendor_ids().collect();
        live.sort();
        assert_eq!(live, [-3, 0, 50, 1_000_000]);
    }
}
