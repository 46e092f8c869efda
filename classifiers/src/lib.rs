//! lakecat's classifiers: they turn the bytes of one object into a classification (the
//! format), a schema of Hive types, and the properties a table needs to read the format.
//!
//! A [`Classifier`] reads byte ranges of an object through an [`ObjectSource`], so binary
//! formats read only their metadata. A [`Registry`] runs custom classifiers first and the
//! built-ins after, as Glue's crawler does. [`merge::merge_schemas`] and
//! [`merge::similarity`] combine the schemas of many objects into tables.

pub mod classifier;
pub mod compression;
pub mod custom;
pub mod error;
pub mod formats;
pub mod limits;
pub mod merge;
mod ordered;
pub mod schema;
pub mod source;
pub mod statistics;

pub use classifier::{
    Classification, Classifier, Compression, FormatProperties, Outcome, Registry, UNKNOWN,
};
pub use error::ClassifyError;
pub use schema::{Field, HiveType, Schema};
pub use source::{CachedObject, InMemoryObject, ObjectInfo, ObjectSource};
pub use statistics::{ObjectFigures, RowStatistics, StatisticsMode};
