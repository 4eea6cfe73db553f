//! Shared fixtures: payloads shaped like real controller responses, and mock controllers.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use optima_unifi::{ControllerKind, LoginBackoff, RetryPolicy, UnifiClient, UnifiClientBuilder};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const PASSWORD: &str = "hunter2-very-secret";

pub fn ok(data: Value) -> Value {
    json!({"meta": {"rc": "ok"}, "data": data})
}

pub fn err(msg: &str, data: Value) -> Value {
    json!({"meta": {"rc": "error", "msg": msg}, "data": data})
}

/// Which controller the mock imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Classic,
    Os,
}

impl Kind {
    /// Prefix of the Network API.
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Classic => "",
            Kind::Os => "/proxy/network",
        }
    }

    pub fn login_path(self) -> &'static str {
        match self {
            Kind::Classic => "/api/login",
            Kind::Os => "/api/auth/login",
        }
    }

    /// Name of the session cookie.
    pub fn cookie(self) -> &'static str {
        match self {
            Kind::Classic => "unifises",
            Kind::Os => "TOKEN",
        }
    }

    pub fn api(self, p: &str) -> String {
        format!("{}{}", self.prefix(), p)
    }
}

/// Login responder handing out `{cookie}=session-N` (N counts logins) and `x-csrf-token: csrf-N`.
#[derive(Clone)]
pub struct LoginResponder {
    pub kind: Kind,
    pub count: Arc<AtomicUsize>,
    pub delay: Duration,
}

impl LoginResponder {
    pub fn new(kind: Kind) -> Self {
        Self {
            kind,
            count: Arc::new(AtomicUsize::new(0)),
            delay: Duration::ZERO,
        }
    }
}

impl Respond for LoginResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        if body["password"] != PASSWORD {
            return match self.kind {
                Kind::Classic => {
                    ResponseTemplate::new(400).set_body_json(err("api.err.Invalid", json!([])))
                }
                Kind::Os => ResponseTemplate::new(401).set_body_json(json!({
                    "code": "AUTHENTICATION_FAILED_INVALID_CREDENTIALS",
                    "message": "Invalid username or password",
                    "level": "debug"
                })),
            };
        }
        let t = ResponseTemplate::new(200)
            .set_delay(self.delay)
            .append_header(
                "set-cookie",
                format!(
                    "{}=session-{n}; path=/; secure; httponly",
                    self.kind.cookie()
                )
                .as_str(),
            );
        match self.kind {
            Kind::Classic => t
                .append_header(
                    "set-cookie",
                    format!("csrf_token=csrf-{n}; path=/; secure").as_str(),
                )
                .set_body_json(ok(json!([]))),
            Kind::Os => t
                .append_header("x-csrf-token", format!("csrf-{n}").as_str())
                .set_body_json(json!({
                    "unique_id": "1", "first_name": "Admin", "username": "admin", "isOwner": true
                })),
        }
    }
}

/// Mounts detection (`GET /`) answering like `kind` does.
pub async fn mount_detection(server: &MockServer, kind: Kind) {
    let t = match kind {
        Kind::Classic => ResponseTemplate::new(302).append_header("location", "/manage"),
        Kind::Os => ResponseTemplate::new(200)
            .set_body_string("<!doctype html><html><title>UniFi OS</title></html>"),
    };
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(t)
        .mount(server)
        .await;
}

/// Mounts detection and a login responder; returns the login counter.
pub async fn mount_controller(server: &MockServer, kind: Kind) -> Arc<AtomicUsize> {
    mount_detection(server, kind).await;
    let login = LoginResponder::new(kind);
    let count = login.count.clone();
    Mock::given(method("POST"))
        .and(path(kind.login_path()))
        .respond_with(login)
        .mount(server)
        .await;
    count
}

