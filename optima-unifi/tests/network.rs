//! wiremock tests of the UniFi Network client on both controller kinds.

#![recursion_limit = "256"]

use std::sync::atomic::Ordering;
use std::time::Duration;

use optima_unifi::testing::*;
use optima_unifi::{
    ApiErrorKind, Band, ControllerKind, Error, NewApGroup, NewPpsk, NewUserGroup, RateLimit,
    Security, UnifiClient, WlanBand, WlanUpdate, WpaMode,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, header_regex, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn mount_get(server: &MockServer, kind: Kind, p: &str, data: Value) {
    Mock::given(method("GET"))
        .and(path(kind.api(p)))
        .and(header_regex("cookie", &session_cookie(kind, 1)))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(data)))
        .expect(1..)
        .mount(server)
        .await;
}

/// Every operation of the Network client against one controller kind.
async fn every_operation(kind: Kind) {
    let server = MockServer::start().await;
    let logins = mount_login(&server, kind).await;
    let unifi = client(&server);
    let site = unifi.site("default");

    mount_get(&server, kind, "/api/self/sites", sites()).await;
    mount_get(&server, kind, "/api/s/default/stat/health", health()).await;
    mount_get(&server, kind, "/api/s/default/stat/sysinfo", sysinfo()).await;
    mount_get(
        &server,
        kind,
        "/api/s/default/stat/device",
        json!([ap_new(), switch(), ap_old()]),
    )
    .await;
    mount_get(
        &server,
        kind,
        "/api/s/default/rest/wlanconf",
        json!([wlan_new(), wlan_old()]),
    )
    .await;
    mount_get(
        &server,
        kind,
        &format!("/api/s/default/rest/wlanconf/{WLAN_ID}"),
        json!([wlan_old()]),
    )
    .await;
    mount_get(&server, kind, "/api/s/default/rest/networkconf", networks()).await;
    mount_get(
        &server,
        kind,
        "/api/s/default/rest/wlangroup",
        wlan_groups(),
    )
    .await;
    mount_get(
        &server,
        kind,
        "/api/s/default/rest/usergroup",
        user_groups(),
    )
    .await;
    Mock::given(method("GET"))
        .and(path(kind.api("/v2/api/site/default/apgroups")))
        .and(header_regex("cookie", &session_cookie(kind, 1)))
        .respond_with(ResponseTemplate::new(200).set_body_json(ap_groups()))
        .expect(1)
        .mount(&server)
        .await;
    // Writes carry the CSRF token from the login.
    let csrf = "csrf-1";
    Mock::given(method("POST"))
        .and(path(kind.api("/api/s/default/cmd/sitemgr")))
        .and(header("x-csrf-token", csrf))
        .and(body_json(
            json!({"cmd": "add-site", "desc": "New Office Site"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([
            {"_id": "6650aaaa", "name": "abc123", "desc": "New Office Site"}
        ]))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(kind.api("/api/s/default/rest/wlanconf/66eb36e54bb53f0ae3fb82bd")))
        .and(header("x-csrf-token", csrf))
        .and(body_json(json!({"name": "NewSSIDName", "x_passphrase": "NewPassword123", "enabled": true,
                               "security": "wpapsk", "wpa_mode": "wpa2", "hide_ssid": false, "is_guest": false})))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([{
            "_id": "66eb36e54bb53f0ae3fb82bd", "name": "NewSSIDName", "x_passphrase": "NewPassword123",
            "enabled": true, "security": "wpapsk", "wpa_mode": "wpa2", "wlan_bands": ["2g"]
        }]))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(kind.api("/api/s/default/rest/wlangroup")))
        .and(header("x-csrf-token", csrf))
        .and(body_json(json!({"name": "Lobby APs"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([
            {"_id": "wg2", "name": "Lobby APs", "site_id": "61ae856a8eae567c3905c550"}
        ]))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(kind.api("/v2/api/site/default/apgroups")))
        .and(header("x-csrf-token", csrf))
        .and(body_json(
            json!({"name": "Lobby", "device_macs": ["18:e8:29:59:25:bc"]}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(
            {"_id": "apg3", "name": "Lobby", "device_macs": ["18:e8:29:59:25:bc"]}
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(kind.api("/api/s/default/rest/usergroup")))
        .and(header("x-csrf-token", csrf))
        .and(body_json(json!({"name": "Guest 10Mbps", "qos_rate_max_down": 10000, "qos_rate_max_up": -1})))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([
            {"_id": "ug9", "name": "Guest 10Mbps", "qos_rate_max_down": 10000, "qos_rate_max_up": -1}
        ]))))
        .expect(1)
        .mount(&server)
        .await;

    let expected_kind = match kind {
        Kind::Classic => ControllerKind::Classic,
        Kind::UnifiOs => ControllerKind::UnifiOs,
    };
    assert_eq!(unifi.kind().await.unwrap(), expected_kind);

    let s = unifi.sites().list().await.unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[1].name.as_deref(), Some("km9b1v8i"));
    assert_eq!(s[1].desc.as_deref(), Some("Total Tech - Murray Office"));
    assert_eq!(s[0].attr_no_delete, Some(true));
    assert_eq!(s[1].extra["device_count"], 2);
    let one = unifi.sites().get("km9b1v8i").await.unwrap();
    assert_eq!(one.id.as_deref(), Some("61ae856a8eae567c3905c54f"));
    assert!(unifi.sites().get("nope").await.unwrap_err().is_not_found());

    let created = unifi.sites().create("New Office Site").await.unwrap();
    assert_eq!(created.name.as_deref(), Some("abc123"));

    let h = site.health().await.unwrap();
    assert_eq!(h[0].num_ap, Some(1));
    assert_eq!(h[1].num_gateway(), Some(1));
    assert_eq!(h[1].wan_ip.as_deref(), Some("203.0.113.9"));
    assert_eq!(h[0].extra["tx_bytes-r"], 1024);

    let si = site.sysinfo().await.unwrap();
    assert_eq!(si.timezone.as_deref(), Some("America/Denver"));
    assert_eq!(si.version.as_deref(), Some("8.6.9"));
    assert_eq!(si.hostname.as_deref(), Some("UniFi-Controller"));

    let devices = site.devices().list().await.unwrap();
    assert_eq!(devices.len(), 3);
    let aps = site.devices().access_points().await.unwrap();
    assert_eq!(aps.len(), 2);
    assert!(aps.iter().all(|d| d.is_access_point()));
    assert_eq!(aps[0].uplink.as_ref().unwrap().uplink_remote_port, Some(5));

    let limits = site.ssid_limits().await.unwrap();
    assert_eq!(limits.len(), 2);
    assert_eq!(limits[0].radios[0].names, vec!["TTAD", "Corp-6E"]);

    let wlans = site.wlans().list().await.unwrap();
    assert_eq!(wlans.len(), 2);
    let w = site.wlans().get(WLAN_ID).await.unwrap();
    assert_eq!(w.passphrase(), Some("S3cur3Alarm!"));

    let patch = WlanUpdate::new()
        .name("NewSSIDName")
        .passphrase(SecretString::from("NewPassword123"))
        .enabled(true)
        .security(Security::WpaPsk)
        .wpa_mode(WpaMode::Wpa2)
        .hide_ssid(false)
        .is_guest(false);
    let updated = site
        .wlans()
        .update("66eb36e54bb53f0ae3fb82bd", &patch)
        .await
        .unwrap();
    assert_eq!(updated.name.as_deref(), Some("NewSSIDName"));
    assert_eq!(updated.passphrase(), Some("NewPassword123"));

    let nets = site.networks().list().await.unwrap();
    assert_eq!(nets.len(), 3);
    assert_eq!(nets[0].vlan_id(), None);
    assert_eq!(nets[1].vlan_id(), Some(100));

    let wg = site.wlan_groups().list().await.unwrap();
    assert_eq!(wg[0].attr_no_delete, Some(true));
    let wg2 = site.wlan_groups().create("Lobby APs").await.unwrap();
    assert_eq!(wg2.id.as_deref(), Some("wg2"));

    let apg = site.ap_groups().list().await.unwrap();
    assert_eq!(apg[0].device_macs.len(), 3);
    assert_eq!(apg[1].attr_no_delete, None);
    let apg3 = site
        .ap_groups()
        .create(&NewApGroup::new("Lobby", ["18:e8:29:59:25:bc"]))
        .await
        .unwrap();
    assert_eq!(apg3.id.as_deref(), Some("apg3"));

    let ug = site.speed_profiles().list().await.unwrap();
    assert_eq!(ug[0].download_limit(), RateLimit::Unlimited);
    assert_eq!(ug[1].download_limit(), RateLimit::Kbps(10000));
    assert_eq!(ug[1].upload_limit(), RateLimit::Kbps(5000));
    let created = site
        .user_groups()
        .create(&NewUserGroup::new("Guest 10Mbps").download(RateLimit::Kbps(10000)))
        .await
        .unwrap();
    assert_eq!(created.upload_limit(), RateLimit::Unlimited);

    assert_eq!(
        logins.load(Ordering::SeqCst),
        1,
        "one login for the whole session"
    );
}

#[tokio::test]
async fn every_operation_on_a_classic_controller() {
    every_operation(Kind::Classic).await;
}

#[tokio::test]
async fn every_operation_on_a_unifi_os_console() {
    every_operation(Kind::UnifiOs).await;
}

#[tokio::test]
async fn detection_uses_get_root_without_following_redirects() {
    for (kind, expected) in [
        (Kind::UnifiOs, ControllerKind::UnifiOs),
        (Kind::Classic, ControllerKind::Classic),
    ] {
        let server = MockServer::start().await;
        mount_detection(&server, kind).await;
        // The classic redirect target would answer 200: following it would detect wrongly.
        Mock::given(method("GET"))
            .and(path("/manage"))
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .mount(&server)
            .await;
        let unifi = client(&server);
        assert_eq!(unifi.kind().await.unwrap(), expected);
        // Detected once, then cached.
        assert_eq!(unifi.kind().await.unwrap(), expected);
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn an_explicit_kind_skips_detection() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let login = LoginResponder::new(Kind::Classic);
    Mock::given(method("POST"))
        .and(path("/api/login"))
        .respond_with(login)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/s/default/stat/health"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(health())))
        .mount(&server)
        .await;
    let unifi = quick_retries(
        UnifiClient::builder()
            .url(server.uri())
            .username(USERNAME)
            .password(SecretString::from(PASSWORD))
            .kind(ControllerKind::Classic),
    )
    .build()
    .unwrap();
    assert_eq!(unifi.site("default").health().await.unwrap().len(), 3);
}

#[tokio::test]
async fn login_sends_the_right_body_per_kind() {
    for kind in [Kind::Classic, Kind::UnifiOs] {
        let server = MockServer::start().await;
        mount_detection(&server, kind).await;
        let remember = match kind {
            Kind::Classic => json!({"username": "admin", "password": PASSWORD, "remember": true}),
            Kind::UnifiOs => json!({"username": "admin", "password": PASSWORD, "rememberMe": true}),
        };
        Mock::given(method("POST"))
            .and(path(kind.login_path()))
            .and(body_json(remember))
            .respond_with(LoginResponder::new(kind))
            .expect(1)
            .mount(&server)
            .await;
        let unifi = client(&server);
        unifi.login().await.unwrap();
        unifi.login().await.unwrap(); // already logged in: no second login
    }
}

#[tokio::test]
async fn csrf_token_is_refreshed_from_responses_and_sent_on_writes() {
    let kind = Kind::UnifiOs;
    let server = MockServer::start().await;
    mount_login(&server, kind).await;
    // Firmware that reports both spellings of the band gets both written.
    let mut both_spellings = wlan_new();
    both_spellings["wlan_bands"] = json!(["2g"]);
    both_spellings["wlan_band"] = json!("2g");
    Mock::given(method("GET"))
        .and(path(kind.api("/api/s/default/rest/wlanconf/w1")))
        .respond_with(
            ResponseTemplate::new(200)
                .append_header("x-updated-csrf-token", "csrf-rotated")
                .set_body_json(ok(json!([both_spellings]))),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(kind.api("/api/s/default/rest/wlanconf/w1")))
        .and(header("x-csrf-token", "csrf-rotated"))
        .and(body_json(
            json!({"wlan_bands": ["2g", "5g"], "wlan_band": "both"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([wlan_new()]))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": "csrf"})))
        .with_priority(10)
        .mount(&server)
        .await;
    let unifi = client(&server);
    unifi
        .site("default")
        .wlans()
        .update("w1", &WlanUpdate::new().band(WlanBand::Both))
        .await
        .unwrap();
    // GETs never carry the token.
    let reqs = server.received_requests().await.unwrap();
    assert!(
        reqs.iter()
            .filter(|r| r.method.as_str() == "GET")
            .all(|r| !r.headers.contains_key("x-csrf-token"))
    );
}

#[tokio::test]
async fn classic_controllers_use_the_csrf_cookie_as_token() {
    let kind = Kind::Classic;
    let server = MockServer::start().await;
    mount_login(&server, kind).await;
    Mock::given(method("POST"))
        .and(path("/api/s/default/rest/wlangroup"))
        .and(header("x-csrf-token", "csrf-1"))
        .and(header_regex("cookie", "unifises=session-1"))
        .and(header_regex("cookie", "csrf_token=csrf-1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(ok(json!([{"_id": "g", "name": "x"}]))),
        )
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .site("default")
        .wlan_groups()
        .create("x")
        .await
        .unwrap();
}

#[tokio::test]
async fn fifty_concurrent_callers_cause_exactly_one_login() {
    for kind in [Kind::Classic, Kind::UnifiOs] {
        let server = MockServer::start().await;
        mount_detection(&server, kind).await;
        let login = LoginResponder::new(kind).with_delay(Duration::from_millis(30));
        let logins = login.counter();
        Mock::given(method("POST"))
            .and(path(kind.login_path()))
            .respond_with(login)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(kind.api("/api/s/default/stat/health")))
            .and(header_regex("cookie", &session_cookie(kind, 1)))
            .respond_with(ResponseTemplate::new(200).set_body_json(ok(health())))
            .expect(50)
            .mount(&server)
            .await;
        let unifi = client(&server);
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let c = unifi.clone();
                tokio::spawn(async move { c.site("default").health().await })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap().len(), 3);
        }
        assert_eq!(logins.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test]
async fn expired_session_401_logs_in_again_once_and_retries() {
    for kind in [Kind::Classic, Kind::UnifiOs] {
        let server = MockServer::start().await;
        let logins = mount_login(&server, kind).await;
        // The first session is expired; the second one works.
        Mock::given(method("GET"))
            .and(path(kind.api("/api/s/default/rest/wlanconf")))
            .and(header_regex("cookie", &session_cookie(kind, 1)))
            .respond_with(
                ResponseTemplate::new(401).set_body_json(error("api.err.LoginRequired", json!([]))),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(kind.api("/api/s/default/rest/wlanconf")))
            .and(header_regex("cookie", &session_cookie(kind, 2)))
            .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([wlan_new()]))))
            .mount(&server)
            .await;
        let unifi = client(&server);
        unifi.login().await.unwrap();
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let c = unifi.clone();
                tokio::spawn(async move { c.site("default").wlans().list().await })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap().len(), 1);
        }
        assert_eq!(
            logins.load(Ordering::SeqCst),
            2,
            "{kind:?}: one re-login shared by all"
        );
    }
}

