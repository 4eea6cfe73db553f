//! One handler per resource of a site.

use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::{Map, Value, json};

use crate::client::{Envelope, UnifiClient, decode, first};
use crate::error::{Error, Result};
use crate::limits::{ApSsidUsage, DEFAULT_SSIDS_PER_RADIO, ssids_per_radio};
use crate::models::{
    ApGroup, CreatedSite, Device, Health, Network, NewApGroup, NewPpsk, NewUserGroup, Ppsk,
    ResolvedPpsk, Site, SysInfo, UserGroup, Wlan, WlanBand, WlanGroup, WlanUpdate,
};
use optima_http::segment as seg;

/// The sites of the controller: `unifi.sites()`.
#[derive(Debug, Clone)]
pub struct SitesHandler {
    client: UnifiClient,
}

impl SitesHandler {
    pub(crate) fn new(client: UnifiClient) -> Self {
        Self { client }
    }

    /// Every site the account can see (`GET /api/self/sites`).
    pub async fn list(&self) -> Result<Vec<Site>> {
        self.client
            .v1_list(Method::GET, "/api/self/sites", None)
            .await
    }

    /// The site whose short name is `name` (from the list; [`Error::NotFound`] when absent).
    pub async fn get(&self, name: &str) -> Result<Site> {
        self.list()
            .await?
            .into_iter()
            .find(|s| s.name.as_deref() == Some(name))
            .ok_or_else(|| Error::NotFound(format!("site {name}")))
    }

    /// Creates a site with this description (`sitemgr add-site`, sent in the context of the
    /// `default` site). The controller generates the short name.
    pub async fn create(&self, description: &str) -> Result<CreatedSite> {
        self.create_in("default", description).await
    }

    /// Creates a site, sending `sitemgr add-site` in the context of the existing site `context_site`.
    pub async fn create_in(&self, context_site: &str, description: &str) -> Result<CreatedSite> {
        if description.trim().is_empty() {
            return Err(Error::InvalidInput("a site description is required".into()));
        }
        let path = format!("/api/s/{}/cmd/sitemgr", seg(context_site));
        let body = json!({"cmd": "add-site", "desc": description});
        self.client.v1_first(Method::POST, &path, Some(&body)).await
    }
}

/// Everything of one site: `unifi.site("default")`.
#[derive(Debug, Clone)]
pub struct SiteHandler {
    client: UnifiClient,
    site: String,
}

impl SiteHandler {
    pub(crate) fn new(client: UnifiClient, site: String) -> Self {
        Self { client, site }
    }

    /// The site's short name.
    pub fn name(&self) -> &str {
        &self.site
    }

    fn path(&self, rest: &str) -> String {
        format!("/api/s/{}/{}", seg(&self.site), rest)
    }

    /// Health per subsystem (`stat/health`).
    pub async fn health(&self) -> Result<Vec<Health>> {
        self.client
            .v1_list(Method::GET, &self.path("stat/health"), None)
            .await
    }

    /// Controller information (`stat/sysinfo`).
    pub async fn sysinfo(&self) -> Result<SysInfo> {
        self.client
            .v1_first(Method::GET, &self.path("stat/sysinfo"), None)
            .await
    }

    /// Devices (`stat/device`).
    pub fn devices(&self) -> DevicesHandler {
        DevicesHandler { site: self.clone() }
    }

    /// WLAN configurations (`rest/wlanconf`).
    pub fn wlans(&self) -> WlanHandler {
        WlanHandler { site: self.clone() }
    }

    /// Networks (`rest/networkconf`).
    pub fn networks(&self) -> NetworksHandler {
        NetworksHandler { site: self.clone() }
    }

    /// WLAN groups (`rest/wlangroup`).
    pub fn wlan_groups(&self) -> WlanGroupsHandler {
        WlanGroupsHandler { site: self.clone() }
    }

    /// AP groups (v2 `apgroups`).
    pub fn ap_groups(&self) -> ApGroupsHandler {
        ApGroupsHandler { site: self.clone() }
    }

    /// User groups, a.k.a. speed profiles (`rest/usergroup`).
    pub fn user_groups(&self) -> UserGroupsHandler {
        UserGroupsHandler { site: self.clone() }
    }

    /// Alias of [`user_groups`](Self::user_groups).
    pub fn speed_profiles(&self) -> UserGroupsHandler {
        self.user_groups()
    }

    /// Live events of the site from the controller's WebSocket: set the heartbeat and the
    /// reconnect backoff if the defaults don't fit, then call
    /// [`stream`](crate::events::Events::stream). See [`crate::events`].
    pub fn events(&self) -> crate::events::Events {
        crate::events::Events::new(self.client.clone(), self.site.clone())
    }

