//! Opaque, versioned page tokens.
//!
//! A token carries the listing it belongs to (a kind and a digest of the listing's scope:
//! database, table, filter, segment) and where the next page starts. A token used on another
//! listing, or altered, is refused with [`Error::InvalidPageToken`], never silently
//! misread. Tokens are not secrets: they reveal only a position in a listing.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const VERSION: &str = "v1";

/// The listing a token belongs to.
#[derive(Debug, Clone)]
pub struct Scope {
    kind: &'static str,
    digest: String,
}

impl Scope {
    /// A listing of `kind` whose results are decided by `parts` (for example the database and
    /// table names, the filter expression and the segment).
    pub fn new(kind: &'static str, parts: &[&str]) -> Scope {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        let digest = hasher.finalize();
        let digest = URL_SAFE_NO_PAD.encode(&digest[..9]);
        Scope { kind, digest }
    }

    /// A token for the page that starts after `cursor`.
    pub fn encode(&self, cursor: &str) -> String {
        URL_SAFE_NO_PAD.encode(format!("{VERSION}|{}|{}|{cursor}", self.kind, self.digest))
    }

    /// The cursor inside `token`, if the token belongs to this listing.
    pub fn decode(&self, token: &str) -> Result<String> {
        let bad = |why: &str| Error::InvalidPageToken(why.to_string());
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim_end_matches('='))
            .map_err(|_| bad("it is not a token this server issued"))?;
        let text =
            String::from_utf8(bytes).map_err(|_| bad("it is not a token this server issued"))?;
        let mut parts = text.splitn(4, '|');
        let (Some(version), Some(kind), Some(digest), Some(cursor)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("it is not a token this server issued"));
        };
        if version != VERSION {
            return Err(bad("it was issued by an incompatible version"));
        }
        if kind != self.kind || digest != self.digest {
            return Err(bad(
                "it belongs to another listing (a different resource, filter or segment)",
            ));
        }
        Ok(cursor.to_string())
    }

    /// Like [`Scope::decode`], for listings whose cursor is a number.
    pub fn decode_number(&self, token: &str) -> Result<i64> {
        self.decode(token)?
            .parse()
            .map_err(|_| Error::InvalidPageToken("it is not a token this server issued".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_foreign_tokens() {
        let scope = Scope::new("partitions", &["db", "t", "year = '1'"]);
        let token = scope.encode("42");
        assert_eq!(scope.decode_number(&token).unwrap(), 42);

        let other_filter = Scope::new("partitions", &["db", "t", "year = '2'"]);
        assert!(matches!(
            other_filter.decode(&token),
            Err(Error::InvalidPageToken(m)) if m.contains("another listing")
        ));
        let other_kind = Scope::new("tables", &["db", "t", "year = '1'"]);
        assert!(other_kind.decode(&token).is_err());
        assert!(scope.decode("not base64 !!").is_err());
        assert!(
            scope
                .decode(&URL_SAFE_NO_PAD.encode("v0|partitions|x|1"))
                .is_err()
        );
        // Parts are length-prefixed, so shifting text between them changes the scope.
        assert_ne!(
            Scope::new("k", &["ab", "c"]).encode("1"),
            Scope::new("k", &["a", "bc"]).encode("1")
        );
    }
}
