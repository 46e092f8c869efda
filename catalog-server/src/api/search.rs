//! `/v1/search/tables`: tables across databases whose name, description, column names or
//! parameter values hold a text, the same search as the Glue API's SearchTables.

use axum::extract::State;
use lakecat_catalog::{PageRequest, Table};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AppState, Json, Query};
use crate::error::{ApiError, ApiResult, ErrorResponse};

/// What to search for.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// Text to find, ignoring case; absent or empty finds every table.
    pub text: Option<String>,
    /// Page size, 1 to 1000 (the default).
    pub max_results: Option<usize>,
    /// The `next_page_token` of the previous page of the same search.
    pub page_token: Option<String>,
}

/// A page of found tables.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SearchResult {
    /// Tables, by database then name.
    pub tables: Vec<Table>,
    /// Pass as `page_token` for the next page; absent on the last page. A page may be short
    /// (even empty) with a token: one request examines a bounded number of tables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// Searches tables across databases by name, description, column name or parameter value.
#[utoipa::path(
    get,
    path = "/v1/search/tables",
    tag = "tables",
    params(SearchParams),
    responses(
        (status = 200, body = SearchResult),
        (status = 400, description = "Bad page size, or a token of another search", body = ErrorResponse),
    )
)]
pub(super) async fn search_tables(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> ApiResult<Json<SearchResult>> {
    let text = params.text.unwrap_or_default();
    let page = PageRequest {
        max_results: params.max_results,
        page_token: params.page_token,
    };
    let listing = state
        .catalog
        .search_tables(&[text.as_str()], page, |table| {
            Ok::<_, ApiError>(lakecat_catalog::search::table_matches_text(table, &text))
        })
        .await?;
    Ok(Json(SearchResult {
        tables: listing.items,
        next_page_token: listing.next_page_token,
    }))
}