#[tokio::test]
async fn login_required_in_the_body_triggers_a_relogin() {
    let kind = Kind::Classic;
    let server = MockServer::start().await;
    let logins = mount_login(&server, kind).await;
    Mock::given(method("GET"))
        .and(path("/api/s/default/stat/sysinfo"))
        .and(header_regex("cookie", "unifises=session-1"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(error("api.err.LoginRequired", json!([]))),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/s/default/stat/sysinfo"))
        .and(header_regex("cookie", "unifises=session-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(sysinfo())))
        .mount(&server)
        .await;
    let si = client(&server).site("default").sysinfo().await.unwrap();
    assert_eq!(si.version.as_deref(), Some("8.6.9"));
    assert_eq!(logins.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn relogin_happens_only_once_per_request() {
    let kind = Kind::UnifiOs;
    let server = MockServer::start().await;
    let logins = mount_login(&server, kind).await;
    Mock::given(method("GET"))
        .and(path(kind.api("/api/s/default/stat/health")))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(error("api.err.LoginRequired", json!([]))),
        )
        .expect(2)
        .mount(&server)
        .await;
    let e = client(&server).site("default").health().await.unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::LoginRequired));
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(logins.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn throttled_logins_back_off_then_succeed() {
    let kind = Kind::UnifiOs;
    let server = MockServer::start().await;
    mount_detection(&server, kind).await;
    Mock::given(method("POST"))
        .and(path(kind.login_path()))
        .respond_with(ResponseTemplate::new(429).set_body_string("Too Many Requests"))
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(kind.login_path()))
        .respond_with(LoginResponder::new(kind))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(kind.api("/api/s/default/stat/health")))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(health())))
        .mount(&server)
        .await;
    assert_eq!(
        client(&server)
            .site("default")
            .health()
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn throttled_logins_give_up_after_the_configured_attempts() {
    let kind = Kind::Classic;
    let server = MockServer::start().await;
    mount_detection(&server, kind).await;
    Mock::given(method("POST"))
        .and(path(kind.login_path()))
        .respond_with(ResponseTemplate::new(429))
        .expect(3)
        .mount(&server)
        .await;
    let e = client(&server).site("default").health().await.unwrap_err();
    assert!(matches!(e, Error::LoginThrottled { attempts: 3 }), "{e:?}");
    assert!(e.is_transient());
}

#[tokio::test]
async fn bad_credentials_are_api_err_invalid_on_both_kinds() {
    for kind in [Kind::Classic, Kind::UnifiOs] {
        let server = MockServer::start().await;
        mount_login(&server, kind).await;
        let unifi = quick_retries(
            UnifiClient::builder()
                .url(server.uri())
                .username("admin")
                .password(SecretString::from("wrong")),
        )
        .build()
        .unwrap();
        let e = unifi.site("default").health().await.unwrap_err();
        assert!(e.is_invalid_credentials(), "{kind:?}: {e:?}");
        assert_eq!(e.api_code(), Some("api.err.Invalid"));
    }
}

#[tokio::test]
async fn unknown_site_is_no_site_context() {
    for kind in [Kind::Classic, Kind::UnifiOs] {
        let server = MockServer::start().await;
        mount_login(&server, kind).await;
        Mock::given(method("GET"))
            .and(path(kind.api("/api/s/nosuchsite/rest/wlanconf")))
            .respond_with(
                ResponseTemplate::new(400).set_body_json(error("api.err.NoSiteContext", json!([]))),
            )
            .mount(&server)
            .await;
        let e = client(&server)
            .site("nosuchsite")
            .wlans()
            .list()
            .await
            .unwrap_err();
        assert!(e.is_unknown_site(), "{e:?}");
        assert_eq!(e.api_kind(), Some(ApiErrorKind::NoSiteContext));
        assert_eq!(e.status().map(|s| s.as_u16()), Some(400));
        assert!(e.to_string().contains("api.err.NoSiteContext"));
    }
}

#[tokio::test]
async fn invalid_payload_carries_the_validation_details() {
    let kind = Kind::UnifiOs;
    let server = MockServer::start().await;
    mount_login(&server, kind).await;
    Mock::given(method("PUT"))
        .and(path(kind.api("/api/s/default/rest/wlanconf/w1")))
        .respond_with(ResponseTemplate::new(400).set_body_json(error(
            "api.err.InvalidPayload",
            json!([{"validationError": {"field": "wpa_mode", "pattern": "auto|wpa1|wpa2"},
                    "rc": "error", "msg": "api.err.InvalidPayload"}]),
        )))
        .mount(&server)
        .await;
    let e = client(&server)
        .site("default")
        .wlans()
        .update(
            "w1",
            &WlanUpdate::new().wpa_mode(WpaMode::Other("wpa9".into())),
        )
        .await
        .unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::InvalidPayload));
    assert!(e.is_validation());
    assert_eq!(e.details().len(), 1);
    assert_eq!(e.details()[0]["validationError"]["field"], "wpa_mode");
}

#[tokio::test]
async fn other_api_errors_are_typed() {
    let kind = Kind::Classic;
    let server = MockServer::start().await;
    mount_login(&server, kind).await;
    for (p, code, _) in [
        (
            "/api/s/default/rest/wlanconf/bad",
            "api.err.IdInvalid",
            ApiErrorKind::IdInvalid,
        ),
        (
            "/api/s/default/rest/usergroup",
            "api.err.NoPermission",
            ApiErrorKind::NoPermission,
        ),
        (
            "/api/s/default/rest/networkconf",
            "api.err.InvalidValue",
            ApiErrorKind::InvalidValue,
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(400).set_body_json(error(code, json!([]))))
            .mount(&server)
            .await;
    }
    // An error in meta with HTTP 200 is an error too.
    Mock::given(method("GET"))
        .and(path("/api/s/default/rest/wlangroup"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(error("api.err.Whatever", json!([]))),
        )
        .mount(&server)
        .await;
    let site = client(&server).site("default");
    let e = site.wlans().get("bad").await.unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::IdInvalid));
    assert!(e.is_not_found());
    let e = site.user_groups().list().await.unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::NoPermission));
    let e = site.networks().list().await.unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::InvalidValue));
    let e = site.wlan_groups().list().await.unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::Other));
    assert_eq!(e.api_code(), Some("api.err.Whatever"));
}

