//! Tables: the catalog's Iceberg tables (`table_type=ICEBERG` with a `metadata_location`),
//! listed, checked and loaded with their current metadata.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lakecat_catalog::{Parameters, StorageDescriptor, Table, TableInput};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::IcebergError;
use super::generated::{self, Offer};
use super::{Paging, database_name, metadata};
use crate::state::AppState;

/// The catalog parameter holding an Iceberg table's pointer, as Iceberg's catalogs name it.
pub(super) const METADATA_LOCATION: &str = "metadata_location";

/// The pointer of an Iceberg table; `None` for any other table.
pub(super) fn pointer(table: &Table) -> Option<&str> {
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
        for table in &page.items {
            let listed = match generated::offer(table) {
                Offer::Native(_) => true,
                // Only crawled tables whose files a crawl indexed: DuckDB loads every listed
                // table and stops at the first that does not load.
                Offer::Generated => state
                    .catalog
                    .table_files_state(&database, &table.name)
                    .await?
                    .is_some(),
                Offer::Not(_) => false,
            };
            if listed {
                identifiers.push(json!({"namespace": [database], "name": table.name}));
            }
        }
        token = page.next_page_token;
        if paging.pages() || token.is_none() {
            break;
        }
    }
    Ok(Json(
        json!({"identifiers": identifiers, "next-page-token": token}),
    ))
}

/// The catalog table `namespace.table` and how it is offered, or 404 saying why it is not.
pub(super) async fn offered_table(
    state: &AppState,
    namespace: &str,
    table: &str,
) -> Result<(Table, Offer), IcebergError> {
    let database = database_name(namespace)?;
    let found = state
        .catalog
        .get_table(&database, &table.to_lowercase())
        .await?;
    let mut offer = generated::offer(&found);
    if offer == Offer::Generated
        && state
            .catalog
            .table_files_state(&database, &found.name)
            .await?
            .is_none()
    {
        offer = Offer::Not(generated::NOT_INDEXED.into());
    }
    match offer {
        Offer::Not(reason) => Err(IcebergError::no_such_table(format!(
            "{database}.{} is not offered as an Iceberg table: {reason}",
            found.name
        ))),
        offer => Ok((found, offer)),
    }
}

/// The Iceberg table `namespace.table` and its pointer, for a change: 404 when it is not
/// offered, 400 for a crawled table served read-only.
pub(super) async fn iceberg_table(
    state: &AppState,
    namespace: &str,
    table: &str,
) -> Result<(Table, String), IcebergError> {
    match offered_table(state, namespace, table).await? {
        (found, Offer::Native(pointer)) => Ok((found, pointer)),
        (found, _) => Err(IcebergError::bad_request(format!(
            "{}.{} is a crawled Hive table that lakecat serves as a read-only Iceberg table \
             (its metadata is generated from the crawled files): it cannot be changed, \
             renamed or dropped through Iceberg REST; change its files and crawl again",
            found.database_name, found.name
        ))),
    }
}

/// `GET /v1/namespaces/{namespace}/tables/{table}`: the current metadata, read from the
/// file the catalog points at (generated for a crawled table), with an `ETag` naming that
/// file; a client that sends the same tag in `If-None-Match` gets a 304 and reads nothing.
pub(super) async fn load(
    State(state): State<AppState>,
    Path((namespace, table)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, IcebergError> {
    let (found, offer) = offered_table(&state, &namespace, &table).await?;
    let (pointer, generated) = match offer {
        Offer::Native(pointer) => (pointer, None),
        _ => {
            let (pointer, metadata) = generated::load(&state, &found).await?;
            (pointer, Some(metadata))
        }
    };
    let tag = etag(&pointer);
    let unchanged = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim() == tag || v.trim() == "*");
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response());
    }
    let metadata = match generated {
        Some(metadata) => metadata,
        None => std::sync::Arc::new(metadata::read(&state, &pointer).await?),
    };
    let body = json!({
        "metadata-location": pointer,
        "metadata": *metadata,
        "config": {},
    });
    Ok(([(header::ETAG, tag)], Json(body)).into_response())
}

/// The entity tag of a table's answer: metadata files never change once written, so the
/// pointer names the answer (the specification asks only that tags differ when answers do).
fn etag(pointer: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(pointer.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// The query of `DELETE /v1/namespaces/{namespace}/tables/{table}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DropQuery {
    /// As sent: Java and DuckDB send `true`/`false`, PyIceberg `True`/`False`.
    purge_requested: Option<String>,
}

/// A query flag as clients write it, in any case; `None` when it is not a boolean.
fn flag(value: Option<&str>) -> Option<bool> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None => Some(false),
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => None,
    }
}

