//! Errors as AWS Glue returns them: HTTP 400 (or 500) with `{"__type": ..., "Message": ...}`
//! and the request id header, which AWS SDKs turn into their modeled exceptions.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use lakecat_catalog::{Error as CatalogError, ErrorKind};
use lakecat_crawler::CrawlError;

/// A Glue error on its way to the client.
#[derive(Debug)]
pub(crate) struct GlueError {
    status: StatusCode,
    kind: &'static str,
    message: String,
}

impl GlueError {
    /// An error of Glue's exception type `kind`, sent with HTTP 400.
    pub(crate) fn new(kind: &'static str, message: impl Into<String>) -> GlueError {
        GlueError {
            status: StatusCode::BAD_REQUEST,
            kind,
            message: message.into(),
        }
    }

    /// An error of Glue's exception type `kind`, sent with `status`.
    pub(crate) fn with_status(
        status: StatusCode,
        kind: &'static str,
        message: impl Into<String>,
    ) -> GlueError {
        GlueError {
            status,
            kind,
            message: message.into(),
        }
    }

    /// An authentication or authorization error, with the HTTP status AWS sends it with:
    /// 400 for a signature that is malformed or incomplete (`IncompleteSignatureException`),
    /// 403 for a missing, unknown, wrong or expired signature and for a denied operation.
    /// Clients switch on the `__type`, which is the same either way.
    pub(crate) fn auth(kind: &'static str, message: impl Into<String>) -> GlueError {
        let status = if kind == "IncompleteSignatureException" {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::FORBIDDEN
        };
        GlueError::with_status(status, kind, message)
    }

    /// `InvalidInputException`.
    pub(crate) fn invalid(message: impl Into<String>) -> GlueError {
        GlueError::new("InvalidInputException", message)
    }

    /// Glue's exception type and message for a catalog error.
    pub(crate) fn kind_of(error: &CatalogError) -> (&'static str, bool) {
        glue_type(error.kind())
    }

    /// Glue's rendering of an error of `kind`; internal details go to the log.
    fn rendering(kind: ErrorKind, error: &dyn std::error::Error) -> GlueError {
        let (glue_type, internal) = glue_type(kind);
        if internal {
            tracing::error!(error = %error, source = ?error.source(), "Glue request failed");
            return GlueError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                kind: glue_type,
                message: "internal error; see the server log".into(),
            };
        }
        GlueError::new(glue_type, error.to_string())
    }

    /// Glue's exception type.
    #[cfg(test)]
    pub(crate) fn kind(&self) -> &'static str {
        self.kind
    }

    /// Sends the response with `request_id`.
    pub(crate) fn into_response_with(self, request_id: &str) -> Response {
        let body = serde_json::json!({"__type": self.kind, "Message": self.message});
        let mut response = (self.status, axum::Json(body)).into_response();
        set_common_headers(&mut response, request_id);
        response
    }
}

/// Glue's `__type` for each kind of error, and whether it is the server's failure.
fn glue_type(kind: ErrorKind) -> (&'static str, bool) {
    match kind {
        ErrorKind::NotFound => ("EntityNotFoundException", false),
        ErrorKind::AlreadyExists => ("AlreadyExistsException", false),
        ErrorKind::ConcurrentModification => ("ConcurrentModificationException", false),
        ErrorKind::InvalidInput | ErrorKind::InvalidPageToken => ("InvalidInputException", false),
        ErrorKind::LimitExceeded => ("ResourceNumberLimitExceededException", false),
        ErrorKind::CrawlerRunning => ("CrawlerRunningException", false),
        ErrorKind::CrawlerStopping => ("CrawlerStoppingException", false),
        ErrorKind::CrawlerNotRunning => ("CrawlerNotRunningException", false),
        ErrorKind::NoSchedule => ("NoScheduleException", false),
        ErrorKind::ScheduleRunning => ("SchedulerRunningException", false),
        ErrorKind::ScheduleNotRunning => ("SchedulerNotRunningException", false),
        ErrorKind::Internal => ("InternalServiceException", true),
    }
}

/// The headers every Glue response carries.
pub(crate) fn set_common_headers(response: &mut Response, request_id: &str) {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
}

impl From<CatalogError> for GlueError {
    fn from(error: CatalogError) -> Self {
        GlueError::rendering(error.kind(), &error)
    }
}

impl From<CrawlError> for GlueError {
    fn from(error: CrawlError) -> Self {
        GlueError::rendering(error.kind(), &error)
    }
}

impl From<crate::sigv4::SignatureError> for GlueError {
    fn from(error: crate::sigv4::SignatureError) -> Self {
        GlueError::auth(error.kind, error.message)
    }
}

impl From<serde_json::Error> for GlueError {
    fn from(error: serde_json::Error) -> Self {
        // Glue answers a malformed or mistyped body with a serialization error.
        GlueError::new("SerializationException", error.to_string())
    }
}
