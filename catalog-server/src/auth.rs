//! Access control: roles, which role each request needs, and the check of a request's
//! credentials (`credentials` keeps them: bearer tokens for the REST API, SigV4 access keys
//! for the Glue-compatible API, mapped to the same roles).

use std::str::FromStr;
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::body_budget::MAX_BODY_BYTES;
use crate::credentials::{AccessKeys, Tokens};
use crate::error::ApiError;
use crate::sigv4::{PendingSignature, SignatureError};

/// What a credential may do. Each role may do everything the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Read databases, tables, partitions, crawlers, runs, classifiers and metrics.
    Reader,
    /// Also change databases, tables, table versions, partitions and partition indexes.
    Editor,
    /// Also create, change, run and delete crawlers and classifiers.
    Admin,
}

impl Role {
    /// The role's name as configured.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Role, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "reader" => Ok(Role::Reader),
            "editor" => Ok(Role::Editor),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role {other:?} (expected reader, editor or admin)"
            )),
        }
    }
}

/// How requests are authenticated.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Whether requests need credentials.
    pub required: bool,
    /// The REST API's bearer tokens.
    pub tokens: Tokens,
    /// The access keys whose SigV4 signatures the Glue-compatible API accepts.
    pub glue_keys: AccessKeys,
}

impl Access {
    /// Whether Glue requests must be signed: when the server needs credentials, or has
    /// access keys configured.
    pub(crate) fn glue_signatures_checked(&self) -> bool {
        self.required || !self.glue_keys.is_empty()
    }
}

/// The role a REST request needs, or `None` for what anyone may read: health, readiness and
/// the API's documentation. The Glue API (`POST /`) checks its own credentials.
pub(crate) fn required_role(method: &Method, path: &str) -> Option<Role> {
    // The Iceberg token exchange checks the credentials it is given itself.
    let public = matches!(
        path,
        "/healthz" | "/readyz" | "/openapi.json" | "/iceberg/v1/oauth/tokens"
    ) || path == "/docs"
        || path.starts_with("/docs/")
        || (path == "/" && method == Method::POST)
        || crate::console::is_console_file(method, path);
    if public {
        return None;
    }
    if method == Method::GET || method == Method::HEAD {
        return Some(Role::Reader);
    }
    // Announcing changed objects (what writers and stores do) is an editor's write (or the
    // crawler's webhook secret's); changing what crawlers are is an admin's.
    if is_webhook(method, path) {
        return Some(Role::Editor);
    }
    if path.starts_with("/v1/crawlers") || path.starts_with("/v1/classifiers") {
        Some(Role::Admin)
    } else {
        Some(Role::Editor)
    }
}

/// The header in which a sender presents a crawler's webhook secret; MinIO's `auth_token`
/// arrives as `Authorization: Bearer <secret>` instead, also accepted.
pub(crate) const WEBHOOK_SECRET_HEADER: &str = "x-lakecat-webhook-secret";

/// Whether a request posts events to a crawler's webhook (`POST /v1/crawlers/{name}/events`).
fn is_webhook(method: &Method, path: &str) -> bool {
    method == Method::POST && path.starts_with("/v1/crawlers/") && path.ends_with("/events")
}

/// The webhook secret a request presents: its `X-Lakecat-Webhook-Secret` header, or else
/// its bearer credential (MinIO's `auth_token`). Checked against the crawler's by the
/// webhook's handler.
pub(crate) fn presented_webhook_secret(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(WEBHOOK_SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .or_else(|| bearer(headers))
        .map(str::trim)
}

/// The credential of an `Authorization: Bearer ...` header.
fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

fn unauthenticated(message: &str) -> Response {
    let mut response =
        ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"lakecat\""),
    );
    response
}

/// A request other than Glue's signed with SigV4 (an Iceberg REST client with SigV4 turned
/// on): its headers passed, its signature over the body is checked once the body is read
/// ([`check_signed_body`]), and its key's role must be at least `needed`.
#[derive(Debug, Clone)]
struct SignedRequest {
    pending: PendingSignature,
    needed: Role,
}

/// A refused signature, with AWS's status (400 malformed, 403 otherwise) and its
/// exception type in the message.
fn signature_refused(error: SignatureError) -> Response {
    let (status, code) = if error.is_malformed() {
        (StatusCode::BAD_REQUEST, "BAD_REQUEST")
    } else {
        (StatusCode::FORBIDDEN, "FORBIDDEN")
    };
    ApiError::new(status, code, format!("{}: {}", error.kind, error.message)).into_response()
}

