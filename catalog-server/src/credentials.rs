//! The credentials the server accepts: bearer tokens for the REST API and SigV4 access keys
//! for the Glue-compatible API, each mapped to a role. Checking a request against them is
//! `auth`'s work (and, for a SigV4 signature, `sigv4`'s).
//!
//! Tokens are configured as SHA-256 digests, never as the tokens themselves: a leaked config
//! file does not leak a credential. Tokens are random and long, so a fast digest is enough.
//! Access keys are configured with their secrets, which SigV4 needs to check a signature;
//! they never reach logs.

use std::collections::HashMap;
use std::fmt;

use crate::auth::Role;

/// The SHA-256 digest of a token, in lower-case hex, as the configuration holds it.
pub fn token_digest(token: &str) -> String {
    lakecat_catalog::digest::sha256_hex(token)
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
    pub(crate) fn find(&self, token: &str) -> Option<&(String, Role)> {
        self.by_digest.get(&token_digest(token))
    }
}

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

    /// The secret and role of an access key id.
    pub(crate) fn secret(&self, access_key_id: &str) -> Option<(&str, Role)> {
        self.secrets
            .get(access_key_id)
            .map(|(secret, role)| (secret.as_str(), *role))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

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

    #[test]
    fn key_lists_parse_and_never_print_secrets() {
        let keys = AccessKeys::parse("a:one, b:two:reader").unwrap_or_default();
        assert_eq!(keys.secrets.len(), 2);
        assert_eq!(keys.secret("a"), Some(("one", Role::Admin)));
        assert_eq!(keys.secret("b"), Some(("two", Role::Reader)));
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
