//! Column statistics of tables and partitions: read (all columns, or those named), written
//! with per-entry refusals, deleted. The same service as Glue's statistics operations, with
//! what Glue cannot say: who wrote them, whether they come from a sample, and timestamps.

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use lakecat_catalog::statistics::MAX_COLUMNS_PER_GET;
use lakecat_catalog::{ColumnStatistics, StatisticsScope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::partitions::values_from_path;
use super::{AppState, Json, PartitionPath, Path, Query, TablePath};
use crate::error::{ApiError, ApiResult, ErrorDetail, ErrorResponse};

/// Which columns to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ColumnsParams {
    /// Column names separated by commas (at most 100); all the table's columns when absent.
    columns: Option<String>,
}

/// The column to delete statistics of.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ColumnParams {
    /// The column.
    column: String,
}

/// The path of a table column.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct ColumnPath {
    /// Database name.
    database: String,
    /// Table name.
    table: String,
    /// Column name.
    column: String,
}

/// Column statistics.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub(crate) struct StatisticsList {
    /// One entry per column that has statistics.
    statistics: Vec<ColumnStatistics>,
}

/// A column's statistics that were not written.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StatisticsError {
    /// The column.
    column_name: String,
    /// Why.
    error: ErrorDetail,
}

/// The outcome of writing statistics: the entries refused (the others were written).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StatisticsUpdateResponse {
    /// Refused entries, with the reason.
    errors: Vec<StatisticsError>,
}

/// The named columns, or all the table's columns.
async fn columns_to_read(
    state: &AppState,
    database: &str,
    table: &str,
    params: ColumnsParams,
) -> ApiResult<Vec<String>> {
    if let Some(columns) = params.columns {
        return Ok(columns
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect());
    }
    let stored = state.catalog.get_table(database, table).await?;
    Ok(stored
        .storage_descriptor
        .map(|sd| sd.columns.into_iter().map(|c| c.name).collect())
        .unwrap_or_default())
}

async fn read(
    state: &AppState,
    database: &str,
    table: &str,
    scope: StatisticsScope<'_>,
    params: ColumnsParams,
) -> ApiResult<Json<StatisticsList>> {
    let named = params.columns.is_some();
    let columns = columns_to_read(state, database, table, params).await?;
    if named && columns.len() > MAX_COLUMNS_PER_GET {
        return Err(ApiError::invalid(format!(
            "columns: at most {MAX_COLUMNS_PER_GET} names per request (got {})",
            columns.len()
        )));
    }
    let mut statistics = Vec::new();
    // A table's own columns may be more than one request's worth.
    for chunk in columns.chunks(MAX_COLUMNS_PER_GET) {
        statistics.extend(
            state
                .catalog
                .get_column_statistics(database, table, scope, chunk)
                .await?,
        );
    }
    Ok(Json(StatisticsList { statistics }))
}

async fn write(
    state: &AppState,
    database: &str,
    table: &str,
    scope: StatisticsScope<'_>,
    body: StatisticsList,
) -> ApiResult<Json<StatisticsUpdateResponse>> {
    let failures = state
        .catalog
        .update_column_statistics(database, table, scope, body.statistics)
        .await?;
    let errors = failures
        .into_iter()
        .map(|failure| StatisticsError {
            column_name: failure.statistics.column_name,
            error: ApiError::from(failure.error).detail().clone(),
        })
        .collect();
    Ok(Json(StatisticsUpdateResponse { errors }))
}

/// Reads a table's column statistics.
#[utoipa::path(
    get,
    path = "/v1/databases/{database}/tables/{table}/statistics",
    tag = "statistics",
    params(TablePath, ColumnsParams),
    responses(
        (status = 200, body = StatisticsList),
        (status = 400, description = "More than 100 column names", body = ErrorResponse),
        (status = 404, description = "No such database or table", body = ErrorResponse),
    )
)]
pub(super) async fn get_table_statistics(
    State(state): State<AppState>,
    Path(TablePath { database, table }): Path<TablePath>,
    Query(params): Query<ColumnsParams>,
) -> ApiResult<Json<StatisticsList>> {
    read(&state, &database, &table, StatisticsScope::Table, params).await
}

