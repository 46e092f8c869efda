//! The crawler library's error type.

/// Why a crawl could not run or finish. Per-object problems are not errors: they are
/// recorded in the run report and the object is skipped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrawlError {
    /// A target URL or path that cannot be crawled (bad syntax, unknown scheme, missing
    /// folder).
    #[error("target {target}: {reason}")]
    InvalidTarget {
        /// The target as given.
        target: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An exclusion glob that does not parse.
    #[error("exclusion {glob:?}: {reason}")]
    InvalidExclusion {
        /// The glob.
        glob: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A custom classifier definition that does not build.
    #[error("classifier {name}: {reason}")]
    InvalidClassifier {
        /// The classifier's name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Listing a target failed (missing bucket, refused credentials, unreachable store).
    #[error("cannot list {target}: {reason}")]
    Listing {
        /// The target URL.
        target: String,
        /// What the store said, in one line.
        reason: String,
    },
    /// More tables were found than the crawler's table threshold allows; nothing was written.
    #[error(
        "the number of tables detected by the crawler ({detected}) is greater than the table \
         threshold ({threshold}); nothing was written to the catalog"
    )]
    TableThreshold {
        /// Tables found.
        detected: usize,
        /// The configured threshold.
        threshold: u32,
    },
    /// An event notification (an SQS message or a webhook body) that says nothing usable:
    /// not JSON, or of no known shape, or a record without a bucket or key.
    #[error("unusable event notification: {reason}")]
    InvalidEvent {
        /// What is wrong with it.
        reason: String,
    },
    /// A request to an event queue (SQS) failed.
    #[error("queue {operation}: {reason}")]
    Queue {
        /// The operation (`ReceiveMessage`, ...).
        operation: String,
        /// What the queue said, in one line.
        reason: String,
    },
    /// The catalog refused or failed a read or write.
    #[error(transparent)]
    Catalog(#[from] lakecat_catalog::Error),
}

/// The crawler's result type.
pub type Result<T, E = CrawlError> = std::result::Result<T, E>;

impl CrawlError {
    /// The kind of failure, for protocols to render as they render the catalog's errors.
    pub fn kind(&self) -> lakecat_catalog::ErrorKind {
        use lakecat_catalog::ErrorKind;
        match self {
            CrawlError::InvalidTarget { .. }
            | CrawlError::InvalidExclusion { .. }
            | CrawlError::InvalidClassifier { .. }
            | CrawlError::InvalidEvent { .. } => ErrorKind::InvalidInput,
            CrawlError::TableThreshold { .. } => ErrorKind::LimitExceeded,
            // A target that cannot be listed is the store's failure, reported in the run.
            CrawlError::Listing { .. } | CrawlError::Queue { .. } => ErrorKind::Internal,
            CrawlError::Catalog(error) => error.kind(),
        }
    }
}

/// One line from an object store error: its own message without the source chain's
/// repetitions, and with the common causes named.
pub(crate) fn describe_store_error(error: &object_store::Error) -> String {
    use object_store::Error as E;
    match error {
        E::NotFound { path, .. } => format!("not found: {path}"),
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => {
            format!("access refused: {}", first_line(error))
        }
        _ => first_line(error),
    }
}

fn first_line(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    // The innermost cause says what really happened (connection refused, NoSuchBucket).
    while let Some(inner) = source {
        let text = inner.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        source = inner.source();
    }
    message.replace('\n', " ")
}
