//! Models of the Network Integration API, lenient like the rest of the crate: every field
//! optional, numbers accepted as strings, unknown enum values and unknown fields kept.
//!
//! Field names follow the Network 10.1 OpenAPI document; the JSON is camelCase.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::de::open_enum;
use crate::error::{Error, Result};

/// `GET /v1/info`: what the Network application says about itself.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApplicationInfo {
    /// The Network application's version, e.g. `10.1.78` (Wi-Fi broadcasts and networks need 10.0 or later).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub application_version: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A site (`GET /v1/sites`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Site {
    /// The site's UUID, used in every site-scoped path.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub id: Option<String>,
    /// The short name of the classic API (`default`), also the site of the events WebSocket.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub internal_reference: Option<String>,
    /// The name shown in the UI.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

open_enum! {
    /// The state of an adopted device (`state`).
    pub enum DeviceState {
        /// Online.
        Online = "ONLINE",
        /// Offline.
        Offline = "OFFLINE",
        /// Waiting to be adopted.
        PendingAdoption = "PENDING_ADOPTION",
        /// Installing firmware.
        Updating = "UPDATING",
        /// Starting up.
        GettingReady = "GETTING_READY",
        /// Being adopted.
        Adopting = "ADOPTING",
        /// Being removed.
        Deleting = "DELETING",
        /// Connection interrupted.
        ConnectionInterrupted = "CONNECTION_INTERRUPTED",
        /// Isolated.
        Isolated = "ISOLATED",
    }
}

/// The fields a device has both as listed and in detail.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeviceSummary {
    /// The device's UUID.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub id: Option<String>,
    /// MAC address, lower case with colons.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub mac_address: Option<String>,
    /// IP address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub ip_address: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Model code, e.g. `UHDIW`, `USL8LP`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub model: Option<String>,
    /// State.
    #[serde(default)]
    pub state: Option<DeviceState>,
    /// Whether this application version supports the device.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub supported: Option<bool>,
    /// Firmware version.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub firmware_version: Option<String>,
    /// Whether a firmware update is available.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub firmware_updatable: Option<bool>,
}

impl std::ops::Deref for DeviceOverview {
    type Target = DeviceSummary;

    fn deref(&self) -> &DeviceSummary {
        &self.device
    }
}

impl std::ops::Deref for DeviceDetails {
    type Target = DeviceSummary;

    fn deref(&self) -> &DeviceSummary {
        &self.device
    }
}

/// An adopted device as listed (`GET /v1/sites/{siteId}/devices`).
///
/// In the list, `features` and `interfaces` are arrays of names; in [`DeviceDetails`] they are objects.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeviceOverview {
    /// What every device record says of the device; its fields read as the overview's own.
    #[serde(flatten)]
    pub device: DeviceSummary,
    /// What the device does: `switching`, `accessPoint`, `gateway`.
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub features: Vec<String>,
    /// Which interfaces it has: `ports`, `radios`.
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub interfaces: Vec<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl DeviceOverview {
    /// True when the device is an access point (`features` contains `accessPoint`).
    pub fn is_access_point(&self) -> bool {
        self.features.iter().any(|f| f == "accessPoint")
    }
}

