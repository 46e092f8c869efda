//! The classifiers library's error type.

/// Why an object could not be classified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClassifyError {
    /// Reading the object failed (the store said no, or the connection broke); retrying may
    /// help.
    #[error("cannot read {path}: {message}")]
    Read {
        /// The object.
        path: String,
        /// What the store said.
        message: String,
    },
    /// The object claims a format but its content is broken (a truncated footer, a bad
    /// header); the reason is for the crawl report.
    #[error("corrupt {format} object: {reason}")]
    Corrupt {
        /// The format it claims to be.
        format: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The object's schema passes one of the [`crate::limits`] (too wide, too deeply
    /// nested); the object is skipped with the reason.
    #[error("over a limit: {reason}")]
    OverLimit {
        /// Which limit, and by how much.
        reason: String,
    },
}

impl ClassifyError {
    /// A corrupt-object error.
    pub fn corrupt(format: &'static str, reason: impl Into<String>) -> Self {
        ClassifyError::Corrupt {
            format,
            reason: reason.into(),
        }
    }
}
