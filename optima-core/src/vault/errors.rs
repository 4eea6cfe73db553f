//! The vault's two error types: validation problems (all of them, with paths) and crypto failures.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One validation problem: where it is and what is wrong.
///
/// `path` points into the JSON input the way JavaScript would: `name`, `fields[2].subFields[0].id`,
/// `subCredentials.tunnels[0].fields[1].value`. Object keys that are not plain identifiers
/// (`[A-Za-z0-9_-]+`) are written as quoted JSON strings in brackets (`subCredentials["a b"]`), so the
/// path can always be split back into segments with [`ValidationError::segments`]. An empty path means
/// the input as a whole. Messages never repeat the offending value: it may be a secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ValidationError {
    /// Where the problem is.
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

/// One step of a [`ValidationError`] path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PathSegment {
    /// An object key.
    Key(String),
    /// An array index.
    Index(usize),
}

impl ValidationError {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The path split into keys and indexes (`fields[2].id` → `["fields", 2, "id"]`), e.g. for an
    /// HTTP error body that wants a JSON array. A path that was not built by this module comes back as
    /// one key holding the whole text.
    pub fn segments(&self) -> Vec<PathSegment> {
        parse_path(&self.path).unwrap_or_else(|| vec![PathSegment::Key(self.path.clone())])
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every problem found in one input. Never empty when returned as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ValidationErrors {
    errors: Vec<ValidationError>,
}

impl ValidationErrors {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem at `path`.
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ValidationError::new(path, message));
    }

    /// Whether no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// How many problems were recorded.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// The problems, in the order they were found (input order).
    pub fn errors(&self) -> &[ValidationError] {
        &self.errors
    }

    /// Iterates over the problems.
    pub fn iter(&self) -> std::slice::Iter<'_, ValidationError> {
        self.errors.iter()
    }

    /// Takes the problems out.
    pub fn into_vec(self) -> Vec<ValidationError> {
        self.errors
    }

    /// `Ok(())` when nothing was recorded, otherwise `Err(self)`.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl From<Vec<ValidationError>> for ValidationErrors {
    fn from(errors: Vec<ValidationError>) -> Self {
        ValidationErrors { errors }
    }
}

