//! AES-256-GCM sealing bound to a value's place, keys, key rings and key providers.
//!
//! A sealed value is the text `v1.<key_id>.<base64(nonce | ciphertext | tag)>` (standard base64
//! with padding). The nonce is 96 random bits, fresh for every seal. The additional authenticated
//! data is
//!
//! ```text
//! "optima-vault/v1\0" || u32_be(len(credential_id)) || credential_id || field_path
//! ```
//!
//! so a sealed value only opens for the credential id and field path it was sealed for: copied into
//! another row or another field it fails with [`CryptoError::Authentication`]. The length prefix makes
//! the encoding unambiguous whatever characters the ids contain.

use std::fmt;
use std::sync::Arc;

use aes_gcm::aead::rand_core::RngCore;
use aes_gcm::aead::{AeadInPlace, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::{Deserialize, Serialize};

use super::b64;
use super::errors::CryptoError;

const VERSION: &str = "v1";
const AAD_PREFIX: &[u8] = b"optima-vault/v1\0";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Length of a vault key in bytes (AES-256).
pub const KEY_LEN: usize = 32;
/// Longest key id, in bytes.
pub const MAX_KEY_ID_LEN: usize = 64;

/// Draws a nonce. Kept in one place so the source of randomness is easy to audit.
///
/// `rand::thread_rng()` is a ChaCha12 CSPRNG per thread, seeded from the operating system and
/// reseeded every 64 KiB of output and after a `fork`. A `getrandom` system call per value would cost
/// more than the encryption itself for short values; 96 random bits from a CSPRNG give the same
/// collision bound (keep well under 2^32 values per key, which rotation does anyway).
fn fill_random(buf: &mut [u8]) {
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), buf);
}

/// Runs `f` with the AAD for (`credential_id`, `field_path`), on the stack when it fits.
fn with_aad<R>(credential_id: &str, field_path: &str, f: impl FnOnce(&[u8]) -> R) -> R {
    let total = AAD_PREFIX.len() + 4 + credential_id.len() + field_path.len();
    // Ids longer than u32::MAX bytes cannot exist in practice; saturate rather than panic.
    let id_len = u32::try_from(credential_id.len())
        .unwrap_or(u32::MAX)
        .to_be_bytes();
    let parts: [&[u8]; 4] = [
        AAD_PREFIX,
        &id_len,
        credential_id.as_bytes(),
        field_path.as_bytes(),
    ];
    let mut stack = [0u8; 192];
    if total <= stack.len() {
        let mut at = 0;
        for p in parts {
            stack[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        }
        f(&stack[..at])
    } else {
        f(&parts.concat())
    }
}

/// A key id: 1 to [`MAX_KEY_ID_LEN`] of `[A-Za-z0-9_-]`, so it can sit between the dots of the
/// sealed text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyId(Box<str>);

impl KeyId {
    /// Checks and wraps a key id.
    pub fn new(id: impl Into<String>) -> Result<Self, CryptoError> {
        let id = id.into();
        if is_key_id(&id) {
            Ok(KeyId(id.into()))
        } else {
            Err(CryptoError::InvalidKeyId(truncated(&id)))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_key_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_KEY_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// At most 64 characters of `s`, for echoing bad input in an error without flooding it.
fn truncated(s: &str) -> String {
    s.chars().take(MAX_KEY_ID_LEN).collect()
}

impl TryFrom<String> for KeyId {
    type Error = CryptoError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        KeyId::new(s)
    }
}

impl From<KeyId> for String {
    fn from(id: KeyId) -> String {
        id.0.into()
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One AES-256 key with its id. `Debug` shows the id only; the key bytes (and the AES key schedule)
/// are zeroized on drop. Not `Clone`: key rings share keys instead of copying them.
pub struct VaultKey {
    id: KeyId,
    bytes: SecretBox<[u8; KEY_LEN]>,
    cipher: Aes256Gcm,
}

impl VaultKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(id: KeyId, mut bytes: [u8; KEY_LEN]) -> Self {
        let cipher = Aes256Gcm::new(&bytes.into());
        let key = VaultKey {
            id,
            bytes: SecretBox::new(Box::new(bytes)),
            cipher,
        };
        bytes.zeroize();
        key
    }

    /// A key from standard base64 (padded or not) of its 32 bytes.
    pub fn from_base64(id: KeyId, encoded: &str) -> Result<Self, CryptoError> {
        let encoded = encoded.trim();
        let mut raw = STANDARD
            .decode(encoded)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(encoded))
            .map_err(|_| CryptoError::InvalidKeyEncoding {
                key_id: id.to_string(),
            })?;
        let result = match <[u8; KEY_LEN]>::try_from(raw.as_slice()) {
            Ok(bytes) => Ok(VaultKey::from_bytes(id, bytes)),
            Err(_) => Err(CryptoError::InvalidKeyLength {
                key_id: id.to_string(),
                len: raw.len(),
            }),
        };
        raw.zeroize();
        result
    }

    /// A new random key from the operating system's generator.
    pub fn generate(id: KeyId) -> Self {
        let mut bytes = [0u8; KEY_LEN];
        OsRng.fill_bytes(&mut bytes);
        VaultKey::from_bytes(id, bytes)
    }

    /// The key's id.
    pub fn id(&self) -> &KeyId {
        &self.id
    }

    /// The key as standard base64, e.g. to store a generated key. Handle with care.
    pub fn to_base64(&self) -> SecretString {
        SecretString::from(STANDARD.encode(self.bytes.expose_secret()))
    }
}

impl fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultKey")
            .field("id", &self.id.as_str())
            .field("key", &"[REDACTED]")
            .finish()
    }
}

/// A sealed value: `v1.<key_id>.<base64>`. Checked for shape when parsed; authenticity is only
/// known when it is opened. `Debug` shows the key id and length, `Display` the text as stored.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sealed(String);

impl Sealed {
    /// Checks the shape of stored text (`v1`, a valid key id, a non-empty payload).
    pub fn parse(text: impl Into<String>) -> Result<Self, CryptoError> {
        let text = text.into();
        split_sealed(&text)?;
        Ok(Sealed(text))
    }

    /// The stored text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of the key it was sealed with.
    pub fn key_id(&self) -> &str {
        split_sealed(&self.0).map(|(id, _)| id).unwrap_or_default()
    }

    /// The stored text, by value.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl TryFrom<String> for Sealed {
    type Error = CryptoError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Sealed::parse(s)
    }
}

