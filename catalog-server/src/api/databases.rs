//! `/v1/databases`

use axum::extract::State;
use axum::http::StatusCode;
use lakecat_catalog::{Database, DatabaseInput, Tags};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AppState, DatabasePath, Json, PageParams, Path, Query, split_member};
use crate::error::{ApiResult, ErrorResponse};

/// A page of databases.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DatabaseList {
    /// Databases, by name.
    pub databases: Vec<Database>,
    /// Pass as `page_token` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// Lists databases by name.
#[utoipa::path(
    get,
    path = "/v1/databases",
    tag = "databases",
    params(PageParams),
    responses(
        (status = 200, body = DatabaseList),
        (status = 400, description = "Bad page size or token", body = ErrorResponse),
    )
)]
pub(super) async fn list_databases(
    State(state): State<AppState>,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<DatabaseList>> {
    let listing = state.catalog.list_databases(page.into()).await?;
    Ok(Json(DatabaseList {
        databases: listing.items,
        next_page_token: listing.next_page_token,
    }))
}

/// A database to create, with its tags.
#[derive(Debug, Deserialize, ToSchema)]
// `flatten` describes the document; reading goes through `split_member`.
#[serde(try_from = "serde_json::Map<String, serde_json::Value>")]
pub(crate) struct CreateDatabaseRequest {
    /// The database.
    #[serde(flatten)]
    pub(crate) database: DatabaseInput,
    /// Tags (at most 50), written in the same transaction as the database: when they are
    /// refused, the database is not created either.
    #[serde(default)]
    pub(crate) tags: Tags,
}

impl TryFrom<serde_json::Map<String, serde_json::Value>> for CreateDatabaseRequest {
    type Error = serde_json::Error;

    fn try_from(
        members: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, serde_json::Error> {
        let (database, tags) = split_member(members, "tags")?;
        Ok(CreateDatabaseRequest { database, tags })
    }
}

/// Creates a database, with its tags.
#[utoipa::path(
    post,
    path = "/v1/databases",
    tag = "databases",
    request_body = CreateDatabaseRequest,
    responses(
        (status = 201, body = Database),
        (status = 400, description = "Invalid input or tags", body = ErrorResponse),
        (status = 409, description = "The database exists", body = ErrorResponse),
        (status = 413, description = "Body too large", body = ErrorResponse),
    )
)]
pub(super) async fn create_database(
    State(state): State<AppState>,
    Json(request): Json<CreateDatabaseRequest>,
) -> ApiResult<(StatusCode, Json<Database>)> {
    let database = state
        .catalog
        .create_database_with_tags(request.database, request.tags)
        .await?;
    Ok((StatusCode::CREATED, Json(database)))
}

/// Reads a database.
#[utoipa::path(
    get,
    path = "/v1/databases/{database}",
    tag = "databases",
    params(DatabasePath),
    responses(
        (status = 200, body = Database),
        (status = 404, description = "No such database", body = ErrorResponse),
    )
)]
pub(super) async fn get_database(
    State(state): State<AppState>,
    Path(DatabasePath { database: name }): Path<DatabasePath>,
) -> ApiResult<Json<Database>> {
    Ok(Json(state.catalog.get_database(&name).await?))
}

/// Replaces a database's definition; the body's name must be the database's.
#[utoipa::path(
    put,
    path = "/v1/databases/{database}",
    tag = "databases",
    params(DatabasePath),
    request_body = DatabaseInput,
    responses(
        (status = 200, body = Database),
        (status = 400, description = "Invalid input", body = ErrorResponse),
        (status = 404, description = "No such database", body = ErrorResponse),
    )
)]
pub(super) async fn update_database(
    State(state): State<AppState>,
    Path(DatabasePath { database: name }): Path<DatabasePath>,
    Json(input): Json<DatabaseInput>,
) -> ApiResult<Json<Database>> {
    Ok(Json(state.catalog.update_database(&name, input).await?))
}

/// Deletes a database with all its tables and partitions.
#[utoipa::path(
    delete,
    path = "/v1/databases/{database}",
    tag = "databases",
    params(DatabasePath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such database", body = ErrorResponse),
    )
)]
pub(super) async fn delete_database(
    State(state): State<AppState>,
    Path(DatabasePath { database: name }): Path<DatabasePath>,
) -> ApiResult<StatusCode> {
    state.catalog.delete_database(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}