pub fn fast(builder: UnifiClientBuilder) -> UnifiClientBuilder {
    builder
        .retry_policy(
            RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .login_backoff(LoginBackoff::new(
            3,
            Duration::from_millis(1),
            Duration::from_millis(2),
        ))
        .timeout(Duration::from_secs(5))
}

pub fn client(server: &MockServer) -> UnifiClient {
    fast(
        UnifiClient::builder()
            .url(server.uri())
            .username("admin")
            .password(SecretString::from(PASSWORD)),
    )
    .build()
    .unwrap()
}

pub fn client_of_kind(server: &MockServer, kind: ControllerKind) -> UnifiClient {
    fast(
        UnifiClient::builder()
            .url(server.uri())
            .username("admin")
            .password(SecretString::from(PASSWORD))
            .kind(kind),
    )
    .build()
    .unwrap()
}

pub fn sites() -> Value {
    json!([
        {"_id": "61ae856a8eae567c3905c550", "name": "default", "desc": "Default", "role": "admin",
         "attr_hidden_id": "default", "attr_no_delete": true, "anonymous_id": "a1b2"},
        {"_id": "61ae856a8eae567c3905c54f", "name": "km9b1v8i", "desc": "Total Tech - Murray Office",
         "role": "admin", "device_count": 7}
    ])
}

pub fn health() -> Value {
    json!([
        {"subsystem": "wlan", "num_user": 12, "num_guest": 3, "num_iot": 0, "tx_bytes-r": 1024,
         "rx_bytes-r": 2048, "status": "ok", "num_ap": 2, "num_adopted": 2, "num_disabled": 0,
         "num_disconnected": 0, "num_pending": 0},
        {"subsystem": "wan", "num_gw": 1, "num_adopted": 1, "num_disconnected": 0, "num_pending": 0,
         "status": "ok", "wan_ip": "203.0.113.9", "gateways": ["203.0.113.1"], "netmask": "255.255.255.0"},
        {"subsystem": "vpn", "status": "unknown"}
    ])
}

pub fn sysinfo() -> Value {
    json!([{
        "timezone": "America/Denver", "autobackup": true, "build": "atag_8.6.9_25740",
        "version": "8.6.9", "hostname": "UniFi-Controller", "name": "UDM Pro",
        "ubnt_device_type": "UDMPRO", "udm_version": "4.1.13.4567", "uptime": 1234567,
        "update_available": false
    }])
}

/// An access point on newer firmware: three radios, numbers as numbers.
pub fn ap_new() -> Value {
    json!({
        "_id": "66eb36e54bb53f0ae3fb0001", "mac": "18:e8:29:59:25:bc", "model": "U7PG2",
        "name": "Office AP", "type": "uap", "state": 1, "adopted": true, "ip": "192.168.1.10",
        "version": "6.6.77.15402", "uptime": 123456, "serial": "18E8295925BC",
        "radio_table": [
            {"name": "wifi0", "radio": "ng", "channel": 6, "ht": "20", "tx_power_mode": "auto", "tx_power": 20, "min_rssi_enabled": false},
            {"name": "wifi1", "radio": "na", "channel": 36, "ht": 80, "tx_power_mode": "high", "tx_power": "23"},
            {"name": "wifi2", "radio": "6e", "channel": "auto", "ht": 160, "tx_power_mode": "auto", "tx_power": "auto"}
        ],
        "vap_table": [
            {"essid": "Corporate", "bssid": "1a:e8:29:59:25:bc", "radio": "ng", "radio_name": "wifi0", "up": true, "num_sta": 4, "usage": "user", "wlanconf_id": "w1", "channel": 6},
            {"essid": "Guest", "bssid": "1a:e8:29:59:25:bd", "radio": "ng", "radio_name": "wifi0", "up": true, "num_sta": 1, "usage": "user", "is_guest": true},
            {"essid": "IoT", "bssid": "1a:e8:29:59:25:be", "radio": "ng", "radio_name": "wifi0", "up": true, "num_sta": "3"},
            {"essid": "Corporate", "bssid": "1a:e8:29:59:25:c0", "radio": "na", "radio_name": "wifi1", "up": true, "num_sta": 7, "usage": "user"},
            {"essid": "Guest", "bssid": "1a:e8:29:59:25:c1", "radio": "na", "radio_name": "wifi1", "up": false, "usage": "user"},
            {"essid": "vwire-1234", "bssid": "1a:e8:29:59:25:c2", "radio": "na", "radio_name": "wifi1", "up": true, "usage": "downlink"}
        ],
        "uplink": {"type": "wire", "uplink_mac": "78:45:58:29:fa:87", "uplink_device_name": "Core Switch",
                   "uplink_remote_port": 5, "speed": 1000, "full_duplex": true, "up": true, "media": "GE"},
        "satisfaction": 98
    })
}

/// An access point on older firmware: numbers as strings, `""`, channel `"auto"`.
pub fn ap_old() -> Value {
    json!({
        "_id": "5a0000000000000000000002", "mac": "78:45:58:29:fa:88", "model": "U7LR",
        "name": "Warehouse AP", "type": "uap", "state": "1", "adopted": "true", "ip": "192.168.1.11",
        "version": "4.3.28.11361", "uptime": "98765",
        "radio_table": [
            {"name": "wifi0", "radio": "ng", "channel": "auto", "ht": "20", "tx_power_mode": "auto", "tx_power": "auto", "min_rssi": ""},
            {"name": "wifi1", "radio": "na", "channel": "44", "ht": "40", "tx_power_mode": "custom", "tx_power": "17"}
        ],
        "vap_table": [
            {"essid": "Legacy", "radio": "ng", "up": true, "num_sta": "2", "channel": "11"}
        ],
        "uplink": {"type": "wireless", "uplink_mac": "18:e8:29:59:25:bc", "speed": "", "up": "true"}
    })
}

pub fn switch() -> Value {
    json!({"_id": "sw1", "mac": "78:45:58:29:fa:87", "model": "US24P250", "name": "Core Switch",
           "type": "usw", "state": 1, "port_table": [{"port_idx": 1}]})
}

/// A wlanconf of a newer firmware (wlan_bands), with every field the Optima spec lists.
pub fn wlan_new() -> Value {
    json!({
        "_id": "66eb36e54bb53f0ae3fb82bd", "name": "TTAD", "site_id": "61ae856a8eae567c3905c54f",
        "enabled": true, "security": "wpapsk", "wpa_mode": "wpa2", "wpa_enc": "ccmp",
        "wpa3_support": false, "wpa3_transition": false, "wpa3_fast_roaming": false, "wpa3_enhanced_192": false,
        "x_passphrase": "S3cur3Alarm!", "passphrase_autogenerated": false, "hide_ssid": false, "is_guest": false,
        "wlan_band": "2g", "wlan_bands": ["2g"], "networkconf_id": "66eb368d4bb53f0ae3fb7e0d",
        "usergroup_id": "61ae856a8eae567c3905c55c", "ap_group_ids": ["66eb36e44bb53f0ae3fb82bc"],
        "ap_group_mode": "devices", "pmf_mode": "disabled", "group_rekey": 0, "dtim_mode": "default",
        "dtim_ng": 1, "dtim_na": 3, "dtim_6e": 3, "l2_isolation": false, "fast_roaming_enabled": false,
        "bss_transition": true, "uapsd_enabled": false, "iapp_enabled": true, "proxy_arp": false,
        "mcastenhance_enabled": false, "mac_filter_enabled": false, "mac_filter_policy": "allow",
        "mac_filter_list": [], "radius_das_enabled": false, "radius_mac_auth_enabled": false,
        "radius_macacl_format": "none_lower", "minrate_setting_preference": "auto",
        "minrate_ng_enabled": true, "minrate_ng_data_rate_kbps": 1000, "minrate_ng_advertising_rates": false,
        "minrate_na_enabled": false, "minrate_na_data_rate_kbps": 6000, "minrate_na_advertising_rates": false,
        "setting_preference": "manual", "no2ghz_oui": true, "private_preshared_keys_enabled": false,
        "private_preshared_keys": [], "sae_groups": [], "sae_psk": [], "schedule": [],
        "schedule_with_duration": [], "bc_filter_list": [], "external_id": "ba0f579c-6b21-4dfc-8d03-5a1a09243328",
        "mlo_enabled": false, "enhanced_iot": false
    })
}

/// A wlanconf of an older firmware: `wlan_band` only, numbers as strings and `""`.
pub fn wlan_old() -> Value {
    json!({
        "_id": "5b1111111111111111111111", "name": "Office", "site_id": "61ae856a8eae567c3905c550",
        "enabled": true, "security": "wpapsk", "wpa_mode": "wpa2", "wpa_enc": "ccmp",
        "x_passphrase": "oldpassphrase", "hide_ssid": false, "is_guest": false,
        "wlan_band": "both", "wlangroup_id": "61ae856a8eae567c3905c55d", "usergroup_id": "61ae856a8eae567c3905c55c",
        "vlan_enabled": "false", "vlan": "", "group_rekey": "3600", "dtim_mode": "custom",
        "dtim_ng": "1", "dtim_na": "3", "minrate_ng_enabled": "false", "minrate_ng_data_rate_kbps": "",
        "schedule": null, "mac_filter_list": null, "radius_macacl_format": "none_lower",
        "x_iapp_key": "0123456789abcdef"
    })
}

/// A PPSK WLAN on current firmware.
pub fn wlan_ppsk() -> Value {
    json!({
        "_id": "wlan-ppsk", "name": "Residents", "enabled": true, "security": "wpapsk", "wpa_mode": "wpa2",
        "x_passphrase": "unused-main-passphrase", "wlan_bands": ["2g", "5g"], "networkconf_id": "net-lan",
        "private_preshared_keys_enabled": true,
        "private_preshared_keys": [
            {"password": "apartment-101", "networkconf_id": "net-101"},
            {"password": "apartment-102", "networkconf_id": "net-102", "name": "Unit 102"}
        ],
        "ap_group_ids": ["g1"], "hide_ssid": false, "external_id": "ext-1"
    })
}

pub fn networks() -> Value {
    json!([
        {"_id": "net-lan", "name": "LAN", "purpose": "corporate", "ip_subnet": "192.168.1.1/24",
         "dhcpd_enabled": true, "dhcpd_start": "192.168.1.100", "dhcpd_stop": "192.168.1.254",
         "domain_name": "localdomain", "is_nat": true, "enabled": true, "networkgroup": "LAN",
         "site_id": "61ae856a8eae567c3905c550", "vlan_enabled": false},
        {"_id": "net-101", "name": "Unit 101", "purpose": "corporate", "ip_subnet": "10.1.1.1/24",
         "vlan": 101, "vlan_enabled": true, "enabled": true},
        {"_id": "net-102", "name": "Unit 102", "purpose": "vlan-only", "vlan": "102", "enabled": true}
    ])
}

pub fn wlan_groups() -> Value {
    json!([{"_id": "61ae856a8eae567c3905c55d", "name": "Default", "site_id": "61ae856a8eae567c3905c550",
            "attr_hidden_id": "Default", "attr_no_delete": true, "attr_no_edit": false, "attr_hidden": false}])
}

pub fn ap_groups() -> Value {
    json!([
        {"_id": "61ae856a8eae567c3905c565", "name": "All APs", "attr_hidden_id": "default",
         "attr_no_delete": true, "device_macs": ["18:e8:29:59:25:bc", "78:45:58:29:fa:87", "68:d7:9a:73:9a:28"],
         "for_wlanconf": true},
        {"_id": "63c5be017e957d08189ed997", "name": "301Andrus", "device_macs": ["78:45:58:29:fa:87", "18:e8:29:59:25:bc"]}
    ])
}

pub fn user_groups() -> Value {
    json!([
        {"_id": "61ae856a8eae567c3905c55e", "name": "Default", "site_id": "61ae856a8eae567c3905c550",
         "attr_no_delete": true, "attr_hidden_id": "Default", "qos_rate_max_down": -1, "qos_rate_max_up": -1},
        {"_id": "ug2", "name": "Guest 10Mbps", "site_id": "61ae856a8eae567c3905c550",
         "qos_rate_max_down": "10000", "qos_rate_max_up": 5000}
    ])
}
