//! The `/unifi` routes against a stand-in controller of each kind: site records (sync, create,
//! link), every live route, the Wi-Fi field filter, validation, one shared login under
//! concurrency, and how controller failures reach the caller.

#[path = "support/fake_unifi.rs"]
mod fake_unifi;

use std::collections::BTreeSet;

use optima_core::rbac::WIFI_FIELDS;
use optima_server::config::Config;
use optima_server::sync::{Quiet, SyncMode, SyncTarget, run_target};
use optima_server::testing::{TestServer, postgres_test_url, sqlite_test_url};
use optima_unifi::testing::{
    FakeController, IOT_NET, Kind, LAN_NET, SITE, WLAN_ID, WLAN6_ID, csrf_token, error, wlan_old,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

struct Env {
    controller: FakeController,
    server: TestServer,
    _dir: tempfile::TempDir,
}

async fn server_with(
    unifi: Option<optima_server::config::UnifiConfig>,
) -> (TestServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_test_url(dir.path());
    server_on(&url, unifi, dir).await
}

async fn server_on(
    database_url: &str,
    unifi: Option<optima_server::config::UnifiConfig>,
    dir: tempfile::TempDir,
) -> (TestServer, tempfile::TempDir) {
    let mut config = Config::for_database(database_url, dir.path());
    config.jwt_secret = Some(secrecy::SecretString::from("unifi-tests".to_owned()));
    config.unifi = unifi;
    let server = TestServer::start(config).await.unwrap();
    (server, dir)
}

/// A controller of `kind`, a server using it, and the site record `site-1` for [`SITE`].
async fn env(kind: Kind) -> Env {
    let controller = FakeController::start(kind).await;
    let (server, dir) = server_with(Some(fake_unifi::config(&controller))).await;
    insert_site(&server, "site-1", SITE, "Total Tech - Murray Office").await;
    Env {
        controller,
        server,
        _dir: dir,
    }
}

async fn insert_site(server: &TestServer, id: &str, site_id: &str, name: &str) {
    sqlx::query(
        "INSERT INTO unifi_sites (id, name, site_id, company_id, created_at, updated_at) \
         VALUES ($1, $2, $3, NULL, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    )
    .bind(id)
    .bind(name)
    .bind(site_id)
    .execute(&server.state.store.db().pool)
    .await
    .unwrap();
}

async fn insert_company(server: &TestServer, id: &str, cw_id: i64, name: &str) {
    sqlx::query(
        "INSERT INTO companies (id, cw_id, identifier, name, search_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $3, $3, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    )
    .bind(id)
    .bind(cw_id)
    .bind(name)
    .execute(&server.state.store.db().pool)
    .await
    .unwrap();
}

async fn admin(server: &TestServer) -> String {
    server.user_with_grants(&["*"]).await.1
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn wifi_fields_are_filtered_by_the_callers_grants() {
    let e = env(Kind::Classic).await;
    let base = ["unifi.access", "unifi.site.wifi"];

    let (_, some) = e
        .server
        .user_with_grants(&[
            base[0],
            base[1],
            "unifi.site.wifi.read.name",
            "unifi.site.wifi.read.enabled",
        ])
        .await;
    let (status, body) = e
        .server
        .as_user(&some)
        .get("/v1/unifi/site/site-1/wifi")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "UniFi WiFi Networks Fetched Successfully!");
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    for w in data {
        let expected = ["name", "enabled", "etag"].map(String::from);
        assert_eq!(keys(w), BTreeSet::from(expected), "{w}");
        assert!(w["etag"].as_str().unwrap().starts_with('"'), "{w}");
    }
    // "true" as a string on older firmware.
    assert_eq!(data[0]["name"], "TTAD");
    assert_eq!(data[0]["enabled"], true);
    assert_eq!(data[1]["name"], "Corp-6E");

    let (_, all) = e
        .server
        .user_with_grants(&[base[0], base[1], "unifi.site.wifi.read.*"])
        .await;
    let (status, body) = e
        .server
        .as_user(&all)
        .get("/v1/unifi/site/site-1/wifi")
        .await;
    assert_eq!(status, 200, "{body}");
    let full = &body["data"][0];
    let mut expected: BTreeSet<String> = WIFI_FIELDS.iter().map(|f| (*f).to_owned()).collect();
    expected.insert("etag".into());
    assert_eq!(
        keys(full),
        expected,
        "every documented field and the tag, nothing else"
    );
    assert_eq!(full["id"], WLAN_ID);
    assert_eq!(full["passphrase"], "S3cur3Alarm!");
    assert_eq!(full["hideSSID"], false);
    assert_eq!(full["band"], "2g");
    assert_eq!(full["bands"], json!(["2g"]));
    assert_eq!(full["dtimNa"], 3, "numbers sent as strings become numbers");
    assert_eq!(full["groupRekey"], 0);
    assert_eq!(full["minrateNaDataRateKbps"], 6000);
    assert_eq!(full["wpa3Enhanced192"], false);
    assert_eq!(full["dtim6e"], 3);
    assert_eq!(full["no2ghzOui"], true);
    assert_eq!(full["privatePreSharedKeysEnabled"], true);
    assert_eq!(full["privatePreSharedKeys"].as_array().unwrap().len(), 2);
    let newer = &body["data"][1];
    assert_eq!(newer["bands"], json!(["2g", "5g", "6g"]));
    // Readable but without a value (6 GHz has no legacy band; an empty string at the
    // controller): null, where an absent field means "not permitted".
    assert_eq!(newer["band"], Value::Null, "{newer}");
    assert!(newer.as_object().unwrap().contains_key("band"), "{newer}");
    assert_eq!(keys(newer), expected, "{newer}");
    assert_eq!(newer["wpa3Transition"], true);

    let (_, none) = e.server.user_with_grants(&base).await;
    let (status, body) = e
        .server
        .as_user(&none)
        .get("/v1/unifi/site/site-1/wifi")
        .await;
    assert_eq!(status, 200, "{body}");
    for w in body["data"].as_array().unwrap() {
        assert_eq!(keys(w), BTreeSet::from(["etag".to_owned()]), "{w}");
    }

    // A denial beats the wildcard.
    let (_, no_secret) = e
        .server
        .user_with_grants(&[
            base[0],
            base[1],
            "unifi.site.wifi.read.*",
            "-unifi.site.wifi.read.passphrase",
        ])
        .await;
    let (_, body) = e
        .server
        .as_user(&no_secret)
        .get("/v1/unifi/site/site-1/wifi")
        .await;
    assert!(body["data"][0].get("passphrase").is_none());
    assert_eq!(body["data"][0]["name"], "TTAD");
}

/// `PATCH …/wifi/{wlanId}` with `If-Match` refuses to overwrite a network changed on the
/// controller since it was read (412 with it as it is now), and goes ahead while the tag
/// holds; the list and each answer give the tag.
#[tokio::test]
async fn wifi_changes_honour_if_match() {
    let e = env(Kind::Classic).await;
    let (_, token) = e
        .server
        .user_with_grants(&[
            "unifi.access",
            "unifi.site.wifi",
            "unifi.site.wifi.update",
            "unifi.site.wifi.read.name",
        ])
        .await;
    let (_, list) = e
        .server
        .as_user(&token)
        .get("/v1/unifi/site/site-1/wifi")
        .await;
    let read_tag = list["data"][0]["etag"].as_str().unwrap().to_owned();
    assert_ne!(read_tag, list["data"][1]["etag"].as_str().unwrap());
    let puts = || async {
        e.controller
            .requests_to(&e.controller.site_path(&format!("rest/wlanconf/{WLAN_ID}")))
            .await
            .into_iter()
            .filter(|r| r.method.as_str() == "PUT")
            .count()
    };
    let client = reqwest::Client::new();
    let patch = |if_match: Option<String>, name: &'static str| {
        let mut request = client
            .patch(
                e.server
                    .url(&format!("/v1/unifi/site/site-1/wifi/{WLAN_ID}")),
            )
            .bearer_auth(&token)
            .json(&json!({ "name": name }));
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let etag = response
                .headers()
                .get("etag")
                .map(|v| v.to_str().unwrap().to_owned());
            let body: Value = response.json().await.unwrap();
            (status, etag, body)
        }
    };

    // Unchanged since read: written, with the new tag.
    let (status, etag, body) = patch(Some(read_tag.clone()), "Renamed").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["name"], "Renamed");
    assert_eq!(etag.as_deref(), body["data"]["etag"].as_str());
    assert_ne!(etag.as_deref(), Some(read_tag.as_str()));
    assert_eq!(puts().await, 1);

    // Someone renames it on the controller.
    let mut changed = wlan_old();
    changed["name"] = json!("ChangedOnTheController");
    Mock::given(method("GET"))
        .and(path(
            e.controller.site_path(&format!("rest/wlanconf/{WLAN_ID}")),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"meta": {"rc": "ok"}, "data": [changed]})),
        )
        .with_priority(1)
        .mount(&e.controller.server)
        .await;
    let (status, etag, body) = patch(Some(read_tag.clone()), "Overwrite").await;
    assert_eq!(status, 412, "{body}");
    assert_eq!(body["error"], "WifiChanged");
    assert_eq!(body["successful"], false);
    assert_eq!(body["data"]["name"], "ChangedOnTheController");
    assert!(
        body["data"].get("passphrase").is_none(),
        "still filtered: {body}"
    );
    let current = etag.unwrap();
    assert_eq!(body["data"]["etag"], json!(current));
    assert_eq!(puts().await, 1, "nothing written");

    // A list of tags, a weak form of the current one, or `*`: written.
    for if_match in [
        format!("{read_tag}, {current}"),
        format!("W/{current}"),
        "*".to_owned(),
    ] {
        let (status, _, body) = patch(Some(if_match.clone()), "Agreed").await;
        assert_eq!(status, 200, "{if_match}: {body}");
    }
    // Without If-Match, as before: written whatever changed.
    let (status, etag, _) = patch(None, "Blind").await;
    assert_eq!(status, 200);
    assert!(etag.is_some());
    assert_eq!(puts().await, 5);
}