#[tokio::test]
async fn http_errors_without_envelope_keep_status_and_body() {
    let kind = Kind::UnifiOs;
    let server = MockServer::start().await;
    mount_login(&server, kind).await;
    Mock::given(method("GET"))
        .and(path(kind.api("/api/s/default/stat/health")))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>Internal error</html>"))
        .mount(&server)
        .await;
    let e = client(&server).site("default").health().await.unwrap_err();
    match e {
        Error::Http { status, body } => {
            assert_eq!(status, 500);
            assert!(body.contains("Internal error"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn idempotent_requests_are_retried_on_503() {
    let kind = Kind::UnifiOs;
    let server = MockServer::start().await;
    mount_login(&server, kind).await;
    Mock::given(method("GET"))
        .and(path(kind.api("/api/s/default/stat/health")))
        .respond_with(ResponseTemplate::new(503).append_header("retry-after", "0"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(kind.api("/api/s/default/stat/health")))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(health())))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server)
            .site("default")
            .health()
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn posts_are_not_retried_on_503() {
    let kind = Kind::UnifiOs;
    let server = MockServer::start().await;
    mount_login(&server, kind).await;
    Mock::given(method("POST"))
        .and(path(kind.api("/api/s/default/rest/wlangroup")))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server)
        .site("default")
        .wlan_groups()
        .create("x")
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503));
}

#[tokio::test]
async fn firmware_generations_decode() {
    let kind = Kind::Classic;
    let server = MockServer::start().await;
    mount_login(&server, kind).await;
    Mock::given(method("GET"))
        .and(path("/api/s/default/rest/wlanconf"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([wlan_old(), wlan_new()]))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/s/default/stat/device"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([ap_old(), ap_new()]))))
        .mount(&server)
        .await;
    let site = client(&server).site("default");
    let wlans = site.wlans().list().await.unwrap();
    let old = &wlans[0];
    assert_eq!(old.wlan_band, Some(WlanBand::TwoG));
    assert_eq!(old.wlan_bands, None);
    assert_eq!(old.bands(), vec![Band::TwoG]);
    assert_eq!(old.group_rekey, Some(0));
    assert_eq!(old.dtim_ng, Some(1));
    assert_eq!(old.vlan, None); // ""
    assert_eq!(old.vlan_enabled, Some(false)); // "false"
    assert_eq!(old.minrate_ng_data_rate_kbps, Some(1000)); // "1000"
    assert!(old.schedule.is_empty()); // null
    assert!(old.mac_filter_list.is_empty());
    assert_eq!(
        old.wlangroup_id.as_deref(),
        Some("61ae856a8eae567c3905c55d")
    );
    assert_eq!(old.extra["x_iapp_key"], "0123456789abcdef");
    assert!(
        !format!("{old:?}").contains("S3cur3Alarm!"),
        "Debug must not print the passphrase"
    );

    let new = &wlans[1];
    assert_eq!(
        new.wlan_bands,
        Some(vec![Band::TwoG, Band::FiveG, Band::SixG])
    );
    assert_eq!(new.band(), None, "6 GHz has no legacy spelling");
    assert_eq!(new.security, Some(Security::WpaPsk));
    assert_eq!(new.wpa_mode, Some(WpaMode::Wpa2));
    assert_eq!(new.minrate_na_data_rate_kbps, Some(6000));
    assert_eq!(
        new.external_id.as_deref(),
        Some("ba0f579c-6b21-4dfc-8d03-5a1a09243328")
    );
    assert_eq!(new.ap_group_ids, vec!["66eb36e44bb53f0ae3fb82bc"]);
    assert_eq!(new.extra["mlo_enabled"], false);

    let devices = site.devices().list().await.unwrap();
    let old_ap = &devices[0];
    assert_eq!(old_ap.state, Some(1));
    assert_eq!(old_ap.state_name().as_deref(), Some("connected"));
    assert_eq!(old_ap.adopted, Some(true));
    assert_eq!(old_ap.uptime, Some(98765));
    assert!(old_ap.radio_table[0].channel.unwrap().is_auto());
    assert!(old_ap.radio_table[0].tx_power.unwrap().is_auto());
    assert_eq!(old_ap.radio_table[0].min_rssi, None);
    assert_eq!(old_ap.radio_table[1].channel.unwrap().as_i64(), Some(44));
    assert_eq!(old_ap.radio_table[1].tx_power.unwrap().as_i64(), Some(17));
    assert_eq!(old_ap.uplink.as_ref().unwrap().speed, None);
    assert_eq!(old_ap.uplink.as_ref().unwrap().up, Some(true));
    let new_ap = &devices[1];
    assert_eq!(new_ap.radio_table[1].tx_power.unwrap().as_i64(), Some(23));
    assert!(new_ap.radio_table[2].channel.unwrap().is_auto());
    assert_eq!(new_ap.radio_table[0].ht, Some(20));
    assert_eq!(new_ap.vap_table[2].num_sta, Some(3));
    assert_eq!(new_ap.extra["satisfaction"], 98);
}

#[tokio::test]
async fn decode_errors_name_the_json_path() {
    let kind = Kind::UnifiOs;
    let server = MockServer::start().await;
    mount_login(&server, kind).await;
    let mut bad = ap_new();
    bad["radio_table"][1]["channel"] = json!("wide");
    Mock::given(method("GET"))
        .and(path(kind.api("/api/s/default/stat/device")))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([switch(), bad]))))
        .mount(&server)
        .await;
    let e = client(&server)
        .site("default")
        .devices()
        .list()
        .await
        .unwrap_err();
    match &e {
        Error::Decode { path, .. } => assert_eq!(path, "data[1].radio_table[1].channel"),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("data[1].radio_table[1].channel"));
}

