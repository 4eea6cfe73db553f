use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::de::open_enum;

open_enum! {
    /// WLAN security (`security`).
    pub enum Security {
        /// No encryption.
        Open = "open",
        /// WPA personal (pre-shared key).
        WpaPsk = "wpapsk",
        /// WPA enterprise (RADIUS).
        WpaEap = "wpaeap",
        /// WEP.
        Wep = "wep",
        /// Hotspot 2.0 OSEN.
        Osen = "osen",
    }
}

open_enum! {
    /// WPA mode (`wpa_mode`).
    pub enum WpaMode {
        /// Let the controller decide.
        Auto = "auto",
        /// WPA1.
        Wpa1 = "wpa1",
        /// WPA2 (combine with `wpa3_support`/`wpa3_transition` for WPA3).
        Wpa2 = "wpa2",
        /// WPA3 (newer firmware).
        Wpa3 = "wpa3",
    }
}

open_enum! {
    /// A radio band, as listed in `wlan_bands` (newer firmware).
    pub enum Band {
        /// 2.4 GHz.
        TwoG = "2g",
        /// 5 GHz.
        FiveG = "5g",
        /// 6 GHz.
        SixG = "6g",
    }
}

open_enum! {
    /// The single-valued band of older firmware (`wlan_band`).
    pub enum WlanBand {
        /// 2.4 GHz only.
        TwoG = "2g",
        /// 5 GHz only.
        FiveG = "5g",
        /// 2.4 and 5 GHz.
        Both = "both",
    }
}

impl WlanBand {
    /// The bands this selection covers.
    pub fn bands(&self) -> Vec<Band> {
        match self {
            WlanBand::TwoG => vec![Band::TwoG],
            WlanBand::FiveG => vec![Band::FiveG],
            WlanBand::Both => vec![Band::TwoG, Band::FiveG],
            WlanBand::Other(s) => vec![Band::Other(s.clone())],
        }
    }

    /// The legacy value for a set of bands, `None` when it has no legacy spelling (e.g. includes 6 GHz).
    pub fn from_bands(bands: &[Band]) -> Option<WlanBand> {
        let has = |b: Band| bands.contains(&b);
        if bands.iter().any(|b| !matches!(b, Band::TwoG | Band::FiveG)) {
            return None;
        }
        match (has(Band::TwoG), has(Band::FiveG)) {
            (true, true) => Some(WlanBand::Both),
            (true, false) => Some(WlanBand::TwoG),
            (false, true) => Some(WlanBand::FiveG),
            (false, false) => None,
        }
    }
}

/// A private pre-shared key of a WLAN (`private_preshared_keys[]`).
///
/// Clients using `password` land on the network `networkconf_id` (and so on its VLAN).
/// `Debug` redacts the key; serializing writes it in clear, as the controller expects it.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Ppsk {
    /// The key.
    #[serde(
        default,
        deserialize_with = "crate::lenient::opt_secret",
        serialize_with = "crate::lenient::ser_opt_secret"
    )]
    pub password: Option<SecretString>,
    /// The network (and so VLAN) clients using this key are put on.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub networkconf_id: Option<String>,
    /// Every other field of the entry, as sent (firmware may add names, MACs …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Ppsk {
    /// The key in clear.
    pub fn password_str(&self) -> Option<&str> {
        self.password.as_ref().map(|p| p.expose_secret())
    }

    /// A string field of the entry that this crate does not model (e.g. `name` or `mac` on firmware that has them).
    pub fn extra_str(&self, key: &str) -> Option<&str> {
        self.extra.get(key).and_then(Value::as_str)
    }
}

/// A PPSK together with the network and VLAN it resolves to.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ResolvedPpsk {
    /// The entry.
    pub ppsk: Ppsk,
    /// The name of the network `networkconf_id` points at, if it exists.
    pub network_name: Option<String>,
    /// The VLAN of that network (`None` for the untagged network or an unknown id).
    pub vlan: Option<u16>,
}

/// A new private pre-shared key.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewPpsk {
    /// The key (8 to 63 characters).
    pub password: SecretString,
    /// The network (and so VLAN) clients using this key are put on.
    pub networkconf_id: String,
    /// Further fields to store in the entry, for firmware that supports them (e.g. `name`, `mac`).
    pub extra: Map<String, Value>,
}

impl NewPpsk {
    /// A key putting its clients on the network `networkconf_id`.
    pub fn new(password: SecretString, networkconf_id: impl Into<String>) -> Self {
        Self {
            password,
            networkconf_id: networkconf_id.into(),
            extra: Map::new(),
        }
    }

    /// Adds a further field to the entry.
    pub fn with_field(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut m = self.extra.clone();
        m.insert(
            "password".into(),
            Value::String(self.password.expose_secret().to_string()),
        );
        m.insert(
            "networkconf_id".into(),
            Value::String(self.networkconf_id.clone()),
        );
        Value::Object(m)
    }
}

