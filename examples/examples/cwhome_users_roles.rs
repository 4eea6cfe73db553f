//! Lists CW Home users and identity roles (with user counts).
//!
//! ```text
//! CWHOME_TOKEN=eyJ... cargo run -p optima-examples --example cwhome_users_roles
//! ```
//!
//! Optional host overrides: `CWHOME_AUTH_URL`, `CWHOME_IAMBFF_URL`, `CWHOME_HOME_URL`.

use optima_connectwise::home::CwHomeClient;
use secrecy::SecretString;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let Some(token) = var("CWHOME_TOKEN") else {
        eprintln!(
            "set CWHOME_TOKEN (an OAuth bearer token for CW Home with the api.users scope) to run this example"
        );
        std::process::exit(2);
    };
    let mut b = CwHomeClient::builder().token(SecretString::from(token));
    if let Some(u) = var("CWHOME_AUTH_URL") {
        b = b.auth_url(u);
    }
    if let Some(u) = var("CWHOME_IAMBFF_URL") {
        b = b.iambff_url(u);
    }
    if let Some(u) = var("CWHOME_HOME_URL") {
        b = b.home_url(u);
    }
    let home = b.build()?;

    let users = home.list_users().await?;
    println!("{} users:", users.len());
    for u in &users {
        println!(
            "  {:<36} {:<32} {} {} mfa={} disabled={}",
            u.id.as_deref().unwrap_or("?"),
            u.email.as_deref().or(u.user_name.as_deref()).unwrap_or("?"),
            u.first_name.as_deref().unwrap_or(""),
            u.last_name.as_deref().unwrap_or(""),
            u.mfa_enabled.unwrap_or(false),
            u.is_disabled.unwrap_or(false)
        );
    }
    let roles = home.list_roles(Some(true)).await?;
    println!("{} identity roles:", roles.len());
    for r in &roles {
        println!(
            "  {:<36} {:<32} users={} claims={}",
            r.id.as_deref().unwrap_or("?"),
            r.name.as_deref().unwrap_or("?"),
            r.users_count.unwrap_or(0),
            r.role_claims.join(",")
        );
    }
    Ok(())
}