async fn band_update(
    wlan: Value,
    update: WlanUpdate,
    expected_body: Option<Value>,
) -> Result<(), Error> {
    let kind = Kind::UnifiOs;
    let server = MockServer::start().await;
    mount_login(&server, kind).await;
    Mock::given(method("GET"))
        .and(path(kind.api("/api/s/default/rest/wlanconf/w1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([wlan]))))
        .expect(1)
        .mount(&server)
        .await;
    let put = Mock::given(method("PUT")).and(path(kind.api("/api/s/default/rest/wlanconf/w1")));
    match expected_body {
        Some(body) => {
            put.and(body_json(body))
                .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([wlan_new()]))))
                .expect(1)
                .mount(&server)
                .await
        }
        None => {
            put.respond_with(ResponseTemplate::new(200))
                .expect(0)
                .mount(&server)
                .await
        }
    }
    client(&server)
        .site("default")
        .wlans()
        .update("w1", &update)
        .await
        .map(|_| ())
}

#[tokio::test]
async fn band_is_written_as_wlan_band_on_older_firmware() {
    band_update(
        wlan_old(),
        WlanUpdate::new().band(WlanBand::FiveG).name("Office"),
        Some(json!({"name": "Office", "wlan_band": "5g"})),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn band_is_written_as_wlan_bands_on_newer_firmware() {
    band_update(
        wlan_new(),
        WlanUpdate::new().band(WlanBand::Both),
        Some(json!({"wlan_bands": ["2g", "5g"]})),
    )
    .await
    .unwrap();
    band_update(
        wlan_new(),
        WlanUpdate::new().bands([Band::TwoG, Band::FiveG, Band::SixG]),
        Some(json!({"wlan_bands": ["2g", "5g", "6g"]})),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn six_ghz_on_older_firmware_is_rejected_before_writing() {
    let e = band_update(wlan_old(), WlanUpdate::new().bands([Band::SixG]), None)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidInput(_)), "{e:?}");
}

#[tokio::test]
async fn short_passphrases_and_empty_updates_are_rejected_locally() {
    let server = MockServer::start().await;
    let unifi = client(&server);
    let w = unifi.site("default").wlans();
    assert!(matches!(
        w.update(
            "w1",
            &WlanUpdate::new().passphrase(SecretString::from("short"))
        )
        .await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        w.update("w1", &WlanUpdate::new()).await,
        Err(Error::InvalidInput(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

async fn ppsk_server(kind: Kind) -> MockServer {
    let server = MockServer::start().await;
    mount_login(&server, kind).await;
    Mock::given(method("GET"))
        .and(path(
            kind.api(&format!("/api/s/default/rest/wlanconf/{WLAN_ID}")),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([wlan_old()]))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(kind.api("/api/s/default/rest/networkconf")))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(networks())))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn ppsks_are_listed_with_their_vlans() {
    for kind in [Kind::Classic, Kind::UnifiOs] {
        let server = ppsk_server(kind).await;
        let ppsks = client(&server).site("default").wlans().ppsks(WLAN_ID);
        let list = ppsks.list().await.unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].password_str(), Some("iot-devices-1"));
        assert_eq!(list[1].extra_str("name"), Some("Laptops"));
        let resolved = ppsks.list_resolved().await.unwrap();
        assert_eq!(resolved[0].vlan, Some(100));
        assert_eq!(resolved[0].network_name.as_deref(), Some("IoT"));
        assert_eq!(resolved[1].vlan, None, "the untagged LAN");
        assert_eq!(resolved[1].network_name.as_deref(), Some("LAN"));
    }
}

#[tokio::test]
async fn adding_a_ppsk_keeps_the_other_keys_and_touches_nothing_else() {
    for kind in [Kind::Classic, Kind::UnifiOs] {
        let server = ppsk_server(kind).await;
        let expected = json!({
            "private_preshared_keys": [
                {"password": "iot-devices-1", "networkconf_id": IOT_NET},
                {"password": "lan-laptops-2", "networkconf_id": LAN_NET, "name": "Laptops"},
                {"password": "apartment-103", "networkconf_id": "net-103"}
            ],
            "private_preshared_keys_enabled": true
        });
        let mut after = wlan_old();
        after["private_preshared_keys"] = expected["private_preshared_keys"].clone();
        Mock::given(method("PUT"))
            .and(path(
                kind.api(&format!("/api/s/default/rest/wlanconf/{WLAN_ID}")),
            ))
            .and(header("x-csrf-token", "csrf-1"))
            .and(body_json(expected))
            .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([after]))))
            .expect(1)
            .mount(&server)
            .await;
        let ppsks = client(&server).site("default").wlans().ppsks(WLAN_ID);
        let list = ppsks
            .add(&NewPpsk::new(
                SecretString::from("apartment-103"),
                "net-103",
            ))
            .await
            .unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[2].networkconf_id.as_deref(), Some("net-103"));
        // Duplicates and short keys are refused without writing.
        let dup = ppsks
            .add(&NewPpsk::new(SecretString::from("iot-devices-1"), IOT_NET))
            .await
            .unwrap_err();
        assert!(matches!(dup, Error::Conflict(_)));
        let short = ppsks
            .add(&NewPpsk::new(SecretString::from("short"), IOT_NET))
            .await
            .unwrap_err();
        assert!(matches!(short, Error::InvalidInput(_)));
    }
}

