//! SSIDs per radio: how many SSIDs each access point broadcasts on each radio, against a limit.

use crate::models::{Band, Device};

/// UniFi access points broadcast at most 8 SSIDs per radio.
pub const DEFAULT_SSIDS_PER_RADIO: usize = 8;

/// The SSID usage of one radio of an access point.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RadioSsidUsage {
    /// Radio code as the controller spells it: `ng`, `na`, `6e`.
    pub radio: String,
    /// The band of that radio (`2g`, `5g`, `6g`), `None` for a radio code this crate does not know.
    pub band: Option<Band>,
    /// Number of active SSIDs on the radio.
    pub active: usize,
    /// The limit used.
    pub limit: usize,
    /// How many more SSIDs fit (`limit - active`, never negative).
    pub remaining: usize,
    /// The SSIDs, in `vap_table` order.
    pub names: Vec<String>,
}

impl RadioSsidUsage {
    /// True when the radio carries more SSIDs than the limit.
    pub fn over_limit(&self) -> bool {
        self.active > self.limit
    }
}

/// The SSID usage of one access point.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApSsidUsage {
    /// Device object id.
    pub device_id: Option<String>,
    /// Device name.
    pub name: Option<String>,
    /// MAC address.
    pub mac: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// One entry per radio: radios of `radio_table` (in order, so idle radios show 0), then any
    /// radio seen only in `vap_table`.
    pub radios: Vec<RadioSsidUsage>,
}

/// The band of a radio code: `ng` → 2g, `na` → 5g, `6e` → 6g.
pub fn radio_band(radio: &str) -> Option<Band> {
    match radio {
        "ng" => Some(Band::TwoG),
        "na" => Some(Band::FiveG),
        "6e" => Some(Band::SixG),
        _ => None,
    }
}

/// Computes, for every access point (`type == "uap"`) among `devices`, the SSIDs active on each
/// radio from its `vap_table`, against `limit` SSIDs per radio.
///
/// A `vap_table` entry counts when it is not reported down (`up == false`) and is not a mesh
/// backhaul VAP (`usage` other than `user`). Devices that are not access points are skipped.
pub fn ssids_per_radio(devices: &[Device], limit: usize) -> Vec<ApSsidUsage> {
    devices
        .iter()
        .filter(|d| d.is_access_point())
        .map(|d| ap_ssid_usage(d, limit))
        .collect()
}

/// The SSID usage of one device (whatever its type).
pub fn ap_ssid_usage(device: &Device, limit: usize) -> ApSsidUsage {
    let mut radios: Vec<String> = Vec::new();
    for r in &device.radio_table {
        if let Some(code) = &r.radio
            && !radios.contains(code)
        {
            radios.push(code.clone());
        }
    }
    for v in &device.vap_table {
        if let Some(code) = &v.radio
            && !radios.contains(code)
        {
            radios.push(code.clone());
        }
    }
    let radios = radios
        .into_iter()
        .map(|code| {
            let names: Vec<String> = device
                .vap_table
                .iter()
                .filter(|v| v.radio.as_deref() == Some(code.as_str()))
                .filter(|v| v.up != Some(false))
                .filter(|v| v.usage.as_deref().is_none_or(|u| u == "user"))
                .map(|v| v.essid.clone().unwrap_or_default())
                .collect();
            RadioSsidUsage {
                band: radio_band(&code),
                radio: code,
                active: names.len(),
                limit,
                remaining: limit.saturating_sub(names.len()),
                names,
            }
        })
        .collect();
    ApSsidUsage {
        device_id: device.id.clone(),
        name: device.name.clone(),
        mac: device.mac.clone(),
        model: device.model.clone(),
        radios,
    }
}
