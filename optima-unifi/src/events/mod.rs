//! Live events of a site: the messages of the controller's WebSocket (`/wss/s/{site}/events`
//! on a classic controller, `/proxy/network/wss/s/{site}/events` on UniFi OS), typed by kind.

mod message;

pub use message::{ConfigChange, ControllerEvent, EventMessage, Station};
