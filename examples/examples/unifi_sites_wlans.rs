//! Lists the sites of a UniFi Network controller and the WLANs of each.
//!
//! ```text
//! UNIFI_URL=https://192.168.1.1 UNIFI_USERNAME=admin UNIFI_PASSWORD=... UNIFI_VERIFY_TLS=false \
//!     cargo run -p optima-examples --example unifi_sites_wlans
//! ```

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let unifi = optima_examples::unifi_client_from_env();
    println!("controller kind: {:?}", unifi.kind().await?);
    for site in unifi.sites().list().await? {
        let name = site.name.clone().unwrap_or_default();
        println!("site {name} ({})", site.desc.as_deref().unwrap_or(""));
        match unifi.site(&name).wlans().list().await {
            Ok(wlans) => {
                for w in wlans {
                    let bands: Vec<String> = w.bands().iter().map(|b| b.to_string()).collect();
                    println!(
                        "  {:<32} enabled={:<5} security={:<8} bands={}",
                        w.name.as_deref().unwrap_or("?"),
                        w.enabled.unwrap_or(false),
                        w.security.as_ref().map(|s| s.as_str()).unwrap_or("?"),
                        bands.join(",")
                    );
                }
            }
            Err(e) => println!("  could not list WLANs: {e}"),
        }
    }
    unifi.logout().await?;
    Ok(())
}