#[tokio::test]
async fn removing_a_ppsk_keeps_the_others() {
    let kind = Kind::UnifiOs;
    let server = ppsk_server(kind).await;
    let expected = json!({
        "private_preshared_keys": [
            {"password": "lan-laptops-2", "networkconf_id": LAN_NET, "name": "Laptops"}
        ]
    });
    Mock::given(method("PUT"))
        .and(path(
            kind.api(&format!("/api/s/default/rest/wlanconf/{WLAN_ID}")),
        ))
        .and(body_json(expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([]))))
        .expect(1)
        .mount(&server)
        .await;
    let ppsks = client(&server).site("default").wlans().ppsks(WLAN_ID);
    let left = ppsks.remove("iot-devices-1").await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].password_str(), Some("lan-laptops-2"));
    let e = ppsks.remove("no-such-key").await.unwrap_err();
    assert!(e.is_not_found());
}

#[tokio::test]
async fn networks_can_be_found_by_vlan() {
    let server = ppsk_server(Kind::Classic).await;
    let nets = client(&server).site("default").networks();
    assert_eq!(
        nets.find_by_vlan(100).await.unwrap().unwrap().id.as_deref(),
        Some(IOT_NET)
    );
    assert!(nets.find_by_vlan(999).await.unwrap().is_none());
}

