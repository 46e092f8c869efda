//! The AWS Glue-compatible API: AWS JSON 1.1 over `POST /`, the operation named by the
//! `X-Amz-Target: AWSGlue.<Operation>` header, Glue's member names, timestamps as epoch
//! seconds, and errors as AWS SDKs parse them. It is served beside the REST API, over the
//! same services, so nothing is kept twice.

mod catalog_ops;
mod crawler_ops;
mod error;
mod shapes;
mod sigv4;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::api::AppState;
pub(crate) use error::GlueError;
pub use sigv4::AccessKeys;

/// Parses a request body; an empty body is an empty request.
pub(crate) fn parse<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, GlueError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    Ok(serde_json::from_slice(body)?)
}

/// The page a Glue request asks for; SDKs send an empty `NextToken` for the first page.
pub(crate) fn page(
    next_token: Option<String>,
    max_results: Option<usize>,
) -> lakecat_catalog::PageRequest {
    lakecat_catalog::PageRequest {
        max_results,
        page_token: next_token.filter(|t| !t.is_empty()),
    }
}

/// `POST /`: one Glue operation.
pub(crate) async fn handle(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // The request's id (see `app`), returned in `x-amzn-RequestId` as AWS does.
    let request_id = crate::app::request_id(&headers)
        .map(str::to_string)
        .unwrap_or_else(lakecat_catalog::id::random_uuid);
    if !state.glue_keys.is_empty()
        && let Err(error) = state.glue_keys.verify(&method, &uri, &headers, &body)
    {
        return error.into_response_with(&request_id);
    }
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let result = match target.strip_prefix("AWSGlue.") {
        Some(operation) => catalog_ops::dispatch(&state, operation, &body).await,
        None => Err(GlueError::new(
            "UnknownOperationException",
            format!("the X-Amz-Target header must name an AWSGlue operation (got {target:?})"),
        )),
    };
    match result {
        Ok(value) => {
            let mut response = axum::Json(value).into_response();
            error::set_common_headers(&mut response, &request_id);
            response
        }
        Err(error) => error.into_response_with(&request_id),
    }
}
