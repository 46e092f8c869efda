//! Server settings: command line and environment first, then the config file, then defaults.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use lakecat_catalog::DEFAULT_DATABASE_URL;
use lakecat_catalog::crawlers::service::RUN_LEASE;

use crate::auth::{Access, Role};
use crate::credentials::{AccessKeys, Tokens};
use crate::http_server::ConnectionLimits;
use lakecat_crawler::AllowedRoots;
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
    /// Seconds between the scheduler's looks for due and abandoned crawls.
    pub scheduler_interval_seconds: Option<u64>,
    /// Seconds without a heartbeat after which a running crawl is taken to be dead and taken
    /// over by a server's scheduler (at least 10: crawls save one every 5 seconds).
    pub crawl_lease_seconds: Option<u64>,
    /// The object-store prefixes and local folders crawl targets must lie in
    /// (`["s3://lake-bucket/", "file:///data/"]`); unset, targets may be anywhere.
    pub allowed_roots: Option<Vec<String>>,
    /// Bearer tokens of the REST API, `NAME:ROLE:SHA256` entries separated by commas (the
    /// SHA-256 of each token in hex, as `lakecat token` prints it).
    pub tokens: Option<String>,
    /// Seconds a request may take before it is cut off with a 503.
    pub request_timeout_seconds: Option<u64>,
    /// Seconds a client may stall: to send a request's headers, between requests on a
    /// kept-alive connection, or while reading a response.
    pub client_timeout_seconds: Option<u64>,
    /// Most HTTP connections open at once; further clients wait until one closes.
    pub max_http_connections: Option<usize>,
    /// MiB that the bodies of requests being served may hold in memory at once; a request
    /// whose body does not fit waits for others to finish (at least 16, the largest body).
    pub max_body_memory_mib: Option<usize>,
    /// Address of the Hive Metastore Thrift endpoint (`127.0.0.1:9083`); unset, it is off.
    pub metastore_listen: Option<String>,
    /// The role every Thrift client gets, `reader` or `editor`: the protocol carries no
    /// credentials, so the endpoint listens beyond loopback only when this is set.
    pub metastore_role: Option<String>,
    /// Where Iceberg metadata generated for crawled tables is written (a URL or an absolute
    /// folder); unset, `_lakecat/iceberg/` in each table's bucket, or `./lakecat-iceberg/`
    /// for local tables.
    pub iceberg_metadata_location: Option<String>,
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
    /// How often the scheduler looks for due and abandoned crawls.
    pub scheduler_interval: Duration,
    /// How long a running crawl may go without a heartbeat before it is taken over.
    pub crawl_lease: Duration,
    /// Where crawl targets may lie.
    pub allowed_roots: AllowedRoots,
    /// Whether requests need credentials, the REST API's tokens and the Glue API's keys.
    pub access: Access,
    /// Bytes that request bodies may hold in memory at once.
    pub max_body_memory: usize,
    /// How long a request may take.
    pub request_timeout: Duration,
    /// What clients may hold open.
    pub connection_limits: ConnectionLimits,
    /// The Hive Metastore Thrift endpoint, when enabled.
    pub metastore: Option<MetastoreConfig>,
    /// Where Iceberg metadata generated for crawled tables is written, as a URL.
    pub iceberg_metadata_location: Option<String>,
}

/// Settings of the Hive Metastore Thrift endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetastoreConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// What every Thrift client may do.
    pub role: Role,
    /// Whether the role was configured, rather than given to loopback clients by default.
    pub role_configured: bool,
}

/// The usual Hive Metastore address, for the flag's help.
pub const DEFAULT_METASTORE_LISTEN: &str = "127.0.0.1:9083";

impl MetastoreConfig {
    /// Resolves `--metastore-listen` and `--metastore-role`. Thrift carries no credentials:
    /// beyond loopback the role must be given, and only `reader` or `editor` (crawlers and
    /// classifiers, the admin's business, are not in the metastore protocol). On loopback
    /// without a role, clients get `editor`, as REST clients on loopback without
    /// credentials may change the catalog.
    pub fn resolve(
        listen: Option<String>,
        role: Option<String>,
    ) -> Result<Option<MetastoreConfig>> {
        let Some(listen) = listen else {
            if role.is_some() {
                anyhow::bail!(
                    "metastore role: given, but the metastore endpoint is off (set --metastore-listen)"
                );
            }
            return Ok(None);
        };
        let listen: SocketAddr = listen
            .parse()
            .with_context(|| format!("metastore listen address {listen:?} is not host:port"))?;
        let configured = match role {
            Some(text) => match text.parse::<Role>() {
                Ok(role @ (Role::Reader | Role::Editor)) => Some(role),
                Ok(Role::Admin) | Err(_) => {
                    anyhow::bail!("metastore role: expected reader or editor (got {text:?})")
                }
            },
            None => None,
        };
        if !listen.ip().is_loopback() && configured.is_none() {
            anyhow::bail!(
                "the metastore endpoint on {listen} (beyond loopback) needs --metastore-role \
                 reader|editor: Thrift clients send no credentials, so every client that can \
                 reach the port gets that role"
            );
        }
        Ok(Some(MetastoreConfig {
            listen,
            role: configured.unwrap_or(Role::Editor),
            role_configured: configured.is_some(),
        }))
    }
}

