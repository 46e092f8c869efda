//! `/v1/databases/{database}/tables/{table}/partition-indexes`: indexes over partition keys,
//! which let filters on keys other than the leading ones avoid scanning a table's partitions.

use axum::extract::State;
use axum::http::StatusCode;
use lakecat_catalog::{PartitionIndex, PartitionIndexInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AppState, Json, Path, TablePath};
use crate::error::{ApiResult, ErrorResponse};

/// A table's partition indexes.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PartitionIndexList {
    /// The indexes, oldest first (at most three).
    pub partition_indexes: Vec<PartitionIndex>,
}

/// The path of a partition index.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct PartitionIndexPath {
    /// Database name.
    pub database: String,
    /// Table name.
    pub table: String,
    /// Index name.
    pub index: String,
}

/// Lists a table's partition indexes.
#[utoipa::path(
    get,
    path = "/v1/databases/{database}/tables/{table}/partition-indexes",
    tag = "partitions",
    params(TablePath),
    responses(
        (status = 200, body = PartitionIndexList),
        (status = 404, description = "No such database or table", body = ErrorResponse),
    )
)]
pub(super) async fn list_partition_indexes(
    State(state): State<AppState>,
    Path(TablePath { database, table }): Path<TablePath>,
) -> ApiResult<Json<PartitionIndexList>> {
    let partition_indexes = state
        .catalog
        .list_partition_indexes(&database, &table)
        .await?;
    Ok(Json(PartitionIndexList { partition_indexes }))
}

/// Creates a partition index and builds it before answering.
#[utoipa::path(
    post,
    path = "/v1/databases/{database}/tables/{table}/partition-indexes",
    tag = "partitions",
    params(TablePath),
    request_body = PartitionIndexInput,
    responses(
        (status = 201, body = PartitionIndex),
        (status = 400, description = "Invalid input, a key that is not an indexable partition key, or the table has three indexes already (`LIMIT_EXCEEDED`)", body = ErrorResponse),
        (status = 404, description = "No such database or table", body = ErrorResponse),
        (status = 409, description = "The table has an index of that name", body = ErrorResponse),
    )
)]
pub(super) async fn create_partition_index(
    State(state): State<AppState>,
    Path(TablePath { database, table }): Path<TablePath>,
    Json(input): Json<PartitionIndexInput>,
) -> ApiResult<(StatusCode, Json<PartitionIndex>)> {
    let index = state
        .catalog
        .create_partition_index(&database, &table, input)
        .await?;
    Ok((StatusCode::CREATED, Json(index)))
}

/// Deletes a partition index; the table and its partitions stay.
#[utoipa::path(
    delete,
    path = "/v1/databases/{database}/tables/{table}/partition-indexes/{index}",
    tag = "partitions",
    params(PartitionIndexPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such database, table or index", body = ErrorResponse),
    )
)]
pub(super) async fn delete_partition_index(
    State(state): State<AppState>,
    Path(PartitionIndexPath {
        database,
        table,
        index,
    }): Path<PartitionIndexPath>,
) -> ApiResult<StatusCode> {
    state
        .catalog
        .delete_partition_index(&database, &table, &index)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
