//! `/v1/databases/{database}/tables/{table}/partitions`
//!
//! A single partition is addressed by its values as path segments, in key order, each
//! percent-encoded: `.../partitions/2024/06` is the partition with values `["2024", "06"]`,
//! and a `/` inside a value is written `%2F`.

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lakecat_catalog::{Partition, PartitionFailure, PartitionInput, PartitionListRequest};
use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AppState, Json, PartitionPath, Path, Query, TablePath, partition_page};
use crate::error::{ApiError, ApiResult, ErrorDetail, ErrorResponse};

/// What to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PartitionListParams {
    /// A Glue GetPartitions filter, for example `year = '2024' AND month IN ('01', '02')`:
    /// `= <> < > <= >=`, `AND`, `OR`, `NOT`, `IN`, `BETWEEN`, `LIKE`, `IS [NOT] NULL`, with
    /// values compared by the partition key's declared type.
    pub expression: Option<String>,
    /// Page size, 1 to 1000 (the default).
    pub max_results: Option<usize>,
    /// The `next_page_token` of the previous page.
    pub page_token: Option<String>,
    /// 0-based segment to return, with `total_segments`.
    pub segment_number: Option<u32>,
    /// Split the listing into this many disjoint segments (1 to 10).
    pub total_segments: Option<u32>,
    /// Leave out each partition's storage descriptor columns.
    #[serde(default)]
    pub exclude_column_schema: bool,
}

/// A page of partitions.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PartitionList {
    /// Partitions, in a stable order.
    pub partitions: Vec<Partition>,
    /// Pass as `page_token` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// Partitions to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BatchCreatePartitionsRequest {
    /// At most 100 partitions.
    pub partitions: Vec<PartitionInput>,
}

/// Partitions to delete.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BatchDeletePartitionsRequest {
    /// At most 25 lists of partition values.
    pub partition_values: Vec<Vec<String>>,
}

/// A partition that failed in a batch.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PartitionError {
    /// The partition's values.
    pub values: Vec<String>,
    /// Why it failed.
    pub error: ErrorDetail,
}

/// The outcome of a batch: the items that failed; the others succeeded together.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BatchPartitionsResponse {
    /// Failed items.
    pub errors: Vec<PartitionError>,
}

fn batch_response(failures: Vec<PartitionFailure>) -> Json<BatchPartitionsResponse> {
    let errors = failures
        .into_iter()
        .map(|failure| PartitionError {
            values: failure.values,
            error: ApiError::from(failure.error).detail().clone(),
        })
        .collect();
    Json(BatchPartitionsResponse { errors })
}

/// The partition values addressed by the request's path: the segments after
/// `/partitions/`, percent-decoded one by one (so that `%2F` stays inside its value).
pub(super) fn values_from_path(uri: &OriginalUri) -> Result<Vec<String>, ApiError> {
    const PREFIX_SEGMENTS: usize = 7; // "", v1, databases, {db}, tables, {table}, partitions
    uri.path()
        .split('/')
        .skip(PREFIX_SEGMENTS)
        .map(|segment| {
            percent_decode_str(segment)
                .decode_utf8()
                .map(|value| value.into_owned())
                .map_err(|_| ApiError::invalid("partition values in the path must be UTF-8"))
        })
        .collect()
}

/// Lists partitions, filtered in the database, paged and optionally split into segments.
#[utoipa::path(
    get,
    path = "/v1/databases/{database}/tables/{table}/partitions",
    tag = "partitions",
    params(TablePath, PartitionListParams),
    responses(
        (status = 200, body = PartitionList),
        (status = 400, description = "Bad filter (with its position), page size, token or segment", body = ErrorResponse),
        (status = 404, description = "No such database or table", body = ErrorResponse),
    )
)]
pub(super) async fn list_partitions(
    State(state): State<AppState>,
    Path(TablePath { database, table }): Path<TablePath>,
    Query(params): Query<PartitionListParams>,
) -> ApiResult<Response> {
    let segment = match (params.segment_number, params.total_segments) {
        (None, None) => None,
        (Some(number), Some(total)) => Some((number, total)),
        _ => {
            return Err(ApiError::invalid(
                "segment_number and total_segments go together",
            ));
        }
    };
    let request = PartitionListRequest {
        expression: params.expression,
        segment,
        exclude_column_schema: params.exclude_column_schema,
        page: lakecat_catalog::PageRequest {
            max_results: params.max_results,
            page_token: params.page_token,
        },
    };
    if request.exclude_column_schema {
        let listing = state
            .catalog
            .list_partitions(&database, &table, request)
            .await?;
        return Ok(Json(PartitionList {
            partitions: listing.items,
            next_page_token: listing.next_page_token,
        })
        .into_response());
    }
    // Whole definitions are written as stored, without decoding them (the common case, and
    // the one that pages large tables).
    let (database, table) = (database.to_lowercase(), table.to_lowercase());
    let listing = state
        .catalog
        .list_encoded_partitions(&database, &table, request)
        .await?;
    Ok(partition_page::response(partition_page::write(
        &database, &table, &listing,
    )?))
}

