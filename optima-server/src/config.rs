//! Settings: `OPTIMA_*` environment variables (or flags), an optional TOML file, defaults.
//! The names are a contract (DESIGN.md's settings table); `optima-server --help` lists them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

/// `OPTIMA_MAX_BODY_BYTES` unless set: room for the largest documented body (a thousand grants,
/// a credential with its sub-credentials) many times over, small enough that reading it is cheap.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Every setting as given, before defaults. Flags and environment variables come through clap;
/// the TOML file (`OPTIMA_CONFIG`) uses the same names in snake case without the prefix
/// (`listen = "0.0.0.0:3000"`, `microsoft_client_id = "…"`).
#[derive(clap::Args, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to serve on [default: 127.0.0.1:3000]
    #[arg(long, env = "OPTIMA_LISTEN", global = true)]
    pub listen: Option<String>,
    /// Where the SQLite file and generated keys live [default: ./data]
    #[arg(long, env = "OPTIMA_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://…` or `postgres://…` [default: SQLite file in the data dir]
    #[arg(
        long,
        env = "OPTIMA_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Token signing secret [default: generated once, kept in the data dir]
    #[arg(long, env = "OPTIMA_JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Vault keys `id:base64key,…`, the first is primary [default: generated once, kept in the data dir]
    #[arg(long, env = "OPTIMA_VAULT_KEYS", global = true, hide_env_values = true)]
    pub vault_keys: Option<String>,
    /// Comma-separated emails that get the admin role at first sign-in
    #[arg(long, env = "OPTIMA_BOOTSTRAP_ADMINS", global = true)]
    pub bootstrap_admins: Option<String>,
    /// Comma-separated role monikers every new user gets [default: member]
    #[arg(long, env = "OPTIMA_DEFAULT_ROLES", global = true)]
    pub default_roles: Option<String>,
    /// Log format: `text` or `json` [default: text]
    #[arg(long, env = "OPTIMA_LOG_FORMAT", global = true)]
    pub log_format: Option<String>,
    /// Seconds between scheduled syncs from ConnectWise and UniFi; 0 turns them off [default: 3600]
    #[arg(long, env = "OPTIMA_SYNC_INTERVAL", global = true)]
    pub sync_interval: Option<u64>,
    /// Days the audit trail keeps events; older ones are pruned hourly, leaving a checkpoint
    /// the chain still verifies from [default: keep forever]
    #[arg(long, env = "OPTIMA_AUDIT_RETENTION_DAYS", global = true)]
    pub audit_retention_days: Option<u64>,
    /// Days a deleted credential's history (its versions and replaced values) is kept before it
    /// is pruned, hourly; `DELETE /v1/credential/credentials/{id}/history` erases it sooner
    /// [default: 90]
    #[arg(long, env = "OPTIMA_VAULT_HISTORY_RETENTION_DAYS", global = true)]
    pub vault_history_retention_days: Option<u64>,
    /// Access token lifetime in seconds [default: 900]
    #[arg(long, env = "OPTIMA_ACCESS_TOKEN_TTL", global = true)]
    pub access_token_ttl: Option<u64>,
    /// Largest request body accepted, in bytes; larger ones get a 413 [default: 4194304 (4 MiB)]
    #[arg(long, env = "OPTIMA_MAX_BODY_BYTES", global = true)]
    pub max_body_bytes: Option<u64>,
    /// The URL clients reach this server at, as the OpenAPI document's `servers` entry (Swagger
    /// UI's "Try it out" calls it): `https://optima.example.net`, or a path [default: /]
    #[arg(long, env = "OPTIMA_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Serve Prometheus metrics at `/metrics`, without authentication [default: true]
    #[arg(long, env = "OPTIMA_METRICS", global = true)]
    pub metrics: Option<bool>,

    /// Entra ID tenant id
    #[arg(long, env = "OPTIMA_MICROSOFT_TENANT_ID", global = true)]
    pub microsoft_tenant_id: Option<String>,
    /// Entra ID application (client) id
    #[arg(long, env = "OPTIMA_MICROSOFT_CLIENT_ID", global = true)]
    pub microsoft_client_id: Option<String>,
    /// Entra ID client secret
    #[arg(
        long,
        env = "OPTIMA_MICROSOFT_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub microsoft_client_secret: Option<String>,
    /// The redirect URL registered in Entra ID (this server's /v1/auth/redirect)
    #[arg(long, env = "OPTIMA_MICROSOFT_REDIRECT_URL", global = true)]
    pub microsoft_redirect_url: Option<String>,
    /// Entra ID authority [default: `https://login.microsoftonline.com`]
    #[arg(long, env = "OPTIMA_MICROSOFT_AUTHORITY_URL", global = true)]
    pub microsoft_authority_url: Option<String>,
    /// Microsoft Graph [default: `https://graph.microsoft.com`]
    #[arg(long, env = "OPTIMA_MICROSOFT_GRAPH_URL", global = true)]
    pub microsoft_graph_url: Option<String>,

    /// ConnectWise Manage site, scheme + host (`https://na.myconnectwise.net`)
    #[arg(long, env = "OPTIMA_CONNECTWISE_URL", global = true)]
    pub connectwise_url: Option<String>,
    /// ConnectWise company id
    #[arg(long, env = "OPTIMA_CONNECTWISE_COMPANY_ID", global = true)]
    pub connectwise_company_id: Option<String>,
    /// ConnectWise API member public key
    #[arg(long, env = "OPTIMA_CONNECTWISE_PUBLIC_KEY", global = true)]
    pub connectwise_public_key: Option<String>,
    /// ConnectWise API member private key
    #[arg(
        long,
        env = "OPTIMA_CONNECTWISE_PRIVATE_KEY",
        global = true,
        hide_env_values = true
    )]
    pub connectwise_private_key: Option<String>,
    /// ConnectWise clientId
    #[arg(long, env = "OPTIMA_CONNECTWISE_CLIENT_ID", global = true)]
    pub connectwise_client_id: Option<String>,
    /// ConnectWise codebase (`v2025_1/`) [default: discovered]
    #[arg(long, env = "OPTIMA_CONNECTWISE_CODEBASE", global = true)]
    pub connectwise_codebase: Option<String>,
    /// ConnectWise API version [default: 2025.8]
    #[arg(long, env = "OPTIMA_CONNECTWISE_API_VERSION", global = true)]
    pub connectwise_api_version: Option<String>,
    /// Seconds one live ConnectWise call may take, retries and codebase discovery included; 504 beyond [default: 20]
    #[arg(long, env = "OPTIMA_CONNECTWISE_DEADLINE", global = true)]
    pub connectwise_deadline: Option<u64>,
    /// Where ConnectWise delivers callbacks: this server's public `…/v1/connectwise/callbacks`
    /// (for `connectwise callbacks ensure`) [default: OPTIMA_PUBLIC_URL + /v1/connectwise/callbacks]
    #[arg(long, env = "OPTIMA_CONNECTWISE_CALLBACK_URL", global = true)]
    pub connectwise_callback_url: Option<String>,
    /// Origins besides OPTIMA_CONNECTWISE_URL's whose callback signing keys are fetched
    /// (comma-separated, `https://host`); a key URL on any other origin is refused unfetched
    #[arg(long, env = "OPTIMA_CONNECTWISE_CALLBACK_ORIGINS", global = true)]
    pub connectwise_callback_origins: Option<String>,

    /// UniFi Network controller URL
    #[arg(long, env = "OPTIMA_UNIFI_URL", global = true)]
    pub unifi_url: Option<String>,
    /// UniFi username
    #[arg(long, env = "OPTIMA_UNIFI_USERNAME", global = true)]
    pub unifi_username: Option<String>,
    /// UniFi password
    #[arg(
        long,
        env = "OPTIMA_UNIFI_PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub unifi_password: Option<String>,
    /// UniFi API key (instead of username and password)
    #[arg(
        long,
        env = "OPTIMA_UNIFI_API_KEY",
        global = true,
        hide_env_values = true
    )]
    pub unifi_api_key: Option<String>,
    /// UniFi controller kind: auto, classic or unifi-os [default: auto]
    #[arg(long, env = "OPTIMA_UNIFI_KIND", global = true)]
    pub unifi_kind: Option<String>,
    /// Verify the controller's TLS certificate [default: true]
    #[arg(long, env = "OPTIMA_UNIFI_VERIFY_TLS", global = true)]
    pub unifi_verify_tls: Option<bool>,
    /// Pin the controller's certificate by SHA-256 (hex)
    #[arg(long, env = "OPTIMA_UNIFI_CERT_SHA256", global = true)]
    pub unifi_cert_sha256: Option<String>,
    /// Seconds one live UniFi call may take, retries and login included; 504 beyond [default: 20]
    #[arg(long, env = "OPTIMA_UNIFI_DEADLINE", global = true)]
    pub unifi_deadline: Option<u64>,
}

