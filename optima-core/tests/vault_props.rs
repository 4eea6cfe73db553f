//! Property tests: random schemas and inputs never panic; inputs built to satisfy a schema are
//! accepted, sealed, and reveal to what was given.

use std::collections::BTreeMap;
use std::net::IpAddr;

use optima_core::vault::{
    CredentialInput, CredentialType, CredentialTypeInput, FieldDefinition, FieldInput, KeyId,
    KeyRing, MAX_DEPTH, PathSegment, StoredValue, SubCredentialInput, SubCredentialInputs,
    ValueType, Vault, validate_credential, validate_type,
};
use proptest::prelude::*;
use secrecy::ExposeSecret;

const CASES: u32 = 256;

fn value_type() -> impl Strategy<Value = ValueType> {
    proptest::sample::select(ValueType::ALL.to_vec())
}

// ---------- arbitrary (mostly invalid) schemas and inputs ----------

fn any_id() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_owned()),
        Just("b".to_owned()),
        Just(String::new()),
        "[a-c]{1,2}",
        ".{0,4}",
    ]
}

fn any_fields(depth: u32) -> BoxedStrategy<Vec<FieldDefinition>> {
    let leaf = (
        any_id(),
        ".{0,3}",
        any::<bool>(),
        any::<bool>(),
        value_type(),
    )
        .prop_map(|(id, name, required, secure, value_type)| FieldDefinition {
            id,
            name,
            required,
            secure,
            value_type,
            sub_fields: None,
        });
    if depth == 0 {
        return proptest::collection::vec(leaf, 0..4).boxed();
    }
    let node = (leaf, proptest::option::of(any_fields(depth - 1))).prop_map(|(mut f, sub)| {
        f.sub_fields = sub;
        f
    });
    proptest::collection::vec(node, 0..4).boxed()
}

fn any_type_input() -> impl Strategy<Value = CredentialTypeInput> {
    (".{0,6}", "[a-z.*]{0,8}", any_fields(MAX_DEPTH as u32 + 2)).prop_map(
        |(name, permission_scope, fields)| CredentialTypeInput {
            name,
            permission_scope,
            icon: None,
            fields,
        },
    )
}

fn any_field_inputs() -> impl Strategy<Value = Vec<FieldInput>> {
    proptest::collection::vec(
        (any_id(), ".{0,60}").prop_map(|(id, v)| FieldInput::new(id, v)),
        0..5,
    )
}

fn any_subs(depth: u32) -> BoxedStrategy<SubCredentialInputs> {
    if depth == 0 {
        return Just(BTreeMap::new()).boxed();
    }
    let entry = (".{0,3}", any_field_inputs(), any_subs(depth - 1)).prop_map(
        |(name, fields, sub_credentials)| SubCredentialInput {
            name,
            fields,
            sub_credentials,
        },
    );
    proptest::collection::btree_map(any_id(), proptest::collection::vec(entry, 0..3), 0..3).boxed()
}

// ---------- schemas and inputs that are valid by construction ----------

fn valid_fields(depth: usize) -> BoxedStrategy<Vec<FieldDefinition>> {
    let kind = if depth < MAX_DEPTH {
        prop_oneof![4 => value_type().prop_filter("leaf", |t| !t.is_multi()).prop_map(Some), 1 => Just(None)].boxed()
    } else {
        value_type()
            .prop_filter("leaf", |t| !t.is_multi())
            .prop_map(Some)
            .boxed()
    };
    let field =
        (kind, any::<bool>(), any::<bool>()).prop_flat_map(move |(kind, required, secure)| {
            match kind {
                Some(t) => Just(FieldDefinition::new(
                    "",
                    "Field",
                    t,
                    required,
                    secure || t.always_secure(),
                ))
                .boxed(),
                None => valid_fields(depth + 1)
                    .prop_map(move |sub| FieldDefinition::multi("", "Multi", required, sub))
                    .boxed(),
            }
        });
    proptest::collection::vec(field, 1..4)
        .prop_map(|mut fields| {
            // Unique ids per level by construction.
            for (i, f) in fields.iter_mut().enumerate() {
                f.id = format!("f{i}");
            }
            fields
        })
        .boxed()
}

fn valid_value(t: ValueType, required: bool) -> BoxedStrategy<String> {
    match t {
        ValueType::PlainText if required => ".{1,20}".boxed(),
        ValueType::PlainText => ".{0,20}".boxed(),
        ValueType::IpAddress => any::<IpAddr>().prop_map(|ip| ip.to_string()).boxed(),
        ValueType::BitlockerKey => proptest::collection::vec(0u32..1_000_000, 8)
            .prop_map(|g| {
                g.iter()
                    .map(|n| format!("{n:06}"))
                    .collect::<Vec<_>>()
                    .join("-")
            })
            .boxed(),
        ValueType::Totp => "([A-Z2-7]{8}){2,8}".boxed(),
        _ => ".{1,40}".boxed(),
    }
}

#[derive(Debug, Clone)]
enum Part {
    Field(Option<FieldInput>),
    Subs(String, Vec<SubCredentialInput>),
}

