//! What changed in a record, written for the audit trail.
//!
//! A snapshot is a record as JSON. A secure value is never in the trail, not even encrypted: its
//! snapshot holds a [`mark`] (a digest of what is stored, kept in memory only), and the
//! difference says only that it changed. So does every value of a credential's fields: the
//! trail's readers need not hold the credential's permissions, and a field made secure later
//! must not stay readable in the trail.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The key of a mark in a snapshot.
const MARK: &str = "$mark";

/// The mark that stands for a value the trail must not hold (`secure`: a secure value's
/// ciphertext): equal marks mean an unchanged value. It never leaves the process: [`diff`]
/// writes only `{"changed": true, "secure": …}`.
pub fn mark(stored: &str, secure: bool) -> Value {
    let digest: String = Sha256::digest(stored.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    json!({ MARK: digest, "secure": secure })
}

/// Whether a snapshot value is a mark, and if so whether it stands for a secure value.
fn marked(value: &Value) -> Option<bool> {
    let object = value.as_object()?;
    object.contains_key(MARK).then(|| object["secure"] == true)
}

/// The difference between two snapshots of a record (none before a creation, none after a
/// deletion): `{"path.to.field": {"before": …, "after": …}}` for each field that differs, nested
/// objects flattened with dots, a side left out where the field is absent or null; a marked
/// value as `{"changed": true, "secure": …}`.
pub fn diff(before: Option<&Value>, after: Option<&Value>) -> Value {
    let mut out = Map::new();
    walk("", before, after, &mut out);
    Value::Object(out)
}

/// `Some(None)` for nothing, `Some(Some(map))` for an object, `None` for any other value.
fn as_object(value: Option<&Value>) -> Option<Option<&Map<String, Value>>> {
    match value {
        None => Some(None),
        Some(Value::Object(map)) => Some(Some(map)),
        Some(_) => None,
    }
}

fn walk(path: &str, before: Option<&Value>, after: Option<&Value>, out: &mut Map<String, Value>) {
    let (before, after) = (
        before.filter(|v| !v.is_null()),
        after.filter(|v| !v.is_null()),
    );
    if before == after {
        return;
    }
    let marks = (before.and_then(marked), after.and_then(marked));
    if marks != (None, None) {
        let secure = marks.0.unwrap_or(false) || marks.1.unwrap_or(false);
        out.insert(path.to_owned(), json!({"changed": true, "secure": secure}));
        return;
    }
    if let (Some(b), Some(a)) = (as_object(before), as_object(after))
        && (b.is_some() || a.is_some())
    {
        let empty = Map::new();
        let (b, a) = (b.unwrap_or(&empty), a.unwrap_or(&empty));
        for key in b.keys().chain(a.keys().filter(|k| !b.contains_key(*k))) {
            let path = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            walk(&path, b.get(key), a.get(key), out);
        }
        return;
    }
    // A side that is absent (or null) is left out: `{"after": …}` for a field that appears.
    let mut sides = Map::new();
    if let Some(before) = before {
        sides.insert("before".into(), before.clone());
    }
    if let Some(after) = after {
        sides.insert("after".into(), after.clone());
    }
    out.insert(path.to_owned(), Value::Object(sides));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_are_written() {
        let before = json!({"id": "r1", "title": "Ops", "permissions": ["a"]});
        let after = json!({"id": "r1", "title": "Operations", "permissions": ["a", "b"]});
        assert_eq!(
            diff(Some(&before), Some(&after)),
            json!({
                "title": {"before": "Ops", "after": "Operations"},
                "permissions": {"before": ["a"], "after": ["a", "b"]},
            })
        );
    }

    #[test]
    fn a_creation_and_a_deletion_list_every_field() {
        let record = json!({"id": "r1", "fields": {"user": "admin"}});
        assert_eq!(
            diff(None, Some(&record)),
            json!({"id": {"after": "r1"}, "fields.user": {"after": "admin"}})
        );
        assert_eq!(
            diff(Some(&record), None),
            json!({"id": {"before": "r1"}, "fields.user": {"before": "admin"}})
        );
    }

    #[test]
    fn a_secure_value_is_only_ever_changed() {
        let before = json!({"fields": {"password": mark("ciphertext-1", true), "user": mark("admin", false)}});
        let after = json!({"fields": {"password": mark("ciphertext-2", true), "user": mark("root", false)}});
        let written = diff(Some(&before), Some(&after));
        assert_eq!(
            written,
            json!({
                "fields.password": {"changed": true, "secure": true},
                "fields.user": {"changed": true, "secure": false},
            })
        );
        assert!(
            !written.to_string().contains("ciphertext") && !written.to_string().contains("root")
        );
        let unchanged = json!({"fields": {"password": mark("ciphertext-1", true)}});
        assert_eq!(diff(Some(&unchanged), Some(&unchanged)), json!({}));
        let created = diff(None, Some(&unchanged)).to_string();
        assert!(!created.contains(MARK) && created.contains("changed"));
    }
}
