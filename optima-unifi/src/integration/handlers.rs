//! One handler per resource of the Integration API.

use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};

use super::IntegrationClient;
use super::filter::Filter;
use super::models::{
    Client, DeviceDetails, DeviceOverview, DeviceStatistics, Network, NewVouchers, Site, Voucher,
    VoucherCreation, VoucherDeletion, WifiBroadcast,
};
use super::page::ListRequest;
use crate::error::{Error, Result};
use optima_http::segment as seg;

/// Largest `limit` of ordinary lists.
pub(crate) const MAX_LIMIT: u32 = 200;
/// Largest `limit` of the voucher list.
pub(crate) const MAX_VOUCHER_LIMIT: u32 = 1000;

fn to_body(body: &impl Serialize) -> Result<Value> {
    serde_json::to_value(body).map_err(|e| Error::InvalidInput(format!("unserializable body: {e}")))
}

/// `/v1/sites`.
#[derive(Debug, Clone)]
pub struct SitesHandler {
    client: IntegrationClient,
}

impl SitesHandler {
    pub(crate) fn new(client: IntegrationClient) -> Self {
        Self { client }
    }

    /// `GET /v1/sites` (filterable by `id`, `internalReference`, `name`).
    pub fn list(&self) -> ListRequest<Site> {
        ListRequest::new(self.client.clone(), "/v1/sites".into(), MAX_LIMIT)
    }
}

/// The resources of one site, `/v1/sites/{siteId}/…`.
#[derive(Debug, Clone)]
pub struct SiteHandler {
    client: IntegrationClient,
    base: String,
}

impl SiteHandler {
    pub(crate) fn new(client: IntegrationClient, site_id: String) -> Self {
        Self {
            client,
            base: format!("/v1/sites/{}", seg(&site_id)),
        }
    }

    /// Adopted devices.
    pub fn devices(&self) -> DevicesHandler {
        DevicesHandler {
            client: self.client.clone(),
            base: format!("{}/devices", self.base),
        }
    }

    /// Connected clients.
    pub fn clients(&self) -> ClientsHandler {
        ClientsHandler {
            client: self.client.clone(),
            base: format!("{}/clients", self.base),
        }
    }

    /// Networks (Network 10.0 or later).
    pub fn networks(&self) -> NetworksHandler {
        NetworksHandler {
            client: self.client.clone(),
            base: format!("{}/networks", self.base),
        }
    }

    /// Wi-Fi broadcasts (SSIDs; Network 10.0 or later).
    pub fn wifi_broadcasts(&self) -> WifiBroadcastsHandler {
        WifiBroadcastsHandler {
            client: self.client.clone(),
            base: format!("{}/wifi/broadcasts", self.base),
        }
    }

    /// Hotspot vouchers.
    pub fn vouchers(&self) -> VouchersHandler {
        VouchersHandler {
            client: self.client.clone(),
            base: format!("{}/hotspot/vouchers", self.base),
        }
    }
}

/// `/v1/sites/{siteId}/devices`.
#[derive(Debug, Clone)]
pub struct DevicesHandler {
    client: IntegrationClient,
    base: String,
}

impl DevicesHandler {
    /// `GET …/devices`: adopted devices.
    pub fn list(&self) -> ListRequest<DeviceOverview> {
        ListRequest::new(self.client.clone(), self.base.clone(), MAX_LIMIT)
    }

    /// `GET …/devices/{deviceId}`: one device with its ports and radios.
    ///
    /// # Errors
    /// Transport, API and decode errors (an unknown id is a 404, see [`Error::is_not_found`]).
    pub async fn get(&self, device_id: &str) -> Result<DeviceDetails> {
        self.client
            .get(&format!("{}/{}", self.base, seg(device_id)))
            .await
    }

    /// `GET …/devices/{deviceId}/statistics/latest`.
    ///
    /// # Errors
    /// Transport, API and decode errors.
    pub async fn latest_statistics(&self, device_id: &str) -> Result<DeviceStatistics> {
        self.client
            .get(&format!(
                "{}/{}/statistics/latest",
                self.base,
                seg(device_id)
            ))
            .await
    }

