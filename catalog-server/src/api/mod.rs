//! The REST API under `/v1`: thin handlers that extract, call the catalog service and shape
//! the response. Its OpenAPI document is generated from these handlers.

pub(crate) mod classifier_samples;
pub(crate) mod classifiers;
pub(crate) mod crawlers;
pub(crate) mod databases;
pub(crate) mod functions;
pub(crate) mod partition_indexes;
mod partition_page;
pub(crate) mod partitions;
pub(crate) mod schedules;
pub(crate) mod search;
pub(crate) mod session;
pub(crate) mod statistics;
pub(crate) mod tables;
pub(crate) mod tags;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lakecat_catalog::PageRequest;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::error::{ApiError, ErrorDetail, ErrorResponse};
use crate::state::AppState;

/// A JSON body; a body that is not valid JSON for the type is a 400 naming the problem, and
/// one over the size limit a 413.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub(crate) struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Splits a create request's JSON object into the member `name` (its default when absent)
/// and the object's input, read from the other members. Request types use it instead of
/// `#[serde(flatten)]`, which would lose the input's refusal of unknown members (a misspelt
/// member must be a 400, not silently dropped). Errors name the member at fault, as axum's
/// own JSON errors do: `partition_indexes[0].keys: missing field`.
pub(crate) fn split_member<Input, Member>(
    mut members: serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Result<(Input, Member), serde_json::Error>
where
    Input: serde::de::DeserializeOwned,
    Member: serde::de::DeserializeOwned + Default,
{
    use serde::de::Error as _;
    let member = match members.remove(name) {
        Some(value) => serde_path_to_error::deserialize(value).map_err(|error| {
            let path = error.path().to_string();
            let at = match path.as_str() {
                "." => name.to_string(),
                seq if seq.starts_with('[') => format!("{name}{seq}"),
                member => format!("{name}.{member}"),
            };
            serde_json::Error::custom(format!("{at}: {}", error.inner()))
        })?,
        None => Member::default(),
    };
    let input = serde_path_to_error::deserialize(serde_json::Value::Object(members))
        .map_err(|error| serde_json::Error::custom(error.to_string()))?;
    Ok((input, member))
}

/// Query parameters; bad ones are a 400.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub(crate) struct Query<T>(pub T);

/// Path parameters; bad ones are a 400.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub(crate) struct Path<T>(pub T);

/// Paging parameters of listings.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size: 1 to 100 (the default) for databases, tables and versions.
    pub max_results: Option<usize>,
    /// The `next_page_token` of the previous page.
    pub page_token: Option<String>,
}

impl From<PageParams> for PageRequest {
    fn from(params: PageParams) -> Self {
        PageRequest {
            max_results: params.max_results,
            page_token: params.page_token,
        }
    }
}

/// The path of a database.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct DatabasePath {
    /// Database name.
    pub database: String,
}

/// The path of a table.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct TablePath {
    /// Database name.
    pub database: String,
    /// Table name.
    pub table: String,
}

/// The path of a table version.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct TableVersionPath {
    /// Database name.
    pub database: String,
    /// Table name.
    pub table: String,
    /// Version id.
    pub version_id: String,
}

/// The path of a partition.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct PartitionPath {
    /// Database name.
    pub database: String,
    /// Table name.
    pub table: String,
    /// The partition's values in key order, each percent-encoded, separated by `/`:
    /// `2024/06`.
    #[expect(
        dead_code,
        reason = "handlers split the original, still percent-encoded URI; the field names the \
                  parameter for routing and the OpenAPI document"
    )]
    pub values: String,
}

/// Health of the server.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Health {
    /// `ok`.
    pub status: &'static str,
}

/// Liveness: answers 200 while the process serves requests, whatever its database does. Use
/// it to restart a hung process, and `/readyz` to route traffic.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "The server is alive", body = Health))
)]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: answers 200 when the catalog database answers and has this version's schema
/// (its migrations applied), 503 otherwise. A load balancer's health check.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "The database answers and is migrated", body = Health),
        (status = 503, description = "The database does not answer or lacks migrations", body = ErrorResponse),
    )
)]
async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    match state.catalog.ping().await {
        Ok(()) => Ok(Json(Health { status: "ok" })),
        Err(error) => {
            tracing::warn!(%error, source = ?std::error::Error::source(&error), "readiness check failed");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "UNAVAILABLE",
                "the catalog database does not answer or lacks this version's migrations",
            ))
        }
    }
}

