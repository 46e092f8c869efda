//! Access control: roles, bearer tokens for the REST API, and which role each request needs.
//! The Glue-compatible API authenticates with SigV4 access keys instead (see `glue`), mapped
//! to the same roles.
//!
//! Tokens are configured as SHA-256 digests, never as the tokens themselves: a leaked config
//! file does not leak a credential. Tokens are random and long, so a fast digest is enough.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::glue::AccessKeys;

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

/// The SHA-256 digest of a token, in lower-case hex, as the configuration holds it.
pub fn token_digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new random token: 32 bytes from the operating system's generator, in hex.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "lkc_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// Bearer tokens, by digest, with their names and roles.
#[derive(Clone, Default)]
pub struct Tokens {
    by_digest: HashMap<String, (String, Role)>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.by_digest.values().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Tokens").field("names", &names).finish()
    }
}

impl Tokens {
    /// Tokens from `NAME:ROLE:SHA256` entries separated by commas, the digest in hex (as
    /// `lakecat token` prints it).
    pub fn parse(text: &str) -> Result<Tokens, String> {
        let mut tokens = Tokens::default();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let mut parts = entry.split(':');
            let (Some(name), Some(role), Some(digest), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(format!(
                    "token entry {:?}: expected NAME:ROLE:SHA256",
                    entry.split(':').next().unwrap_or_default()
                ));
            };
            let role: Role = role.parse().map_err(|e| format!("token {name}: {e}"))?;
            let digest = digest.to_ascii_lowercase();
            if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "token {name}: the digest must be 64 hex digits (a SHA-256; see `lakecat token`)"
                ));
            }
            tokens.by_digest.insert(digest, (name.to_string(), role));
        }
        Ok(tokens)
    }

    /// Whether no token is configured.
    pub fn is_empty(&self) -> bool {
        self.by_digest.is_empty()
    }

    /// The name and role of a presented token.
    fn find(&self, token: &str) -> Option<&(String, Role)> {
        self.by_digest.get(&token_digest(token))
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
pub fn required_role(method: &Method, path: &str) -> Option<Role> {
    let public = matches!(path, "/healthz" | "/readyz" | "/openapi.json")
        || path == "/docs"
        || path.starts_with("/docs/")
        || (path == "/" && method == Method::POST);
    if public {
        return None;
    }
    if method == Method::GET || method == Method::HEAD {
        return Some(Role::Reader);
    }
    if path.starts_with("/v1/crawlers") || path.starts_with("/v1/classifiers") {
        Some(Role::Admin)
    } else {
        Some(Role::Editor)
    }
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
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
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
    next.run(request).await
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
            (Method::GET, "/docsx", Some(Role::Reader)),
        ];
        for (method, path, role) in cases {
            assert_eq!(required_role(&method, path), role, "{method} {path}");
        }
    }

    #[test]
    fn tokens_are_configured_by_digest() {
        let digest = token_digest("s3cret-token");
        let tokens = Tokens::parse(&format!(
            "ci:reader:{digest}, ops:ADMIN:{}",
            token_digest("x")
        ))
        .unwrap();
        assert_eq!(
            tokens.find("s3cret-token"),
            Some(&("ci".to_string(), Role::Reader))
        );
        assert_eq!(tokens.find("x").map(|t| t.1), Some(Role::Admin));
        assert!(
            tokens.find(&digest).is_none(),
            "the digest itself is not a token"
        );
        assert!(!format!("{tokens:?}").contains(&digest));
        for (bad, message) in [
            ("ci:reader", "expected NAME:ROLE:SHA256"),
            ("ci:owner:00", "unknown role \"owner\""),
            ("ci:reader:abc", "64 hex digits"),
        ] {
            let error = Tokens::parse(bad).unwrap_err();
            assert!(error.contains(message), "{bad}: {error}");
        }
    }
}
