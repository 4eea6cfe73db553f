//! The `optima-server` command line: every verb reads the same settings as `serve`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use optima_core::store::{RoleStore, UserStore};

use crate::app::{app, build_state, openapi_json};
use crate::auth::sign_in::provision_user;
use crate::config::{Config, LogFormat, Settings};

/// Optima's reference server: the documented /v1 API on SQLite (default) or PostgreSQL.
///
/// Every setting can be given as a flag, an OPTIMA_* environment variable, or a key in the TOML
/// file named by OPTIMA_CONFIG (flags and variables win over the file). Log lines are filtered
/// by OPTIMA_LOG (a tracing filter such as `info` or `optima_server=debug,sqlx=warn`; default
/// `info,sqlx=warn`).
#[derive(Debug, Parser)]
#[command(name = "optima-server", version)]
pub struct Cli {
    /// Optional TOML file with the same settings (snake_case keys without the OPTIMA_ prefix)
    #[arg(long, env = "OPTIMA_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Settings hold secrets; never print them.
        f.write_str("Settings { .. }")
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default)
    Serve,
    /// Apply database migrations and exit
    Migrate,
    /// Print the OpenAPI document
    Openapi,
    /// Copy records from ConnectWise / UniFi into the database now, with progress bars
    Sync {
        /// What to sync
        #[arg(value_enum)]
        target: crate::sync::SyncTarget,
        /// Only what changed since the last sync (the default is a full sync, which also
        /// finds records deleted at the vendor)
        #[arg(long)]
        incremental: bool,
        /// If another process is running the same sync, wait for it to finish and then run
        /// (without it, say who is running it and exit with an error)
        #[arg(long)]
        wait: bool,
    },
    /// Check, export or prune the audit trail
    Audit {
        /// What to do
        #[command(subcommand)]
        action: crate::audit::cli::AuditAction,
    },
    /// Manage ConnectWise's callbacks to this server
    Connectwise {
        /// What to do
        #[command(subcommand)]
        action: ConnectwiseAction,
    },
    /// Manage the vault's keys
    Vault {
        /// What to do
        #[command(subcommand)]
        action: crate::vault::cli::VaultAction,
    },
    /// Mint an access token for local use, creating the user if needed
    Token {
        /// The user's email
        #[arg(long)]
        email: String,
        /// A role (moniker or id) to give the user, e.g. `admin`
        #[arg(long)]
        role: Option<String>,
        /// Display name for a new user [default: the part of the email before @]
        #[arg(long)]
        name: Option<String>,
    },
}

/// `connectwise …`.
#[derive(Debug, Subcommand)]
enum ConnectwiseAction {
    /// ConnectWise's callbacks (webhooks) to `/v1/connectwise/callbacks`
    Callbacks {
        /// What to do
        #[command(subcommand)]
        action: CallbacksAction,
    },
}

/// `connectwise callbacks …`.
#[derive(Debug, Subcommand)]
enum CallbacksAction {
    /// Register exactly the callbacks Optima needs (companies, opportunities), comparing with
    /// what ConnectWise has: running it again changes nothing
    Ensure {
        /// Where ConnectWise should deliver [default: OPTIMA_CONNECTWISE_CALLBACK_URL]
        #[arg(long)]
        url: Option<String>,
    },
    /// Remove every callback that delivers to this server
    Remove {
        /// The delivery URL to remove [default: OPTIMA_CONNECTWISE_CALLBACK_URL]
        #[arg(long)]
        url: Option<String>,
    },
}

async fn connectwise_callbacks(
    config: Config,
    action: CallbacksAction,
) -> Result<(), Box<dyn std::error::Error>> {
    let configured_url = config
        .connectwise
        .as_ref()
        .and_then(|cw| cw.callback_url.clone());
    let integrations = crate::integrations::Integrations::from_config(&config)?;
    let cw = integrations
        .connectwise
        .ok_or("ConnectWise is not configured (OPTIMA_CONNECTWISE_*)")?;
    let url_of = |given: Option<String>| {
        given.or(configured_url.clone()).ok_or(
            "no callback URL: pass --url, or set OPTIMA_CONNECTWISE_CALLBACK_URL (or an absolute \
             OPTIMA_PUBLIC_URL)",
        )
    };
    match action {
        CallbacksAction::Ensure { url } => {
            let url = url_of(url)?;
            let wanted = crate::sync::callbacks::wanted_registrations(&url);
            let report = cw.callbacks().ensure(&wanted).await?;
            println!(
                "callbacks to {url}: {} created {:?}, {} switched back on {:?}, {} already there {:?}",
                report.created.len(),
                report.created,
                report.reactivated.len(),
                report.reactivated,
                report.unchanged.len(),
                report.unchanged
            );
        }
        CallbacksAction::Remove { url } => {
            let url = url_of(url)?;
            let removed = cw.callbacks().remove(&url).await?;
            println!("callbacks to {url}: {} removed {removed:?}", removed.len());
        }
    }
    Ok(())
}