/// A setting that could not be used, named.
#[derive(Debug, thiserror::Error)]
#[error("setting {setting}: {message}")]
pub struct ConfigError {
    /// The environment variable's name.
    pub setting: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl Settings {
    /// Fills every unset value from `file` (values given here win).
    pub fn or_from(self, file: Settings) -> Settings {
        macro_rules! merge {
            ($($field:ident),* $(,)?) => {
                Settings { $($field: self.$field.or(file.$field)),* }
            };
        }
        merge!(
            listen,
            data_dir,
            database_url,
            jwt_secret,
            vault_keys,
            bootstrap_admins,
            default_roles,
            log_format,
            sync_interval,
            audit_retention_days,
            vault_history_retention_days,
            access_token_ttl,
            max_body_bytes,
            public_url,
            metrics,
            microsoft_tenant_id,
            microsoft_client_id,
            microsoft_client_secret,
            microsoft_redirect_url,
            microsoft_authority_url,
            microsoft_graph_url,
            connectwise_url,
            connectwise_company_id,
            connectwise_public_key,
            connectwise_private_key,
            connectwise_client_id,
            connectwise_codebase,
            connectwise_api_version,
            connectwise_deadline,
            connectwise_callback_url,
            connectwise_callback_origins,
            unifi_url,
            unifi_username,
            unifi_password,
            unifi_api_key,
            unifi_kind,
            unifi_verify_tls,
            unifi_cert_sha256,
            unifi_deadline,
        )
    }

    /// Reads a TOML settings file.
    pub fn from_toml_file(path: &Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            setting: "OPTIMA_CONFIG",
            message: format!("cannot read {}: {e}", path.display()),
        })?;
        toml::from_str(&text).map_err(|e| ConfigError {
            setting: "OPTIMA_CONFIG",
            message: format!("{}: {e}", path.display()),
        })
    }

    /// Applies defaults and checks values.
    pub fn resolve(self) -> Result<Config, ConfigError> {
        let data_dir = self.data_dir.unwrap_or_else(|| PathBuf::from("./data"));
        let listen = self.listen.unwrap_or_else(|| "127.0.0.1:3000".into());
        let log_format = match self.log_format.as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    setting: "OPTIMA_LOG_FORMAT",
                    message: format!("`{other}` is neither `text` nor `json`"),
                });
            }
        };
        let microsoft = match (
            self.microsoft_tenant_id,
            self.microsoft_client_id,
            self.microsoft_client_secret,
            self.microsoft_redirect_url,
        ) {
            (Some(tenant_id), Some(client_id), Some(client_secret), Some(redirect_url)) => {
                Some(MicrosoftConfig {
                    tenant_id,
                    client_id,
                    client_secret: SecretString::from(client_secret),
                    redirect_url,
                    authority_url: trim_slash(
                        self.microsoft_authority_url
                            .unwrap_or_else(|| "https://login.microsoftonline.com".into()),
                    ),
                    graph_url: trim_slash(
                        self.microsoft_graph_url
                            .unwrap_or_else(|| "https://graph.microsoft.com".into()),
                    ),
                })
            }
            (None, None, None, None) => None,
            _ => {
                return Err(ConfigError {
                    setting: "OPTIMA_MICROSOFT_*",
                    message: "sign-in needs TENANT_ID, CLIENT_ID, CLIENT_SECRET and REDIRECT_URL together".into(),
                });
            }
        };
        let connectwise = match (
            self.connectwise_url,
            self.connectwise_company_id,
            self.connectwise_public_key,
            self.connectwise_private_key,
            self.connectwise_client_id,
        ) {
            (Some(url), Some(company_id), Some(public_key), Some(private_key), Some(client_id)) => {
                Some(ConnectWiseConfig {
                    url: trim_slash(url),
                    company_id,
                    public_key,
                    private_key: SecretString::from(private_key),
                    client_id,
                    codebase: self.connectwise_codebase,
                    api_version: self.connectwise_api_version,
                    callback_url: self.connectwise_callback_url.or_else(|| {
                        self.public_url
                            .as_deref()
                            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
                            .map(|u| {
                                format!("{}/v1/connectwise/callbacks", u.trim_end_matches('/'))
                            })
                    }),
                    callback_origins: split_list(self.connectwise_callback_origins.as_deref()),
                })
            }
            (None, None, None, None, None) => None,
            _ => {
                return Err(ConfigError {
                    setting: "OPTIMA_CONNECTWISE_*",
                    message: "ConnectWise needs URL, COMPANY_ID, PUBLIC_KEY, PRIVATE_KEY and CLIENT_ID together".into(),
                });
            }
        };
        let unifi = match self.unifi_url {
            None => None,
            Some(url) => {
                let kind = self.unifi_kind.unwrap_or_else(|| "auto".into());
                if !matches!(kind.as_str(), "auto" | "classic" | "unifi-os") {
                    return Err(ConfigError {
                        setting: "OPTIMA_UNIFI_KIND",
                        message: format!("`{kind}` is not auto, classic or unifi-os"),
                    });
                }
                let has_login = self.unifi_username.is_some() && self.unifi_password.is_some();
                if !has_login && self.unifi_api_key.is_none() {
                    return Err(ConfigError {
                        setting: "OPTIMA_UNIFI_*",
                        message: "UniFi needs USERNAME and PASSWORD, or API_KEY".into(),
                    });
                }
                Some(UnifiConfig {
                    url: trim_slash(url),
                    username: self.unifi_username,
                    password: self.unifi_password.map(SecretString::from),
                    api_key: self.unifi_api_key.map(SecretString::from),
                    kind,
                    verify_tls: self.unifi_verify_tls.unwrap_or(true),
                    cert_sha256: self.unifi_cert_sha256,
                })
            }
        };
        let connectwise_deadline =
            deadline("OPTIMA_CONNECTWISE_DEADLINE", self.connectwise_deadline)?;
        let unifi_deadline = deadline("OPTIMA_UNIFI_DEADLINE", self.unifi_deadline)?;
        let max_body_bytes = match self.max_body_bytes {
            None => DEFAULT_MAX_BODY_BYTES,
            Some(0) => {
                return Err(ConfigError {
                    setting: "OPTIMA_MAX_BODY_BYTES",
                    message: "0 would refuse every request body".into(),
                });
            }
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        };
        let public_url = match self.public_url {
            None => "/".to_owned(),
            Some(url) => public_url(url)?,
        };
        Ok(Config {
            max_body_bytes,
            public_url,
            metrics: self.metrics.unwrap_or(true),
            connectwise,
            unifi,
            connectwise_deadline,
            unifi_deadline,
            sync_interval: self.sync_interval.unwrap_or(3600),
            audit_retention_days: match self.audit_retention_days {
                Some(0) => {
                    return Err(ConfigError {
                        setting: "OPTIMA_AUDIT_RETENTION_DAYS",
                        message: "must be at least 1 (leave it unset to keep every event)".into(),
                    });
                }
                days => days,
            },
            vault_history_retention_days: match self.vault_history_retention_days {
                Some(0) => {
                    return Err(ConfigError {
                        setting: "OPTIMA_VAULT_HISTORY_RETENTION_DAYS",
                        message: "must be at least 1".into(),
                    });
                }
                days => days.unwrap_or(90),
            },
            database_url: self.database_url.unwrap_or_else(|| {
                format!("sqlite://{}?mode=rwc", data_dir.join("optima.db").display())
            }),
            data_dir,
            listen,
            jwt_secret: self.jwt_secret.map(SecretString::from),
            vault_keys: self.vault_keys.map(SecretString::from),
            bootstrap_admins: split_list(self.bootstrap_admins.as_deref()),
            default_roles: match self.default_roles.as_deref() {
                None => vec!["member".to_owned()],
                Some(list) => split_list(Some(list)),
            },
            log_format,
            access_token_ttl: self.access_token_ttl.unwrap_or(900),
            microsoft,
        })
    }
}

