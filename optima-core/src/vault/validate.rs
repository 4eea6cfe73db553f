//! Validation of credential input against its type. Every problem is reported, with its path.

use std::collections::HashSet;

use super::errors::{ValidationErrors, join_index, join_key};
use super::model::{CredentialInput, FieldInput, SubCredentialInput, SubCredentialInputs};
use super::schema::{CredentialType, FieldDefinition, check_name};

/// Longest field value, in bytes.
pub const MAX_VALUE_LEN: usize = 64 * 1024;
/// Longest notes, in characters.
pub const MAX_NOTES_LEN: usize = 10_000;
/// Most sub-credentials given inline for one multi_credential field.
pub const MAX_INLINE_SUB_CREDENTIALS: usize = 100;

/// Whether absent required fields are an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Creating: every required field must be there.
    Create,
    /// Updating some fields: the others keep their values.
    Update,
}

/// Validates the body of `POST /credential/credentials` against `ty`: name, notes, `typeId`,
/// `companyId`, every field value and every inline sub-credential (recursively). Required fields must be
/// present (a required multi_credential field needs at least one sub-credential), unknown and repeated
/// field ids are rejected, values are checked by type.
pub fn validate_credential(
    ty: &CredentialType,
    input: &CredentialInput,
) -> Result<(), ValidationErrors> {
    let mut errs = ValidationErrors::new();
    check_name(&mut errs, "name", &input.name);
    if let Some(notes) = &input.notes
        && notes.chars().count() > MAX_NOTES_LEN
    {
        errs.push(
            "notes",
            format!("must be at most {MAX_NOTES_LEN} characters"),
        );
    }
    if input.type_id != ty.id {
        errs.push(
            "typeId",
            "does not match the credential type validated against",
        );
    }
    if input.company_id.trim().is_empty() {
        errs.push("companyId", "must not be empty");
    }
    check_level(
        &mut errs,
        "",
        &ty.fields,
        &input.fields,
        Some(&input.sub_credentials),
        Mode::Create,
    );
    errs.into_result()
}

/// Validates one sub-credential (inline or added later) against `sub_fields`, the `subFields` of its
/// multi_credential field. Paths are relative to the sub-credential (`name`, `fields[0].value`).
pub fn validate_sub_credential(
    sub_fields: &[FieldDefinition],
    input: &SubCredentialInput,
) -> Result<(), ValidationErrors> {
    let mut errs = ValidationErrors::new();
    check_sub_credential(&mut errs, "", sub_fields, input);
    errs.into_result()
}

/// Validates a change to some field values (`PUT /credential/credentials/:id/fields`) against `defs`,
/// the fields of the credential's level. Fields not given keep their values, so absent required fields
/// are not an error; a required field cannot be emptied.
pub fn validate_field_update(
    defs: &[FieldDefinition],
    fields: &[FieldInput],
) -> Result<(), ValidationErrors> {
    let mut errs = ValidationErrors::new();
    check_level(&mut errs, "", defs, fields, None, Mode::Update);
    errs.into_result()
}

/// Field ids come from clients; cap what goes back into messages.
fn shown(id: &str) -> String {
    if id.len() <= 64 {
        id.to_owned()
    } else {
        let mut end = 64;
        while !id.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &id[..end])
    }
}

fn check_sub_credential(
    errs: &mut ValidationErrors,
    base: &str,
    sub_fields: &[FieldDefinition],
    input: &SubCredentialInput,
) {
    check_name(errs, &join_key(base, "name"), &input.name);
    check_level(
        errs,
        base,
        sub_fields,
        &input.fields,
        Some(&input.sub_credentials),
        Mode::Create,
    );
}

