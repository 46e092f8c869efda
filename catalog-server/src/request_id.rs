//! Request ids: each request carries one in `x-request-id`, set from the client's when it
//! sends one (see the layers in `app`), so that its log lines, its response and, for the
//! Glue API, `x-amzn-RequestId` can be matched up.

use axum::http::{HeaderMap, HeaderName};

/// The header that carries a request's id.
pub(crate) static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A request's id, once the request-id layer has set it.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(&REQUEST_ID).and_then(|v| v.to_str().ok())
}
