//! A budget for the memory that request bodies hold at once.
//!
//! Each request may send up to [`MAX_BODY_BYTES`], and hundreds of connections may be open,
//! so without a bound a few hundred slow or large uploads could hold gigabytes. Before a
//! request's body is read, the bytes it will hold are reserved from one server-wide budget:
//! its declared length, or the largest body when it does not declare one (chunked uploads).
//! A request that does not fit waits, without reading, until others finish (its deadline
//! bounds the wait). The reservation is held until the response is ready, so that the
//! bytes stay counted while the request is parsed and served (the parsed form is extra, up
//! to about the body's size again), and it is taken whole, before reading, so that two
//! half-read bodies can never wait on each other.
//!
//! This layer runs after the credentials check (`auth::check`), which looks only at
//! headers: a request without valid credentials is refused before any of its body is read.
//! (A SigV4 signature over an undeclared payload hash can only be verified after the body
//! is read; such a request still needs a configured key, a fresh date and signed headers.)

use std::sync::Arc;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// Largest request body accepted, in bytes; larger ones get a 413. Enough for a batch of
/// 100 partitions or a table with Glue's largest parameter values.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The default budget: four of the largest bodies, or hundreds of ordinary requests.
pub(crate) const DEFAULT_BODY_MEMORY: usize = 64 * 1024 * 1024;

/// The bytes request bodies may hold at once, shared by all requests of a server.
#[derive(Debug, Clone)]
pub(crate) struct BodyBudget {
    permits: Arc<Semaphore>,
}

impl BodyBudget {
    /// A budget of `bytes`, at least [`MAX_BODY_BYTES`] so that every body can fit.
    pub(crate) fn new(bytes: usize) -> BodyBudget {
        let bytes = bytes.clamp(MAX_BODY_BYTES, u32::MAX as usize);
        BodyBudget {
            permits: Arc::new(Semaphore::new(bytes)),
        }
    }
}

/// Reads the request's body within the budget, then serves the request with the body in
/// memory; the body's bytes stay reserved until the response is ready.
pub(crate) async fn hold(
    State(budget): State<BodyBudget>,
    request: Request,
    next: Next,
) -> Response {
    let hint = request.body().size_hint();
    if hint.exact() == Some(0) {
        return next.run(request).await;
    }
    let refuse = Refusal::for_request(&request);
    if hint.lower() > MAX_BODY_BYTES as u64 {
        return refuse.too_large();
    }
    let reserve = hint
        .exact()
        .map_or(MAX_BODY_BYTES, |declared| declared as usize);
    // The budget is at least MAX_BODY_BYTES and a reservation at most that, so it always
    // fits eventually; the semaphore is never closed.
    let Ok(permit) = budget
        .permits
        .clone()
        .acquire_many_owned(reserve as u32)
        .await
    else {
        return refuse.too_large();
    };
    let (parts, body) = request.into_parts();
    let bytes = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<LengthLimitError>() => return refuse.too_large(),
        Err(error) => return refuse.unreadable(&error.to_string()),
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    drop(permit);
    response
}

/// Refusals in the shape of the request's protocol.
struct Refusal {
    /// For a Glue request: its id, which Glue errors carry.
    glue_request_id: Option<String>,
}

impl Refusal {
    fn for_request(request: &Request) -> Refusal {
        Refusal {
            glue_request_id: crate::glue::is_glue_request(request).then(|| {
                crate::request_id::request_id(request.headers())
                    .unwrap_or_default()
                    .to_string()
            }),
        }
    }

    fn too_large(&self) -> Response {
        let message = format!(
            "the request body is larger than the limit of {} MiB",
            MAX_BODY_BYTES / (1024 * 1024)
        );
        match &self.glue_request_id {
            Some(id) => crate::glue::GlueError::with_status(
                StatusCode::PAYLOAD_TOO_LARGE,
                "InvalidInputException",
                message,
            )
            .into_response_with(id),
            None => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", message)
                .into_response(),
        }
    }

    fn unreadable(&self, reason: &str) -> Response {
        let message = format!("the request body could not be read: {reason}");
        match &self.glue_request_id {
            Some(id) => crate::glue::GlueError::new("SerializationException", message)
                .into_response_with(id),
            None => ApiError::invalid(message).into_response(),
        }
    }
}