/// How long one live vendor call may take unless configured: well under a minute, so a silent
/// vendor answers 504 before callers and proxies give up.
pub const DEFAULT_VENDOR_DEADLINE: Duration = Duration::from_secs(20);

fn deadline(setting: &'static str, seconds: Option<u64>) -> Result<Duration, ConfigError> {
    match seconds {
        None => Ok(DEFAULT_VENDOR_DEADLINE),
        Some(0) => Err(ConfigError {
            setting,
            message: "must be at least 1 second (a deadline of 0 would fail every call)".into(),
        }),
        Some(s) => Ok(Duration::from_secs(s)),
    }
}

/// An absolute http(s) URL or a path from the root; no trailing slash (but `/` stays `/`).
fn public_url(url: String) -> Result<String, ConfigError> {
    let fail = |message: String| ConfigError {
        setting: "OPTIMA_PUBLIC_URL",
        message,
    };
    let trimmed = url.trim();
    if trimmed.starts_with('/') {
        let path = trimmed.trim_end_matches('/');
        return Ok(if path.is_empty() {
            "/".to_owned()
        } else {
            path.to_owned()
        });
    }
    match url::Url::parse(trimmed) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => {
            Ok(trim_slash(trimmed.to_owned()))
        }
        _ => Err(fail(format!(
            "`{url}` is neither an http(s) URL nor a path starting with `/`"
        ))),
    }
}

