//! The shapes of `/unifi` requests and responses, and how controller records map onto them.

use optima_unifi::{
    ApGroup, ApSsidUsage, Device, Health, Network, Ppsk, ResolvedPpsk, SysInfo, UserGroup, Wlan,
    WlanGroup,
};
use poem_openapi::Object;
use serde::Deserialize;
use serde_json::Value;

use crate::api::common::Filtered;
use crate::store::unifi_sites::SiteRecord;

/// A UniFi site Optima tracks.
#[derive(Debug, Clone, Object)]
#[oai(rename = "UnifiSite", rename_all = "camelCase")]
pub struct UnifiSiteOut {
    /// Optima's id.
    pub id: String,
    /// The site's description on the controller.
    pub name: String,
    /// The controller's short site name (used in its API paths).
    pub site_id: String,
    /// The linked company's id, null when unlinked.
    #[oai(nullable)]
    pub company_id: Option<String>,
    /// When the record was created.
    pub created_at: String,
    /// When the record last changed.
    pub updated_at: String,
}

impl From<SiteRecord> for UnifiSiteOut {
    fn from(r: SiteRecord) -> Self {
        UnifiSiteOut {
            id: r.id,
            name: r.name,
            site_id: r.site_id,
            company_id: r.company_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The company a UniFi site is linked to.
#[derive(Debug, Clone, Object)]
#[oai(rename = "UnifiSiteCompany")]
pub struct UnifiSiteCompany {
    /// Optima's company id.
    pub id: String,
    /// The company's name.
    pub name: String,
}

/// A UniFi site Optima tracks, with its company.
#[derive(Debug, Clone, Object)]
#[oai(rename = "UnifiSiteWithCompany", rename_all = "camelCase")]
pub struct UnifiSiteListed {
    /// Optima's id.
    pub id: String,
    /// The site's description on the controller.
    pub name: String,
    /// The controller's short site name (used in its API paths).
    pub site_id: String,
    /// The linked company's id, null when unlinked.
    #[oai(nullable)]
    pub company_id: Option<String>,
    // Documented on the type: a doc comment here would wrap the `$ref` in `allOf`.
    #[allow(missing_docs)]
    #[oai(nullable)]
    pub company: Option<UnifiSiteCompany>,
    /// When the record was created.
    pub created_at: String,
    /// When the record last changed.
    pub updated_at: String,
}

impl From<SiteRecord> for UnifiSiteListed {
    fn from(r: SiteRecord) -> Self {
        let company = match (&r.company_id, r.company_name) {
            (Some(id), Some(name)) => Some(UnifiSiteCompany {
                id: id.clone(),
                name,
            }),
            _ => None,
        };
        UnifiSiteListed {
            id: r.id,
            name: r.name,
            site_id: r.site_id,
            company_id: r.company_id,
            company,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A new site on the controller.
#[derive(Debug, Object, Deserialize)]
#[serde(deny_unknown_fields)]
#[oai(rename = "CreateUnifiSite")]
pub struct CreateSiteBody {
    /// Human-readable name / description of the site.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
    ))]
    pub description: String,
}

/// The company to link a site to.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename = "LinkUnifiSite", rename_all = "camelCase")]
pub struct LinkSiteBody {
    /// Optima's company id (or the ConnectWise company id).
    #[oai(validator(min_length = 1, max_length = 128))]
    pub company_id: String,
}

/// The health of one subsystem of a site.
#[derive(Debug, Clone, Object)]
#[oai(
    rename = "UnifiHealth",
    rename_all = "camelCase",
    skip_serializing_if_is_none
)]
pub struct UnifiHealth {
    /// `wan`, `www`, `wlan`, `lan`, `vpn` …
    pub subsystem: Option<String>,
    /// `ok`, `warning`, `error`, `unknown` …
    pub status: Option<String>,
    /// Adopted devices of this subsystem.
    pub num_adopted: Option<i64>,
    /// Gateways.
    pub num_gateway: Option<i64>,
    /// Access points.
    pub num_ap: Option<i64>,
    /// Switches.
    pub num_sw: Option<i64>,
    /// Connected users.
    pub num_user: Option<i64>,
    /// Connected guests.
    pub num_guest: Option<i64>,
    /// Disconnected devices.
    pub num_disconnected: Option<i64>,
    /// Devices pending adoption.
    pub num_pending: Option<i64>,
    /// WAN address (`wan` subsystem).
    pub wan_ip: Option<String>,
}

impl From<&Health> for UnifiHealth {
    fn from(h: &Health) -> Self {
        UnifiHealth {
            subsystem: h.subsystem.clone(),
            status: h.status.clone(),
            num_adopted: h.num_adopted,
            num_gateway: h.num_gateway(),
            num_ap: h.num_ap,
            num_sw: h.num_sw,
            num_user: h.num_user,
            num_guest: h.num_guest,
            num_disconnected: h.num_disconnected,
            num_pending: h.num_pending,
            wan_ip: h.wan_ip.clone(),
        }
    }
}

/// Controller information.
#[derive(Debug, Clone, Object)]
#[oai(
    rename = "UnifiSysInfo",
    rename_all = "camelCase",
    skip_serializing_if_is_none
)]
pub struct UnifiSysInfo {
    /// Time zone, e.g. `America/Denver`.
    pub timezone: Option<String>,
    /// Host name of the controller (its name on UniFi OS consoles).
    pub hostname: Option<String>,
    /// Network application version.
    pub version: Option<String>,
    /// Build.
    pub build: Option<String>,
}

