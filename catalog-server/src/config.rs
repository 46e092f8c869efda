//! Server settings: command line and environment first, then the config file, then defaults.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result};
use lakecat_catalog::DEFAULT_DATABASE_URL;

use crate::glue::AccessKeys;
use serde::Deserialize;

/// The default address to listen on.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8088";

/// The optional TOML config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address to listen on.
    pub listen: Option<String>,
    /// Catalog database URL.
    pub database_url: Option<String>,
    /// Most database connections.
    pub max_connections: Option<u32>,
    /// Access keys for the Glue-compatible API, `ACCESS_KEY_ID:SECRET` pairs separated by
    /// commas; when set, Glue requests must be signed with one of them (SigV4).
    pub glue_access_keys: Option<String>,
}

impl FileConfig {
    /// Reads a config file; unknown keys are an error, so typos do not pass silently.
    pub fn load(path: &Path) -> Result<FileConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
    }
}

/// Settings of `lakecat serve`, resolved.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Catalog database URL.
    pub database_url: String,
    /// Most database connections.
    pub max_connections: u32,
    /// Access keys whose signatures the Glue-compatible API accepts; empty: unchecked.
    pub glue_access_keys: AccessKeys,
}

impl ServeConfig {
    /// Resolves settings: explicit values (flags or environment) win over the file.
    pub fn resolve(
        listen: Option<String>,
        database_url: Option<String>,
        max_connections: Option<u32>,
        glue_access_keys: Option<String>,
        file: FileConfig,
    ) -> Result<ServeConfig> {
        let glue_access_keys = match glue_access_keys.or(file.glue_access_keys) {
            // The message never repeats the value: it holds secrets.
            Some(text) => {
                AccessKeys::parse(&text).map_err(|e| anyhow::anyhow!("glue access keys: {e}"))?
            }
            None => AccessKeys::default(),
        };
        let listen = listen
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen = listen
            .parse()
            .with_context(|| format!("listen address {listen:?} is not host:port"))?;
        Ok(ServeConfig {
            listen,
            database_url: database_url
                .or(file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            max_connections: max_connections.or(file.max_connections).unwrap_or(8),
            glue_access_keys,
        })
    }
}

/// A database URL fit for logs: any password is replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_string();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact_url("postgres://lake:s3cret@db:5432/catalog"),
            "postgres://lake:***@db:5432/catalog"
        );
        assert_eq!(
            redact_url("postgres://lake@db/catalog"),
            "postgres://lake@db/catalog"
        );
        assert_eq!(
            redact_url("sqlite://lakecat.db?mode=rwc"),
            "sqlite://lakecat.db?mode=rwc"
        );
    }

    #[test]
    fn explicit_values_win_over_the_file() {
        let file = FileConfig {
            listen: Some("0.0.0.0:9000".into()),
            database_url: Some("postgres://file".into()),
            max_connections: Some(3),
            glue_access_keys: None,
        };
        let config =
            ServeConfig::resolve(Some("127.0.0.1:1".into()), None, None, None, file).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:1");
        assert_eq!(config.database_url, "postgres://file");
        assert_eq!(config.max_connections, 3);
        let config = ServeConfig::resolve(None, None, None, None, FileConfig::default()).unwrap();
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert!(
            ServeConfig::resolve(Some("nope".into()), None, None, None, FileConfig::default())
                .is_err()
        );
    }
}
