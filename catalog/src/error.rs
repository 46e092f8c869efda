//! The catalog library's one error type.

use std::fmt;

/// What kind of catalog object an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// A database.
    Database,
    /// A table.
    Table,
    /// A table version.
    TableVersion,
    /// A partition.
    Partition,
    /// A crawler.
    Crawler,
    /// A crawl run.
    CrawlRun,
    /// A custom classifier.
    Classifier,
    /// A partition index.
    PartitionIndex,
    /// A user-defined function.
    Function,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entity::Database => "database",
            Entity::Table => "table",
            Entity::TableVersion => "table version",
            Entity::Partition => "partition",
            Entity::Crawler => "crawler",
            Entity::CrawlRun => "crawl run",
            Entity::Classifier => "classifier",
            Entity::PartitionIndex => "partition index",
            Entity::Function => "function",
        })
    }
}

/// Errors from the catalog: each variant is something a caller can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The named object does not exist.
    #[error("{entity} {name} not found")]
    NotFound {
        /// What kind of object.
        entity: Entity,
        /// Its qualified name, for example `sales.orders`.
        name: String,
    },
    /// An object with that name already exists.
    #[error("{entity} {name} already exists")]
    AlreadyExists {
        /// What kind of object.
        entity: Entity,
        /// Its qualified name.
        name: String,
    },
    /// The object changed since the caller read it (stale version id); nothing was changed.
    #[error("{0}")]
    ConcurrentModification(String),
    /// The request is invalid; the message names the field and the rule it breaks.
    #[error("{0}")]
    InvalidInput(String),
    /// The crawler's state does not allow the request: starting or changing a running
    /// crawler, stopping one that is not running or already stopping.
    #[error("crawler {crawler} is {state}")]
    CrawlerState {
        /// The crawler.
        crawler: String,
        /// Its state, lower case: `running`, `stopping` or `not running`.
        state: &'static str,
    },
    /// The request would exceed a limit on how many objects may exist (for example three
    /// partition indexes per table); nothing was changed.
    #[error("{0}")]
    LimitExceeded(String),
    /// A paging token that is malformed or belongs to another listing.
    #[error("invalid page token: {0}")]
    InvalidPageToken(String),
    /// The database failed; the source has the details, which are not for clients.
    #[error("catalog database error")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// A not-found error.
    pub fn not_found(entity: Entity, name: impl Into<String>) -> Self {
        Error::NotFound {
            entity,
            name: name.into(),
        }
    }

    /// An already-exists error.
    pub fn already_exists(entity: Entity, name: impl Into<String>) -> Self {
        Error::AlreadyExists {
            entity,
            name: name.into(),
        }
    }

    /// An invalid-input error.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidInput(message.into())
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::Backend(Box::new(error))
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        Error::Backend(Box::new(error))
    }
}

/// The catalog's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
