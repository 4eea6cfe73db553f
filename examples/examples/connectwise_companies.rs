//! Lists ConnectWise Manage companies matching a condition, with their primary contact.
//!
//! ```text
//! CW_SITE=https://na.myconnectwise.net CW_COMPANY_ID=acme CW_PUBLIC_KEY=... CW_PRIVATE_KEY=... \
//!     CW_CLIENT_ID=... cargo run -p optima-examples --example connectwise_companies -- 'deletedFlag=false'
//! ```

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cw = optima_examples::connectwise_client_from_env();
    let conditions = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "deletedFlag=false".to_owned());
    let total = cw.companies().count(&conditions).await?;
    println!("{total} companies match `{conditions}`; the first 25 by name:");
    let page = cw
        .companies()
        .list()
        .conditions(&conditions)
        .order_by("name asc")
        .page_size(25)
        .send()
        .await?;
    for c in &page.items {
        let primary = match c.id {
            Some(id) => cw.companies().primary_contact(id).await?,
            None => None,
        };
        println!(
            "{:>6}  {:<24} {:<40} primary: {} {} {}",
            c.id.unwrap_or_default(),
            c.identifier.as_deref().unwrap_or("?"),
            c.name.as_deref().unwrap_or("?"),
            primary
                .as_ref()
                .map(|p| p.full_name())
                .unwrap_or_else(|| "-".into()),
            primary.as_ref().and_then(|p| p.phone()).unwrap_or(""),
            primary.as_ref().and_then(|p| p.email()).unwrap_or(""),
        );
    }
    if page.has_next() {
        println!("(more pages follow; use .stream() to walk them all)");
    }
    Ok(())
}