/// The uplink of a device: the device it hangs off.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeviceUplink {
    /// UUID of the upstream device.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub device_id: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// PoE of a port.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PortPoe {
    /// `802.3af`, `802.3at`, `802.3bt`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub standard: Option<String>,
    /// PoE type, 1–4.
    #[serde(rename = "type", default, deserialize_with = "crate::lenient::opt_i64")]
    pub poe_type: Option<i64>,
    /// Whether PoE is on.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub enabled: Option<bool>,
    /// `UP`, `DOWN`, `LIMITED`, `UNKNOWN`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub state: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A port of a device.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Port {
    /// Port index (from 1), the `portIdx` of the port action.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub idx: Option<i64>,
    /// `UP`, `DOWN`, `UNKNOWN`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub state: Option<String>,
    /// `RJ45`, `SFP`, `SFPPLUS`, `SFP28`, `QSFP28`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub connector: Option<String>,
    /// Highest speed the port supports.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub max_speed_mbps: Option<i64>,
    /// Current link speed.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub speed_mbps: Option<i64>,
    /// PoE, for PoE ports.
    #[serde(default)]
    pub poe: Option<PortPoe>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A radio of an access point.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Radio {
    /// `802.11a` … `802.11be`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub wlan_standard: Option<String>,
    /// 2.4, 5, 6 or 60.
    #[serde(
        rename = "frequencyGHz",
        default,
        deserialize_with = "crate::lenient::opt_f64"
    )]
    pub frequency_ghz: Option<f64>,
    /// Channel width.
    #[serde(
        rename = "channelWidthMHz",
        default,
        deserialize_with = "crate::lenient::opt_i64"
    )]
    pub channel_width_mhz: Option<i64>,
    /// Channel.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub channel: Option<i64>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The interfaces of a device in [`DeviceDetails`].
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeviceInterfaces {
    /// Ports (switches, gateways, wall APs).
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub ports: Vec<Port>,
    /// Radios (access points).
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub radios: Vec<Radio>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One adopted device in detail (`GET /v1/sites/{siteId}/devices/{deviceId}`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeviceDetails {
    /// What every device record says of the device; its fields read as the details' own.
    #[serde(flatten)]
    pub device: DeviceSummary,
    /// When the device was adopted (ISO 8601).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub adopted_at: Option<String>,
    /// When its configuration was last applied (ISO 8601).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub provisioned_at: Option<String>,
    /// Identifier of the applied configuration.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub configuration_id: Option<String>,
    /// The upstream device.
    #[serde(default)]
    pub uplink: Option<DeviceUplink>,
    /// Features as an object keyed by feature (`switching`, `accessPoint`, `gateway`).
    #[serde(default)]
    pub features: Option<Map<String, Value>>,
    /// Ports and radios.
    #[serde(default)]
    pub interfaces: Option<DeviceInterfaces>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Uplink throughput in [`DeviceStatistics`].
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UplinkStatistics {
    /// Transmit rate, bits per second.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub tx_rate_bps: Option<i64>,
    /// Receive rate, bits per second.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub rx_rate_bps: Option<i64>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Statistics of one radio.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RadioStatistics {
    /// 2.4, 5, 6 or 60.
    #[serde(
        rename = "frequencyGHz",
        default,
        deserialize_with = "crate::lenient::opt_f64"
    )]
    pub frequency_ghz: Option<f64>,
    /// Share of transmissions retried, in percent.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub tx_retries_pct: Option<f64>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Interface statistics in [`DeviceStatistics`].
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InterfaceStatistics {
    /// Per radio.
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub radios: Vec<RadioStatistics>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The latest statistics of a device (`GET …/devices/{deviceId}/statistics/latest`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeviceStatistics {
    /// Seconds since the device started.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub uptime_sec: Option<i64>,
    /// Last heartbeat (ISO 8601).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub last_heartbeat_at: Option<String>,
    /// Next expected heartbeat (ISO 8601).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub next_heartbeat_at: Option<String>,
    /// Load average over 1 minute.
    #[serde(
        rename = "loadAverage1Min",
        default,
        deserialize_with = "crate::lenient::opt_f64"
    )]
    pub load_average_1min: Option<f64>,
    /// Load average over 5 minutes.
    #[serde(
        rename = "loadAverage5Min",
        default,
        deserialize_with = "crate::lenient::opt_f64"
    )]
    pub load_average_5min: Option<f64>,
    /// Load average over 15 minutes.
    #[serde(
        rename = "loadAverage15Min",
        default,
        deserialize_with = "crate::lenient::opt_f64"
    )]
    pub load_average_15min: Option<f64>,
    /// CPU use, percent.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub cpu_utilization_pct: Option<f64>,
    /// Memory use, percent.
    #[serde(default, deserialize_with = "crate::lenient::opt_f64")]
    pub memory_utilization_pct: Option<f64>,
    /// Uplink throughput.
    #[serde(default)]
    pub uplink: Option<UplinkStatistics>,
    /// Per-interface statistics.
    #[serde(default)]
    pub interfaces: Option<InterfaceStatistics>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

