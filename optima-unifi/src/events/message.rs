//! The messages of the live events WebSocket, typed by their kind (`meta.message`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::decode;
use crate::error::{Error, Result};
use crate::models::{Device, Network, UserGroup, Wlan};

/// One message of the live events WebSocket: a text frame
/// `{"meta": {"rc": "ok", "message": KIND}, "data": [...]}`, typed by its kind.
///
/// The kinds this crate models have their own variant; every other kind is kept, as sent, in
/// [`EventMessage::Other`], never dropped. The models are lenient (every field optional, unknown
/// fields kept in `extra`), so a message of a modelled kind fails to decode only when its data
/// has the wrong shape altogether (say, a string where a device is expected).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum EventMessage {
    /// `device:sync`: the state of devices whose state changed (whole device objects, as
    /// `stat/device` returns them).
    DeviceSync(Vec<Device>),
    /// `device:update`: some fields of devices (partial device objects, usually statistics).
    DeviceUpdate(Vec<Device>),
    /// `sta:sync`: the state of connected clients ("stations").
    ClientSync(Vec<Station>),
    /// `events`: things that happened, such as a client connecting or roaming, or a device
    /// restarting or being adopted (`key` `EVT_*`).
    Events(Vec<ControllerEvent>),
    /// `alert`: alarms, with the fields of an event.
    Alerts(Vec<ControllerEvent>),
    /// `wlanconf:add`, `wlanconf:sync` (changed) or `wlanconf:delete`: WLAN configurations.
    WlanConf {
        /// Whether the WLANs were added, changed or deleted.
        change: ConfigChange,
        /// The WLANs (a deletion may carry only their ids).
        wlans: Vec<Wlan>,
    },
    /// `networkconf:add`, `networkconf:sync` or `networkconf:delete`: networks.
    NetworkConf {
        /// Whether the networks were added, changed or deleted.
        change: ConfigChange,
        /// The networks (a deletion may carry only their ids).
        networks: Vec<Network>,
    },
    /// `usergroup:add`, `usergroup:sync` or `usergroup:delete`: user groups (speed profiles).
    UserGroup {
        /// Whether the groups were added, changed or deleted.
        change: ConfigChange,
        /// The groups (a deletion may carry only their ids).
        groups: Vec<UserGroup>,
    },
    /// A message of any other kind (`speed-test:update`, `setting:sync`, `user:sync`, …), kept
    /// as sent. A JSON frame without `meta.message` is kept here too, with an empty `kind` (a
    /// frame that is not even an object is then the single item of `data`).
    Other {
        /// `meta.message`, e.g. `speed-test:update`.
        kind: String,
        /// The whole `meta` object (`rc`, `message` and anything else the controller put there).
        meta: Map<String, Value>,
        /// The items of `data` (a `data` that is not a list is its single item; none when absent).
        data: Vec<Value>,
    },
}

/// What happened to the configuration objects of a [`EventMessage::WlanConf`],
/// [`EventMessage::NetworkConf`] or [`EventMessage::UserGroup`] message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigChange {
    /// `…:add`: created.
    Added,
    /// `…:sync`: changed (the objects are sent whole).
    Changed,
    /// `…:delete`: deleted.
    Deleted,
}

impl ConfigChange {
    fn parse(suffix: &str) -> Option<Self> {
        match suffix {
            "add" => Some(Self::Added),
            "sync" => Some(Self::Changed),
            "delete" => Some(Self::Deleted),
            _ => None,
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Self::Added => "add",
            Self::Changed => "sync",
            Self::Deleted => "delete",
        }
    }
}

impl EventMessage {
    /// Decodes one text frame.
    ///
    /// A frame that is not JSON is an [`Error::Decode`] (path `.`); a message of a modelled kind
    /// whose data does not fit the model is an [`Error::Decode`] naming the failing path (e.g.
    /// `data[0].radio_table`). Any other JSON is a message: typed when its kind is modelled,
    /// [`EventMessage::Other`] when not.
    pub fn from_json(text: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(text).map_err(|source| Error::Decode {
            path: ".".into(),
            source,
        })?;
        Self::from_value(value)
    }

