//! Roles, checks, explanations and field filtering with `optima_core::rbac`.
//!
//! `cargo run -p optima-examples --example rbac_walkthrough`

use optima_core::rbac::{Catalog, GrantSet, WIFI_READ_PREFIX, filter_fields};
use optima_core::store::{MemoryStore, NewRole, NewUser, RoleStore, UserStore, resolve_grants};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), optima_core::Error> {
    let catalog = Catalog::optima();
    let store = MemoryStore::new();

    // Roles carry grants; typos are refused before they are stored.
    let technician = [
        "*",
        "-credential.secure_values.read",
        "-unifi.site.wifi.read.passphrase",
    ];
    catalog.validate_grants(technician)?;
    let tech = store
        .create_role(NewRole {
            title: "Technician".into(),
            moniker: "tech".into(),
            permissions: technician.map(String::from).to_vec(),
        })
        .await?;
    if let Err(e) = catalog.validate_grant("credential.secure_value.read") {
        println!("refused a typo: {e}");
    }

    let mut user = store
        .create_user(NewUser {
            name: "Jo Tech".into(),
            email: "jo@example.com".into(),
            login: "jo".into(),
            image: None,
            roles: vec![tech.id.clone()],
        })
        .await?;
    // A direct grant of a node the role denies: at equal specificity the denial wins,
    // whichever source it comes from.
    user.permissions = vec!["credential.secure_values.read".into()];
    let user = store.update_user(&user).await?;

    let grants = resolve_grants(&store, &user, &catalog).await?;
    for node in [
        "company.fetch",
        "credential.secure_values.read",
        "unifi.site.wifi.read.passphrase",
    ] {
        println!("{}", grants.explain(node));
    }

    // Dependencies: the address is only visible with the company itself.
    let partial = GrantSet::builder()
        .direct(["company.fetch.address"])?
        .dependencies_from(&catalog)
        .build();
    println!("{}", partial.explain("company.fetch.address"));

    // Field filtering: only the fields whose read node is granted survive.
    let wlan = json!({"name": "Office", "enabled": true, "passphrase": "hunter2hunter2", "hideSSID": false});
    println!(
        "technician sees {}",
        filter_fields(wlan.clone(), WIFI_READ_PREFIX, &grants)
    );
    let narrow = GrantSet::builder()
        .direct([
            "unifi.site.wifi",
            "unifi.site.wifi.read.name",
            "unifi.site.wifi.read.enabled",
        ])?
        .dependencies_from(&catalog)
        .build();
    println!(
        "a narrow grant sees {}",
        filter_fields(wlan, WIFI_READ_PREFIX, &narrow)
    );
    Ok(())
}
