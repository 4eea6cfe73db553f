//! wiremock tests of the UniFi Network Integration API client, with payloads shaped like the
//! ones in Ubiquiti's Network 10.1 OpenAPI document and official examples.

use std::time::Duration;

use futures::TryStreamExt;
use optima_http::testing::{everything_logged, install_log_capture};
use optima_unifi::integration::filter::{Filter, Uuid, prop};
use optima_unifi::integration::{
    ClientType, DeviceState, IntegrationClient, NETWORK_APPLICATION_PREFIX, NetworkRef,
    NewVouchers, WifiBroadcast,
};
use optima_unifi::{Error, RetryPolicy};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "kR7-wq2Zx9_integration-key-5d1f";
const OS: &str = "/proxy/network/integration";
const SITE: &str = "8a1b2c3d-4e5f-6789-abcd-ef0123456789";
const DEVICE: &str = "4f0b8e2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b";

fn site_path(rest: &str) -> String {
    format!("{OS}/v1/sites/{SITE}{rest}")
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(2))
        .jitter(false)
}

fn client(server: &MockServer) -> IntegrationClient {
    install_log_capture();
    IntegrationClient::builder()
        .url(server.uri())
        .api_key(SecretString::from(KEY))
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

fn key_header() -> wiremock::matchers::HeaderExactMatcher {
    header("x-api-key", KEY)
}

fn page(offset: u64, limit: u64, total: u64, data: Vec<Value>) -> Value {
    json!({"offset": offset, "limit": limit, "count": data.len(), "totalCount": total, "data": data})
}

fn device(i: usize) -> Value {
    json!({"id": format!("4f0b8e2a-1c3d-4e5f-8a9b-0c1d2e3f4a{i:02x}"),
           "macAddress": format!("94:2a:6f:26:c6:{i:02x}"), "ipAddress": format!("192.168.1.{}", 50 + i),
           "name": format!("AP {i}"), "model": "UHDIW", "state": "ONLINE", "supported": true,
           "firmwareVersion": "6.6.55", "firmwareUpdatable": false,
           "features": ["accessPoint"], "interfaces": ["ports", "radios"]})
}

fn voucher(id: &str, name: &str, code: &str) -> Value {
    json!({"id": id, "createdAt": "2025-01-29T12:39:11Z", "name": name, "code": code,
           "authorizedGuestLimit": 1, "authorizedGuestCount": 0, "activatedAt": null, "expiresAt": null,
           "expired": false, "timeLimitMinutes": 1440, "dataUsageLimitMBytes": 1024,
           "rxRateLimitKbps": 10000, "txRateLimitKbps": 10000})
}

fn wifi_details() -> Value {
    json!({"type": "STANDARD", "id": "b5a7c1d2-3e4f-4a5b-8c9d-0e1f2a3b4c5d", "name": "Guest", "enabled": true,
           "metadata": {"origin": "USER_DEFINED"},
           "network": {"type": "SPECIFIC", "networkId": "dfb21062-8ea0-4dca-b1d8-1eb3da00e58b"},
           "securityConfiguration": {"type": "WPA2_PERSONAL", "passphrase": "correct-horse-1",
                                     "pmfMode": "OPTIONAL", "fastRoamingEnabled": false},
           "broadcastingDeviceFilter": null, "clientIsolationEnabled": true, "hideName": false,
           "multicastToUnicastConversionEnabled": false, "uapsdEnabled": false,
           "broadcastingFrequenciesGHz": [2.4, 5.0], "bandSteeringEnabled": true, "arpProxyEnabled": false,
           "bssTransitionEnabled": true, "advertiseDeviceName": false,
           "hotspotConfiguration": {"type": "CAPTIVE_PORTAL"}})
}

// ---------------------------------------------------------------- base URL and prefixes

#[tokio::test]
async fn info_on_a_unifi_os_console_sends_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{OS}/v1/info")))
        .and(key_header())
        .and(header("accept", "application/json"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"applicationVersion": "10.1.78"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let info = client(&server).info().await.unwrap();
    assert_eq!(info.application_version.as_deref(), Some("10.1.78"));
}

#[tokio::test]
async fn a_self_hosted_network_application_is_served_under_integration() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/integration/v1/sites"))
        .and(key_header())
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            0,
            25,
            1,
            vec![json!({"id": SITE, "internalReference": "default", "name": "Default"})],
        )))
        .expect(1)
        .mount(&server)
        .await;
    let unifi = IntegrationClient::builder()
        .url(server.uri())
        .api_key(SecretString::from(KEY))
        .path_prefix(NETWORK_APPLICATION_PREFIX)
        .build()
        .unwrap();
    let sites = unifi.sites().list().send().await.unwrap();
    assert_eq!(
        sites.items[0].internal_reference.as_deref(),
        Some("default")
    );

    // The shorthand and a URL that already carries the prefix land on the same path.
    let same = IntegrationClient::builder()
        .url(format!("{}/integration", server.uri()))
        .api_key(SecretString::from(KEY))
        .build()
        .unwrap();
    assert_eq!(same.base_url(), unifi.base_url());
    let short = IntegrationClient::builder()
        .url(server.uri())
        .api_key(SecretString::from(KEY))
        .network_application()
        .build()
        .unwrap();
    assert_eq!(short.base_url(), unifi.base_url());
}

