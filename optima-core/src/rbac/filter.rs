//! Field-level read permissions on JSON objects.

use serde_json::Value;

use super::grants::GrantSet;

/// Keeps only the fields of `value` whose `<prefix>.<field>` node the grants allow.
///
/// An object is filtered key by key; an array has each of its objects filtered; anything else
/// is returned as is. Deny by default: a field with no node granted (including a field whose
/// name is not a valid node segment) is removed.
///
/// ```
/// use optima_core::rbac::{GrantSet, filter_fields};
/// let grants = GrantSet::builder()
///     .direct(["unifi.site.wifi.read.name"])
///     .unwrap()
///     .build();
/// let wlan = serde_json::json!({"name": "Office", "passphrase": "hunter22"});
/// let seen = filter_fields(wlan, "unifi.site.wifi.read", &grants);
/// assert_eq!(seen, serde_json::json!({"name": "Office"}));
/// ```
pub fn filter_fields(mut value: Value, prefix: &str, grants: &GrantSet) -> Value {
    filter_fields_in_place(&mut value, prefix, grants);
    value
}

/// [`filter_fields`] without taking ownership.
pub fn filter_fields_in_place(value: &mut Value, prefix: &str, grants: &GrantSet) {
    // One buffer for every node built here: `<prefix>.` stays, the field is swapped.
    let mut node = String::with_capacity(prefix.len() + 32);
    node.push_str(prefix);
    node.push('.');
    let keep = prefix.len() + 1;
    let children = grants.children_of(prefix);
    let mut filter_object = |object: &mut serde_json::Map<String, Value>| {
        object.retain(|field, _| {
            if !is_segment(field) {
                return false;
            }
            node.truncate(keep);
            node.push_str(field);
            children.check(&node)
        });
    };
    match value {
        Value::Object(object) => filter_object(object),
        Value::Array(items) => {
            for item in items {
                if let Value::Object(object) = item {
                    filter_object(object);
                }
            }
        }
        _ => {}
    }
}

/// Whether `field` can stand as one node segment; anything else could smuggle a dot or an
/// empty segment into the node and must not be granted by a wildcard.
fn is_segment(field: &str) -> bool {
    !field.is_empty()
        && field
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn grants(g: &[&str]) -> GrantSet {
        GrantSet::builder().direct(g).unwrap().build()
    }

    #[test]
    fn keeps_only_granted_fields() {
        let wlan = json!({"name": "A", "enabled": true, "passphrase": "x"});
        let g = grants(&["p.name", "p.enabled"]);
        assert_eq!(
            filter_fields(wlan.clone(), "p", &g),
            json!({"name": "A", "enabled": true})
        );
        assert_eq!(filter_fields(wlan.clone(), "p", &grants(&["p.*"])), wlan);
        assert_eq!(filter_fields(wlan.clone(), "p", &grants(&[])), json!({}));
        assert_eq!(
            filter_fields(wlan, "p", &grants(&["p.*", "-p.passphrase"])),
            json!({"name": "A", "enabled": true})
        );
    }

    #[test]
    fn filters_each_object_of_an_array_and_leaves_scalars() {
        let list = json!([{"name": "A", "x": 1}, {"name": "B"}, 3]);
        assert_eq!(
            filter_fields(list, "p", &grants(&["p.name"])),
            json!([{"name": "A"}, {"name": "B"}, 3])
        );
        assert_eq!(filter_fields(json!("s"), "p", &grants(&[])), json!("s"));
    }

    #[test]
    fn odd_field_names_are_denied() {
        let v = json!({"a.b": 1, "": 2, "a": 3, "a b": 4});
        assert_eq!(
            filter_fields(v.clone(), "p", &grants(&["p.a"])),
            json!({"a": 3})
        );
        assert_eq!(filter_fields(v, "p", &grants(&["p.*"])), json!({"a": 3}));
    }
}
