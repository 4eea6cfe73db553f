//! The vault's key ring in the server: from `OPTIMA_VAULT_KEYS`, or generated once and kept in the
//! data dir; and the `vault rotate | rewrap | retire` verbs.
//!
//! Key material is never logged or put in an error message: messages name key ids and files only.

use std::path::{Path, PathBuf};

use optima_core::vault::{CryptoError, KeyId, KeyRing, VaultKey};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

use crate::config::Config;

/// The file in the data dir that keeps a generated key ring (`id:base64key,…`, primary first) when
/// `OPTIMA_VAULT_KEYS` is not set.
pub const KEY_FILE: &str = "vault-keys";

/// Why the key ring could not be loaded or changed. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum VaultKeyError {
    /// `OPTIMA_VAULT_KEYS` does not parse.
    #[error("OPTIMA_VAULT_KEYS: {0}")]
    Setting(#[source] CryptoError),
    /// The key file does not parse.
    #[error("vault key file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: CryptoError,
    },
    /// The key file could not be read or written.
    #[error("vault key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A key change that would lose data.
    #[error("{0}")]
    Refused(String),
}

/// Where the key ring comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The `OPTIMA_VAULT_KEYS` setting.
    Setting,
    /// A file in the data dir.
    File(PathBuf),
}

/// The key file's path for `config`.
pub fn key_file(config: &Config) -> PathBuf {
    config.data_dir.join(KEY_FILE)
}

/// A fresh key id: `k` + UTC time + random suffix, e.g. `k20260101T120000-3fa9`.
pub fn new_key_id() -> KeyId {
    let mut suffix = [0u8; 2];
    rand::thread_rng().fill_bytes(&mut suffix);
    let id = format!(
        "k{}-{:02x}{:02x}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S"),
        suffix[0],
        suffix[1]
    );
    // Only [A-Za-z0-9-] and well under the length limit.
    KeyId::new(id).unwrap_or_else(|_| unreachable!("generated key ids are valid"))
}

fn read_file(path: &Path) -> Result<Option<KeyRing>, VaultKeyError> {
    match std::fs::read_to_string(path) {
        Ok(text) => KeyRing::parse(text.trim())
            .map(Some)
            .map_err(|source| VaultKeyError::File {
                path: path.to_owned(),
                source,
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(VaultKeyError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Writes the ring to `path` (owner-only), atomically: readers see the old file or the new one.
/// With `replace` false, an existing file is kept (two processes generating a first key at once
/// end up using the same one).
fn write_file(path: &Path, ring: &KeyRing, replace: bool) -> Result<(), VaultKeyError> {
    use std::io::Write;
    let io = |source| VaultKeyError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(ring.to_config().expose_secret().as_bytes())?;
        f.sync_all()
    });
    let placed = written.and_then(|()| {
        if replace {
            std::fs::rename(&tmp, path)
        } else {
            // A hard link fails if the name exists: create-if-absent, atomically.
            let linked = match std::fs::hard_link(&tmp, path) {
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
                other => other,
            };
            let _ = std::fs::remove_file(&tmp);
            linked
        }
    });
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

/// The key ring for `config`: `OPTIMA_VAULT_KEYS` when set, else the key file in the data dir,
/// generated (with a warning naming the file) on first start.
pub fn load_keyring(config: &Config) -> Result<(KeyRing, KeySource), VaultKeyError> {
    if let Some(keys) = &config.vault_keys {
        let ring = KeyRing::parse(keys.expose_secret()).map_err(VaultKeyError::Setting)?;
        return Ok((ring, KeySource::Setting));
    }
    let path = key_file(config);
    if let Some(ring) = read_file(&path)? {
        return Ok((ring, KeySource::File(path)));
    }
    write_file(&path, &KeyRing::generate(new_key_id()), false)?;
    // Another process may have written one first: use whatever is there now.
    let ring = read_file(&path)?.ok_or_else(|| VaultKeyError::Io {
        path: path.clone(),
        source: std::io::Error::other("the key file vanished just after it was written"),
    })?;
    tracing::warn!(
        path = %path.display(),
        "OPTIMA_VAULT_KEYS is not set: generated a vault key and kept it in the data dir; back this file up, losing it loses every secure value"
    );
    Ok((ring, KeySource::File(path)))
}

/// What identifies one version of the key file: a rewrite (always a rename onto it, see
/// `write_file`) gives it a new inode, and any edit a new modification time or length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    modified: Option<std::time::SystemTime>,
    len: u64,
    #[cfg(unix)]
    inode: (u64, u64),
}

fn stamp(path: &Path) -> Option<FileStamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(FileStamp {
        modified: meta.modified().ok(),
        len: meta.len(),
        #[cfg(unix)]
        inode: {
            use std::os::unix::fs::MetadataExt;
            (meta.dev(), meta.ino())
        },
    })
}

/// The vault of a running server, following its key file: when `vault rotate` or `vault retire`
/// (from another process) changes the file, the next use of the vault reloads the ring, so the new
/// primary seals and values `vault rewrap` moved onto it open without a restart. Checking costs
/// one `stat` per use. Keys from `OPTIMA_VAULT_KEYS` have no file to follow: changing them needs
/// a restart.
#[derive(Debug)]
pub struct LiveVault {
    source: KeySource,
    /// The vault and the stamp of the file it was read from (`None`: not compared yet).
    current: std::sync::RwLock<(Option<FileStamp>, optima_core::vault::Vault)>,
}

impl LiveVault {
    /// A vault over `ring`, loaded from `source`.
    pub fn new(ring: KeyRing, source: KeySource) -> LiveVault {
        LiveVault {
            source,
            // No stamp: the first use reads the file again, so a change made between loading and
            // now is not missed.
            current: std::sync::RwLock::new((None, optima_core::vault::Vault::new(ring))),
        }
    }

    /// Where the keys come from.
    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// The vault over the key ring as it is now (reloaded first if the key file changed). A key
    /// file that cannot be read or parsed leaves the loaded ring in use, with a warning.
    pub fn current(&self) -> optima_core::vault::Vault {
        let KeySource::File(path) = &self.source else {
            return self.read().1.clone();
        };
        let now = stamp(path);
        {
            let current = self.read();
            if current.0.is_some() && current.0 == now {
                return current.1.clone();
            }
        }
        let mut current = self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if current.0.is_some() && current.0 == now {
            return current.1.clone();
        }
        match read_file(path) {
            Ok(Some(ring)) => {
                if ids(&ring) != ids(current.1.keyring()) {
                    tracing::info!(
                        path = %path.display(),
                        key_ids = %ids(&ring).join(", "),
                        "vault key file changed: key ring reloaded"
                    );
                }
                current.1 = optima_core::vault::Vault::new(ring);
            }
            Ok(None) => tracing::warn!(
                path = %path.display(),
                "vault key file is missing: keeping the keys already loaded"
            ),
            Err(error) => tracing::warn!(
                %error,
                "vault key file changed but cannot be used: keeping the keys already loaded"
            ),
        }
        current.0 = now;
        current.1.clone()
    }

    fn read(
        &self,
    ) -> std::sync::RwLockReadGuard<'_, (Option<FileStamp>, optima_core::vault::Vault)> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
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

fn ids(ring: &KeyRing) -> Vec<String> {
    ring.key_ids().map(|k| k.as_str().to_owned()).collect()
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
pub async fn run_cli(
    config: Config,
    action: crate::cli::VaultAction,
) -> Result<(), Box<dyn std::error::Error>> {
    use crate::cli::VaultAction;
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
