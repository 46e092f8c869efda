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
    /// A column of a table.
    Column,
    /// A column's statistics.
    ColumnStatistics,
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
            Entity::Column => "column",
            Entity::ColumnStatistics => "column statistics",
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
    #[error("crawler {crawler} is {}", state_phrase(*state))]
    CrawlerState {
        /// The crawler.
        crawler: String,
        /// Its state.
        state: crate::crawlers::CrawlerState,
    },
    /// The crawler's schedule is not in a state the change needs: resuming a schedule that
    /// is missing or running, pausing one that is not running.
    #[error("{}", schedule_phrase(.crawler, *.refusal))]
    Schedule {
        /// The crawler.
        crawler: String,
        /// Why the change was refused.
        refusal: crate::crawlers::ScheduleRefusal,
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

/// How a crawler's state reads in an error: `running`, `stopping` or `not running`.
fn state_phrase(state: crate::crawlers::CrawlerState) -> &'static str {
    match state {
        crate::crawlers::CrawlerState::Ready => "not running",
        crate::crawlers::CrawlerState::Running => "running",
        crate::crawlers::CrawlerState::Stopping => "stopping",
    }
}

/// How a refused schedule change reads in an error.
fn schedule_phrase(crawler: &str, refusal: crate::crawlers::ScheduleRefusal) -> String {
    use crate::crawlers::ScheduleRefusal;
    match refusal {
        ScheduleRefusal::NoSchedule => format!("crawler {crawler} has no schedule"),
        ScheduleRefusal::AlreadyRunning => {
            format!("the schedule of crawler {crawler} is already running")
        }
        ScheduleRefusal::NotRunning => format!("the schedule of crawler {crawler} is not running"),
    }
}

/// What kind of failure an [`Error`] is: the one classification every protocol renders (a
/// REST status and code, a Glue `__type`, and the Thrift and Iceberg REST errors to come).
/// Protocols match it exhaustively, so a new kind needs a rendering in each of them rather
/// than falling into a catch-all 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The named object does not exist.
    NotFound,
    /// An object of that name exists.
    AlreadyExists,
    /// The object changed since the caller read it.
    ConcurrentModification,
    /// The request breaks a rule; the message names it.
    InvalidInput,
    /// A paging token that is malformed or from another listing.
    InvalidPageToken,
    /// A limit on how many objects may exist.
    LimitExceeded,
    /// The crawler is running.
    CrawlerRunning,
    /// The crawler is stopping.
    CrawlerStopping,
    /// The crawler is not running.
    CrawlerNotRunning,
    /// The crawler has no schedule to resume.
    NoSchedule,
    /// The crawler's schedule is running already.
    ScheduleRunning,
    /// The crawler's schedule is not running.
    ScheduleNotRunning,
    /// The server failed; the details are for the log, not the client.
    Internal,
}

impl Error {
    /// The kind of failure, for protocols to render.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::AlreadyExists { .. } => ErrorKind::AlreadyExists,
            Error::ConcurrentModification(_) => ErrorKind::ConcurrentModification,
            Error::InvalidInput(_) => ErrorKind::InvalidInput,
            Error::InvalidPageToken(_) => ErrorKind::InvalidPageToken,
            Error::LimitExceeded(_) => ErrorKind::LimitExceeded,
            Error::CrawlerState { state, .. } => match state {
                crate::crawlers::CrawlerState::Running => ErrorKind::CrawlerRunning,
                crate::crawlers::CrawlerState::Stopping => ErrorKind::CrawlerStopping,
                crate::crawlers::CrawlerState::Ready => ErrorKind::CrawlerNotRunning,
            },
            Error::Schedule { refusal, .. } => match refusal {
                crate::crawlers::ScheduleRefusal::NoSchedule => ErrorKind::NoSchedule,
                crate::crawlers::ScheduleRefusal::AlreadyRunning => ErrorKind::ScheduleRunning,
                crate::crawlers::ScheduleRefusal::NotRunning => ErrorKind::ScheduleNotRunning,
            },
            Error::Backend(_) => ErrorKind::Internal,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crawlers::{CrawlerState, ScheduleRefusal};

    #[test]
    fn each_error_has_the_kind_protocols_render() {
        let crawler = |state| Error::CrawlerState {
            crawler: "nightly".into(),
            state,
        };
        let schedule = |refusal| Error::Schedule {
            crawler: "nightly".into(),
            refusal,
        };
        let cases = [
            (Error::not_found(Entity::Table, "db.t"), ErrorKind::NotFound),
            (
                Error::already_exists(Entity::Database, "db"),
                ErrorKind::AlreadyExists,
            ),
            (
                Error::ConcurrentModification("stale".into()),
                ErrorKind::ConcurrentModification,
            ),
            (Error::invalid("name: empty"), ErrorKind::InvalidInput),
            (
                Error::InvalidPageToken("x".into()),
                ErrorKind::InvalidPageToken,
            ),
            (
                Error::LimitExceeded("3 indexes".into()),
                ErrorKind::LimitExceeded,
            ),
            (crawler(CrawlerState::Running), ErrorKind::CrawlerRunning),
            (crawler(CrawlerState::Stopping), ErrorKind::CrawlerStopping),
            (crawler(CrawlerState::Ready), ErrorKind::CrawlerNotRunning),
            (schedule(ScheduleRefusal::NoSchedule), ErrorKind::NoSchedule),
            (
                schedule(ScheduleRefusal::AlreadyRunning),
                ErrorKind::ScheduleRunning,
            ),
            (
                schedule(ScheduleRefusal::NotRunning),
                ErrorKind::ScheduleNotRunning,
            ),
            (Error::Backend("disk full".into()), ErrorKind::Internal),
        ];
        for (error, kind) in cases {
            assert_eq!(error.kind(), kind, "{error}");
        }
        assert_eq!(
            crawler(CrawlerState::Ready).to_string(),
            "crawler nightly is not running"
        );
        assert_eq!(
            schedule(ScheduleRefusal::NotRunning).to_string(),
            "the schedule of crawler nightly is not running"
        );
    }
}