#[tokio::test]
async fn a_url_already_ending_in_the_console_prefix_is_used_as_is() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{OS}/v1/info")))
        .and(key_header())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"applicationVersion": "9.1.120"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let unifi = IntegrationClient::builder()
        .url(format!("{}{OS}/", server.uri()))
        .api_key(SecretString::from(KEY))
        .build()
        .unwrap();
    assert_eq!(
        unifi.info().await.unwrap().application_version.as_deref(),
        Some("9.1.120")
    );
}

// ---------------------------------------------------------------- paging and filters

#[tokio::test]
async fn sites_page_reports_the_envelope() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{OS}/v1/sites")))
        .and(query_param("offset", "0"))
        .and(query_param_is_missing("limit"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            0,
            25,
            1,
            vec![json!({"id": SITE, "internalReference": "default", "name": "Default"})],
        )))
        .mount(&server)
        .await;
    let p = client(&server).sites().list().send().await.unwrap();
    assert_eq!(
        (p.offset, p.limit, p.count, p.total_count),
        (0, Some(25), 1, Some(1))
    );
    assert!(!p.has_next());
    assert_eq!(p.items[0].id.as_deref(), Some(SITE));
    assert_eq!(p.items[0].name.as_deref(), Some("Default"));
}

#[tokio::test]
async fn device_lists_stream_across_three_pages_with_the_filter_on_each() {
    let server = MockServer::start().await;
    let filter = Filter::and([
        prop("state").eq("ONLINE"),
        prop("features").contains("accessPoint"),
    ]);
    let expected = "and(state.eq('ONLINE'), features.contains('accessPoint'))";
    for (offset, items) in [(0usize, 0..2usize), (2, 2..4), (4, 4..5)] {
        Mock::given(method("GET"))
            .and(path(site_path("/devices")))
            .and(key_header())
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", "2"))
            .and(query_param("filter", expected))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(
                offset as u64,
                2,
                5,
                items.map(device).collect(),
            )))
            .expect(1)
            .mount(&server)
            .await;
    }
    let unifi = client(&server);
    let devices: Vec<_> = unifi
        .site(SITE)
        .devices()
        .list()
        .limit(2)
        .filter(filter)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(devices.len(), 5);
    let names: Vec<_> = devices.iter().map(|d| d.name.clone().unwrap()).collect();
    assert_eq!(names, ["AP 0", "AP 1", "AP 2", "AP 3", "AP 4"]);
    assert!(devices.iter().all(|d| d.state == Some(DeviceState::Online)));
    assert!(devices[0].is_access_point());
}

