//! The fake's data: payloads shaped like a controller's (the `data` of the v1 envelope, or the
//! bare JSON of v2), with the firmware drift real controllers show: numbers and flags sent as
//! strings or `""`, `channel`/`tx_power` as `"auto"`, `wlan_band` on an older WLAN and
//! `wlan_bands` (with 6 GHz) on a newer one, fields nobody models.
//!
//! One site, [`SITE`], holds them together: the access point broadcasts the site's WLANs, the
//! PPSKs and WLANs point at the site's networks.

use serde_json::{Map, Value, json};

/// The short name of the site the fake serves besides `default`.
pub const SITE: &str = "km9b1v8i";
/// The id of [`SITE`].
pub const SITE_ID: &str = "61ae856a8eae567c3905c54f";
/// The id of the `default` site.
pub const DEFAULT_SITE_ID: &str = "61ae856a8eae567c3905c550";
/// The WLAN on older firmware ([`wlan_old`]): `wlan_band` only, with two PPSKs.
pub const WLAN_ID: &str = "66eb36e54bb53f0ae3fb82bd";
/// The WLAN on newer firmware ([`wlan_new`]): `wlan_bands`, 6 GHz included.
pub const WLAN6_ID: &str = "66eb36e54bb53f0ae3fb82be";
/// The untagged LAN.
pub const LAN_NET: &str = "66eb368d4bb53f0ae3fb7e0d";
/// The network of VLAN 100.
pub const IOT_NET: &str = "66eb368d4bb53f0ae3fb7e11";

/// `GET /api/self/sites`: `default` and [`SITE`].
pub fn sites() -> Value {
    json!([
        {"_id": DEFAULT_SITE_ID, "name": "default", "desc": "Default", "role": "admin",
         "attr_hidden_id": "default", "attr_no_delete": true, "anonymous_id": "a1b2"},
        {"_id": SITE_ID, "name": SITE, "desc": "Total Tech - Murray Office", "role": "admin",
         "device_count": 2}
    ])
}

/// `stat/health`: WLAN, WAN and VPN subsystems, in the order controllers send them.
pub fn health() -> Value {
    json!([
        {"subsystem": "wlan", "num_user": "12", "num_guest": 3, "num_iot": 0, "tx_bytes-r": 1024,
         "rx_bytes-r": 2048, "status": "ok", "num_ap": 1, "num_adopted": "1", "num_disabled": 0,
         "num_disconnected": 0, "num_pending": ""},
        {"subsystem": "wan", "num_gw": "1", "num_adopted": 1, "num_disconnected": 0,
         "num_pending": 0, "status": "ok", "wan_ip": "203.0.113.9", "gateways": ["203.0.113.1"],
         "netmask": "255.255.255.0"},
        {"subsystem": "vpn", "status": "unknown"}
    ])
}

/// `stat/sysinfo`.
pub fn sysinfo() -> Value {
    json!([{
        "timezone": "America/Denver", "autobackup": true, "build": "atag_8.6.9_25740",
        "version": "8.6.9", "hostname": "UniFi-Controller", "name": "UDM Pro",
        "ubnt_device_type": "UDMPRO", "udm_version": "4.1.13.4567", "uptime": 1234567,
        "update_available": false
    }])
}