/// A WLAN (SSID) configuration (`rest/wlanconf`), with the controller's raw keys.
///
/// `Debug` redacts the passphrase; serializing writes it in clear (the same raw keys the
/// controller uses, unknown fields included, absent fields left out).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Wlan {
    /// Object id (`_id`).
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub id: Option<String>,
    /// SSID.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Site object id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub site_id: Option<String>,
    /// Enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub enabled: Option<bool>,
    /// Security.
    #[serde(default)]
    pub security: Option<Security>,
    /// WPA mode.
    #[serde(default)]
    pub wpa_mode: Option<WpaMode>,
    /// Cipher (`ccmp`, `gcmp`, `auto` …).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub wpa_enc: Option<String>,
    /// WPA3 enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub wpa3_support: Option<bool>,
    /// WPA2/WPA3 transition mode.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub wpa3_transition: Option<bool>,
    /// WPA3 fast roaming.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub wpa3_fast_roaming: Option<bool>,
    /// WPA3 enterprise 192-bit.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub wpa3_enhanced_192: Option<bool>,
    /// The passphrase (`x_passphrase`).
    #[serde(
        default,
        deserialize_with = "crate::lenient::opt_secret",
        serialize_with = "crate::lenient::ser_opt_secret"
    )]
    pub x_passphrase: Option<SecretString>,
    /// Whether the passphrase was generated by the controller.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub passphrase_autogenerated: Option<bool>,
    /// Hidden SSID.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub hide_ssid: Option<bool>,
    /// Guest network.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub is_guest: Option<bool>,
    /// Band on older firmware (`2g`, `5g`, `both`).
    #[serde(default)]
    pub wlan_band: Option<WlanBand>,
    /// Bands on newer firmware (`["2g","5g","6g"]`); `None` when the key is absent.
    #[serde(default, deserialize_with = "opt_list")]
    pub wlan_bands: Option<Vec<Band>>,
    /// The network (VLAN) clients are put on.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub networkconf_id: Option<String>,
    /// The user group (speed profile).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub usergroup_id: Option<String>,
    /// WLAN group (older firmware).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub wlangroup_id: Option<String>,
    /// AP groups broadcasting this WLAN.
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub ap_group_ids: Vec<String>,
    /// `all`, `groups` or `devices`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub ap_group_mode: Option<String>,
    /// Protected management frames (`disabled`, `optional`, `required`).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub pmf_mode: Option<String>,
    /// Group rekey interval (s).
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub group_rekey: Option<i64>,
    /// `default` or `custom`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub dtim_mode: Option<String>,
    /// DTIM period, 2.4 GHz.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub dtim_ng: Option<i64>,
    /// DTIM period, 5 GHz.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub dtim_na: Option<i64>,
    /// DTIM period, 6 GHz.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub dtim_6e: Option<i64>,
    /// Client isolation.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub l2_isolation: Option<bool>,
    /// 802.11r.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub fast_roaming_enabled: Option<bool>,
    /// 802.11v BSS transition.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub bss_transition: Option<bool>,
    /// U-APSD.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub uapsd_enabled: Option<bool>,
    /// IAPP.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub iapp_enabled: Option<bool>,
    /// Proxy ARP.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub proxy_arp: Option<bool>,
    /// Multicast enhancement.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub mcastenhance_enabled: Option<bool>,
    /// MAC filter enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub mac_filter_enabled: Option<bool>,
    /// `allow` or `deny`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub mac_filter_policy: Option<String>,
    /// Filtered MACs.
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub mac_filter_list: Vec<String>,
    /// RADIUS dynamic authorization.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub radius_das_enabled: Option<bool>,
    /// RADIUS MAC authentication.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub radius_mac_auth_enabled: Option<bool>,
    /// MAC format sent to RADIUS.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub radius_macacl_format: Option<String>,
    /// `auto` or `manual`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub minrate_setting_preference: Option<String>,
    /// Minimum rate enabled, 2.4 GHz.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub minrate_ng_enabled: Option<bool>,
    /// Minimum data rate (kbps), 2.4 GHz.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub minrate_ng_data_rate_kbps: Option<i64>,
    /// Advertise minimum rate, 2.4 GHz.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub minrate_ng_advertising_rates: Option<bool>,
    /// Minimum rate enabled, 5 GHz.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub minrate_na_enabled: Option<bool>,
    /// Minimum data rate (kbps), 5 GHz.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub minrate_na_data_rate_kbps: Option<i64>,
    /// Advertise minimum rate, 5 GHz.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub minrate_na_advertising_rates: Option<bool>,
    /// `auto` or `manual`.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub setting_preference: Option<String>,
    /// Keep some legacy 2.4 GHz clients (by OUI) off 5 GHz.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub no2ghz_oui: Option<bool>,
    /// PPSK mode enabled.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub private_preshared_keys_enabled: Option<bool>,
    /// Private pre-shared keys.
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub private_preshared_keys: Vec<Ppsk>,
    /// SAE groups.
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub sae_groups: Vec<Value>,
    /// SAE passwords.
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub sae_psk: Vec<Value>,
    /// Broadcast schedule (legacy format).
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub schedule: Vec<Value>,
    /// Broadcast schedule (newer format).
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub schedule_with_duration: Vec<Value>,
    /// Broadcast filter list.
    #[serde(default, deserialize_with = "crate::lenient::vec_or_null")]
    pub bc_filter_list: Vec<Value>,
    /// External id (newer firmware).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub external_id: Option<String>,
    /// VLAN id (older firmware, before networkconf-based VLANs).
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub vlan: Option<i64>,
    /// VLAN enabled (older firmware).
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub vlan_enabled: Option<bool>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn opt_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<Band>>, D::Error> {
    crate::lenient::vec_or_null(d).map(Some)
}