#[tokio::test]
async fn a_page_streams_on_from_where_it_stands_and_stops_on_an_empty_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(site_path("/clients")))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            0,
            1,
            3,
            vec![json!({"type": "WIRED", "id": "c0", "macAddress": "aa:bb:cc:dd:ee:00"})],
        )))
        .expect(1)
        .mount(&server)
        .await;
    // totalCount said 3, but the second page comes back empty: stop rather than loop.
    Mock::given(method("GET"))
        .and(path(site_path("/clients")))
        .and(query_param("offset", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(1, 1, 3, vec![])))
        .expect(1)
        .mount(&server)
        .await;
    let first = client(&server)
        .site(SITE)
        .clients()
        .list()
        .limit(1)
        .send()
        .await
        .unwrap();
    assert!(first.has_next());
    let all: Vec<_> = first.stream().try_collect().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].client_type, Some(ClientType::Wired));
}

#[tokio::test]
async fn paging_follows_the_offsets_asked_for_even_when_the_console_echoes_a_stale_one() {
    let server = MockServer::start().await;
    // Every page claims offset 0: following that would ask for offset 1 for ever.
    for offset in 0..3 {
        Mock::given(method("GET"))
            .and(path(site_path("/clients")))
            .and(query_param("offset", offset.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(
                0,
                1,
                3,
                vec![json!({"type": "WIRED", "id": format!("c{offset}")})],
            )))
            .expect(1)
            .mount(&server)
            .await;
    }
    let all: Vec<_> = client(&server)
        .site(SITE)
        .clients()
        .list()
        .limit(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|c| c.id.clone().unwrap()).collect();
    assert_eq!(ids, ["c0", "c1", "c2"]);
}

#[tokio::test]
async fn a_url_ending_in_the_network_path_or_a_custom_prefix_is_not_given_it_twice() {
    let server = MockServer::start().await;
    for (url, prefix) in [
        (format!("{}/proxy/network", server.uri()), None),
        (format!("{}/custom/api", server.uri()), Some("/custom/api")),
    ] {
        let mut builder = IntegrationClient::builder()
            .url(url)
            .api_key(SecretString::from(KEY));
        if let Some(prefix) = prefix {
            builder = builder.path_prefix(prefix);
        }
        let expected = format!("{}{}", server.uri(), prefix.unwrap_or(OS));
        assert_eq!(builder.build().unwrap().base_url(), expected);
    }
}

#[tokio::test]
async fn a_voucher_deletion_without_a_count_is_not_taken_as_one() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(site_path("/hotspot/vouchers/v1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let err = client(&server)
        .site(SITE)
        .vouchers()
        .delete("v1")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnexpectedResponse(_)), "{err:?}");
}

#[tokio::test]
async fn a_limit_above_the_maximum_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(0, 0, 0, vec![])))
        .expect(0)
        .mount(&server)
        .await;
    let site = client(&server).site(SITE);
    let err = site.devices().list().limit(201).send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    let err = site.vouchers().list().limit(1001).send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    let err = site
        .devices()
        .list()
        .filter(Filter::or(Vec::<Filter>::new()))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
}

// ---------------------------------------------------------------- devices