impl IntoIterator for ValidationErrors {
    type Item = ValidationError;
    type IntoIter = std::vec::IntoIter<ValidationError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a ValidationError;
    type IntoIter = std::slice::Iter<'a, ValidationError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.len() {
            0 => f.write_str("validation failed"),
            1 => write!(f, "validation failed: {}", self.errors[0]),
            n => {
                write!(f, "validation failed ({n} problems): ")?;
                for (i, e) in self.errors.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ValidationErrors {}

pub(crate) fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `base` + object key `key`.
pub(crate) fn join_key(base: &str, key: &str) -> String {
    if is_ident(key) {
        if base.is_empty() {
            key.to_owned()
        } else {
            format!("{base}.{key}")
        }
    } else {
        // serde_json cannot fail on a &str.
        let quoted = serde_json::to_string(key).unwrap_or_else(|_| String::from("\"?\""));
        format!("{base}[{quoted}]")
    }
}

/// `base` + array index `index`.
pub(crate) fn join_index(base: &str, index: usize) -> String {
    format!("{base}[{index}]")
}

fn parse_path(path: &str) -> Option<Vec<PathSegment>> {
    let bytes = path.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let ident_end = |from: usize| {
        let mut j = from;
        while j < bytes.len()
            && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] == b'-')
        {
            j += 1;
        }
        j
    };
    while i < bytes.len() {
        match bytes[i] {
            b'.' if !out.is_empty() => {
                let end = ident_end(i + 1);
                if end == i + 1 {
                    return None;
                }
                out.push(PathSegment::Key(path[i + 1..end].to_owned()));
                i = end;
            }
            b'[' if bytes.get(i + 1) == Some(&b'"') => {
                // Find the closing quote, skipping escaped characters.
                let mut j = i + 2;
                loop {
                    match bytes.get(j)? {
                        b'\\' => j += 2,
                        b'"' => break,
                        _ => j += 1,
                    }
                }
                let key: String = serde_json::from_str(&path[i + 1..=j]).ok()?;
                if bytes.get(j + 1) != Some(&b']') {
                    return None;
                }
                out.push(PathSegment::Key(key));
                i = j + 2;
            }
            b'[' => {
                let close = i + path[i..].find(']')?;
                out.push(PathSegment::Index(path[i + 1..close].parse().ok()?));
                i = close + 1;
            }
            _ if out.is_empty() && i == 0 => {
                let end = ident_end(0);
                if end == 0 {
                    return None;
                }
                out.push(PathSegment::Key(path[..end].to_owned()));
                i = end;
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Why an encryption, decryption or key-handling step failed. Never carries key material or
/// plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The text is not `v1.<key_id>.<base64>` (what is missing is named).
    #[error("malformed ciphertext: {0}")]
    Malformed(&'static str),

    /// The ciphertext was written by a format version this code does not read.
    #[error("unsupported ciphertext version `{0}`")]
    UnsupportedVersion(String),

    /// The ciphertext's base64 payload does not decode.
    #[error("ciphertext payload is not valid base64")]
    InvalidBase64,

    /// The payload is too short to hold a nonce and a tag: it was cut off.
    #[error("ciphertext is truncated ({len} bytes, at least 28 needed)")]
    Truncated {
        /// Decoded payload length.
        len: usize,
    },

    /// The ciphertext names a key that is not in the key ring (retired, or another ring).
    #[error("ciphertext was sealed with key `{key_id}`, which is not in the key ring")]
    UnknownKey {
        /// The key id the ciphertext names.
        key_id: String,
    },

    /// Authentication failed: the ciphertext was altered, or copied from another credential or
    /// field, or the key with that id is not the one that sealed it.
    #[error(
        "ciphertext does not authenticate: it was altered, moved from another credential or field, or sealed under a different key"
    )]
    Authentication,

    /// The decrypted bytes are not UTF-8 (only possible if something else sealed them).
    #[error("decrypted value is not UTF-8")]
    NotUtf8,

    /// Encryption itself failed (the value is beyond AES-GCM's length limit).
    #[error("encryption failed")]
    Encrypt,

    /// A key id is empty, too long or has characters outside `[A-Za-z0-9_-]`.
    #[error("invalid key id `{0}`: use 1 to 64 of [A-Za-z0-9_-]")]
    InvalidKeyId(String),

    /// A key is not 32 bytes.
    #[error("key `{key_id}` is {len} bytes; AES-256 needs 32")]
    InvalidKeyLength {
        /// The key's id.
        key_id: String,
        /// Its decoded length.
        len: usize,
    },

    /// A key's base64 does not decode.
    #[error("key `{key_id}` is not valid base64")]
    InvalidKeyEncoding {
        /// The key's id.
        key_id: String,
    },

    /// An entry of an `id:base64key,…` key list is not `id:key`.
    #[error("key list entry {index} (counting from 1) is not `id:base64key`")]
    InvalidKeyEntry {
        /// 1-based position of the entry.
        index: usize,
    },

    /// Two keys share an id.
    #[error("key id `{key_id}` appears more than once")]
    DuplicateKeyId {
        /// The repeated id.
        key_id: String,
    },

    /// No key was configured.
    #[error("the key list is empty")]
    EmptyKeyRing,

    /// A key provider could not produce the key ring.
    #[error("key provider: {0}")]
    Provider(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_into_segments() {
        let p = join_key(&join_index(&join_key("", "fields"), 2), "subFields");
        let p = join_key(&join_index(&p, 0), "id");
        assert_eq!(p, "fields[2].subFields[0].id");
        let e = ValidationError::new(p, "x");
        assert_eq!(
            e.segments(),
            vec![
                PathSegment::Key("fields".into()),
                PathSegment::Index(2),
                PathSegment::Key("subFields".into()),
                PathSegment::Index(0),
                PathSegment::Key("id".into()),
            ]
        );
        let odd = join_index(&join_key(&join_key("", "subCredentials"), "a.b\"]["), 3);
        assert_eq!(odd, r#"subCredentials["a.b\"]["][3]"#);
        assert_eq!(
            ValidationError::new(odd, "x").segments(),
            vec![
                PathSegment::Key("subCredentials".into()),
                PathSegment::Key("a.b\"][".into()),
                PathSegment::Index(3),
            ]
        );
        assert_eq!(
            serde_json::to_string(&ValidationError::new("a[1]", "m").segments()).unwrap(),
            r#"["a",1]"#
        );
        assert_eq!(ValidationError::new("", "m").segments(), vec![]);
        assert_eq!(
            ValidationError::new("a..b", "m").segments(),
            vec![PathSegment::Key("a..b".into())]
        );
    }

    #[test]
    fn display_lists_every_problem() {
        let mut errs = ValidationErrors::new();
        errs.push("name", "must not be empty");
        errs.push("fields[1].value", "must be an IPv4 or IPv6 address");
        assert_eq!(
            errs.to_string(),
            "validation failed (2 problems): name: must not be empty; fields[1].value: must be an IPv4 or IPv6 address"
        );
        assert_eq!(
            serde_json::to_value(&errs).unwrap(),
            serde_json::json!([
                {"path": "name", "message": "must not be empty"},
                {"path": "fields[1].value", "message": "must be an IPv4 or IPv6 address"}
            ])
        );
    }
}