/// The site's access point, on current firmware: three radios (`ng`, `na`, `6e`), numbers
/// sometimes as strings, `"auto"` channels. It broadcasts both WLANs on `ng`, the newer one on
/// `na` beside a mesh backhaul VAP (`usage: downlink`), and has the 6 GHz VAP down.
pub fn ap_new() -> Value {
    json!({
        "_id": "64a1c0ffee0000000000ap01", "mac": "18:e8:29:59:25:bc", "model": "U7PRO",
        "name": "Office AP", "type": "uap", "state": 1, "adopted": true, "ip": "192.168.1.10",
        "version": "6.6.77.15353", "uptime": "123456", "serial": "18E8295925BC",
        "radio_table": [
            {"name": "wifi0", "radio": "ng", "channel": "auto", "ht": "20", "tx_power_mode": "auto",
             "tx_power": "auto", "min_rssi_enabled": false},
            {"name": "wifi1", "radio": "na", "channel": 36, "ht": 80, "tx_power_mode": "high",
             "tx_power": "23"},
            {"name": "wifi2", "radio": "6e", "channel": "auto", "ht": 160, "tx_power_mode": "auto",
             "tx_power": "auto"}
        ],
        "vap_table": [
            {"essid": "TTAD", "bssid": "1a:e8:29:59:25:bc", "radio": "ng", "radio_name": "wifi0",
             "up": true, "usage": "user", "num_sta": "4", "wlanconf_id": WLAN_ID, "channel": 6},
            {"essid": "Corp-6E", "bssid": "1a:e8:29:59:25:bd", "radio": "ng", "radio_name": "wifi0",
             "up": true, "usage": "user", "num_sta": 0, "wlanconf_id": WLAN6_ID},
            {"essid": "Corp-6E", "bssid": "1a:e8:29:59:25:c0", "radio": "na", "radio_name": "wifi1",
             "up": true, "usage": "user", "num_sta": "3", "wlanconf_id": WLAN6_ID},
            {"essid": "vwire-1234", "bssid": "1a:e8:29:59:25:c2", "radio": "na",
             "radio_name": "wifi1", "up": true, "usage": "downlink"},
            {"essid": "Corp-6E", "bssid": "1a:e8:29:59:25:c4", "radio": "6e", "radio_name": "wifi2",
             "up": false, "usage": "user", "wlanconf_id": WLAN6_ID}
        ],
        "uplink": {"type": "wire", "uplink_mac": "74:ac:b9:00:00:01",
                   "uplink_device_name": "Closet Switch", "uplink_remote_port": "5", "speed": 1000,
                   "full_duplex": true, "up": true, "media": "GE"},
        "satisfaction": 98
    })
}

/// An access point on older firmware, meshed to [`ap_new`]: numbers and flags as strings, `""`,
/// channel and power `"auto"`. Not on the fake's site; for decoding tests.
pub fn ap_old() -> Value {
    json!({
        "_id": "5a0000000000000000000002", "mac": "78:45:58:29:fa:88", "model": "U7LR",
        "name": "Warehouse AP", "type": "uap", "state": "1", "adopted": "true", "ip": "192.168.1.11",
        "version": "4.3.28.11361", "uptime": "98765",
        "radio_table": [
            {"name": "wifi0", "radio": "ng", "channel": "auto", "ht": "20", "tx_power_mode": "auto",
             "tx_power": "auto", "min_rssi": ""},
            {"name": "wifi1", "radio": "na", "channel": "44", "ht": "40", "tx_power_mode": "custom",
             "tx_power": "17"}
        ],
        "vap_table": [
            {"essid": "Legacy", "radio": "ng", "up": true, "num_sta": "2", "channel": "11"}
        ],
        "uplink": {"type": "wireless", "uplink_mac": "18:e8:29:59:25:bc", "speed": "", "up": "true"}
    })
}

/// The site's switch, which [`ap_new`] is cabled to.
pub fn switch() -> Value {
    json!({
        "_id": "64a1c0ffee0000000000sw01", "mac": "74:ac:b9:00:00:01", "model": "US8P60",
        "name": "Closet Switch", "type": "usw", "state": "1", "adopted": true, "ip": "192.168.1.2",
        "version": "7.1.26.15869", "uptime": 99,
        "port_table": [{"port_idx": 5, "name": "Port 5", "up": true, "speed": 1000}]
    })
}

fn merged(parts: [Value; 2]) -> Value {
    // A `json!` this large exceeds the macro's recursion limit, so it is written in parts.
    let mut all = Map::new();
    for part in parts {
        if let Value::Object(part) = part {
            all.extend(part);
        }
    }
    Value::Object(all)
}