async fn exercise_live_routes(kind: Kind) {
    let e = env(kind).await;
    let token = admin(&e.server).await;
    let s = &e.server;

    let (status, body) = s
        .as_user(&token)
        .get("/v1/unifi/site/site-1/overview")
        .await;
    assert_eq!(status, 200, "{kind:?} overview: {body}");
    let data = &body["data"];
    assert_eq!(data["health"][1]["subsystem"], "wan");
    assert_eq!(data["health"][1]["numGateway"], 1);
    assert_eq!(data["health"][0]["numUser"], 12);
    assert_eq!(data["sysInfo"]["timezone"], "America/Denver");
    assert_eq!(data["sysInfo"]["hostname"], "UniFi-Controller");
    assert_eq!(data["sysInfo"]["version"], "8.6.9");
    assert_eq!(
        data["siteInfo"],
        json!({"description": "Total Tech - Murray Office", "name": SITE})
    );

    let (status, body) = s.as_user(&token).get("/v1/unifi/site/site-1/devices").await;
    assert_eq!(status, 200, "{kind:?} devices: {body}");
    let ap = &body["data"][0];
    assert_eq!(ap["type"], "uap");
    assert_eq!(ap["state"], "connected");
    assert_eq!(ap["uptime"], 123456);
    assert_eq!(ap["radios"].as_array().unwrap().len(), 3);
    assert_eq!(ap["radios"][0]["channel"], "auto");
    assert_eq!(ap["uplink"]["type"], "wire");
    assert_eq!(body["data"][1]["type"], "usw");
    assert_eq!(body["data"][1]["state"], "connected");
    assert_eq!(body["data"][1]["uplink"], json!({}));

    let (status, body) = s.as_user(&token).get("/v1/unifi/site/site-1/wifi").await;
    assert_eq!(status, 200, "{kind:?} wifi: {body}");
    assert_eq!(body["data"].as_array().unwrap().len(), 2);

    // PATCH: the legacy WLAN gets `wlan_band`, the newer one `wlan_bands`.
    let (status, body) = s
        .as_user(&token)
        .patch(
            &format!("/v1/unifi/site/site-1/wifi/{WLAN_ID}"),
            json!({"name": "NewSSIDName", "x_passphrase": "NewPassword123", "enabled": true,
                    "security": "wpapsk", "wpa_mode": "wpa2wpa3", "hide_ssid": true,
                    "is_guest": false, "band": "both"}),
        )
        .await;
    assert_eq!(status, 200, "{kind:?} patch: {body}");
    assert_eq!(body["message"], "UniFi WiFi Network Updated Successfully!");
    assert_eq!(body["data"]["name"], "NewSSIDName");
    assert_eq!(body["data"]["passphrase"], "NewPassword123");
    assert_eq!(body["data"]["band"], "both");
    assert_eq!(body["data"]["bands"], json!(["2g", "5g"]));
    assert_eq!(body["data"]["hideSSID"], true);
    assert_eq!(body["data"]["wpa3Support"], true);
    assert_eq!(body["data"]["wpa3Transition"], true);
    let puts = e
        .controller
        .requests_to(&e.controller.site_path(&format!("rest/wlanconf/{WLAN_ID}")))
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == "PUT")
        .collect::<Vec<_>>();
    assert_eq!(puts.len(), 1);
    let sent: Value = serde_json::from_slice(&puts[0].body).unwrap();
    assert_eq!(sent["wlan_band"], "both");
    assert!(sent.get("wlan_bands").is_none(), "{sent}");
    assert_eq!(sent["x_passphrase"], "NewPassword123");
    assert_eq!(sent["wpa_mode"], "wpa2");
    assert_eq!(sent["wpa3_support"], true);
    assert_eq!(sent["wpa3_transition"], true);
    if kind == Kind::UnifiOs {
        assert_eq!(puts[0].headers.get("x-csrf-token").unwrap(), &csrf_token(1));
    }
    let (status, body) = s
        .as_user(&token)
        .patch(
            &format!("/v1/unifi/site/site-1/wifi/{WLAN6_ID}"),
            json!({"band": "5g"}),
        )
        .await;
    assert_eq!(status, 200, "{kind:?} patch 6e: {body}");
    assert_eq!(body["data"]["bands"], json!(["5g"]));
    let put6 = e
        .controller
        .requests_to(&e.controller.site_path(&format!("rest/wlanconf/{WLAN6_ID}")))
        .await
        .into_iter()
        .find(|r| r.method.as_str() == "PUT")
        .unwrap();
    let sent: Value = serde_json::from_slice(&put6.body).unwrap();
    assert_eq!(sent, json!({"wlan_bands": ["5g"]}));

    let (status, body) = s
        .as_user(&token)
        .get("/v1/unifi/site/site-1/networks")
        .await;
    assert_eq!(status, 200, "{kind:?} networks: {body}");
    let nets = body["data"].as_array().unwrap();
    assert_eq!(nets.len(), 3);
    assert_eq!(nets[0]["name"], "LAN");
    assert_eq!(nets[0]["vlanId"], Value::Null);
    assert_eq!(nets[0]["subnet"], "192.168.1.1/24");
    assert_eq!(nets[0]["dhcpEnabled"], true);
    assert_eq!(nets[0]["dhcpStart"], "192.168.1.100");
    assert_eq!(nets[0]["isNat"], true);
    assert_eq!(nets[1]["vlanId"], 100);

    let (status, body) = s
        .as_user(&token)
        .get("/v1/unifi/site/site-1/wlan-groups")
        .await;
    assert_eq!(status, 200, "{kind:?} wlan groups: {body}");
    assert_eq!(
        body["data"],
        json!([{"id": "61ae856a8eae567c3905c55d", "name": "Default",
                "siteId": "61ae856a8eae567c3905c550", "noDelete": true, "noEdit": false,
                "hidden": false}])
    );
    let (status, body) = s
        .as_user(&token)
        .post(
            "/v1/unifi/site/site-1/wlan-groups",
            json!({"name": "Lobby APs"}),
        )
        .await;
    assert_eq!(status, 201, "{kind:?} create wlan group: {body}");
    assert_eq!(body["status"], 201);
    assert_eq!(body["data"]["name"], "Lobby APs");
    assert_eq!(body["data"]["noDelete"], false);

    let (status, body) = s
        .as_user(&token)
        .get("/v1/unifi/site/site-1/ap-groups")
        .await;
    assert_eq!(status, 200, "{kind:?} ap groups: {body}");
    assert_eq!(body["data"][0]["name"], "All APs");
    assert_eq!(body["data"][0]["noDelete"], true);
    assert_eq!(body["data"][0]["deviceMacs"].as_array().unwrap().len(), 3);
    assert_eq!(body["data"][1]["noDelete"], false);

    let (status, body) = s
        .as_user(&token)
        .get("/v1/unifi/site/site-1/access-points")
        .await;
    assert_eq!(status, 200, "{kind:?} access points: {body}");
    assert_eq!(
        body["data"],
        json!([{"id": "64a1c0ffee0000000000ap01", "mac": "18:e8:29:59:25:bc", "model": "U7PRO",
                "type": "uap", "name": "Office AP", "state": 1, "adopted": true,
                "ip": "192.168.1.10", "version": "6.6.77.15353"}])
    );

    let (status, body) = s
        .as_user(&token)
        .get("/v1/unifi/site/site-1/wifi-limits")
        .await;
    assert_eq!(status, 200, "{kind:?} wifi limits: {body}");
    let limits = body["data"].as_array().unwrap();
    assert_eq!(limits.len(), 1, "access points only");
    assert_eq!(limits[0]["apName"], "Office AP");
    assert_eq!(
        limits[0]["radios"][0],
        json!({"radio": "ng", "band": "2g", "activeWlans": 2, "limit": 8, "remaining": 6,
               "wlanNames": ["TTAD", "Corp-6E"]})
    );
    assert_eq!(
        limits[0]["radios"][1]["activeWlans"], 1,
        "mesh backhaul not counted"
    );
    assert_eq!(limits[0]["radios"][1]["band"], "5g");

    let (status, body) = s
        .as_user(&token)
        .get("/v1/unifi/site/site-1/speed-profiles")
        .await;
    assert_eq!(status, 200, "{kind:?} speed profiles: {body}");
    assert_eq!(body["data"][0]["downloadLimitKbps"], -1);
    assert_eq!(body["data"][0]["uploadLimitKbps"], -1);
    assert_eq!(body["data"][0]["noDelete"], true);
    assert_eq!(body["data"][1]["downloadLimitKbps"], 10000);
    assert_eq!(body["data"][1]["uploadLimitKbps"], 5000);
    let (status, body) = s
        .as_user(&token)
        .post(
            "/v1/unifi/site/site-1/speed-profiles",
            json!({"name": "Guest 10Mbps", "downloadLimitKbps": 10000}),
        )
        .await;
    assert_eq!(status, 201, "{kind:?} create speed profile: {body}");
    assert_eq!(body["data"]["downloadLimitKbps"], 10000);
    assert_eq!(body["data"]["uploadLimitKbps"], -1, "omitted = unlimited");
    let post = e
        .controller
        .requests_to(&e.controller.site_path("rest/usergroup"))
        .await
        .into_iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    let sent: Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(
        sent,
        json!({"name": "Guest 10Mbps", "qos_rate_max_down": 10000, "qos_rate_max_up": -1})
    );

    let ppsk_path = format!("/v1/unifi/site/site-1/wifi/{WLAN_ID}/ppsk");
    let (status, body) = s.as_user(&token).get(&ppsk_path).await;
    assert_eq!(status, 200, "{kind:?} ppsks: {body}");
    assert_eq!(
        body["data"],
        json!([
            {"key": "iot-devices-1", "name": null, "mac": null, "vlanId": 100},
            {"key": "lan-laptops-2", "name": "Laptops", "mac": null, "vlanId": null}
        ])
    );
    let (status, body) = s
        .as_user(&token)
        .post(
            &ppsk_path,
            json!({"key": "mySecurePassword123", "name": "John's Laptop",
                    "mac": "AA:BB:CC:DD:EE:FF", "vlanId": 100}),
        )
        .await;
    assert_eq!(status, 201, "{kind:?} create ppsk: {body}");
    assert_eq!(body["message"], "UniFi Private PSK Created Successfully!");
    let list = body["data"].as_array().unwrap();
    assert_eq!(list.len(), 3, "the full list: {body}");
    assert_eq!(
        list[2],
        json!({"key": "mySecurePassword123", "name": "John's Laptop",
               "mac": "aa:bb:cc:dd:ee:ff", "vlanId": 100})
    );

    // Site records on this controller kind too.
    let (status, body) = s.as_user(&token).post("/v1/unifi/sites/sync", None).await;
    assert_eq!(status, 200, "{kind:?} sync: {body}");
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
    let (status, body) = s
        .as_user(&token)
        .post(
            "/v1/unifi/sites/create",
            json!({"description": "New Office Site"}),
        )
        .await;
    assert_eq!(status, 200, "{kind:?} create site: {body}");
    assert_eq!(body["data"]["name"], "New Office Site");
    assert_eq!(body["data"]["siteId"], "n3wsite1");
    assert_eq!(body["data"]["companyId"], Value::Null);

    assert_eq!(
        e.controller.logins(),
        1,
        "{kind:?}: one login for the whole run"
    );
}

