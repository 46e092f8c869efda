//! Creating tables and committing to them: the server writes the new metadata file (the
//! rules are `lakecat_table_formats::iceberg::commit`'s), then moves the catalog's pointer
//! with the catalog's optimistic check, so of two commits built on the same version one
//! lands and the other gets a 409 and changes nothing.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lakecat_catalog::{ErrorKind, Table, TableUpdate, UpdateTableOptions};
use lakecat_table_formats::iceberg::commit::{self, CommitError, CreatingCommit, NewTable};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::IcebergError;
use super::tables::{self, METADATA_LOCATION, TableIdentifier, iceberg_table};
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
/// A staged create (`stage-create`) only answers the metadata the table would have, writing
/// nothing: the client's later commit with `assert-create` creates the table.
pub(super) async fn create(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
    Json(body): Json<CreateTable>,
) -> Result<Json<Value>, IcebergError> {
    let database = database_name(&namespace)?;
    let name = body.name.to_lowercase();
    // A taken name is the answer before anything else (a missing location, say), and a
    // staged create learns it now rather than at its commit.
    match state.catalog.get_table(&database, &name).await {
        Ok(_) => {
            return Err(lakecat_catalog::Error::AlreadyExists {
                entity: lakecat_catalog::Entity::Table,
                name: format!("{database}.{name}"),
            }
            .into());
        }
        Err(error) if error.kind() == ErrorKind::NotFound => {}
        Err(error) => return Err(error.into()),
    }
    let location = table_location(&state, &database, &name, body.location.as_deref()).await?;
    let metadata = commit::new_table_metadata(&NewTable {
        location: &location,
        schema: &body.schema,
        partition_spec: body.partition_spec.as_ref(),
        write_order: body.write_order.as_ref(),
        properties: &body.properties,
        table_uuid: &lakecat_catalog::id::random_uuid(),
        now_ms: chrono::Utc::now().timestamp_millis(),
    })?;
    if body.stage_create {
        // The specification's LoadTableResult without a metadata-location: nothing exists yet.
        return Ok(Json(json!({"metadata": metadata, "config": {}})));
    }
    let pointer = register_new(&state, &database, name, &location, &metadata).await?;
    Ok(Json(json!({
        "metadata-location": pointer,
        "metadata": metadata,
        "config": {},
    })))
}

/// Where a new table lies: the location given, or the namespace's location and the name.
async fn table_location(
    state: &AppState,
    database: &str,
    name: &str,
    given: Option<&str>,
) -> Result<String, IcebergError> {
    if let Some(location) = given {
        // The namespace must exist whatever the location.
        state.catalog.get_database(database).await?;
        return Ok(location.trim_end_matches('/').to_string());
    }
    let found = state.catalog.get_database(database).await?;
    match found.location_uri {
        Some(base) => Ok(format!("{}/{name}", base.trim_end_matches('/'))),
        None => Err(IcebergError::bad_request(format!(
            "no location: give the table a location, or give namespace {} one",
            found.name
        ))),
    }
}