fn trim_slash(url: String) -> String {
    url.trim_end_matches('/').to_owned()
}

fn split_list(list: Option<&str>) -> Vec<String> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Microsoft Entra ID sign-in settings.
#[derive(Debug, Clone)]
pub struct MicrosoftConfig {
    /// Tenant id.
    pub tenant_id: String,
    /// Application id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: SecretString,
    /// Registered redirect URL.
    pub redirect_url: String,
    /// Authority base URL, no trailing slash.
    pub authority_url: String,
    /// Graph base URL, no trailing slash.
    pub graph_url: String,
}

/// Resolved settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to serve on.
    pub listen: String,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Database URL.
    pub database_url: String,
    /// Token signing secret, if configured.
    pub jwt_secret: Option<SecretString>,
    /// Vault keys, if configured.
    pub vault_keys: Option<SecretString>,
    /// Emails that become admins at first sign-in.
    pub bootstrap_admins: Vec<String>,
    /// Role monikers given to new users.
    pub default_roles: Vec<String>,
    /// Log format.
    pub log_format: LogFormat,
    /// Access token lifetime, seconds.
    pub access_token_ttl: u64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Where clients reach the server: the OpenAPI document's `servers` entry (`/` unless set).
    pub public_url: String,
    /// Whether `/metrics` is served.
    pub metrics: bool,
    /// Entra ID sign-in, if configured.
    pub microsoft: Option<MicrosoftConfig>,
    /// ConnectWise Manage, if configured.
    pub connectwise: Option<ConnectWiseConfig>,
    /// UniFi Network controller, if configured.
    pub unifi: Option<UnifiConfig>,
    /// Total time one live ConnectWise call may take (every attempt, backoff and codebase
    /// discovery); the API answers 504 beyond it. Each page of a sync is one call.
    pub connectwise_deadline: Duration,
    /// Total time one live UniFi call may take (every attempt, backoff, detection and login);
    /// the API answers 504 beyond it.
    pub unifi_deadline: Duration,
    /// Seconds between scheduled syncs from the vendors; 0 turns the schedule off.
    pub sync_interval: u64,
    /// Days the audit trail keeps events; `None` keeps them forever.
    pub audit_retention_days: Option<u64>,
    /// Days a deleted credential's history is kept.
    pub vault_history_retention_days: u64,
}

