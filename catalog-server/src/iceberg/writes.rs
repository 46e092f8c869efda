//! Creating tables and committing to them: the server writes the new metadata file (the
//! rules are `lakecat_table_formats::iceberg::commit`'s), then moves the catalog's pointer
//! with the catalog's optimistic check, so of two commits built on the same version one
//! lands and the other gets a 409 and changes nothing.

use axum::Json;
use axum::extract::{Path, State};
use lakecat_catalog::{ErrorKind, UpdateTableOptions};
use lakecat_table_formats::iceberg::commit::{self, CommitError, NewTable};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::IcebergError;
use super::tables::{self, METADATA_LOCATION, iceberg_table};
use super::{database_name, metadata};
use crate::state::AppState;

/// The catalog parameter naming the pointer a commit moved away from.
const PREVIOUS_METADATA_LOCATION: &str = "previous_metadata_location";

impl From<CommitError> for IcebergError {
    fn from(error: CommitError) -> IcebergError {
        match error {
            CommitError::Conflict(message) => IcebergError::commit_failed(message),
            CommitError::Invalid(message) => IcebergError::bad_request(message),
        }
    }
}

/// The body of `POST /v1/namespaces/{namespace}/tables`.
#[derive(Debug, Deserialize)]
pub(super) struct CreateTable {
    name: String,
    location: Option<String>,
    schema: Value,
    #[serde(rename = "partition-spec")]
    partition_spec: Option<Value>,
    #[serde(rename = "write-order")]
    write_order: Option<Value>,
    #[serde(rename = "stage-create", default)]
    stage_create: bool,
    #[serde(default)]
    properties: Map<String, Value>,
}

/// `POST /v1/namespaces/{namespace}/tables`: writes the table's first metadata file under
/// its location (given, or the namespace's location and the table's name) and registers it.
pub(super) async fn create(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
    Json(body): Json<CreateTable>,
) -> Result<Json<Value>, IcebergError> {
    if body.stage_create {
        return Err(IcebergError::bad_request(
            "stage-create is not supported yet: create the table, then commit to it",
        ));
    }
    let database = state
        .catalog
        .get_database(&database_name(&namespace)?)
        .await?;
    let name = body.name.to_lowercase();
    let location = match (&body.location, &database.location_uri) {
        (Some(location), _) => location.trim_end_matches('/').to_string(),
        (None, Some(base)) => format!("{}/{name}", base.trim_end_matches('/')),
        (None, None) => {
            return Err(IcebergError::bad_request(format!(
                "no location: give the table a location, or give namespace {} one",
                database.name
            )));
        }
    };
    let now_ms = chrono::Utc::now().timestamp_millis();
    let table_uuid = lakecat_catalog::id::random_uuid();
    let metadata = commit::new_table_metadata(&NewTable {
        location: &location,
        schema: &body.schema,
        partition_spec: body.partition_spec.as_ref(),
        write_order: body.write_order.as_ref(),
        properties: &body.properties,
        table_uuid: &table_uuid,
        now_ms,
    })?;
    let pointer = format!(
        "{location}/metadata/{}",
        commit::next_metadata_file_name("", &lakecat_catalog::id::random_uuid())
    );
    metadata::write_new(&state, &pointer, &metadata).await?;
    let input = tables::record(name, &pointer, Some(location));
    if let Err(error) = state.catalog.create_table(&database.name, input).await {
        metadata::delete_written(&pointer).await;
        return Err(error.into());
    }
    Ok(Json(json!({
        "metadata-location": pointer,
        "metadata": metadata,
        "config": {},
    })))
}

/// The body of `POST /v1/namespaces/{namespace}/tables/{table}`.
#[derive(Debug, Deserialize)]
pub(super) struct CommitTable {
    #[serde(default)]
    requirements: Vec<Value>,
    #[serde(default)]
    updates: Vec<Value>,
}

/// `POST /v1/namespaces/{namespace}/tables/{table}`: checks the requirements against the
/// current metadata, writes the next metadata file, and moves the pointer only if nobody
/// moved it since it was read; a commit that loses gets a 409 and its file is deleted.
pub(super) async fn commit(
    State(state): State<AppState>,
    Path((namespace, table)): Path<(String, String)>,
    Json(body): Json<CommitTable>,
) -> Result<Json<Value>, IcebergError> {
    let (found, pointer) = iceberg_table(&state, &namespace, &table).await?;
    let current = metadata::read(&state, &pointer).await?;
    for requirement in &body.requirements {
        commit::check_requirement(&current, requirement)?;
    }
    let now_ms = chrono::Utc::now().timestamp_millis();
    let next = commit::apply_updates(&current, &body.updates, &pointer, now_ms)?;
    let folder = pointer.rsplit_once('/').map_or("", |(folder, _)| folder);
    let next_pointer = format!(
        "{folder}/{}",
        commit::next_metadata_file_name(&pointer, &lakecat_catalog::id::random_uuid())
    );
    metadata::write_new(&state, &next_pointer, &next).await?;
    let mut input = found.to_input();
    input
        .parameters
        .insert(METADATA_LOCATION.into(), next_pointer.clone());
    input
        .parameters
        .insert(PREVIOUS_METADATA_LOCATION.into(), pointer.clone());
    if let (Some(sd), Some(location)) = (
        input.storage_descriptor.as_mut(),
        next.get("location").and_then(Value::as_str),
    ) {
        sd.location = Some(location.to_string());
    }
    // The version read with the pointer: a commit that landed meanwhile moved it on, and
    // this one must not overwrite it.
    let options = UpdateTableOptions {
        expected_version_id: Some(found.version_id.clone()),
        skip_archive: true,
    };
    match state
        .catalog
        .update_table(&found.database_name, &found.name, input, options)
        .await
    {
        Ok(_) => Ok(Json(json!({
            "metadata-location": next_pointer,
            "metadata": next,
        }))),
        Err(error) => {
            metadata::delete_written(&next_pointer).await;
            if error.kind() == ErrorKind::ConcurrentModification {
                return Err(IcebergError::commit_failed(format!(
                    "table {}.{} changed while this commit was written; refresh and retry",
                    found.database_name, found.name
                )));
            }
            Err(error.into())
        }
    }
}