/// Writes a new table's first metadata file under its location and registers the table;
/// the file is deleted again when the catalog refuses the table (a taken name, say).
async fn register_new(
    state: &AppState,
    database: &str,
    name: String,
    location: &str,
    metadata: &Value,
) -> Result<String, IcebergError> {
    state.iceberg.refuse_inside_root("the location", location)?;
    let pointer = format!(
        "{location}/metadata/{}",
        commit::next_metadata_file_name("", &lakecat_catalog::id::random_uuid())
    );
    metadata::write_new(state, &pointer, metadata).await?;
    let input = tables::record(name, &pointer, Some(location.to_string()));
    if let Err(error) = state.catalog.create_table(database, input).await {
        return Err(not_landed(error, &[&pointer], "the create").await);
    }
    Ok(pointer)
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
/// A commit with `assert-create` to a table that does not exist creates it (the end of a
/// staged create).
pub(super) async fn commit(
    State(state): State<AppState>,
    Path((namespace, table)): Path<(String, String)>,
    Json(body): Json<CommitTable>,
) -> Result<Json<Value>, IcebergError> {
    let creates = body
        .requirements
        .iter()
        .any(|r| r.get("type").and_then(Value::as_str) == Some("assert-create"));
    if creates {
        let database = database_name(&namespace)?;
        match state
            .catalog
            .get_table(&database, &table.to_lowercase())
            .await
        {
            Err(error) if error.kind() == ErrorKind::NotFound => {
                return create_by_commit(&state, &database, &table, &body).await;
            }
            // The table exists: assert-create fails below, as a conflict.
            _ => {}
        }
    }
    let (found, pointer) = iceberg_table(&state, &namespace, &table).await?;
    let prepared = prepare(&state, found, pointer, &body).await?;
    let (database, name) = (&prepared.update.database, &prepared.update.input.name);
    match state
        .catalog
        .update_table(
            database,
            name,
            prepared.update.input.clone(),
            prepared.update.options.clone(),
        )
        .await
    {
        Ok(_) => Ok(Json(json!({
            "metadata-location": prepared.next_pointer,
            "metadata": prepared.next,
        }))),
        Err(error) => Err(not_landed(
            error,
            &[&prepared.next_pointer],
            &format!("the commit to table {database}.{name}"),
        )
        .await),
    }
}

/// A commit made ready to land: its metadata file written, the catalog change that moves
/// the pointer to it.
struct Prepared {
    update: TableUpdate,
    next_pointer: String,
    next: Value,
}

/// Checks a commit's requirements against the table's current metadata, applies its updates
/// and writes the next metadata file (never over another); the pointer is not moved yet.
async fn prepare(
    state: &AppState,
    found: Table,
    pointer: String,
    body: &CommitTable,
) -> Result<Prepared, IcebergError> {
    let current = metadata::read(state, &pointer).await?;
    for requirement in &body.requirements {
        commit::check_requirement(&current, requirement)?;
    }
    let now_ms = chrono::Utc::now().timestamp_millis();
    let next = commit::apply_updates(&current, &body.updates, &pointer, now_ms)?;
    if let Some(location) = next.get("location").and_then(Value::as_str)
        && current.get("location").and_then(Value::as_str) != Some(location)
    {
        state.iceberg.refuse_inside_root("the location", location)?;
    }
    let folder = pointer.rsplit_once('/').map_or("", |(folder, _)| folder);
    let next_pointer = format!(
        "{folder}/{}",
        commit::next_metadata_file_name(&pointer, &lakecat_catalog::id::random_uuid())
    );
    metadata::write_new(state, &next_pointer, &next).await?;
    let mut input = found.to_input();
    input
        .parameters
        .insert(METADATA_LOCATION.into(), next_pointer.clone());
    input
        .parameters
        .insert(PREVIOUS_METADATA_LOCATION.into(), pointer);
    if let (Some(sd), Some(location)) = (
        input.storage_descriptor.as_mut(),
        next.get("location").and_then(Value::as_str),
    ) {
        sd.location = Some(location.to_string());
    }
    // The version read with the pointer: a commit that landed meanwhile moved it on, and
    // this one must not overwrite it.
    let options = UpdateTableOptions {
        expected_version_id: Some(found.version_id),
        skip_archive: true,
    };
    Ok(Prepared {
        update: TableUpdate {
            database: found.database_name,
            input,
            options,
        },
        next_pointer,
        next,
    })
}

/// The answer to a catalog failure to record `what`, and the metadata files written for it
/// deleted when the failure is a refusal, so certainly nothing points at them (a version
/// that moved on is the specification's 409 `CommitFailedException`). After an internal
/// failure (a connection lost around the commit, say) the change may have landed: its files
/// stay, and the answer is `CommitStateUnknownException`, which tells the client not to
/// assume either.
async fn not_landed(error: lakecat_catalog::Error, written: &[&str], what: &str) -> IcebergError {
    if error.kind() == ErrorKind::Internal {
        tracing::error!(error = %error, "{what} may or may not have landed");
        return IcebergError::commit_state_unknown(format!(
            "the catalog failed during {what}; it may or may not have landed: reload the table"
        ));
    }
    for file in written {
        metadata::delete_written(file).await;
    }
    if error.kind() == ErrorKind::ConcurrentModification {
        return IcebergError::commit_failed(format!(
            "{what} lost: the table changed while it was written; refresh and retry"
        ));
    }
    error.into()
}

/// One table's part of a multi-table commit.
#[derive(Debug, Deserialize)]
pub(super) struct TableCommit {
    identifier: TableIdentifier,
    #[serde(flatten)]
    change: CommitTable,
}

/// The body of `POST /v1/transactions/commit`.
#[derive(Debug, Deserialize)]
pub(super) struct CommitTransaction {
    #[serde(rename = "table-changes")]
    table_changes: Vec<TableCommit>,
}

/// `POST /v1/transactions/commit`: commits to several tables at once. Each table's
/// requirements are checked and its next metadata file written as for one commit; then
/// every pointer moves in one catalog transaction, or none does (a 409, and the files
/// written are deleted).
pub(super) async fn commit_transaction(
    State(state): State<AppState>,
    Json(body): Json<CommitTransaction>,
) -> Result<StatusCode, IcebergError> {
    if body.table_changes.is_empty() {
        return Err(IcebergError::bad_request(
            "a transaction needs at least one table change",
        ));
    }
    let mut prepared: Vec<Prepared> = Vec::with_capacity(body.table_changes.len());
    let mut outcome = Ok(());
    for table_commit in &body.table_changes {
        let step = async {
            let database = table_commit.identifier.database()?;
            let (found, pointer) =
                iceberg_table(&state, &database, table_commit.identifier.name()).await?;
            prepare(&state, found, pointer, &table_commit.change).await
        };
        match step.await {
            Ok(ready) => prepared.push(ready),
            Err(error) => {
                outcome = Err(error);
                break;
            }
        }
    }
    let written: Vec<&str> = prepared.iter().map(|p| p.next_pointer.as_str()).collect();
    if let Err(error) = outcome {
        for file in written {
            metadata::delete_written(file).await;
        }
        return Err(error);
    }
    let updates = prepared.iter().map(|p| p.update.clone()).collect();
    match state.catalog.update_tables(updates).await {
        Ok(_) => Ok(StatusCode::NO_CONTENT),
        Err(error) => Err(not_landed(error, &written, "the transaction").await),
    }
}

/// Creates the table a commit with `assert-create` builds from its updates. A table created
/// meanwhile by someone else makes this a 409, as a stale commit is.
async fn create_by_commit(
    state: &AppState,
    database: &str,
    table: &str,
    body: &CommitTable,
) -> Result<Json<Value>, IcebergError> {
    let name = table.to_lowercase();
    let default_location = table_location(state, database, &name, None).await;
    let metadata = commit::created_metadata(&CreatingCommit {
        requirements: &body.requirements,
        updates: &body.updates,
        default_location: default_location.as_deref().unwrap_or_default(),
        table_uuid: &lakecat_catalog::id::random_uuid(),
        now_ms: chrono::Utc::now().timestamp_millis(),
    })?;
    let location = match metadata.get("location").and_then(Value::as_str) {
        Some(location) if !location.is_empty() => location.trim_end_matches('/').to_string(),
        // Neither the updates nor the namespace give a location: the namespace's answer.
        _ => default_location?,
    };
    match register_new(state, database, name, &location, &metadata).await {
        Ok(pointer) => Ok(Json(json!({
            "metadata-location": pointer,
            "metadata": metadata,
        }))),
        Err(error) if error.is_already_exists() => Err(IcebergError::commit_failed(format!(
            "Requirement failed: assert-create: table {database}.{table} was created meanwhile"
        ))),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A refusal deletes the files written for the change; a failure that leaves unknown
    /// whether the change landed keeps them (the pointer may name them) and says so.
    #[tokio::test]
    async fn files_go_only_when_the_change_certainly_did_not_land() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                lakecat_catalog::Error::ConcurrentModification("moved on".into()),
                StatusCode::CONFLICT,
                false,
            ),
            (
                lakecat_catalog::Error::invalid("bad"),
                StatusCode::BAD_REQUEST,
                false,
            ),
            (
                lakecat_catalog::Error::Backend("connection lost at commit".into()),
                StatusCode::INTERNAL_SERVER_ERROR,
                true,
            ),
        ];
        for (index, (error, status, kept)) in cases.into_iter().enumerate() {
            let file = dir.path().join(format!("{index:05}-u.metadata.json"));
            std::fs::write(&file, "{}").unwrap();
            let url = format!("file://{}", file.display());
            let answer = not_landed(error, &[&url], "the commit").await;
            assert_eq!(answer.status(), status, "case {index}");
            assert_eq!(file.exists(), kept, "case {index}");
        }
    }
}
