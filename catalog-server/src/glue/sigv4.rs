//! AWS Signature Version 4 verification for the Glue-compatible API.
//!
//! When access keys are configured, every Glue request must carry a valid
//! `Authorization: AWS4-HMAC-SHA256 ...` header for one of them, computed over the method,
//! path, query, the signed headers and the body, within 15 minutes of the server's clock.
//! The errors are AWS's: `MissingAuthenticationTokenException` without a signature,
//! `UnrecognizedClientException` for an unknown key, `InvalidSignatureException` for a
//! signature that does not match or has expired.

use std::collections::HashMap;

use axum::http::{HeaderMap, Method, Uri};
use chrono::{NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::error::GlueError;
use crate::auth::Role;

/// How far a request's `X-Amz-Date` may be from the server's clock, as AWS allows.
const MAX_CLOCK_SKEW_MINUTES: i64 = 15;

/// The access keys accepted, by access key id.
#[derive(Clone, Default)]
pub struct AccessKeys {
    /// Secret and role by access key id.
    secrets: HashMap<String, (String, Role)>,
}

impl std::fmt::Debug for AccessKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets never reach logs, even in debug output.
        f.debug_struct("AccessKeys")
            .field("access_key_ids", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl AccessKeys {
    /// Keys from `ACCESS_KEY_ID:SECRET[:ROLE]` entries separated by commas. A key without a
    /// role is an admin's.
    pub fn parse(text: &str) -> Result<AccessKeys, String> {
        let mut secrets = HashMap::new();
        for entry in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let mut parts = entry.split(':');
            let (Some(id), Some(secret), role, None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(
                    "access keys must be ACCESS_KEY_ID:SECRET[:ROLE] entries separated by commas"
                        .to_string(),
                );
            };
            if id.is_empty() || secret.is_empty() {
                return Err(
                    "access keys must be ACCESS_KEY_ID:SECRET[:ROLE] entries separated by commas"
                        .to_string(),
                );
            }
            // The message names the key id, never the secret.
            let role = match role {
                Some(role) => role.parse().map_err(|e| format!("access key {id}: {e}"))?,
                None => Role::Admin,
            };
            secrets.insert(id.to_string(), (secret.to_string(), role));
        }
        Ok(AccessKeys { secrets })
    }

    /// Whether any key is configured (verification is on).
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Checks a request's signature; returns the role of the key that signed it.
    pub(crate) fn verify(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Role, GlueError> {
        let authorization = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                GlueError::new(
                    "MissingAuthenticationTokenException",
                    "Missing Authentication Token",
                )
            })?;
        let parts = Authorization::parse(authorization).ok_or_else(|| {
            GlueError::new(
                "IncompleteSignatureException",
                "the Authorization header is not an AWS4-HMAC-SHA256 signature",
            )
        })?;
        let (secret, role) = self.secrets.get(parts.access_key_id).ok_or_else(|| {
            GlueError::new(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        })?;
        let amz_date = headers
            .get("x-amz-date")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                GlueError::new("IncompleteSignatureException", "X-Amz-Date is missing")
            })?;
        let signed_at = NaiveDateTime::parse_from_str(amz_date, "%Y%m%dT%H%M%SZ")
            .map_err(|_| GlueError::new("IncompleteSignatureException", "X-Amz-Date is malformed"))?
            .and_utc();
        if (Utc::now() - signed_at).num_minutes().abs() > MAX_CLOCK_SKEW_MINUTES {
            return Err(GlueError::new(
                "InvalidSignatureException",
                format!(
                    "Signature expired: {amz_date} is more than 15 minutes from the server's time"
                ),
            ));
        }
        let canonical = canonical_request(method, uri, headers, &parts.signed_headers, body)
            .ok_or_else(|| {
                GlueError::new("IncompleteSignatureException", "a signed header is missing")
            })?;
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{}\n{}",
            parts.scope,
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let mut key = format!("AWS4{secret}").into_bytes();
        for part in parts.scope.split('/') {
            key = hmac(&key, part.as_bytes());
        }
        let expected = hex(&hmac(&key, string_to_sign.as_bytes()));
        // A constant-time comparison: the time taken says nothing about the right signature.
        let matches = expected.len() == parts.signature.len()
            && expected
                .bytes()
                .zip(parts.signature.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !matches {
            return Err(GlueError::new(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method.",
            ));
        }
        Ok(*role)
    }
}

