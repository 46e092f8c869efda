//! `.../tags` of databases, tables, crawlers and classifiers: key/value labels that go with
//! their object. `GET` reads them, `PUT` adds keys or replaces their values from a JSON
//! object, `DELETE ?keys=a,b` removes keys.

use axum::extract::State;
use axum::http::StatusCode;
use lakecat_catalog::{Tagged, Tags};
use serde::Deserialize;
use utoipa::IntoParams;

use super::classifiers::ClassifierPath;
use super::crawlers::CrawlerPath;
use super::{AppState, DatabasePath, Json, Path, Query, TablePath};
use crate::error::{ApiError, ApiResult, ErrorResponse};

/// Which tags to remove.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TagKeysParams {
    /// The keys, separated by commas (at most 50); keys the object lacks are ignored.
    pub keys: Option<String>,
}

/// The keys a `DELETE` names; a missing or empty `keys` is a 400, as a request that would
/// silently remove nothing.
fn keys_to_remove(params: TagKeysParams) -> ApiResult<Vec<String>> {
    match params.keys.filter(|keys| !keys.is_empty()) {
        Some(keys) => Ok(keys.split(',').map(str::to_string).collect()),
        None => Err(ApiError::invalid(
            "keys: name the tags to remove, separated by commas (?keys=a,b)",
        )),
    }
}

async fn get_tags_of(state: &AppState, object: Tagged) -> ApiResult<Json<Tags>> {
    Ok(Json(state.catalog.get_tags(object).await?))
}

async fn put_tags_of(state: &AppState, object: Tagged, tags: Tags) -> ApiResult<Json<Tags>> {
    state.catalog.tag(object.clone(), tags).await?;
    get_tags_of(state, object).await
}

async fn delete_tags_of(
    state: &AppState,
    object: Tagged,
    params: TagKeysParams,
) -> ApiResult<StatusCode> {
    state.catalog.untag(object, keys_to_remove(params)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The three tag endpoints of one kind of object: `$path` is its tags' path, `$params` its
/// path parameters and `$object` what turns them into the tagged object.
macro_rules! tag_endpoints {
    (
        $path:literal, $what:literal, $params:ident,
        $get:ident, $put:ident, $delete:ident, $object:expr
    ) => {
        #[doc = concat!("Reads the tags of ", $what, ".")]
        #[utoipa::path(
            get,
            path = $path,
            tag = "tags",
            params($params),
            responses(
                (status = 200, description = "Its tags, by key", body = BTreeMap<String, String>),
                (status = 404, description = "No such object", body = ErrorResponse),
            )
        )]
        pub(super) async fn $get(
            State(state): State<AppState>,
            Path(path): Path<$params>,
        ) -> ApiResult<Json<Tags>> {
            get_tags_of(&state, ($object)(path)).await
        }

        #[doc = concat!(
            "Adds tags to ", $what, ", replacing the values of keys it has; it may carry at \
             most 50."
        )]
        #[utoipa::path(
            put,
            path = $path,
            tag = "tags",
            params($params),
            request_body = BTreeMap<String, String>,
            responses(
                (status = 200, description = "Its tags afterwards, by key", body = BTreeMap<String, String>),
                (status = 400, description = "Too many tags, or a key or value too long", body = ErrorResponse),
                (status = 404, description = "No such object", body = ErrorResponse),
            )
        )]
        pub(super) async fn $put(
            State(state): State<AppState>,
            Path(path): Path<$params>,
            Json(tags): Json<Tags>,
        ) -> ApiResult<Json<Tags>> {
            put_tags_of(&state, ($object)(path), tags).await
        }

        #[doc = concat!("Removes tags from ", $what, " by key.")]
        #[utoipa::path(
            delete,
            path = $path,
            tag = "tags",
            params($params, TagKeysParams),
            responses(
                (status = 204, description = "Removed"),
                (status = 400, description = "No keys, or a key too long", body = ErrorResponse),
                (status = 404, description = "No such object", body = ErrorResponse),
            )
        )]
        pub(super) async fn $delete(
            State(state): State<AppState>,
            Path(path): Path<$params>,
            Query(params): Query<TagKeysParams>,
        ) -> ApiResult<StatusCode> {
            delete_tags_of(&state, ($object)(path), params).await
        }
    };
}

tag_endpoints!(
    "/v1/databases/{database}/tags",
    "a database",
    DatabasePath,
    get_database_tags,
    put_database_tags,
    delete_database_tags,
    |path: DatabasePath| Tagged::Database(path.database)
);

tag_endpoints!(
    "/v1/databases/{database}/tables/{table}/tags",
    "a table",
    TablePath,
    get_table_tags,
    put_table_tags,
    delete_table_tags,
    |path: TablePath| Tagged::Table(path.database, path.table)
);

tag_endpoints!(
    "/v1/crawlers/{crawler}/tags",
    "a crawler",
    CrawlerPath,
    get_crawler_tags,
    put_crawler_tags,
    delete_crawler_tags,
    |path: CrawlerPath| Tagged::Crawler(path.crawler)
);

tag_endpoints!(
    "/v1/classifiers/{classifier}/tags",
    "a custom classifier",
    ClassifierPath,
    get_classifier_tags,
    put_classifier_tags,
    delete_classifier_tags,
    |path: ClassifierPath| Tagged::Classifier(path.classifier)
);