#[tokio::test]
async fn every_live_route_on_a_classic_controller() {
    exercise_live_routes(Kind::Classic).await;
}

#[tokio::test]
async fn every_live_route_on_a_unifi_os_console() {
    exercise_live_routes(Kind::UnifiOs).await;
}

#[tokio::test]
async fn concurrent_requests_share_one_login() {
    for kind in [Kind::Classic, Kind::UnifiOs] {
        let e = env(kind).await;
        let token = admin(&e.server).await;
        let calls = (0..30).map(|i| {
            let route = if i % 2 == 0 { "wifi" } else { "devices" };
            let p = format!("/v1/unifi/site/site-1/{route}");
            let s = &e.server;
            let token = token.clone();
            async move { s.as_user(&token).get(&p).await }
        });
        let results = futures::future::join_all(calls).await;
        for (status, body) in &results {
            assert_eq!(*status, 200, "{kind:?}: {body}");
        }
        assert_eq!(e.controller.logins(), 1, "{kind:?}");
    }
}

#[tokio::test]
async fn sync_creates_new_sites_and_renames_changed_ones() {
    let controller = FakeController::start(Kind::Classic).await;
    let (server, _dir) = server_with(Some(fake_unifi::config(&controller))).await;
    insert_company(&server, "company-1", 1, "Acme Corp").await;
    insert_site(&server, "site-1", SITE, "Old Name").await;
    sqlx::query("UPDATE unifi_sites SET company_id = 'company-1' WHERE id = 'site-1'")
        .execute(&server.state.store.db().pool)
        .await
        .unwrap();
    let (_, token) = server
        .user_with_grants(&["unifi.access", "unifi.sites.sync"])
        .await;
    let (status, body) = server
        .as_user(&token)
        .post("/v1/unifi/sites/sync", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "UniFi Sites Synced Successfully!");
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["siteId"], "default");
    assert_eq!(data[0]["name"], "Default");
    assert_eq!(data[0]["companyId"], Value::Null);
    assert_eq!(data[1]["id"], "site-1", "the existing record is kept");
    assert_eq!(data[1]["name"], "Total Tech - Murray Office", "and renamed");
    assert_eq!(data[1]["companyId"], "company-1", "its link survives");
    assert_ne!(data[1]["updatedAt"], "2026-01-01T00:00:00.000Z");

    // Again, now through the CLI's entry point: nothing left to do.
    let reports = run_target(
        &server.state,
        SyncTarget::UnifiSites,
        SyncMode::Full,
        &Quiet,
    )
    .await
    .unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].kind, "unifi-sites");
    assert_eq!(
        (
            reports[0].fetched,
            reports[0].created,
            reports[0].updated,
            reports[0].unchanged
        ),
        (2, 0, 0, 2)
    );
    // `all` includes the UniFi sites when UniFi is configured (ConnectWise is not here).
    let reports = run_target(&server.state, SyncTarget::All, SyncMode::Full, &Quiet)
        .await
        .unwrap();
    assert_eq!(
        reports.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(),
        ["unifi-sites"]
    );

    let (_, reader) = server
        .user_with_grants(&["unifi.access", "unifi.sites.fetch.many"])
        .await;
    let (status, body) = server.as_user(&reader).get("/v1/unifi/sites").await;
    assert_eq!(status, 200, "{body}");
    let listed = body["data"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["name"], "Default");
    assert_eq!(listed[0]["company"], Value::Null);
    assert_eq!(
        listed[1]["company"],
        json!({"id": "company-1", "name": "Acme Corp"})
    );
    assert_eq!(controller.logins(), 1);
}

