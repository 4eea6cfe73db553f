//! Permission checks at the size of a heavily configured user: 1,000 grants of every kind.
//!
//! `cargo bench -p optima-core --bench rbac`

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use optima_core::rbac::{Catalog, GrantSet, WIFI_FIELDS, WIFI_READ_PREFIX, filter_fields};
use serde_json::{Map, Value, json};

/// 1,000 grants over a synthetic tree: exact nodes, `prefix.*` wildcards and denials, spread
/// over several roles, plus the real catalog's dependencies.
fn thousand_grants() -> GrantSet {
    let catalog = Catalog::optima();
    let mut builder = GrantSet::builder();
    for role in 0..10 {
        let grants: Vec<String> = (0..100)
            .map(|i| {
                let n = role * 100 + i;
                match n % 5 {
                    0 => format!("app{}.area{}.*", n % 40, n % 7),
                    1 => format!("-app{}.area{}.secret{}", n % 40, n % 7, n),
                    2 => format!("-app{}.area{}.hidden.*", n % 40, n % 9),
                    _ => format!("app{}.area{}.action{}", n % 40, n % 7, n),
                }
            })
            .collect();
        builder = builder.role(&format!("role{role}"), &grants).unwrap();
    }
    builder
        .direct([
            "company.*",
            "unifi.site.wifi",
            "unifi.site.wifi.read.*",
            "-unifi.site.wifi.read.passphrase",
        ])
        .unwrap()
        .dependencies_from(&catalog)
        .build()
}

fn wifi_object() -> Value {
    let mut object = Map::new();
    for (i, field) in WIFI_FIELDS.iter().take(55).enumerate() {
        object.insert((*field).to_owned(), json!(i));
    }
    Value::Object(object)
}

fn bench(c: &mut Criterion) {
    let grants = thousand_grants();
    assert_eq!(grants.grants().len(), 1004);
    let hit_exact = "app3.area3.action3";
    let hit_wildcard = "app0.area0.anything.deep";
    let miss = "nobody.has.this";
    let denied = "app1.area1.secret1";
    assert!(grants.check(hit_exact) && grants.check(hit_wildcard));
    assert!(!grants.check(miss) && !grants.check(denied));

    c.bench_function("check/exact hit", |b| {
        b.iter(|| grants.check(black_box(hit_exact)))
    });
    c.bench_function("check/wildcard hit", |b| {
        b.iter(|| grants.check(black_box(hit_wildcard)))
    });
    c.bench_function("check/miss", |b| b.iter(|| grants.check(black_box(miss))));
    c.bench_function("check/denied", |b| {
        b.iter(|| grants.check(black_box(denied)))
    });
    c.bench_function("check/with dependency", |b| {
        b.iter(|| grants.check(black_box("company.fetch.address")))
    });
    c.bench_function("explain", |b| {
        b.iter(|| grants.explain(black_box(hit_wildcard)))
    });

    let wlan = wifi_object();
    let filtered = filter_fields(wlan.clone(), WIFI_READ_PREFIX, &grants);
    assert_eq!(filtered.as_object().unwrap().len(), 54);
    c.bench_function("filter 55-field wifi object", |b| {
        b.iter_batched(
            || wlan.clone(),
            |v| filter_fields(v, WIFI_READ_PREFIX, &grants),
            criterion::BatchSize::SmallInput,
        )
    });
    c.bench_function("compile 1,000 grants", |b| b.iter(thousand_grants));
}

criterion_group!(benches, bench);
criterion_main!(benches);
