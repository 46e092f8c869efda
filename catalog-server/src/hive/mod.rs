//! The Hive Metastore Thrift endpoint: the protocol adapter through which Spark, Hive,
//! Trino-style engines and PyIceberg's Hive catalog read the catalog, over the same
//! [`Catalog`] service as the REST and Glue APIs.
//!
//! It speaks Thrift's binary protocol, framed or unframed as each client chooses, with a
//! codec of its own (`protocol`; see docs/decisions/0003-hive-metastore-thrift.md for why not
//! a generated one). The protocol carries no credentials, so `lakecat serve` serves it on
//! loopback only, unless it is configured with the role every Thrift client gets.
//!
//! Served so far: the read calls (`calls`), including `get_partitions_by_filter` in Hive's
//! filter dialect, which the catalog's database evaluates, and the database and table
//! changes. Every other method answers a `TApplicationException` naming it, and the
//! connection stays open.

mod calls;
mod convert;
mod locks;
mod pattern;
mod protocol;
mod structs;
mod transport;

use lakecat_catalog::Catalog;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use std::sync::Arc;

use crate::auth::Role;
use crate::http_server::ConnectionLimits;
use crate::metrics::Metrics;

/// Serves the metastore on `listener` to clients that all get `role`, until `shutdown` is
/// cancelled; returns once every connection has finished the call it was answering.
/// Incoming messages hold at most `max_message_memory` bytes at once, across connections;
/// calls are counted in `metrics`.
pub(crate) async fn serve(
    listener: TcpListener,
    catalog: Catalog,
    role: Role,
    metrics: Arc<Metrics>,
    limits: ConnectionLimits,
    max_message_memory: usize,
    shutdown: CancellationToken,
) {
    let metastore = calls::Metastore::new(catalog, role, metrics);
    transport::serve(listener, metastore, limits, max_message_memory, shutdown).await;
}