    /// Decodes one message already parsed as JSON; see [`EventMessage::from_json`].
    pub fn from_value(value: Value) -> Result<Self> {
        let (meta, data) = match value {
            Value::Object(mut m) => {
                let meta = match m.remove("meta") {
                    Some(Value::Object(meta)) => meta,
                    _ => Map::new(),
                };
                (meta, m.remove("data").unwrap_or(Value::Null))
            }
            other => (Map::new(), Value::Array(vec![other])),
        };
        let items = match data {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            single => vec![single],
        };
        let kind = meta
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok(match kind.as_str() {
            "device:sync" => Self::DeviceSync(decode(Value::Array(items), "data")?),
            "device:update" => Self::DeviceUpdate(decode(Value::Array(items), "data")?),
            "sta:sync" => Self::ClientSync(decode(Value::Array(items), "data")?),
            "events" => Self::Events(decode(Value::Array(items), "data")?),
            "alert" => Self::Alerts(decode(Value::Array(items), "data")?),
            _ => match kind.split_once(':') {
                Some((object, suffix)) => match (object, ConfigChange::parse(suffix)) {
                    ("wlanconf", Some(change)) => Self::WlanConf {
                        change,
                        wlans: decode(Value::Array(items), "data")?,
                    },
                    ("networkconf", Some(change)) => Self::NetworkConf {
                        change,
                        networks: decode(Value::Array(items), "data")?,
                    },
                    ("usergroup", Some(change)) => Self::UserGroup {
                        change,
                        groups: decode(Value::Array(items), "data")?,
                    },
                    _ => Self::Other {
                        kind,
                        meta,
                        data: items,
                    },
                },
                None => Self::Other {
                    kind,
                    meta,
                    data: items,
                },
            },
        })
    }

    /// The message's kind as the controller names it (`meta.message`): `device:sync`,
    /// `wlanconf:delete`, `speed-test:update` …
    pub fn kind(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Self::DeviceSync(_) => Cow::Borrowed("device:sync"),
            Self::DeviceUpdate(_) => Cow::Borrowed("device:update"),
            Self::ClientSync(_) => Cow::Borrowed("sta:sync"),
            Self::Events(_) => Cow::Borrowed("events"),
            Self::Alerts(_) => Cow::Borrowed("alert"),
            Self::WlanConf { change, .. } => Cow::Owned(format!("wlanconf:{}", change.suffix())),
            Self::NetworkConf { change, .. } => {
                Cow::Owned(format!("networkconf:{}", change.suffix()))
            }
            Self::UserGroup { change, .. } => Cow::Owned(format!("usergroup:{}", change.suffix())),
            Self::Other { kind, .. } => Cow::Borrowed(kind),
        }
    }
}

