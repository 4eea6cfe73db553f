//! Streams the whole ConnectWise procurement catalog (pages of 1000, fetched lazily), or only
//! the items changed in the last N days, and prints a summary.
//!
//! ```text
//! CW_SITE=... CW_COMPANY_ID=... CW_PUBLIC_KEY=... CW_PRIVATE_KEY=... CW_CLIENT_ID=... \
//!     cargo run -p optima-examples --example connectwise_catalog_stream -- 30
//! ```

use futures::TryStreamExt as _;
use optima_connectwise::chrono::{Duration, Utc};
use optima_connectwise::condition_date;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cw = optima_examples::connectwise_client_from_env();
    let mut list = cw.catalog().list().page_size(1000).order_by("id asc");
    if let Some(days) = std::env::args().nth(1).and_then(|d| d.parse::<i64>().ok()) {
        let since = Utc::now() - Duration::days(days);
        list = list.conditions(format!("lastUpdated > {}", condition_date(since)));
        println!("items updated since {since}");
    }
    let started = std::time::Instant::now();
    let mut items = list.stream();
    let (mut n, mut inactive, mut value) = (0u64, 0u64, 0.0f64);
    while let Some(item) = items.try_next().await? {
        n += 1;
        if item.inactive_flag == Some(true) {
            inactive += 1;
        }
        value += item.price.unwrap_or(0.0);
        if n <= 10 {
            println!(
                "{:<24} {:<40} {:>10.2} {:>10.2} {}",
                item.identifier.as_deref().unwrap_or("?"),
                item.description.as_deref().unwrap_or(""),
                item.price.unwrap_or(0.0),
                item.cost.unwrap_or(0.0),
                item.manufacturer
                    .as_ref()
                    .and_then(|m| m.name.as_deref())
                    .unwrap_or("")
            );
        }
    }
    println!(
        "{n} items ({inactive} inactive), list price total {value:.2}, in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
