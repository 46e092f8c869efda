//! The lakecat catalog server: the protocol adapters (the REST API with its OpenAPI document,
//! the AWS Glue-compatible API, the Hive Metastore Thrift API) over the catalog and crawler services, assembled in `app`, and
//! the `lakecat` command line's commands.
//!
//! The modules are private but for those the binary and the tests use; the contract is
//! re-exported here.

mod api;
mod app;
mod auth;
mod body_budget;
pub mod config;
mod console;
pub mod crawl_command;
mod credentials;
mod deadline;
mod error;
mod glue;
mod hive;
pub mod http_server;
mod iceberg;
mod metrics;
mod request_id;
pub mod serve;
mod sigv4;
mod state;

pub use app::{AppSettings, app, app_with, openapi_json};
pub use auth::{Access, Role};
pub use body_budget::MAX_BODY_BYTES;
pub use credentials::{AccessKeys, Tokens, new_token, token_digest};
pub use deadline::DEFAULT_REQUEST_TIMEOUT;
pub use metrics::Metrics;