/// The answer to a path no route serves.
pub(crate) async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "no such endpoint; see /docs",
    )
}

/// The answer to a method a route does not take.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "this endpoint does not take that method; see /docs",
    )
}

/// The OpenAPI document of the REST API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "lakecat catalog API",
        description = "A Hive-metastore-like catalog of databases, tables, table versions and \
            partitions, with AWS Glue Data Catalog semantics. Names are folded to lower case; \
            limits follow Glue's.",
        license(name = "Apache-2.0"),
    ),
    paths(
        healthz,
        readyz,
        session::get_session,
        search::search_tables,
        schedules::preview_schedule,
        databases::list_databases,
        databases::create_database,
        databases::get_database,
        databases::update_database,
        databases::delete_database,
        tags::get_database_tags,
        tags::put_database_tags,
        tags::delete_database_tags,
        functions::list_functions,
        functions::create_function,
        functions::get_function,
        functions::update_function,
        functions::delete_function,
        tables::list_tables,
        tables::create_table,
        tables::get_table,
        tables::update_table,
        tables::delete_table,
        tags::get_table_tags,
        tags::put_table_tags,
        tags::delete_table_tags,
        tables::list_table_versions,
        tables::get_table_version,
        tables::delete_table_version,
        tables::batch_delete_table_versions,
        partitions::list_partitions,
        partitions::create_partition,
        partitions::batch_create_partitions,
        partitions::batch_delete_partitions,
        partitions::get_partition,
        partitions::update_partition,
        partitions::delete_partition,
        partition_indexes::list_partition_indexes,
        partition_indexes::create_partition_index,
        partition_indexes::delete_partition_index,
        statistics::get_table_statistics,
        statistics::put_table_statistics,
        statistics::delete_table_statistics,
        statistics::get_partition_statistics,
        statistics::put_partition_statistics,
        statistics::delete_partition_statistics,
        crawlers::list_crawlers,
        crawlers::create_crawler,
        crawlers::get_crawler,
        crawlers::update_crawler,
        crawlers::delete_crawler,
        crawlers::start_crawl,
        crawlers::stop_crawl,
        crawlers::dry_run,
        crawlers::post_events,
        crawlers::start_schedule,
        crawlers::stop_schedule,
        crawlers::get_metrics,
        tags::get_crawler_tags,
        tags::put_crawler_tags,
        tags::delete_crawler_tags,
        crawlers::list_runs,
        crawlers::get_run,
        classifiers::list_classifiers,
        classifiers::create_classifier,
        classifiers::get_classifier,
        classifiers::update_classifier,
        classifiers::delete_classifier,
        classifier_samples::test_classifier,
        tags::get_classifier_tags,
        tags::put_classifier_tags,
        tags::delete_classifier_tags,
    ),
    components(schemas(ErrorResponse, ErrorDetail)),
    tags(
        (name = "databases", description = "Namespaces of tables"),
        (name = "tables", description = "Tables and their archived versions"),
        (name = "partitions", description = "Partitions, with Glue's filter expressions"),
        (name = "statistics", description = "Column statistics of tables and partitions"),
        (name = "functions", description = "User-defined functions, stored for engines"),
        (name = "tags", description = "Key/value labels on databases, tables, crawlers and classifiers"),
        (name = "crawlers", description = "Crawlers, crawls and their run records"),
        (name = "classifiers", description = "Custom classifiers crawlers try first"),
        (name = "operations", description = "Health"),
    )
)]
pub(crate) struct ApiDoc;

