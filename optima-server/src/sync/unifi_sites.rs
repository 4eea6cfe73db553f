//! UniFi site records: the controller's sites as Optima tracks them (`unifi_sites`), each
//! optionally linked to a company, and the sync that copies them from the controller.
//!
//! A site is known by its short name on the controller (`site_id`, the name used in API paths);
//! its description is the record's `name`. Syncing creates a record for every site not yet
//! tracked and renames records whose description changed. Sites that disappear from the
//! controller keep their record (and their company link): they are only counted.

use std::time::Instant;

use super::{SyncError, SyncReport, WhenBusy};
use crate::state::AppState;
use crate::store::unifi_sites::{SiteChange, SiteRecord};

/// The name of this sync in reports and locks.
pub const UNIFI_SITES_KIND: &str = "unifi-sites";

/// The outcome of a site sync.
#[derive(Debug, Clone)]
pub struct SiteSync {
    /// The record of every site the controller listed, in the controller's order.
    pub records: Vec<SiteRecord>,
    /// The counts (`deleted` is always 0: records of vanished sites are kept).
    pub report: SyncReport,
    /// Records whose site the controller no longer lists (kept, not deleted).
    pub missing: u64,
}

/// Copies the controller's sites into `unifi_sites`: new sites get a record, renamed sites
/// are renamed. One sync at a time, across processes too; a second is [`SyncError::Busy`].
pub async fn sync_unifi_sites(state: &AppState) -> Result<SiteSync, SyncError> {
    sync_unifi_sites_with(state, WhenBusy::Fail).await
}

/// [`sync_unifi_sites`], waiting for a running site sync when `when_busy` says so.
pub async fn sync_unifi_sites_with(
    state: &AppState,
    when_busy: WhenBusy,
) -> Result<SiteSync, SyncError> {
    let result = if state.integrations.unifi.is_none() {
        Err(SyncError::NotConfigured("UniFi"))
    } else {
        match super::lock_kind(state, UNIFI_SITES_KIND, when_busy).await {
            Ok(lock) => {
                let result = sync_locked(state).await;
                lock.release().await;
                result
            }
            Err(busy) => Err(busy),
        }
    };
    super::finished(state, UNIFI_SITES_KIND, result.as_ref().map(|s| &s.report)).await;
    result
}

/// A site as either API lists it: the short name (`default`) and what the UI shows.
struct ListedSite {
    short_name: Option<String>,
    description: Option<String>,
}

/// The controller's sites: from the Integration API when an API key is set (learning each
/// site's UUID on the way), from the classic API otherwise.
async fn listed_sites(
    state: &AppState,
    unifi: &optima_unifi::UnifiClient,
) -> Result<Vec<ListedSite>, SyncError> {
    if let Some(integration) = &state.integrations.unifi_integration {
        let client = integration.client(unifi).await?;
        let sites = client.sites().list().all().await?;
        integration.remember_sites(
            sites
                .iter()
                .filter_map(|s| Some((s.internal_reference.as_deref()?, s.id.as_deref()?))),
        );
        return Ok(sites
            .into_iter()
            .map(|s| ListedSite {
                short_name: s.internal_reference,
                description: s.name,
            })
            .collect());
    }
    Ok(unifi
        .sites()
        .list()
        .await?
        .into_iter()
        .map(|s| ListedSite {
            short_name: s.name,
            description: s.desc,
        })
        .collect())
}

async fn sync_locked(state: &AppState) -> Result<SiteSync, SyncError> {
    let unifi = state
        .integrations
        .unifi
        .as_ref()
        .ok_or(SyncError::NotConfigured("UniFi"))?;
    let started = Instant::now();
    let sites = listed_sites(state, unifi).await?;
    let store = &state.store;
    let mut report = SyncReport {
        kind: UNIFI_SITES_KIND.to_owned(),
        full: true,
        ..SyncReport::default()
    };
    let mut records = Vec::with_capacity(sites.len());
    let mut seen = std::collections::HashSet::new();
    for site in sites {
        report.fetched += 1;
        let Some(site_id) = site.short_name.as_deref().filter(|n| !n.trim().is_empty()) else {
            report.skipped += 1;
            continue;
        };
        if !seen.insert(site_id.to_owned()) {
            continue;
        }
        let name = site
            .description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(site_id);
        let (record, change) = store.upsert_unifi_site(site_id, name).await?;
        match change {
            SiteChange::Created => report.created += 1,
            SiteChange::Renamed => report.updated += 1,
            SiteChange::Unchanged => report.unchanged += 1,
        }
        records.push(record);
    }
    let missing = store
        .list_unifi_sites()
        .await?
        .iter()
        .filter(|r| !seen.contains(&r.site_id))
        .count() as u64;
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    tracing::info!(%report, missing, "UniFi site sync finished");
    Ok(SiteSync {
        records,
        report,
        missing,
    })
}