impl From<&SysInfo> for UnifiSysInfo {
    fn from(s: &SysInfo) -> Self {
        UnifiSysInfo {
            timezone: s.timezone.clone(),
            hostname: s.hostname.clone().or_else(|| s.name.clone()),
            version: s.version.clone(),
            build: s.build.clone(),
        }
    }
}

/// The site as the controller describes it.
#[derive(Debug, Clone, Object)]
#[oai(rename = "UnifiSiteInfo", rename_all = "camelCase")]
pub struct UnifiSiteInfo {
    /// The description shown in the UI.
    pub description: String,
    /// The short site name.
    pub name: String,
}

/// Live overview of a site.
#[derive(Debug, Clone, Object)]
#[oai(rename = "UnifiSiteOverview", rename_all = "camelCase")]
pub struct UnifiOverview {
    /// Health per subsystem.
    pub health: Vec<UnifiHealth>,
    #[allow(missing_docs)]
    pub sys_info: UnifiSysInfo,
    #[allow(missing_docs)]
    pub site_info: UnifiSiteInfo,
}

/// A device of a site.
#[derive(Debug, Clone, Object)]
#[oai(
    rename = "UnifiDevice",
    rename_all = "camelCase",
    skip_serializing_if_is_none
)]
pub struct UnifiDevice {
    /// Controller object id.
    pub id: Option<String>,
    /// MAC address.
    pub mac: Option<String>,
    /// Model code.
    pub model: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// `uap`, `usw`, `ugw`, `udm` …
    #[oai(rename = "type")]
    pub device_type: Option<String>,
    /// `connected`, `disconnected`, `pending`, `upgrading` …
    pub state: Option<String>,
    /// IP address.
    pub ip: Option<String>,
    /// Firmware version.
    pub version: Option<String>,
    /// Uptime in seconds.
    pub uptime: Option<i64>,
    /// Radios (`radio_table`), as the controller sends them.
    pub radios: Vec<Value>,
    /// The uplink, as the controller sends it (`{}` when unknown).
    pub uplink: Value,
}

impl From<&Device> for UnifiDevice {
    fn from(d: &Device) -> Self {
        UnifiDevice {
            id: d.id.clone(),
            mac: d.mac.clone(),
            model: d.model.clone(),
            name: d.name.clone(),
            device_type: d.device_type.as_ref().map(|t| t.as_str().to_owned()),
            state: d.state_name(),
            ip: d.ip.clone(),
            version: d.version.clone(),
            uptime: d.uptime,
            radios: d
                .radio_table
                .iter()
                .filter_map(|r| serde_json::to_value(r).ok())
                .collect(),
            uplink: d
                .uplink
                .as_ref()
                .and_then(|u| serde_json::to_value(u).ok())
                .unwrap_or_else(|| Value::Object(Default::default())),
        }
    }
}

/// An access point of a site.
#[derive(Debug, Clone, Object)]
#[oai(
    rename = "UnifiAccessPoint",
    rename_all = "camelCase",
    skip_serializing_if_is_none
)]
pub struct UnifiAccessPoint {
    /// Controller object id.
    pub id: Option<String>,
    /// MAC address.
    pub mac: Option<String>,
    /// Model code.
    pub model: Option<String>,
    /// Always `uap`.
    #[oai(rename = "type")]
    pub device_type: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// State code: 0 disconnected, 1 connected, 2 pending …
    pub state: Option<i64>,
    /// Whether it is adopted.
    pub adopted: Option<bool>,
    /// IP address.
    pub ip: Option<String>,
    /// Firmware version.
    pub version: Option<String>,
}