/// Refuses requests without valid credentials from their headers alone, before their
/// bodies are read: REST requests without a token of a role that may make them (401
/// without a valid token, 403 with one whose role is too weak), and Glue requests whose
/// signature's headers do not check out (the signature over the body is checked once the
/// body is read, see `glue`).
pub(crate) async fn check(
    State(access): State<Arc<Access>>,
    mut request: Request,
    next: Next,
) -> Response {
    if crate::glue::is_glue_request(&request) {
        if access.glue_signatures_checked() {
            match crate::glue::check_credentials(&access.glue_keys, &request) {
                Ok(pending) => {
                    request.extensions_mut().insert(pending);
                }
                Err(refused) => return *refused,
            }
        }
        return next.run(request).await;
    }
    if !access.required {
        return next.run(request).await;
    }
    let Some(needed) = required_role(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    if crate::sigv4::is_signed(request.headers()) {
        let headers = request.headers();
        let checked = access.glue_keys.check_headers(headers).and_then(|pending| {
            pending.verify_declared(request.method(), request.uri(), headers)?;
            Ok(pending)
        });
        return match checked {
            Ok(pending) => {
                request
                    .extensions_mut()
                    .insert(SignedRequest { pending, needed });
                next.run(request).await
            }
            Err(error) => signature_refused(error),
        };
    }
    let presented = bearer(request.headers());
    let is_token = presented.is_some_and(|token| access.tokens.find(token).is_some());
    if !is_token
        && is_webhook(request.method(), request.uri().path())
        && presented_webhook_secret(request.headers()).is_some()
    {
        // Not a token but perhaps the crawler's webhook secret: its handler checks that
        // against the crawler's (the only thing such a secret may do).
        return next.run(request).await;
    }
    let Some(token) = presented else {
        return unauthenticated("this server needs a bearer token: Authorization: Bearer <token>");
    };
    let Some((name, role)) = access.tokens.find(token) else {
        return unauthenticated("the bearer token is not valid");
    };
    if *role < needed {
        tracing::info!(token = %name, role = role.as_str(), needed = needed.as_str(), "request refused");
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            format!(
                "role {} may not do this; it needs role {}",
                role.as_str(),
                needed.as_str()
            ),
        )
        .into_response();
    }
    // For handlers that tell callers what they may do (`/v1/session`).
    request.extensions_mut().insert(*role);
    next.run(request).await
}

/// Completes the check of a SigV4-signed request (see [`check`]) once its body has been read
/// within the server's budget: the signature over the body, then the key's role.
pub(crate) async fn check_signed_body(mut request: Request, next: Next) -> Response {
    let Some(signed) = request.extensions_mut().remove::<SignedRequest>() else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    // The body is in memory already (`body_budget`): this takes it, it does not read more.
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "the request body is too large",
        )
        .into_response();
    };
    let role = match signed
        .pending
        .verify(&parts.method, &parts.uri, &parts.headers, &bytes)
    {
        Ok(role) => role,
        Err(error) => return signature_refused(error),
    };
    if role < signed.needed {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            format!(
                "role {} may not do this; it needs role {}",
                role.as_str(),
                signed.needed.as_str()
            ),
        )
        .into_response();
    }
    parts.extensions.insert(role);
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn each_request_needs_the_least_role_that_may_make_it() {
        let cases = [
            (Method::GET, "/healthz", None),
            (Method::GET, "/readyz", None),
            (Method::GET, "/docs/index.html", None),
            (Method::POST, "/", None),
            (Method::GET, "/", None),
            (Method::GET, "/console/app.js", None),
            (Method::PUT, "/console/app.js", Some(Role::Editor)),
            (Method::GET, "/v1/session", Some(Role::Reader)),
            (Method::GET, "/metrics", Some(Role::Reader)),
            (
                Method::GET,
                "/v1/databases/sales/tables",
                Some(Role::Reader),
            ),
            (Method::GET, "/v1/crawlers/nightly/runs", Some(Role::Reader)),
            (Method::POST, "/v1/databases", Some(Role::Editor)),
            (
                Method::DELETE,
                "/v1/databases/sales/tables/orders/partitions/2024",
                Some(Role::Editor),
            ),
            (
                Method::POST,
                "/v1/crawlers/nightly:start",
                Some(Role::Admin),
            ),
            (Method::PUT, "/v1/classifiers/logs", Some(Role::Admin)),
            (
                Method::POST,
                "/v1/crawlers/nightly/events",
                Some(Role::Editor),
            ),
            (Method::PUT, "/v1/crawlers/nightly", Some(Role::Admin)),
            (Method::GET, "/docsx", Some(Role::Reader)),
        ];
        for (method, path, role) in cases {
            assert_eq!(required_role(&method, path), role, "{method} {path}");
        }
    }
}