/// ConnectWise Manage settings.
#[derive(Debug, Clone)]
pub struct ConnectWiseConfig {
    /// Scheme + host.
    pub url: String,
    /// Company id (the login company).
    pub company_id: String,
    /// API member public key.
    pub public_key: String,
    /// API member private key.
    pub private_key: SecretString,
    /// clientId header.
    pub client_id: String,
    /// Fixed codebase, or discovered when `None`.
    pub codebase: Option<String>,
    /// API version for the Accept header, or the client's default.
    pub api_version: Option<String>,
    /// Where ConnectWise should deliver callbacks, when known.
    pub callback_url: Option<String>,
    /// Origins besides `url`'s whose callback signing keys may be fetched.
    pub callback_origins: Vec<String>,
}

/// UniFi Network controller settings.
#[derive(Debug, Clone)]
pub struct UnifiConfig {
    /// Controller URL.
    pub url: String,
    /// Username, with `password`.
    pub username: Option<String>,
    /// Password.
    pub password: Option<SecretString>,
    /// API key, instead of username and password.
    pub api_key: Option<SecretString>,
    /// `auto`, `classic` or `unifi-os`.
    pub kind: String,
    /// Verify the controller's TLS certificate.
    pub verify_tls: bool,
    /// SHA-256 pin of the controller's certificate.
    pub cert_sha256: Option<String>,
}

