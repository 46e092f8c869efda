//! Tables: the catalog's Iceberg tables (`table_type=ICEBERG` with a `metadata_location`),
//! listed, checked and loaded with their current metadata.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use lakecat_catalog::{Parameters, Table};
use serde_json::{Value, json};

use super::error::IcebergError;
use super::{Paging, database_name, metadata};
use crate::state::AppState;

/// The catalog parameter holding an Iceberg table's pointer, as Iceberg's catalogs name it.
const METADATA_LOCATION: &str = "metadata_location";

/// The pointer of an Iceberg table; `None` for any other table.
fn pointer(table: &Table) -> Option<&str> {
    pointer_in(&table.parameters)
}

/// The pointer that a table's parameters hold, when they say it is an Iceberg table.
fn pointer_in(parameters: &Parameters) -> Option<&str> {
    let iceberg = parameters
        .get("table_type")
        .is_some_and(|t| t.eq_ignore_ascii_case("iceberg"));
    iceberg
        .then(|| parameters.get(METADATA_LOCATION))
        .flatten()
        .map(String::as_str)
        .filter(|p| !p.is_empty())
}

/// `GET /v1/namespaces/{namespace}/tables`: the database's Iceberg tables, all or one page
/// (a page may hold fewer than `pageSize`, which the specification allows).
pub(super) async fn list(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
    Query(paging): Query<Paging>,
) -> Result<Json<Value>, IcebergError> {
    let database = database_name(&namespace)?;
    let mut identifiers = Vec::new();
    let mut token = paging.page_token.clone();
    loop {
        let page = state
            .catalog
            .list_tables(&database, paging.request(token)?)
            .await?;
        identifiers.extend(
            page.items
                .iter()
                .filter(|table| pointer(table).is_some())
                .map(|table| json!({"namespace": [database], "name": table.name})),
        );
        token = page.next_page_token;
        if paging.pages() || token.is_none() {
            break;
        }
    }
    Ok(Json(
        json!({"identifiers": identifiers, "next-page-token": token}),
    ))
}

/// The Iceberg table `namespace.table` and its pointer, or 404 saying why not.
async fn iceberg_table(
    state: &AppState,
    namespace: &str,
    table: &str,
) -> Result<(Table, String), IcebergError> {
    let database = database_name(namespace)?;
    let found = state
        .catalog
        .get_table(&database, &table.to_lowercase())
        .await?;
    match pointer(&found) {
        Some(pointer) => {
            let pointer = pointer.to_string();
            Ok((found, pointer))
        }
        None => Err(IcebergError::no_such_table(format!(
            "{database}.{} is not an Iceberg table (no table_type=ICEBERG with a \
             metadata_location): lakecat serves Iceberg tables only",
            found.name
        ))),
    }
}

/// `GET /v1/namespaces/{namespace}/tables/{table}`: the current metadata, read from the
/// file the catalog points at.
pub(super) async fn load(
    State(state): State<AppState>,
    Path((namespace, table)): Path<(String, String)>,
) -> Result<Json<Value>, IcebergError> {
    let (_, pointer) = iceberg_table(&state, &namespace, &table).await?;
    let metadata = metadata::read(&state, &pointer).await?;
    Ok(Json(json!({
        "metadata-location": pointer,
        "metadata": metadata,
        "config": {},
    })))
}

/// `HEAD /v1/namespaces/{namespace}/tables/{table}`: 204 for an Iceberg table, else 404.
pub(super) async fn exists(
    State(state): State<AppState>,
    Path((namespace, table)): Path<(String, String)>,
) -> Result<StatusCode, IcebergError> {
    iceberg_table(&state, &namespace, &table).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tables_with_an_iceberg_pointer_are_iceberg_tables() {
        let table = |params: &[(&str, &str)]| -> Parameters {
            params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let cases = [
            (
                vec![
                    ("table_type", "ICEBERG"),
                    ("metadata_location", "s3://b/m.json"),
                ],
                true,
            ),
            (
                vec![
                    ("table_type", "iceberg"),
                    ("metadata_location", "s3://b/m.json"),
                ],
                true,
            ),
            (vec![("table_type", "ICEBERG")], false),
            (
                vec![("table_type", "ICEBERG"), ("metadata_location", "")],
                false,
            ),
            (
                vec![
                    ("table_type", "DELTA"),
                    ("metadata_location", "s3://b/m.json"),
                ],
                false,
            ),
            (vec![("classification", "parquet")], false),
        ];
        for (params, iceberg) in cases {
            assert_eq!(pointer_in(&table(&params)).is_some(), iceberg, "{params:?}");
        }
    }
}
