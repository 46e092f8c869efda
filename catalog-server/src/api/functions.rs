//! `/v1/databases/{database}/functions`: user-defined functions, stored in the catalog for
//! the engines that look them up (lakecat never runs them).

use axum::extract::State;
use axum::http::StatusCode;
use lakecat_catalog::{Function, FunctionInput, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AppState, DatabasePath, Json, Path, Query};
use crate::error::{ApiResult, ErrorResponse};

/// The path of a function.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct FunctionPath {
    /// Database name.
    pub database: String,
    /// Function name.
    pub function: String,
}

/// What to list of a database's functions.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FunctionListParams {
    /// Names to keep, as Hive reads them: `*` for any characters, `|` between alternatives,
    /// ignoring case. All functions when absent.
    pub pattern: Option<String>,
    /// How many functions to examine for this page: 1 to 100 (the default). A page holds
    /// the matches among them, so it may be short, with a token while more may follow.
    pub max_results: Option<usize>,
    /// The `next_page_token` of the previous page.
    pub page_token: Option<String>,
}

/// A page of functions.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FunctionList {
    /// Functions, by name.
    pub functions: Vec<Function>,
    /// Pass as `page_token` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// Lists a database's functions whose names match `pattern`.
#[utoipa::path(
    get,
    path = "/v1/databases/{database}/functions",
    tag = "functions",
    params(DatabasePath, FunctionListParams),
    responses(
        (status = 200, body = FunctionList),
        (status = 400, description = "Bad pattern, page size or token", body = ErrorResponse),
        (status = 404, description = "No such database", body = ErrorResponse),
    )
)]
pub(super) async fn list_functions(
    State(state): State<AppState>,
    Path(DatabasePath { database }): Path<DatabasePath>,
    Query(params): Query<FunctionListParams>,
) -> ApiResult<Json<FunctionList>> {
    let page = PageRequest {
        max_results: params.max_results,
        page_token: params.page_token,
    };
    let pattern = params.pattern.as_deref().unwrap_or("*");
    let listing = state
        .catalog
        .list_functions(Some(&database), pattern, page)
        .await?;
    Ok(Json(FunctionList {
        functions: listing.items,
        next_page_token: listing.next_page_token,
    }))
}

/// Creates a function in a database.
#[utoipa::path(
    post,
    path = "/v1/databases/{database}/functions",
    tag = "functions",
    params(DatabasePath),
    request_body = FunctionInput,
    responses(
        (status = 201, body = Function),
        (status = 400, description = "Invalid input", body = ErrorResponse),
        (status = 404, description = "No such database", body = ErrorResponse),
        (status = 409, description = "The function exists", body = ErrorResponse),
    )
)]
pub(super) async fn create_function(
    State(state): State<AppState>,
    Path(DatabasePath { database }): Path<DatabasePath>,
    Json(input): Json<FunctionInput>,
) -> ApiResult<(StatusCode, Json<Function>)> {
    let function = state.catalog.create_function(&database, input).await?;
    Ok((StatusCode::CREATED, Json(function)))
}

/// Reads a function.
#[utoipa::path(
    get,
    path = "/v1/databases/{database}/functions/{function}",
    tag = "functions",
    params(FunctionPath),
    responses(
        (status = 200, body = Function),
        (status = 404, description = "No such database or function", body = ErrorResponse),
    )
)]
pub(super) async fn get_function(
    State(state): State<AppState>,
    Path(FunctionPath { database, function }): Path<FunctionPath>,
) -> ApiResult<Json<Function>> {
    Ok(Json(
        state.catalog.get_function(&database, &function).await?,
    ))
}

/// Replaces a function's definition; a body naming another function renames it.
#[utoipa::path(
    put,
    path = "/v1/databases/{database}/functions/{function}",
    tag = "functions",
    params(FunctionPath),
    request_body = FunctionInput,
    responses(
        (status = 200, body = Function),
        (status = 400, description = "Invalid input", body = ErrorResponse),
        (status = 404, description = "No such database or function", body = ErrorResponse),
        (status = 409, description = "Renamed to a function that exists", body = ErrorResponse),
    )
)]
pub(super) async fn update_function(
    State(state): State<AppState>,
    Path(FunctionPath { database, function }): Path<FunctionPath>,
    Json(input): Json<FunctionInput>,
) -> ApiResult<Json<Function>> {
    let catalog = &state.catalog;
    Ok(Json(
        catalog.update_function(&database, &function, input).await?,
    ))
}

/// Deletes a function.
#[utoipa::path(
    delete,
    path = "/v1/databases/{database}/functions/{function}",
    tag = "functions",
    params(FunctionPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such database or function", body = ErrorResponse),
    )
)]
pub(super) async fn delete_function(
    State(state): State<AppState>,
    Path(FunctionPath { database, function }): Path<FunctionPath>,
) -> ApiResult<StatusCode> {
    state.catalog.delete_function(&database, &function).await?;
    Ok(StatusCode::NO_CONTENT)
}
