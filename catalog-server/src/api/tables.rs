//! `/v1/databases/{database}/tables` and table versions.

use axum::extract::State;
use axum::http::StatusCode;
use lakecat_catalog::crawlers::TableCrawl;
use lakecat_catalog::{PartitionIndexInput, Table, TableInput, TableVersion, UpdateTableOptions};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    AppState, DatabasePath, Json, PageParams, Path, Query, TablePath, TableVersionPath,
    split_member,
};
use crate::error::{ApiError, ApiResult, ErrorDetail, ErrorResponse};

/// A page of tables.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TableList {
    /// Tables, by name.
    pub tables: Vec<Table>,
    /// Pass as `page_token` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// A table, with the crawl run that last created or changed it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TableDocument {
    /// The table.
    #[serde(flatten)]
    pub table: Table,
    /// The crawl run that last created or changed the table (its definition or
    /// partitions), when a crawler did and the run's record is kept. The crawler's
    /// `UPDATED_BY_CRAWLER` parameter names the crawler only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_crawl: Option<TableCrawl>,
}

/// A page of table versions.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TableVersionList {
    /// Versions, newest first.
    pub table_versions: Vec<TableVersion>,
    /// Pass as `page_token` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// How to update a table.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UpdateTableParams {
    /// Update only if the table is still at this version; otherwise 409
    /// `CONCURRENT_MODIFICATION` and nothing changes.
    pub version_id: Option<String>,
    /// Replace the definition without archiving the current one as a version.
    #[serde(default)]
    pub skip_archive: bool,
}

/// Table versions to delete.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BatchDeleteTableVersionsRequest {
    /// Version ids, at most 100.
    pub version_ids: Vec<String>,
}

/// A version that could not be deleted.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TableVersionError {
    /// The version id.
    pub version_id: String,
    /// Why.
    pub error: ErrorDetail,
}

/// The outcome of a batch delete of versions.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BatchDeleteTableVersionsResponse {
    /// The versions that could not be deleted; the others were.
    pub errors: Vec<TableVersionError>,
}

/// Lists a database's tables by name.
#[utoipa::path(
    get,
    path = "/v1/databases/{database}/tables",
    tag = "tables",
    params(DatabasePath, PageParams),
    responses(
        (status = 200, body = TableList),
        (status = 400, description = "Bad page size or token", body = ErrorResponse),
        (status = 404, description = "No such database", body = ErrorResponse),
    )
)]
pub(super) async fn list_tables(
    State(state): State<AppState>,
    Path(DatabasePath { database }): Path<DatabasePath>,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<TableList>> {
    let listing = state.catalog.list_tables(&database, page.into()).await?;
    Ok(Json(TableList {
        tables: listing.items,
        next_page_token: listing.next_page_token,
    }))
}

/// A table to create, with the partition indexes to create with it.
#[derive(Debug, Deserialize, ToSchema)]
// `flatten` describes the document; reading goes through `split_member`.
#[serde(try_from = "serde_json::Map<String, serde_json::Value>")]
pub(crate) struct CreateTableRequest {
    /// The table.
    #[serde(flatten)]
    pub(crate) table: TableInput,
    /// Partition indexes (at most three), created in the same transaction as the table: when
    /// one is refused, the table is not created either.
    #[serde(default)]
    pub(crate) partition_indexes: Vec<PartitionIndexInput>,
}

impl TryFrom<serde_json::Map<String, serde_json::Value>> for CreateTableRequest {
    type Error = serde_json::Error;

    fn try_from(
        members: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, serde_json::Error> {
        let (table, partition_indexes) = split_member(members, "partition_indexes")?;
        Ok(CreateTableRequest {
            table,
            partition_indexes,
        })
    }
}

/// Creates a table at version "0", with its partition indexes.
#[utoipa::path(
    post,
    path = "/v1/databases/{database}/tables",
    tag = "tables",
    params(DatabasePath),
    request_body = CreateTableRequest,
    responses(
        (status = 201, body = Table),
        (status = 400, description = "Invalid input, or more than three partition indexes", body = ErrorResponse),
        (status = 404, description = "No such database", body = ErrorResponse),
        (status = 409, description = "The table exists, or two indexes share a name", body = ErrorResponse),
        (status = 413, description = "Body too large", body = ErrorResponse),
    )
)]
pub(super) async fn create_table(
    State(state): State<AppState>,
    Path(DatabasePath { database }): Path<DatabasePath>,
    Json(request): Json<CreateTableRequest>,
) -> ApiResult<(StatusCode, Json<Table>)> {
    let table = state
        .catalog
        .create_table_with_indexes(&database, request.table, request.partition_indexes)
        .await?;
    Ok((StatusCode::CREATED, Json(table)))
}

/// Reads a table, with the crawl run that last created or changed it.
#[utoipa::path(
    get,
    path = "/v1/databases/{database}/tables/{table}",
    tag = "tables",
    params(TablePath),
    responses(
        (status = 200, body = TableDocument),
        (status = 404, description = "No such database or table", body = ErrorResponse),
    )
)]
pub(super) async fn get_table(
    State(state): State<AppState>,
    Path(TablePath { database, table }): Path<TablePath>,
) -> ApiResult<Json<TableDocument>> {
    let found = state.catalog.get_table(&database, &table).await?;
    let last_crawl = state
        .crawlers
        .crawlers()
        .last_crawl_of_table(&database, &table)
        .await?;
    Ok(Json(TableDocument {
        table: found,
        last_crawl,
    }))
}

