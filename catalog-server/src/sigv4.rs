//! AWS Signature Version 4 verification, for the protocols whose clients sign with AWS
//! access keys: the Glue-compatible API, and Iceberg REST clients with SigV4 turned on.
//!
//! A signed request carries an `Authorization: AWS4-HMAC-SHA256 ...` header for a configured
//! key, computed over the method, path, query, the signed headers and the body, within 15
//! minutes of the server's clock. Refusals name AWS's exception types
//! (`MissingAuthenticationTokenException` without a signature, `UnrecognizedClientException`
//! for an unknown key, `InvalidSignatureException` for a signature that does not match or has
//! expired, `IncompleteSignatureException` for one that is malformed); each protocol renders
//! them in its own shape.

use axum::http::{HeaderMap, Method, Uri};
use chrono::{NaiveDateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::auth::Role;
use crate::credentials::AccessKeys;

/// Why a signature is refused: AWS's exception type and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignatureError {
    /// AWS's exception type (`InvalidSignatureException`).
    pub(crate) kind: &'static str,
    /// What is wrong, never the secret.
    pub(crate) message: String,
}

impl SignatureError {
    fn new(kind: &'static str, message: impl Into<String>) -> SignatureError {
        SignatureError {
            kind,
            message: message.into(),
        }
    }

    /// Whether the signature is malformed or incomplete (AWS answers 400), rather than
    /// missing, unknown or wrong (403).
    pub(crate) fn is_malformed(&self) -> bool {
        self.kind == "IncompleteSignatureException"
    }
}

/// Whether a request carries a SigV4 signature (rather than a bearer token).
pub(crate) fn is_signed(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256 "))
}

/// How far a request's `X-Amz-Date` may be from the server's clock, as AWS allows.
const MAX_CLOCK_SKEW_MINUTES: i64 = 15;

impl AccessKeys {
    /// Checks what a request's headers alone can show, before its body is read: a
    /// signature for a known key, a fresh `X-Amz-Date`, and signed headers that cover
    /// `host` and every `x-amz-*` header sent. When the request declares its payload's hash
    /// (`x-amz-content-sha256`), the signature itself is checked too. [`PendingSignature::verify`]
    /// completes the check once the body is there.
    pub(crate) fn check_headers(
        &self,
        headers: &HeaderMap,
    ) -> Result<PendingSignature, SignatureError> {
        let authorization = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                SignatureError::new(
                    "MissingAuthenticationTokenException",
                    "Missing Authentication Token",
                )
            })?;
        let parts = Authorization::parse(authorization).ok_or_else(|| {
            SignatureError::new(
                "IncompleteSignatureException",
                "the Authorization header is not an AWS4-HMAC-SHA256 signature with Credential, \
                 SignedHeaders and Signature",
            )
        })?;
        let (secret, role) = self.secret(parts.access_key_id).ok_or_else(|| {
            SignatureError::new(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        })?;
        let amz_date = headers
            .get("x-amz-date")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                SignatureError::new(
                    "IncompleteSignatureException",
                    "Authorization header requires existence of a 'X-Amz-Date' header.",
                )
            })?;
        check_signed_headers(headers, &parts.signed_headers)?;
        let signed_at = NaiveDateTime::parse_from_str(amz_date, "%Y%m%dT%H%M%SZ")
            .map_err(|_| {
                SignatureError::new(
                    "IncompleteSignatureException",
                    format!("X-Amz-Date {amz_date:?} is not of the form YYYYMMDD'T'HHMMSS'Z'"),
                )
            })?
            .and_utc();
        if (Utc::now() - signed_at).num_minutes().abs() > MAX_CLOCK_SKEW_MINUTES {
            return Err(SignatureError::new(
                "InvalidSignatureException",
                format!(
                    "Signature expired: {amz_date} is more than 15 minutes from the server's time"
                ),
            ));
        }
        let pending = PendingSignature {
            access_key_id: parts.access_key_id.to_string(),
            secret: secret.to_string(),
            role,
            amz_date: amz_date.to_string(),
            scope: parts.scope.to_string(),
            signed_headers: parts.signed_headers.iter().map(|h| h.to_string()).collect(),
            signature: parts.signature.to_string(),
            declared_payload_hash: headers
                .get("x-amz-content-sha256")
                .and_then(|v| v.to_str().ok())
                .map(str::to_ascii_lowercase),
        };
        Ok(pending)
    }
}

/// A signature whose headers passed [`AccessKeys::check_headers`], waiting for the body.
#[derive(Clone)]
pub(crate) struct PendingSignature {
    access_key_id: String,
    secret: String,
    role: Role,
    amz_date: String,
    scope: String,
    signed_headers: Vec<String>,
    signature: String,
    /// The payload hash the client declared in `x-amz-content-sha256`, if it did.
    declared_payload_hash: Option<String>,
}