/// The REST API's routes, with health and readiness.
pub(crate) fn router() -> Router<AppState> {
    let table = "/v1/databases/{database}/tables/{table}";
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/v1/session", get(session::get_session))
        .route("/v1/search/tables", get(search::search_tables))
        .route("/v1/schedules:preview", get(schedules::preview_schedule))
        .route(
            "/v1/databases",
            get(databases::list_databases).post(databases::create_database),
        )
        .route(
            "/v1/databases/{database}",
            get(databases::get_database)
                .put(databases::update_database)
                .delete(databases::delete_database),
        )
        .route(
            "/v1/databases/{database}/tags",
            get(tags::get_database_tags)
                .put(tags::put_database_tags)
                .delete(tags::delete_database_tags),
        )
        .route(
            "/v1/databases/{database}/functions",
            get(functions::list_functions).post(functions::create_function),
        )
        .route(
            "/v1/databases/{database}/functions/{function}",
            get(functions::get_function)
                .put(functions::update_function)
                .delete(functions::delete_function),
        )
        .route(
            "/v1/databases/{database}/tables",
            get(tables::list_tables).post(tables::create_table),
        )
        .route(
            table,
            get(tables::get_table)
                .put(tables::update_table)
                .delete(tables::delete_table),
        )
        .route(
            &format!("{table}/tags"),
            get(tags::get_table_tags)
                .put(tags::put_table_tags)
                .delete(tags::delete_table_tags),
        )
        .route(
            &format!("{table}/versions"),
            get(tables::list_table_versions),
        )
        .route(
            &format!("{table}/versions/{{version_id}}"),
            get(tables::get_table_version).delete(tables::delete_table_version),
        )
        .route(
            &format!("{table}/versions:batchDelete"),
            post(tables::batch_delete_table_versions),
        )
        .route(
            &format!("{table}/partitions"),
            get(partitions::list_partitions).post(partitions::create_partition),
        )
        .route(
            &format!("{table}/partitions:batchCreate"),
            post(partitions::batch_create_partitions),
        )
        .route(
            &format!("{table}/partitions:batchDelete"),
            post(partitions::batch_delete_partitions),
        )
        .route(
            &format!("{table}/partitions/{{*values}}"),
            get(partitions::get_partition)
                .put(partitions::update_partition)
                .delete(partitions::delete_partition),
        )
        .route(
            &format!("{table}/statistics"),
            get(statistics::get_table_statistics).put(statistics::put_table_statistics),
        )
        .route(
            &format!("{table}/statistics/{{column}}"),
            axum::routing::delete(statistics::delete_table_statistics),
        )
        .route(
            &format!("{table}/partition-statistics/{{*values}}"),
            get(statistics::get_partition_statistics)
                .put(statistics::put_partition_statistics)
                .delete(statistics::delete_partition_statistics),
        )
        .route(
            &format!("{table}/partition-indexes"),
            get(partition_indexes::list_partition_indexes)
                .post(partition_indexes::create_partition_index),
        )
        .route(
            &format!("{table}/partition-indexes/{{index}}"),
            axum::routing::delete(partition_indexes::delete_partition_index),
        )
        .route(
            "/v1/crawlers",
            get(crawlers::list_crawlers).post(crawlers::create_crawler),
        )
        .route(
            "/v1/crawlers/{crawler}",
            get(crawlers::get_crawler)
                .put(crawlers::update_crawler)
                .delete(crawlers::delete_crawler)
                // `{crawler}:start`, `:stop`, `:startSchedule` and `:stopSchedule`: the
                // router takes one parameter per path segment, so the action is split off in
                // the handler.
                .post(crawlers::crawler_action),
        )
        .route("/v1/crawlers/{crawler}/runs", get(crawlers::list_runs))
        .route(
            "/v1/crawlers/{crawler}/events",
            axum::routing::post(crawlers::post_events),
        )
        .route("/v1/crawlers/{crawler}/metrics", get(crawlers::get_metrics))
        .route(
            "/v1/crawlers/{crawler}/tags",
            get(tags::get_crawler_tags)
                .put(tags::put_crawler_tags)
                .delete(tags::delete_crawler_tags),
        )
        .route(
            "/v1/crawlers/{crawler}/runs/{run_id}",
            get(crawlers::get_run),
        )
        .route(
            "/v1/classifiers",
            get(classifiers::list_classifiers).post(classifiers::create_classifier),
        )
        .route(
            "/v1/classifiers:test",
            post(classifier_samples::test_classifier),
        )
        .route(
            "/v1/classifiers/{classifier}",
            get(classifiers::get_classifier)
                .put(classifiers::update_classifier)
                .delete(classifiers::delete_classifier),
        )
        .route(
            "/v1/classifiers/{classifier}/tags",
            get(tags::get_classifier_tags)
                .put(tags::put_classifier_tags)
                .delete(tags::delete_classifier_tags),
        )
}