impl From<&Device> for UnifiAccessPoint {
    fn from(d: &Device) -> Self {
        UnifiAccessPoint {
            id: d.id.clone(),
            mac: d.mac.clone(),
            model: d.model.clone(),
            device_type: d.device_type.as_ref().map(|t| t.as_str().to_owned()),
            name: d.name.clone(),
            state: d.state,
            adopted: d.adopted,
            ip: d.ip.clone(),
            version: d.version.clone(),
        }
    }
}

/// From the Integration API, which lists adopted devices: the id is its UUID, the state is
/// mapped to the classic code.
impl From<&optima_unifi::integration::DeviceOverview> for UnifiAccessPoint {
    fn from(d: &optima_unifi::integration::DeviceOverview) -> Self {
        use optima_unifi::integration::DeviceState as S;
        let state = d.state.as_ref().and_then(|s| match s {
            S::Offline => Some(0),
            S::Online => Some(1),
            S::PendingAdoption => Some(2),
            S::Updating => Some(4),
            S::GettingReady => Some(5),
            S::ConnectionInterrupted => Some(6),
            S::Adopting => Some(7),
            S::Isolated => Some(10),
            _ => None,
        });
        UnifiAccessPoint {
            id: d.id.clone(),
            mac: d.mac_address.clone(),
            model: d.model.clone(),
            device_type: Some("uap".to_owned()),
            name: d.name.clone(),
            state,
            adopted: d
                .state
                .as_ref()
                .map(|s| !matches!(s, S::PendingAdoption | S::Adopting)),
            ip: d.ip_address.clone(),
            version: d.firmware_version.clone(),
        }
    }
}

