//! The Apache Iceberg REST catalog protocol (`open-api/rest-catalog-open-api.yaml` in
//! apache/iceberg), mounted at `/iceberg/v1` so that clients use `http://host:port/iceberg`
//! as their URI: namespaces are lakecat's databases, and tables are the catalog's tables
//! that are Iceberg tables (`table_type=ICEBERG` with a `metadata_location`, whether the
//! crawler, PyIceberg's Glue catalog or another client registered them). A thin adapter over
//! the catalog service, like `glue` and `api`; see docs/decisions/0004-iceberg-rest-catalog.md
//! for the design and the slices still to come (generated metadata for crawled tables,
//! SigV4, multi-table transactions).
//!
//! Served so far: `config`; namespaces (list, create, load, exists, drop when empty, update
//! properties); tables (list, create, load, exists, commit, register an existing table's
//! metadata file, rename, drop without purge); the OAuth2 token exchange.

mod error;
mod generated;
mod metadata;
mod namespaces;
mod oauth;
mod shape;
mod tables;
mod writes;

pub(crate) use generated::Generations;
pub(crate) use shape::iceberg_errors;

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::AppState;
use error::IcebergError;

/// The routes served, as `config` lists them (`endpoints`): clients call only what is
/// listed, and assume a default set when the list is absent.
const ENDPOINTS: &[&str] = &[
    "GET /v1/{prefix}/namespaces",
    "POST /v1/{prefix}/namespaces",
    "GET /v1/{prefix}/namespaces/{namespace}",
    "HEAD /v1/{prefix}/namespaces/{namespace}",
    "DELETE /v1/{prefix}/namespaces/{namespace}",
    "POST /v1/{prefix}/namespaces/{namespace}/properties",
    "GET /v1/{prefix}/namespaces/{namespace}/tables",
    "POST /v1/{prefix}/namespaces/{namespace}/tables",
    "POST /v1/{prefix}/namespaces/{namespace}/register",
    "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}",
    "HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}",
    "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}",
    "DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}",
    "POST /v1/{prefix}/tables/rename",
    "POST /v1/{prefix}/transactions/commit",
];

/// The warehouse names a client may ask for: lakecat is one catalog.
const WAREHOUSE: &str = "lakecat";

/// The Iceberg REST routes, under `/iceberg/v1`.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/iceberg/v1/config", get(config))
        // Not among `endpoints`: clients never look for it there.
        .route(
            "/iceberg/v1/oauth/tokens",
            axum::routing::post(oauth::tokens),
        )
        .route(
            "/iceberg/v1/namespaces",
            get(namespaces::list).post(namespaces::create),
        )
        .route(
            "/iceberg/v1/namespaces/{namespace}",
            get(namespaces::load)
                .head(namespaces::exists)
                .delete(namespaces::drop),
        )
        .route(
            "/iceberg/v1/namespaces/{namespace}/tables",
            get(tables::list).post(writes::create),
        )
        .route(
            "/iceberg/v1/namespaces/{namespace}/properties",
            axum::routing::post(namespaces::update_properties),
        )
        .route(
            "/iceberg/v1/namespaces/{namespace}/register",
            axum::routing::post(tables::register),
        )
        .route(
            "/iceberg/v1/tables/rename",
            axum::routing::post(tables::rename),
        )
        .route(
            "/iceberg/v1/transactions/commit",
            axum::routing::post(writes::commit_transaction),
        )
        .route(
            "/iceberg/v1/namespaces/{namespace}/tables/{table}",
            get(tables::load)
                .head(tables::exists)
                .post(writes::commit)
                .delete(tables::drop),
        )
}

#[derive(Debug, Deserialize)]
struct ConfigQuery {
    warehouse: Option<String>,
}

/// `GET /v1/config`: no prefix (one catalog), the routes served, and nothing to override.
async fn config(Query(query): Query<ConfigQuery>) -> Result<Json<Value>, IcebergError> {
    match query.warehouse.as_deref() {
        None | Some("") | Some(WAREHOUSE) => {}
        Some(other) => {
            return Err(IcebergError::bad_request(format!(
                "unknown warehouse {other:?}: lakecat serves one catalog; leave the warehouse \
                 out or name it {WAREHOUSE:?}"
            )));
        }
    }
    Ok(Json(json!({
        "defaults": BTreeMap::<String, String>::new(),
        "overrides": BTreeMap::<String, String>::new(),
        "endpoints": ENDPOINTS,
    })))
}

/// Paging as the specification asks: without `pageToken` everything is returned; with one
/// (even empty), one page of `pageSize`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Paging {
    page_token: Option<String>,
    page_size: Option<usize>,
    parent: Option<String>,
}

/// Most items one page holds.
const MAX_PAGE_SIZE: usize = 1000;

impl Paging {
    /// Whether the client pages (sent a `pageToken`).
    fn pages(&self) -> bool {
        self.page_token.is_some()
    }

    /// The service request for the next page after `token`.
    fn request(&self, token: Option<String>) -> Result<lakecat_catalog::PageRequest, IcebergError> {
        let size = match self.page_size {
            Some(0) => return Err(IcebergError::bad_request("pageSize must be at least 1")),
            Some(size) => size.min(MAX_PAGE_SIZE),
            None => 100,
        };
        Ok(lakecat_catalog::PageRequest {
            max_results: Some(size),
            page_token: token.filter(|t| !t.is_empty()),
        })
    }
}

/// A namespace path segment as one lakecat database name: levels are joined by the unit
/// separator (`%1F`, decoded by the router), and lakecat's namespaces have one level.
fn database_name(namespace: &str) -> Result<String, IcebergError> {
    if namespace.contains('\u{1f}') {
        return Err(IcebergError::no_such_namespace(
            &namespace.replace('\u{1f}', "."),
        ));
    }
    Ok(namespace.to_lowercase())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn namespaces_have_one_level() {
        assert_eq!(database_name("Sales").unwrap(), "sales");
        let nested = database_name("a\u{1f}b").unwrap_err();
        assert_eq!(nested.status().as_u16(), 404);
    }
}
