//! Credential types: the schema a credential's fields follow, and its validation.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::generate::PasswordPolicy;

use super::errors::{ValidationErrors, is_ident, join_index, join_key};
use super::value_type::ValueType;
use crate::rbac::Node;

/// How deep `subFields` may nest: top-level fields are level 1, so a multi_credential field at
/// level 4 cannot have sub-fields. Bounds recursion everywhere input follows a schema.
pub const MAX_DEPTH: usize = 4;
/// Longest field id, in bytes.
pub const MAX_ID_LEN: usize = 64;
/// Longest type, field or credential name, in characters.
pub const MAX_NAME_LEN: usize = 200;
/// Most fields at one level of a type.
pub const MAX_FIELDS: usize = 100;
/// Longest icon reference, in bytes.
pub const MAX_ICON_LEN: usize = 2048;

/// One field of a credential type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDefinition {
    /// Identifier, unique among its siblings: `[A-Za-z0-9_-]`, at most [`MAX_ID_LEN`] bytes.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether a credential must give a value (for multi_credential: at least one sub-credential).
    pub required: bool,
    /// Whether the value is encrypted at rest and hidden until revealed.
    pub secure: bool,
    /// What the value is.
    pub value_type: ValueType,
    /// For multi_credential fields only: the fields of each sub-credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_fields: Option<Vec<FieldDefinition>>,
}

impl FieldDefinition {
    /// A field without sub-fields.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        value_type: ValueType,
        required: bool,
        secure: bool,
    ) -> Self {
        FieldDefinition {
            id: id.into(),
            name: name.into(),
            required,
            secure,
            value_type,
            sub_fields: None,
        }
    }

    /// A multi_credential field whose sub-credentials have `sub_fields`.
    pub fn multi(
        id: impl Into<String>,
        name: impl Into<String>,
        required: bool,
        sub_fields: Vec<FieldDefinition>,
    ) -> Self {
        FieldDefinition {
            id: id.into(),
            name: name.into(),
            required,
            secure: false,
            value_type: ValueType::MultiCredential,
            sub_fields: Some(sub_fields),
        }
    }

    /// The sub-fields of a multi_credential field (empty for any other).
    pub fn sub_fields(&self) -> &[FieldDefinition] {
        self.sub_fields.as_deref().unwrap_or(&[])
    }
}

/// The body of `POST /credential-type`: a type before it has an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialTypeInput {
    /// Display name, unique among types (the store enforces uniqueness).
    pub name: String,
    /// Permission node required, besides the route's own, to act on credentials of this type.
    pub permission_scope: String,
    /// Icon URL or name.
    #[serde(default)]
    pub icon: Option<String>,
    /// The fields.
    pub fields: Vec<FieldDefinition>,
}

/// The body of `PATCH /credential-type/:id`: only what is given changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialTypePatch {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New permission scope.
    #[serde(default)]
    pub permission_scope: Option<String>,
    /// New icon.
    #[serde(default)]
    pub icon: Option<String>,
    /// New field list (replaces the old one).
    #[serde(default)]
    pub fields: Option<Vec<FieldDefinition>>,
}

