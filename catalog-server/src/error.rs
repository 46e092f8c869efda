//! The one place where errors become HTTP responses.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lakecat_catalog::{Error as CatalogError, ErrorKind};
use lakecat_crawler::CrawlError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorResponse {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong, for people and for programs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ErrorDetail {
    /// A stable code to act on: `INVALID_INPUT`, `INVALID_PAGE_TOKEN`, `NOT_FOUND`,
    /// `ALREADY_EXISTS`, `CONCURRENT_MODIFICATION`, `CRAWLER_RUNNING`, `CRAWLER_STOPPING`,
    /// `CRAWLER_NOT_RUNNING`, `NO_SCHEDULE`, `SCHEDULE_RUNNING`, `SCHEDULE_NOT_RUNNING`,
    /// `PAYLOAD_TOO_LARGE`,
    /// `UNSUPPORTED_MEDIA_TYPE`, `METHOD_NOT_ALLOWED`, `UNAVAILABLE` or `INTERNAL`.
    pub code: &'static str,
    /// What is wrong, naming the field or object concerned.
    pub message: String,
}

/// An error on its way to becoming a response.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    detail: ErrorDetail,
}

impl ApiError {
    /// An error with an explicit status, code and message.
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: ErrorDetail {
                code,
                message: message.into(),
            },
        }
    }

    /// A 400 for a request the catalog cannot act on.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_INPUT", message)
    }

    /// The error's code and message, as sent.
    pub(crate) fn detail(&self) -> &ErrorDetail {
        &self.detail
    }
}

/// REST's status and stable code for each kind of error.
fn rest_status(kind: ErrorKind) -> (StatusCode, &'static str) {
    match kind {
        ErrorKind::InvalidInput => (StatusCode::BAD_REQUEST, "INVALID_INPUT"),
        ErrorKind::InvalidPageToken => (StatusCode::BAD_REQUEST, "INVALID_PAGE_TOKEN"),
        ErrorKind::LimitExceeded => (StatusCode::BAD_REQUEST, "LIMIT_EXCEEDED"),
        ErrorKind::NotFound => (StatusCode::NOT_FOUND, "NOT_FOUND"),
        ErrorKind::AlreadyExists => (StatusCode::CONFLICT, "ALREADY_EXISTS"),
        ErrorKind::ConcurrentModification => (StatusCode::CONFLICT, "CONCURRENT_MODIFICATION"),
        ErrorKind::CrawlerRunning => (StatusCode::CONFLICT, "CRAWLER_RUNNING"),
        ErrorKind::CrawlerStopping => (StatusCode::CONFLICT, "CRAWLER_STOPPING"),
        ErrorKind::CrawlerNotRunning => (StatusCode::CONFLICT, "CRAWLER_NOT_RUNNING"),
        ErrorKind::NoSchedule => (StatusCode::CONFLICT, "NO_SCHEDULE"),
        ErrorKind::ScheduleRunning => (StatusCode::CONFLICT, "SCHEDULE_RUNNING"),
        ErrorKind::ScheduleNotRunning => (StatusCode::CONFLICT, "SCHEDULE_NOT_RUNNING"),
        ErrorKind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL"),
    }
}

impl From<CrawlError> for ApiError {
    fn from(error: CrawlError) -> Self {
        ApiError::rendering(error.kind(), &error)
    }
}

impl From<CatalogError> for ApiError {
    fn from(error: CatalogError) -> Self {
        ApiError::rendering(error.kind(), &error)
    }
}

impl ApiError {
    /// REST's rendering of an error of `kind`; internal details go to the log (SQL, driver
    /// messages), never to the client.
    fn rendering(kind: ErrorKind, error: &dyn std::error::Error) -> ApiError {
        let (status, code) = rest_status(kind);
        if status.is_server_error() {
            tracing::error!(error = %error, source = ?error.source(), "request failed");
            return ApiError::new(status, code, "internal error; see the server log");
        }
        ApiError::new(status, code, error.to_string())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
            _ => "INVALID_INPUT",
        };
        // Well-formed JSON of the wrong shape is axum's 422; to clients it is invalid input
        // like any other, so it gets the same 400.
        let status = match status {
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNSUPPORTED_MEDIA_TYPE => status,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, code, rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::invalid(rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::invalid(rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(ErrorResponse { error: self.detail }),
        )
            .into_response()
    }
}

/// The result of a handler.
pub(crate) type ApiResult<T> = Result<T, ApiError>;
