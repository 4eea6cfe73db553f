//! `/unifi`: the UniFi sites Optima tracks (linked to companies), and live control of each
//! site through the shared `optima-unifi` client (one controller session for every request).
//!
//! Every route also needs `unifi.access`. Wi-Fi networks are filtered field by field with
//! `unifi.site.wifi.read.<field>`.

pub mod models;

use std::sync::Arc;

use optima_core::rbac::{WIFI_READ_PREFIX, filter_fields};
use optima_unifi::{
    NewPpsk, NewUserGroup, RateLimit, SecretString, Security, SiteHandler, Wlan, WlanBand,
    WlanUpdate, WpaMode, resolve_ppsks,
};
use poem::http::StatusCode;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::types::ToJSON;

use self::models::*;
use super::common::{ApiError, Created201, FieldError, Filtered, JsonBody, Ok200};
use super::companies::find_company;
use super::{ApiTags, Authorized};
use crate::auth::caller::Caller;
use crate::integrations::not_configured;
use crate::routes;
use crate::state::AppState;
use crate::store::unifi_sites::SiteRecord;
use crate::sync::SyncError;
use crate::sync::unifi_sites;

/// `/unifi`, and `/company/companies/:identifier/unifi/sites`.
#[derive(Debug)]
pub struct UnifiApi {
    /// Shared state.
    pub state: Arc<AppState>,
}

/// How a failed site sync reaches the caller.
fn sync_error(e: SyncError) -> ApiError {
    match e {
        SyncError::NotConfigured(vendor) => not_configured(vendor, "OPTIMA_UNIFI_*"),
        SyncError::Busy(_) => ApiError::new(
            StatusCode::CONFLICT,
            "SyncInProgress",
            "A UniFi site sync is already running; try again when it has finished",
        ),
        SyncError::Unifi(e) => ApiError::from(*e),
        // The database (logged, not shown).
        other => ApiError::internal(&other),
    }
}

/// A Wi-Fi network with only the fields the caller may read (those the controller holds no
/// value for as null), and its entity tag.
pub fn filter_wifi(state: &AppState, caller: &Caller, wlan: &Wlan) -> Filtered<WifiNetwork> {
    let value = WifiNetwork::from(wlan).to_json().unwrap_or_default();
    let mut value = filter_fields(value, WIFI_READ_PREFIX, &caller.grants);
    if let Some(object) = value.as_object_mut() {
        object.insert("etag".into(), wifi_etag(state, wlan).into());
    }
    Filtered::new(value)
}