    /// The SSIDs active per access point and radio, against the default limit of 8 per radio.
    pub async fn ssid_limits(&self) -> Result<Vec<ApSsidUsage>> {
        self.ssid_limits_with(DEFAULT_SSIDS_PER_RADIO).await
    }

    /// The SSIDs active per access point and radio, against `limit` per radio.
    pub async fn ssid_limits_with(&self, limit: usize) -> Result<Vec<ApSsidUsage>> {
        let devices = self.devices().list().await?;
        Ok(ssids_per_radio(&devices, limit))
    }
}

/// Devices of a site.
#[derive(Debug, Clone)]
pub struct DevicesHandler {
    site: SiteHandler,
}

impl DevicesHandler {
    /// Every device (`stat/device`).
    pub async fn list(&self) -> Result<Vec<Device>> {
        self.site
            .client
            .v1_list(Method::GET, &self.site.path("stat/device"), None)
            .await
    }

    /// The access points only (`type == "uap"`).
    pub async fn access_points(&self) -> Result<Vec<Device>> {
        Ok(self
            .list()
            .await?
            .into_iter()
            .filter(Device::is_access_point)
            .collect())
    }

    /// One device by MAC address (`stat/device/{mac}`).
    pub async fn get(&self, mac: &str) -> Result<Device> {
        let path = self
            .site
            .path(&format!("stat/device/{}", seg(&mac.to_ascii_lowercase())));
        let list: Vec<Device> = self.site.client.v1_list(Method::GET, &path, None).await?;
        list.into_iter()
            .next()
            .ok_or_else(|| Error::NotFound(format!("device {mac}")))
    }
}

/// WLAN configurations of a site.
#[derive(Debug, Clone)]
pub struct WlanHandler {
    site: SiteHandler,
}

impl WlanHandler {
    fn path(&self, id: Option<&str>) -> String {
        match id {
            Some(id) => self.site.path(&format!("rest/wlanconf/{}", seg(id))),
            None => self.site.path("rest/wlanconf"),
        }
    }

    /// Every WLAN.
    pub async fn list(&self) -> Result<Vec<Wlan>> {
        self.site
            .client
            .v1_list(Method::GET, &self.path(None), None)
            .await
    }

    /// One WLAN by id.
    pub async fn get(&self, id: &str) -> Result<Wlan> {
        decode(self.get_raw(id).await?, "data[0]")
    }

    /// One WLAN as raw JSON, exactly as the controller sent it.
    pub async fn get_raw(&self, id: &str) -> Result<Value> {
        let data = self
            .site
            .client
            .call(Method::GET, &self.path(Some(id)), &[], None, Envelope::V1)
            .await?;
        match data {
            Value::Array(mut items) if !items.is_empty() => Ok(items.swap_remove(0)),
            Value::Array(_) => Err(Error::NotFound(format!("WLAN {id}"))),
            other => Ok(other),
        }
    }

    /// Applies a partial update and returns the updated WLAN.
    ///
    /// When bands are set, the current configuration is read first: firmware that has
    /// `wlan_bands` gets `wlan_bands` (and `wlan_band` too when it also has that key and the
    /// selection has a legacy spelling); older firmware gets `wlan_band` (`2g`, `5g`, `both`), and
    /// a selection it cannot express (6 GHz) is an [`Error::InvalidInput`].
    pub async fn update(&self, id: &str, update: &WlanUpdate) -> Result<Wlan> {
        if update.is_empty() {
            return Err(Error::InvalidInput("the WLAN update is empty".into()));
        }
        if let Some(p) = &update.x_passphrase {
            check_psk(p.expose_secret(), "passphrase")?;
        }
        let mut body = match serde_json::to_value(update) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        if let Some(bands) = &update.bands {
            if bands.is_empty() {
                return Err(Error::InvalidInput("at least one band is required".into()));
            }
            let current = self.get_raw(id).await?;
            let legacy = WlanBand::from_bands(bands);
            let has = |k: &str| current.get(k).is_some_and(|v| !v.is_null());
            if has("wlan_bands") {
                body.insert("wlan_bands".into(), json!(bands));
                if has("wlan_band")
                    && let Some(l) = &legacy
                {
                    body.insert("wlan_band".into(), json!(l));
                }
            } else {
                let l = legacy.ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "bands {bands:?} cannot be set on firmware that only knows wlan_band (2g, 5g, both)"
                    ))
                })?;
                body.insert("wlan_band".into(), json!(l));
            }
        }
        let body = Value::Object(body);
        self.put_and_read(id, &body).await
    }

    async fn put_and_read(&self, id: &str, body: &Value) -> Result<Wlan> {
        let data = self
            .site
            .client
            .call(
                Method::PUT,
                &self.path(Some(id)),
                &[],
                Some(body),
                Envelope::V1,
            )
            .await?;
        match data {
            Value::Array(ref items) if items.is_empty() => self.get(id).await,
            other => first(other, "rest/wlanconf"),
        }
    }

    /// The private pre-shared keys of WLAN `wlan_id`.
    pub fn ppsks(&self, wlan_id: impl Into<String>) -> PpskHandler {
        PpskHandler {
            wlans: self.clone(),
            wlan_id: wlan_id.into(),
        }
    }
}