/// The parts of an `Authorization` header.
struct Authorization<'a> {
    access_key_id: &'a str,
    /// `date/region/service/aws4_request`.
    scope: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

impl<'a> Authorization<'a> {
    fn parse(header: &'a str) -> Option<Authorization<'a>> {
        let rest = header.strip_prefix("AWS4-HMAC-SHA256 ")?;
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        for field in rest.split(',').map(str::trim) {
            let (name, value) = field.split_once('=')?;
            match name {
                "Credential" => credential = Some(value),
                "SignedHeaders" => signed_headers = Some(value),
                "Signature" => signature = Some(value),
                _ => {}
            }
        }
        let (access_key_id, scope) = credential?.split_once('/')?;
        if scope.split('/').count() != 4 {
            return None;
        }
        Some(Authorization {
            access_key_id,
            scope,
            signed_headers: signed_headers?.split(';').collect(),
            signature: signature?,
        })
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SigV4's URI encoding: everything but unreserved characters is `%XX`.
fn uri_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        let unreserved = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~');
        if unreserved || (keep_slash && byte == b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn canonical_request(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    signed_headers: &[&str],
    body: &[u8],
) -> Option<String> {
    let path = percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy();
    let path = if path.is_empty() {
        "/".to_string()
    } else {
        uri_encode(&path, true)
    };
    let mut query: Vec<(String, String)> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (uri_encode(&decode(k), false), uri_encode(&decode(v), false))
        })
        .collect();
    query.sort();
    let query: Vec<String> = query.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let values: Vec<String> = headers
            .get_all(*name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if values.is_empty() {
            return None;
        }
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    Some(format!(
        "{method}\n{path}\n{}\n{canonical_headers}\n{}\n{}",
        query.join("&"),
        signed_headers.join(";"),
        hex(&Sha256::digest(body))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's published SigV4 test vector `get-vanilla` (service `service`, region `us-east-1`).
    #[test]
    fn aws_test_vector() {
        let keys = AccessKeys::parse("AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
            .unwrap_or_default();
        let mut headers = HeaderMap::new();
        headers.insert(
            "host",
            "example.amazonaws.com"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        headers.insert(
            "x-amz-date",
            "20150830T123600Z"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        let canonical = canonical_request(
            &Method::GET,
            &Uri::from_static("/"),
            &headers,
            &["host", "x-amz-date"],
            b"",
        )
        .unwrap_or_default();
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n{}",
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let (secret, _) = &keys.secrets["AKIDEXAMPLE"];
        let mut key = format!("AWS4{secret}").into_bytes();
        for part in ["20150830", "us-east-1", "service", "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        assert_eq!(
            hex(&hmac(&key, string_to_sign.as_bytes())),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn key_lists_parse_and_never_print_secrets() {
        let keys = AccessKeys::parse("a:one, b:two:reader").unwrap_or_default();
        assert_eq!(keys.secrets.len(), 2);
        assert_eq!(keys.secrets["a"].1, Role::Admin);
        assert_eq!(keys.secrets["b"].1, Role::Reader);
        let shown = format!("{keys:?}");
        assert!(!shown.contains("one") && !shown.contains("two"), "{shown}");
        assert!(AccessKeys::parse("nosecret").is_err());
        let bad_role = AccessKeys::parse("c:three:owner").unwrap_err();
        assert!(
            bad_role.contains("access key c") && !bad_role.contains("three"),
            "{bad_role}"
        );
    }
}
