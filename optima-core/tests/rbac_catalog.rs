//! The built-in catalog against the spec, and catalog behaviour.

use optima_core::Error;
use optima_core::rbac::{Catalog, GrantSet, WIFI_FIELDS};

/// Every node named in the documented route table (the repository's copy, `spec/`, which the
/// server's route tests hold equal to the spec's own).
fn spec_nodes() -> Vec<String> {
    let text = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/optima-routes.tsv"
    ));
    let mut nodes = Vec::new();
    for line in text.lines().skip(1) {
        let permissions = line.split('\t').nth(3).unwrap_or_default();
        for p in permissions.split(',') {
            let node = p.trim().trim_end_matches("(conditional)").trim();
            if !node.is_empty() {
                nodes.push(node.to_owned());
            }
        }
    }
    nodes
}

#[test]
fn every_node_of_the_spec_is_in_the_catalog() {
    let catalog = Catalog::optima();
    let nodes = spec_nodes();
    assert!(nodes.len() > 100, "the route table was read");
    for node in nodes {
        assert!(catalog.contains(&node), "catalog lacks `{node}`");
    }
    for extra in [
        "user.roles.other",
        "user.permissions.other",
        "company.fetch.address",
        "company.fetch.contacts",
        "audit.read",
    ] {
        assert!(catalog.contains(extra), "catalog lacks `{extra}`");
    }
}

#[test]
fn categories_are_the_ones_the_spec_names() {
    let catalog = Catalog::optima();
    for key in [
        "global",
        "company",
        "credential",
        "credentialType",
        "role",
        "user",
        "permission",
        "procurement",
        "sales",
        "unifi",
        "audit",
    ] {
        let category = catalog
            .category(key)
            .unwrap_or_else(|| panic!("no category {key}"));
        assert!(!category.name.is_empty() && !category.description.is_empty());
        assert!(!category.permissions.is_empty(), "{key} is empty");
    }
    assert_eq!(catalog.category("global").unwrap().permissions[0].node, "*");
    let json = serde_json::to_value(catalog.category("company").unwrap()).unwrap();
    let address = json["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["node"] == "company.fetch.address")
        .unwrap();
    assert_eq!(
        address["dependencies"],
        serde_json::json!(["company.fetch"])
    );
    assert_eq!(address["usedIn"], serde_json::json!([]));
    assert!(json.get("key").is_none());
}

#[test]
fn every_wifi_field_has_a_read_node() {
    let catalog = Catalog::optima();
    assert_eq!(WIFI_FIELDS.len(), 57);
    for field in WIFI_FIELDS {
        let node = format!("unifi.site.wifi.read.{field}");
        assert_eq!(
            catalog.get(&node).unwrap().dependencies,
            ["unifi.site.wifi"]
        );
    }
    assert!(catalog.contains("unifi.site.wifi.read.hideSSID"));
    assert!(
        !catalog.contains("unifi.site.wifi.read.hidessid"),
        "nodes are case-sensitive"
    );
}

#[test]
fn nodes_are_unique_and_descriptions_honest() {
    let catalog = Catalog::optima();
    let mut seen = std::collections::HashSet::new();
    for node in catalog.nodes() {
        assert!(seen.insert(node.node.clone()), "{} twice", node.node);
        assert!(
            node.description.len() > 10,
            "{} has no real description",
            node.node
        );
        for dep in &node.dependencies {
            assert!(
                catalog.contains(dep),
                "{} depends on unknown {dep}",
                node.node
            );
        }
    }
}

#[test]
fn grants_are_validated_against_the_catalog() {
    let catalog = Catalog::optima();
    for ok in [
        "*",
        "-*",
        "company.fetch",
        "-credential.secure_values.read",
        "unifi.*",
        "unifi.site.wifi.read.*",
        "-credential.*",
    ] {
        assert!(catalog.validate_grant(ok).is_ok(), "{ok}");
    }
    match catalog.validate_grant("company.fecth") {
        Err(Error::UnknownNode { node }) => assert_eq!(node, "company.fecth"),
        other => panic!("expected UnknownNode, got {other:?}"),
    }
    assert!(matches!(
        catalog.validate_grant("nothing.*"),
        Err(Error::UnknownNode { .. })
    ));
    assert!(matches!(
        catalog.validate_grant("company.fetch.many.*"),
        Err(Error::UnknownNode { .. })
    ));
    assert!(matches!(
        catalog.validate_grant("a..b"),
        Err(Error::InvalidNode(_))
    ));
    let err = catalog
        .validate_grants(["user.read", "user.raed"])
        .unwrap_err();
    assert!(err.to_string().contains("user.raed"));
}

#[test]
fn dynamic_nodes_join_and_leave() {
    let mut catalog = Catalog::optima();
    assert!(catalog.validate_grant("aws.credentials").is_err());
    catalog
        .add_dynamic(
            "credentialScope",
            "aws.credentials",
            "Credentials of type AWS",
        )
        .unwrap();
    catalog
        .add_dynamic("credentialScope", "aws.credentials", "again is fine")
        .unwrap();
    assert!(catalog.validate_grant("aws.credentials").is_ok());
    assert!(catalog.validate_grant("aws.*").is_ok());
    assert!(
        catalog
            .add_dynamic("credentialScope", "bad node", "x")
            .is_err()
    );
    assert!(
        !catalog.remove_dynamic("company.fetch"),
        "built-in nodes stay"
    );
    assert!(catalog.remove_dynamic("aws.credentials"));
    assert!(!catalog.contains("aws.credentials"));
    // The index still works after removal.
    assert!(catalog.get("company.fetch.address").is_some());
}

#[test]
fn usage_is_recorded_once_and_unknown_nodes_refused() {
    let mut catalog = Catalog::optima();
    catalog
        .record_usage("company.fetch", "GET /v1/company/companies/{identifier}")
        .unwrap();
    catalog
        .record_usage("company.fetch", "GET /v1/company/companies/{identifier}")
        .unwrap();
    assert_eq!(catalog.get("company.fetch").unwrap().used_in.len(), 1);
    assert!(matches!(
        catalog.record_usage("company.fecth", "x"),
        Err(Error::UnknownNode { .. })
    ));
}

#[test]
fn dependencies_gate_grants() {
    let catalog = Catalog::optima();
    let only_address = GrantSet::builder()
        .direct(["company.fetch.address"])
        .unwrap()
        .dependencies_from(&catalog)
        .build();
    assert!(!only_address.check("company.fetch.address"));
    let e = only_address.explain("company.fetch.address");
    assert_eq!(e.missing_dependency.as_deref(), Some("company.fetch"));
    assert!(e.to_string().contains("dependency `company.fetch`"));

    let both = GrantSet::builder()
        .direct(["company.fetch", "company.fetch.address"])
        .unwrap()
        .dependencies_from(&catalog)
        .build();
    assert!(both.check("company.fetch.address"));
    // A chain: ppsk.create → ppsk → wifi.
    let chain = GrantSet::builder()
        .direct(["unifi.site.wifi.ppsk.*", "unifi.site.wifi.ppsk"])
        .unwrap()
        .dependencies_from(&catalog)
        .build();
    assert!(!chain.check("unifi.site.wifi.ppsk.create"));
    let denied_dep = GrantSet::builder()
        .direct(["*", "-company.fetch"])
        .unwrap()
        .dependencies_from(&catalog)
        .build();
    assert!(
        !denied_dep.check("company.fetch.contacts"),
        "denying a dependency denies its dependents"
    );
}
