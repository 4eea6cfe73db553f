use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A site of the controller (`GET /api/self/sites`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Site {
    /// Object id (`_id`).
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub id: Option<String>,
    /// The short site name used in API paths (`default`, `km9b1v8i`).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// The human-readable description shown in the UI.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub desc: Option<String>,
    /// The caller's role on the site (`admin`, `readonly` …).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub role: Option<String>,
    /// `attr_hidden_id` (`default` for the default site).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub attr_hidden_id: Option<String>,
    /// `attr_no_delete`.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub attr_no_delete: Option<bool>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The health of one subsystem of a site (`stat/health`: `wan`, `www`, `wlan`, `lan`, `vpn`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Health {
    /// `wan`, `www`, `wlan`, `lan`, `vpn` …
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub subsystem: Option<String>,
    /// `ok`, `warning`, `error`, `unknown` …
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub status: Option<String>,
    /// Adopted devices of this subsystem.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub num_adopted: Option<i64>,
    /// Gateways.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub num_gw: Option<i64>,
    /// Access points.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub num_ap: Option<i64>,
    /// Switches.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub num_sw: Option<i64>,
    /// Connected users.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub num_user: Option<i64>,
    /// Connected guests.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub num_guest: Option<i64>,
    /// Disabled devices.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub num_disabled: Option<i64>,
    /// Disconnected devices.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub num_disconnected: Option<i64>,
    /// Devices pending adoption.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub num_pending: Option<i64>,
    /// WAN IP address (`wan` subsystem).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub wan_ip: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Health {
    /// The number of gateways: `num_gw`, or `num_gateway` as some firmware spells it.
    pub fn num_gateway(&self) -> Option<i64> {
        self.num_gw.or_else(|| {
            self.extra
                .get("num_gateway")
                .and_then(|v| crate::lenient::opt_i64(v.clone()).ok().flatten())
        })
    }
}

/// Controller information (`stat/sysinfo`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct SysInfo {
    /// Time zone, e.g. `America/Denver`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub timezone: Option<String>,
    /// Controller host name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub hostname: Option<String>,
    /// Controller name (UniFi OS consoles).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Network application version, e.g. `8.6.9`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub version: Option<String>,
    /// Build string.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub build: Option<String>,
    /// Console firmware version (UniFi OS).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub udm_version: Option<String>,
    /// Console model (`UDMPRO`, `UCKG2` …).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub ubnt_device_type: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A site created by `sitemgr add-site`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct CreatedSite {
    /// Object id (`_id`).
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub id: Option<String>,
    /// The generated short name used in API paths.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// The description that was given.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub desc: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
