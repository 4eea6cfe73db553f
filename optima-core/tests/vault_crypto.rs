//! Sealing, opening, tampering, key handling and redaction.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use optima_core::vault::{
    ConfigKeyProvider, CredentialInput, CredentialType, CredentialTypeInput, CryptoError,
    FieldDefinition, FieldInput, KeyId, KeyProvider, KeyRing, Sealed, StoredValue, ValueType,
    Vault, VaultKey,
};
use secrecy::{ExposeSecret, SecretString};

const SECRET: &str = "correct horse battery staple";

fn id(s: &str) -> KeyId {
    KeyId::new(s).unwrap()
}

fn key(name: &str, byte: u8) -> VaultKey {
    VaultKey::from_bytes(id(name), [byte; 32])
}

fn ring() -> KeyRing {
    KeyRing::new(key("k2", 2), [key("k1", 1)]).unwrap()
}

/// Decodes the payload of sealed text, lets `f` change it, and re-encodes it.
fn with_payload(sealed: &str, f: impl FnOnce(&mut Vec<u8>)) -> String {
    let (head, payload) = sealed.rsplit_once('.').unwrap();
    let mut bytes = STANDARD.decode(payload).unwrap();
    f(&mut bytes);
    format!("{head}.{}", STANDARD.encode(bytes))
}

#[test]
fn round_trips_any_value_and_format_is_as_documented() {
    let ring = ring();
    for value in ["", "x", SECRET, "ünïcødé 🔑", &"long".repeat(2000)] {
        let sealed = ring.seal("cred-1", "password", value.as_bytes()).unwrap();
        let text = sealed.as_str();
        assert!(text.starts_with("v1.k2."), "{text}");
        let payload = STANDARD.decode(&text["v1.k2.".len()..]).unwrap();
        assert_eq!(payload.len(), 12 + value.len() + 16);
        assert!(!text.contains(value) || value.is_empty() || value == "x");
        assert_eq!(
            ring.open(text, "cred-1", "password")
                .unwrap()
                .expose_secret(),
            value
        );
        assert_eq!(sealed.key_id(), "k2");
        assert_eq!(Sealed::parse(text.to_owned()).unwrap(), sealed);
    }
}

#[test]
fn every_seal_uses_a_fresh_nonce() {
    let ring = ring();
    let a = ring.seal("c", "f", SECRET.as_bytes()).unwrap();
    let b = ring.seal("c", "f", SECRET.as_bytes()).unwrap();
    assert_ne!(a, b);
    let nonce = |s: &Sealed| STANDARD.decode(&s.as_str()[6..]).unwrap()[..12].to_vec();
    assert_ne!(nonce(&a), nonce(&b));
}

#[test]
fn any_flipped_bit_fails_authentication() {
    let ring = ring();
    let sealed = ring.seal("c", "f", SECRET.as_bytes()).unwrap();
    let len = 12 + SECRET.len() + 16;
    for i in 0..len {
        for bit in [0x01, 0x80] {
            let tampered = with_payload(sealed.as_str(), |b| b[i] ^= bit);
            assert_eq!(
                ring.open(&tampered, "c", "f").unwrap_err(),
                CryptoError::Authentication,
                "byte {i}"
            );
        }
    }
}

#[test]
fn a_value_moved_to_another_field_or_credential_does_not_open() {
    let ring = ring();
    let sealed = ring.seal("cred-1", "password", SECRET.as_bytes()).unwrap();
    for (cred, field) in [
        ("cred-2", "password"),
        ("cred-1", "apiKey"),
        ("cred-1password", ""),
        ("", "cred-1password"),
        ("cred-1", "password "),
    ] {
        assert_eq!(
            ring.open(sealed.as_str(), cred, field).unwrap_err(),
            CryptoError::Authentication,
            "{cred}/{field}"
        );
    }
}