impl From<Sealed> for String {
    fn from(s: Sealed) -> String {
        s.0
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("key_id", &self.key_id())
            .field("len", &self.0.len())
            .finish()
    }
}

impl fmt::Display for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Splits `v1.<key_id>.<payload>` into key id and payload (checked byte by byte: this runs on every
/// open).
fn split_sealed(text: &str) -> Result<(&str, &str), CryptoError> {
    const SHAPE: &str = "expected `v1.<key_id>.<base64 payload>`";
    let Some(rest) = text.strip_prefix("v1.") else {
        return Err(match text.split_once('.') {
            Some((version, _)) if version.len() <= 8 && version.starts_with('v') => {
                CryptoError::UnsupportedVersion(version.to_owned())
            }
            _ => CryptoError::Malformed(SHAPE),
        });
    };
    let Some(dot) = rest
        .bytes()
        .take(MAX_KEY_ID_LEN + 1)
        .position(|b| b == b'.')
    else {
        return Err(CryptoError::Malformed(SHAPE));
    };
    let (key_id, payload) = (&rest[..dot], &rest[dot + 1..]);
    if !is_key_id(key_id) {
        return Err(CryptoError::Malformed(
            "the key id is not [A-Za-z0-9_-]{1,64}",
        ));
    }
    if payload.is_empty() {
        return Err(CryptoError::Truncated { len: 0 });
    }
    Ok((key_id, payload))
}

/// The keys the vault uses: one primary that seals, and older keys that still open what they
/// sealed. Cheap to clone (keys are shared). `Debug` lists key ids only.
#[derive(Clone)]
pub struct KeyRing {
    // keys[0] is the primary.
    keys: Vec<Arc<VaultKey>>,
}

impl KeyRing {
    /// A ring with `primary` and older keys kept for opening; ids must be distinct.
    pub fn new(
        primary: VaultKey,
        older: impl IntoIterator<Item = VaultKey>,
    ) -> Result<Self, CryptoError> {
        let mut keys = vec![Arc::new(primary)];
        for key in older {
            if keys.iter().any(|k| k.id == key.id) {
                return Err(CryptoError::DuplicateKeyId {
                    key_id: key.id.to_string(),
                });
            }
            keys.push(Arc::new(key));
        }
        Ok(KeyRing { keys })
    }

    /// A ring of one freshly generated key, e.g. for a first start.
    pub fn generate(id: KeyId) -> Self {
        KeyRing {
            keys: vec![Arc::new(VaultKey::generate(id))],
        }
    }

    /// Parses `id:base64key,id:base64key,…` (the `OPTIMA_VAULT_KEYS` setting); the first key is the
    /// primary. Whitespace around entries is ignored. Errors name the entry (by position or key
    /// id), never the key material.
    pub fn parse(config: &str) -> Result<Self, CryptoError> {
        let mut keys: Vec<VaultKey> = Vec::new();
        for (i, entry) in config.split(',').enumerate() {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let Some((id, key)) = entry.split_once(':') else {
                return Err(CryptoError::InvalidKeyEntry { index: i + 1 });
            };
            let id = KeyId::new(id.trim())?;
            if keys.iter().any(|k| k.id == id) {
                return Err(CryptoError::DuplicateKeyId {
                    key_id: id.to_string(),
                });
            }
            keys.push(VaultKey::from_base64(id, key)?);
        }
        let mut keys = keys.into_iter();
        let primary = keys.next().ok_or(CryptoError::EmptyKeyRing)?;
        KeyRing::new(primary, keys)
    }

    /// The ring as `id:base64key,…` (primary first), the inverse of [`KeyRing::parse`], e.g. to store a
    /// generated ring.
    pub fn to_config(&self) -> SecretString {
        let mut out = String::new();
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k.id.as_str());
            out.push(':');
            out.push_str(k.to_base64().expose_secret());
        }
        SecretString::from(out)
    }

    /// The key that seals.
    pub fn primary(&self) -> &VaultKey {
        &self.keys[0]
    }

    /// Ids of every key, primary first.
    pub fn key_ids(&self) -> impl Iterator<Item = &KeyId> {
        self.keys.iter().map(|k| &k.id)
    }

    /// The key with id `id`.
    pub fn get(&self, id: &str) -> Option<&VaultKey> {
        self.keys.iter().find(|k| k.id.as_str() == id).map(|k| &**k)
    }

    /// Makes `key` the primary; the previous keys stay to open old values until they are rewrapped.
    pub fn rotate(&mut self, key: VaultKey) -> Result<(), CryptoError> {
        if self.get(key.id.as_str()).is_some() {
            return Err(CryptoError::DuplicateKeyId {
                key_id: key.id.to_string(),
            });
        }
        self.keys.insert(0, Arc::new(key));
        Ok(())
    }

    /// Drops a non-primary key once nothing is sealed under it any more. Returns whether it was
    /// there; the primary cannot be retired.
    pub fn retire(&mut self, id: &str) -> bool {
        match self.keys.iter().skip(1).position(|k| k.id.as_str() == id) {
            Some(i) => {
                self.keys.remove(i + 1);
                true
            }
            None => false,
        }
    }

    /// Seals `plaintext` under the primary key for (`credential_id`, `field_path`).
    pub fn seal(
        &self,
        credential_id: &str,
        field_path: &str,
        plaintext: &[u8],
    ) -> Result<Sealed, CryptoError> {
        let key = self.primary();
        with_buffer(NONCE_LEN + plaintext.len() + TAG_LEN, |bin| {
            let (nonce, rest) = bin.split_at_mut(NONCE_LEN);
            let (message, tag_out) = rest.split_at_mut(plaintext.len());
            fill_random(nonce);
            message.copy_from_slice(plaintext);
            let tag = with_aad(credential_id, field_path, |aad| {
                key.cipher
                    .encrypt_in_place_detached(Nonce::from_slice(nonce), aad, message)
            });
            match tag {
                Ok(tag) => tag_out.copy_from_slice(&tag),
                Err(_) => {
                    message.zeroize();
                    return Err(CryptoError::Encrypt);
                }
            }
            encode_sealed(key.id.as_str(), bin)
        })
    }

    /// The key that sealed `sealed`, and the payload. A ring key's id is matched in place, so the
    /// common case skips the shape checks that only matter for naming what is wrong.
    fn locate<'s>(&self, sealed: &'s str) -> Result<(&VaultKey, &'s str), CryptoError> {
        if let Some(rest) = sealed.strip_prefix("v1.") {
            for key in &self.keys {
                // Key ids hold no dot, so `<id>.` cannot match a longer id.
                let payload = rest
                    .strip_prefix(key.id.as_str())
                    .and_then(|r| r.strip_prefix('.'));
                if let Some(payload) = payload.filter(|p| !p.is_empty()) {
                    return Ok((key, payload));
                }
            }
        }
        let (key_id, _) = split_sealed(sealed)?;
        Err(CryptoError::UnknownKey {
            key_id: key_id.to_owned(),
        })
    }

    /// Opens `sealed` and hands the plaintext to `f`; the buffer that held it is zeroized afterwards.
    fn open_with<R>(
        &self,
        sealed: &str,
        credential_id: &str,
        field_path: &str,
        f: impl FnOnce(&[u8]) -> Result<R, CryptoError>,
    ) -> Result<R, CryptoError> {
        let (key, payload) = self.locate(sealed)?;
        with_buffer(b64::decoded_len_bound(payload.len()), |buf| {
            let len =
                b64::decode_into(payload.as_bytes(), buf).ok_or(CryptoError::InvalidBase64)?;
            if len < NONCE_LEN + TAG_LEN {
                return Err(CryptoError::Truncated { len });
            }
            let (nonce, rest) = buf[..len].split_at_mut(NONCE_LEN);
            let (message, tag) = rest.split_at_mut(len - NONCE_LEN - TAG_LEN);
            let opened = with_aad(credential_id, field_path, |aad| {
                key.cipher.decrypt_in_place_detached(
                    Nonce::from_slice(nonce),
                    aad,
                    message,
                    Tag::from_slice(tag),
                )
            });
            let result = match opened {
                Ok(()) => f(message),
                Err(_) => Err(CryptoError::Authentication),
            };
            message.zeroize();
            result
        })
    }

    /// Opens a value sealed for (`credential_id`, `field_path`). Any key of the ring may have sealed
    /// it.
    pub fn open(
        &self,
        sealed: &str,
        credential_id: &str,
        field_path: &str,
    ) -> Result<SecretString, CryptoError> {
        self.open_with(sealed, credential_id, field_path, |plain| {
            std::str::from_utf8(plain)
                .map(SecretString::from)
                .map_err(|_| CryptoError::NotUtf8)
        })
    }

    /// Whether `sealed` was sealed under a key other than the primary.
    pub fn needs_rewrap(&self, sealed: &str) -> bool {
        split_sealed(sealed).map_or(true, |(id, _)| id != self.primary().id.as_str())
    }

    /// Re-seals a value under the primary key, with a fresh nonce, for the same place. The plaintext
    /// only lives in a buffer inside this function, zeroized before it returns.
    ///
    /// Returns `Ok(None)` without opening anything when the value is already under the primary key:
    /// rotation is about moving off old keys, and a bulk rewrap should cost nothing for values
    /// already moved (shape errors are still reported). Use [`KeyRing::open`] to check authenticity.
    pub fn rewrap(
        &self,
        sealed: &str,
        credential_id: &str,
        field_path: &str,
    ) -> Result<Option<Sealed>, CryptoError> {
        let (key_id, _) = split_sealed(sealed)?;
        if key_id == self.primary().id.as_str() {
            return Ok(None);
        }
        self.open_with(sealed, credential_id, field_path, |plain| {
            self.seal(credential_id, field_path, plain)
        })
        .map(Some)
    }
}

