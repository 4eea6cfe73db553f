//! Adds a private pre-shared key (PPSK) to a WLAN, putting its clients on a VLAN, and lists the
//! WLAN's PPSKs afterwards.
//!
//! ```text
//! UNIFI_URL=... UNIFI_USERNAME=... UNIFI_PASSWORD=... \
//! UNIFI_WLAN=<ssid or wlan id> UNIFI_PPSK=<key, 8-63 chars> UNIFI_PPSK_VLAN=<vlan id, optional> \
//!     cargo run -p optima-examples --example unifi_add_ppsk
//! ```
//! Without `UNIFI_PPSK_VLAN`, the key uses the WLAN's own network.

use optima_unifi::NewPpsk;
use secrecy::SecretString;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let unifi = optima_examples::unifi_client_from_env();
    let var = |k: &str| std::env::var(k).ok().filter(|s| !s.is_empty());
    let (Some(target), Some(key)) = (var("UNIFI_WLAN"), var("UNIFI_PPSK")) else {
        eprintln!(
            "Set UNIFI_WLAN (SSID or WLAN id) and UNIFI_PPSK (the new key); UNIFI_PPSK_VLAN is optional."
        );
        std::process::exit(2);
    };
    let site = unifi.site(optima_examples::unifi_site_from_env());
    let wlans = site.wlans().list().await?;
    let Some(wlan) = wlans.iter().find(|w| {
        w.id.as_deref() == Some(target.as_str()) || w.name.as_deref() == Some(target.as_str())
    }) else {
        eprintln!("no WLAN named or with id {target:?}");
        std::process::exit(1);
    };
    let network_id = match var("UNIFI_PPSK_VLAN") {
        Some(vlan) => {
            let vlan: u16 = vlan.parse()?;
            match site.networks().find_by_vlan(vlan).await? {
                Some(n) => n.id.unwrap_or_default(),
                None => {
                    eprintln!("no network with VLAN {vlan} on this site");
                    std::process::exit(1);
                }
            }
        }
        None => wlan.networkconf_id.clone().unwrap_or_default(),
    };
    let ppsks = site.wlans().ppsks(wlan.id.clone().unwrap_or_default());
    ppsks
        .add(&NewPpsk::new(SecretString::from(key), network_id))
        .await?;
    for p in ppsks.list_resolved().await? {
        println!(
            "{:<24} network={:<20} vlan={}",
            p.ppsk.password_str().unwrap_or(""),
            p.network_name.as_deref().unwrap_or("?"),
            p.vlan
                .map(|v| v.to_string())
                .unwrap_or_else(|| "untagged".into())
        );
    }
    Ok(())
}
