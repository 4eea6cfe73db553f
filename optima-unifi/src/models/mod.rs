//! Typed, lenient models of the UniFi Network controller's JSON.
//!
//! Every vendor field is optional, numbers are accepted as numbers, strings or `""`, unknown
//! enum values are kept (`Other(String)`) and unknown fields are kept in `extra`.

mod device;
mod network;
mod site;
mod wlan;

pub use device::{Device, DeviceType, Radio, Uplink, Vap};
pub use network::{ApGroup, Network, NewApGroup, NewUserGroup, RateLimit, UserGroup, WlanGroup};
pub use site::{CreatedSite, Health, Site, SysInfo};
pub use wlan::{Band, NewPpsk, Ppsk, ResolvedPpsk, Security, Wlan, WlanBand, WlanUpdate, WpaMode};