open_enum! {
    /// How a client is connected (`type`).
    pub enum ClientType {
        /// Wired.
        Wired = "WIRED",
        /// Wireless.
        Wireless = "WIRELESS",
        /// VPN.
        Vpn = "VPN",
        /// Teleport.
        Teleport = "TELEPORT",
    }
}

/// The access of a client: `DEFAULT`, or `GUEST` with whether it is authorized.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClientAccess {
    /// `DEFAULT` or `GUEST`.
    #[serde(
        rename = "type",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub access_type: Option<String>,
    /// For guests: whether they are authorized.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub authorized: Option<bool>,
    /// For guests, in details: the authorization (times, limits, usage).
    #[serde(default)]
    pub authorization: Option<Value>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A connected client (`GET /v1/sites/{siteId}/clients[/{clientId}]`); only connected clients are listed.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Client {
    /// `WIRED`, `WIRELESS`, `VPN`, `TELEPORT`.
    #[serde(rename = "type", default)]
    pub client_type: Option<ClientType>,
    /// The client's UUID.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// When it connected (ISO 8601).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub connected_at: Option<String>,
    /// IP address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub ip_address: Option<String>,
    /// MAC address (none for VPN and Teleport clients).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub mac_address: Option<String>,
    /// UUID of the device it is connected through.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub uplink_device_id: Option<String>,
    /// Its access (guest or not).
    #[serde(default)]
    pub access: Option<ClientAccess>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Client {
    /// True for guests (`access.type == "GUEST"`).
    pub fn is_guest(&self) -> bool {
        self.access.as_ref().and_then(|a| a.access_type.as_deref()) == Some("GUEST")
    }
}

/// Where a configuration object comes from (`metadata`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Metadata {
    /// `USER_DEFINED`, `SYSTEM_DEFINED`, `ORCHESTRATED`, `DERIVED`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub origin: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A network (`GET /v1/sites/{siteId}/networks[/{networkId}]`), overview or details.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Network {
    /// `UNMANAGED`, `GATEWAY` or `SWITCH`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub management: Option<String>,
    /// The network's UUID.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Whether it is enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub enabled: Option<bool>,
    /// VLAN id (1 = the default network).
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub vlan_id: Option<i64>,
    /// Origin.
    #[serde(default)]
    pub metadata: Option<Metadata>,
    /// Whether this is the default network.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub default: Option<bool>,
    /// Firewall zone (gateway-managed networks).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub zone_id: Option<String>,
    /// The switch managing it (switch-managed networks).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub device_id: Option<String>,
    /// Details only: IPv4 settings (addresses, DHCP …), as sent.
    #[serde(default)]
    pub ipv4_configuration: Option<Value>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The network a Wi-Fi broadcast puts clients on: `{"type":"NATIVE"}` or
/// `{"type":"SPECIFIC","networkId":…}`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NetworkRef {
    /// `NATIVE` or `SPECIFIC`.
    #[serde(
        rename = "type",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub ref_type: Option<String>,
    /// The network's UUID, for `SPECIFIC`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub network_id: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl NetworkRef {
    /// `{"type":"SPECIFIC","networkId":id}`.
    pub fn specific(network_id: impl Into<String>) -> Self {
        Self {
            ref_type: Some("SPECIFIC".into()),
            network_id: Some(network_id.into()),
            extra: Map::new(),
        }
    }

    /// `{"type":"NATIVE"}`.
    pub fn native() -> Self {
        Self {
            ref_type: Some("NATIVE".into()),
            ..Self::default()
        }
    }
}

