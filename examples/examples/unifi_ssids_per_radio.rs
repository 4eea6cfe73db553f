//! Prints, for every access point of a site, the SSIDs broadcast on each radio against the
//! limit of 8 per radio (`UNIFI_SSID_LIMIT` changes it).
//!
//! ```text
//! UNIFI_URL=... UNIFI_USERNAME=... UNIFI_PASSWORD=... \
//!     cargo run -p optima-examples --example unifi_ssids_per_radio
//! ```

use optima_unifi::DEFAULT_SSIDS_PER_RADIO;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let unifi = optima_examples::unifi_client_from_env();
    let limit = std::env::var("UNIFI_SSID_LIMIT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_SSIDS_PER_RADIO);
    let site = unifi.site(optima_examples::unifi_site_from_env());
    for ap in site.ssid_limits_with(limit).await? {
        println!(
            "{} ({}, {})",
            ap.name.as_deref().unwrap_or("unnamed AP"),
            ap.model.as_deref().unwrap_or("?"),
            ap.mac.as_deref().unwrap_or("?")
        );
        for r in &ap.radios {
            let band = r
                .band
                .as_ref()
                .map(|b| b.to_string())
                .unwrap_or_else(|| "?".into());
            let flag = if r.over_limit() { "  OVER LIMIT" } else { "" };
            println!(
                "  {:<3} {:<3} {}/{} ({} free): {}{flag}",
                r.radio,
                band,
                r.active,
                r.limit,
                r.remaining,
                r.names.join(", ")
            );
        }
    }
    Ok(())
}