/// A stored credential type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialType {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Permission node required to act on credentials of this type.
    pub permission_scope: String,
    /// Icon URL or name.
    pub icon: Option<String>,
    /// The fields.
    pub fields: Vec<FieldDefinition>,
    /// How values generated for its fields are made; `None` for [`PasswordPolicy::default`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_policy: Option<PasswordPolicy>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl CredentialType {
    /// Validates `input` and makes a type of it with a fresh id and timestamps.
    pub fn create(input: CredentialTypeInput) -> Result<CredentialType, ValidationErrors> {
        validate_type(&input)?;
        let now = super::model::now();
        let mut fields = input.fields;
        normalize(&mut fields);
        Ok(CredentialType {
            id: super::model::new_id(),
            name: input.name.trim().to_owned(),
            permission_scope: input.permission_scope,
            icon: input.icon,
            fields,
            password_policy: None,
            created_at: now,
            updated_at: now,
        })
    }

    /// The same type generating values under `policy` (`None`: the default policy), once the
    /// policy is checked (paths under `passwordPolicy`).
    pub fn with_password_policy(
        mut self,
        policy: Option<PasswordPolicy>,
    ) -> Result<CredentialType, ValidationErrors> {
        if let Some(p) = &policy {
            p.validate("passwordPolicy")?;
        }
        self.password_policy = policy;
        Ok(self)
    }

    /// The policy values generated for this type's fields follow.
    pub fn policy(&self) -> PasswordPolicy {
        self.password_policy.clone().unwrap_or_default()
    }

    /// Applies `patch`, validating the result as a whole, and bumps `updated_at`.
    pub fn patched(&self, patch: CredentialTypePatch) -> Result<CredentialType, ValidationErrors> {
        let input = CredentialTypeInput {
            name: patch.name.unwrap_or_else(|| self.name.clone()),
            permission_scope: patch
                .permission_scope
                .unwrap_or_else(|| self.permission_scope.clone()),
            icon: patch.icon.or_else(|| self.icon.clone()),
            fields: patch.fields.unwrap_or_else(|| self.fields.clone()),
        };
        validate_type(&input)?;
        let mut fields = input.fields;
        normalize(&mut fields);
        Ok(CredentialType {
            id: self.id.clone(),
            name: input.name.trim().to_owned(),
            permission_scope: input.permission_scope,
            icon: input.icon,
            fields,
            password_policy: self.password_policy.clone(),
            created_at: self.created_at,
            updated_at: super::model::now(),
        })
    }

    /// The parsed permission scope (`None` only if the type was stored without validation).
    pub fn scope_node(&self) -> Option<Node> {
        Node::parse(&self.permission_scope).ok()
    }

    /// The fields of the sub-credentials reached by following multi_credential field ids from the
    /// top (`[]` → the type's own fields; `["tunnels"]` → the sub-fields of `tunnels`).
    pub fn fields_at<S: AsRef<str>>(&self, schema_path: &[S]) -> Option<&[FieldDefinition]> {
        let mut fields: &[FieldDefinition] = &self.fields;
        for id in schema_path {
            let field = fields.iter().find(|f| f.id == id.as_ref())?;
            if !field.value_type.is_multi() {
                return None;
            }
            fields = field.sub_fields();
        }
        Some(fields)
    }

    /// The field with id `field_id` at `schema_path` (see [`CredentialType::fields_at`]).
    pub fn field_at<S: AsRef<str>>(
        &self,
        schema_path: &[S],
        field_id: &str,
    ) -> Option<&FieldDefinition> {
        self.fields_at(schema_path)?
            .iter()
            .find(|f| f.id == field_id)
    }
}

/// A field of a type by where it sits: the multi_credential field ids above it (empty at the top)
/// and its own id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldPath {
    /// The multi_credential field ids from the top level down to this field's level.
    pub schema_path: Vec<String>,
    /// The field's id.
    pub field_id: String,
}

impl std::fmt::Display for FieldPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for p in &self.schema_path {
            write!(f, "{p}.")?;
        }
        f.write_str(&self.field_id)
    }
}

/// What an edit of a type does to the values stored under it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldChanges {
    /// Fields that were plain and are now secure: their values must be sealed.
    pub sealed: Vec<FieldPath>,
    /// Fields that were secure and are now plain: their values would be stored in clear.
    pub unsealed: Vec<FieldPath>,
    /// Fields that are gone (or a multi_credential field that no longer is one): their values,
    /// and the sub-credentials under them, have no place any more.
    pub removed: Vec<FieldPath>,
}

impl FieldChanges {
    /// Whether stored values are unaffected.
    pub fn is_empty(&self) -> bool {
        self.sealed.is_empty() && self.unsealed.is_empty() && self.removed.is_empty()
    }
}

impl CredentialType {
    /// Whether every value of `credential` in a field this type has is stored as the type says:
    /// sealed exactly where the field is secure. A credential sealed against an older shape of
    /// the type is not. (Values of fields the type no longer has are unreachable either way.)
    pub fn stores_as_defined(&self, credential: &super::model::Credential) -> bool {
        credential.fields.iter().all(|f| {
            self.field_at(&credential.schema_path, &f.field_id)
                .is_none_or(|def| def.secure == f.is_secure())
        })
    }

    /// What changing this type into `new` does to stored values.
    pub fn field_changes(&self, new: &CredentialType) -> FieldChanges {
        let mut changes = FieldChanges::default();
        diff_level(&self.fields, new, &mut Vec::new(), &mut changes);
        changes
    }
}

fn diff_level(
    old: &[FieldDefinition],
    new: &CredentialType,
    path: &mut Vec<String>,
    changes: &mut FieldChanges,
) {
    for field in old {
        let at = FieldPath {
            schema_path: path.clone(),
            field_id: field.id.clone(),
        };
        let Some(now) = new.field_at(path, &field.id) else {
            changes.removed.push(at);
            continue;
        };
        if field.value_type.is_multi() {
            if now.value_type.is_multi() {
                path.push(field.id.clone());
                diff_level(field.sub_fields(), new, path, changes);
                path.pop();
            } else {
                changes.removed.push(at);
            }
            continue;
        }
        match (field.secure, now.secure) {
            (false, true) => changes.sealed.push(at),
            (true, false) => changes.unsealed.push(at),
            _ => {}
        }
    }
}

