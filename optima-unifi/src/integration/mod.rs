//! The UniFi **Network Integration API**: Ubiquiti's supported, API-key API for integrations,
//! served at `{console}/proxy/network/integration/v1/...` with the key in `X-API-KEY`.
//!
//! [`filter`] builds the `filter` query parameter its list and delete endpoints take.

pub mod filter;