/// A Wi-Fi network (WLAN). Only the fields the caller may read (`unifi.site.wifi.read.<field>`)
/// are present, so an absent field always means "not permitted"; a permitted field the
/// controller holds no value for (missing, or an empty string) is null.
#[derive(Debug, Clone, Default, Object)]
#[oai(rename = "UnifiWifiNetwork", rename_all = "camelCase")]
pub struct WifiNetwork {
    /// Controller object id.
    #[oai(nullable)]
    pub id: Option<String>,
    /// SSID.
    #[oai(nullable)]
    pub name: Option<String>,
    /// Controller site object id.
    #[oai(nullable)]
    pub site_id: Option<String>,
    /// Enabled.
    #[oai(nullable)]
    pub enabled: Option<bool>,
    /// `wpapsk`, `wpaeap`, `open` …
    #[oai(nullable)]
    pub security: Option<String>,
    /// `wpa2`, `wpa3` …
    #[oai(nullable)]
    pub wpa_mode: Option<String>,
    /// Cipher.
    #[oai(nullable)]
    pub wpa_enc: Option<String>,
    /// WPA3 enabled.
    #[oai(nullable)]
    pub wpa3_support: Option<bool>,
    /// WPA2/WPA3 transition mode.
    #[oai(nullable)]
    pub wpa3_transition: Option<bool>,
    /// WPA3 fast roaming.
    #[oai(nullable)]
    pub wpa3_fast_roaming: Option<bool>,
    /// WPA3 enterprise 192-bit.
    #[oai(nullable)]
    pub wpa3_enhanced192: Option<bool>,
    /// The passphrase.
    #[oai(nullable)]
    pub passphrase: Option<String>,
    /// Whether the controller generated the passphrase.
    #[oai(nullable)]
    pub passphrase_autogenerated: Option<bool>,
    /// Hidden SSID.
    #[oai(rename = "hideSSID", nullable)]
    pub hide_ssid: Option<bool>,
    /// Guest network.
    #[oai(nullable)]
    pub is_guest: Option<bool>,
    /// `2g`, `5g` or `both` (derived from `bands` on newer firmware).
    #[oai(nullable)]
    pub band: Option<String>,
    /// Bands broadcast on (`2g`, `5g`, `6g`).
    #[oai(nullable)]
    pub bands: Option<Vec<String>>,
    /// The network (VLAN) clients are put on.
    #[oai(nullable)]
    pub networkconf_id: Option<String>,
    /// The speed profile.
    #[oai(nullable)]
    pub usergroup_id: Option<String>,
    /// AP groups broadcasting it.
    #[oai(nullable)]
    pub ap_group_ids: Option<Vec<String>>,
    /// `all`, `groups` or `devices`.
    #[oai(nullable)]
    pub ap_group_mode: Option<String>,
    /// Protected management frames.
    #[oai(nullable)]
    pub pmf_mode: Option<String>,
    /// Group rekey interval (s).
    #[oai(nullable)]
    pub group_rekey: Option<i64>,
    /// `default` or `custom`.
    #[oai(nullable)]
    pub dtim_mode: Option<String>,
    /// DTIM period, 2.4 GHz.
    #[oai(nullable)]
    pub dtim_ng: Option<i64>,
    /// DTIM period, 5 GHz.
    #[oai(nullable)]
    pub dtim_na: Option<i64>,
    /// DTIM period, 6 GHz.
    #[oai(nullable)]
    pub dtim6e: Option<i64>,
    /// Client isolation.
    #[oai(nullable)]
    pub l2_isolation: Option<bool>,
    /// 802.11r.
    #[oai(nullable)]
    pub fast_roaming_enabled: Option<bool>,
    /// 802.11v BSS transition.
    #[oai(nullable)]
    pub bss_transition: Option<bool>,
    /// U-APSD.
    #[oai(nullable)]
    pub uapsd_enabled: Option<bool>,
    /// IAPP.
    #[oai(nullable)]
    pub iapp_enabled: Option<bool>,
    /// Proxy ARP.
    #[oai(nullable)]
    pub proxy_arp: Option<bool>,
    /// Multicast enhancement.
    #[oai(nullable)]
    pub mcastenhance_enabled: Option<bool>,
    /// MAC filter enabled.
    #[oai(nullable)]
    pub mac_filter_enabled: Option<bool>,
    /// `allow` or `deny`.
    #[oai(nullable)]
    pub mac_filter_policy: Option<String>,
    /// Filtered MACs.
    #[oai(nullable)]
    pub mac_filter_list: Option<Vec<String>>,
    /// RADIUS dynamic authorization.
    #[oai(nullable)]
    pub radius_das_enabled: Option<bool>,
    /// RADIUS MAC authentication.
    #[oai(nullable)]
    pub radius_mac_auth_enabled: Option<bool>,
    /// MAC format sent to RADIUS.
    #[oai(nullable)]
    pub radius_macacl_format: Option<String>,
    /// `auto` or `manual`.
    #[oai(nullable)]
    pub minrate_setting_preference: Option<String>,
    /// Minimum rate enabled, 2.4 GHz.
    #[oai(nullable)]
    pub minrate_ng_enabled: Option<bool>,
    /// Minimum data rate (kbps), 2.4 GHz.
    #[oai(nullable)]
    pub minrate_ng_data_rate_kbps: Option<i64>,
    /// Advertise minimum rate, 2.4 GHz.
    #[oai(nullable)]
    pub minrate_ng_advertising_rates: Option<bool>,
    /// Minimum rate enabled, 5 GHz.
    #[oai(nullable)]
    pub minrate_na_enabled: Option<bool>,
    /// Minimum data rate (kbps), 5 GHz.
    #[oai(nullable)]
    pub minrate_na_data_rate_kbps: Option<i64>,
    /// Advertise minimum rate, 5 GHz.
    #[oai(nullable)]
    pub minrate_na_advertising_rates: Option<bool>,
    /// `auto` or `manual`.
    #[oai(nullable)]
    pub setting_preference: Option<String>,
    /// Keep some legacy clients (by OUI) off 2.4 GHz.
    #[oai(nullable)]
    pub no2ghz_oui: Option<bool>,
    /// PPSK mode enabled.
    #[oai(nullable)]
    pub private_pre_shared_keys_enabled: Option<bool>,
    /// Private pre-shared keys, as the controller keeps them.
    #[oai(nullable)]
    pub private_pre_shared_keys: Option<Vec<Value>>,
    /// SAE groups.
    #[oai(nullable)]
    pub sae_groups: Option<Vec<Value>>,
    /// SAE passwords.
    #[oai(nullable)]
    pub sae_psk: Option<Vec<Value>>,
    /// Broadcast schedule (legacy format).
    #[oai(nullable)]
    pub schedule: Option<Vec<Value>>,
    /// Broadcast schedule.
    #[oai(nullable)]
    pub schedule_with_duration: Option<Vec<Value>>,
    /// Broadcast filter list.
    #[oai(nullable)]
    pub bc_filter_list: Option<Vec<Value>>,
    /// External id.
    #[oai(nullable)]
    pub external_id: Option<String>,
    /// The network's entity tag as the controller holds it now (always present, whatever the
    /// caller may read): send it back as `If-Match` to change the network only if nobody has
    /// since.
    pub etag: Option<String>,
}