#[tokio::test]
async fn device_details_statistics_restart_and_port_power_cycle() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(site_path(&format!("/devices/{DEVICE}"))))
        .and(key_header())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": DEVICE, "macAddress": "70:a7:41:65:c0:ce", "ipAddress": "192.168.1.20",
            "name": "USW Lite 8", "model": "USL8LP", "supported": true, "state": "ONLINE",
            "firmwareVersion": "7.1.26", "firmwareUpdatable": false,
            "adoptedAt": "2024-03-01T10:00:00Z", "provisionedAt": "2025-01-29T12:00:00Z",
            "configurationId": "7596498d2f367dc2", "uplink": {"deviceId": "9c2d0000-0000-4000-8000-000000000001"},
            "features": {"switching": {}},
            "interfaces": {"ports": [{"idx": 1, "state": "UP", "connector": "RJ45", "maxSpeedMbps": 1000,
                                      "speedMbps": 1000, "poe": {"standard": "802.3at", "type": 2,
                                      "enabled": true, "state": "UP"}}]},
            "serialNumber": "F4E2C6000000"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(site_path(&format!("/devices/{DEVICE}/statistics/latest"))))
        .and(key_header())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "uptimeSec": 3971849, "lastHeartbeatAt": "2025-01-29T12:39:11Z",
            "nextHeartbeatAt": "2025-01-29T12:39:41Z", "loadAverage1Min": 0.15, "loadAverage5Min": 0.08,
            "loadAverage15Min": 0.02, "cpuUtilizationPct": 3.1, "memoryUtilizationPct": 27.4,
            "uplink": {"txRateBps": 40000, "rxRateBps": 1380000},
            "interfaces": {"radios": [{"frequencyGHz": 2.4, "txRetriesPct": 4.2},
                                      {"frequencyGHz": 5, "txRetriesPct": 1.3}]}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(site_path(&format!("/devices/{DEVICE}/actions"))))
        .and(key_header())
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"action": "RESTART"})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(site_path(&format!(
            "/devices/{DEVICE}/interfaces/ports/3/actions"
        ))))
        .and(body_json(json!({"action": "POWER_CYCLE"})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let devices = client(&server).site(SITE).devices();
    let d = devices.get(DEVICE).await.unwrap();
    assert_eq!(d.model.as_deref(), Some("USL8LP"));
    assert_eq!(d.configuration_id.as_deref(), Some("7596498d2f367dc2"));
    assert!(d.features.as_ref().unwrap().contains_key("switching"));
    let ports = &d.interfaces.as_ref().unwrap().ports;
    assert_eq!(ports[0].idx, Some(1));
    assert_eq!(ports[0].poe.as_ref().unwrap().poe_type, Some(2));
    assert_eq!(d.extra["serialNumber"], "F4E2C6000000");

    let s = devices.latest_statistics(DEVICE).await.unwrap();
    assert_eq!(s.uptime_sec, Some(3_971_849));
    assert_eq!(s.memory_utilization_pct, Some(27.4));
    assert_eq!(s.uplink.as_ref().unwrap().rx_rate_bps, Some(1_380_000));
    let radios = &s.interfaces.as_ref().unwrap().radios;
    assert_eq!(radios[1].frequency_ghz, Some(5.0));
    assert_eq!(radios[0].tx_retries_pct, Some(4.2));

    devices.restart(DEVICE).await.unwrap();
    devices.power_cycle_port(DEVICE, 3).await.unwrap();
    assert!(matches!(
        devices.power_cycle_port(DEVICE, 0).await,
        Err(Error::InvalidInput(_))
    ));
}

// ---------------------------------------------------------------- clients and networks

#[tokio::test]
async fn clients_list_and_get() {
    let server = MockServer::start().await;
    let guest = json!({"type": "WIRELESS", "id": "0e3c0000-0000-4000-8000-000000000002", "name": "Laptop",
                       "connectedAt": "2024-01-15T11:45:00Z", "ipAddress": "192.168.1.101",
                       "macAddress": "aa:bb:cc:dd:ee:02", "uplinkDeviceId": DEVICE,
                       "access": {"type": "GUEST", "authorized": true}});
    let vpn = json!({"type": "VPN", "id": "0e3c0000-0000-4000-8000-000000000003", "name": "Remote",
                     "connectedAt": "2024-01-15T11:50:00Z", "ipAddress": "192.168.2.5",
                     "access": {"type": "DEFAULT"}});
    Mock::given(method("GET"))
        .and(path(site_path("/clients")))
        .and(query_param("filter", "access.type.eq('GUEST')"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            0,
            25,
            2,
            vec![guest.clone(), vpn],
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(site_path(
            "/clients/0e3c0000-0000-4000-8000-000000000002",
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(guest))
        .mount(&server)
        .await;
    let clients = client(&server).site(SITE).clients();
    // `all()` asks for the largest page; the mock ignores `limit`, and totalCount 2 ends it.
    let all = clients
        .list()
        .filter(prop("access.type").eq("GUEST"))
        .all()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert!(all[0].is_guest());
    assert_eq!(all[1].client_type, Some(ClientType::Vpn));
    assert_eq!(all[1].mac_address, None);
    let one = clients
        .get("0e3c0000-0000-4000-8000-000000000002")
        .await
        .unwrap();
    assert_eq!(one.uplink_device_id.as_deref(), Some(DEVICE));
}

#[tokio::test]
async fn networks_list_and_get() {
    let server = MockServer::start().await;
    let iot = json!({"management": "GATEWAY", "id": "dfb21062-8ea0-4dca-b1d8-1eb3da00e58b", "name": "IoT",
                     "enabled": true, "vlanId": 30, "metadata": {"origin": "USER_DEFINED"}, "default": false,
                     "zoneId": "ffcdb32c-6278-4364-8947-df4f77118df8"});
    Mock::given(method("GET"))
        .and(path(site_path("/networks")))
        .and(query_param("filter", "vlanId.eq(30)"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(0, 25, 1, vec![iot.clone()])))
        .mount(&server)
        .await;
    let mut details = iot;
    details["ipv4Configuration"] =
        json!({"autoScaleEnabled": false, "hostIpAddress": "192.168.30.1", "prefixLength": 24});
    details["internetAccessEnabled"] = json!(true);
    Mock::given(method("GET"))
        .and(path(site_path(
            "/networks/dfb21062-8ea0-4dca-b1d8-1eb3da00e58b",
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(details))
        .mount(&server)
        .await;
    let networks = client(&server).site(SITE).networks();
    let p = networks
        .list()
        .filter(prop("vlanId").eq(30))
        .send()
        .await
        .unwrap();
    assert_eq!(p.items[0].vlan_id, Some(30));
    assert_eq!(
        p.items[0].metadata.as_ref().unwrap().origin.as_deref(),
        Some("USER_DEFINED")
    );
    let n = networks
        .get("dfb21062-8ea0-4dca-b1d8-1eb3da00e58b")
        .await
        .unwrap();
    assert_eq!(n.ipv4_configuration.as_ref().unwrap()["prefixLength"], 24);
    assert_eq!(n.extra["internetAccessEnabled"], true);
}

// ---------------------------------------------------------------- Wi-Fi broadcasts

#[tokio::test]
async fn wifi_broadcasts_list_get_create_update_delete() {
    let server = MockServer::start().await;
    let id = "b5a7c1d2-3e4f-4a5b-8c9d-0e1f2a3b4c5d";
    Mock::given(method("GET"))
        .and(path(site_path("/wifi/broadcasts")))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            0,
            25,
            1,
            vec![json!({"type": "STANDARD", "id": id, "name": "Guest", "enabled": true,
                        "metadata": {"origin": "USER_DEFINED"},
                        "network": {"type": "NATIVE"},
                        "securityConfiguration": {"type": "WPA2_PERSONAL", "presharedKeyNetworkIds": ["n1"]},
                        "broadcastingDeviceFilter": null, "broadcastingFrequenciesGHz": [2.4, 5, 6]})],
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(site_path(&format!("/wifi/broadcasts/{id}"))))
        .respond_with(ResponseTemplate::new(200).set_body_json(wifi_details()))
        .mount(&server)
        .await;
    let mut create_body = wifi_details();
    create_body.as_object_mut().unwrap().remove("id");
    create_body.as_object_mut().unwrap().remove("metadata");
    Mock::given(method("POST"))
        .and(path(site_path("/wifi/broadcasts")))
        .and(key_header())
        .and(body_json(create_body))
        .respond_with(ResponseTemplate::new(201).set_body_json(wifi_details()))
        .expect(1)
        .mount(&server)
        .await;
    let mut put_body = wifi_details();
    put_body.as_object_mut().unwrap().remove("id");
    put_body.as_object_mut().unwrap().remove("metadata");
    put_body["hideName"] = json!(true);
    let mut updated = wifi_details();
    updated["hideName"] = json!(true);
    Mock::given(method("PUT"))
        .and(path(site_path(&format!("/wifi/broadcasts/{id}"))))
        .and(body_json(put_body))
        .respond_with(ResponseTemplate::new(200).set_body_json(updated))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(site_path(&format!("/wifi/broadcasts/{id}"))))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let wifi = client(&server).site(SITE).wifi_broadcasts();
    let listed = wifi.list().send().await.unwrap();
    assert_eq!(
        listed.items[0].broadcasting_frequencies_ghz,
        [2.4, 5.0, 6.0]
    );
    assert_eq!(
        listed.items[0]
            .security_configuration
            .as_ref()
            .unwrap()
            .preshared_key_network_ids,
        ["n1"]
    );

    let fetched = wifi.get(id).await.unwrap();
    assert_eq!(
        fetched.network.as_ref().unwrap().network_id.as_deref(),
        Some("dfb21062-8ea0-4dca-b1d8-1eb3da00e58b")
    );
    assert!(!format!("{fetched:?}").contains("correct-horse-1"));

    // Create from a fetched object (what a copy between sites does): read-only fields stay home,
    // unmodelled ones (uapsdEnabled, bandSteeringEnabled …) travel along.
    let created = wifi.create(&fetched.for_update()).await.unwrap();
    assert_eq!(created.id.as_deref(), Some(id));

    let mut changed: WifiBroadcast = fetched.for_update();
    changed.hide_name = Some(true);
    let after = wifi.update(id, &changed).await.unwrap();
    assert_eq!(after.hide_name, Some(true));

    wifi.delete(id).await.unwrap();

    // A typed network reference serializes as the API spells it.
    assert_eq!(
        serde_json::to_value(NetworkRef::specific("n1")).unwrap(),
        json!({"type": "SPECIFIC", "networkId": "n1"})
    );
}

// ---------------------------------------------------------------- vouchers

#[tokio::test]
async fn vouchers_list_create_get_delete_and_delete_by_filter() {
    let server = MockServer::start().await;
    let v1 = "0b9f1c2e-0000-4000-8000-000000000001";
    let v2 = "0b9f1c2e-0000-4000-8000-000000000002";
    Mock::given(method("GET"))
        .and(path(site_path("/hotspot/vouchers")))
        .and(query_param("limit", "1000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            0,
            1000,
            1,
            vec![voucher(v1, "hotel-guest", "4861409510")],
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(site_path("/hotspot/vouchers")))
        .and(key_header())
        .and(body_json(
            json!({"count": 2, "name": "Event Pass", "timeLimitMinutes": 1440,
                              "authorizedGuestLimit": 1, "dataUsageLimitMBytes": 1024,
                              "rxRateLimitKbps": 10000, "txRateLimitKbps": 10000}),
        ))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"vouchers": [
                voucher(v1, "Event Pass", "4861409510"), voucher(v2, "Event Pass", "0012345678")
            ]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(site_path(&format!("/hotspot/vouchers/{v2}"))))
        .respond_with(ResponseTemplate::new(200).set_body_json(voucher(
            v2,
            "Event Pass",
            "0012345678",
        )))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(site_path(&format!("/hotspot/vouchers/{v2}"))))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"vouchersDeleted": 1})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(site_path("/hotspot/vouchers")))
        .and(query_param(
            "filter",
            "and(name.eq('O''Brien'), expired.eq(true))",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"vouchersDeleted": 3})))
        .expect(1)
        .mount(&server)
        .await;

    let vouchers = client(&server).site(SITE).vouchers();
    let all = vouchers.list().all().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].code.as_deref(), Some("4861409510"));
    assert_eq!(all[0].activated_at, None);

    let created = vouchers
        .create(
            &NewVouchers::new("Event Pass", 1440)
                .count(2)
                .guest_limit(1)
                .data_limit_mbytes(1024)
                .rate_limits_kbps(10000, 10000),
        )
        .await
        .unwrap();
    assert_eq!(created.len(), 2);
    assert_eq!(
        created[1].code.as_deref(),
        Some("0012345678"),
        "codes stay text"
    );
    assert_eq!(created[0].data_usage_limit_mbytes, Some(1024));

    let one = vouchers.get(v2).await.unwrap();
    assert_eq!(one.time_limit_minutes, Some(1440));
    assert_eq!(vouchers.delete(v2).await.unwrap(), 1);
    let gone = vouchers
        .delete_matching(&Filter::and([
            prop("name").eq("O'Brien"),
            prop("expired").eq(true),
        ]))
        .await
        .unwrap();
    assert_eq!(gone, 3);

    // Out-of-range requests never leave the client (the POST mock expects exactly one call).
    assert!(matches!(
        vouchers
            .create(&NewVouchers::new("x", 60).count(1001))
            .await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        vouchers
            .delete_matching(&prop("id").is_in(Vec::<Uuid>::new()))
            .await,
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(
        prop("id")
            .is_in([Uuid::parse(v1).unwrap()])
            .to_query()
            .unwrap(),
        format!("id.in({v1})")
    );
}

// ---------------------------------------------------------------- errors

#[tokio::test]
async fn an_invalid_key_gives_a_clear_unauthorized_error_without_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{OS}/v1/info")))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "statusCode": 401, "statusName": "UNAUTHORIZED",
            "code": "api.authentication.invalid-credentials",
            // A console that echoes the key it refused: the error must not carry it on.
            "message": format!("Invalid credentials: {KEY}"),
            "timestamp": "2024-11-27T08:13:46.966Z", "requestPath": "/integration/v1/info",
            "requestId": "3fa85f64-5717-4562-b3fc-2c963f66afa6"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).info().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert!(matches!(err, Error::Unauthorized { .. }));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        err.request_id(),
        Some("3fa85f64-5717-4562-b3fc-2c963f66afa6")
    );
    assert_eq!(
        err.api_code(),
        Some("api.authentication.invalid-credentials")
    );
    assert!(!err.is_transient());
    let shown = err.to_string();
    assert!(shown.contains("API key"), "{shown}");
    assert!(shown.contains("401"), "{shown}");
    assert!(
        shown.contains("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
        "{shown}"
    );
    assert!(!shown.contains(KEY), "{shown}");
    assert!(!format!("{err:?}").contains(KEY));
    let message = err.integration_error().unwrap().message.as_deref().unwrap();
    assert!(message.starts_with("Invalid credentials"), "{message}");
    assert!(!message.contains(KEY), "{message}");
}