/// Drops `subFields: []` that lenient clients send on fields that are not multi_credential.
fn normalize(fields: &mut [FieldDefinition]) {
    for f in fields {
        if f.value_type.is_multi() {
            if let Some(sub) = f.sub_fields.as_mut() {
                normalize(sub);
            }
        } else {
            f.sub_fields = None;
        }
    }
}

/// Checks a type definition and returns every problem at once: empty or overlong name, invalid
/// `permissionScope` node, and per field: bad or duplicate ids (per level), empty names, `subFields` on a
/// field that is not multi_credential (an empty list is tolerated), missing or empty `subFields` on a
/// multi_credential field, nesting deeper than [`MAX_DEPTH`], a totp field that is not `secure`.
pub fn validate_type(input: &CredentialTypeInput) -> Result<(), ValidationErrors> {
    let mut errs = ValidationErrors::new();
    check_name(&mut errs, "name", &input.name);
    if let Err(e) = Node::parse(&input.permission_scope) {
        errs.push(
            "permissionScope",
            format!(
                "not a valid permission node (at position {}: {})",
                e.position, e.reason
            ),
        );
    }
    if let Some(icon) = &input.icon
        && icon.len() > MAX_ICON_LEN
    {
        errs.push("icon", format!("must be at most {MAX_ICON_LEN} bytes"));
    }
    check_fields(&mut errs, "fields", &input.fields, 1);
    errs.into_result()
}

pub(crate) fn check_name(errs: &mut ValidationErrors, path: &str, name: &str) {
    if name.trim().is_empty() {
        errs.push(path, "must not be empty");
    } else if name.chars().count() > MAX_NAME_LEN {
        errs.push(path, format!("must be at most {MAX_NAME_LEN} characters"));
    }
}