/// The value as text, or `None` where the controller holds none (missing, or `""`).
fn str_of<T: std::fmt::Display>(v: &Option<T>) -> Option<String> {
    v.as_ref()
        .map(ToString::to_string)
        .filter(|s| !s.is_empty())
}

/// A text field, or `None` where the controller holds none (missing, or `""`).
fn text(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.is_empty())
}

impl From<&Wlan> for WifiNetwork {
    fn from(w: &Wlan) -> Self {
        WifiNetwork {
            id: text(&w.id),
            name: text(&w.name),
            site_id: text(&w.site_id),
            enabled: w.enabled,
            security: str_of(&w.security),
            wpa_mode: str_of(&w.wpa_mode),
            wpa_enc: text(&w.wpa_enc),
            wpa3_support: w.wpa3_support,
            wpa3_transition: w.wpa3_transition,
            wpa3_fast_roaming: w.wpa3_fast_roaming,
            wpa3_enhanced192: w.wpa3_enhanced_192,
            passphrase: text(&w.passphrase().map(str::to_owned)),
            passphrase_autogenerated: w.passphrase_autogenerated,
            hide_ssid: w.hide_ssid,
            is_guest: w.is_guest,
            band: str_of(&w.band()),
            bands: Some(w.bands().iter().map(ToString::to_string).collect()),
            networkconf_id: text(&w.networkconf_id),
            usergroup_id: text(&w.usergroup_id),
            ap_group_ids: Some(w.ap_group_ids.clone()),
            ap_group_mode: text(&w.ap_group_mode),
            pmf_mode: text(&w.pmf_mode),
            group_rekey: w.group_rekey,
            dtim_mode: text(&w.dtim_mode),
            dtim_ng: w.dtim_ng,
            dtim_na: w.dtim_na,
            dtim6e: w.dtim_6e,
            l2_isolation: w.l2_isolation,
            fast_roaming_enabled: w.fast_roaming_enabled,
            bss_transition: w.bss_transition,
            uapsd_enabled: w.uapsd_enabled,
            iapp_enabled: w.iapp_enabled,
            proxy_arp: w.proxy_arp,
            mcastenhance_enabled: w.mcastenhance_enabled,
            mac_filter_enabled: w.mac_filter_enabled,
            mac_filter_policy: text(&w.mac_filter_policy),
            mac_filter_list: Some(w.mac_filter_list.clone()),
            radius_das_enabled: w.radius_das_enabled,
            radius_mac_auth_enabled: w.radius_mac_auth_enabled,
            radius_macacl_format: text(&w.radius_macacl_format),
            minrate_setting_preference: text(&w.minrate_setting_preference),
            minrate_ng_enabled: w.minrate_ng_enabled,
            minrate_ng_data_rate_kbps: w.minrate_ng_data_rate_kbps,
            minrate_ng_advertising_rates: w.minrate_ng_advertising_rates,
            minrate_na_enabled: w.minrate_na_enabled,
            minrate_na_data_rate_kbps: w.minrate_na_data_rate_kbps,
            minrate_na_advertising_rates: w.minrate_na_advertising_rates,
            setting_preference: text(&w.setting_preference),
            no2ghz_oui: w.no2ghz_oui,
            private_pre_shared_keys_enabled: w.private_preshared_keys_enabled,
            private_pre_shared_keys: Some(
                w.private_preshared_keys
                    .iter()
                    .filter_map(|k| serde_json::to_value(k).ok())
                    .collect(),
            ),
            sae_groups: Some(w.sae_groups.clone()),
            sae_psk: Some(w.sae_psk.clone()),
            schedule: Some(w.schedule.clone()),
            schedule_with_duration: Some(w.schedule_with_duration.clone()),
            bc_filter_list: Some(w.bc_filter_list.clone()),
            external_id: text(&w.external_id),
            etag: None,
        }
    }
}

