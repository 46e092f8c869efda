//! The AWS Glue-compatible API: AWS JSON 1.1 over `POST /`, the operation named by the
//! `X-Amz-Target: AWSGlue.<Operation>` header, Glue's member names, timestamps as epoch
//! seconds, and errors as AWS SDKs parse them. It is served beside the REST API, over the
//! same services, so nothing is kept twice.

mod account_ops;
mod catalog_ops;
mod crawler_ops;
mod error;
mod function_ops;
mod operations;
mod partition_page;
mod shapes;
mod statistics_ops;
mod tag_ops;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router, http};
use serde::de::DeserializeOwned;

use crate::credentials::AccessKeys;
use crate::sigv4::PendingSignature;
use crate::state::AppState;
pub(crate) use error::GlueError;
use operations::Answer;

/// Whether a request is for the Glue API: `POST /`.
pub(crate) fn is_glue_request<B>(request: &http::Request<B>) -> bool {
    request.method() == Method::POST && request.uri().path() == "/"
}

/// The Glue API's route: AWS JSON 1.1 on `POST /`, the operation in `X-Amz-Target`.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/", post(handle))
}

/// The request's id (see `request_id`), returned in `x-amzn-RequestId` as AWS does.
fn request_id_of(headers: &HeaderMap) -> String {
    crate::request_id::request_id(headers)
        .map(str::to_string)
        .unwrap_or_else(lakecat_catalog::id::random_uuid)
}

/// Checks a Glue request's credentials from its headers, before its body is read: the
/// signature's key, date and signed headers, and the signature itself when the request
/// declares its payload's hash. Refusals are Glue's errors.
pub(crate) fn check_credentials(
    keys: &AccessKeys,
    request: &Request,
) -> Result<PendingSignature, Box<Response>> {
    let headers = request.headers();
    keys.check_headers(headers)
        .and_then(|pending| {
            pending.verify_declared(request.method(), request.uri(), headers)?;
            Ok(pending)
        })
        .map_err(|error| {
            Box::new(GlueError::from(error).into_response_with(&request_id_of(headers)))
        })
}

/// Parses a request body; an empty body is an empty request.
pub(crate) fn parse<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, GlueError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    Ok(serde_json::from_slice(body)?)
}

/// A required string member, refused with Glue's wording when empty or absent.
pub(crate) fn required<'a>(field: &str, value: &'a str) -> Result<&'a str, GlueError> {
    if value.is_empty() {
        return Err(GlueError::invalid(format!("{field} is required")));
    }
    Ok(value)
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
async fn handle(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    pending: Option<Extension<PendingSignature>>,
    body: Bytes,
) -> Response {
    let request_id = request_id_of(&headers);
    // Requests are signed when the server needs credentials or has keys configured. Their
    // headers were checked before the body was read (`auth::check`); the signature over the
    // body is checked here.
    let role = if state.access.glue_signatures_checked() {
        let pending = match pending {
            Some(Extension(pending)) => Ok(pending),
            None => state.access.glue_keys.check_headers(&headers),
        };
        match pending.and_then(|pending| pending.verify(&method, &uri, &headers, &body)) {
            Ok(role) => Some(role),
            Err(error) => return GlueError::from(error).into_response_with(&request_id),
        }
    } else {
        None
    };
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let result = match target.strip_prefix("AWSGlue.") {
        None => Err(GlueError::new(
            "UnknownOperationException",
            format!("the X-Amz-Target header must name an AWSGlue operation (got {target:?})"),
        )),
        Some(name) => match operations::find(name) {
            None => Err(GlueError::new(
                "UnknownOperationException",
                format!("lakecat does not serve the Glue operation {name}"),
            )),
            Some(operation) => {
                let needed = operation.required_role(&body);
                if role.is_some_and(|role| role < needed) {
                    Err(GlueError::auth(
                        "AccessDeniedException",
                        format!(
                            "the access key's role may not perform glue:{name} on this \
                             resource; it needs role {}",
                            needed.as_str()
                        ),
                    ))
                } else {
                    (operation.handler)(&state, &body).await
                }
            }
        },
    };
    match result {
        Ok(answer) => {
            let mut response = match answer {
                Answer::Json(value) => axum::Json(value).into_response(),
                Answer::Written(body) => (
                    [(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static("application/json"),
                    )],
                    body,
                )
                    .into_response(),
            };
            error::set_common_headers(&mut response, &request_id);
            response
        }
        Err(error) => error.into_response_with(&request_id),
    }
}