fn check_psk(p: &str, what: &str) -> Result<()> {
    let n = p.chars().count();
    if !(8..=63).contains(&n) {
        return Err(Error::InvalidInput(format!(
            "a WPA {what} must be 8 to 63 characters, got {n}"
        )));
    }
    Ok(())
}

/// The private pre-shared keys (PPSKs) of one WLAN.
///
/// Changes are a read-modify-write of `private_preshared_keys`: the WLAN is read, the list is
/// changed, and only `private_preshared_keys` (plus `private_preshared_keys_enabled` when
/// adding) is sent back, so every other field of the WLAN is left as it is. Entries are kept
/// exactly as the controller sent them, including fields this crate does not know.
#[derive(Debug, Clone)]
pub struct PpskHandler {
    wlans: WlanHandler,
    wlan_id: String,
}

impl PpskHandler {
    /// The PPSKs of the WLAN.
    pub async fn list(&self) -> Result<Vec<Ppsk>> {
        let raw = self.wlans.get_raw(&self.wlan_id).await?;
        decode(raw_keys(&raw), "data[0].private_preshared_keys")
    }

    /// The PPSKs with the network name and VLAN each one resolves to (reads `rest/networkconf` too).
    pub async fn list_resolved(&self) -> Result<Vec<ResolvedPpsk>> {
        let networks = self.wlans.site.networks();
        let (keys, networks) = futures::try_join!(self.list(), networks.list())?;
        Ok(resolve(keys, &networks))
    }

    /// Adds a PPSK (enabling PPSK mode if needed) and returns the WLAN's full list afterwards.
    /// A key whose password is already used on this WLAN is rejected.
    pub async fn add(&self, ppsk: &NewPpsk) -> Result<Vec<Ppsk>> {
        check_psk(ppsk.password.expose_secret(), "pre-shared key")?;
        if ppsk.networkconf_id.trim().is_empty() {
            return Err(Error::InvalidInput("a PPSK needs a networkconf_id".into()));
        }
        let raw = self.wlans.get_raw(&self.wlan_id).await?;
        let mut keys = match raw_keys(&raw) {
            Value::Array(items) => items,
            _ => Vec::new(),
        };
        let pw = ppsk.password.expose_secret();
        if keys
            .iter()
            .any(|k| k.get("password").and_then(Value::as_str) == Some(pw))
        {
            return Err(Error::Conflict(
                "this WLAN already has a PPSK with that password".into(),
            ));
        }
        keys.push(ppsk.to_value());
        let body = json!({
            "private_preshared_keys": keys,
            "private_preshared_keys_enabled": true,
        });
        self.write(body).await
    }

    /// Removes every PPSK whose password is `password` and returns the remaining list.
    /// [`Error::NotFound`] when there is none.
    pub async fn remove(&self, password: &str) -> Result<Vec<Ppsk>> {
        let raw = self.wlans.get_raw(&self.wlan_id).await?;
        let keys = match raw_keys(&raw) {
            Value::Array(items) => items,
            _ => Vec::new(),
        };
        let before = keys.len();
        let kept: Vec<Value> = keys
            .into_iter()
            .filter(|k| k.get("password").and_then(Value::as_str) != Some(password))
            .collect();
        if kept.len() == before {
            return Err(Error::NotFound(format!(
                "no PPSK with that password on WLAN {}",
                self.wlan_id
            )));
        }
        self.write(json!({ "private_preshared_keys": kept })).await
    }

    async fn write(&self, body: Value) -> Result<Vec<Ppsk>> {
        let sent = body["private_preshared_keys"].clone();
        let data = self
            .wlans
            .site
            .client
            .call(
                Method::PUT,
                &self.wlans.path(Some(&self.wlan_id)),
                &[],
                Some(&body),
                Envelope::V1,
            )
            .await?;
        let keys = data
            .get(0)
            .and_then(|w| w.get("private_preshared_keys"))
            .cloned()
            .unwrap_or(sent);
        decode(keys, "data[0].private_preshared_keys")
    }
}

fn raw_keys(wlan: &Value) -> Value {
    match wlan.get("private_preshared_keys") {
        Some(v @ Value::Array(_)) => v.clone(),
        _ => Value::Array(Vec::new()),
    }
}

