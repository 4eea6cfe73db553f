//! Prints the live events of a UniFi Network site as they arrive, until Ctrl-C.
//!
//! ```sh
//! UNIFI_URL=https://192.168.1.1 UNIFI_USERNAME=admin UNIFI_PASSWORD=... \
//!   cargo run -p optima-unifi --example unifi_events
//! ```
//!
//! Environment:
//! - `UNIFI_URL`: the controller (`https://host:8443`) or console (`https://192.168.1.1`) URL;
//! - `UNIFI_USERNAME` and `UNIFI_PASSWORD`, or `UNIFI_API_KEY`;
//! - `UNIFI_SITE` (optional): the site's short name (default `default`);
//! - `UNIFI_INSECURE=1` (optional): accept a self-signed certificate.

use futures::StreamExt;
use optima_unifi::{EventMessage, UnifiClient};
use secrecy::SecretString;

fn env(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    std::env::var(name).map_err(|_| format!("set {name}").into())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = UnifiClient::builder()
        .url(env("UNIFI_URL")?)
        .verify_tls(std::env::var("UNIFI_INSECURE").as_deref() != Ok("1"));
    builder = match std::env::var("UNIFI_API_KEY") {
        Ok(key) => builder.api_key(SecretString::from(key)),
        Err(_) => builder
            .username(env("UNIFI_USERNAME")?)
            .password(SecretString::from(env("UNIFI_PASSWORD")?)),
    };
    let unifi = builder.build()?;
    let site = std::env::var("UNIFI_SITE").unwrap_or_else(|_| "default".into());

    let mut events = unifi.site(&site).events().stream();
    println!("Listening to the events of site {site} (Ctrl-C to stop)");
    loop {
        let item = tokio::select! {
            item = events.next() => item,
            _ = tokio::signal::ctrl_c() => break,
        };
        let Some(item) = item else {
            // Only after a fatal error, already printed.
            break;
        };
        match item {
            Ok(EventMessage::Events(events)) | Ok(EventMessage::Alerts(events)) => {
                for e in events {
                    println!(
                        "{} {}",
                        e.key.as_deref().unwrap_or("?"),
                        e.msg.as_deref().unwrap_or("")
                    );
                }
            }
            Ok(EventMessage::DeviceSync(devices)) => {
                for d in devices {
                    println!(
                        "device {} {}: {}",
                        d.mac.as_deref().unwrap_or("?"),
                        d.name.as_deref().unwrap_or(""),
                        d.state_name().unwrap_or_default()
                    );
                }
            }
            Ok(EventMessage::ClientSync(stations)) => {
                for s in stations {
                    println!(
                        "client {} {}",
                        s.mac.as_deref().unwrap_or("?"),
                        s.hostname.as_deref().or(s.name.as_deref()).unwrap_or("")
                    );
                }
            }
            Ok(other) => println!("{}", other.kind()),
            // The stream keeps trying after an error; it ends by itself only after a fatal one.
            Err(e) => eprintln!("error: {e}"),
        }
    }
    // Dropping the stream closes the connection.
    drop(events);
    Ok(())
}
