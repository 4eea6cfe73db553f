//! Authentication: who a request comes from.
//!
//! - [`tokens`]: access tokens (JWT) and refresh tokens, minted and verified;
//! - [`caller`]: a verified token resolved to a [`caller::Caller`] (user, roles, grants), cached
//!   per grants version, and the permission check of a route;
//! - [`sign_in`]: signing in with Microsoft and provisioning the user.

pub mod api_keys;
pub mod caller;
pub mod sign_in;
pub mod tokens;