/// Parses the command line and runs the verb. Errors are printed by the caller.
pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    let settings = match &cli.config {
        Some(path) => cli.settings.or_from(Settings::from_toml_file(path)?),
        None => cli.settings,
    };
    let config = settings.resolve()?;
    init_logging(&config);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            crate::lock_file::set_process_role("optima-server serve");
            serve(config).await
        }
        Command::Connectwise {
            action: ConnectwiseAction::Callbacks { action },
        } => connectwise_callbacks(config, action).await,
        Command::Migrate => {
            build_state(config).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Openapi => {
            println!("{}", openapi_json().await?);
            Ok(())
        }
        Command::Sync {
            target,
            incremental,
            wait,
        } => {
            crate::lock_file::set_process_role("optima-server sync");
            let state = build_state(config).await?;
            let mode = if incremental {
                crate::sync::SyncMode::Incremental
            } else {
                crate::sync::SyncMode::Full
            };
            let when_busy = if wait {
                crate::sync::WhenBusy::Wait
            } else {
                crate::sync::WhenBusy::Fail
            };
            let reports = crate::sync::run_target_with(
                &state,
                target,
                mode,
                &ProgressBars::default(),
                when_busy,
            )
            .await
            .map_err(|e| match e {
                crate::sync::SyncError::Busy(running) => {
                    format!("{running}; run again with --wait to wait for it to finish").into()
                }
                other => Box::<dyn std::error::Error>::from(other),
            })?;
            // A bulk sync leaves the catalog's name-ordered search index to a background
            // rebuild, which this process would cut short by exiting: finish it here.
            if let Err(error) = state.store.repair_search_indexes().await {
                eprintln!(
                    "warning: a search index was not rebuilt ({error}); the next start rebuilds it"
                );
            }
            if reports.is_empty() {
                eprintln!("nothing to sync: no vendor is configured");
            }
            for report in reports {
                println!("{report}");
            }
            Ok(())
        }
        Command::Audit { action } => {
            let state = build_state(config).await?;
            crate::audit::cli::run(&state, action).await
        }
        Command::Vault { action } => crate::vault::cli::run(config, action).await,
        Command::Token { email, role, name } => {
            let state = build_state(config).await?;
            // Users made and roles given here are on the audit trail, as this verb's.
            let audit = crate::audit::context::RequestAudit {
                command: Some("cli token"),
                client_address: Some(format!(
                    "command line (OS user {})",
                    std::env::var("USER").unwrap_or_else(|_| "unknown".into())
                )),
                ..Default::default()
            };
            let (token, _) =
                crate::audit::context::scope(audit, mint_token(&state, email, role, name)).await;
            println!("{}", token?);
            Ok(())
        }
    }
}

/// `token`: the user (made if new, with `role` added), and an access token for them.
async fn mint_token(
    state: &crate::state::AppState,
    email: String,
    role: Option<String>,
    name: Option<String>,
) -> Result<String, Box<dyn std::error::Error>> {
    let login = email.split('@').next().unwrap_or(&email).to_owned();
    let name = name.unwrap_or_else(|| login.clone());
    let mut user = provision_user(state, &email, &name, &login)
        .await
        .map_err(|e| e.body().message.clone())?;
    if let Some(role) = role {
        let role = state
            .store
            .find_role(&role)
            .await?
            .ok_or_else(|| format!("no role has the id or moniker `{role}`"))?;
        if !user.roles.contains(&role.id) {
            user.roles.push(role.id);
            user = state.store.update_user(&user).await?;
        }
    }
    Ok(state
        .access_token(&user.id)
        .map_err(|e| e.body().message.clone())?)
}

async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let listen = config.listen.clone();
    let interval = config.sync_interval;
    let retention = config.audit_retention_days;
    let history_retention = config.vault_history_retention_days;
    let state = build_state(config).await?;
    if let Some(days) = retention {
        tokio::spawn(crate::audit::cli::keep_pruned(state.clone(), days));
    }
    tokio::spawn(crate::vault::keep_history_pruned(
        state.clone(),
        history_retention,
    ));
    if interval > 0 {
        tokio::spawn(crate::sync::schedule(
            state.clone(),
            std::time::Duration::from_secs(interval),
        ));
    }
    tracing::info!(%listen, "serving; docs at /v1/docs");
    poem::Server::new(poem::listener::TcpListener::bind(listen))
        .run_with_graceful_shutdown(
            app(state),
            async {
                let _ = tokio::signal::ctrl_c().await;
            },
            Some(std::time::Duration::from_secs(10)),
        )
        .await?;
    Ok(())
}

fn init_logging(config: &Config) {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("OPTIMA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // At trace level the WebSocket library logs whole frames, and UniFi's events carry Wi-Fi
    // passphrases: never, whatever OPTIMA_LOG says.
    for quiet in ["tungstenite=off", "tokio_tungstenite=off"] {
        if let Ok(directive) = quiet.parse() {
            filter = filter.add_directive(directive);
        }
    }
    let log = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let log = match config.log_format {
        LogFormat::Json => log.json().boxed(),
        LogFormat::Text => log.boxed(),
    };
    // The log filter applies to the log only: vendor calls are counted whatever it says.
    let vendor_calls =
        crate::metrics::VendorCalls.with_filter(crate::metrics::VendorCalls::filter());
    let _ = tracing_subscriber::registry()
        .with(log.with_filter(filter))
        .with(vendor_calls)
        .try_init();
}

/// An indicatif bar per sync, on stderr.
#[derive(Debug, Default)]
struct ProgressBars {
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl crate::sync::Progress for ProgressBars {
    fn begin(&self, kind: &str, total: Option<u64>) {
        let bar = match total {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::new_spinner(),
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{prefix:>14} [{bar:40}] {pos}/{len} ({per_sec}, {eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(kind.to_owned());
        *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar);
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            bar.inc(n);
        }
    }

    fn end(&self, _report: &crate::sync::SyncReport) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}