impl Wlan {
    /// The passphrase in clear.
    pub fn passphrase(&self) -> Option<&str> {
        self.x_passphrase.as_ref().map(|p| p.expose_secret())
    }

    /// The bands this WLAN broadcasts on, whatever the firmware generation:
    /// `wlan_bands` when present, else derived from `wlan_band`.
    pub fn bands(&self) -> Vec<Band> {
        match (&self.wlan_bands, &self.wlan_band) {
            (Some(b), _) => b.clone(),
            (None, Some(b)) => b.bands(),
            (None, None) => Vec::new(),
        }
    }

    /// The legacy single band, whatever the firmware generation: `wlan_band`, else derived from `wlan_bands`.
    pub fn band(&self) -> Option<WlanBand> {
        self.wlan_band
            .clone()
            .or_else(|| self.wlan_bands.as_deref().and_then(WlanBand::from_bands))
    }
}

/// A partial WLAN update (`PUT rest/wlanconf/{id}` with only the fields set).
///
/// The band is written as `wlan_bands` or `wlan_band` depending on what the WLAN's current
/// configuration uses (decided by [`WlanHandler::update`](crate::WlanHandler::update)).
#[derive(Clone, Default, Serialize)]
#[non_exhaustive]
pub struct WlanUpdate {
    /// SSID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New passphrase.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::lenient::ser_opt_secret"
    )]
    pub x_passphrase: Option<SecretString>,
    /// Enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Security.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security: Option<Security>,
    /// WPA mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wpa_mode: Option<WpaMode>,
    /// WPA3 enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wpa3_support: Option<bool>,
    /// WPA2/WPA3 transition mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wpa3_transition: Option<bool>,
    /// Hidden SSID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hide_ssid: Option<bool>,
    /// Guest network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_guest: Option<bool>,
    /// Bands to broadcast on; mapped to `wlan_band` or `wlan_bands` when sent.
    #[serde(skip)]
    pub bands: Option<Vec<Band>>,
    /// Any other raw wlanconf field to set.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl std::fmt::Debug for WlanUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WlanUpdate")
            .field("name", &self.name)
            .field(
                "x_passphrase",
                &self.x_passphrase.as_ref().map(|_| "[REDACTED]"),
            )
            .field("enabled", &self.enabled)
            .field("security", &self.security)
            .field("wpa_mode", &self.wpa_mode)
            .field("wpa3_support", &self.wpa3_support)
            .field("wpa3_transition", &self.wpa3_transition)
            .field("hide_ssid", &self.hide_ssid)
            .field("is_guest", &self.is_guest)
            .field("bands", &self.bands)
            .field("extra_keys", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl WlanUpdate {
    /// An empty update.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the SSID.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the passphrase.
    pub fn passphrase(mut self, passphrase: SecretString) -> Self {
        self.x_passphrase = Some(passphrase);
        self
    }

    /// Enables or disables the WLAN.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = Some(enabled);
        self
    }

    /// Sets the security.
    pub fn security(mut self, security: Security) -> Self {
        self.security = Some(security);
        self
    }

    /// Sets the WPA mode.
    pub fn wpa_mode(mut self, mode: WpaMode) -> Self {
        self.wpa_mode = Some(mode);
        self
    }

    /// Sets WPA3 support and transition mode (WPA2/WPA3 mixed when both are true).
    pub fn wpa3(mut self, support: bool, transition: bool) -> Self {
        self.wpa3_support = Some(support);
        self.wpa3_transition = Some(transition);
        self
    }

    /// Hides or shows the SSID.
    pub fn hide_ssid(mut self, hide: bool) -> Self {
        self.hide_ssid = Some(hide);
        self
    }

    /// Marks the WLAN as a guest network or not.
    pub fn is_guest(mut self, guest: bool) -> Self {
        self.is_guest = Some(guest);
        self
    }

    /// Sets the band with the legacy selection (`2g`, `5g`, `both`).
    pub fn band(mut self, band: WlanBand) -> Self {
        self.bands = Some(band.bands());
        self
    }

    /// Sets the bands explicitly (e.g. including 6 GHz on newer firmware).
    pub fn bands(mut self, bands: impl IntoIterator<Item = Band>) -> Self {
        self.bands = Some(bands.into_iter().collect());
        self
    }

    /// Sets any other raw wlanconf field.
    pub fn field(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// True when nothing would be changed.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.x_passphrase.is_none()
            && self.enabled.is_none()
            && self.security.is_none()
            && self.wpa_mode.is_none()
            && self.wpa3_support.is_none()
            && self.wpa3_transition.is_none()
            && self.hide_ssid.is_none()
            && self.is_guest.is_none()
            && self.bands.is_none()
            && self.extra.is_empty()
    }
}
