//! `/sync/status`: how current Optima's copies of vendor records are, per kind of sync: the last
//! full and incremental run (outcome, counts, duration), the last failure, and how far behind
//! ConnectWise callbacks are applied. The same numbers are in `/metrics` (see
//! [`crate::metrics`]), per process.

use std::sync::Arc;

use poem_openapi::{Object, OpenApi};

use super::common::{ApiError, Ok200};
use super::{ApiTags, Authorized};
use crate::routes;
use crate::state::AppState;
use crate::sync::SyncReport;

/// `/sync/status`.
#[derive(Debug)]
pub struct SyncStatusApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

/// One finished run.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "SyncRun")]
pub struct SyncRunOut {
    /// When it finished (RFC 3339).
    pub at: String,
    /// Records received from the vendor.
    pub fetched: u64,
    /// New here.
    pub created: u64,
    /// Changed.
    pub updated: u64,
    /// Seen before and not changed.
    pub unchanged: u64,
    /// No longer at the vendor (full runs only).
    pub deleted: u64,
    /// Received without an id, skipped.
    pub skipped: u64,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
}

/// The last failed run.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "SyncFailure")]
pub struct SyncFailureOut {
    /// When (RFC 3339).
    pub at: String,
    /// Why.
    pub message: String,
}

/// ConnectWise callbacks applied for a kind.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "SyncCallbacks")]
pub struct CallbacksOut {
    /// How many were applied, in all.
    pub applied: u64,
    /// When the newest was applied (RFC 3339).
    pub last_at: String,
    /// How long after the change at ConnectWise the newest was applied, in milliseconds (absent
    /// for a delete).
    #[oai(skip_serializing_if_is_none)]
    pub lag_ms: Option<u64>,
}

/// One kind of sync.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase", rename = "SyncKindStatus")]
pub struct SyncKindOut {
    /// `companies`, `catalog`, `opportunities`, `unifi-sites`.
    pub kind: String,
    // Object-typed fields carry no doc comment (it would wrap their `$ref` in `allOf`): the last
    // full run, the last incremental run, the last failure, and the callbacks for this kind.
    #[oai(skip_serializing_if_is_none)]
    last_full: Option<SyncRunOut>,
    #[oai(skip_serializing_if_is_none)]
    last_incremental: Option<SyncRunOut>,
    #[oai(skip_serializing_if_is_none)]
    last_failure: Option<SyncFailureOut>,
    #[oai(skip_serializing_if_is_none)]
    callbacks: Option<CallbacksOut>,
}

fn run(at: Option<String>, report: Option<String>) -> Option<SyncRunOut> {
    let report: SyncReport = serde_json::from_str(&report?).ok()?;
    Some(SyncRunOut {
        at: at?,
        fetched: report.fetched,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        deleted: report.deleted,
        skipped: report.skipped,
        duration_ms: report.elapsed_ms,
    })
}

/// The sync kind a callback record type keeps current.
fn kind_of_callback(record_type: &str) -> &str {
    match record_type {
        "company" => "companies",
        "opportunity" => "opportunities",
        other => other,
    }
}

#[routes::handlers]
#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Sync")]
impl SyncStatusApi {
    /// Per kind of sync: the last full and incremental run with their counts and duration, the
    /// last failure, and the ConnectWise callbacks applied (how many, the newest, its lag).
    async fn status(
        &self,
        caller: Authorized<routes::GetSyncStatus>,
    ) -> Result<Ok200<Vec<SyncKindOut>>, ApiError> {
        let rows = self.state.store.sync_status().await?;
        let mut kinds: Vec<SyncKindOut> = rows
            .kinds
            .into_iter()
            .map(|row| SyncKindOut {
                kind: row.kind,
                last_full: run(row.last_full_at, row.last_full_report),
                last_incremental: run(row.last_incremental_at, row.last_incremental_report),
                last_failure: row
                    .last_failure_at
                    .zip(row.last_failure)
                    .map(|(at, message)| SyncFailureOut { at, message }),
                callbacks: None,
            })
            .collect();
        for callback in rows.callbacks {
            let kind = kind_of_callback(&callback.record_type).to_owned();
            let out = CallbacksOut {
                applied: callback.applied.max(0) as u64,
                last_at: callback.last_at,
                lag_ms: callback.lag_ms.map(|l| l.max(0) as u64),
            };
            match kinds.iter_mut().find(|k| k.kind == kind) {
                Some(k) => k.callbacks = Some(out),
                None => kinds.push(SyncKindOut {
                    kind,
                    last_full: None,
                    last_incremental: None,
                    last_failure: None,
                    callbacks: Some(out),
                }),
            }
        }
        Ok(caller.ok(kinds))
    }
}