/// What `PATCH …/wifi/{wlanId}` answers.
#[derive(Debug, poem_openapi::ApiResponse)]
pub enum WifiUpdated {
    /// Changed (or, for an empty body, as it is); `ETag` is its new tag.
    #[oai(status = 200)]
    Ok(
        poem_openapi::payload::Json<crate::api::common::Envelope<Filtered<WifiNetwork>>>,
        #[oai(header = "ETag")] String,
    ),
    /// `If-Match` no longer holds: the network changed on the controller since it was read.
    /// Nothing was written; the body holds the network as it is now, `ETag` its tag.
    #[oai(status = 412)]
    PreconditionFailed(
        poem_openapi::payload::Json<WifiChanged>,
        #[oai(header = "ETag")] String,
    ),
}

/// The error envelope of a refused Wi-Fi change, with the network as it is now.
#[derive(Debug, Object)]
pub struct WifiChanged {
    /// 412, repeated.
    pub status: u16,
    /// What went wrong, for people.
    pub message: String,
    /// `WifiChanged`.
    pub error: String,
    /// The network as the controller holds it now (the fields the caller may read).
    pub data: Filtered<WifiNetwork>,
    /// Always false here.
    pub successful: bool,
}

/// Changes to a Wi-Fi network; every field is optional, keys as the controller spells them.
#[derive(Debug, Object, Deserialize)]
#[serde(deny_unknown_fields)]
#[oai(rename = "UnifiWifiUpdate")]
pub struct WifiUpdateBody {
    /// New SSID (1 to 32 characters; the controller refuses one over 32 bytes).
    #[oai(nullable, validator(min_length = 1, max_length = 32))]
    pub name: Option<String>,
    /// New passphrase (8 to 63 characters).
    #[oai(nullable, validator(min_length = 8, max_length = 63))]
    pub x_passphrase: Option<String>,
    /// Enable or disable the network.
    #[oai(nullable)]
    pub enabled: Option<bool>,
    /// `wpapsk`, `wpaeap` or `open`.
    #[oai(nullable, validator(pattern = "^(wpapsk|wpaeap|open)$"))]
    pub security: Option<String>,
    /// `wpa2`, `wpa3` or `wpa2wpa3`.
    #[oai(nullable, validator(pattern = "^(wpa2|wpa3|wpa2wpa3)$"))]
    pub wpa_mode: Option<String>,
    /// Hide the SSID.
    #[oai(nullable)]
    pub hide_ssid: Option<bool>,
    /// Make it a guest network.
    #[oai(nullable)]
    pub is_guest: Option<bool>,
    /// `both`, `2g` or `5g`.
    #[oai(nullable, validator(pattern = "^(both|2g|5g)$"))]
    pub band: Option<String>,
}

/// A network (LAN, VLAN, WAN …) of a site.
#[derive(Debug, Clone, Object)]
#[oai(rename = "UnifiNetwork", rename_all = "camelCase")]
pub struct UnifiNetwork {
    /// Controller object id.
    #[oai(skip_serializing_if_is_none)]
    pub id: Option<String>,
    /// Name.
    #[oai(skip_serializing_if_is_none)]
    pub name: Option<String>,
    /// `corporate`, `guest`, `wan`, `vlan-only` …
    #[oai(skip_serializing_if_is_none)]
    pub purpose: Option<String>,
    /// Gateway address and prefix, e.g. `192.168.1.1/24`.
    #[oai(skip_serializing_if_is_none)]
    pub subnet: Option<String>,
    /// VLAN id, null for the untagged network.
    #[oai(nullable)]
    pub vlan_id: Option<i64>,
    /// DHCP server enabled.
    #[oai(skip_serializing_if_is_none)]
    pub dhcp_enabled: Option<bool>,
    /// First DHCP address.
    #[oai(skip_serializing_if_is_none)]
    pub dhcp_start: Option<String>,
    /// Last DHCP address.
    #[oai(skip_serializing_if_is_none)]
    pub dhcp_stop: Option<String>,
    /// DNS domain.
    #[oai(skip_serializing_if_is_none)]
    pub domain_name: Option<String>,
    /// NAT enabled.
    #[oai(skip_serializing_if_is_none)]
    pub is_nat: Option<bool>,
    /// Enabled.
    #[oai(skip_serializing_if_is_none)]
    pub enabled: Option<bool>,
}

