//! The `optima-server vault rotate | rewrap | retire` verbs.
//!
//! Key material goes to stdout only where the operator must copy it (a new
//! `OPTIMA_VAULT_KEYS` value), never to the log or an error message.

use std::path::PathBuf;

use clap::Subcommand;
use optima_core::vault::{KeyId, VaultKey};
use secrecy::{ExposeSecret, SecretString};

use super::keys::{KeySource, VaultKeyError, ids, load_keyring, new_key_id, write_file};
use crate::config::Config;

/// `optima-server vault …`.
#[derive(Debug, Subcommand)]
pub enum VaultAction {
    /// Add a new key and make it primary; older keys stay to decrypt until rewrapped. With
    /// OPTIMA_VAULT_KEYS, prints the new value to set; otherwise updates the key file in the data dir
    Rotate,
    /// Re-encrypt every stored secure value under the primary key (resumable, safe to interrupt)
    Rewrap {
        /// Credentials per batch
        #[arg(long, default_value_t = 100)]
        batch: usize,
    },
    /// Drop an old key from the ring, once no stored value is sealed under it any more
    Retire {
        /// The key id
        key_id: String,
    },
}

/// What `vault rotate` did.
#[derive(Debug)]
pub enum Rotated {
    /// The key file now holds the new primary and the older keys.
    File {
        /// The file.
        path: PathBuf,
        /// The new primary.
        new_key: KeyId,
        /// Every key now in the ring, primary first.
        key_ids: Vec<String>,
    },
    /// Keys come from `OPTIMA_VAULT_KEYS`: this is the value to set (primary first).
    Setting {
        /// The new primary.
        new_key: KeyId,
        /// The new `OPTIMA_VAULT_KEYS` value. Secret.
        value: SecretString,
        /// Every key in it, primary first.
        key_ids: Vec<String>,
    },
}

/// Adds a new key and makes it primary; older keys stay to open what they sealed.
pub fn rotate(config: &Config) -> Result<Rotated, VaultKeyError> {
    let (mut ring, source) = load_keyring(config)?;
    let new_key = new_key_id();
    ring.rotate(VaultKey::generate(new_key.clone()))
        .map_err(|e| VaultKeyError::Refused(e.to_string()))?;
    match source {
        KeySource::Setting => Ok(Rotated::Setting {
            new_key,
            value: ring.to_config(),
            key_ids: ids(&ring),
        }),
        KeySource::File(path) => {
            write_file(&path, &ring, true)?;
            tracing::info!(path = %path.display(), key_id = %new_key, "vault key rotated");
            Ok(Rotated::File {
                path,
                new_key,
                key_ids: ids(&ring),
            })
        }
    }
}

/// What `vault retire` did.
#[derive(Debug)]
pub enum Retired {
    /// The key file no longer holds the key.
    File {
        /// The file.
        path: PathBuf,
        /// The keys left, primary first.
        key_ids: Vec<String>,
    },
    /// Keys come from `OPTIMA_VAULT_KEYS`: this is the value to set without the key.
    Setting {
        /// The new `OPTIMA_VAULT_KEYS` value. Secret.
        value: SecretString,
        /// The keys left, primary first.
        key_ids: Vec<String>,
    },
}

/// Drops a non-primary key from the ring, refusing while any stored value is still sealed under
/// it (run `vault rewrap` first).
pub async fn retire(
    config: &Config,
    store: &crate::store::SqlStore,
    key_id: &str,
) -> Result<Retired, VaultKeyError> {
    let (mut ring, source) = load_keyring(config)?;
    if ring.primary().id().as_str() == key_id {
        return Err(VaultKeyError::Refused(format!(
            "`{key_id}` is the primary key; rotate first"
        )));
    }
    let still = store
        .values_under_key(key_id)
        .await
        .map_err(|e| VaultKeyError::Refused(format!("counting values under `{key_id}`: {e}")))?;
    if still > 0 {
        return Err(VaultKeyError::Refused(format!(
            "{still} secure value(s) are still sealed under `{key_id}`; run `optima-server vault rewrap` first"
        )));
    }
    if !ring.retire(key_id) {
        return Err(VaultKeyError::Refused(format!(
            "the key ring has no key `{key_id}`"
        )));
    }
    match source {
        KeySource::Setting => Ok(Retired::Setting {
            value: ring.to_config(),
            key_ids: ids(&ring),
        }),
        KeySource::File(path) => {
            write_file(&path, &ring, true)?;
            tracing::info!(path = %path.display(), key_id, "vault key retired");
            Ok(Retired::File {
                path,
                key_ids: ids(&ring),
            })
        }
    }
}