#[tokio::test]
async fn api_key_mode_never_logs_in() {
    let server = MockServer::start().await;
    mount_detection(&server, Kind::UnifiOs).await;
    Mock::given(method("POST"))
        .and(path("/api/auth/login"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/proxy/network/api/self/sites"))
        .and(header("x-api-key", "key-123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(sites())))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/proxy/network/v2/api/site/default/apgroups"))
        .and(header("x-api-key", "key-123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ap_groups()))
        .expect(1)
        .mount(&server)
        .await;
    let unifi = quick_retries(
        UnifiClient::builder()
            .url(server.uri())
            .api_key(SecretString::from("key-123")),
    )
    .build()
    .unwrap();
    assert!(unifi.uses_api_key());
    unifi.login().await.unwrap();
    assert_eq!(unifi.sites().list().await.unwrap().len(), 2);
    assert_eq!(
        unifi
            .site("default")
            .ap_groups()
            .list()
            .await
            .unwrap()
            .len(),
        2
    );
    unifi.logout().await.unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs.iter().all(|r| !r.headers.contains_key("cookie")));
}

#[tokio::test]
async fn api_key_401_is_an_error_not_a_login() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/proxy/network/api/self/sites"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": {"code": 401, "message": "Unauthorized"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let unifi = quick_retries(
        UnifiClient::builder()
            .url(server.uri())
            .api_key(SecretString::from("bad"))
            .kind(ControllerKind::UnifiOs),
    )
    .build()
    .unwrap();
    let e = unifi.sites().list().await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn logout_ends_the_session_and_the_next_call_logs_in_again() {
    for kind in [Kind::Classic, Kind::UnifiOs] {
        let server = MockServer::start().await;
        let logins = mount_login(&server, kind).await;
        let logout_path = match kind {
            Kind::Classic => "/api/logout",
            Kind::UnifiOs => "/api/auth/logout",
        };
        Mock::given(method("POST"))
            .and(path(logout_path))
            .and(header("x-csrf-token", "csrf-1"))
            .and(header_regex("cookie", &session_cookie(kind, 1)))
            .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([]))))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(kind.api("/api/s/default/stat/health")))
            .and(header_regex("cookie", &session_cookie(kind, 2)))
            .respond_with(ResponseTemplate::new(200).set_body_json(ok(health())))
            .expect(1)
            .mount(&server)
            .await;
        let unifi = client(&server);
        unifi.login().await.unwrap();
        unifi.logout().await.unwrap();
        unifi.logout().await.unwrap(); // no session: nothing sent
        unifi.site("default").health().await.unwrap();
        assert_eq!(logins.load(Ordering::SeqCst), 2);
    }
}

