//! ConnectWise callbacks applied: a verified delivery names a record that changed; the record is
//! fetched again by id (the delivery's own copy may be partial or stale) and written as a sync
//! writes it, or marked deleted. Each message is applied once: a delivery sent again is
//! recognised by its message id. The scheduled sync stays as the reconciliation pass.

use chrono::Utc;
use optima_connectwise::ConnectWiseClient;
use optima_connectwise::callbacks::{CallbackAction, CallbackDelivery};

use super::{Companies, Opportunities, Source, SyncError};
use crate::db::timestamp;
use crate::state::AppState;

/// The record kinds a callback is applied for, as ConnectWise names them in `Type` and in a
/// registration's `type`. ConnectWise offers no callback for the procurement catalog; the
/// scheduled sync keeps it current.
pub const CALLBACK_KINDS: &[&str] = &["company", "opportunity"];

/// What a delivery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The record was fetched and written.
    Upserted,
    /// The record was marked deleted.
    Deleted,
    /// The message was applied before.
    Replayed,
    /// Nothing to do, and why.
    Ignored(String),
}

impl Applied {
    /// In a word, for the response and the log.
    pub fn as_str(&self) -> &'static str {
        match self {
            Applied::Upserted => "upserted",
            Applied::Deleted => "deleted",
            Applied::Replayed => "replayed",
            Applied::Ignored(_) => "ignored",
        }
    }
}

/// Applies a verified delivery. A vendor failure leaves the message unrecorded, so that
/// ConnectWise's retry applies it.
pub async fn apply(state: &AppState, delivery: &CallbackDelivery) -> Result<Applied, SyncError> {
    let store = &state.store;
    if let Some(message) = &delivery.message_id
        && store.callback_applied(message).await?
    {
        return Ok(Applied::Replayed);
    }
    let cw = state
        .integrations
        .connectwise
        .as_ref()
        .ok_or(SyncError::NotConfigured("ConnectWise"))?;
    let kind = delivery
        .kind
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let now = timestamp(Utc::now());
    let (applied, lag_ms) = match (kind.as_str(), delivery.id) {
        (_, None) => (
            Applied::Ignored("the delivery names no record id".into()),
            None,
        ),
        ("company", Some(id)) => one::<Companies>(state, cw, delivery, id, &now).await?,
        ("opportunity", Some(id)) => one::<Opportunities>(state, cw, delivery, id, &now).await?,
        (other, Some(_)) => (
            Applied::Ignored(format!("no records of type `{other}` are kept")),
            None,
        ),
    };
    if let Some(message) = &delivery.message_id {
        let action = match &delivery.action {
            Some(CallbackAction::Added) => "added",
            Some(CallbackAction::Updated) => "updated",
            Some(CallbackAction::Deleted) => "deleted",
            Some(CallbackAction::Other(_)) | None => "other",
        };
        if !store
            .record_callback(message, &kind, delivery.id, action, &now, lag_ms)
            .await?
        {
            return Ok(Applied::Replayed);
        }
    }
    if let Some(lag) = lag_ms {
        crate::metrics::callback_applied(&kind, lag);
    }
    Ok(applied)
}

/// The record kinds [`Source`]s a callback can refresh one record of.
trait FetchOne: Source {
    async fn fetch_one(
        cw: &ConnectWiseClient,
        id: i64,
    ) -> Result<Self::Item, optima_connectwise::Error>;
}

impl FetchOne for Companies {
    async fn fetch_one(
        cw: &ConnectWiseClient,
        id: i64,
    ) -> Result<Self::Item, optima_connectwise::Error> {
        cw.companies().get(id).await
    }
}

impl FetchOne for Opportunities {
    async fn fetch_one(
        cw: &ConnectWiseClient,
        id: i64,
    ) -> Result<Self::Item, optima_connectwise::Error> {
        cw.opportunities().get(id).await
    }
}

async fn one<S: FetchOne>(
    state: &AppState,
    cw: &ConnectWiseClient,
    delivery: &CallbackDelivery,
    id: i64,
    now: &str,
) -> Result<(Applied, Option<i64>), SyncError> {
    if delivery.action == Some(CallbackAction::Deleted) {
        state.store.mark_deleted(S::TABLE, &[id], now).await?;
        return Ok((Applied::Deleted, None));
    }
    let item = match S::fetch_one(cw, id).await {
        Ok(item) => item,
        // Gone by the time it was fetched: as good as a delete.
        Err(e) if e.is_not_found() => {
            state.store.mark_deleted(S::TABLE, &[id], now).await?;
            return Ok((Applied::Deleted, None));
        }
        Err(e) => return Err(e.into()),
    };
    let mut tx = state.store.db().begin().await?;
    let existing: Option<String> =
        sqlx::query_scalar(&format!("SELECT id FROM {} WHERE cw_id = $1", S::TABLE))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let changed = S::last_updated(&item);
    S::write(&mut tx, &S::row(id, item), existing.as_deref(), now).await?;
    tx.commit().await?;
    // How long after the change at ConnectWise it is served here.
    let lag_ms = changed.map(|changed| (Utc::now() - changed).num_milliseconds().max(0));
    Ok((Applied::Upserted, lag_ms))
}

/// The registrations Optima needs: one per kind in [`CALLBACK_KINDS`], for every record of it,
/// delivered to `url`.
pub fn wanted_registrations(url: &str) -> Vec<optima_connectwise::callbacks::CallbackEntry> {
    CALLBACK_KINDS
        .iter()
        .map(|kind| {
            optima_connectwise::callbacks::CallbackEntry::new(
                url,
                *kind,
                &format!("Optima: keep {kind} records current"),
            )
        })
        .collect()
}