/// A per-network passphrase (PPSK) of a `WPA2_PERSONAL` broadcast. `Debug` redacts it.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PresharedKey {
    /// The network clients using this passphrase land on.
    #[serde(default)]
    pub network: Option<NetworkRef>,
    /// The passphrase (written in clear when serialized, as the API expects).
    #[serde(
        default,
        deserialize_with = "crate::lenient::opt_secret",
        serialize_with = "crate::lenient::ser_opt_secret"
    )]
    pub passphrase: Option<SecretString>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The security of a Wi-Fi broadcast. `Debug` redacts passphrases.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SecurityConfiguration {
    /// `OPEN`, `WPA2_PERSONAL`, `WPA3_PERSONAL`, `WPA2_WPA3_PERSONAL`, `WPA2_ENTERPRISE`, …
    #[serde(
        rename = "type",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub security_type: Option<String>,
    /// The passphrase of personal types, 8–63 characters (written in clear when serialized).
    #[serde(
        default,
        deserialize_with = "crate::lenient::opt_secret",
        serialize_with = "crate::lenient::ser_opt_secret"
    )]
    pub passphrase: Option<SecretString>,
    /// `REQUIRED` or `OPTIONAL`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub pmf_mode: Option<String>,
    /// Fast roaming (802.11r).
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub fast_roaming_enabled: Option<bool>,
    /// Per-network passphrases (details of `WPA2_PERSONAL`).
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preshared_keys: Vec<PresharedKey>,
    /// The networks that have a per-network passphrase (overview).
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preshared_key_network_ids: Vec<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A Wi-Fi broadcast (SSID): list entry, details, and the body of create and update.
///
/// Update is a PUT of the whole object: fetch it with `get`, change it, and send
/// [`WifiBroadcast::for_update`] (which leaves out the read-only `id` and `metadata`).
/// Fields this crate does not model ride along in `extra`, so nothing is lost on the way back.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WifiBroadcast {
    /// `STANDARD` or `IOT_OPTIMIZED`.
    #[serde(
        rename = "type",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub broadcast_type: Option<String>,
    /// The broadcast's UUID (read-only).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub id: Option<String>,
    /// The SSID.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Whether it is broadcast.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub enabled: Option<bool>,
    /// Origin (read-only).
    #[serde(default)]
    pub metadata: Option<Metadata>,
    /// The network clients land on.
    #[serde(default)]
    pub network: Option<NetworkRef>,
    /// Security.
    #[serde(default)]
    pub security_configuration: Option<SecurityConfiguration>,
    /// Which access points broadcast it: `null` = all, or `{"type":"DEVICES","deviceIds":[…]}` /
    /// `{"type":"DEVICE_TAGS","deviceTagIds":[…]}`. Always written, `null` included.
    #[serde(default)]
    #[serialize_always]
    pub broadcasting_device_filter: Option<Value>,
    /// Bands (2.4, 5, 6), `STANDARD` only.
    #[serde(
        rename = "broadcastingFrequenciesGHz",
        default,
        deserialize_with = "crate::lenient::vec_or_null"
    )]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub broadcasting_frequencies_ghz: Vec<f64>,
    /// Hotspot (`CAPTIVE_PORTAL`, `PASSPOINT`), if any.
    #[serde(default)]
    pub hotspot_configuration: Option<Value>,
    /// Whether the SSID is hidden.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub hide_name: Option<bool>,
    /// Whether clients are isolated from each other.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub client_isolation_enabled: Option<bool>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl WifiBroadcast {
    /// A copy without the read-only `id` and `metadata`, to send back with `update`.
    pub fn for_update(&self) -> WifiBroadcast {
        WifiBroadcast {
            id: None,
            metadata: None,
            ..self.clone()
        }
    }
}

