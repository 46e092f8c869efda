//! `/v1/classifiers`: custom classifiers (grok, CSV, JSON, XML) that crawlers try first.

use axum::extract::State;
use axum::http::StatusCode;
use lakecat_catalog::crawlers::{ClassifierInput, ClassifierRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AppState, Json, PageParams, Path, Query};
use crate::error::{ApiError, ApiResult, ErrorResponse};

/// The path of a classifier.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct ClassifierPath {
    /// Classifier name.
    pub classifier: String,
}

/// A page of classifiers.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ClassifierList {
    /// Classifiers, by name.
    pub classifiers: Vec<ClassifierRecord>,
    /// Pass as `page_token` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// Lists custom classifiers by name.
#[utoipa::path(
    get,
    path = "/v1/classifiers",
    tag = "classifiers",
    params(PageParams),
    responses(
        (status = 200, body = ClassifierList),
        (status = 400, description = "Bad page size or token", body = ErrorResponse),
    )
)]
pub(super) async fn list_classifiers(
    State(state): State<AppState>,
    Query(page): Query<PageParams>,
) -> ApiResult<Json<ClassifierList>> {
    let listing = state.crawlers.list_classifiers(page.into()).await?;
    Ok(Json(ClassifierList {
        classifiers: listing.items,
        next_page_token: listing.next_page_token,
    }))
}

/// Creates a custom classifier. The definition is checked by building it: a grok pattern
/// that does not compile or a CSV delimiter of two characters is a 400 naming the field.
#[utoipa::path(
    post,
    path = "/v1/classifiers",
    tag = "classifiers",
    request_body = ClassifierInput,
    responses(
        (status = 201, body = ClassifierRecord),
        (status = 400, description = "Invalid definition", body = ErrorResponse),
        (status = 409, description = "The classifier exists", body = ErrorResponse),
    )
)]
pub(super) async fn create_classifier(
    State(state): State<AppState>,
    Json(input): Json<ClassifierInput>,
) -> ApiResult<(StatusCode, Json<ClassifierRecord>)> {
    let record = state.crawlers.create_classifier(input).await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// Reads a custom classifier.
#[utoipa::path(
    get,
    path = "/v1/classifiers/{classifier}",
    tag = "classifiers",
    params(ClassifierPath),
    responses(
        (status = 200, body = ClassifierRecord),
        (status = 404, description = "No such classifier", body = ErrorResponse),
    )
)]
pub(super) async fn get_classifier(
    State(state): State<AppState>,
    Path(ClassifierPath { classifier }): Path<ClassifierPath>,
) -> ApiResult<Json<ClassifierRecord>> {
    Ok(Json(state.crawlers.get_classifier(&classifier).await?))
}

/// Replaces a custom classifier's definition; the body's name must be the classifier's.
#[utoipa::path(
    put,
    path = "/v1/classifiers/{classifier}",
    tag = "classifiers",
    params(ClassifierPath),
    request_body = ClassifierInput,
    responses(
        (status = 200, body = ClassifierRecord),
        (status = 400, description = "Invalid definition", body = ErrorResponse),
        (status = 404, description = "No such classifier", body = ErrorResponse),
    )
)]
pub(super) async fn update_classifier(
    State(state): State<AppState>,
    Path(ClassifierPath { classifier }): Path<ClassifierPath>,
    Json(input): Json<ClassifierInput>,
) -> ApiResult<Json<ClassifierRecord>> {
    if input.name != classifier {
        return Err(ApiError::invalid(format!(
            "name: classifiers cannot be renamed (the body names {}, the path {classifier})",
            input.name
        )));
    }
    Ok(Json(state.crawlers.update_classifier(input).await?))
}

/// Deletes a custom classifier.
#[utoipa::path(
    delete,
    path = "/v1/classifiers/{classifier}",
    tag = "classifiers",
    params(ClassifierPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such classifier", body = ErrorResponse),
    )
)]
pub(super) async fn delete_classifier(
    State(state): State<AppState>,
    Path(ClassifierPath { classifier }): Path<ClassifierPath>,
) -> ApiResult<StatusCode> {
    state.crawlers.delete_classifier(&classifier).await?;
    Ok(StatusCode::NO_CONTENT)
}