/// [`WLAN_ID`] on older firmware: `wlan_band` only, numbers and flags as strings, `""` and
/// `null` for empty values, a field nobody models (`x_iapp_key`), and two PPSKs (one on
/// [`IOT_NET`], one on [`LAN_NET`]).
pub fn wlan_old() -> Value {
    merged([
        json!({
            "_id": WLAN_ID, "name": "TTAD", "site_id": SITE_ID, "enabled": "true",
            "security": "wpapsk", "wpa_mode": "wpa2", "wpa_enc": "ccmp", "wpa3_support": false,
            "wpa3_transition": false, "wpa3_fast_roaming": false, "wpa3_enhanced_192": false,
            "x_passphrase": "S3cur3Alarm!", "passphrase_autogenerated": false,
            "hide_ssid": false, "is_guest": false, "wlan_band": "2g", "networkconf_id": LAN_NET,
            "usergroup_id": "61ae856a8eae567c3905c55c", "wlangroup_id": "61ae856a8eae567c3905c55d",
            "ap_group_ids": ["66eb36e44bb53f0ae3fb82bc"], "ap_group_mode": "devices",
            "vlan_enabled": "false", "vlan": "",
        }),
        json!({
            "pmf_mode": "disabled", "group_rekey": "0", "dtim_mode": "default", "dtim_ng": "1",
            "dtim_na": "3", "dtim_6e": 3, "l2_isolation": false, "fast_roaming_enabled": false,
            "bss_transition": true, "uapsd_enabled": false, "iapp_enabled": true,
            "proxy_arp": false, "mcastenhance_enabled": false, "mac_filter_enabled": false,
            "mac_filter_policy": "allow", "mac_filter_list": null, "radius_das_enabled": false,
            "radius_mac_auth_enabled": false, "radius_macacl_format": "none_lower",
            "minrate_setting_preference": "auto", "minrate_ng_enabled": "false",
            "minrate_ng_data_rate_kbps": "1000", "minrate_ng_advertising_rates": false,
            "minrate_na_enabled": false, "minrate_na_data_rate_kbps": "6000",
            "minrate_na_advertising_rates": false, "setting_preference": "manual",
            "no2ghz_oui": true, "private_preshared_keys_enabled": true,
            "private_preshared_keys": [
                {"password": "iot-devices-1", "networkconf_id": IOT_NET},
                {"password": "lan-laptops-2", "networkconf_id": LAN_NET, "name": "Laptops"}
            ],
            "schedule": null, "external_id": "3c6ef5b2-8f0e-4c1a-9d2b-7a5e1f0c4b9d",
            "x_iapp_key": "0123456789abcdef"
        }),
    ])
}

/// [`WLAN6_ID`] on newer firmware: `wlan_bands` with 6 GHz (so no `wlan_band`), WPA3
/// transition, every value in the form the models write it back.
pub fn wlan_new() -> Value {
    merged([
        json!({
            "_id": WLAN6_ID, "name": "Corp-6E", "site_id": SITE_ID, "enabled": true,
            "security": "wpapsk", "wpa_mode": "wpa2", "wpa_enc": "ccmp", "wpa3_support": true,
            "wpa3_transition": true, "wpa3_fast_roaming": false, "wpa3_enhanced_192": false,
            "x_passphrase": "another-passphrase", "passphrase_autogenerated": false,
            "hide_ssid": false, "is_guest": false, "wlan_bands": ["2g", "5g", "6g"],
            "networkconf_id": LAN_NET, "usergroup_id": "61ae856a8eae567c3905c55c",
            "ap_group_ids": ["66eb36e44bb53f0ae3fb82bc"], "ap_group_mode": "devices",
            "pmf_mode": "optional", "group_rekey": 3600, "dtim_mode": "custom", "dtim_ng": 1,
            "dtim_na": 1, "dtim_6e": 1, "l2_isolation": false, "fast_roaming_enabled": false,
        }),
        json!({
            "bss_transition": true, "uapsd_enabled": false, "iapp_enabled": true,
            "proxy_arp": false, "mcastenhance_enabled": false, "mac_filter_enabled": false,
            "mac_filter_policy": "allow", "mac_filter_list": [], "radius_das_enabled": false,
            "radius_mac_auth_enabled": false, "radius_macacl_format": "none_lower",
            "minrate_setting_preference": "auto", "minrate_ng_enabled": true,
            "minrate_ng_data_rate_kbps": 1000, "minrate_ng_advertising_rates": false,
            "minrate_na_enabled": false, "minrate_na_data_rate_kbps": 6000,
            "minrate_na_advertising_rates": false, "setting_preference": "manual",
            "no2ghz_oui": true, "private_preshared_keys_enabled": false,
            "private_preshared_keys": [], "sae_groups": [], "sae_psk": [], "schedule": [],
            "schedule_with_duration": [], "bc_filter_list": [],
            "external_id": "ba0f579c-6b21-4dfc-8d03-5a1a09243328", "mlo_enabled": false,
            "enhanced_iot": false
        }),
    ])
}