impl From<&Network> for UnifiNetwork {
    fn from(n: &Network) -> Self {
        UnifiNetwork {
            id: n.id.clone(),
            name: n.name.clone(),
            purpose: n.purpose.clone(),
            subnet: n.subnet().map(str::to_owned),
            vlan_id: n.vlan_id().map(i64::from),
            dhcp_enabled: n.dhcpd_enabled,
            dhcp_start: n.dhcpd_start.clone(),
            dhcp_stop: n.dhcpd_stop.clone(),
            domain_name: n.domain_name.clone(),
            is_nat: n.is_nat,
            enabled: n.enabled,
        }
    }
}

/// A WLAN group of a site.
#[derive(Debug, Clone, Object)]
#[oai(rename = "UnifiWlanGroup", rename_all = "camelCase")]
pub struct UnifiWlanGroup {
    /// Controller object id.
    #[oai(skip_serializing_if_is_none)]
    pub id: Option<String>,
    /// Name.
    #[oai(skip_serializing_if_is_none)]
    pub name: Option<String>,
    /// Controller site object id.
    #[oai(skip_serializing_if_is_none)]
    pub site_id: Option<String>,
    /// Cannot be deleted.
    pub no_delete: bool,
    /// Cannot be edited.
    pub no_edit: bool,
    /// Hidden in the UI.
    pub hidden: bool,
}

impl From<&WlanGroup> for UnifiWlanGroup {
    fn from(g: &WlanGroup) -> Self {
        UnifiWlanGroup {
            id: g.id.clone(),
            name: g.name.clone(),
            site_id: g.site_id.clone(),
            no_delete: g.attr_no_delete.unwrap_or(false),
            no_edit: g.attr_no_edit.unwrap_or(false),
            hidden: g.attr_hidden.unwrap_or(false),
        }
    }
}

/// A new WLAN group.
#[derive(Debug, Object, Deserialize)]
#[serde(deny_unknown_fields)]
#[oai(rename = "CreateUnifiWlanGroup")]
pub struct CreateWlanGroupBody {
    /// Name of the group.
    #[oai(validator(
        min_length = 1,
        max_length = 128,
        pattern = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
    ))]
    pub name: String,
}

/// An AP group of a site.
#[derive(Debug, Clone, Object)]
#[oai(rename = "UnifiApGroup", rename_all = "camelCase")]
pub struct UnifiApGroup {
    /// Controller object id.
    #[oai(skip_serializing_if_is_none)]
    pub id: Option<String>,
    /// Name.
    #[oai(skip_serializing_if_is_none)]
    pub name: Option<String>,
    /// MAC addresses of the member access points.
    pub device_macs: Vec<String>,
    /// Cannot be deleted (true for "All APs").
    pub no_delete: bool,
}

impl From<&ApGroup> for UnifiApGroup {
    fn from(g: &ApGroup) -> Self {
        UnifiApGroup {
            id: g.id.clone(),
            name: g.name.clone(),
            device_macs: g.device_macs.clone(),
            no_delete: g.attr_no_delete.unwrap_or(false),
        }
    }
}

/// SSIDs on one radio of an access point.
#[derive(Debug, Clone, Object)]
#[oai(rename = "UnifiRadioWifiLimit", rename_all = "camelCase")]
pub struct UnifiRadioLimit {
    /// Radio code: `ng`, `na`, `6e`.
    pub radio: String,
    /// `2g`, `5g`, `6g`.
    #[oai(skip_serializing_if_is_none)]
    pub band: Option<String>,
    /// SSIDs active on the radio.
    pub active_wlans: u64,
    /// SSIDs a radio supports.
    pub limit: u64,
    /// How many more fit.
    pub remaining: u64,
    /// The SSIDs.
    pub wlan_names: Vec<String>,
}

/// SSIDs per radio of one access point.
#[derive(Debug, Clone, Object)]
#[oai(rename = "UnifiApWifiLimits", rename_all = "camelCase")]
pub struct UnifiApLimits {
    /// Controller object id of the access point.
    #[oai(skip_serializing_if_is_none)]
    pub ap_id: Option<String>,
    /// Its name.
    #[oai(skip_serializing_if_is_none)]
    pub ap_name: Option<String>,
    /// MAC address.
    #[oai(skip_serializing_if_is_none)]
    pub mac: Option<String>,
    /// Model.
    #[oai(skip_serializing_if_is_none)]
    pub model: Option<String>,
    /// One entry per radio.
    pub radios: Vec<UnifiRadioLimit>,
}

