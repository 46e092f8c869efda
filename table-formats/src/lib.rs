//! Open table formats: Delta Lake, Apache Iceberg and Apache Hudi.
//!
//! A folder holding one of these tables keeps its truth in metadata (Delta's `_delta_log/`,
//! Iceberg's `metadata/`, Hudi's `.hoodie/`), not in the files that lie under it: files are
//! removed by commits long before they leave the disk. This crate recognizes a table's root
//! from the object names a listing returns ([`recognize`]) and reads what a catalog records
//! of the table ([`OpenTable`]) from that metadata alone, never by listing its data files.

mod error;
mod marker;
mod table;

pub mod delta;
pub mod hudi;
pub mod iceberg;

use std::sync::Arc;

use object_store::ObjectStore;
use object_store::path::Path;

pub use error::TableFormatError;
pub use marker::{Marker, TableFormat, recognize};
pub use table::{LiveFiles, OpenColumn, OpenPartition, OpenTable, StorageFormat};

/// Where a table lies: its store, its root there, and the root's URL.
#[derive(Debug, Clone)]
pub struct TableRoot {
    /// The store holding the table.
    pub store: Arc<dyn ObjectStore>,
    /// The root folder's path in `store`, without a trailing `/`.
    pub path: Path,
    /// The root folder's URL (`s3://bucket/lake/sales/`, `file:///data/sales/`), ending with
    /// `/`: what the catalog records as the table's location.
    pub url: String,
}

impl TableRoot {
    /// The path of `name` below the root (`name` may hold `/`).
    pub fn child(&self, name: &str) -> Path {
        if self.path.as_ref().is_empty() {
            Path::from(name)
        } else {
            Path::from(format!("{}/{name}", self.path.as_ref()))
        }
    }
}

/// Reads the table of `format` at `root` from its metadata.
pub async fn read(root: &TableRoot, format: TableFormat) -> Result<OpenTable, TableFormatError> {
    match format {
        TableFormat::Delta => delta::read(root).await,
        TableFormat::Iceberg => iceberg::read(root).await,
        TableFormat::Hudi => hudi::read(root).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crawl reads tables inside a spawned task: every reader's future must be `Send` for
    /// any lifetime of its root (a future borrowing inside a stream combinator is not, and
    /// only `tokio::spawn` in another crate would say so).
    #[test]
    fn readers_can_run_in_spawned_tasks() {
        fn spawnable<F: std::future::Future + Send + 'static>(_: F) {}
        let root = TableRoot {
            store: Arc::new(object_store::memory::InMemory::new()),
            path: Path::from("t"),
            url: "memory:///t/".into(),
        };
        for format in [TableFormat::Delta, TableFormat::Iceberg, TableFormat::Hudi] {
            let root = root.clone();
            spawnable(async move { read(&root, format).await });
        }
    }
}