impl Config {
    /// Settings for tests and embedding: a database URL and a data dir, nothing else.
    pub fn for_database(database_url: impl Into<String>, data_dir: impl Into<PathBuf>) -> Config {
        let mut config = Settings::default().resolve().expect("defaults are valid");
        config.database_url = database_url.into();
        config.data_dir = data_dir.into();
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_design() {
        let c = Settings::default().resolve().unwrap();
        assert_eq!(c.listen, "127.0.0.1:3000");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert!(c.database_url.starts_with("sqlite://./data/optima.db"));
        assert!(c.microsoft.is_none());
        assert_eq!(c.max_body_bytes, 4 * 1024 * 1024);
        assert_eq!(c.public_url, "/");
        assert!(c.metrics);
    }

    #[test]
    fn the_public_url_is_an_http_url_or_a_path() {
        let resolve = |url: &str| {
            Settings {
                public_url: Some(url.to_owned()),
                ..Settings::default()
            }
            .resolve()
        };
        assert_eq!(
            resolve("https://optima.example.net/").unwrap().public_url,
            "https://optima.example.net"
        );
        assert_eq!(resolve("/api/").unwrap().public_url, "/api");
        assert_eq!(resolve("/").unwrap().public_url, "/");
        for bad in ["optima.example.net", "ftp://optima.example.net", ""] {
            let err = resolve(bad).unwrap_err();
            assert_eq!(err.setting, "OPTIMA_PUBLIC_URL", "{bad}");
        }
    }

    #[test]
    fn a_zero_body_limit_is_refused() {
        let s = Settings {
            max_body_bytes: Some(0),
            ..Settings::default()
        };
        assert_eq!(s.resolve().unwrap_err().setting, "OPTIMA_MAX_BODY_BYTES");
        let s = Settings {
            max_body_bytes: Some(1024),
            ..Settings::default()
        };
        assert_eq!(s.resolve().unwrap().max_body_bytes, 1024);
    }

    #[test]
    fn file_fills_what_env_leaves_unset() {
        let file: Settings =
            toml::from_str("listen = \"0.0.0.0:8080\"\nbootstrap_admins = \"a@x.com, b@x.com\"")
                .unwrap();
        let env = Settings {
            listen: Some("127.0.0.1:9".into()),
            ..Settings::default()
        };
        let c = env.or_from(file).resolve().unwrap();
        assert_eq!(c.listen, "127.0.0.1:9");
        assert_eq!(c.bootstrap_admins, ["a@x.com", "b@x.com"]);
        assert!(
            toml::from_str::<Settings>("lisen = 1").is_err(),
            "unknown keys are refused"
        );
    }

    #[test]
    fn vendor_deadlines_default_to_well_under_a_minute_and_refuse_zero() {
        let c = Settings::default().resolve().unwrap();
        assert_eq!(c.connectwise_deadline, DEFAULT_VENDOR_DEADLINE);
        assert_eq!(c.unifi_deadline, DEFAULT_VENDOR_DEADLINE);
        assert!(DEFAULT_VENDOR_DEADLINE < Duration::from_secs(60));

        let file: Settings =
            toml::from_str("connectwise_deadline = 7\nunifi_deadline = 9").unwrap();
        let c = Settings::default().or_from(file).resolve().unwrap();
        assert_eq!(c.connectwise_deadline, Duration::from_secs(7));
        assert_eq!(c.unifi_deadline, Duration::from_secs(9));

        let s = Settings {
            unifi_deadline: Some(0),
            ..Settings::default()
        };
        assert_eq!(s.resolve().unwrap_err().setting, "OPTIMA_UNIFI_DEADLINE");
        let s = Settings {
            connectwise_deadline: Some(0),
            ..Settings::default()
        };
        assert_eq!(
            s.resolve().unwrap_err().setting,
            "OPTIMA_CONNECTWISE_DEADLINE"
        );
    }

    #[test]
    fn partial_microsoft_settings_are_an_error_naming_them() {
        let s = Settings {
            microsoft_client_id: Some("x".into()),
            ..Settings::default()
        };
        let err = s.resolve().unwrap_err();
        assert_eq!(err.setting, "OPTIMA_MICROSOFT_*");
        let s = Settings {
            log_format: Some("xml".into()),
            ..Settings::default()
        };
        assert_eq!(s.resolve().unwrap_err().setting, "OPTIMA_LOG_FORMAT");
    }
}