/// A connected client ("station") as `sta:sync` reports it.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Station {
    /// Object id of the client (`_id`).
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub id: Option<String>,
    /// MAC address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub mac: Option<String>,
    /// Name given in the UI.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// Host name the client announced.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub hostname: Option<String>,
    /// IP address.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub ip: Option<String>,
    /// Wired (`true`) or wireless.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub is_wired: Option<bool>,
    /// On a guest network.
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub is_guest: Option<bool>,
    /// SSID of a wireless client.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub essid: Option<String>,
    /// MAC of the access point of a wireless client.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub ap_mac: Option<String>,
    /// MAC of the switch of a wired client.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub sw_mac: Option<String>,
    /// Name of the client's network.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub network: Option<String>,
    /// Seconds connected.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub uptime: Option<i64>,
    /// When the controller last heard of the client (Unix seconds).
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub last_seen: Option<i64>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A controller event (an item of an `events` or `alert` message), e.g. `EVT_WU_Connected`
/// with its message `User[aa:bb:…] has connected to AP[…]`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ControllerEvent {
    /// Object id (`_id`).
    #[serde(
        rename = "_id",
        default,
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub id: Option<String>,
    /// What happened: `EVT_WU_Connected`, `EVT_AP_Restarted`, `EVT_GW_WANTransition` …
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub key: Option<String>,
    /// A readable description.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub msg: Option<String>,
    /// When (Unix milliseconds).
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub time: Option<i64>,
    /// When, as ISO 8601 (`2024-03-01T15:35:08Z`).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub datetime: Option<String>,
    /// `wlan`, `lan`, `wan`, `gw` …
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub subsystem: Option<String>,
    /// Site object id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub site_id: Option<String>,
    /// MAC of the wireless client concerned.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub user: Option<String>,
    /// MAC of the client concerned (some events name it so).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub client: Option<String>,
    /// MAC of the guest concerned.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub guest: Option<String>,
    /// MAC of the access point concerned.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub ap: Option<String>,
    /// MAC of the gateway concerned.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub gw: Option<String>,
    /// MAC of the switch concerned.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub sw: Option<String>,
    /// SSID.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub ssid: Option<String>,
    /// Host name of the client.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub hostname: Option<String>,
    /// Every field this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ControllerEvent {
    /// The MAC of the client concerned: `user`, `client` or `guest`, whichever is set.
    pub fn client_mac(&self) -> Option<&str> {
        [&self.user, &self.client, &self.guest]
            .into_iter()
            .find_map(|m| m.as_deref().filter(|m| !m.is_empty()))
    }

    /// The MAC of the device concerned: `ap`, `gw` or `sw`, whichever is set.
    pub fn device_mac(&self) -> Option<&str> {
        [&self.ap, &self.gw, &self.sw]
            .into_iter()
            .find_map(|m| m.as_deref().filter(|m| !m.is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn modelled_kinds_are_typed_and_others_kept() {
        let m = EventMessage::from_value(json!({
            "meta": {"rc": "ok", "message": "device:sync"},
            "data": [{"mac": "aa:bb", "type": "uap", "new_field": 1}]
        }))
        .unwrap();
        let EventMessage::DeviceSync(devices) = &m else {
            panic!("{m:?}")
        };
        assert_eq!(devices[0].mac.as_deref(), Some("aa:bb"));
        assert_eq!(devices[0].extra["new_field"], 1);
        assert_eq!(m.kind(), "device:sync");

        let m = EventMessage::from_value(json!({
            "meta": {"rc": "ok", "message": "wlanconf:delete"},
            "data": [{"_id": "w1"}]
        }))
        .unwrap();
        assert!(matches!(
            &m,
            EventMessage::WlanConf { change: ConfigChange::Deleted, wlans } if wlans[0].id.as_deref() == Some("w1")
        ));
        assert_eq!(m.kind(), "wlanconf:delete");

        let m = EventMessage::from_value(json!({
            "meta": {"rc": "ok", "message": "wlanconf:frobnicate", "mac": "x"},
            "data": {"a": 1}
        }))
        .unwrap();
        let EventMessage::Other { kind, meta, data } = m else {
            panic!()
        };
        assert_eq!(kind, "wlanconf:frobnicate");
        assert_eq!(meta["mac"], "x");
        assert_eq!(data, vec![json!({"a": 1})]);
    }

    #[test]
    fn events_name_their_client_and_device() {
        let m = EventMessage::from_json(
            r#"{"meta":{"rc":"ok","message":"events"},"data":[{"key":"EVT_WU_Connected",
            "user":"aa:bb","ap":"","gw":"11:22","time":"1583076908000","subsystem":"wlan"}]}"#,
        )
        .unwrap();
        let EventMessage::Events(events) = m else {
            panic!()
        };
        assert_eq!(events[0].key.as_deref(), Some("EVT_WU_Connected"));
        assert_eq!(events[0].time, Some(1_583_076_908_000));
        assert_eq!(events[0].client_mac(), Some("aa:bb"));
        assert_eq!(events[0].device_mac(), Some("11:22"));
    }

    #[test]
    fn bad_frames_are_decode_errors_naming_the_path() {
        assert!(matches!(
            EventMessage::from_json("not json"),
            Err(Error::Decode { ref path, .. }) if path == "."
        ));
        let err = EventMessage::from_value(json!({
            "meta": {"message": "sta:sync"}, "data": [{"mac": "a"}, "oops"]
        }))
        .unwrap_err();
        assert!(
            matches!(&err, Error::Decode { path, .. } if path == "data[1]"),
            "{err:?}"
        );
        let m = EventMessage::from_value(json!([1, 2])).unwrap();
        assert!(
            matches!(m, EventMessage::Other { ref kind, ref data, .. } if kind.is_empty() && data.len() == 1)
        );
    }
}