fn check_fields(errs: &mut ValidationErrors, path: &str, fields: &[FieldDefinition], depth: usize) {
    if fields.is_empty() {
        errs.push(path, "must have at least one field");
        return;
    }
    if fields.len() > MAX_FIELDS {
        errs.push(path, format!("must have at most {MAX_FIELDS} fields"));
    }
    let mut seen = HashSet::with_capacity(fields.len());
    for (i, field) in fields.iter().enumerate() {
        let at = join_index(path, i);
        let id_path = join_key(&at, "id");
        if field.id.is_empty() {
            errs.push(id_path, "must not be empty");
        } else if field.id.len() > MAX_ID_LEN {
            errs.push(id_path, format!("must be at most {MAX_ID_LEN} bytes"));
        } else if !is_ident(&field.id) {
            errs.push(id_path, "may only contain letters, digits, `_` and `-`");
        } else if !seen.insert(field.id.as_str()) {
            errs.push(
                id_path,
                format!("duplicate field id `{}` at this level", field.id),
            );
        }
        check_name(errs, &join_key(&at, "name"), &field.name);
        if field.value_type.always_secure() && !field.secure {
            errs.push(
                join_key(&at, "secure"),
                format!("a {} field is always secure", field.value_type),
            );
        }

        let sub_path = join_key(&at, "subFields");
        match (field.value_type.is_multi(), &field.sub_fields) {
            (false, Some(sub)) if !sub.is_empty() => errs.push(
                sub_path,
                format!(
                    "only multi_credential fields may have subFields (this one is {})",
                    field.value_type
                ),
            ),
            (false, _) => {}
            (true, None) => errs.push(sub_path, "a multi_credential field needs subFields"),
            (true, Some(_)) if depth >= MAX_DEPTH => errs.push(
                sub_path,
                format!("fields may nest at most {MAX_DEPTH} levels deep"),
            ),
            (true, Some(sub)) => check_fields(errs, &sub_path, sub, depth + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::errors::ValidationError;
    use ValueType::*;

    fn input(fields: Vec<FieldDefinition>) -> CredentialTypeInput {
        CredentialTypeInput {
            name: "VPN".into(),
            permission_scope: "vpn.credentials".into(),
            icon: None,
            fields,
        }
    }

    fn paths(r: Result<(), ValidationErrors>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.path).collect()
    }

    #[test]
    fn accepts_the_spec_example() {
        let json = serde_json::json!({
          "name": "VPN Config",
          "permissionScope": "vpn.credentials",
          "icon": "https://example.com/vpn.ico",
          "fields": [
            {"id": "hostname", "name": "Hostname", "required": true, "secure": false, "valueType": "plain_text"},
            {"id": "tunnels", "name": "Tunnels", "required": false, "secure": false, "valueType": "multi_credential",
             "subFields": [
                {"id": "server", "name": "Server", "required": true, "secure": false, "valueType": "plain_text"},
                {"id": "psk", "name": "Pre-Shared Key", "required": true, "secure": true, "valueType": "password"}
             ]}
          ]
        });
        let input: CredentialTypeInput = serde_json::from_value(json.clone()).unwrap();
        validate_type(&input).unwrap();
        let ty = CredentialType::create(input).unwrap();
        let out = serde_json::to_value(&ty).unwrap();
        assert_eq!(out["fields"], json["fields"]);
        assert_eq!(out["permissionScope"], "vpn.credentials");
        assert!(out["createdAt"].is_string() && out["updatedAt"].is_string());
        assert_eq!(ty.fields_at(&["tunnels"]).unwrap().len(), 2);
        assert!(ty.fields_at(&["hostname"]).is_none());
        assert_eq!(
            ty.field_at(&["tunnels"], "psk").unwrap().name,
            "Pre-Shared Key"
        );
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        let mut bad = input(vec![
            FieldDefinition::new("a", "A", PlainText, true, false),
            FieldDefinition::new("a", "", Password, true, true),
            FieldDefinition::multi(
                "m",
                "M",
                false,
                vec![
                    FieldDefinition::new("x", "X", PlainText, true, false),
                    FieldDefinition::new("x", "X", PlainText, true, false),
                    FieldDefinition {
                        sub_fields: Some(vec![FieldDefinition::new(
                            "y", "Y", PlainText, false, false,
                        )]),
                        ..FieldDefinition::new("p", "P", Password, false, true)
                    },
                    FieldDefinition {
                        sub_fields: None,
                        ..FieldDefinition::multi("n", "N", false, vec![])
                    },
                    FieldDefinition::multi("e", "E", false, vec![]),
                ],
            ),
            FieldDefinition::new("bad id", "B", PlainText, false, false),
        ]);
        bad.name = "  ".into();
        bad.permission_scope = "vpn..x".into();
        let errs = validate_type(&bad).unwrap_err();
        let got: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            got,
            vec![
                "name",
                "permissionScope",
                "fields[1].id",
                "fields[1].name",
                "fields[2].subFields[1].id",
                "fields[2].subFields[2].subFields",
                "fields[2].subFields[3].subFields",
                "fields[2].subFields[4].subFields",
                "fields[3].id",
            ],
            "{errs}"
        );
        assert!(errs.errors()[1].message.contains("position 4"), "{errs}");
        assert!(errs.errors()[2].message.contains("duplicate"));
    }

    #[test]
    fn a_totp_field_must_be_secure() {
        validate_type(&input(vec![FieldDefinition::new(
            "otp", "OTP", Totp, false, true,
        )]))
        .unwrap();
        let errs = validate_type(&input(vec![FieldDefinition::multi(
            "logins",
            "Logins",
            false,
            vec![
                FieldDefinition::new("user", "User", PlainText, true, false),
                FieldDefinition::new("otp", "OTP", Totp, false, false),
            ],
        )]))
        .unwrap_err();
        assert_eq!(
            errs.errors(),
            [ValidationError::new(
                "fields[0].subFields[1].secure",
                "a totp field is always secure"
            )]
        );
    }

    #[test]
    fn bounds_the_depth() {
        fn nest(levels: usize) -> FieldDefinition {
            if levels == 0 {
                FieldDefinition::new("leaf", "Leaf", PlainText, false, false)
            } else {
                FieldDefinition::multi("m", "M", false, vec![nest(levels - 1)])
            }
        }
        // MAX_DEPTH levels of fields: three multis then a leaf.
        validate_type(&input(vec![nest(MAX_DEPTH - 1)])).unwrap();
        assert_eq!(
            paths(validate_type(&input(vec![nest(MAX_DEPTH)]))),
            vec!["fields[0].subFields[0].subFields[0].subFields[0].subFields"]
        );
        assert_eq!(
            paths(validate_type(&input(vec![nest(40)]))),
            vec!["fields[0].subFields[0].subFields[0].subFields[0].subFields"]
        );
    }

    #[test]
    fn empty_type_and_empty_sub_fields_on_plain_fields() {
        assert_eq!(paths(validate_type(&input(vec![]))), vec!["fields"]);
        let lenient = input(vec![FieldDefinition {
            sub_fields: Some(vec![]),
            ..FieldDefinition::new("a", "A", PlainText, false, false)
        }]);
        let ty = CredentialType::create(lenient).unwrap();
        assert_eq!(ty.fields[0].sub_fields, None);
    }

    #[test]
    fn patch_validates_the_result() {
        let ty = CredentialType::create(input(vec![FieldDefinition::new(
            "a", "A", PlainText, false, false,
        )]))
        .unwrap();
        let renamed = ty
            .patched(CredentialTypePatch {
                name: Some("VPN 2".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(renamed.name, "VPN 2");
        assert_eq!(renamed.fields, ty.fields);
        assert_eq!(renamed.id, ty.id);
        let err = ty
            .patched(CredentialTypePatch {
                permission_scope: Some("*".into()),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(err.errors()[0].path, "permissionScope");
    }
}