/// Values up to this size (plus nonce and tag) are sealed and opened without a heap buffer.
const STACK_BUFFER: usize = 256;

/// Runs `f` on a zeroed buffer of `len` bytes, on the stack when it fits.
fn with_buffer<R>(len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    if len <= STACK_BUFFER {
        let mut stack = [0u8; STACK_BUFFER];
        f(&mut stack[..len])
    } else {
        f(&mut vec![0u8; len])
    }
}

/// `v1.<key_id>.<base64(bin)>`, written into one exactly sized allocation.
fn encode_sealed(key_id: &str, bin: &[u8]) -> Result<Sealed, CryptoError> {
    let mut text =
        Vec::with_capacity(VERSION.len() + key_id.len() + 2 + b64::encoded_len(bin.len()));
    text.extend_from_slice(VERSION.as_bytes());
    text.push(b'.');
    text.extend_from_slice(key_id.as_bytes());
    text.push(b'.');
    b64::encode_into(bin, &mut text);
    // Only ASCII was written; the check is cheap next to the encryption.
    String::from_utf8(text)
        .map(Sealed)
        .map_err(|_| CryptoError::Encrypt)
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("primary", &self.primary().id.as_str())
            .field(
                "keys",
                &self.keys.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Where the vault's keys come from.
///
/// Asynchronous because real sources are (a secrets manager, a KMS, a file); it is called when the
/// server starts and when keys rotate, never per value: sealing and opening work on the loaded
/// [`KeyRing`], synchronously.
#[async_trait]
pub trait KeyProvider: Send + Sync {
    /// Loads the current key ring.
    async fn load(&self) -> Result<KeyRing, CryptoError>;
}

/// A provider reading `id:base64key,…` text (the `OPTIMA_VAULT_KEYS` setting), first key primary.
#[derive(Debug, Clone)]
pub struct ConfigKeyProvider {
    config: SecretString,
}

impl ConfigKeyProvider {
    /// A provider for `config`.
    pub fn new(config: SecretString) -> Self {
        ConfigKeyProvider { config }
    }
}

#[async_trait]
impl KeyProvider for ConfigKeyProvider {
    async fn load(&self) -> Result<KeyRing, CryptoError> {
        KeyRing::parse(self.config.expose_secret())
    }
}

/// A provider that hands out a fixed ring (tests, programs that build keys themselves).
#[derive(Debug, Clone)]
pub struct StaticKeyProvider(pub KeyRing);

#[async_trait]
impl KeyProvider for StaticKeyProvider {
    async fn load(&self) -> Result<KeyRing, CryptoError> {
        Ok(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> KeyId {
        KeyId::new(s).unwrap()
    }

    #[test]
    fn aad_is_unambiguous() {
        let a = with_aad("ab", "c", |x| x.to_vec());
        let b = with_aad("a", "bc", |x| x.to_vec());
        assert_ne!(a, b);
        let long = "x".repeat(500);
        let c = with_aad(&long, "f", |x| x.to_vec());
        assert_eq!(c.len(), AAD_PREFIX.len() + 4 + 501);
    }

    #[test]
    fn key_ids_are_checked() {
        assert!(KeyId::new("k-1_A").is_ok());
        for bad in ["", "a.b", "a:b", "a b", &"x".repeat(65)] {
            assert!(matches!(KeyId::new(bad), Err(CryptoError::InvalidKeyId(_))));
        }
    }

    #[test]
    fn rotate_and_retire() {
        let mut ring = KeyRing::generate(id("a"));
        let s = ring.seal("c", "f", b"x").unwrap();
        ring.rotate(VaultKey::generate(id("b"))).unwrap();
        assert_eq!(ring.primary().id().as_str(), "b");
        assert!(ring.needs_rewrap(s.as_str()));
        let s2 = ring.rewrap(s.as_str(), "c", "f").unwrap().unwrap();
        assert_eq!(s2.key_id(), "b");
        assert!(ring.rewrap(s2.as_str(), "c", "f").unwrap().is_none());
        assert!(ring.retire("a"));
        assert!(!ring.retire("b"));
        assert_eq!(
            ring.open(s2.as_str(), "c", "f").unwrap().expose_secret(),
            "x"
        );
        assert!(matches!(
            ring.rotate(VaultKey::generate(id("b"))),
            Err(CryptoError::DuplicateKeyId { .. })
        ));
    }
}