/// Writes statistics of a table's columns (at most 25), replacing what they had; entries
/// naming no column of the table, or with figures that contradict each other, are refused
/// one by one.
#[utoipa::path(
    put,
    path = "/v1/databases/{database}/tables/{table}/statistics",
    tag = "statistics",
    params(TablePath),
    request_body = StatisticsList,
    responses(
        (status = 200, body = StatisticsUpdateResponse),
        (status = 400, description = "More than 25 entries, or a malformed body", body = ErrorResponse),
        (status = 404, description = "No such database or table", body = ErrorResponse),
    )
)]
pub(super) async fn put_table_statistics(
    State(state): State<AppState>,
    Path(TablePath { database, table }): Path<TablePath>,
    Json(body): Json<StatisticsList>,
) -> ApiResult<Json<StatisticsUpdateResponse>> {
    write(&state, &database, &table, StatisticsScope::Table, body).await
}

/// Deletes the statistics of one of a table's columns.
#[utoipa::path(
    delete,
    path = "/v1/databases/{database}/tables/{table}/statistics/{column}",
    tag = "statistics",
    params(ColumnPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such table, or the column has no statistics", body = ErrorResponse),
    )
)]
pub(super) async fn delete_table_statistics(
    State(state): State<AppState>,
    Path(ColumnPath {
        database,
        table,
        column,
    }): Path<ColumnPath>,
) -> ApiResult<StatusCode> {
    state
        .catalog
        .delete_column_statistics(&database, &table, StatisticsScope::Table, &column)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reads a partition's column statistics.
#[utoipa::path(
    get,
    path = "/v1/databases/{database}/tables/{table}/partition-statistics/{values}",
    tag = "statistics",
    params(PartitionPath, ColumnsParams),
    responses(
        (status = 200, body = StatisticsList),
        (status = 400, description = "Wrong number of values, or more than 100 names", body = ErrorResponse),
        (status = 404, description = "No such table or partition", body = ErrorResponse),
    )
)]
pub(super) async fn get_partition_statistics(
    State(state): State<AppState>,
    Path(PartitionPath {
        database, table, ..
    }): Path<PartitionPath>,
    uri: OriginalUri,
    Query(params): Query<ColumnsParams>,
) -> ApiResult<Json<StatisticsList>> {
    let values = values_from_path(&uri)?;
    let scope = StatisticsScope::Partition(&values);
    read(&state, &database, &table, scope, params).await
}

/// Writes statistics of a partition's columns, as for a table.
#[utoipa::path(
    put,
    path = "/v1/databases/{database}/tables/{table}/partition-statistics/{values}",
    tag = "statistics",
    params(PartitionPath),
    request_body = StatisticsList,
    responses(
        (status = 200, body = StatisticsUpdateResponse),
        (status = 400, description = "More than 25 entries, or a malformed body", body = ErrorResponse),
        (status = 404, description = "No such table or partition", body = ErrorResponse),
    )
)]
pub(super) async fn put_partition_statistics(
    State(state): State<AppState>,
    Path(PartitionPath {
        database, table, ..
    }): Path<PartitionPath>,
    uri: OriginalUri,
    Json(body): Json<StatisticsList>,
) -> ApiResult<Json<StatisticsUpdateResponse>> {
    let values = values_from_path(&uri)?;
    let scope = StatisticsScope::Partition(&values);
    write(&state, &database, &table, scope, body).await
}

/// Deletes the statistics of one of a partition's columns.
#[utoipa::path(
    delete,
    path = "/v1/databases/{database}/tables/{table}/partition-statistics/{values}",
    tag = "statistics",
    params(PartitionPath, ColumnParams),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such partition, or the column has no statistics", body = ErrorResponse),
    )
)]
pub(super) async fn delete_partition_statistics(
    State(state): State<AppState>,
    Path(PartitionPath {
        database, table, ..
    }): Path<PartitionPath>,
    uri: OriginalUri,
    Query(ColumnParams { column }): Query<ColumnParams>,
) -> ApiResult<StatusCode> {
    let values = values_from_path(&uri)?;
    state
        .catalog
        .delete_column_statistics(
            &database,
            &table,
            StatisticsScope::Partition(&values),
            &column,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