fn github_type() -> CredentialType {
    CredentialType::create(CredentialTypeInput {
        name: "GitHub".into(),
        permission_scope: "github.credentials".into(),
        icon: None,
        fields: vec![
            FieldDefinition::new("username", "Username", ValueType::PlainText, true, false),
            FieldDefinition::new("token", "Token", ValueType::Password, true, true),
            FieldDefinition::new(
                "recovery",
                "Recovery",
                ValueType::GenericSecret,
                false,
                true,
            ),
        ],
    })
    .unwrap()
}

fn github_input(ty: &CredentialType, token: &str) -> CredentialInput {
    CredentialInput {
        name: "Bot".into(),
        notes: None,
        type_id: ty.id.clone(),
        company_id: "acme".into(),
        fields: vec![
            FieldInput::new("username", "bot"),
            FieldInput::new("token", token),
            FieldInput::new("recovery", "recovery-codes"),
        ],
        sub_credentials: Default::default(),
    }
}

#[test]
fn ciphertext_swapped_between_fields_or_credentials_is_refused_by_the_vault() {
    let vault = Vault::new(ring());
    let ty = github_type();
    let mut a = vault
        .create_credential(&ty, github_input(&ty, "token-a"))
        .unwrap()
        .credential;
    let b = vault
        .create_credential(&ty, github_input(&ty, "token-b"))
        .unwrap()
        .credential;
    assert_eq!(
        vault.reveal(&a, "token").unwrap().expose_secret(),
        "token-a"
    );
    assert_eq!(
        vault.reveal(&b, "token").unwrap().expose_secret(),
        "token-b"
    );

    // Between two credentials: b's token pasted into a's row.
    let mut moved = a.clone();
    moved.fields[1].value = b.fields[1].value.clone();
    let err = vault.reveal(&moved, "token").unwrap_err();
    assert!(
        matches!(err, optima_core::Error::Crypto(CryptoError::Authentication)),
        "{err}"
    );

    // Between two fields of one credential.
    let (token, recovery) = (a.fields[1].value.clone(), a.fields[2].value.clone());
    a.fields[1].value = recovery;
    a.fields[2].value = token;
    assert!(vault.reveal(&a, "token").is_err());
    assert!(vault.reveal(&a, "recovery").is_err());
    assert!(vault.reveal_all(&a).is_err());

    // A plain field is not revealable, nor is an unknown one.
    for field in ["username", "nope"] {
        assert!(matches!(
            vault.reveal(&b, field),
            Err(optima_core::Error::NotFound {
                kind: "secure field",
                ..
            })
        ));
    }
    assert!(matches!(b.fields[0].value, StoredValue::Plain(ref s) if s == "bot"));
}

#[test]
fn unknown_key_wrong_version_bad_base64_and_garbage_are_named() {
    let ring = ring();
    let sealed = ring.seal("c", "f", SECRET.as_bytes()).unwrap();
    let other = KeyRing::new(key("k9", 9), []).unwrap();
    assert_eq!(
        other.open(sealed.as_str(), "c", "f").unwrap_err(),
        CryptoError::UnknownKey {
            key_id: "k2".into()
        }
    );
    // The id says k1 but k1 did not seal it.
    let relabelled = sealed.as_str().replacen("v1.k2.", "v1.k1.", 1);
    assert_eq!(
        ring.open(&relabelled, "c", "f").unwrap_err(),
        CryptoError::Authentication
    );
    let v2 = sealed.as_str().replacen("v1.", "v2.", 1);
    assert_eq!(
        ring.open(&v2, "c", "f").unwrap_err(),
        CryptoError::UnsupportedVersion("v2".into())
    );
    let bad_b64 = format!("{}!!", &sealed.as_str()[..sealed.as_str().len() - 2]);
    assert_eq!(
        ring.open(&bad_b64, "c", "f").unwrap_err(),
        CryptoError::InvalidBase64
    );
    for garbage in [
        "",
        "v1",
        "v1.",
        "v1.k2",
        "plaintext",
        "v1..AAAA",
        "v1.k 2.AAAA",
        "x.y.z",
    ] {
        assert!(
            matches!(
                ring.open(garbage, "c", "f").unwrap_err(),
                CryptoError::Malformed(_)
            ),
            "{garbage:?}"
        );
    }
    assert_eq!(
        ring.open("v1.k2.", "c", "f").unwrap_err(),
        CryptoError::Truncated { len: 0 }
    );
    assert_eq!(
        ring.open("v1.k2.AAAA", "c", "f").unwrap_err(),
        CryptoError::Truncated { len: 3 }
    );
}

