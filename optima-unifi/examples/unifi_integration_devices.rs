//! Lists every adopted device of every site with its latest statistics, through the UniFi
//! Network Integration API.
//!
//! ```sh
//! UNIFI_URL=https://192.168.1.1 UNIFI_API_KEY=... \
//!   cargo run -p optima-unifi --example unifi_integration_devices
//! ```
//!
//! Environment:
//! - `UNIFI_URL`: the console (or Network Application) URL;
//! - `UNIFI_API_KEY`: a key from Network › Settings › Control Plane › Integrations;
//! - `UNIFI_INTEGRATION_PREFIX` (optional): `/integration` for a self-hosted Network
//!   Application (default `/proxy/network/integration`, UniFi OS consoles);
//! - `UNIFI_INSECURE=1` (optional): accept a self-signed certificate.

use futures::TryStreamExt;
use optima_unifi::integration::IntegrationClient;
use secrecy::SecretString;

fn env(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    std::env::var(name).map_err(|_| format!("set {name}").into())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = IntegrationClient::builder()
        .url(env("UNIFI_URL")?)
        .api_key(SecretString::from(env("UNIFI_API_KEY")?))
        .verify_tls(std::env::var("UNIFI_INSECURE").as_deref() != Ok("1"));
    if let Ok(prefix) = std::env::var("UNIFI_INTEGRATION_PREFIX") {
        builder = builder.path_prefix(prefix);
    }
    let unifi = builder.build()?;

    let info = match unifi.info().await {
        Ok(info) => info,
        Err(e) if e.is_unauthorized() => {
            eprintln!("{e}");
            eprintln!("Make a new key under Network › Settings › Control Plane › Integrations.");
            std::process::exit(2);
        }
        Err(e) => return Err(e.into()),
    };
    println!(
        "UniFi Network {}",
        info.application_version.as_deref().unwrap_or("?")
    );

    let sites = unifi.sites().list().all().await?;
    for site in sites {
        let Some(site_id) = site.id.as_deref() else {
            continue;
        };
        println!(
            "\nSite {} ({})",
            site.name.as_deref().unwrap_or("?"),
            site.internal_reference.as_deref().unwrap_or("?")
        );
        let devices = unifi.site(site_id).devices();
        let mut list = devices.list().limit(200).stream();
        while let Some(d) = list.try_next().await? {
            let name = d.name.as_deref().unwrap_or("?");
            let model = d.model.as_deref().unwrap_or("?");
            let state = d.state.as_ref().map(|s| s.as_str()).unwrap_or("?");
            let Some(id) = d.id.as_deref() else {
                continue;
            };
            match devices.latest_statistics(id).await {
                Ok(s) => println!(
                    "  {name:<24} {model:<10} {state:<10} up {:>8}s  cpu {:>5}%  mem {:>5}%  uplink rx {} bps",
                    s.uptime_sec.unwrap_or(0),
                    s.cpu_utilization_pct
                        .map(|v| format!("{v:.1}"))
                        .unwrap_or_else(|| "-".into()),
                    s.memory_utilization_pct
                        .map(|v| format!("{v:.1}"))
                        .unwrap_or_else(|| "-".into()),
                    s.uplink
                        .as_ref()
                        .and_then(|u| u.rx_rate_bps)
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "-".into()),
                ),
                Err(e) => println!("  {name:<24} {model:<10} {state:<10} statistics: {e}"),
            }
        }
    }
    Ok(())
}
