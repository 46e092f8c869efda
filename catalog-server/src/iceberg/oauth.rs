//! `POST /v1/oauth/tokens`, the OAuth2 client-credentials exchange that Iceberg clients
//! configured with a `credential` (PyIceberg, Java) or `CLIENT_ID`/`CLIENT_SECRET` (DuckDB)
//! call before anything else. lakecat's credentials are bearer tokens already, so the
//! exchange is a check, not an issuer: the client id is a configured token's name and the
//! secret is that token, which comes back as the access token. No new credential store, and
//! nothing to expire. Answers use OAuth's own error shape (RFC 6749 section 5.2), as the
//! Iceberg specification's `OAuthError` does.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use percent_encoding::percent_decode_str;
use serde_json::json;

use crate::state::AppState;

/// The credentials a token request presents: HTTP Basic (DuckDB) or form fields (PyIceberg,
/// Java).
fn client_credentials(headers: &HeaderMap, form: &[(String, String)]) -> Option<(String, String)> {
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    if let (Some(id), Some(secret)) = (field("client_id"), field("client_secret")) {
        return Some((id, secret));
    }
    let basic = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic.trim())
        .ok()?;
    let (id, secret) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    // Basic credentials are form-encoded before they are joined (RFC 6749 section 2.3.1).
    Some((form_decode(id), form_decode(secret)))
}

/// `application/x-www-form-urlencoded` pairs.
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(key), form_decode(value))
        })
        .collect()
}

fn form_decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// `POST /v1/oauth/tokens`.
pub(super) async fn tokens(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = form_pairs(&body);
    let grant = form
        .iter()
        .find(|(key, _)| key == "grant_type")
        .map(|(_, value)| value.as_str());
    if grant != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "lakecat accepts grant_type=client_credentials only",
        );
    }
    let Some((id, secret)) = client_credentials(&headers, &form) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client_id and client_secret are needed (form fields or HTTP Basic)",
        );
    };
    if state.access.required {
        let known = state
            .access
            .tokens
            .find(&secret)
            .is_some_and(|(name, _)| *name == id);
        if !known {
            tracing::info!(client = %id, "OAuth token request refused");
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "the client id must be a configured token's name and the secret that token",
            );
        }
    }
    // Without required credentials any token is ignored, so the secret serves as well.
    Json(json!({
        "access_token": secret,
        "token_type": "bearer",
        "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_come_from_the_form_or_basic_auth() {
        let form = form_pairs(
            b"grant_type=client_credentials&client_id=etl&client_secret=s%2Bt+x&scope=catalog",
        );
        assert_eq!(
            client_credentials(&HeaderMap::new(), &form),
            Some(("etl".to_string(), "s+t x".to_string()))
        );
        let mut headers = HeaderMap::new();
        let basic = base64::engine::general_purpose::STANDARD.encode("duck:se%3Acret");
        headers.insert(
            header::AUTHORIZATION,
            format!("Basic {basic}").parse().expect("header"),
        );
        let form = form_pairs(b"grant_type=client_credentials");
        assert_eq!(
            client_credentials(&headers, &form),
            Some(("duck".to_string(), "se:cret".to_string()))
        );
        assert_eq!(client_credentials(&HeaderMap::new(), &form), None);
    }
}