const MIB: usize = 1024 * 1024;

/// The most memory request bodies may be given, in MiB (the budget counts bytes in a `u32`).
pub const MAX_BODY_MEMORY_MIB: usize = 4095;

/// The most HTTP connections a server may be configured for.
pub const MAX_HTTP_CONNECTIONS: usize = 1_000_000;

/// The shortest crawl lease: crawls save a heartbeat every 5 seconds, so a shorter lease
/// would take live crawls for dead ones.
pub const MIN_CRAWL_LEASE_SECONDS: u64 = 10;

impl ServeConfig {
    /// Resolves settings: `explicit` values (flags or environment, in the file's shape) win
    /// over the file's.
    pub fn resolve(explicit: FileConfig, file: FileConfig) -> Result<ServeConfig> {
        let glue_access_keys = match explicit.glue_access_keys.or(file.glue_access_keys) {
            // The message never repeats the value: it holds secrets.
            Some(text) => {
                AccessKeys::parse(&text).map_err(|e| anyhow::anyhow!("glue access keys: {e}"))?
            }
            None => AccessKeys::default(),
        };
        let listen = explicit
            .listen
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen: SocketAddr = listen
            .parse()
            .with_context(|| format!("listen address {listen:?} is not host:port"))?;
        let tokens = match explicit.tokens.or(file.tokens) {
            Some(text) => Tokens::parse(&text).map_err(|e| anyhow::anyhow!("tokens: {e}"))?,
            None => Tokens::default(),
        };
        let has_credentials = !tokens.is_empty() || !glue_access_keys.is_empty();
        if !listen.ip().is_loopback() && !has_credentials {
            anyhow::bail!(
                "listening on {listen} (beyond loopback) needs credentials: configure REST \
                 bearer tokens (--tokens, LAKECAT_TOKENS or `tokens`; see `lakecat token`) \
                 and/or Glue access keys (--glue-access-keys)"
            );
        }
        // Off only on loopback without credentials: beyond loopback they are required above.
        let access = Access {
            required: has_credentials,
            tokens,
            glue_keys: glue_access_keys,
        };
        let scheduler_interval = explicit
            .scheduler_interval_seconds
            .or(file.scheduler_interval_seconds)
            .unwrap_or(lakecat_crawler::DEFAULT_SCHEDULER_INTERVAL.as_secs());
        if scheduler_interval == 0 {
            anyhow::bail!("scheduler interval: must be at least 1 second");
        }
        let crawl_lease = explicit
            .crawl_lease_seconds
            .or(file.crawl_lease_seconds)
            .unwrap_or(RUN_LEASE.as_secs());
        if crawl_lease < MIN_CRAWL_LEASE_SECONDS {
            anyhow::bail!(
                "crawl lease: must be at least {MIN_CRAWL_LEASE_SECONDS} seconds (got {crawl_lease}); \
                 crawls save a heartbeat every 5 seconds"
            );
        }
        let roots = explicit
            .allowed_roots
            .or(file.allowed_roots)
            .unwrap_or_default();
        let allowed_roots =
            AllowedRoots::parse(&roots).map_err(|e| anyhow::anyhow!("allowed roots: {e}"))?;
        let request_timeout = explicit
            .request_timeout_seconds
            .or(file.request_timeout_seconds)
            .unwrap_or(crate::deadline::DEFAULT_REQUEST_TIMEOUT.as_secs());
        if request_timeout == 0 {
            anyhow::bail!("request timeout: must be at least 1 second");
        }
        let defaults = ConnectionLimits::default();
        let client_timeout = explicit
            .client_timeout_seconds
            .or(file.client_timeout_seconds)
            .unwrap_or(defaults.client_timeout.as_secs());
        if client_timeout == 0 {
            anyhow::bail!("client timeout: must be at least 1 second");
        }
        let max_http_connections = explicit
            .max_http_connections
            .or(file.max_http_connections)
            .unwrap_or(defaults.max_connections);
        if !(1..=MAX_HTTP_CONNECTIONS).contains(&max_http_connections) {
            anyhow::bail!(
                "max HTTP connections: must be between 1 and {MAX_HTTP_CONNECTIONS} (got {max_http_connections})"
            );
        }
        let max_body_memory_mib = explicit
            .max_body_memory_mib
            .or(file.max_body_memory_mib)
            .unwrap_or(crate::body_budget::DEFAULT_BODY_MEMORY / MIB);
        let least = crate::body_budget::MAX_BODY_BYTES / MIB;
        if !(least..=MAX_BODY_MEMORY_MIB).contains(&max_body_memory_mib) {
            anyhow::bail!(
                "max body memory: must be between {least} MiB (the largest request body) and \
                 {MAX_BODY_MEMORY_MIB} MiB (got {max_body_memory_mib})"
            );
        }
        let metastore = MetastoreConfig::resolve(
            explicit.metastore_listen.or(file.metastore_listen),
            explicit.metastore_role.or(file.metastore_role),
        )?;
        let iceberg_metadata_location = match explicit
            .iceberg_metadata_location
            .or(file.iceberg_metadata_location)
        {
            Some(place) if place.starts_with('/') => Some(format!("file://{place}")),
            Some(place) if place.contains("://") => Some(place),
            Some(place) => anyhow::bail!(
                "iceberg metadata location: expected a URL or an absolute folder (got {place:?})"
            ),
            None => None,
        };
        Ok(ServeConfig {
            iceberg_metadata_location,
            metastore,
            max_body_memory: max_body_memory_mib * MIB,
            connection_limits: ConnectionLimits {
                client_timeout: Duration::from_secs(client_timeout),
                max_connections: max_http_connections,
            },
            request_timeout: Duration::from_secs(request_timeout),
            access,
            allowed_roots,
            listen,
            database_url: explicit
                .database_url
                .or(file.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            max_connections: explicit
                .max_connections
                .or(file.max_connections)
                .unwrap_or(8),
            scheduler_interval: Duration::from_secs(scheduler_interval),
            crawl_lease: Duration::from_secs(crawl_lease),
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

    /// (configured Iceberg metadata location, resolved URL or None for a refusal).
    #[test]
    fn iceberg_metadata_locations_are_urls() {
        let cases = [
            (Some("s3://lake/iceberg"), Some(Some("s3://lake/iceberg"))),
            (Some("/srv/iceberg"), Some(Some("file:///srv/iceberg"))),
            (
                Some("file:///srv/iceberg/"),
                Some(Some("file:///srv/iceberg/")),
            ),
            (Some("relative/iceberg"), None),
            (None, Some(None)),
        ];
        for (configured, expected) in cases {
            let file = FileConfig {
                iceberg_metadata_location: configured.map(str::to_string),
                ..FileConfig::default()
            };
            let resolved = ServeConfig::resolve(FileConfig::default(), file)
                .ok()
                .map(|config| config.iceberg_metadata_location);
            assert_eq!(
                resolved,
                expected.map(|url| url.map(str::to_string)),
                "{configured:?}"
            );
        }
    }

    #[test]
    fn explicit_values_win_over_the_file() {
        let file = FileConfig {
            listen: Some("0.0.0.0:9000".into()),
            database_url: Some("postgres://file".into()),
            max_connections: Some(3),
            crawl_lease_seconds: Some(30),
            ..FileConfig::default()
        };
        let explicit = FileConfig {
            listen: Some("127.0.0.1:1".into()),
            scheduler_interval_seconds: Some(2),
            ..FileConfig::default()
        };
        let config = ServeConfig::resolve(explicit, file).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:1");
        assert_eq!(config.database_url, "postgres://file");
        assert_eq!(config.max_connections, 3);
        assert_eq!(config.scheduler_interval, Duration::from_secs(2));
        assert_eq!(config.crawl_lease, Duration::from_secs(30));
        let config = ServeConfig::resolve(FileConfig::default(), FileConfig::default()).unwrap();
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.crawl_lease, RUN_LEASE);
        assert_eq!(config.connection_limits, ConnectionLimits::default());
        let limits = FileConfig {
            client_timeout_seconds: Some(5),
            max_http_connections: Some(64),
            ..FileConfig::default()
        };
        let config = ServeConfig::resolve(FileConfig::default(), limits).unwrap();
        assert_eq!(
            config.connection_limits,
            ConnectionLimits {
                client_timeout: Duration::from_secs(5),
                max_connections: 64,
            }
        );
        let no_connections = FileConfig {
            max_http_connections: Some(0),
            ..FileConfig::default()
        };
        let error = ServeConfig::resolve(no_connections, FileConfig::default()).unwrap_err();
        assert!(
            error.to_string().contains("max HTTP connections"),
            "{error}"
        );
        let bad_listen = FileConfig {
            listen: Some("nope".into()),
            ..FileConfig::default()
        };
        assert!(ServeConfig::resolve(bad_listen, FileConfig::default()).is_err());
        let roots = FileConfig {
            allowed_roots: Some(vec!["s3://lake-bucket/".into()]),
            ..FileConfig::default()
        };
        let config = ServeConfig::resolve(FileConfig::default(), roots).unwrap();
        assert_eq!(config.allowed_roots.roots(), ["s3://lake-bucket/"]);
        let missing_root = FileConfig {
            allowed_roots: Some(vec!["/no/such/folder".into()]),
            ..FileConfig::default()
        };
        let error = ServeConfig::resolve(missing_root, FileConfig::default()).unwrap_err();
        assert!(error.to_string().starts_with("allowed roots: "), "{error}");
        let open = FileConfig {
            listen: Some("0.0.0.0:8088".into()),
            ..FileConfig::default()
        };
        let error = ServeConfig::resolve(open, FileConfig::default()).unwrap_err();
        assert!(error.to_string().contains("needs credentials"), "{error}");
        let token = crate::credentials::token_digest("t");
        let open_with_token = FileConfig {
            listen: Some("0.0.0.0:8088".into()),
            tokens: Some(format!("ops:admin:{token}")),
            ..FileConfig::default()
        };
        let config = ServeConfig::resolve(open_with_token, FileConfig::default()).unwrap();
        assert!(config.access.required);
        let local = ServeConfig::resolve(FileConfig::default(), FileConfig::default()).unwrap();
        assert!(!local.access.required, "off by default on loopback");
        let short_lease = FileConfig {
            crawl_lease_seconds: Some(3),
            ..FileConfig::default()
        };
        let error = ServeConfig::resolve(short_lease, FileConfig::default()).unwrap_err();
        assert!(error.to_string().contains("at least 10 seconds"), "{error}");
    }

    #[test]
    fn the_metastore_endpoint_is_off_unless_enabled_and_loopback_unless_a_role_is_given() {
        // (listen, role, the endpoint's (listen, role, role configured) or a part of the error)
        type Case<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            Result<Option<(&'a str, Role, bool)>, &'a str>,
        );
        let cases: &[Case<'_>] = &[
            (None, None, Ok(None)),
            (None, Some("reader"), Err("endpoint is off")),
            (
                Some("127.0.0.1:9083"),
                None,
                Ok(Some(("127.0.0.1:9083", Role::Editor, false))),
            ),
            (
                Some("[::1]:9083"),
                None,
                Ok(Some(("[::1]:9083", Role::Editor, false))),
            ),
            (
                Some("127.0.0.1:9083"),
                Some("reader"),
                Ok(Some(("127.0.0.1:9083", Role::Reader, true))),
            ),
            (Some("0.0.0.0:9083"), None, Err("needs --metastore-role")),
            (
                Some("0.0.0.0:9083"),
                Some("Reader"),
                Ok(Some(("0.0.0.0:9083", Role::Reader, true))),
            ),
            (
                Some("0.0.0.0:9083"),
                Some("editor"),
                Ok(Some(("0.0.0.0:9083", Role::Editor, true))),
            ),
            (
                Some("0.0.0.0:9083"),
                Some("admin"),
                Err("expected reader or editor"),
            ),
            (
                Some("0.0.0.0:9083"),
                Some("root"),
                Err("expected reader or editor"),
            ),
            (Some("9083"), None, Err("is not host:port")),
        ];
        for (listen, role, expected) in cases {
            let resolved = MetastoreConfig::resolve(listen.map(Into::into), role.map(Into::into));
            match (resolved, expected) {
                (Ok(found), Ok(expected)) => assert_eq!(
                    found.map(|m| (m.listen.to_string(), m.role, m.role_configured)),
                    expected.map(|(l, r, c)| (l.to_string(), r, c)),
                    "{listen:?} {role:?}"
                ),
                (Err(error), Err(expected)) => assert!(
                    error.to_string().contains(expected),
                    "{listen:?} {role:?}: {error}"
                ),
                (found, expected) => {
                    panic!("{listen:?} {role:?}: {found:?}, expected {expected:?}")
                }
            }
        }
        // Flags and environment win over the file, as for every setting.
        let file = FileConfig {
            metastore_listen: Some("127.0.0.1:9083".into()),
            metastore_role: Some("reader".into()),
            ..FileConfig::default()
        };
        let explicit = FileConfig {
            metastore_listen: Some("127.0.0.1:19083".into()),
            ..FileConfig::default()
        };
        let config = ServeConfig::resolve(explicit, file).unwrap();
        let metastore = config.metastore.unwrap();
        assert_eq!(metastore.listen.to_string(), "127.0.0.1:19083");
        assert_eq!(metastore.role, Role::Reader);
    }
}