    /// `POST …/devices/{deviceId}/actions` with `{"action": action}` (e.g. `RESTART`).
    ///
    /// # Errors
    /// Transport and API errors.
    pub async fn action(&self, device_id: &str, action: &str) -> Result<()> {
        let path = format!("{}/{}/actions", self.base, seg(device_id));
        self.client
            .request(Method::POST, &path, &[], Some(&json!({ "action": action })))
            .await?;
        Ok(())
    }

    /// Restarts the device (`{"action":"RESTART"}`).
    ///
    /// # Errors
    /// Transport and API errors.
    pub async fn restart(&self, device_id: &str) -> Result<()> {
        self.action(device_id, "RESTART").await
    }

    /// Power-cycles the PoE port `port_idx` (from 1):
    /// `POST …/devices/{deviceId}/interfaces/ports/{portIdx}/actions` with `{"action":"POWER_CYCLE"}`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for port 0; transport and API errors.
    pub async fn power_cycle_port(&self, device_id: &str, port_idx: u32) -> Result<()> {
        if port_idx == 0 {
            return Err(Error::InvalidInput("port indexes start at 1".into()));
        }
        let path = format!(
            "{}/{}/interfaces/ports/{port_idx}/actions",
            self.base,
            seg(device_id)
        );
        self.client
            .request(
                Method::POST,
                &path,
                &[],
                Some(&json!({"action": "POWER_CYCLE"})),
            )
            .await?;
        Ok(())
    }
}

/// `/v1/sites/{siteId}/clients`.
#[derive(Debug, Clone)]
pub struct ClientsHandler {
    client: IntegrationClient,
    base: String,
}

impl ClientsHandler {
    /// `GET …/clients`: connected clients only.
    pub fn list(&self) -> ListRequest<Client> {
        ListRequest::new(self.client.clone(), self.base.clone(), MAX_LIMIT)
    }

    /// `GET …/clients/{clientId}`.
    ///
    /// # Errors
    /// Transport, API and decode errors.
    pub async fn get(&self, client_id: &str) -> Result<Client> {
        self.client
            .get(&format!("{}/{}", self.base, seg(client_id)))
            .await
    }
}

/// `/v1/sites/{siteId}/networks`.
#[derive(Debug, Clone)]
pub struct NetworksHandler {
    client: IntegrationClient,
    base: String,
}

impl NetworksHandler {
    /// `GET …/networks`.
    pub fn list(&self) -> ListRequest<Network> {
        ListRequest::new(self.client.clone(), self.base.clone(), MAX_LIMIT)
    }

    /// `GET …/networks/{networkId}`.
    ///
    /// # Errors
    /// Transport, API and decode errors.
    pub async fn get(&self, network_id: &str) -> Result<Network> {
        self.client
            .get(&format!("{}/{}", self.base, seg(network_id)))
            .await
    }
}

/// `/v1/sites/{siteId}/wifi/broadcasts`.
#[derive(Debug, Clone)]
pub struct WifiBroadcastsHandler {
    client: IntegrationClient,
    base: String,
}

impl WifiBroadcastsHandler {
    /// `GET …/wifi/broadcasts`.
    pub fn list(&self) -> ListRequest<WifiBroadcast> {
        ListRequest::new(self.client.clone(), self.base.clone(), MAX_LIMIT)
    }

    /// `GET …/wifi/broadcasts/{id}`.
    ///
    /// # Errors
    /// Transport, API and decode errors.
    pub async fn get(&self, id: &str) -> Result<WifiBroadcast> {
        self.client.get(&format!("{}/{}", self.base, seg(id))).await
    }

    /// `POST …/wifi/broadcasts`: creates a broadcast from the whole create schema (a
    /// [`WifiBroadcast`] or any JSON value) and returns it as created.
    ///
    /// # Errors
    /// Transport, API and decode errors; a rejected body is an [`Error::Integration`] with HTTP 400.
    pub async fn create(&self, broadcast: &impl Serialize) -> Result<WifiBroadcast> {
        let body = to_body(broadcast)?;
        let value = self
            .client
            .request(Method::POST, &self.base, &[], Some(&body))
            .await?;
        self.client.decode_body(&self.base, value)
    }