/// `rest/networkconf`: the LAN, VLAN 100 (its VLAN as a string), and a WAN.
pub fn networks() -> Value {
    json!([
        {"_id": LAN_NET, "name": "LAN", "purpose": "corporate", "site_id": SITE_ID,
         "ip_subnet": "192.168.1.1/24", "networkgroup": "LAN", "dhcpd_enabled": true,
         "dhcpd_start": "192.168.1.100", "dhcpd_stop": "192.168.1.254",
         "domain_name": "localdomain", "is_nat": true, "enabled": true, "vlan_enabled": false},
        {"_id": IOT_NET, "name": "IoT", "purpose": "corporate", "site_id": SITE_ID,
         "vlan": "100", "vlan_enabled": true, "ip_subnet": "10.0.100.1/24",
         "dhcpd_enabled": true, "dhcpd_start": "10.0.100.6", "dhcpd_stop": "10.0.100.254",
         "is_nat": true, "enabled": true},
        {"_id": "66eb368d4bb53f0ae3fb7e99", "name": "Internet 1", "purpose": "wan",
         "wan_type": "dhcp", "wan_networkgroup": "WAN", "enabled": true}
    ])
}

/// `rest/wlangroup`: the built-in group.
pub fn wlan_groups() -> Value {
    json!([{"_id": "61ae856a8eae567c3905c55d", "name": "Default", "site_id": DEFAULT_SITE_ID,
            "attr_hidden_id": "Default", "attr_no_delete": true, "attr_no_edit": false,
            "attr_hidden": false}])
}

/// `rest/usergroup` (speed profiles, kbps, -1 unlimited): the built-in group and a limited
/// one whose limits arrive as strings.
pub fn user_groups() -> Value {
    json!([
        {"_id": "61ae856a8eae567c3905c55e", "name": "Default", "site_id": DEFAULT_SITE_ID,
         "attr_no_delete": true, "attr_hidden_id": "Default", "qos_rate_max_down": -1,
         "qos_rate_max_up": -1},
        {"_id": "61ae856a8eae567c3905c5aa", "name": "Guest 10Mbps", "site_id": DEFAULT_SITE_ID,
         "qos_rate_max_down": "10000", "qos_rate_max_up": "5000"}
    ])
}

/// `GET /v2/api/site/{site}/apgroups` (bare JSON): the built-in group and one of two devices.
pub fn ap_groups() -> Value {
    json!([
        {"_id": "61ae856a8eae567c3905c565", "name": "All APs", "attr_hidden_id": "default",
         "attr_no_delete": true,
         "device_macs": ["18:e8:29:59:25:bc", "78:45:58:29:fa:87", "68:d7:9a:73:9a:28"],
         "for_wlanconf": true},
        {"_id": "63c5be017e957d08189ed997", "name": "301Andrus",
         "device_macs": ["78:45:58:29:fa:87", "18:e8:29:59:25:bc"]}
    ])
}