impl From<&ApSsidUsage> for UnifiApLimits {
    fn from(a: &ApSsidUsage) -> Self {
        UnifiApLimits {
            ap_id: a.device_id.clone(),
            ap_name: a.name.clone(),
            mac: a.mac.clone(),
            model: a.model.clone(),
            radios: a
                .radios
                .iter()
                .map(|r| UnifiRadioLimit {
                    radio: r.radio.clone(),
                    band: r.band.as_ref().map(ToString::to_string),
                    active_wlans: r.active as u64,
                    limit: r.limit as u64,
                    remaining: r.remaining as u64,
                    wlan_names: r.names.clone(),
                })
                .collect(),
        }
    }
}

/// A speed profile (user group) of a site.
#[derive(Debug, Clone, Object)]
#[oai(rename = "UnifiSpeedProfile", rename_all = "camelCase")]
pub struct UnifiSpeedProfile {
    /// Controller object id.
    #[oai(skip_serializing_if_is_none)]
    pub id: Option<String>,
    /// Name.
    #[oai(skip_serializing_if_is_none)]
    pub name: Option<String>,
    /// Controller site object id.
    #[oai(skip_serializing_if_is_none)]
    pub site_id: Option<String>,
    /// Cannot be deleted (the default profile).
    pub no_delete: bool,
    /// Download limit in kbps; -1 is unlimited.
    pub download_limit_kbps: i64,
    /// Upload limit in kbps; -1 is unlimited.
    pub upload_limit_kbps: i64,
}

impl From<&UserGroup> for UnifiSpeedProfile {
    fn from(g: &UserGroup) -> Self {
        UnifiSpeedProfile {
            id: g.id.clone(),
            name: g.name.clone(),
            site_id: g.site_id.clone(),
            no_delete: g.attr_no_delete.unwrap_or(false),
            download_limit_kbps: g.download_limit().to_raw(),
            upload_limit_kbps: g.upload_limit().to_raw(),
        }
    }
}

/// A new speed profile.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename = "CreateUnifiSpeedProfile", rename_all = "camelCase")]
pub struct CreateSpeedProfileBody {
    /// Name of the profile.
    #[oai(validator(
        min_length = 1,
        max_length = 128,
        pattern = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
    ))]
    pub name: String,
    /// Download limit in kbps (-1, 0 or omitted: unlimited; at most 10 Gbps).
    #[oai(
        nullable,
        validator(minimum(value = "-1"), maximum(value = "10000000"))
    )]
    pub download_limit_kbps: Option<i64>,
    /// Upload limit in kbps (-1, 0 or omitted: unlimited; at most 10 Gbps).
    #[oai(
        nullable,
        validator(minimum(value = "-1"), maximum(value = "10000000"))
    )]
    pub upload_limit_kbps: Option<i64>,
}

/// A private pre-shared key of a Wi-Fi network.
#[derive(Debug, Clone, Object)]
#[oai(rename = "UnifiPpsk", rename_all = "camelCase")]
pub struct UnifiPpsk {
    /// The key.
    pub key: String,
    /// Its name, null when the controller keeps none.
    #[oai(nullable)]
    pub name: Option<String>,
    /// The device it is locked to, null when any device may use it.
    #[oai(nullable)]
    pub mac: Option<String>,
    /// The VLAN its clients land on, null for the untagged network.
    #[oai(nullable)]
    pub vlan_id: Option<i64>,
}

impl From<&ResolvedPpsk> for UnifiPpsk {
    fn from(r: &ResolvedPpsk) -> Self {
        let p: &Ppsk = &r.ppsk;
        UnifiPpsk {
            key: p.password_str().unwrap_or_default().to_owned(),
            name: p.extra_str("name").map(str::to_owned),
            mac: p.extra_str("mac").map(str::to_owned),
            vlan_id: r.vlan.map(i64::from),
        }
    }
}

/// A new private pre-shared key.
#[derive(Debug, Object, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[oai(rename = "CreateUnifiPpsk", rename_all = "camelCase")]
pub struct CreatePpskBody {
    /// The key (8 to 63 characters).
    #[oai(validator(min_length = 8, max_length = 63))]
    pub key: String,
    /// A name for it.
    #[oai(validator(
        min_length = 1,
        max_length = 128,
        pattern = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
    ))]
    pub name: String,
    /// Lock it to this device (`AA:BB:CC:DD:EE:FF`).
    #[oai(
        nullable,
        validator(pattern = "^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$")
    )]
    pub mac: Option<String>,
    /// Put its clients on this VLAN (a network of the site must carry it); omitted: the Wi-Fi
    /// network's own.
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "4094")))]
    pub vlan_id: Option<i64>,
}
