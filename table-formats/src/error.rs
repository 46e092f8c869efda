//! What can go wrong reading a table's metadata.

/// Why a table's metadata could not be read. A feature that is read but not understood is
/// not an error: the table is read with what is known and [`crate::OpenTable::notes`] says
/// what was left out.
#[derive(Debug, thiserror::Error)]
pub enum TableFormatError {
    /// The store failed (missing object, denied, unreachable).
    #[error("cannot read {path}: {message}")]
    Read {
        /// The object or folder.
        path: String,
        /// The store's error.
        message: String,
    },
    /// The metadata is there but is not what the format's specification says.
    #[error("{path} is not valid {format} metadata: {message}")]
    Invalid {
        /// The object.
        path: String,
        /// The format's name.
        format: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The folder holds no table of the format (a marker without the metadata it implies).
    #[error("no {format} table at {root}: {message}")]
    NotATable {
        /// The folder.
        root: String,
        /// The format's name.
        format: &'static str,
        /// What is missing.
        message: String,
    },
}

impl TableFormatError {
    /// A store failure on `path`.
    pub fn read(path: impl std::fmt::Display, error: &object_store::Error) -> TableFormatError {
        TableFormatError::Read {
            path: path.to_string(),
            message: error.to_string(),
        }
    }
}
