//! Reads an opportunity, its forecast (object or array form), notes and contacts.
//!
//! ```text
//! CW_SITE=... CW_COMPANY_ID=... CW_PUBLIC_KEY=... CW_PRIVATE_KEY=... CW_CLIENT_ID=... \
//!     cargo run -p optima-examples --example connectwise_forecast -- 456
//! ```

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cw = optima_examples::connectwise_client_from_env();
    let Some(id) = std::env::args().nth(1).and_then(|a| a.parse::<i64>().ok()) else {
        eprintln!("usage: connectwise_forecast <opportunity id>");
        std::process::exit(2);
    };
    let opp = cw.opportunities().get(id).await?;
    let name = |r: &Option<optima_connectwise::models::Reference>| {
        r.as_ref()
            .and_then(|r| r.name.clone())
            .unwrap_or_else(|| "-".into())
    };
    println!(
        "#{id} {} | company {} | stage {} | status {} | expected close {}",
        opp.name.as_deref().unwrap_or("?"),
        name(&opp.company),
        name(&opp.stage),
        name(&opp.status),
        opp.expected_close_date
            .map(|d| d.date_naive().to_string())
            .unwrap_or_else(|| "-".into())
    );

    let forecast = cw.opportunities().forecast(id).await?;
    println!(
        "forecast ({} lines{}):",
        forecast.items.len(),
        if forecast.was_array {
            ", array form"
        } else {
            ""
        }
    );
    for item in &forecast.items {
        println!(
            "  {:<10} {:<40} revenue {:>10.2} cost {:>10.2} status {}",
            item.forecast_type.as_deref().unwrap_or("?"),
            item.product_description
                .as_deref()
                .or(item.forecast_description.as_deref())
                .unwrap_or(""),
            item.revenue.unwrap_or(0.0),
            item.cost.unwrap_or(0.0),
            name(&item.status)
        );
    }
    println!(
        "  total revenue {:.2}, total cost {:.2}",
        forecast.total_revenue(),
        forecast.total_cost()
    );

    for note in cw.opportunities().notes(id).all().await? {
        println!(
            "note by {}: {}",
            note.entered_by.as_deref().unwrap_or("?"),
            note.text.as_deref().unwrap_or("")
        );
    }
    for c in cw.opportunities().contacts(id).all().await? {
        println!("contact {} ({})", name(&c.contact), name(&c.role));
    }
    Ok(())
}