#[tokio::test]
async fn a_401_without_the_envelope_is_still_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{OS}/v1/sites")))
        .respond_with(ResponseTemplate::new(401).set_body_string("denied"))
        .mount(&server)
        .await;
    let err = client(&server).sites().list().send().await.unwrap_err();
    assert!(err.is_unauthorized());
    assert!(matches!(err, Error::Unauthorized { envelope: None }));
    assert_eq!(err.request_id(), None);
    assert!(!err.to_string().contains(KEY));
}

#[tokio::test]
async fn an_error_envelope_is_mapped_with_its_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(site_path(&format!("/devices/{DEVICE}"))))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "statusCode": 404, "statusName": "NOT_FOUND", "code": "api.resource.not-found",
            "message": "Device not found", "timestamp": "2025-01-29T12:39:11.001Z",
            "requestPath": format!("/integration/v1/sites/{SITE}/devices/{DEVICE}"),
            "requestId": "9b2e1d3c-0000-4000-8000-00000000abcd"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(site_path("/hotspot/vouchers")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            // As in the official example: the body's status disagrees with the HTTP one.
            "statusCode": 400, "statusName": "UNAUTHORIZED", "code": "api.request.invalid",
            "message": "timeLimitMinutes must be positive", "requestId": "aa11"
        })))
        .mount(&server)
        .await;
    let site = client(&server).site(SITE);
    let err = site.devices().get(DEVICE).await.unwrap_err();
    match &err {
        Error::Integration { status, envelope } => {
            assert_eq!(*status, 404);
            assert_eq!(envelope.status_name.as_deref(), Some("NOT_FOUND"));
            assert_eq!(
                envelope.timestamp.as_deref(),
                Some("2025-01-29T12:39:11.001Z")
            );
            assert!(envelope.request_path.as_deref().unwrap().ends_with(DEVICE));
        }
        other => panic!("expected Error::Integration, got {other:?}"),
    }
    assert!(err.is_not_found());
    assert!(!err.is_unauthorized());
    assert_eq!(
        err.request_id(),
        Some("9b2e1d3c-0000-4000-8000-00000000abcd")
    );
    assert_eq!(
        err.to_string(),
        "UniFi Integration API error api.resource.not-found (HTTP 404 Not Found): Device not found \
         [requestId 9b2e1d3c-0000-4000-8000-00000000abcd]"
    );

    let err = site
        .vouchers()
        .create(&NewVouchers::new("x", 60))
        .await
        .unwrap_err();
    assert_eq!(
        err.status().map(|s| s.as_u16()),
        Some(400),
        "the HTTP status wins"
    );
    assert!(err.is_validation());
    assert!(!err.is_unauthorized());
    assert_eq!(err.request_id(), Some("aa11"));
}

