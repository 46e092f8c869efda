//! The lakecat catalog server: the REST API over the catalog service, its OpenAPI document,
//! and the `lakecat` command line.

pub mod api;
pub mod app;
pub mod auth;
mod body_budget;
pub mod config;
pub mod crawl_command;
pub mod deadline;
pub mod error;
mod glue;
pub mod http_server;
pub mod metrics;
pub mod serve;

pub use app::{AppSettings, app, app_with, openapi_json};
pub use glue::AccessKeys;