/// A Wi-Fi network's entity tag: a keyed hash of everything the controller holds of it,
/// passphrase included (the classic API keeps no revision of its own).
pub fn wifi_etag(state: &AppState, wlan: &Wlan) -> String {
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&state.etag_key)
        .expect("HMAC takes a key of any length");
    mac.update(&serde_json::to_vec(wlan).unwrap_or_default());
    let tag = mac.finalize().into_bytes();
    let hex: String = tag[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether an `If-Match` header value names `etag`: `*`, or a list of tags one of which is it
/// (weak ones compared as strong, since the tag is computed the same way each time).
fn if_match_holds(if_match: &str, etag: &str) -> bool {
    if_match.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

fn field_error(path: &[&str], message: impl Into<String>) -> FieldError {
    FieldError {
        path: path.iter().map(|s| (*s).to_owned()).collect(),
        message: message.into(),
    }
}

fn check_errors(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

fn check_passphrase(errors: &mut Vec<FieldError>, field: &str, value: &str) {
    let n = value.chars().count();
    if !(8..=63).contains(&n) {
        errors.push(field_error(
            &["body", field],
            format!("must be 8 to 63 characters, not {n}"),
        ));
    }
}

/// `AA:BB:CC:DD:EE:FF` (or with `-`), in lower case; `None` when it is not a MAC address.
fn normalize_mac(mac: &str) -> Option<String> {
    let parts: Vec<&str> = mac.trim().split([':', '-']).collect();
    let ok = parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| parts.join(":").to_ascii_lowercase())
}

/// Turns a PATCH body into the controller's partial update. The values were checked against the
/// schema (lengths, the allowed words) when the body was parsed.
pub fn wifi_update(body: &WifiUpdateBody) -> WlanUpdate {
    let mut update = WlanUpdate::new();
    if let Some(name) = &body.name {
        update = update.name(name.clone());
    }
    if let Some(p) = &body.x_passphrase {
        update = update.passphrase(SecretString::from(p.clone()));
    }
    if let Some(enabled) = body.enabled {
        update = update.enabled(enabled);
    }
    if let Some(security) = &body.security {
        update = update.security(Security::from(security.as_str()));
    }
    // The controller spells WPA3 as WPA2 plus `wpa3_support`, and the mixed mode as WPA2 plus
    // `wpa3_support` and `wpa3_transition`.
    match body.wpa_mode.as_deref() {
        Some("wpa2") => update = update.wpa_mode(WpaMode::Wpa2).wpa3(false, false),
        Some("wpa3") => update = update.wpa_mode(WpaMode::Wpa2).wpa3(true, false),
        Some("wpa2wpa3") => update = update.wpa_mode(WpaMode::Wpa2).wpa3(true, true),
        _ => {}
    }
    if let Some(hide) = body.hide_ssid {
        update = update.hide_ssid(hide);
    }
    if let Some(guest) = body.is_guest {
        update = update.is_guest(guest);
    }
    if let Some(band) = &body.band {
        update = update.band(WlanBand::from(band.as_str()));
    }
    update
}

fn check_limit(errors: &mut Vec<FieldError>, field: &str, value: Option<i64>) -> RateLimit {
    match value {
        // The schema allows -1 and up; 0 kbps would cut clients off, so it means no limit too.
        None | Some(-1) | Some(0) => RateLimit::Unlimited,
        Some(v) if v > 0 => RateLimit::Kbps(v as u64),
        Some(v) => {
            errors.push(field_error(
                &["body", field],
                format!("must be -1 (unlimited) or a positive number of kbps, not {v}"),
            ));
            RateLimit::Unlimited
        }
    }
}

impl UnifiApi {
    async fn record(&self, id: &str) -> Result<SiteRecord, ApiError> {
        self.state
            .store
            .find_unifi_site(id)
            .await?
            .ok_or_else(|| site_not_found(id))
    }

    /// The controller's handler for the site record `id` (503 when UniFi is not configured,
    /// 404 when there is no such record).
    async fn site(&self, id: &str) -> Result<(SiteRecord, SiteHandler), ApiError> {
        let unifi = self.state.integrations.unifi()?;
        let record = self.record(id).await?;
        let site = unifi.site(record.site_id.clone());
        Ok((record, site))
    }
}

#[routes::handlers]
#[OpenApi(prefix_path = "/v1")]
impl UnifiApi {
    /// Every UniFi site Optima tracks, with the company each is linked to.
    #[oai(tag = "ApiTags::Unifi")]
    async fn list_sites(
        &self,
        caller: Authorized<routes::ListUnifiSites>,
    ) -> Result<Ok200<Vec<UnifiSiteListed>>, ApiError> {
        let sites = self.state.store.list_unifi_sites().await?;
        Ok(caller.ok(sites.into_iter().map(Into::into).collect()))
    }

    /// Copies the controller's sites into Optima: a record for every site not yet tracked, and
    /// the new name of every renamed one. Returns the record of every site the controller lists.
    #[oai(tag = "ApiTags::Unifi")]
    async fn sync_sites(
        &self,
        caller: Authorized<routes::SyncUnifiSites>,
    ) -> Result<Ok200<Vec<UnifiSiteOut>>, ApiError> {
        self.state.integrations.unifi()?;
        let outcome = unifi_sites::sync_unifi_sites(&self.state)
            .await
            .map_err(sync_error)?;
        Ok(caller.ok(outcome.records.into_iter().map(Into::into).collect()))
    }

    /// Creates a site on the controller and tracks it.
    #[oai(tag = "ApiTags::Unifi")]
    async fn create_site(
        &self,
        caller: Authorized<routes::CreateUnifiSite>,
        body: JsonBody<CreateSiteBody>,
    ) -> Result<Ok200<UnifiSiteOut>, ApiError> {
        let description = body.0.description.trim().to_owned();
        if description.is_empty() {
            return Err(ApiError::invalid(
                &["body", "description"],
                "must not be empty",
            ));
        }
        let unifi = self.state.integrations.unifi()?;
        let created = unifi.sites().create(&description).await?;
        let Some(site_id) = created.name.filter(|n| !n.is_empty()) else {
            return Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                "UniFiError",
                "The UniFi controller created the site but did not say its name",
            ));
        };
        let name = created
            .desc
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(description);
        let (record, _) = self.state.store.upsert_unifi_site(&site_id, &name).await?;
        tracing::info!(site_id, "created UniFi site");
        Ok(caller.ok(record.into()))
    }

    /// One UniFi site record.
    #[oai(tag = "ApiTags::Unifi")]
    async fn get_site(
        &self,
        caller: Authorized<routes::GetUnifiSite>,
        /// Optima's id of the site.
        id: Path<String>,
    ) -> Result<Ok200<UnifiSiteOut>, ApiError> {
        let record = self.record(&id.0).await?;
        Ok(caller.ok(record.into()))
    }

    /// Live health, controller information and site description.
    #[oai(tag = "ApiTags::Unifi")]
    async fn overview(
        &self,
        caller: Authorized<routes::GetUnifiSiteOverview>,
        /// Optima's id of the site.
        id: Path<String>,
    ) -> Result<Ok200<UnifiOverview>, ApiError> {
        let (record, site) = self.site(&id.0).await?;
        let unifi = self.state.integrations.unifi()?;
        let sites = unifi.sites();
        let (health, sysinfo, all_sites) =
            futures::try_join!(site.health(), site.sysinfo(), sites.list())?;
        let described = all_sites
            .iter()
            .find(|s| s.name.as_deref() == Some(record.site_id.as_str()))
            .and_then(|s| s.desc.clone());
        Ok(caller.ok(UnifiOverview {
            health: health.iter().map(Into::into).collect(),
            sys_info: (&sysinfo).into(),
            site_info: UnifiSiteInfo {
                description: described.unwrap_or(record.name),
                name: record.site_id,
            },
        }))
    }

    /// Live devices of the site.
    #[oai(tag = "ApiTags::Unifi")]
    async fn devices(
        &self,
        caller: Authorized<routes::ListUnifiDevices>,
        /// Optima's id of the site.
        id: Path<String>,
    ) -> Result<Ok200<Vec<UnifiDevice>>, ApiError> {
        let (_, site) = self.site(&id.0).await?;
        let devices = site.devices().list().await?;
        Ok(caller.ok(devices.iter().map(Into::into).collect()))
    }

    /// Live Wi-Fi networks of the site, each with only the fields the caller may read
    /// (`unifi.site.wifi.read.<field>`; `unifi.site.wifi.read.*` for all).
    #[oai(tag = "ApiTags::Unifi")]
    async fn wifi(
        &self,
        caller: Authorized<routes::ListUnifiWifi>,
        /// Optima's id of the site.
        id: Path<String>,
    ) -> Result<Ok200<Vec<Filtered<WifiNetwork>>>, ApiError> {
        let (_, site) = self.site(&id.0).await?;
        let wlans = site.wlans().list().await?;
        let data = wlans
            .iter()
            .map(|w| filter_wifi(&self.state, &caller, w))
            .collect();
        Ok(caller.ok(data))
    }

    /// Changes a Wi-Fi network. Returns it as changed, with only the fields the caller may read,
    /// and its new `ETag`. With `If-Match` (the `etag` a list gave), a network changed on the
    /// controller since is not overwritten: 412 with the network as it is now.
    #[oai(tag = "ApiTags::Unifi")]
    async fn update_wifi(
        &self,
        caller: Authorized<routes::UpdateUnifiWifi>,
        /// Optima's id of the site.
        id: Path<String>,
        /// The controller's id of the Wi-Fi network.
        #[oai(name = "wlanId")]
        wlan_id: Path<String>,
        /// The `etag` of the network as last read: change it only if it is still so.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<WifiUpdateBody>,
    ) -> Result<WifiUpdated, ApiError> {
        let update = wifi_update(&body.0);
        let (_, site) = self.site(&id.0).await?;
        // A blank `If-Match` names no tag: it is taken as absent.
        if let Some(if_match) = if_match.0.as_deref().filter(|v| !v.trim().is_empty()) {
            // The classic API cannot update conditionally: read, compare, then write, which
            // leaves only the moment between the two for a change to slip through.
            let current = site.wlans().get(&wlan_id.0).await?;
            let etag = wifi_etag(&self.state, &current);
            if !if_match_holds(if_match, &etag) {
                return Ok(WifiUpdated::PreconditionFailed(
                    Json(WifiChanged {
                        status: 412,
                        message: "The Wi-Fi network changed on the controller since it was read; \
                                  here it is as it is now"
                            .into(),
                        error: "WifiChanged".into(),
                        data: filter_wifi(&self.state, &caller, &current),
                        successful: false,
                    }),
                    etag,
                ));
            }
        }
        // An empty body changes nothing: answer with the network as it is.
        let wlan = if update.is_empty() {
            site.wlans().get(&wlan_id.0).await?
        } else {
            site.wlans().update(&wlan_id.0, &update).await?
        };
        tracing::info!(site = site.name(), wlan = %wlan_id.0, "updated UniFi Wi-Fi network");
        let etag = wifi_etag(&self.state, &wlan);
        let Ok200::Ok(body) = caller.ok(filter_wifi(&self.state, &caller, &wlan));
        Ok(WifiUpdated::Ok(body, etag))
    }

    /// Live networks of the site.
    #[oai(tag = "ApiTags::Unifi")]
    async fn networks(
        &self,
        caller: Authorized<routes::ListUnifiNetworks>,
        /// Optima's id of the site.
        id: Path<String>,
    ) -> Result<Ok200<Vec<UnifiNetwork>>, ApiError> {
        let (_, site) = self.site(&id.0).await?;
        let networks = site.networks().list().await?;
        Ok(caller.ok(networks.iter().map(Into::into).collect()))
    }

    /// WLAN groups of the site.
    #[oai(tag = "ApiTags::Unifi")]
    async fn wlan_groups(
        &self,
        caller: Authorized<routes::ListUnifiWlanGroups>,
        /// Optima's id of the site.
        id: Path<String>,
    ) -> Result<Ok200<Vec<UnifiWlanGroup>>, ApiError> {
        let (_, site) = self.site(&id.0).await?;
        let groups = site.wlan_groups().list().await?;
        Ok(caller.ok(groups.iter().map(Into::into).collect()))
    }

    /// Creates a WLAN group on the site.
    #[oai(tag = "ApiTags::Unifi")]
    async fn create_wlan_group(
        &self,
        caller: Authorized<routes::CreateUnifiWlanGroup>,
        /// Optima's id of the site.
        id: Path<String>,
        body: JsonBody<CreateWlanGroupBody>,
    ) -> Result<Created201<UnifiWlanGroup>, ApiError> {
        let name = body.0.name.trim().to_owned();
        if name.is_empty() {
            return Err(ApiError::invalid(&["body", "name"], "must not be empty"));
        }
        let (_, site) = self.site(&id.0).await?;
        let group = site.wlan_groups().create(&name).await?;
        Ok(caller.created((&group).into()))
    }

    /// AP groups of the site.
    #[oai(tag = "ApiTags::Unifi")]
    async fn ap_groups(
        &self,
        caller: Authorized<routes::ListUnifiApGroups>,
        /// Optima's id of the site.
        id: Path<String>,
    ) -> Result<Ok200<Vec<UnifiApGroup>>, ApiError> {
        let (_, site) = self.site(&id.0).await?;
        let groups = site.ap_groups().list().await?;
        Ok(caller.ok(groups.iter().map(Into::into).collect()))
    }

    /// Access points of the site.
    #[oai(tag = "ApiTags::Unifi")]
    async fn access_points(
        &self,
        caller: Authorized<routes::ListUnifiAccessPoints>,
        /// Optima's id of the site.
        id: Path<String>,
    ) -> Result<Ok200<Vec<UnifiAccessPoint>>, ApiError> {
        let (record, site) = self.site(&id.0).await?;
        if let Some(integration) = &self.state.integrations.unifi_integration {
            let unifi = self.state.integrations.unifi()?;
            let client = integration.client(unifi).await?;
            let mut uuid = integration.site_uuid(client, &record.site_id).await?;
            let mut devices = client.site(&uuid).devices().list().all().await;
            if devices
                .as_ref()
                .is_err_and(optima_unifi::Error::is_not_found)
            {
                // A UUID remembered from before the site was recreated: ask once more.
                integration.forget_site(&record.site_id);
                uuid = integration.site_uuid(client, &record.site_id).await?;
                devices = client.site(&uuid).devices().list().all().await;
            }
            // Gateways with radios (UDR, UX) list `accessPoint` too; the classic route gives
            // only devices of type `uap`.
            return Ok(caller.ok(devices?
                .iter()
                .filter(|d| d.is_access_point() && !d.features.iter().any(|f| f == "gateway"))
                .map(Into::into)
                .collect()));
        }
        let aps = site.devices().access_points().await?;
        Ok(caller.ok(aps.iter().map(Into::into).collect()))
    }

    /// SSIDs per access point and radio, against the limit of 8 per radio.
    #[oai(tag = "ApiTags::Unifi")]
    async fn wifi_limits(
        &self,
        caller: Authorized<routes::GetUnifiWifiLimits>,
        /// Optima's id of the site.
        id: Path<String>,
    ) -> Result<Ok200<Vec<UnifiApLimits>>, ApiError> {
        let (_, site) = self.site(&id.0).await?;
        let limits = site.ssid_limits().await?;
        Ok(caller.ok(limits.iter().map(Into::into).collect()))
    }

    /// Speed profiles (user groups) of the site; -1 is unlimited.
    #[oai(tag = "ApiTags::Unifi")]
    async fn speed_profiles(
        &self,
        caller: Authorized<routes::ListUnifiSpeedProfiles>,
        /// Optima's id of the site.
        id: Path<String>,
    ) -> Result<Ok200<Vec<UnifiSpeedProfile>>, ApiError> {
        let (_, site) = self.site(&id.0).await?;
        let groups = site.speed_profiles().list().await?;
        Ok(caller.ok(groups.iter().map(Into::into).collect()))
    }

    /// Creates a speed profile on the site.
    #[oai(tag = "ApiTags::Unifi")]
    async fn create_speed_profile(
        &self,
        caller: Authorized<routes::CreateUnifiSpeedProfile>,
        /// Optima's id of the site.
        id: Path<String>,
        body: JsonBody<CreateSpeedProfileBody>,
    ) -> Result<Created201<UnifiSpeedProfile>, ApiError> {
        let body = body.0;
        let mut errors = Vec::new();
        let name = body.name.trim().to_owned();
        if name.is_empty() {
            errors.push(field_error(&["body", "name"], "must not be empty"));
        }
        let down = check_limit(&mut errors, "downloadLimitKbps", body.download_limit_kbps);
        let up = check_limit(&mut errors, "uploadLimitKbps", body.upload_limit_kbps);
        check_errors(errors)?;
        let (_, site) = self.site(&id.0).await?;
        let group = site
            .speed_profiles()
            .create(&NewUserGroup::new(name).download(down).upload(up))
            .await?;
        Ok(caller.created((&group).into()))
    }

    /// The private pre-shared keys of a Wi-Fi network, with the VLAN each puts its clients on.
    #[oai(tag = "ApiTags::Unifi")]
    async fn ppsks(
        &self,
        caller: Authorized<routes::ListUnifiPpsks>,
        /// Optima's id of the site.
        id: Path<String>,
        /// The controller's id of the Wi-Fi network.
        #[oai(name = "wlanId")]
        wlan_id: Path<String>,
    ) -> Result<Ok200<Vec<UnifiPpsk>>, ApiError> {
        let (_, site) = self.site(&id.0).await?;
        let keys = site.wlans().ppsks(wlan_id.0).list_resolved().await?;
        Ok(caller.ok(keys.iter().map(Into::into).collect()))
    }

    /// Adds a private pre-shared key to a Wi-Fi network (turning PPSK mode on), its clients put
    /// on the network that carries `vlanId` (or the Wi-Fi network's own). Returns every key of
    /// the network.
    #[oai(tag = "ApiTags::Unifi")]
    async fn create_ppsk(
        &self,
        caller: Authorized<routes::CreateUnifiPpsk>,
        /// Optima's id of the site.
        id: Path<String>,
        /// The controller's id of the Wi-Fi network.
        #[oai(name = "wlanId")]
        wlan_id: Path<String>,
        body: JsonBody<CreatePpskBody>,
    ) -> Result<Created201<Vec<UnifiPpsk>>, ApiError> {
        let body = body.0;
        let mut errors = Vec::new();
        check_passphrase(&mut errors, "key", &body.key);
        let name = body.name.trim().to_owned();
        if name.is_empty() {
            errors.push(field_error(&["body", "name"], "must not be empty"));
        }
        let mac = match body.mac.as_deref().filter(|m| !m.trim().is_empty()) {
            None => None,
            Some(m) => {
                let normalized = normalize_mac(m);
                if normalized.is_none() {
                    errors.push(field_error(
                        &["body", "mac"],
                        format!("{m:?} is not a MAC address (AA:BB:CC:DD:EE:FF)"),
                    ));
                }
                normalized
            }
        };
        if let Some(v) = body.vlan_id
            && !(1..=4094).contains(&v)
        {
            errors.push(field_error(
                &["body", "vlanId"],
                format!("must be a VLAN id from 1 to 4094, not {v}"),
            ));
        }
        check_errors(errors)?;

        let (_, site) = self.site(&id.0).await?;
        let wlans = site.wlans();
        let networks_handler = site.networks();
        let (wlan, networks) = futures::try_join!(wlans.get(&wlan_id.0), networks_handler.list())?;
        let network_id = match body.vlan_id {
            Some(vlan) => networks
                .iter()
                .find(|n| n.vlan_id().map(i64::from) == Some(vlan))
                .and_then(|n| n.id.clone())
                .ok_or_else(|| {
                    ApiError::not_found(
                        "UnifiVlanNotFound",
                        format!("No network of this UniFi site carries VLAN {vlan}."),
                    )
                })?,
            None => wlan
                .networkconf_id
                .clone()
                .or_else(|| {
                    networks
                        .iter()
                        .find(|n| n.vlan_id().is_none() && n.purpose.as_deref() != Some("wan"))
                        .and_then(|n| n.id.clone())
                })
                .ok_or_else(|| {
                    ApiError::invalid(
                        &["body", "vlanId"],
                        "this Wi-Fi network has no network of its own: name a VLAN",
                    )
                })?,
        };
        let mut ppsk =
            NewPpsk::new(SecretString::from(body.key), network_id).with_field("name", name);
        if let Some(mac) = mac {
            ppsk = ppsk.with_field("mac", mac);
        }
        let keys = wlans.ppsks(wlan_id.0.clone()).add(&ppsk).await?;
        tracing::info!(site = site.name(), wlan = %wlan_id.0, "added a UniFi PPSK");
        let resolved = resolve_ppsks(keys, &networks);
        Ok(caller.created(resolved.iter().map(Into::into).collect()))
    }

    /// Links a UniFi site to a company.
    #[oai(tag = "ApiTags::Unifi")]
    async fn link(
        &self,
        caller: Authorized<routes::LinkUnifiSite>,
        /// Optima's id of the site.
        id: Path<String>,
        body: JsonBody<LinkSiteBody>,
    ) -> Result<Ok200<UnifiSiteOut>, ApiError> {
        self.record(&id.0).await?;
        let company = find_company(&self.state, body.0.company_id.trim()).await?;
        let record = self
            .state
            .store
            .link_unifi_site(&id.0, Some(&company.id))
            .await?
            .ok_or_else(|| site_not_found(&id.0))?;
        Ok(caller.ok(record.into()))
    }

    /// Unlinks a UniFi site from its company.
    #[oai(tag = "ApiTags::Unifi")]
    async fn unlink(
        &self,
        caller: Authorized<routes::UnlinkUnifiSite>,
        /// Optima's id of the site.
        id: Path<String>,
    ) -> Result<Ok200<UnifiSiteOut>, ApiError> {
        let record = self
            .state
            .store
            .link_unifi_site(&id.0, None)
            .await?
            .ok_or_else(|| site_not_found(&id.0))?;
        Ok(caller.ok(record.into()))
    }

    /// The UniFi sites linked to a company.
    #[oai(tag = "ApiTags::Company")]
    async fn company_sites(
        &self,
        caller: Authorized<routes::GetCompanyUnifiSites>,
        /// Optima's company id (or the ConnectWise company id).
        identifier: Path<String>,
    ) -> Result<Ok200<Vec<UnifiSiteOut>>, ApiError> {
        let company = find_company(&self.state, &identifier.0).await?;
        let sites = self.state.store.unifi_sites_of_company(&company.id).await?;
        Ok(caller.ok(sites.into_iter().map(Into::into).collect()))
    }
}

/// 404 for a site record Optima does not have.
fn site_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "UnifiSiteNotFound",
        format!("UniFi site with id '{id}' was not found."),
    )
}