/// Creates a partition.
#[utoipa::path(
    post,
    path = "/v1/databases/{database}/tables/{table}/partitions",
    tag = "partitions",
    params(TablePath),
    request_body = PartitionInput,
    responses(
        (status = 201, body = Partition),
        (status = 400, description = "Invalid input", body = ErrorResponse),
        (status = 404, description = "No such database or table", body = ErrorResponse),
        (status = 409, description = "The partition exists", body = ErrorResponse),
    )
)]
pub(super) async fn create_partition(
    State(state): State<AppState>,
    Path(TablePath { database, table }): Path<TablePath>,
    Json(input): Json<PartitionInput>,
) -> ApiResult<(StatusCode, Json<Partition>)> {
    let partition = state
        .catalog
        .create_partition(&database, &table, input)
        .await?;
    Ok((StatusCode::CREATED, Json(partition)))
}

/// Creates up to 100 partitions in one transaction, reporting the ones that failed.
#[utoipa::path(
    post,
    path = "/v1/databases/{database}/tables/{table}/partitions:batchCreate",
    tag = "partitions",
    params(TablePath),
    request_body = BatchCreatePartitionsRequest,
    responses(
        (status = 200, description = "Per-partition errors; the others were created", body = BatchPartitionsResponse),
        (status = 400, description = "Invalid input or too many partitions", body = ErrorResponse),
        (status = 404, description = "No such database or table", body = ErrorResponse),
    )
)]
pub(super) async fn batch_create_partitions(
    State(state): State<AppState>,
    Path(TablePath { database, table }): Path<TablePath>,
    Json(request): Json<BatchCreatePartitionsRequest>,
) -> ApiResult<Json<BatchPartitionsResponse>> {
    let failures = state
        .catalog
        .create_partitions(&database, &table, &request.partitions)
        .await?;
    Ok(batch_response(failures))
}

/// Deletes up to 25 partitions in one transaction, reporting the ones that did not exist.
#[utoipa::path(
    post,
    path = "/v1/databases/{database}/tables/{table}/partitions:batchDelete",
    tag = "partitions",
    params(TablePath),
    request_body = BatchDeletePartitionsRequest,
    responses(
        (status = 200, description = "Per-partition errors; the others were deleted", body = BatchPartitionsResponse),
        (status = 400, description = "Invalid input or too many partitions", body = ErrorResponse),
        (status = 404, description = "No such database or table", body = ErrorResponse),
    )
)]
pub(super) async fn batch_delete_partitions(
    State(state): State<AppState>,
    Path(TablePath { database, table }): Path<TablePath>,
    Json(request): Json<BatchDeletePartitionsRequest>,
) -> ApiResult<Json<BatchPartitionsResponse>> {
    let failures = state
        .catalog
        .delete_partitions(&database, &table, &request.partition_values)
        .await?;
    Ok(batch_response(failures))
}

/// Reads a partition by its values.
#[utoipa::path(
    get,
    path = "/v1/databases/{database}/tables/{table}/partitions/{values}",
    tag = "partitions",
    params(PartitionPath),
    responses(
        (status = 200, body = Partition),
        (status = 400, description = "Wrong number of values", body = ErrorResponse),
        (status = 404, description = "No such table or partition", body = ErrorResponse),
    )
)]
pub(super) async fn get_partition(
    State(state): State<AppState>,
    Path(PartitionPath {
        database, table, ..
    }): Path<PartitionPath>,
    uri: OriginalUri,
) -> ApiResult<Json<Partition>> {
    let values = values_from_path(&uri)?;
    Ok(Json(
        state
            .catalog
            .get_partition(&database, &table, &values)
            .await?,
    ))
}

/// Replaces a partition's definition; a body with other values moves the partition.
#[utoipa::path(
    put,
    path = "/v1/databases/{database}/tables/{table}/partitions/{values}",
    tag = "partitions",
    params(PartitionPath),
    request_body = PartitionInput,
    responses(
        (status = 200, body = Partition),
        (status = 400, description = "Invalid input", body = ErrorResponse),
        (status = 404, description = "No such table or partition", body = ErrorResponse),
        (status = 409, description = "A partition with the new values exists", body = ErrorResponse),
    )
)]
pub(super) async fn update_partition(
    State(state): State<AppState>,
    Path(PartitionPath {
        database, table, ..
    }): Path<PartitionPath>,
    uri: OriginalUri,
    Json(input): Json<PartitionInput>,
) -> ApiResult<Json<Partition>> {
    let values = values_from_path(&uri)?;
    Ok(Json(
        state
            .catalog
            .update_partition(&database, &table, &values, input)
            .await?,
    ))
}

/// Deletes a partition.
#[utoipa::path(
    delete,
    path = "/v1/databases/{database}/tables/{table}/partitions/{values}",
    tag = "partitions",
    params(PartitionPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Wrong number of values", body = ErrorResponse),
        (status = 404, description = "No such table or partition", body = ErrorResponse),
    )
)]
pub(super) async fn delete_partition(
    State(state): State<AppState>,
    Path(PartitionPath {
        database, table, ..
    }): Path<PartitionPath>,
    uri: OriginalUri,
) -> ApiResult<StatusCode> {
    let values = values_from_path(&uri)?;
    state
        .catalog
        .delete_partition(&database, &table, &values)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
