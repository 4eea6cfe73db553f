use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A network (`rest/networkconf`): LAN, VLAN, WAN, VPN …
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Network {
    /// Object id (`_id`).
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub id: Option<String>,
    /// Site object id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub site_id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// `corporate`, `guest`, `wan`, `vlan-only`, `remote-user-vpn` …
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub purpose: Option<String>,
    /// Gateway address and prefix, e.g. `192.168.1.1/24`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub ip_subnet: Option<String>,
    /// VLAN id (number or string, depending on firmware).
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub vlan: Option<i64>,
    /// Whether the VLAN is in use (absent on newer firmware).
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub vlan_enabled: Option<bool>,
    /// DHCP server enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub dhcpd_enabled: Option<bool>,
    /// First DHCP address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub dhcpd_start: Option<String>,
    /// Last DHCP address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub dhcpd_stop: Option<String>,
    /// DNS domain.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub domain_name: Option<String>,
    /// NAT enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub is_nat: Option<bool>,
    /// Enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub enabled: Option<bool>,
    /// `LAN`, `WAN`, `WAN2` …
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub networkgroup: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Network {
    /// The VLAN clients of this network are on: `vlan`, unless `vlan_enabled` is explicitly false.
    /// `None` for the untagged (default) network.
    pub fn vlan_id(&self) -> Option<u16> {
        if self.vlan_enabled == Some(false) {
            return None;
        }
        self.vlan
            .and_then(|v| u16::try_from(v).ok())
            .filter(|v| *v > 0)
    }

    /// The subnet written as in the UI (`ip_subnet`).
    pub fn subnet(&self) -> Option<&str> {
        self.ip_subnet.as_deref()
    }
}

/// A WLAN group (`rest/wlangroup`): which WLANs broadcast on which APs (older firmware).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct WlanGroup {
    /// Object id (`_id`).
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Site object id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub site_id: Option<String>,
    /// `attr_no_delete`.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub attr_no_delete: Option<bool>,
    /// `attr_no_edit`.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub attr_no_edit: Option<bool>,
    /// `attr_hidden`.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub attr_hidden: Option<bool>,
    /// `attr_hidden_id` (`Default` for the default group).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub attr_hidden_id: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An AP group (v2 `apgroups`): a named set of access points WLANs can target.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ApGroup {
    /// Object id (`_id`).
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// MAC addresses of the member access points.
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub device_macs: Vec<String>,
    /// `attr_no_delete` (true for "All APs").
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub attr_no_delete: Option<bool>,
    /// `attr_hidden_id`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub attr_hidden_id: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body creating an AP group.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct NewApGroup {
    /// Name.
    pub name: String,
    /// MAC addresses of the member access points.
    pub device_macs: Vec<String>,
}

impl NewApGroup {
    /// An AP group named `name` with the given member MACs.
    pub fn new(
        name: impl Into<String>,
        device_macs: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            name: name.into(),
            device_macs: device_macs.into_iter().map(Into::into).collect(),
        }
    }
}

/// A bandwidth limit of a speed profile, in kbps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RateLimit {
    /// No limit (the controller's `-1`).
    #[default]
    Unlimited,
    /// At most this many kbps.
    Kbps(u64),
}

impl RateLimit {
    /// From the controller's value: negative (or absent) means unlimited.
    pub fn from_raw(v: Option<i64>) -> Self {
        match v {
            Some(v) if v >= 0 => RateLimit::Kbps(v as u64),
            _ => RateLimit::Unlimited,
        }
    }

    /// The controller's value: `-1` for unlimited.
    pub fn to_raw(self) -> i64 {
        match self {
            RateLimit::Unlimited => -1,
            RateLimit::Kbps(k) => i64::try_from(k).unwrap_or(i64::MAX),
        }
    }
}

/// A user group (`rest/usergroup`), shown in the UI as a speed profile / bandwidth limit.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct UserGroup {
    /// Object id (`_id`).
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Site object id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub site_id: Option<String>,
    /// Download limit in kbps; `-1` is unlimited.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub qos_rate_max_down: Option<i64>,
    /// Upload limit in kbps; `-1` is unlimited.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub qos_rate_max_up: Option<i64>,
    /// `attr_no_delete` (true for the default group).
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub attr_no_delete: Option<bool>,
    /// `attr_hidden_id`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub attr_hidden_id: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl UserGroup {
    /// The download limit.
    pub fn download_limit(&self) -> RateLimit {
        RateLimit::from_raw(self.qos_rate_max_down)
    }

    /// The upload limit.
    pub fn upload_limit(&self) -> RateLimit {
        RateLimit::from_raw(self.qos_rate_max_up)
    }
}

/// The body creating a user group (speed profile).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct NewUserGroup {
    /// Name.
    pub name: String,
    /// Download limit in kbps; `-1` is unlimited.
    pub qos_rate_max_down: i64,
    /// Upload limit in kbps; `-1` is unlimited.
    pub qos_rate_max_up: i64,
}

impl NewUserGroup {
    /// An unlimited profile named `name`; set limits with [`download`](Self::download) / [`upload`](Self::upload).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            qos_rate_max_down: -1,
            qos_rate_max_up: -1,
        }
    }

    /// Sets the download limit.
    pub fn download(mut self, limit: RateLimit) -> Self {
        self.qos_rate_max_down = limit.to_raw();
        self
    }

    /// Sets the upload limit.
    pub fn upload(mut self, limit: RateLimit) -> Self {
        self.qos_rate_max_up = limit.to_raw();
        self
    }
}