/// `DELETE /v1/namespaces/{namespace}/tables/{table}`: removes an Iceberg table from the
/// catalog; its files stay. A purge (deleting data and metadata files) is refused: lakecat
/// does not delete files clients may still read.
pub(super) async fn drop(
    State(state): State<AppState>,
    Path((namespace, table)): Path<(String, String)>,
    Query(query): Query<DropQuery>,
) -> Result<StatusCode, IcebergError> {
    let Some(purge) = flag(query.purge_requested.as_deref()) else {
        return Err(IcebergError::bad_request(
            "purgeRequested must be true or false",
        ));
    };
    if purge {
        return Err(IcebergError::bad_request(
            "purgeRequested=true is not supported: lakecat removes tables from the catalog              and never deletes their files; drop without purge and delete the files yourself",
        ));
    }
    let (found, _) = iceberg_table(&state, &namespace, &table).await?;
    state
        .catalog
        .delete_table(&found.database_name, &found.name)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The body of `POST /v1/namespaces/{namespace}/register`.
#[derive(Debug, Deserialize)]
pub(super) struct RegisterTable {
    name: String,
    #[serde(rename = "metadata-location")]
    metadata_location: String,
    #[serde(default)]
    overwrite: bool,
}

/// `POST /v1/namespaces/{namespace}/register`: records an existing Iceberg table, named by
/// its metadata file, as a catalog table (as PyIceberg's Glue catalog would write it: the
/// pointer, `table_type=ICEBERG`, the table's location). The file must read as Iceberg table
/// metadata inside the allowed roots.
pub(super) async fn register(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
    Json(body): Json<RegisterTable>,
) -> Result<Json<Value>, IcebergError> {
    if body.overwrite {
        return Err(IcebergError::bad_request(
            "overwrite=true is not supported yet: drop the table first, then register it",
        ));
    }
    let database = database_name(&namespace)?;
    state.catalog.get_database(&database).await?;
    state
        .iceberg
        .refuse_inside_root("the metadata file", &body.metadata_location)?;
    let metadata = metadata::read(&state, &body.metadata_location)
        .await
        .map_err(IcebergError::into_bad_request)?;
    let location = metadata
        .get("location")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(location) = &location {
        state.iceberg.refuse_inside_root("the location", location)?;
    }
    let input = record(body.name.to_lowercase(), &body.metadata_location, location);
    state.catalog.create_table(&database, input).await?;
    Ok(Json(json!({
        "metadata-location": body.metadata_location,
        "metadata": metadata,
        "config": {},
    })))
}

/// A table's name in a request body.
#[derive(Debug, Deserialize)]
pub(super) struct TableIdentifier {
    namespace: Vec<String>,
    name: String,
}

impl TableIdentifier {
    /// The database the identifier's one-level namespace names.
    pub(super) fn database(&self) -> Result<String, IcebergError> {
        match self.namespace.as_slice() {
            [name] => database_name(name),
            levels => Err(IcebergError::no_such_namespace(&levels.join("."))),
        }
    }

    /// The table's name.
    pub(super) fn name(&self) -> &str {
        &self.name
    }
}

/// The body of `POST /v1/tables/rename`.
#[derive(Debug, Deserialize)]
pub(super) struct RenameTable {
    source: TableIdentifier,
    destination: TableIdentifier,
}

/// `POST /v1/tables/rename`: renames an Iceberg table, into another namespace if asked; the
/// pointer, files and everything the catalog keeps for the table go with it.
pub(super) async fn rename(
    State(state): State<AppState>,
    Json(body): Json<RenameTable>,
) -> Result<StatusCode, IcebergError> {
    let source_database = body.source.database()?;
    let (found, _) = iceberg_table(&state, &source_database, &body.source.name).await?;
    let destination_database = body.destination.database()?;
    state
        .catalog
        .rename_table(
            &found.database_name,
            &found.name,
            &destination_database,
            &body.destination.name,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The catalog's record of an Iceberg table, as PyIceberg's Glue catalog writes it: the
/// pointer, `table_type=ICEBERG`, and the table's location.
pub(super) fn record(name: String, pointer: &str, location: Option<String>) -> TableInput {
    TableInput {
        name,
        table_type: Some("EXTERNAL_TABLE".into()),
        parameters: [
            ("table_type".to_string(), "ICEBERG".to_string()),
            (METADATA_LOCATION.to_string(), pointer.to_string()),
        ]
        .into(),
        storage_descriptor: Some(StorageDescriptor {
            location,
            ..StorageDescriptor::default()
        }),
        ..TableInput::default()
    }
}

/// `HEAD /v1/namespaces/{namespace}/tables/{table}`: 204 for a table offered as Iceberg,
/// else 404.
pub(super) async fn exists(
    State(state): State<AppState>,
    Path((namespace, table)): Path<(String, String)>,
) -> Result<StatusCode, IcebergError> {
    offered_table(&state, &namespace, &table).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_quoted_and_differ_by_pointer() {
        let a = etag("s3://lake/t/metadata/00001-a.metadata.json");
        let b = etag("s3://lake/t/metadata/00002-b.metadata.json");
        assert_ne!(a, b);
        assert!(
            a.starts_with('"') && a.ends_with('"') && a.len() == 34,
            "{a}"
        );
        assert_eq!(a, etag("s3://lake/t/metadata/00001-a.metadata.json"));
    }

    #[test]
    fn flags_are_read_in_any_case() {
        let cases = [
            (None, Some(false)),
            (Some("true"), Some(true)),
            (Some("True"), Some(true)),
            (Some("FALSE"), Some(false)),
            (Some("False"), Some(false)),
            (Some("1"), None),
            (Some(""), None),
        ];
        for (value, expected) in cases {
            assert_eq!(flag(value), expected, "{value:?}");
        }
    }

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
