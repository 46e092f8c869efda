//! Answers that the server's shared layers give before an Iceberg handler runs (401 and 403
//! from authentication, 413 from the body limits, 503 from the request deadline, 404 and
//! 405 from routing, 400 from extractors refusing a malformed query or body) are rewritten into the Iceberg REST error shape under `/iceberg`, so
//! Iceberg clients read them as the exceptions they know; the layers themselves keep one
//! code path.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The largest error body rewritten: the shared layers' answers are a few hundred bytes.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Under `/iceberg/`, rewrites a failure in lakecat's REST shape into Iceberg's.
pub(crate) async fn iceberg_errors(request: Request, next: Next) -> Response {
    let under_iceberg = request.uri().path().starts_with("/iceberg/");
    let response = next.run(request).await;
    if !under_iceberg || response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Some(message) = rest_error_message(&bytes) else {
        // Already Iceberg's shape (a handler's answer), or not an error body at all.
        return Response::from_parts(parts, Body::from(bytes));
    };
    let status = parts.status;
    let mut rewritten = (
        status,
        axum::Json(json!({
            "error": {"message": message, "type": exception_for(status), "code": status.as_u16()}
        })),
    )
        .into_response();
    // Keep what the layer said beside the body (WWW-Authenticate, Retry-After, request ids).
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rewritten
}

/// The message of an error body in lakecat's REST shape (`{"error": {"code", "message"}}`
/// with a string code), or of a plain-text one (axum's extractors refuse a malformed query
/// or body in text); `None` for any other body, Iceberg's shape included.
fn rest_error_message(bytes: &[u8]) -> Option<String> {
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        let text = std::str::from_utf8(bytes).ok()?.trim();
        return (!text.is_empty()).then(|| text.to_string());
    };
    let error = value.get("error")?;
    if !error.get("code")?.is_string() {
        return None;
    }
    Some(error.get("message")?.as_str()?.to_string())
}

/// The Iceberg exception a client expects for a status the shared layers answer with.
fn exception_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => "NotAuthorizedException",
        StatusCode::FORBIDDEN => "ForbiddenException",
        StatusCode::NOT_FOUND => "NoSuchEndpointException",
        StatusCode::SERVICE_UNAVAILABLE => "ServiceUnavailableException",
        status if status.is_server_error() => "ServiceFailureException",
        _ => "BadRequestException",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn layer_statuses_become_the_specifications_exceptions() {
        let cases = [
            (401, "NotAuthorizedException"),
            (403, "ForbiddenException"),
            (404, "NoSuchEndpointException"),
            (405, "BadRequestException"),
            (413, "BadRequestException"),
            (503, "ServiceUnavailableException"),
            (500, "ServiceFailureException"),
        ];
        for (status, kind) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(exception_for(status), kind, "{status}");
        }
    }

    #[test]
    fn only_rest_shaped_bodies_are_rewritten() {
        let rest = br#"{"error": {"code": "NOT_FOUND", "message": "no route"}}"#;
        assert_eq!(rest_error_message(rest).as_deref(), Some("no route"));
        let iceberg =
            br#"{"error": {"code": 404, "message": "m", "type": "NoSuchTableException"}}"#;
        assert_eq!(rest_error_message(iceberg), None);
        assert_eq!(
            rest_error_message(b"Failed to deserialize query string").as_deref(),
            Some("Failed to deserialize query string")
        );
        assert_eq!(rest_error_message(b""), None);
        assert_eq!(rest_error_message(br#"{"ok": true}"#), None);
    }
}