impl std::fmt::Debug for PendingSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never reaches logs.
        f.debug_struct("PendingSignature")
            .field("access_key_id", &self.access_key_id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl PendingSignature {
    /// Whether the signature can be checked before the body is read: the client declared
    /// the payload's hash, which the signature covers.
    pub(crate) fn checkable_without_body(&self) -> bool {
        self.declared_payload_hash
            .as_deref()
            .is_some_and(|hash| hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
    }

    /// Checks the signature over the declared payload hash, before the body is read (see
    /// [`PendingSignature::checkable_without_body`]).
    pub(crate) fn verify_declared(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<(), SignatureError> {
        match &self.declared_payload_hash {
            Some(hash) if self.checkable_without_body() => {
                self.check_signature(method, uri, headers, hash)
            }
            _ => Ok(()),
        }
    }

    /// Completes the check with the body; returns the role of the key that signed it.
    pub(crate) fn verify(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Role, SignatureError> {
        let payload_hash = hex(&Sha256::digest(body));
        if let Some(declared) = &self.declared_payload_hash
            && *declared != payload_hash
        {
            return Err(SignatureError::new(
                "InvalidSignatureException",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ));
        }
        self.check_signature(method, uri, headers, &payload_hash)?;
        Ok(self.role)
    }

    fn check_signature(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        payload_hash: &str,
    ) -> Result<(), SignatureError> {
        let signed_headers: Vec<&str> = self.signed_headers.iter().map(String::as_str).collect();
        let mut key = format!("AWS4{}", self.secret).into_bytes();
        for part in self.scope.split('/') {
            key = hmac(&key, part.as_bytes());
        }
        let mut matches = false;
        for path in canonical_paths(uri) {
            let canonical =
                canonical_request(method, &path, uri, headers, &signed_headers, payload_hash)
                    .ok_or_else(|| {
                        SignatureError::new(
                            "IncompleteSignatureException",
                            "a signed header is missing",
                        )
                    })?;
            let string_to_sign = format!(
                "AWS4-HMAC-SHA256\n{}\n{}\n{}",
                self.amz_date,
                self.scope,
                hex(&Sha256::digest(canonical.as_bytes()))
            );
            let expected = hex(&hmac(&key, string_to_sign.as_bytes()));
            // A constant-time comparison: the time taken says nothing about the right
            // signature.
            matches |= expected.len() == self.signature.len()
                && expected
                    .bytes()
                    .zip(self.signature.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0;
        }
        if !matches {
            return Err(SignatureError::new(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method.",
            ));
        }
        Ok(())
    }
}

/// The headers a signature must cover, as AWS requires: `host`, and every `x-amz-*`
/// header the request carries (`x-amz-target` names the operation, `x-amz-date` bounds the
/// replay window, `x-amz-content-sha256` the body). A signature that leaves one out could
/// be replayed against another server or re-sent with another operation.
fn check_signed_headers(headers: &HeaderMap, signed: &[&str]) -> Result<(), SignatureError> {
    let is_signed = |name: &str| signed.iter().any(|s| s.eq_ignore_ascii_case(name));
    if !is_signed("host") {
        return Err(SignatureError::new(
            "IncompleteSignatureException",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let mut unsigned: Vec<&str> = headers
        .keys()
        .map(|name| name.as_str())
        .filter(|name| name.starts_with("x-amz-") && !is_signed(name))
        .collect();
    unsigned.sort_unstable();
    unsigned.dedup();
    if let Some(first) = unsigned.first() {
        return Err(SignatureError::new(
            "IncompleteSignatureException",
            format!(
                "'{}' must be a 'SignedHeader' in the AWS Authorization (unsigned: {}).",
                display_header_name(first),
                unsigned.join(", ")
            ),
        ));
    }
    Ok(())
}

/// A header name as AWS's messages spell it: `x-amz-target` is `X-Amz-Target`.
fn display_header_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
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
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        unreachable!("HMAC accepts keys of any length")
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

/// The canonical paths a signer may have used for `uri`: its path encoded once (what S3's
/// signers and the Glue SDKs do), and the path as sent encoded again (what botocore's
/// `SigV4Auth` and the Java SDK do for other services, PyIceberg's and Iceberg's REST
/// signers among them). They differ only when the path holds escapes (`%20`, `%1F`).
fn canonical_paths(uri: &Uri) -> Vec<String> {
    if uri.path().is_empty() {
        return vec!["/".to_string()];
    }
    let decoded = percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy();
    let once = uri_encode(&decoded, true);
    let twice = uri_encode(uri.path(), true);
    if once == twice {
        vec![once]
    } else {
        vec![once, twice]
    }
}

fn canonical_request(
    method: &Method,
    path: &str,
    uri: &Uri,
    headers: &HeaderMap,
    signed_headers: &[&str],
    payload_hash: &str,
) -> Option<String> {
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
        payload_hash
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
            "/",
            &Uri::from_static("/"),
            &headers,
            &["host", "x-amz-date"],
            &hex(&Sha256::digest(b"")),
        )
        .unwrap_or_default();
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n{}",
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let secret = keys
            .secret("AKIDEXAMPLE")
            .map(|(secret, _)| secret)
            .unwrap_or_default();
        let mut key = format!("AWS4{secret}").into_bytes();
        for part in ["20150830", "us-east-1", "service", "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        assert_eq!(
            hex(&hmac(&key, string_to_sign.as_bytes())),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    /// Signs a Glue request as an SDK would, over the headers named in `signed`.
    fn sign(headers: &mut HeaderMap, signed: &[&str], body: &[u8], secret: &str) {
        let date = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        headers.insert(
            "x-amz-date",
            date.parse().unwrap_or_else(|_| unreachable!()),
        );
        let scope = format!("{}/us-east-1/glue/aws4_request", &date[..8]);
        let canonical = canonical_request(
            &Method::POST,
            "/",
            &Uri::from_static("/"),
            headers,
            signed,
            &hex(&Sha256::digest(body)),
        )
        .unwrap_or_default();
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let mut key = format!("AWS4{secret}").into_bytes();
        for part in scope.split('/') {
            key = hmac(&key, part.as_bytes());
        }
        let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=admin/{scope}, SignedHeaders={}, Signature={signature}",
            signed.join(";")
        );
        headers.insert(
            "authorization",
            authorization.parse().unwrap_or_else(|_| unreachable!()),
        );
    }

    /// A path with escapes verifies whether the signer encoded it once or twice, and only
    /// for the path it was signed for.
    #[test]
    fn escaped_paths_verify_encoded_once_or_twice() {
        let keys = AccessKeys::parse("admin:admin-secret").unwrap_or_default();
        let sent = Uri::from_static("/iceberg/v1/namespaces/my%20ns/tables/t%C3%A9");
        let empty = hex(&Sha256::digest(b""));
        let signed_for = |canonical_path: &str| {
            let date = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
            let mut headers = HeaderMap::new();
            headers.insert(
                "host",
                "127.0.0.1:8088".parse().unwrap_or_else(|_| unreachable!()),
            );
            headers.insert(
                "x-amz-date",
                date.parse().unwrap_or_else(|_| unreachable!()),
            );
            let scope = format!("{}/us-east-1/execute-api/aws4_request", &date[..8]);
            let canonical = canonical_request(
                &Method::GET,
                canonical_path,
                &sent,
                &headers,
                &["host", "x-amz-date"],
                &empty,
            )
            .unwrap_or_default();
            let string_to_sign = format!(
                "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
                hex(&Sha256::digest(canonical.as_bytes()))
            );
            let mut key = b"AWS4admin-secret".to_vec();
            for part in scope.split('/') {
                key = hmac(&key, part.as_bytes());
            }
            let authorization = format!(
                "AWS4-HMAC-SHA256 Credential=admin/{scope}, SignedHeaders=host;x-amz-date, \
                 Signature={}",
                hex(&hmac(&key, string_to_sign.as_bytes()))
            );
            headers.insert(
                "authorization",
                authorization.parse().unwrap_or_else(|_| unreachable!()),
            );
            headers
        };
        let cases = [
            (
                "once",
                "/iceberg/v1/namespaces/my%20ns/tables/t%C3%A9",
                true,
            ),
            (
                "twice",
                "/iceberg/v1/namespaces/my%2520ns/tables/t%25C3%25A9",
                true,
            ),
            (
                "another path",
                "/iceberg/v1/namespaces/other/tables/t",
                false,
            ),
        ];
        for (case, canonical_path, accepted) in cases {
            let headers = signed_for(canonical_path);
            let outcome = keys
                .check_headers(&headers)
                .and_then(|pending| pending.verify(&Method::GET, &sent, &headers, b""));
            assert_eq!(outcome.is_ok(), accepted, "{case}: {outcome:?}");
        }
    }

    fn glue_headers(operation: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "127.0.0.1:8088".to_string()),
            ("x-amz-target", format!("AWSGlue.{operation}")),
            ("content-type", "application/x-amz-json-1.1".to_string()),
        ] {
            headers.insert(name, value.parse().unwrap_or_else(|_| unreachable!()));
        }
        headers
    }

    fn outcome(keys: &AccessKeys, headers: &HeaderMap, body: &[u8]) -> Result<Role, &'static str> {
        keys.check_headers(headers)
            .and_then(|pending| {
                pending.verify_declared(&Method::POST, &Uri::from_static("/"), headers)?;
                pending.verify(&Method::POST, &Uri::from_static("/"), headers, body)
            })
            .map_err(|error| error.kind)
    }

    /// What a signature must cover, case by case: each tampering is refused, and the
    /// requests SDKs send pass.
    #[test]
    fn signatures_must_cover_host_and_every_amz_header() {
        let keys = AccessKeys::parse("admin:admin-secret").unwrap_or_default();
        let body = br#"{"Name": "sales"}"#;
        type Tamper = fn(&mut HeaderMap);
        /// What the case is, the headers signed, the change made after signing, the outcome.
        type Case = (
            &'static str,
            &'static [&'static str],
            Tamper,
            Result<Role, &'static str>,
        );
        let cases: [Case; 8] = [
            (
                "an SDK's request",
                &["content-type", "host", "x-amz-date", "x-amz-target"],
                |_| {},
                Ok(Role::Admin),
            ),
            (
                "host unsigned, so replayable on another server",
                &["x-amz-date", "x-amz-target"],
                |_| {},
                Err("IncompleteSignatureException"),
            ),
            (
                "target unsigned, so the operation can be swapped",
                &["host", "x-amz-date"],
                |_| {},
                Err("IncompleteSignatureException"),
            ),
            (
                "the operation swapped after signing",
                &["host", "x-amz-date", "x-amz-target"],
                |h| {
                    h.insert(
                        "x-amz-target",
                        "AWSGlue.DeleteDatabase"
                            .parse()
                            .unwrap_or_else(|_| unreachable!()),
                    );
                },
                Err("InvalidSignatureException"),
            ),
            (
                "the host changed after signing",
                &["host", "x-amz-date", "x-amz-target"],
                |h| {
                    h.insert(
                        "host",
                        "other:8088".parse().unwrap_or_else(|_| unreachable!()),
                    );
                },
                Err("InvalidSignatureException"),
            ),
            (
                "an x-amz header added after signing",
                &["host", "x-amz-date", "x-amz-target"],
                |h| {
                    h.insert(
                        "x-amz-security-token",
                        "t".parse().unwrap_or_else(|_| unreachable!()),
                    );
                },
                Err("IncompleteSignatureException"),
            ),
            (
                "a declared payload hash that does not match the body",
                &["host", "x-amz-content-sha256", "x-amz-date", "x-amz-target"],
                |h| {
                    h.insert(
                        "x-amz-content-sha256",
                        hex(&Sha256::digest(b"other"))
                            .parse()
                            .unwrap_or_else(|_| unreachable!()),
                    );
                },
                Err("InvalidSignatureException"),
            ),
            (
                "the signature cut off",
                &["host", "x-amz-date", "x-amz-target"],
                |h| {
                    let text = h
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    let cut = text[..text.find(", Signature=").unwrap_or(0)].to_string();
                    h.insert(
                        "authorization",
                        cut.parse().unwrap_or_else(|_| unreachable!()),
                    );
                },
                Err("IncompleteSignatureException"),
            ),
        ];
        for (case, signed, tamper, expected) in cases {
            let mut headers = glue_headers("GetDatabase");
            if signed.contains(&"x-amz-content-sha256") {
                headers.insert(
                    "x-amz-content-sha256",
                    hex(&Sha256::digest(body))
                        .parse()
                        .unwrap_or_else(|_| unreachable!()),
                );
            }
            sign(&mut headers, signed, body, "admin-secret");
            tamper(&mut headers);
            assert_eq!(outcome(&keys, &headers, body), expected, "{case}");
        }
    }

    /// A request that declares its payload's hash is checked before its body is read.
    #[test]
    fn a_declared_payload_hash_lets_the_signature_be_checked_before_the_body() {
        let keys = AccessKeys::parse("admin:admin-secret").unwrap_or_default();
        let body = b"{}";
        let signed = ["host", "x-amz-content-sha256", "x-amz-date", "x-amz-target"];
        let mut headers = glue_headers("GetDatabases");
        headers.insert(
            "x-amz-content-sha256",
            hex(&Sha256::digest(body))
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        sign(&mut headers, &signed, body, "wrong-secret");
        let pending = keys
            .check_headers(&headers)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(pending.checkable_without_body());
        let refused = pending
            .verify_declared(&Method::POST, &Uri::from_static("/"), &headers)
            .map_err(|e| e.kind);
        assert_eq!(refused, Err("InvalidSignatureException"));
    }
}
