//! The Iceberg REST specification's error answers: `{"error": {"message", "type", "code"}}`
//! (`IcebergErrorResponse`), rendered from lakecat's error kinds in this one place.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lakecat_catalog::{Entity, Error, ErrorKind};
use serde_json::json;

/// An answer other than success, as the Iceberg REST specification shapes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IcebergError {
    status: StatusCode,
    /// The exception's name (`NoSuchTableException`), which clients map to their own.
    kind: &'static str,
    message: String,
}

impl IcebergError {
    pub(crate) fn bad_request(message: impl Into<String>) -> IcebergError {
        IcebergError {
            status: StatusCode::BAD_REQUEST,
            kind: "BadRequestException",
            message: message.into(),
        }
    }

    pub(crate) fn no_such_namespace(namespace: &str) -> IcebergError {
        IcebergError {
            status: StatusCode::NOT_FOUND,
            kind: "NoSuchNamespaceException",
            message: format!("namespace {namespace} does not exist"),
        }
    }

    pub(crate) fn namespace_not_empty(message: impl Into<String>) -> IcebergError {
        IcebergError {
            status: StatusCode::CONFLICT,
            kind: "NamespaceNotEmptyException",
            message: message.into(),
        }
    }

    pub(crate) fn unprocessable(message: impl Into<String>) -> IcebergError {
        IcebergError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            kind: "UnprocessableEntityException",
            message: message.into(),
        }
    }

    pub(crate) fn commit_failed(message: impl Into<String>) -> IcebergError {
        IcebergError {
            status: StatusCode::CONFLICT,
            kind: "CommitFailedException",
            message: message.into(),
        }
    }

    pub(crate) fn no_such_table(message: impl Into<String>) -> IcebergError {
        IcebergError {
            status: StatusCode::NOT_FOUND,
            kind: "NoSuchTableException",
            message: message.into(),
        }
    }

    pub(crate) fn service_failure(message: impl Into<String>) -> IcebergError {
        IcebergError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            kind: "ServiceFailureException",
            message: message.into(),
        }
    }

    /// The same failure as the client's fault: a file the client named that cannot be read
    /// is a bad request, not the server's failure.
    pub(crate) fn into_bad_request(self) -> IcebergError {
        IcebergError {
            status: StatusCode::BAD_REQUEST,
            kind: "BadRequestException",
            message: self.message,
        }
    }

    /// The specification's `CommitStateUnknownException` (500): the catalog failed in a way
    /// that leaves unknown whether the commit landed, so the client must not assume either.
    pub(crate) fn commit_state_unknown(message: impl Into<String>) -> IcebergError {
        IcebergError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            kind: "CommitStateUnknownException",
            message: message.into(),
        }
    }

    /// Whether this is a name already taken (409 `AlreadyExistsException`).
    pub(crate) fn is_already_exists(&self) -> bool {
        self.kind == "AlreadyExistsException"
    }

    /// The HTTP status.
    #[cfg(test)]
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<Error> for IcebergError {
    fn from(error: Error) -> IcebergError {
        let (status, kind) = match error.kind() {
            ErrorKind::NotFound => match &error {
                Error::NotFound {
                    entity: Entity::Database,
                    ..
                } => (StatusCode::NOT_FOUND, "NoSuchNamespaceException"),
                _ => (StatusCode::NOT_FOUND, "NoSuchTableException"),
            },
            ErrorKind::AlreadyExists => (StatusCode::CONFLICT, "AlreadyExistsException"),
            ErrorKind::ConcurrentModification => (StatusCode::CONFLICT, "CommitFailedException"),
            ErrorKind::InvalidInput | ErrorKind::InvalidPageToken | ErrorKind::LimitExceeded => {
                (StatusCode::BAD_REQUEST, "BadRequestException")
            }
            ErrorKind::CrawlerRunning
            | ErrorKind::CrawlerStopping
            | ErrorKind::CrawlerNotRunning
            | ErrorKind::NoSchedule
            | ErrorKind::ScheduleRunning
            | ErrorKind::ScheduleNotRunning => (StatusCode::BAD_REQUEST, "BadRequestException"),
            ErrorKind::Internal => {
                tracing::error!(error = %error, "Iceberg REST request failed");
                return IcebergError::service_failure("the catalog failed; see the server's log");
            }
        };
        IcebergError {
            status,
            kind,
            message: error.to_string(),
        }
    }
}

impl IntoResponse for IcebergError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": {
                "message": self.message,
                "type": self.kind,
                "code": self.status.as_u16(),
            }
        });
        (self.status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_errors_map_to_the_specifications_exceptions() {
        let cases = [
            (
                Error::NotFound {
                    entity: Entity::Database,
                    name: "sales".into(),
                },
                404,
                "NoSuchNamespaceException",
            ),
            (
                Error::NotFound {
                    entity: Entity::Table,
                    name: "sales.orders".into(),
                },
                404,
                "NoSuchTableException",
            ),
            (
                Error::InvalidPageToken("stale".into()),
                400,
                "BadRequestException",
            ),
            (
                Error::ConcurrentModification("changed".into()),
                409,
                "CommitFailedException",
            ),
        ];
        for (error, status, kind) in cases {
            let rendered = IcebergError::from(error);
            assert_eq!(rendered.status.as_u16(), status, "{rendered:?}");
            assert_eq!(rendered.kind, kind, "{rendered:?}");
        }
    }
}