#[tokio::test]
async fn session_cookie_refreshed_by_a_response_is_used_next() {
    let kind = Kind::UnifiOs;
    let server = MockServer::start().await;
    mount_login(&server, kind).await;
    Mock::given(method("GET"))
        .and(path(kind.api("/api/s/default/stat/health")))
        .and(header_regex("cookie", "TOKEN=session-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .append_header("set-cookie", "TOKEN=refreshed; path=/; secure; httponly")
                .set_body_json(ok(health())),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(kind.api("/api/s/default/stat/sysinfo")))
        .and(header_regex("cookie", "TOKEN=refreshed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(sysinfo())))
        .expect(1)
        .mount(&server)
        .await;
    let site = client(&server).site("default");
    site.health().await.unwrap();
    site.sysinfo().await.unwrap();
}

#[tokio::test]
async fn raw_requests_use_the_session() {
    let kind = Kind::UnifiOs;
    let server = MockServer::start().await;
    mount_login(&server, kind).await;
    Mock::given(method("GET"))
        .and(path(kind.api("/api/s/default/stat/ccode")))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok(json!([{"code": "840"}]))))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(kind.api("/v2/api/site/default/clients/active")))
        .and(query_param("includeTrafficUsage", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"mac": "aa"}])))
        .mount(&server)
        .await;
    let unifi = client(&server);
    let v = unifi
        .request_raw(optima_unifi::Method::GET, "/api/s/default/stat/ccode", None)
        .await
        .unwrap();
    assert_eq!(v[0]["code"], "840");
    let v = unifi
        .request_raw(
            optima_unifi::Method::GET,
            "/v2/api/site/default/clients/active?includeTrafficUsage=true",
            None,
        )
        .await
        .unwrap();
    assert_eq!(v[0]["mac"], "aa");
}

