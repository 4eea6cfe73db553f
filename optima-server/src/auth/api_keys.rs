//! API keys as presented: `optima_<prefix>_<secret>`. The prefix (10 random characters) finds
//! the key and is shown in lists; the secret is 256 random bits; only the SHA-256 of the whole
//! key is stored. A key acts for its owner with at most the owner's grants: see
//! [`crate::auth::caller`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use secrecy::SecretString;

use super::tokens::hash_secret;

/// What every key starts with, so that a leaked one is recognisable (secret scanners) and a
/// bearer token is told apart from a JWT at a glance.
pub const KEY_START: &str = "optima_";

/// Characters of a prefix: lower-case letters and digits, never `_` (which ends it).
const PREFIX_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Length of a prefix: 36^10 (about 2^51) values, so two keys never share one in practice.
const PREFIX_LEN: usize = 10;

/// A newly made key: the whole key (shown once), its prefix, and the hash that is stored.
#[derive(Debug)]
pub struct MintedKey {
    /// `optima_<prefix>_<secret>`, for the owner's eyes once.
    pub key: SecretString,
    /// The prefix.
    pub prefix: String,
    /// SHA-256 of the whole key, in hex.
    pub hash: String,
}

/// Makes a new key from the operating system's random generator.
pub fn mint() -> MintedKey {
    let mut rng = rand::rngs::OsRng;
    let prefix: String = (0..PREFIX_LEN)
        .map(|_| {
            let i = (rng.next_u32() as usize) % PREFIX_ALPHABET.len();
            PREFIX_ALPHABET[i] as char
        })
        .collect();
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    let key = format!("{KEY_START}{prefix}_{}", URL_SAFE_NO_PAD.encode(secret));
    MintedKey {
        hash: hash_secret(&key),
        key: SecretString::from(key),
        prefix,
    }
}

/// The prefix of something presented as a key, if it is shaped like one.
pub fn prefix_of(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix(KEY_START)?;
    let (prefix, secret) = rest.split_once('_')?;
    (prefix.len() == PREFIX_LEN
        && prefix.bytes().all(|b| PREFIX_ALPHABET.contains(&b))
        && !secret.is_empty())
    .then_some(prefix)
}

/// Whether `presented` is the key whose stored hash is `stored_hash`, compared in time that
/// does not depend on where they differ.
pub fn matches(presented: &str, stored_hash: &str) -> bool {
    let hash = hash_secret(presented);
    hash.len() == stored_hash.len()
        && hash
            .bytes()
            .zip(stored_hash.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn a_minted_key_has_its_shape_and_matches_only_itself() {
        let a = mint();
        let b = mint();
        let key = a.key.expose_secret();
        assert!(key.starts_with("optima_"));
        assert_eq!(prefix_of(key), Some(a.prefix.as_str()));
        // 32 random bytes: 43 base64 characters after the prefix's `_`.
        assert_eq!(key.len(), KEY_START.len() + PREFIX_LEN + 1 + 43);
        assert!(matches(key, &a.hash));
        assert!(!matches(key, &b.hash));
        assert!(!matches(&format!("{key}x"), &a.hash));
        assert_ne!(a.prefix, b.prefix);
    }

    #[test]
    fn only_key_shaped_tokens_have_a_prefix() {
        for not_a_key in [
            "eyJhbGciOiJIUzI1NiJ9.e30.x",
            "optima_",
            "optima_short_x",
            "optima_ABCDEFGHIJ_x",
            "optima_abcdefghij_",
            "optima_abcdefghij",
        ] {
            assert_eq!(prefix_of(not_a_key), None, "{not_a_key}");
        }
        assert_eq!(prefix_of("optima_abcdefghij_s3cret"), Some("abcdefghij"));
    }
}
