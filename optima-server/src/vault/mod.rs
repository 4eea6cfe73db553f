//! The credential vault in the server. The vault itself (sealing, field rules, rewrap) is
//! `optima_core::vault`; here are what a running server adds around it:
//!
//! - [`keys`]: the key ring, from settings or the data dir, followed when it changes;
//! - [`cli`]: the `vault rotate | rewrap | retire` verbs;
//! - the SQL store of the vault's traits is [`crate::store::vault`], and the API's bodies are in
//!   [`crate::api::credentials::models`] and [`crate::api::credential_types::models`].

pub mod cli;
pub mod keys;

pub use keys::{KEY_FILE, KeySource, LiveVault, VaultKeyError, load_keyring};

use std::sync::Arc;

use optima_core::vault::CredentialStore;

use crate::state::AppState;

/// Prunes, hourly, what remains of credentials deleted more than `days` ago: their versions
/// and the values their changes replaced.
pub async fn keep_history_pruned(state: Arc<AppState>, days: u64) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        let cutoff = chrono::Utc::now() - chrono::Duration::days(days as i64);
        match state.store.prune_history(cutoff).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(credentials = n, days, "pruned deleted credentials' history"),
            Err(e) => tracing::warn!(error = %e, "could not prune deleted credentials' history"),
        }
    }
}