fn valid_level(defs: &[FieldDefinition]) -> BoxedStrategy<(Vec<FieldInput>, SubCredentialInputs)> {
    let parts: Vec<BoxedStrategy<Part>> = defs
        .iter()
        .map(|d| {
            let id = d.id.clone();
            if d.value_type.is_multi() {
                let min = usize::from(d.required);
                let sub_fields = d.sub_fields().to_vec();
                let entry =
                    (".{1,8}", valid_level(&sub_fields)).prop_map(|(name, (fields, subs))| {
                        SubCredentialInput {
                            name: format!("n{name}"),
                            fields,
                            sub_credentials: subs,
                        }
                    });
                proptest::collection::vec(entry, min..3)
                    .prop_map(move |v| Part::Subs(id.clone(), v))
                    .boxed()
            } else if d.required {
                valid_value(d.value_type, true)
                    .prop_map(move |v| Part::Field(Some(FieldInput::new(id.clone(), v))))
                    .boxed()
            } else {
                proptest::option::of(valid_value(d.value_type, false))
                    .prop_map(move |v| Part::Field(v.map(|v| FieldInput::new(id.clone(), v))))
                    .boxed()
            }
        })
        .collect();
    parts
        .prop_map(|parts| {
            let mut fields = Vec::new();
            let mut subs = BTreeMap::new();
            for p in parts {
                match p {
                    Part::Field(Some(f)) => fields.push(f),
                    Part::Field(None) => {}
                    Part::Subs(id, v) if !v.is_empty() => {
                        subs.insert(id, v);
                    }
                    Part::Subs(..) => {}
                }
            }
            (fields, subs)
        })
        .boxed()
}

fn valid_type_and_input() -> impl Strategy<Value = (CredentialType, CredentialInput)> {
    valid_fields(1)
        .prop_map(|fields| {
            CredentialType::create(CredentialTypeInput {
                name: "Generated".into(),
                permission_scope: "generated.credentials".into(),
                icon: None,
                fields,
            })
            .expect("generated schemas are valid")
        })
        .prop_flat_map(|ty| {
            let level = valid_level(&ty.fields);
            (Just(ty), level)
        })
        .prop_map(|(ty, (fields, sub_credentials))| {
            let input = CredentialInput {
                name: "Generated credential".into(),
                notes: None,
                type_id: ty.id.clone(),
                company_id: "acme".into(),
                fields,
                sub_credentials,
            };
            (ty, input)
        })
}

/// Every (secure field id, value) in `input`, recursively, to compare with what the vault reveals.
fn secure_values(
    defs: &[FieldDefinition],
    fields: &[FieldInput],
    subs: &SubCredentialInputs,
    out: &mut Vec<String>,
) {
    for f in fields {
        if defs.iter().any(|d| d.id == f.field_id && d.secure) {
            out.push(f.value.clone());
        }
    }
    for (id, entries) in subs {
        let Some(d) = defs.iter().find(|d| &d.id == id) else {
            continue;
        };
        for e in entries {
            secure_values(d.sub_fields(), &e.fields, &e.sub_credentials, out);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn random_schemas_never_panic_and_paths_split(input in any_type_input()) {
        if let Err(errs) = validate_type(&input) {
            prop_assert!(!errs.is_empty());
            for e in errs.iter() {
                let segments = e.segments();
                // Every path this module builds splits into real segments.
                prop_assert!(
                    segments.len() > 1 || matches!(segments.first(), Some(PathSegment::Key(k)) if !k.contains('[')),
                    "path {} did not split", e.path
                );
            }
        }
    }

    #[test]
    fn random_inputs_never_panic(
        type_input in any_type_input(),
        fields in any_field_inputs(),
        subs in any_subs(3),
    ) {
        let ty = CredentialType {
            id: "t".into(),
            name: type_input.name,
            permission_scope: type_input.permission_scope,
            icon: None,
            fields: type_input.fields,
            password_policy: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let input = CredentialInput {
            name: "n".into(),
            notes: None,
            type_id: "t".into(),
            company_id: "c".into(),
            fields,
            sub_credentials: subs,
        };
        // Whatever the schema (even one that would not validate), validation answers.
        if validate_credential(&ty, &input).is_ok() {
            let vault = Vault::new(KeyRing::generate(KeyId::new("k").unwrap()));
            prop_assert!(vault.create_credential(&ty, input).is_ok());
        }
    }

    #[test]
    fn inputs_built_for_a_schema_are_accepted_and_reveal_what_was_given(
        (ty, input) in valid_type_and_input()
    ) {
        prop_assert!(validate_credential(&ty, &input).is_ok(), "{:?}", validate_credential(&ty, &input));
        let mut expected = Vec::new();
        secure_values(&ty.fields, &input.fields, &input.sub_credentials, &mut expected);
        let vault = Vault::new(KeyRing::generate(KeyId::new("k").unwrap()));
        let new = vault.create_credential(&ty, input).unwrap();
        let mut revealed = Vec::new();
        for c in new.all() {
            let defs = ty.fields_at(&c.schema_path).expect("schema path resolves");
            for f in &c.fields {
                let def = defs.iter().find(|d| d.id == f.field_id).expect("known field");
                prop_assert_eq!(def.secure, matches!(f.value, StoredValue::Sealed(_)));
            }
            for (_, v) in vault.reveal_all(c).unwrap() {
                revealed.push(v.expose_secret().to_owned());
            }
        }
        expected.sort();
        revealed.sort();
        prop_assert_eq!(expected, revealed);
    }

    #[test]
    fn opening_arbitrary_text_never_panics(text in ".{0,80}", suffix in "[A-Za-z0-9+/=]{0,60}") {
        let ring = KeyRing::generate(KeyId::new("k").unwrap());
        prop_assert!(ring.open(&text, "c", "f").is_err());
        let under_k = format!("v1.k.{suffix}");
        let under_j = format!("v1.j.{suffix}");
        prop_assert!(ring.open(&under_k, "c", "f").is_err());
        prop_assert!(ring.rewrap(&under_j, "c", "f").is_err());
    }
}
