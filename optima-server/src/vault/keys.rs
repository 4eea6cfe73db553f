//! The vault's key ring in the server: from `OPTIMA_VAULT_KEYS`, or generated once and kept in the
//! data dir, and followed by a running server when another process changes it.
//!
//! Key material is never logged or put in an error message: messages name key ids and files only.

use std::path::{Path, PathBuf};

use optima_core::vault::{CryptoError, KeyId, KeyRing};
use rand::RngCore;
use secrecy::ExposeSecret;

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
pub(crate) fn write_file(path: &Path, ring: &KeyRing, replace: bool) -> Result<(), VaultKeyError> {
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

/// The ids of a ring's keys, primary first.
pub(crate) fn ids(ring: &KeyRing) -> Vec<String> {
    ring.key_ids().map(|k| k.as_str().to_owned()).collect()
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