    /// `PUT …/wifi/broadcasts/{id}`: replaces the whole broadcast (fields left out go back to
    /// their defaults, so send a fetched one changed, see [`WifiBroadcast::for_update`]).
    ///
    /// # Errors
    /// Transport, API and decode errors.
    pub async fn update(&self, id: &str, broadcast: &impl Serialize) -> Result<WifiBroadcast> {
        let body = to_body(broadcast)?;
        let path = format!("{}/{}", self.base, seg(id));
        let value = self
            .client
            .request(Method::PUT, &path, &[], Some(&body))
            .await?;
        self.client.decode_body(&path, value)
    }

    /// `DELETE …/wifi/broadcasts/{id}`.
    ///
    /// # Errors
    /// Transport and API errors.
    pub async fn delete(&self, id: &str) -> Result<()> {
        let path = format!("{}/{}", self.base, seg(id));
        self.client
            .request(Method::DELETE, &path, &[], None)
            .await?;
        Ok(())
    }
}

/// `/v1/sites/{siteId}/hotspot/vouchers`.
#[derive(Debug, Clone)]
pub struct VouchersHandler {
    client: IntegrationClient,
    base: String,
}

impl VouchersHandler {
    /// `GET …/hotspot/vouchers` (server default 100 per page, at most 1000).
    pub fn list(&self) -> ListRequest<Voucher> {
        ListRequest::new(self.client.clone(), self.base.clone(), MAX_VOUCHER_LIMIT)
    }

    /// `POST …/hotspot/vouchers`: creates 1–1000 vouchers and returns them.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for out-of-range values, before anything is sent; transport, API
    /// and decode errors. Not retried unless the connection could not be made, so a failure
    /// never doubles a batch.
    pub async fn create(&self, request: &NewVouchers) -> Result<Vec<Voucher>> {
        request.validate()?;
        let body = to_body(request)?;
        let value = self
            .client
            .request(Method::POST, &self.base, &[], Some(&body))
            .await?;
        let created: VoucherCreation = self.client.decode_body(&self.base, value)?;
        Ok(created.vouchers)
    }

    /// `GET …/hotspot/vouchers/{voucherId}`.
    ///
    /// # Errors
    /// Transport, API and decode errors.
    pub async fn get(&self, voucher_id: &str) -> Result<Voucher> {
        self.client
            .get(&format!("{}/{}", self.base, seg(voucher_id)))
            .await
    }

    /// `DELETE …/hotspot/vouchers/{voucherId}`; returns how many were deleted, as the console
    /// says (`vouchersDeleted`).
    ///
    /// # Errors
    /// Transport, API and decode errors.
    pub async fn delete(&self, voucher_id: &str) -> Result<u64> {
        let path = format!("{}/{}", self.base, seg(voucher_id));
        self.deleted(&path, &[]).await
    }

    /// `DELETE …/hotspot/vouchers?filter=…`: deletes every voucher matching `filter` (which the
    /// API requires) and returns how many went, e.g. `prop("expired").eq(true)`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed filter; transport, API and decode errors.
    pub async fn delete_matching(&self, filter: &Filter) -> Result<u64> {
        let q = filter.to_query()?;
        self.deleted(&self.base, &[("filter", q)]).await
    }

    /// The console's `vouchersDeleted`; an answer without it is not taken as any number.
    async fn deleted(&self, path: &str, query: &[(&str, String)]) -> Result<u64> {
        let missing = || Error::UnexpectedResponse(format!("no vouchersDeleted from {path}"));
        let value = self
            .client
            .request(Method::DELETE, path, query, None)
            .await?
            .ok_or_else(missing)?;
        let out: VoucherDeletion = crate::client::decode(value, "")?;
        out.vouchers_deleted
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(missing)
    }
}