/// Checks one level: `fields` (and `subCredentials` when given) under `base` against `defs`.
fn check_level(
    errs: &mut ValidationErrors,
    base: &str,
    defs: &[FieldDefinition],
    fields: &[FieldInput],
    subs: Option<&SubCredentialInputs>,
    mode: Mode,
) {
    let fields_path = join_key(base, "fields");
    let mut seen: HashSet<&str> = HashSet::with_capacity(fields.len());
    for (i, input) in fields.iter().enumerate() {
        let at = join_index(&fields_path, i);
        let id = input.field_id.as_str();
        if id.is_empty() {
            errs.push(join_key(&at, "fieldId"), "must not be empty");
            continue;
        }
        let Some(def) = defs.iter().find(|d| d.id == id) else {
            errs.push(
                join_key(&at, "fieldId"),
                format!("unknown field `{}`", shown(id)),
            );
            continue;
        };
        if !seen.insert(id) {
            errs.push(
                join_key(&at, "fieldId"),
                format!("field `{id}` is given more than once"),
            );
            continue;
        }
        if def.value_type.is_multi() {
            errs.push(
                join_key(&at, "fieldId"),
                format!(
                    "`{id}` is a multi_credential field: give its entries under {}",
                    join_key(&join_key(base, "subCredentials"), id)
                ),
            );
            continue;
        }
        let value_path = join_key(&at, "value");
        if input.value.len() > MAX_VALUE_LEN {
            errs.push(value_path, format!("must be at most {MAX_VALUE_LEN} bytes"));
        } else if def.required && input.value.is_empty() {
            errs.push(value_path, "is required and must not be empty");
        } else if let Err(problem) = def.value_type.check(&input.value) {
            // A problem with one part of the value (`digits` of an otpauth URI) goes below it.
            let path = match problem.part {
                Some(part) => join_key(&value_path, part),
                None => value_path,
            };
            errs.push(path, problem.message);
        }
    }

    let subs_path = join_key(base, "subCredentials");
    if mode == Mode::Create {
        for def in defs.iter().filter(|d| d.required) {
            if def.value_type.is_multi() {
                let given = subs
                    .and_then(|s| s.get(&def.id))
                    .is_some_and(|e| !e.is_empty());
                if !given {
                    errs.push(
                        subs_path.clone(),
                        format!(
                            "required field `{}` needs at least one sub-credential",
                            def.id
                        ),
                    );
                }
            } else if !seen.contains(def.id.as_str()) {
                errs.push(
                    fields_path.clone(),
                    format!("required field `{}` is missing", def.id),
                );
            }
        }
    }

    if let Some(subs) = subs {
        for (key, entries) in subs {
            let key_path = join_key(&subs_path, key);
            let Some(def) = defs.iter().find(|d| &d.id == key) else {
                errs.push(key_path, format!("unknown field `{}`", shown(key)));
                continue;
            };
            if !def.value_type.is_multi() {
                errs.push(
                    key_path,
                    format!(
                        "`{key}` is not a multi_credential field ({})",
                        def.value_type
                    ),
                );
                continue;
            }
            if entries.len() > MAX_INLINE_SUB_CREDENTIALS {
                errs.push(
                    key_path,
                    format!("at most {MAX_INLINE_SUB_CREDENTIALS} sub-credentials at once"),
                );
                continue;
            }
            for (j, entry) in entries.iter().enumerate() {
                check_sub_credential(errs, &join_index(&key_path, j), def.sub_fields(), entry);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::schema::CredentialTypeInput;
    use crate::vault::value_type::ValueType::*;
    use std::collections::BTreeMap;

    fn vpn() -> CredentialType {
        CredentialType::create(CredentialTypeInput {
            name: "VPN".into(),
            permission_scope: "vpn.credentials".into(),
            icon: None,
            fields: vec![
                FieldDefinition::new("host", "Host", PlainText, true, false),
                FieldDefinition::new("ip", "IP", IpAddress, false, false),
                FieldDefinition::new("recovery", "Recovery", BitlockerKey, false, true),
                FieldDefinition::new("admin", "Admin password", Password, true, true),
                FieldDefinition::multi(
                    "tunnels",
                    "Tunnels",
                    false,
                    vec![
                        FieldDefinition::new("server", "Server", PlainText, true, false),
                        FieldDefinition::new("psk", "PSK", Password, true, true),
                        FieldDefinition::new("peer", "Peer", IpAddress, false, false),
                    ],
                ),
            ],
        })
        .unwrap()
    }

    fn input(ty: &CredentialType, fields: Vec<FieldInput>) -> CredentialInput {
        CredentialInput {
            name: "Office VPN".into(),
            notes: None,
            type_id: ty.id.clone(),
            company_id: "c1".into(),
            fields,
            sub_credentials: BTreeMap::new(),
        }
    }

    fn f(id: &str, v: &str) -> FieldInput {
        FieldInput::new(id, v)
    }

    #[test]
    fn accepts_a_valid_credential() {
        let ty = vpn();
        let mut ok = input(
            &ty,
            vec![
                f("host", "vpn.example.com"),
                f("ip", "192.0.2.1"),
                f("admin", "s3cret"),
            ],
        );
        ok.sub_credentials.insert(
            "tunnels".into(),
            vec![SubCredentialInput {
                name: "T1".into(),
                fields: vec![f("server", "a"), f("psk", "b"), f("peer", "2001:db8::2")],
                sub_credentials: BTreeMap::new(),
            }],
        );
        validate_credential(&ty, &ok).unwrap();
    }

    #[test]
    fn reports_every_problem_without_echoing_values() {
        let ty = vpn();
        let mut bad = input(
            &ty,
            vec![
                f("ip", "999.1.1.1"),
                f("recovery", "not-a-key-topsecret"),
                f("nope", "x"),
                f("ip", "10.0.0.1"),
                f("admin", ""),
                f("tunnels", "x"),
                f("", "x"),
            ],
        );
        bad.name = String::new();
        bad.company_id = " ".into();
        bad.sub_credentials.insert(
            "tunnels".into(),
            vec![
                SubCredentialInput {
                    name: "ok".into(),
                    fields: vec![f("server", "a"), f("psk", "b")],
                    sub_credentials: BTreeMap::new(),
                },
                SubCredentialInput {
                    name: "".into(),
                    fields: vec![f("server", "a"), f("peer", "nope-topsecret")],
                    sub_credentials: BTreeMap::new(),
                },
            ],
        );
        bad.sub_credentials.insert("host".into(), vec![]);
        bad.sub_credentials.insert("a b".into(), vec![]);
        let errs = validate_credential(&ty, &bad).unwrap_err();
        let got: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.path.as_str(), e.message.as_str()))
            .collect();
        let paths: Vec<&str> = got.iter().map(|(p, _)| *p).collect();
        assert_eq!(
            paths,
            vec![
                "name",
                "companyId",
                "fields[0].value",
                "fields[1].value",
                "fields[2].fieldId",
                "fields[3].fieldId",
                "fields[4].value",
                "fields[5].fieldId",
                "fields[6].fieldId",
                "fields",
                r#"subCredentials["a b"]"#,
                "subCredentials.host",
                "subCredentials.tunnels[1].name",
                "subCredentials.tunnels[1].fields[1].value",
                "subCredentials.tunnels[1].fields",
            ],
            "{errs}"
        );
        assert!(got[14].1.contains("`psk`"));
        assert!(got[9].1.contains("`host`"));
        assert!(!errs.to_string().contains("topsecret"));
    }

    #[test]
    fn required_multi_needs_an_entry_and_update_mode_allows_absence() {
        let mut ty = vpn();
        ty.fields[4].required = true;
        let only = input(&ty, vec![f("host", "h"), f("admin", "p")]);
        let errs = validate_credential(&ty, &only).unwrap_err();
        assert_eq!(errs.errors()[0].path, "subCredentials");

        validate_field_update(&ty.fields, &[f("ip", "10.1.1.1")]).unwrap();
        let errs = validate_field_update(&ty.fields, &[f("host", ""), f("x", "y")]).unwrap_err();
        let paths: Vec<_> = errs.iter().map(|e| e.path.clone()).collect();
        assert_eq!(paths, vec!["fields[0].value", "fields[1].fieldId"]);
    }

    #[test]
    fn a_totp_problem_is_reported_at_the_wrong_part() {
        let defs = vec![
            FieldDefinition::new("user", "User", PlainText, true, false),
            FieldDefinition::new("otp", "One-time codes", Totp, false, true),
        ];
        validate_field_update(&defs, &[f("otp", "JBSWY3DPEHPK3PXP")]).unwrap();
        let errs = validate_field_update(
            &defs,
            &[
                f("user", ""),
                f(
                    "otp",
                    "otpauth://totp/ACME:a?secret=JBSWY3DPEHPK3PXPTOPSECRE&digits=9",
                ),
            ],
        )
        .unwrap_err();
        let got: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.path.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("fields[0].value", "is required and must not be empty"),
                ("fields[1].value.digits", "must be 6, 7 or 8"),
            ]
        );
        let errs = validate_field_update(&defs, &[f("otp", "TOPSECRET1")]).unwrap_err();
        assert_eq!(errs.errors()[0].path, "fields[0].value");
        assert!(!format!("{errs} {errs:?}").contains("TOPSECRET"));
    }

    #[test]
    fn sub_credential_alone() {
        let ty = vpn();
        let sub = ty.fields_at(&["tunnels"]).unwrap();
        let input = SubCredentialInput {
            name: "T2".into(),
            fields: vec![f("server", "s")],
            sub_credentials: BTreeMap::new(),
        };
        let errs = validate_sub_credential(sub, &input).unwrap_err();
        assert_eq!(errs.errors()[0].path, "fields");
        assert!(errs.errors()[0].message.contains("psk"));
    }
}