#[test]
fn every_truncation_is_an_error_never_a_panic() {
    let ring = ring();
    let sealed = ring.seal("c", "f", SECRET.as_bytes()).unwrap();
    let text = sealed.as_str();
    for end in 0..text.len() {
        assert!(ring.open(&text[..end], "c", "f").is_err(), "prefix {end}");
    }
    // Cut at the byte level and re-encoded, so the base64 stays valid.
    for keep in 0..12 + SECRET.len() + 16 {
        let cut = with_payload(text, |b| b.truncate(keep));
        let err = ring.open(&cut, "c", "f").unwrap_err();
        if keep < 28 {
            assert!(
                matches!(
                    err,
                    CryptoError::Truncated { .. }
                        | CryptoError::InvalidBase64
                        | CryptoError::Malformed(_)
                ),
                "{keep}: {err:?}"
            );
        } else {
            assert_eq!(err, CryptoError::Authentication, "{keep}");
        }
    }
}

#[test]
fn rewrap_moves_values_to_the_primary_without_changing_them() {
    let mut ring = KeyRing::new(key("old", 1), []).unwrap();
    let sealed = ring.seal("c", "f", SECRET.as_bytes()).unwrap();
    assert!(!ring.needs_rewrap(sealed.as_str()));
    assert_eq!(ring.rewrap(sealed.as_str(), "c", "f").unwrap(), None);

    ring.rotate(key("new", 2)).unwrap();
    assert!(ring.needs_rewrap(sealed.as_str()));
    let moved = ring.rewrap(sealed.as_str(), "c", "f").unwrap().unwrap();
    assert_eq!(moved.key_id(), "new");
    assert_eq!(
        ring.open(moved.as_str(), "c", "f").unwrap().expose_secret(),
        SECRET
    );
    // Rewrap keeps the binding: the moved value still only opens in its place.
    assert_eq!(
        ring.open(moved.as_str(), "c", "g").unwrap_err(),
        CryptoError::Authentication
    );
    // A value that does not authenticate is not rewrapped.
    let tampered = with_payload(sealed.as_str(), |b| b[20] ^= 1);
    assert_eq!(
        ring.rewrap(&tampered, "c", "f").unwrap_err(),
        CryptoError::Authentication
    );

    // Once the old key is retired, what was sealed under it is reported, not misread.
    ring.retire("old");
    assert_eq!(
        ring.open(sealed.as_str(), "c", "f").unwrap_err(),
        CryptoError::UnknownKey {
            key_id: "old".into()
        }
    );
}