/// What `vault rewrap` did, for people.
pub fn rewrap_summary(report: &optima_core::vault::RewrapReport) -> String {
    let mut out = format!(
        "vault rewrap: {} credential(s), {} secure value(s) looked at; {} re-encrypted under the primary key, {} changed meanwhile (left as written), {} unreadable",
        report.credentials,
        report.values,
        report.rewrapped,
        report.changed_meanwhile,
        report.failures.len()
    );
    for f in &report.failures {
        out.push_str(&format!(
            "\n  credential {} field {}: {}",
            f.credential_id, f.field_id, f.error
        ));
    }
    out
}

/// Runs `optima-server vault …`. Key material goes to stdout only where the operator must copy
/// it (a new `OPTIMA_VAULT_KEYS` value), never to the log.
pub async fn run(config: Config, action: VaultAction) -> Result<(), Box<dyn std::error::Error>> {
    match action {
        VaultAction::Rotate => match rotate(&config)? {
            Rotated::File {
                path,
                new_key,
                key_ids,
            } => {
                println!(
                    "new primary vault key `{new_key}` kept in {}; keys now: {}",
                    path.display(),
                    key_ids.join(", ")
                );
                println!(
                    "running servers using this data dir pick it up by themselves; then run `optima-server vault rewrap` to move stored values onto it"
                );
                Ok(())
            }
            Rotated::Setting {
                new_key,
                value,
                key_ids,
            } => {
                eprintln!(
                    "keys come from OPTIMA_VAULT_KEYS: set it to the value below (new primary `{new_key}`, keys: {}), restart the server(s), then run `optima-server vault rewrap`",
                    key_ids.join(", ")
                );
                println!("OPTIMA_VAULT_KEYS={}", value.expose_secret());
                Ok(())
            }
        },
        VaultAction::Rewrap { batch } => {
            let state = crate::app::build_state(config).await?;
            // A spinner on stderr: the total is unknown up front and stdout keeps the summary.
            let spinner = indicatif::ProgressBar::new_spinner();
            spinner.enable_steady_tick(std::time::Duration::from_millis(200));
            let report = optima_core::vault::rewrap_store_with_progress(
                &state.vault(),
                &state.store,
                batch,
                |so_far| {
                    spinner.set_message(format!(
                        "{} credentials, {} secure values looked at, {} rewrapped",
                        so_far.credentials, so_far.values, so_far.rewrapped
                    ))
                },
            )
            .await;
            spinner.finish_and_clear();
            let report = report?;
            println!("{}", rewrap_summary(&report));
            if report.failures.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{} secure value(s) could not be decrypted and were left as they are",
                    report.failures.len()
                )
                .into())
            }
        }
        VaultAction::Retire { key_id } => {
            let state = crate::app::build_state(config.clone()).await?;
            match retire(&config, &state.store, &key_id).await? {
                Retired::File { path, key_ids } => {
                    println!(
                        "vault key `{key_id}` retired from {}; keys now: {}",
                        path.display(),
                        key_ids.join(", ")
                    );
                }
                Retired::Setting { value, key_ids } => {
                    eprintln!(
                        "keys come from OPTIMA_VAULT_KEYS: set it to the value below (keys: {})",
                        key_ids.join(", ")
                    );
                    println!("OPTIMA_VAULT_KEYS={}", value.expose_secret());
                }
            }
            Ok(())
        }
    }
}