#[test]
fn builder_validates_configuration_and_debug_hides_secrets() {
    let e = UnifiClient::builder().build().unwrap_err();
    assert!(matches!(e, Error::Config(_)));
    let e = UnifiClient::builder().url("https://x").build().unwrap_err();
    assert!(matches!(e, Error::Config(_)));
    let e = UnifiClient::builder()
        .url("not a url")
        .api_key(SecretString::from("k"))
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)));
    let e = UnifiClient::builder()
        .url("https://x")
        .api_key(SecretString::from("k"))
        .username("u")
        .password(SecretString::from("p"))
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)));
    let e = UnifiClient::builder()
        .url("https://x")
        .api_key(SecretString::from("k"))
        .pin_certificate_sha256("abcd")
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)));
    let c = UnifiClient::builder()
        .url("https://unifi.example.com:8443/")
        .username("admin")
        .password(SecretString::from(PASSWORD))
        .pin_certificate_sha256("ab".repeat(32))
        .build()
        .unwrap();
    let dbg = format!("{c:?}");
    assert!(!dbg.contains(PASSWORD), "{dbg}");
    assert!("unifi-os".parse::<ControllerKind>().unwrap() == ControllerKind::UnifiOs);
    assert!("classic".parse::<ControllerKind>().unwrap() == ControllerKind::Classic);
    assert!("nope".parse::<ControllerKind>().is_err());
}

#[test]
fn models_serialize_back_to_the_raw_keys() {
    let wlan: optima_unifi::Wlan = serde_json::from_value(wlan_new()).unwrap();
    assert_eq!(serde_json::to_value(&wlan).unwrap(), wlan_new());
    let ppsk: optima_unifi::Wlan = serde_json::from_value(wlan_old()).unwrap();
    let v = serde_json::to_value(&ppsk).unwrap();
    assert_eq!(
        v["private_preshared_keys"],
        wlan_old()["private_preshared_keys"]
    );
    assert!(!format!("{ppsk:?}").contains("iot-devices-1"));
    let site: optima_unifi::Site = serde_json::from_value(sites()[0].clone()).unwrap();
    assert_eq!(serde_json::to_value(&site).unwrap(), sites()[0]);
}