#[tokio::test]
async fn sites_link_to_companies_and_unlink() {
    let e = env(Kind::Classic).await;
    let s = &e.server;
    insert_company(s, "company-1", 42, "Acme Corp").await;
    let token = admin(s).await;
    let caller = s.as_user(&token);

    let (status, body) = caller
        .post("/v1/unifi/site/site-1/link", json!({"companyId": "nope"}))
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"], "CompanyNotFound");
    let (status, body) = caller
        .post(
            "/v1/unifi/site/missing/link",
            json!({"companyId": "company-1"}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"], "UnifiSiteNotFound");
    let (status, body) = caller.post("/v1/unifi/site/site-1/link", json!({})).await;
    assert_eq!(status, 400, "{body}");

    // By ConnectWise id, too.
    let (status, body) = caller
        .post("/v1/unifi/site/site-1/link", json!({"companyId": "42"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["message"],
        "UniFi Site Linked to Company Successfully!"
    );
    assert_eq!(body["data"]["companyId"], "company-1");
    assert_eq!(body["data"]["siteId"], SITE);

    let (_, company_reader) = s.user_with_grants(&["unifi.access", "company.fetch"]).await;
    let as_company_reader = s.as_user(&company_reader);
    let (status, body) = as_company_reader
        .get("/v1/company/companies/company-1/unifi/sites")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "Company UniFi Sites Fetched Successfully!");
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    assert_eq!(body["data"][0]["id"], "site-1");
    let (status, _) = as_company_reader
        .get("/v1/company/companies/nope/unifi/sites")
        .await;
    assert_eq!(status, 404);

    let (status, body) = caller.get("/v1/unifi/site/site-1").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["companyId"], "company-1");

    let (status, body) = caller.post("/v1/unifi/site/site-1/unlink", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["message"],
        "UniFi Site Unlinked from Company Successfully!"
    );
    assert_eq!(body["data"]["companyId"], Value::Null);
    let (_, body) = as_company_reader
        .get("/v1/company/companies/company-1/unifi/sites")
        .await;
    assert_eq!(body["data"], json!([]));
    let (status, body) = caller.get("/v1/unifi/site/missing").await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = caller.post("/v1/unifi/site/missing/unlink", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn wifi_updates_are_validated_before_reaching_the_controller() {
    let e = env(Kind::Classic).await;
    let token = admin(&e.server).await;
    let caller = e.server.as_user(&token);
    let p = format!("/v1/unifi/site/site-1/wifi/{WLAN_ID}");
    let (status, body) = e
        .server
        .as_user(&token)
        .patch(
            &p,
            json!({"security": "wep", "wpa_mode": "wpa1", "band": "6g", "x_passphrase": "short"}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "ValidationError");
    let paths: BTreeSet<String> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    // The schema is checked field by field and the first failure reported, with its path.
    let allowed = BTreeSet::from([
        "body.security".to_owned(),
        "body.wpa_mode".to_owned(),
        "body.band".to_owned(),
        "body.x_passphrase".to_owned(),
    ]);
    assert_eq!(paths.len(), 1, "{body}");
    assert!(paths.is_subset(&allowed), "{paths:?}");
    let too_long = "x".repeat(64);
    for bad in [
        json!({"x_passphrase": too_long}),
        json!({"name": ""}),
        json!({"vlan": 5}),
        json!({"enabled": "yes"}),
    ] {
        let (status, body) = caller.patch(&p, bad.clone()).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["errors"][0]["path"][0] == "body", "{body}");
    }
    // An empty body changes nothing and answers with the network as it is.
    let (status, body) = caller.patch(&p, json!({})).await;
    assert_eq!(status, 200, "{body}");
    // 63 characters is fine.
    let (status, body) = e
        .server
        .as_user(&token)
        .patch(&p, json!({"x_passphrase": "y".repeat(63)}))
        .await;
    assert_eq!(status, 200, "{body}");
    let puts = e
        .controller
        .requests_to(&e.controller.site_path(&format!("rest/wlanconf/{WLAN_ID}")))
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == "PUT")
        .count();
    assert_eq!(puts, 1, "only the valid update reached the controller");
    // An unknown WLAN.
    let (status, body) = e
        .server
        .as_user(&token)
        .patch(
            "/v1/unifi/site/site-1/wifi/000000000000000000000000",
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn ppsks_are_validated_and_mapped_to_the_network_of_their_vlan() {
    let e = env(Kind::Classic).await;
    let token = admin(&e.server).await;
    let p = format!("/v1/unifi/site/site-1/wifi/{WLAN_ID}/ppsk");
    for (bad, field) in [
        (json!({"key": "short", "name": "A"}), "key"),
        (
            json!({"key": "long-enough", "name": "A", "mac": "AA:BB:CC:DD:EE"}),
            "mac",
        ),
        (
            json!({"key": "long-enough", "name": "A", "mac": "zz:bb:cc:dd:ee:ff"}),
            "mac",
        ),
        (
            json!({"key": "long-enough", "name": "A", "vlanId": 5000}),
            "vlanId",
        ),
        (json!({"key": "long-enough", "name": " "}), "name"),
    ] {
        let (status, body) = e.server.as_user(&token).post(&p, bad.clone()).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["errors"][0]["path"], json!(["body", field]), "{body}");
    }
    let (status, body) = e
        .server
        .as_user(&token)
        .post(
            &p,
            json!({"key": "long-enough", "name": "A", "vlanId": 200}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"], "UnifiVlanNotFound");
    assert!(body["message"].as_str().unwrap().contains("VLAN 200"));
    // A key already on the WLAN: a conflict with the controller's state, found before anything
    // is written (so not "the controller rejected it").
    let (status, body) = e
        .server
        .as_user(&token)
        .post(&p, json!({"key": "iot-devices-1", "name": "Dup"}))
        .await;
    assert_eq!(
        (status, body["error"].as_str(), body["message"].as_str()),
        (
            409,
            Some("UniFiConflict"),
            Some("this WLAN already has a PPSK with that password")
        ),
        "{body}"
    );
    let wlan_path = e.controller.site_path(&format!("rest/wlanconf/{WLAN_ID}"));
    let puts = |reqs: Vec<wiremock::Request>| {
        reqs.into_iter()
            .filter(|r| r.method.as_str() == "PUT")
            .collect::<Vec<_>>()
    };
    assert!(puts(e.controller.requests_to(&wlan_path).await).is_empty());

    let (status, body) = e
        .server
        .as_user(&token)
        .post(
            &p,
            json!({"key": "printer-key-9", "name": "Printer", "mac": "aa-bb-cc-dd-ee-01",
                    "vlanId": 100}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let sent = puts(e.controller.requests_to(&wlan_path).await);
    assert_eq!(sent.len(), 1);
    let sent: Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(sent["private_preshared_keys_enabled"], true);
    let keys = sent["private_preshared_keys"].as_array().unwrap();
    assert_eq!(keys.len(), 3, "the existing keys are kept: {sent}");
    assert_eq!(
        keys[2],
        json!({"password": "printer-key-9", "networkconf_id": IOT_NET, "name": "Printer",
               "mac": "aa:bb:cc:dd:ee:01"})
    );
    assert!(sent.get("name").is_none(), "only the keys are written");

    // Without a VLAN: the WLAN's own network.
    let (status, body) = e
        .server
        .as_user(&token)
        .post(&p, json!({"key": "guest-key-77", "name": "Guest"}))
        .await;
    assert_eq!(status, 201, "{body}");
    let sent = puts(e.controller.requests_to(&wlan_path).await);
    let last: Value = serde_json::from_slice(&sent.last().unwrap().body).unwrap();
    assert_eq!(
        last["private_preshared_keys"][2]["networkconf_id"], LAN_NET,
        "{last}"
    );
    assert_eq!(body["data"][2]["vlanId"], Value::Null);
}

#[tokio::test]
async fn without_unifi_settings_live_routes_answer_503() {
    let (server, _dir) = server_with(None).await;
    insert_site(&server, "site-1", SITE, "Murray").await;
    let token = admin(&server).await;
    let caller = server.as_user(&token);
    for (verb, p) in [
        ("GET", "/v1/unifi/site/site-1/wifi"),
        ("GET", "/v1/unifi/site/site-1/overview"),
        ("POST", "/v1/unifi/sites/sync"),
    ] {
        let (status, body) = caller.send(verb, p, None).await;
        assert_eq!(status, 503, "{p}: {body}");
        assert_eq!(body["error"], "IntegrationNotConfigured");
        assert!(body["message"].as_str().unwrap().contains("UniFi"));
    }
    let (status, body) = caller
        .post("/v1/unifi/sites/create", json!({"description": "X"}))
        .await;
    assert_eq!(status, 503, "{body}");
    // Records need no controller.
    let (status, body) = caller.get("/v1/unifi/sites").await;
    assert_eq!(status, 200, "{body}");
    let err = run_target(
        &server.state,
        SyncTarget::UnifiSites,
        SyncMode::Full,
        &Quiet,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("UniFi"), "{err}");
}

#[tokio::test]
async fn controller_failures_are_502_naming_unifi() {
    let e = env(Kind::Classic).await;
    Mock::given(method("GET"))
        .and(path(e.controller.site_path("stat/device")))
        .respond_with(ResponseTemplate::new(500).set_body_string("Internal Server Error"))
        .with_priority(1)
        .mount(&e.controller.server)
        .await;
    let token = admin(&e.server).await;
    let (status, body) = e
        .server
        .as_user(&token)
        .get("/v1/unifi/site/site-1/devices")
        .await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["successful"], false);
    assert!(
        body["message"].as_str().unwrap().contains("UniFi"),
        "{body}"
    );

    // A rejected login.
    let bad = FakeController::start(Kind::Classic).await;
    Mock::given(method("POST"))
        .and(path("/api/login"))
        .respond_with(ResponseTemplate::new(400).set_body_json(error("api.err.Invalid", json!([]))))
        .with_priority(1)
        .mount(&bad.server)
        .await;
    let (server, _dir) = server_with(Some(fake_unifi::config(&bad))).await;
    insert_site(&server, "site-1", SITE, "Murray").await;
    let token = admin(&server).await;
    let (status, body) = server
        .as_user(&token)
        .get("/v1/unifi/site/site-1/wifi")
        .await;
    assert_eq!(status, 502, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("UniFi"),
        "{body}"
    );

    // Nobody listening.
    let gone = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut config = fake_unifi::config(&bad);
    config.url = format!("http://127.0.0.1:{gone}");
    let (server, _dir2) = server_with(Some(config)).await;
    insert_site(&server, "site-1", SITE, "Murray").await;
    let token = admin(&server).await;
    let (status, body) = server
        .as_user(&token)
        .get("/v1/unifi/site/site-1/networks")
        .await;
    assert!(status == 502 || status == 504, "{status}: {body}");
    assert!(
        body["message"].as_str().unwrap().contains("UniFi"),
        "{body}"
    );
}

#[tokio::test]
async fn a_site_the_controller_does_not_know_is_404() {
    let e = env(Kind::UnifiOs).await;
    insert_site(&e.server, "site-gone", "gone1234", "Closed Office").await;
    let token = admin(&e.server).await;
    for route in ["wifi", "devices", "networks", "speed-profiles"] {
        let (status, body) = e
            .server
            .as_user(&token)
            .get(&format!("/v1/unifi/site/site-gone/{route}"))
            .await;
        assert_eq!(status, 404, "{route}: {body}");
        assert_eq!(body["error"], "UniFiNotFound");
        assert!(
            body["message"].as_str().unwrap().contains("UniFi"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn site_records_on_postgres() {
    let Some(url) = postgres_test_url("site_records_on_postgres").await else {
        return;
    };
    let controller = FakeController::start(Kind::Classic).await;
    let (server, _dir) = server_on(
        &url,
        Some(fake_unifi::config(&controller)),
        tempfile::tempdir().unwrap(),
    )
    .await;
    insert_company(&server, "company-1", 7, "Acme Corp").await;
    insert_site(&server, "site-1", SITE, "Old Name").await;
    let token = admin(&server).await;
    let caller = server.as_user(&token);
    let (status, body) = caller.post("/v1/unifi/sites/sync", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"][1]["name"], "Total Tech - Murray Office");
    let (status, body) = caller
        .post(
            "/v1/unifi/site/site-1/link",
            json!({"companyId": "company-1"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = caller.get("/v1/unifi/sites").await;
    let linked: Vec<&Value> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["company"].is_null())
        .collect();
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0]["company"]["name"], "Acme Corp");
    let (status, body) = caller
        .post(
            "/v1/unifi/sites/create",
            json!({"description": "New Office Site"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["siteId"], "n3wsite1");
    let (_, body) = caller.get("/v1/company/companies/7/unifi/sites").await;
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
}

const INTEGRATION_KEY: &str = "it-key-7Qm2-never-echoed";
const DEFAULT_UUID: &str = "88f7af54-98f8-306a-a1c7-c9349722b1f6";

/// A UniFi OS console stand-in that answers the Integration API (sites, devices) and, for the
/// routes it cannot serve, the classic API, both only with the API key.
async fn integration_console() -> wiremock::MockServer {
    use wiremock::matchers::{header, query_param};
    let console = wiremock::MockServer::start().await;
    let page = |data: Value| {
        let n = data.as_array().unwrap().len();
        json!({"offset": 0, "limit": 25, "count": n, "totalCount": n, "data": data})
    };
    let sites = json!([
        {"id": DEFAULT_UUID, "internalReference": "default", "name": "Total Tech - Murray Office"},
        {"id": "0b2d77c8-21f4-4f0e-9d2a-3c1e5b7a9f00", "internalReference": "x7kq2m1p", "name": "Branch"}
    ]);
    Mock::given(method("GET"))
        .and(path("/proxy/network/integration/v1/sites"))
        .and(header("x-api-key", INTEGRATION_KEY))
        .and(query_param("filter", "internalReference.eq('default')"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(json!([sites[0]]))))
        .with_priority(1)
        .mount(&console)
        .await;
    Mock::given(method("GET"))
        .and(path("/proxy/network/integration/v1/sites"))
        .and(header("x-api-key", INTEGRATION_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(sites)))
        .with_priority(2)
        .mount(&console)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/proxy/network/integration/v1/sites/{DEFAULT_UUID}/devices"
        )))
        .and(header("x-api-key", INTEGRATION_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(json!([
            {"id": "4f0b8e2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b", "macAddress": "94:2a:6f:26:c6:ca",
             "ipAddress": "192.168.1.20", "name": "Lobby AP", "model": "U7PG2", "state": "ONLINE",
             "supported": true, "firmwareVersion": "6.6.55", "firmwareUpdatable": false,
             "features": ["accessPoint"], "interfaces": ["radios"]},
            {"id": "9a1b2c3d-0000-4000-8000-000000000002", "macAddress": "f4:e2:c6:00:00:02",
             "ipAddress": "192.168.1.2", "name": "Core switch", "model": "USW24P", "state": "ONLINE",
             "features": ["switching"], "interfaces": ["ports"]},
            {"id": "9a1b2c3d-0000-4000-8000-000000000004", "macAddress": "f4:e2:c6:00:00:04",
             "ipAddress": "192.168.1.1", "name": "Dream Router", "model": "UDR", "state": "ONLINE",
             "features": ["gateway", "switching", "accessPoint"], "interfaces": ["ports", "radios"]},
            {"id": "9a1b2c3d-0000-4000-8000-000000000003", "macAddress": "f4:e2:c6:00:00:03",
             "name": "Attic AP", "model": "U6LR", "state": "OFFLINE",
             "features": ["accessPoint"], "interfaces": ["radios"]}
        ]))))
        .mount(&console)
        .await;
    Mock::given(method("GET"))
        .and(path("/proxy/network/api/s/default/rest/wlanconf"))
        .and(header("x-api-key", INTEGRATION_KEY))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"meta": {"rc": "ok"}, "data": []})),
        )
        .mount(&console)
        .await;
    console
}

fn integration_config(console: &wiremock::MockServer) -> optima_server::config::UnifiConfig {
    optima_server::config::UnifiConfig {
        url: console.uri(),
        username: None,
        password: None,
        api_key: Some(secrecy::SecretString::from(INTEGRATION_KEY.to_owned())),
        kind: "unifi-os".into(),
        verify_tls: false,
        cert_sha256: None,
    }
}

async fn requests_to(console: &wiremock::MockServer, prefix: &str) -> usize {
    console
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().starts_with(prefix))
        .count()
}

/// With an API key, site sync and access points come from the Integration API; Wi-Fi, which it
/// cannot serve with every field, still comes from the classic API with the same key.
#[tokio::test]
async fn an_api_key_serves_sites_and_access_points_from_the_integration_api() {
    let console = integration_console().await;
    let (server, _dir) = server_with(Some(integration_config(&console))).await;
    let token = admin(&server).await;

    let (status, body) = server
        .as_user(&token)
        .post("/v1/unifi/sites/sync", None)
        .await;
    assert_eq!(status, 200, "{body}");
    let records = body["data"].as_array().unwrap();
    let mut by_site: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r["siteId"].as_str().unwrap(), r["name"].as_str().unwrap()))
        .collect();
    by_site.sort();
    assert_eq!(
        by_site,
        [
            ("default", "Total Tech - Murray Office"),
            ("x7kq2m1p", "Branch")
        ]
    );
    let default = records.iter().find(|r| r["siteId"] == "default").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, body) = server
        .as_user(&token)
        .get(&format!("/v1/unifi/site/{default}/access-points"))
        .await;
    assert_eq!(status, 200, "{body}");
    let aps = body["data"].as_array().unwrap();
    assert_eq!(
        aps.len(),
        2,
        "neither the switch nor the gateway with radios is an access point: {body}"
    );
    assert_eq!(aps[0]["name"], "Lobby AP");
    assert_eq!(aps[0]["id"], "4f0b8e2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b");
    assert_eq!(aps[0]["mac"], "94:2a:6f:26:c6:ca");
    assert_eq!(aps[0]["type"], "uap");
    assert_eq!(aps[0]["state"], 1, "ONLINE is the classic state 1");
    assert_eq!(aps[0]["adopted"], true);
    assert_eq!(aps[0]["version"], "6.6.55");
    assert_eq!(aps[1]["state"], 0, "OFFLINE is the classic state 0");

    let (status, body) = server
        .as_user(&token)
        .get(&format!("/v1/unifi/site/{default}/wifi"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(requests_to(&console, "/proxy/network/api/").await, 1);
    assert_eq!(
        requests_to(&console, "/proxy/network/api/s/default/stat/device").await,
        0,
        "access points never went to the classic API"
    );
}

/// A site record made before any sync: its UUID is asked of the console by short name, once.
#[tokio::test]
async fn the_integration_api_site_id_is_looked_up_by_short_name_once() {
    let console = integration_console().await;
    let (server, _dir) = server_with(Some(integration_config(&console))).await;
    insert_site(&server, "site-1", "default", "Murray").await;
    insert_site(&server, "site-2", "gone", "Closed branch").await;
    let token = admin(&server).await;
    for _ in 0..2 {
        let (status, body) = server
            .as_user(&token)
            .get("/v1/unifi/site/site-1/access-points")
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"].as_array().unwrap().len(), 2);
    }
    let lookups = console
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/proxy/network/integration/v1/sites")
        .count();
    assert_eq!(lookups, 1);

    let (status, body) = server
        .as_user(&token)
        .get("/v1/unifi/site/site-2/access-points")
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"], "UniFiNotFound", "{body}");
}

/// A rejected (expired, revoked) key is a 502 naming UniFi, and the key is not in the answer.
#[tokio::test]
async fn a_rejected_integration_key_is_a_bad_gateway_without_the_key() {
    let console = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "statusCode": 401, "statusName": "UNAUTHORIZED",
            "code": "api.authentication.missing-credentials",
            "message": "Missing credentials", "requestId": "3fa1c2d4-0000-4000-8000-000000000001"
        })))
        .mount(&console)
        .await;
    let (server, _dir) = server_with(Some(integration_config(&console))).await;
    let token = admin(&server).await;
    let (status, body) = server
        .as_user(&token)
        .post("/v1/unifi/sites/sync", None)
        .await;
    assert_eq!(status, 502, "{body}");
    let text = body.to_string();
    assert!(text.contains("UniFi"), "{text}");
    assert!(!text.contains(INTEGRATION_KEY), "{text}");
}