#[tokio::test]
async fn errors_without_an_envelope_keep_the_body_and_never_echo_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{OS}/v1/info")))
        .respond_with(
            ResponseTemplate::new(500).set_body_string(format!("upstream said: bad key {KEY}")),
        )
        .mount(&server)
        .await;
    let err = client(&server).info().await.unwrap_err();
    match &err {
        Error::Http { status, body } if status.as_u16() == 500 => {
            assert!(body.contains("upstream said"), "{body}");
            assert!(!body.contains(KEY), "{body}");
        }
        other => panic!("expected Error::Http, got {other:?}"),
    }
}

// ---------------------------------------------------------------- retries and logs

#[tokio::test]
async fn reads_are_retried_but_voucher_creation_is_not() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{OS}/v1/info")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{OS}/v1/info")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"applicationVersion": "10.1.78"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(site_path("/hotspot/vouchers")))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let unifi = client(&server);
    assert!(unifi.info().await.is_ok());
    let err = unifi
        .site(SITE)
        .vouchers()
        .create(&NewVouchers::new("x", 60))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(err.is_transient());
}

#[tokio::test]
async fn the_key_never_reaches_the_logs() {
    install_log_capture();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{OS}/v1/info")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{OS}/v1/info")))
        .and(key_header())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"applicationVersion": "10.1.78"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{OS}/v1/sites")))
        .respond_with(ResponseTemplate::new(401).set_body_string(""))
        .mount(&server)
        .await;
    let unifi = client(&server);
    unifi.info().await.unwrap();
    let err = unifi.sites().list().send().await.unwrap_err();
    tracing::error!(error = %err, debug = ?err, client = ?unifi, "logged-by-the-caller");

    let logs = everything_logged();
    let ours: Vec<&str> = logs
        .lines()
        .filter(|l| {
            l.contains(&server.address().port().to_string()) || l.contains("logged-by-the-caller")
        })
        .collect();
    assert!(
        logs.contains("transient response, retrying") && logs.contains("/v1/info"),
        "the request was logged: {logs}"
    );
    assert!(
        ours.iter().any(|l| l.contains("rejected the API key")),
        "{logs}"
    );
    // Every test of this file uses the same key, so this covers all their logs so far.
    assert!(!logs.contains(KEY), "the key leaked into the logs: {logs}");

    // And the header did go out on every request.
    let requests: Vec<Request> = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.headers.get("x-api-key").map(|v| v.as_bytes()) == Some(KEY.as_bytes()))
    );
}