/// A hotspot voucher.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Voucher {
    /// The voucher's UUID.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub id: Option<String>,
    /// When it was created (ISO 8601).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub created_at: Option<String>,
    /// The note given at creation (shared by every voucher of a batch).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// The code a guest types in (digits, sent as a string).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub code: Option<String>,
    /// How many guests may use it (`None` = unlimited).
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub authorized_guest_limit: Option<i64>,
    /// How many guests have used it.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub authorized_guest_count: Option<i64>,
    /// When the first guest used it.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub activated_at: Option<String>,
    /// When its guests lose access.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub expires_at: Option<String>,
    /// Whether it has expired.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub expired: Option<bool>,
    /// Access time, counted from the first use.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub time_limit_minutes: Option<i64>,
    /// Data cap in megabytes.
    #[serde(
        rename = "dataUsageLimitMBytes",
        default,
        deserialize_with = "crate::lenient::opt_i64"
    )]
    pub data_usage_limit_mbytes: Option<i64>,
    /// Download limit, kbps.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub rx_rate_limit_kbps: Option<i64>,
    /// Upload limit, kbps.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub tx_rate_limit_kbps: Option<i64>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A request to create vouchers (`POST /v1/sites/{siteId}/hotspot/vouchers`).
///
/// Ranges are checked before anything is sent: `count` 1–1000, `time_limit_minutes` 1–1000000,
/// `authorized_guest_limit` ≥ 1, `data_usage_limit_mbytes` 1–1048576, rate limits 2–100000 kbps.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewVouchers {
    /// How many to create (default 1).
    pub count: Option<u32>,
    /// The note, copied to every voucher.
    pub name: String,
    /// Access time from first use, in minutes.
    pub time_limit_minutes: u32,
    /// How many guests may use each voucher.
    pub authorized_guest_limit: Option<u32>,
    /// Data cap in megabytes.
    #[serde(rename = "dataUsageLimitMBytes")]
    pub data_usage_limit_mbytes: Option<u32>,
    /// Download limit, kbps.
    pub rx_rate_limit_kbps: Option<u32>,
    /// Upload limit, kbps.
    pub tx_rate_limit_kbps: Option<u32>,
}

impl NewVouchers {
    /// One voucher named `name`, valid `time_limit_minutes` from first use.
    pub fn new(name: impl Into<String>, time_limit_minutes: u32) -> Self {
        Self {
            count: None,
            name: name.into(),
            time_limit_minutes,
            authorized_guest_limit: None,
            data_usage_limit_mbytes: None,
            rx_rate_limit_kbps: None,
            tx_rate_limit_kbps: None,
        }
    }

    /// How many vouchers to create (1–1000).
    pub fn count(mut self, n: u32) -> Self {
        self.count = Some(n);
        self
    }

    /// How many guests may use each voucher.
    pub fn guest_limit(mut self, n: u32) -> Self {
        self.authorized_guest_limit = Some(n);
        self
    }

    /// Data cap in megabytes.
    pub fn data_limit_mbytes(mut self, mb: u32) -> Self {
        self.data_usage_limit_mbytes = Some(mb);
        self
    }

    /// Download and upload limits in kbps.
    pub fn rate_limits_kbps(mut self, rx: u32, tx: u32) -> Self {
        self.rx_rate_limit_kbps = Some(rx);
        self.tx_rate_limit_kbps = Some(tx);
        self
    }

    pub(crate) fn validate(&self) -> Result<()> {
        fn check(what: &str, v: Option<u32>, lo: u32, hi: u32) -> Result<()> {
            match v {
                Some(v) if v < lo || v > hi => Err(Error::InvalidInput(format!(
                    "voucher {what} must be {lo}–{hi}, got {v}"
                ))),
                _ => Ok(()),
            }
        }
        if self.name.trim().is_empty() {
            return Err(Error::InvalidInput("a voucher name is required".into()));
        }
        check("count", self.count, 1, 1000)?;
        check(
            "timeLimitMinutes",
            Some(self.time_limit_minutes),
            1,
            1_000_000,
        )?;
        check(
            "authorizedGuestLimit",
            self.authorized_guest_limit,
            1,
            u32::MAX,
        )?;
        check(
            "dataUsageLimitMBytes",
            self.data_usage_limit_mbytes,
            1,
            1_048_576,
        )?;
        check("rxRateLimitKbps", self.rx_rate_limit_kbps, 2, 100_000)?;
        check("txRateLimitKbps", self.tx_rate_limit_kbps, 2, 100_000)?;
        Ok(())
    }
}

