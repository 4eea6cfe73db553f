//! Sealing and opening through the vault beside raw AES-256-GCM on the same sizes, in one run.
//!
//! Per size and direction there are three lines:
//! - `raw-aes-gcm`: `Aes256Gcm::encrypt`/`decrypt` with a fixed nonce and no AAD, the bare floor;
//! - `raw-aes-gcm+aad`: the same with the vault's AAD bytes (71 bytes here), i.e. the AEAD work the
//!   vault cannot avoid, since binding each value to its credential and field is the point;
//! - `vault`: `KeyRing::seal` / `KeyRing::open`, which add a fresh random nonce, the text format
//!   (`v1.<key_id>.<base64>`), key lookup, `SecretString` and zeroizing the plaintext buffer.
//!
//! Run: `cargo bench -p optima-core --bench vault -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use optima_core::vault::{KeyId, KeyRing, VaultKey};
use secrecy::ExposeSecret;

const CREDENTIAL_ID: &str = "5f0c6d0e-8a4b-4c1e-9d7a-3b2f1e0a9c8d";
const FIELD: &str = "secretAccessKey";

fn ring() -> KeyRing {
    let old = VaultKey::from_bytes(KeyId::new("old").expect("key id"), [7; 32]);
    let primary = VaultKey::from_bytes(KeyId::new("k2026").expect("key id"), [9; 32]);
    KeyRing::new(primary, [old]).expect("ring")
}

/// The AAD the vault uses (see `optima_core::vault::crypto`), rebuilt here for the baseline.
fn vault_aad() -> Vec<u8> {
    let mut aad = b"optima-vault/v1\0".to_vec();
    aad.extend_from_slice(&(CREDENTIAL_ID.len() as u32).to_be_bytes());
    aad.extend_from_slice(CREDENTIAL_ID.as_bytes());
    aad.extend_from_slice(FIELD.as_bytes());
    aad
}

fn bench(c: &mut Criterion) {
    let ring = ring();
    let raw = Aes256Gcm::new(&[9u8; 32].into());
    let nonce = Nonce::from_slice(&[3u8; 12]);
    let aad = vault_aad();

    for size in [64usize, 4096] {
        // ASCII, so that it opens into a valid secret string.
        let plaintext = "x".repeat(size);
        let msg = plaintext.as_bytes();

        let mut group = c.benchmark_group(format!("seal-{size}B"));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("raw-aes-gcm", size), |b| {
            b.iter(|| raw.encrypt(nonce, black_box(msg)).expect("encrypt"))
        });
        group.bench_function(BenchmarkId::new("raw-aes-gcm+aad", size), |b| {
            b.iter(|| {
                let payload = Payload {
                    msg: black_box(msg),
                    aad: &aad,
                };
                raw.encrypt(nonce, payload).expect("encrypt")
            })
        });
        group.bench_function(BenchmarkId::new("vault", size), |b| {
            b.iter(|| {
                ring.seal(black_box(CREDENTIAL_ID), FIELD, black_box(msg))
                    .expect("seal")
            })
        });
        group.finish();

        let raw_ct = raw.encrypt(nonce, msg).expect("encrypt");
        let raw_ct_aad = raw
            .encrypt(nonce, Payload { msg, aad: &aad })
            .expect("encrypt");
        let sealed = ring.seal(CREDENTIAL_ID, FIELD, msg).expect("seal");
        let mut group = c.benchmark_group(format!("open-{size}B"));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("raw-aes-gcm", size), |b| {
            b.iter(|| {
                raw.decrypt(nonce, black_box(raw_ct.as_slice()))
                    .expect("decrypt")
            })
        });
        group.bench_function(BenchmarkId::new("raw-aes-gcm+aad", size), |b| {
            b.iter(|| {
                let payload = Payload {
                    msg: black_box(raw_ct_aad.as_slice()),
                    aad: &aad,
                };
                raw.decrypt(nonce, payload).expect("decrypt")
            })
        });
        group.bench_function(BenchmarkId::new("vault", size), |b| {
            b.iter(|| {
                let v = ring
                    .open(black_box(sealed.as_str()), CREDENTIAL_ID, FIELD)
                    .expect("open");
                black_box(v.expose_secret().len())
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
