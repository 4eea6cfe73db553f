use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::de::{AutoOr, open_enum};

open_enum! {
    /// The kind of a UniFi device (`type`).
    pub enum DeviceType {
        /// Access point.
        Uap = "uap",
        /// Switch.
        Usw = "usw",
        /// Security gateway.
        Ugw = "ugw",
        /// Dream Machine / console.
        Udm = "udm",
        /// Next-generation gateway.
        Uxg = "uxg",
        /// Building bridge / airMAX.
        Ubb = "ubb",
    }
}

/// A device of a site (`stat/device`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Device {
    /// Object id (`_id`).
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub id: Option<String>,
    /// MAC address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub mac: Option<String>,
    /// Model code (`U6PRO`, `UAL6` …).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub model: Option<String>,
    /// Name given in the UI.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Device kind; access points are [`DeviceType::Uap`].
    #[serde(rename = "type", default)]
    pub device_type: Option<DeviceType>,
    /// State code: 0 disconnected, 1 connected, 2 pending, 4 upgrading, 5 provisioning …
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub state: Option<i64>,
    /// Whether the device is adopted.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub adopted: Option<bool>,
    /// IP address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub ip: Option<String>,
    /// Firmware version.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub version: Option<String>,
    /// Uptime in seconds.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub uptime: Option<i64>,
    /// Serial number.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub serial: Option<String>,
    /// Radios of an access point.
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub radio_table: Vec<Radio>,
    /// The virtual APs (one per broadcast SSID per radio) of an access point.
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub vap_table: Vec<Vap>,
    /// The uplink of the device.
    #[serde(default)]
    pub uplink: Option<Uplink>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Device {
    /// True for access points (`type == "uap"`).
    pub fn is_access_point(&self) -> bool {
        self.device_type == Some(DeviceType::Uap)
    }

    /// A readable state: `connected`, `disconnected`, `pending`, … or `unknown(N)`.
    pub fn state_name(&self) -> Option<String> {
        self.state.map(|s| {
            match s {
                0 => "disconnected",
                1 => "connected",
                2 => "pending",
                4 => "upgrading",
                5 => "provisioning",
                6 => "heartbeat_missed",
                7 => "adopting",
                9 => "adoption_failed",
                10 => "isolated",
                11 => "rf_scanning",
                _ => return format!("unknown({s})"),
            }
            .to_string()
        })
    }
}

/// One radio of an access point (`radio_table[]`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Radio {
    /// Interface name (`wifi0`, `ra0` …).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Radio code: `ng` (2.4 GHz), `na` (5 GHz), `6e` (6 GHz).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub radio: Option<String>,
    /// Channel, `"auto"` or a number.
    #[serde(default, deserialize_with = "crate::de::auto_or")]
    pub channel: Option<AutoOr>,
    /// Transmit power, `"auto"` or a number (dBm).
    #[serde(default, deserialize_with = "crate::de::auto_or")]
    pub tx_power: Option<AutoOr>,
    /// `auto`, `low`, `medium`, `high`, `custom`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub tx_power_mode: Option<String>,
    /// Channel width (`20`, `40`, `80`, `160`, `320`), a number or a string depending on firmware.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub ht: Option<i64>,
    /// Minimum RSSI, when enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub min_rssi: Option<i64>,
    /// Whether minimum RSSI is enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub min_rssi_enabled: Option<bool>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One broadcasting virtual AP (`vap_table[]`): an SSID on a radio.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Vap {
    /// SSID.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub essid: Option<String>,
    /// BSSID.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub bssid: Option<String>,
    /// Radio code: `ng`, `na`, `6e`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub radio: Option<String>,
    /// Interface name of the radio.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub radio_name: Option<String>,
    /// The wlanconf `_id` this VAP broadcasts.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub wlanconf_id: Option<String>,
    /// Channel, `"auto"` or a number.
    #[serde(default, deserialize_with = "crate::de::auto_or")]
    pub channel: Option<AutoOr>,
    /// Whether the VAP is up.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub up: Option<bool>,
    /// Connected stations.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub num_sta: Option<i64>,
    /// `user` for client SSIDs; `uplink`/`downlink` for mesh backhaul.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub usage: Option<String>,
    /// Whether this is a guest SSID.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub is_guest: Option<bool>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The uplink of a device.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Uplink {
    /// `wire` or `wireless`.
    #[serde(
        rename = "type",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub uplink_type: Option<String>,
    /// MAC address of the upstream device.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub uplink_mac: Option<String>,
    /// Name of the upstream device.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub uplink_device_name: Option<String>,
    /// Port of the upstream device.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub uplink_remote_port: Option<i64>,
    /// Link speed in Mbps.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub speed: Option<i64>,
    /// Full duplex.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub full_duplex: Option<bool>,
    /// Whether the link is up.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub up: Option<bool>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