/// Replaces a table's definition, archiving the current one unless `skip_archive` is set.
#[utoipa::path(
    put,
    path = "/v1/databases/{database}/tables/{table}",
    tag = "tables",
    params(TablePath, UpdateTableParams),
    request_body = TableInput,
    responses(
        (status = 200, body = Table),
        (status = 400, description = "Invalid input", body = ErrorResponse),
        (status = 404, description = "No such database or table", body = ErrorResponse),
        (status = 409, description = "The table is no longer at `version_id`", body = ErrorResponse),
    )
)]
pub(super) async fn update_table(
    State(state): State<AppState>,
    Path(TablePath { database, table }): Path<TablePath>,
    Query(params): Query<UpdateTableParams>,
    Json(input): Json<TableInput>,
) -> ApiResult<Json<Table>> {
    let options = UpdateTableOptions {
        expected_version_id: params.version_id,
        skip_archive: params.skip_archive,
    };
    Ok(Json(
        state
            .catalog
            .update_table(&database, &table, input, options)
            .await?,
    ))
}

/// Deletes a table with its versions and partitions.
#[utoipa::path(
    delete,
    path = "/v1/databases/{database}/tables/{table}",
    tag = "tables",
    params(TablePath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such database or table", body = ErrorResponse),
    )
)]
pub(super) async fn delete_table(
    State(state): State<AppState>,
    Path(TablePath { database, table }): Path<TablePath>,
) -> ApiResult<StatusCode> {
    state.catalog.delete_table(&database, &table).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists a table's versions, newest first; the current definition is the first.
#[utoipa::path(
    get,
    path = "/v1/databases/{database}/tables/{table}/versions",
    tag = "tables",
    params(TablePath, PageParams),
    responses(
        (status = 200, body = TableVersionList),
        (status = 400, description = "Bad page size or token", body = ErrorResponse),
        (status = 404, description = "No such database or table", body = ErrorResponse),
    )
)]
pub(super) async fn list_table_versions(
    State(state): State<AppState>,
    Path(TablePath { database, table }): Path<TablePath>,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<TableVersionList>> {
    let listing = state
        .catalog
        .list_table_versions(&database, &table, page.into())
        .await?;
    Ok(Json(TableVersionList {
        table_versions: listing.items,
        next_page_token: listing.next_page_token,
    }))
}

/// Reads one version of a table.
#[utoipa::path(
    get,
    path = "/v1/databases/{database}/tables/{table}/versions/{version_id}",
    tag = "tables",
    params(TableVersionPath),
    responses(
        (status = 200, body = TableVersion),
        (status = 400, description = "Not a version id", body = ErrorResponse),
        (status = 404, description = "No such table or version", body = ErrorResponse),
    )
)]
pub(super) async fn get_table_version(
    State(state): State<AppState>,
    Path(TableVersionPath {
        database,
        table,
        version_id,
    }): Path<TableVersionPath>,
) -> ApiResult<Json<TableVersion>> {
    Ok(Json(
        state
            .catalog
            .get_table_version(&database, &table, &version_id)
            .await?,
    ))
}

/// Deletes an archived version; the current version cannot be deleted.
#[utoipa::path(
    delete,
    path = "/v1/databases/{database}/tables/{table}/versions/{version_id}",
    tag = "tables",
    params(TableVersionPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Not a version id, or the current version", body = ErrorResponse),
        (status = 404, description = "No such table or version", body = ErrorResponse),
    )
)]
pub(super) async fn delete_table_version(
    State(state): State<AppState>,
    Path(TableVersionPath {
        database,
        table,
        version_id,
    }): Path<TableVersionPath>,
) -> ApiResult<StatusCode> {
    let failures = state
        .catalog
        .delete_table_versions(&database, &table, &[version_id])
        .await?;
    match failures.into_iter().next() {
        Some((_, error)) => Err(ApiError::from(error)),
        None => Ok(StatusCode::NO_CONTENT),
    }
}

/// Deletes up to 100 archived versions in one transaction.
#[utoipa::path(
    post,
    path = "/v1/databases/{database}/tables/{table}/versions:batchDelete",
    tag = "tables",
    params(TablePath),
    request_body = BatchDeleteTableVersionsRequest,
    responses(
        (status = 200, description = "Per-version errors; the others were deleted", body = BatchDeleteTableVersionsResponse),
        (status = 400, description = "Invalid input", body = ErrorResponse),
        (status = 404, description = "No such database or table", body = ErrorResponse),
    )
)]
pub(super) async fn batch_delete_table_versions(
    State(state): State<AppState>,
    Path(TablePath { database, table }): Path<TablePath>,
    Json(request): Json<BatchDeleteTableVersionsRequest>,
) -> ApiResult<Json<BatchDeleteTableVersionsResponse>> {
    let failures = state
        .catalog
        .delete_table_versions(&database, &table, &request.version_ids)
        .await?;
    let errors = failures
        .into_iter()
        .map(|(version_id, error)| TableVersionError {
            version_id,
            error: ApiError::from(error).detail().clone(),
        })
        .collect();
    Ok(Json(BatchDeleteTableVersionsResponse { errors }))
}