/// The answer to a voucher creation: `{"vouchers":[…]}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct VoucherCreation {
    /// The vouchers created.
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub vouchers: Vec<Voucher>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The answer to a voucher deletion: `{"vouchersDeleted": n}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VoucherDeletion {
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub vouchers_deleted: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted_in_debug_and_written_in_clear() {
        let w: WifiBroadcast = serde_json::from_value(json!({
            "type": "STANDARD", "id": "x", "name": "Guest", "metadata": {"origin": "USER_DEFINED"},
            "securityConfiguration": {"type": "WPA2_PERSONAL", "passphrase": "correct-horse-1",
              "presharedKeys": [{"network": {"type": "SPECIFIC", "networkId": "n1"}, "passphrase": "ppsk-secret-9"}]},
            "broadcastingDeviceFilter": null, "broadcastingFrequenciesGHz": [2.4, 5], "uapsdEnabled": false
        }))
        .unwrap();
        let dbg = format!("{w:?}");
        assert!(!dbg.contains("correct-horse-1"), "{dbg}");
        assert!(!dbg.contains("ppsk-secret-9"), "{dbg}");
        let back = serde_json::to_value(w.for_update()).unwrap();
        assert_eq!(
            back["securityConfiguration"]["passphrase"],
            "correct-horse-1"
        );
        assert_eq!(
            back["securityConfiguration"]["presharedKeys"][0]["passphrase"],
            "ppsk-secret-9"
        );
        assert!(back.get("id").is_none());
        assert!(back.get("metadata").is_none());
        assert_eq!(back["broadcastingDeviceFilter"], Value::Null);
        assert_eq!(back["uapsdEnabled"], false);
        assert_eq!(back["broadcastingFrequenciesGHz"], json!([2.4, 5.0]));
    }

    #[test]
    fn voucher_requests_are_range_checked() {
        assert!(NewVouchers::new("x", 60).count(1000).validate().is_ok());
        assert!(NewVouchers::new("x", 60).count(0).validate().is_err());
        assert!(NewVouchers::new("x", 60).count(1001).validate().is_err());
        assert!(NewVouchers::new("x", 0).validate().is_err());
        assert!(NewVouchers::new(" ", 60).validate().is_err());
        assert!(
            NewVouchers::new("x", 60)
                .rate_limits_kbps(1, 10)
                .validate()
                .is_err()
        );
        assert!(
            NewVouchers::new("x", 60)
                .data_limit_mbytes(1_048_577)
                .validate()
                .is_err()
        );
        assert!(NewVouchers::new("x", 60).guest_limit(0).validate().is_err());
    }

    #[test]
    fn numbers_as_strings_and_unknown_states_are_accepted() {
        let d: DeviceOverview = serde_json::from_value(json!({
            "id": "d", "state": "SOMETHING_NEW", "supported": "true", "features": null, "shortName": "x"
        }))
        .unwrap();
        assert_eq!(d.state, Some(DeviceState::Other("SOMETHING_NEW".into())));
        assert_eq!(d.supported, Some(true));
        assert!(d.features.is_empty());
        assert_eq!(d.extra["shortName"], "x");
        let s: DeviceStatistics = serde_json::from_value(json!({
            "uptimeSec": "3971849", "cpuUtilizationPct": "3.1", "loadAverage1Min": 0.15
        }))
        .unwrap();
        assert_eq!(s.uptime_sec, Some(3_971_849));
        assert_eq!(s.cpu_utilization_pct, Some(3.1));
        assert_eq!(s.load_average_1min, Some(0.15));
    }
}