#[test]
fn key_lists_parse_and_errors_name_the_entry_not_the_key() {
    let k1 = STANDARD.encode([1u8; 32]);
    let k2 = STANDARD.encode([2u8; 32]);
    let ring = KeyRing::parse(&format!(" k2:{k2} , k1:{k1},")).unwrap();
    assert_eq!(ring.primary().id().as_str(), "k2");
    assert_eq!(
        ring.key_ids().map(KeyId::as_str).collect::<Vec<_>>(),
        vec!["k2", "k1"]
    );
    // to_config is the inverse of parse.
    let again = KeyRing::parse(ring.to_config().expose_secret()).unwrap();
    let sealed = ring.seal("c", "f", b"v").unwrap();
    assert_eq!(
        again
            .open(sealed.as_str(), "c", "f")
            .unwrap()
            .expose_secret(),
        "v"
    );

    let short = STANDARD.encode([3u8; 16]);
    let cases: Vec<(String, CryptoError)> = vec![
        (String::new(), CryptoError::EmptyKeyRing),
        (" , ".into(), CryptoError::EmptyKeyRing),
        (
            format!("k1:{k1},{k2}"),
            CryptoError::InvalidKeyEntry { index: 2 },
        ),
        (
            format!("k1:{k1},k2:{short}"),
            CryptoError::InvalidKeyLength {
                key_id: "k2".into(),
                len: 16,
            },
        ),
        (
            format!("k1:{k1},k1:{k2}"),
            CryptoError::DuplicateKeyId {
                key_id: "k1".into(),
            },
        ),
        (
            format!("k1:{k1},k2:not*base64"),
            CryptoError::InvalidKeyEncoding {
                key_id: "k2".into(),
            },
        ),
        (format!("k.1:{k1}"), CryptoError::InvalidKeyId("k.1".into())),
    ];
    for (config, expected) in cases {
        let err = KeyRing::parse(&config).unwrap_err();
        assert_eq!(err, expected, "{config}");
        let shown = format!("{err} {err:?}");
        assert!(
            !shown.contains(&k1) && !shown.contains(&k2) && !shown.contains(&short),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn config_provider_loads_the_ring() {
    let k = STANDARD.encode([5u8; 32]);
    let provider = ConfigKeyProvider::new(SecretString::from(format!("main:{k}")));
    let ring = provider.load().await.unwrap();
    assert_eq!(ring.primary().id().as_str(), "main");
    assert!(!format!("{provider:?}").contains(&k));
    let bad = ConfigKeyProvider::new(SecretString::from("main"));
    assert_eq!(
        bad.load().await.unwrap_err(),
        CryptoError::InvalidKeyEntry { index: 1 }
    );
}

#[test]
fn generated_keys_differ_and_can_be_stored() {
    let a = KeyRing::generate(id("a"));
    let b = KeyRing::generate(id("a"));
    assert_ne!(a.to_config().expose_secret(), b.to_config().expose_secret());
    let stored = a.to_config();
    let restored = KeyRing::parse(stored.expose_secret()).unwrap();
    let sealed = a.seal("c", "f", SECRET.as_bytes()).unwrap();
    assert_eq!(
        restored
            .open(sealed.as_str(), "c", "f")
            .unwrap()
            .expose_secret(),
        SECRET
    );
}

#[test]
fn no_debug_or_display_shows_key_material_or_plaintext() {
    let raw = [0xAB; 32];
    let b64 = STANDARD.encode(raw);
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let dec: String = format!("{:?}", raw);
    let ring = KeyRing::parse(&format!("k2:{b64},k1:{}", STANDARD.encode([0xCD; 32]))).unwrap();
    let vault = Vault::new(ring.clone());
    let ty = github_type();
    let mut input = github_input(&ty, SECRET);
    let input_debug = format!("{input:?}");
    let new = vault.create_credential(&ty, input.clone()).unwrap();
    let revealed = vault.reveal(&new.credential, "token").unwrap();
    assert_eq!(revealed.expose_secret(), SECRET);
    input.fields.push(FieldInput::new("x", SECRET));

    let shown = [
        format!("{:?}", ring.primary()),
        format!("{ring:?}"),
        format!("{ring:#?}"),
        format!("{vault:?}"),
        format!("{revealed:?}"),
        format!("{:?}", ring.to_config()),
        format!("{:?}", ring.primary().to_base64()),
        format!("{:?}", new),
        serde_json::to_string(&new.credential).unwrap(),
        input_debug,
        format!("{:?}", FieldInput::new("token", SECRET)),
        format!("{:?}", ConfigKeyProvider::new(ring.to_config())),
    ];
    for s in &shown {
        assert!(!s.contains(&b64), "key base64 in {s}");
        assert!(!s.contains(&hex), "key hex in {s}");
        assert!(!s.contains(&dec), "key bytes in {s}");
        assert!(!s.contains("171, 171"), "key bytes in {s}");
        assert!(!s.contains(SECRET), "plaintext in {s}");
    }
    assert!(shown[0].contains("k2") && shown[0].contains("REDACTED"));
    assert!(shown[1].contains("k1"));
}
