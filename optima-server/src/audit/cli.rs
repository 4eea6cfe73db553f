//! `optima-server audit verify | export | prune`, and the hourly pruning `serve` runs when
//! `OPTIMA_AUDIT_RETENTION_DAYS` is set.

use std::io::Write;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use clap::Subcommand;

use super::chain::{Break, Verifier};
use crate::state::AppState;
use crate::store::audit::{PRUNE_OPERATION, Pruned};
use crate::store::{SqlStore, StoreError};

/// Events read per query while walking the chain.
const BATCH: i64 = 1000;

/// `optima-server audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Walk the whole chain; name the first event that was altered, inserted or removed (exit
    /// status 1), or print how many events were checked and the head's hash
    Verify,
    /// Print events as JSON lines, oldest first, for a SIEM
    Export {
        /// Only events at or after this time: RFC 3339 (`2026-11-01T00:00:00Z`) or a date
        /// (`2026-11-01`, midnight UTC) [default: every event]
        #[arg(long)]
        since: Option<String>,
    },
    /// Remove events older than OPTIMA_AUDIT_RETENTION_DAYS now, leaving a checkpoint
    Prune,
}

/// Why an audit verb failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditCliError {
    /// The chain is broken.
    #[error("the audit trail does not verify: {0}")]
    Broken(#[from] Break),
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `--since` is not a time.
    #[error("--since `{0}` is neither an RFC 3339 time nor a date (YYYY-MM-DD)")]
    Since(String),
    /// Writing the export.
    #[error("writing the export: {0}")]
    Write(#[from] std::io::Error),
    /// `prune` without a retention setting.
    #[error("OPTIMA_AUDIT_RETENTION_DAYS is not set: every event is kept")]
    NoRetention,
}

/// What `audit verify` found in a sound chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Events checked.
    pub events: u64,
    /// Where the kept chain starts (0 unless pruned).
    pub from_seq: i64,
    /// The last event's seq and hash: record it elsewhere to detect a rewrite of the whole tail.
    pub head_seq: i64,
    /// The last event's hash.
    pub head_hash: String,
}

impl std::fmt::Display for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "audit trail verified: {} events after seq {}; head {} {}",
            self.events, self.from_seq, self.head_seq, self.head_hash
        )
    }
}

/// Walks the chain from the checkpoint (or the start) to the head. A checkpoint must be the one
/// the newest pruning on the trail recorded.
pub async fn verify(store: &SqlStore) -> Result<Verified, AuditCliError> {
    match walk(store).await {
        // A pruning between reading the checkpoint and the first events: read both again.
        Err(AuditCliError::Broken(Break::Gap { .. })) => walk(store).await,
        other => other,
    }
}

async fn walk(store: &SqlStore) -> Result<Verified, AuditCliError> {
    let (from_seq, from_hash) = store.audit_checkpoint().await?;
    let mut verifier = Verifier::after(from_seq, from_hash.clone());
    let mut last_pruning: Option<Pruned> = None;
    let mut after = from_seq;
    loop {
        let batch = store.audit_events_after(after, BATCH).await?;
        for event in &batch {
            verifier.check(event)?;
            if event.operation_id == PRUNE_OPERATION {
                last_pruning = event
                    .changes
                    .as_deref()
                    .and_then(|c| serde_json::from_str(c).ok());
            }
        }
        match batch.last() {
            Some(last) => after = last.seq,
            None => break,
        }
    }
    let accounted = last_pruning
        .is_some_and(|p| p.pruned_through_seq == from_seq && p.checkpoint_hash == from_hash);
    if from_seq > 0 && !accounted {
        return Err(Break::Checkpoint { seq: from_seq }.into());
    }
    let (head_seq, head_hash) = verifier.head();
    Ok(Verified {
        events: verifier.checked(),
        from_seq,
        head_seq,
        head_hash: head_hash.to_owned(),
    })
}

/// `--since` as a time: RFC 3339, or a date at midnight UTC.
pub fn parse_since(text: &str) -> Result<DateTime<Utc>, AuditCliError> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
        .ok_or_else(|| AuditCliError::Since(text.to_owned()))
}

/// Writes events (from `since`, or all) as JSON lines, oldest first; answers how many.
pub async fn export(
    store: &SqlStore,
    since: Option<DateTime<Utc>>,
    out: &mut impl Write,
) -> Result<u64, AuditCliError> {
    let mut after = match since {
        Some(at) => match store.first_audit_seq_since(at).await? {
            Some(seq) => seq - 1,
            None => return Ok(0),
        },
        None => 0,
    };
    let mut written = 0;
    loop {
        let batch = store.audit_events_after(after, BATCH).await?;
        for event in &batch {
            serde_json::to_writer(&mut *out, event).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            written += 1;
        }
        match batch.last() {
            Some(last) => after = last.seq,
            None => break,
        }
    }
    out.flush()?;
    Ok(written)
}

/// Removes events older than `days` days; answers how many.
pub async fn prune(store: &SqlStore, days: u64) -> Result<u64, AuditCliError> {
    let days = i64::try_from(days).unwrap_or(i64::MAX / 2);
    let cutoff = Utc::now() - Duration::try_days(days).unwrap_or(Duration::MAX);
    Ok(store.prune_audit_events(cutoff).await?)
}

/// Runs a verb.
pub async fn run(state: &AppState, action: AuditAction) -> Result<(), Box<dyn std::error::Error>> {
    match action {
        AuditAction::Verify => {
            let verified = verify(&state.store).await?;
            println!("{verified}");
        }
        AuditAction::Export { since } => {
            let since = since.as_deref().map(parse_since).transpose()?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let n = export(&state.store, since, &mut out).await?;
            eprintln!("{n} events exported");
        }
        AuditAction::Prune => {
            let days = state
                .config
                .audit_retention_days
                .ok_or(AuditCliError::NoRetention)?;
            let n = prune(&state.store, days).await?;
            eprintln!("{n} events pruned");
        }
    }
    Ok(())
}

/// Prunes events older than `days` days now and every hour after.
pub async fn keep_pruned(state: Arc<AppState>, days: u64) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        match prune(&state.store, days).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(pruned = n, days, "pruned the audit trail"),
            Err(e) => tracing::warn!(error = %e, "could not prune the audit trail"),
        }
    }
}
