//! # optima-server
//!
//! Optima's reference server: the documented `/v1` API over `optima-core` and the vendor
//! clients, on SQLite (the embedded default) or PostgreSQL, with a generated OpenAPI document.
//! The binary is a thin CLI over [`cli::run`]; tests and embedders use [`app::build_state`] and
//! [`app::app`].
#![deny(missing_docs)]

pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod input;
pub mod integrations;
pub mod lock_file;
pub mod metrics;
pub mod routes;
pub mod state;
pub mod store;
pub mod sync;
pub mod testing;
pub mod vault;
