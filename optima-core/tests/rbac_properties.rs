//! The compiled engine against a naive reading of the rules, over random grants and nodes.

use optima_core::rbac::{Grant, GrantSet, Pattern};
use proptest::prelude::*;

mod common;

/// The rules as written in DESIGN.md, evaluated by scanning every grant.
fn naive(grants: &[String], node: &str) -> bool {
    common::naive(grants, node, &[])
}

const SEGMENTS: &[&str] = &["a", "b", "c", "wifi", "read"];

fn node() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(SEGMENTS), 1..5).prop_map(|s| s.join("."))
}

fn grant() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop_oneof![
            1 => Just("*".to_owned()),
            4 => node().prop_map(|n| format!("{n}.*")),
            6 => node(),
        ],
    )
        .prop_map(|(deny, g)| if deny { format!("-{g}") } else { g })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compiled_engine_agrees_with_naive_rules(
        grants in prop::collection::vec(grant(), 0..12),
        nodes in prop::collection::vec(node(), 1..8),
    ) {
        let set = GrantSet::builder().direct(&grants).unwrap().build();
        for n in &nodes {
            prop_assert_eq!(set.check(n), naive(&grants, n), "grants {:?} node {}", grants, n);
            let explained = set.explain(n);
            prop_assert_eq!(explained.granted, set.check(n));
            if let Some(d) = explained.decided_by {
                prop_assert!(d.grant.pattern.matches(n));
            }
        }
    }

    #[test]
    fn grant_text_round_trips(g in grant()) {
        let parsed = Grant::parse(&g).unwrap();
        prop_assert_eq!(parsed.to_string(), g);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,24}") {
        let _ = Grant::parse(&s);
        let set = GrantSet::builder().direct(["a.*", "-a.b"]).unwrap().build();
        let _ = set.check(&s);
    }
}

#[test]
fn specificity_orders_patterns() {
    let p = |s: &str| Grant::parse(s).unwrap().pattern;
    assert!(p("a.b").specificity() > p("a.*").specificity());
    assert!(p("a.b.*").specificity() > p("a.*").specificity());
    assert!(p("a.*").specificity() > Pattern::All.specificity());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Filtering decides each field exactly as a check of `<prefix>.<field>` would.
    #[test]
    fn filter_agrees_with_check(
        grants in prop::collection::vec(grant(), 0..12),
        prefix in node(),
        fields in prop::collection::btree_set(prop::sample::select(SEGMENTS), 0..5),
    ) {
        let set = GrantSet::builder().direct(&grants).unwrap().build();
        let object: serde_json::Map<String, serde_json::Value> =
            fields.iter().map(|f| ((*f).to_owned(), serde_json::Value::Bool(true))).collect();
        let filtered = optima_core::rbac::filter_fields(serde_json::Value::Object(object), &prefix, &set);
        for f in &fields {
            prop_assert_eq!(filtered.get(*f).is_some(), set.check(&format!("{prefix}.{f}")));
        }
    }
}