/// Pairs PPSKs with the network (name, VLAN) their `networkconf_id` points at.
pub fn resolve(keys: Vec<Ppsk>, networks: &[Network]) -> Vec<ResolvedPpsk> {
    keys.into_iter()
        .map(|ppsk| {
            let net = ppsk
                .networkconf_id
                .as_deref()
                .and_then(|id| networks.iter().find(|n| n.id.as_deref() == Some(id)));
            ResolvedPpsk {
                network_name: net.and_then(|n| n.name.clone()),
                vlan: net.and_then(Network::vlan_id),
                ppsk,
            }
        })
        .collect()
}

/// Networks of a site.
#[derive(Debug, Clone)]
pub struct NetworksHandler {
    site: SiteHandler,
}

impl NetworksHandler {
    /// Every network (`rest/networkconf`).
    pub async fn list(&self) -> Result<Vec<Network>> {
        self.site
            .client
            .v1_list(Method::GET, &self.site.path("rest/networkconf"), None)
            .await
    }

    /// One network by id.
    pub async fn get(&self, id: &str) -> Result<Network> {
        let path = self.site.path(&format!("rest/networkconf/{}", seg(id)));
        let list: Vec<Network> = self.site.client.v1_list(Method::GET, &path, None).await?;
        list.into_iter()
            .next()
            .ok_or_else(|| Error::NotFound(format!("network {id}")))
    }

    /// The network whose VLAN is `vlan` (e.g. to give a PPSK a VLAN), `None` when there is none.
    pub async fn find_by_vlan(&self, vlan: u16) -> Result<Option<Network>> {
        Ok(self
            .list()
            .await?
            .into_iter()
            .find(|n| n.vlan_id() == Some(vlan)))
    }
}

/// WLAN groups of a site.
#[derive(Debug, Clone)]
pub struct WlanGroupsHandler {
    site: SiteHandler,
}

impl WlanGroupsHandler {
    /// Every WLAN group (`rest/wlangroup`).
    pub async fn list(&self) -> Result<Vec<WlanGroup>> {
        self.site
            .client
            .v1_list(Method::GET, &self.site.path("rest/wlangroup"), None)
            .await
    }

    /// Creates a WLAN group named `name`.
    pub async fn create(&self, name: &str) -> Result<WlanGroup> {
        if name.trim().is_empty() {
            return Err(Error::InvalidInput("a WLAN group name is required".into()));
        }
        self.site
            .client
            .v1_first(
                Method::POST,
                &self.site.path("rest/wlangroup"),
                Some(&json!({"name": name})),
            )
            .await
    }
}

/// AP groups of a site (v2 API, bare JSON).
#[derive(Debug, Clone)]
pub struct ApGroupsHandler {
    site: SiteHandler,
}

impl ApGroupsHandler {
    fn path(&self) -> String {
        format!("/v2/api/site/{}/apgroups", seg(&self.site.site))
    }

    /// Every AP group.
    pub async fn list(&self) -> Result<Vec<ApGroup>> {
        let v = self
            .site
            .client
            .call(Method::GET, &self.path(), &[], None, Envelope::Bare)
            .await?;
        decode(v, "")
    }

    /// Creates an AP group.
    pub async fn create(&self, group: &NewApGroup) -> Result<ApGroup> {
        if group.name.trim().is_empty() {
            return Err(Error::InvalidInput("an AP group name is required".into()));
        }
        let body = serde_json::to_value(group).map_err(|e| Error::InvalidInput(e.to_string()))?;
        let v = self
            .site
            .client
            .call(Method::POST, &self.path(), &[], Some(&body), Envelope::Bare)
            .await?;
        match v {
            Value::Array(mut items) if !items.is_empty() => decode(items.swap_remove(0), "[0]"),
            other => decode(other, ""),
        }
    }
}

/// User groups (speed profiles) of a site.
#[derive(Debug, Clone)]
pub struct UserGroupsHandler {
    site: SiteHandler,
}

impl UserGroupsHandler {
    /// Every user group (`rest/usergroup`).
    pub async fn list(&self) -> Result<Vec<UserGroup>> {
        self.site
            .client
            .v1_list(Method::GET, &self.site.path("rest/usergroup"), None)
            .await
    }

    /// Creates a user group (speed profile).
    pub async fn create(&self, group: &NewUserGroup) -> Result<UserGroup> {
        if group.name.trim().is_empty() {
            return Err(Error::InvalidInput(
                "a speed profile name is required".into(),
            ));
        }
        let body = serde_json::to_value(group).map_err(|e| Error::InvalidInput(e.to_string()))?;
        self.site
            .client
            .v1_first(Method::POST, &self.site.path("rest/usergroup"), Some(&body))
            .await
    }
}
