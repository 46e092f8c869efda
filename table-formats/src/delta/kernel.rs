//! The read through `delta_kernel` and its default engine.
//!
//! Every use of the kernel's `internal-api` (table configuration, metadata, log segment) is in
//! this module, so that an upgrade of the pinned kernel touches one file.

use std::sync::Arc;

use delta_kernel::Engine;
use delta_kernel::arrow::datatypes::Field as ArrowField;
use delta_kernel::engine::arrow_conversion::TryFromKernel;
use delta_kernel::scan::state::ScanFile;
use delta_kernel::schema::{MetadataValue, StructField};
use delta_kernel::snapshot::Snapshot;
use delta_kernel_default_engine::DefaultEngineBuilder;
use delta_kernel_default_engine::executor::tokio::TokioMultiThreadExecutor;
use lakecat_classifiers::HiveType;
use lakecat_classifiers::formats::hive_type_of;
use object_store::path::Path;
use tokio::runtime::{Handle, RuntimeFlavor};

use super::store::KernelStore;
use super::{DeltaState, schema};
use crate::{LiveFiles, OpenColumn, TableRoot};

/// Reads the table at `root` through the kernel, or says why the kernel cannot.
///
/// The kernel is synchronous and does its I/O by blocking on futures it hands to the engine's
/// executor, so it runs on tokio's blocking pool, with the executor on the caller's runtime
/// (the runtime lakecat's object store clients live on). A current-thread runtime cannot
/// serve a blocking caller from another thread, so there the engine gets its own background
/// thread instead.
pub(super) async fn read(root: &TableRoot) -> Result<DeltaState, String> {
    let url = kernel_url(root)?;
    let store: Arc<dyn object_store::ObjectStore> =
        Arc::new(KernelStore::new(Arc::clone(&root.store)));
    let handle = Handle::current();
    let task = tokio::task::spawn_blocking(move || {
        if handle.runtime_flavor() == RuntimeFlavor::MultiThread {
            let executor = Arc::new(TokioMultiThreadExecutor::new(handle));
            let engine = DefaultEngineBuilder::new(store)
                .with_task_executor(executor)
                .build();
            read_snapshot(&engine, &url)
        } else {
            let engine = DefaultEngineBuilder::new(store).build();
            read_snapshot(&engine, &url)
        }
    });
    match task.await {
        Ok(read) => read,
        Err(error) if error.is_panic() => Err("the Delta kernel panicked".to_owned()),
        Err(_) => Err("the Delta kernel's read was cancelled".to_owned()),
    }
}

/// The table URL the kernel is given, chosen so that its URL-to-path mapping
/// (`Path::from_url_path` of the URL's path) lands on `root.path` in `root.store`, whatever the
/// store is scoped to: the scheme and authority of the root's URL, and the root's path in the
/// store. `file` becomes [`LOCAL_SCHEME`]: for `file` URLs the kernel goes to the local disk
/// itself (see [`KernelStore`]).
fn kernel_url(root: &TableRoot) -> Result<String, String> {
    let (scheme, rest) = root
        .url
        .split_once("://")
        .ok_or_else(|| format!("{} is not a URL", root.url))?;
    let scheme = if scheme.eq_ignore_ascii_case("file") {
        LOCAL_SCHEME
    } else {
        scheme
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let url_path = if root.path.as_ref().is_empty() {
        "/".to_owned()
    } else {
        format!("/{}/", root.path.as_ref())
    };
    match Path::from_url_path(&url_path) {
        Ok(mapped) if mapped == root.path => Ok(format!("{scheme}://{authority}{url_path}")),
        _ => Err(format!(
            "the root's path {} has no URL the Delta kernel maps back to it",
            root.path
        )),
    }
}

/// The scheme local tables' URLs take for the kernel: any but `file` and one-letter schemes
/// (which the kernel takes for Windows drives) keeps the kernel off the local disk.
const LOCAL_SCHEME: &str = "lakecat-file";

/// The kernel's snapshot of the latest version, and the live files its scan metadata lists.
fn read_snapshot(engine: &dyn Engine, url: &str) -> Result<DeltaState, String> {
    let snapshot = Snapshot::builder_for(url)
        .build(engine)
        .map_err(|e| e.to_string())?;
    let mut notes = Vec::new();
    let version = snapshot.version();
    let configuration = snapshot.table_configuration();
    let metadata = configuration.metadata();
    let columns = snapshot
        .schema()
        .fields()
        .map(|field| column_of(field, &mut notes))
        .collect();
    let commit_timestamp_ms = match snapshot.get_timestamp(engine) {
        Ok(ms) => Some(ms),
        Err(error) => {
            notes.push(format!(
                "the commit time of version {version} is unknown: {error}"
            ));
            None
        }
    };
    let mut state = DeltaState {
        version,
        checkpoint: snapshot.log_segment().checkpoint_version,
        columns,
        partition_columns: configuration.logical_partition_columns().to_vec(),
        configuration: metadata
            .configuration()
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect(),
        description: metadata.description().map(str::to_owned),
        commit_timestamp_ms,
        files: None,
        notes,
    };
    state.files = Some(live_files(snapshot, engine, &mut state.notes)?);
    Ok(state)
}

/// A schema column: the kernel's type through its Arrow conversion and the Parquet
/// classifier's Arrow-to-Hive mapping, so that Delta and Parquet columns type alike.
fn column_of(field: &StructField, notes: &mut Vec<String>) -> OpenColumn {
    let type_name = match ArrowField::try_from_kernel(field) {
        Ok(arrow) => hive_type_of(arrow.data_type(), notes, field.name()),
        // A type the kernel reads but cannot give Arrow (an unusual variant layout): map its
        // Delta JSON type directly, as the fallback does.
        Err(_) => match serde_json::to_value(&field.data_type) {
            Ok(delta_type) => schema::hive_type_of(&delta_type, notes, field.name()),
            Err(error) => {
                notes.push(format!("{}: {error}; typed string", field.name()));
                HiveType::String
            }
        },
    };
    let comment = match field.metadata.get("comment") {
        Some(MetadataValue::String(comment)) if !comment.is_empty() => Some(comment.clone()),
        _ => None,
    };
    OpenColumn {
        name: field.name().clone(),
        type_name: type_name.to_string(),
        comment,
        ..OpenColumn::default()
    }
}

/// Live files of the snapshot, from the kernel's scan metadata: the `add` actions that no
/// later `remove` cancelled, so removed files are never seen.
fn live_files(
    snapshot: Arc<Snapshot>,
    engine: &dyn Engine,
    notes: &mut Vec<String>,
) -> Result<LiveFiles, String> {
    // Row transforms rebuild rows from data files; counting needs none of that.
    let scan = snapshot
        .scan_builder()
        .without_row_transforms()
        .build()
        .map_err(|e| e.to_string())?;
    let mut tally = Tally::default();
    for metadata in scan.scan_metadata(engine).map_err(|e| e.to_string())? {
        let metadata = metadata.map_err(|e| e.to_string())?;
        tally = metadata
            .visit_scan_files(tally, Tally::add)
            .map_err(|e| e.to_string())?;
    }
    Ok(tally.finish(notes))
}

/// Figures summed over the live files.
#[derive(Debug, Default)]
struct Tally {
    files: u64,
    bytes: u64,
    /// Rows of the files whose row count is known.
    records: u64,
    /// Bytes of the files whose row count is known.
    counted_bytes: u64,
    /// Files without a row count, and their bytes.
    uncounted: u64,
    uncounted_bytes: u64,
}

impl Tally {
    /// Adds one live file: its rows are `stats.numRecords` less the rows its deletion vector
    /// deletes (the descriptor's cardinality; the vector itself is not read).
    fn add(&mut self, file: ScanFile) {
        let size = u64::try_from(file.size).unwrap_or(0);
        self.files += 1;
        self.bytes = self.bytes.saturating_add(size);
        match (file.stats, file.dv_info.cardinality()) {
            (Some(stats), Ok(deleted)) => {
                let rows = stats.num_records.saturating_sub(deleted.unwrap_or(0));
                self.records = self.records.saturating_add(rows);
                self.counted_bytes = self.counted_bytes.saturating_add(size);
            }
            _ => {
                self.uncounted += 1;
                self.uncounted_bytes = self.uncounted_bytes.saturating_add(size);
            }
        }
    }

    /// The live files; rows of files without statistics are estimated from their size at the
    /// counted files' rows per byte.
    fn finish(self, notes: &mut Vec<String>) -> LiveFiles {
        let mut records = self.records;
        if self.uncounted > 0 {
            if self.counted_bytes > 0 {
                let estimate = u128::from(self.records) * u128::from(self.uncounted_bytes)
                    / u128::from(self.counted_bytes);
                records = records.saturating_add(u64::try_from(estimate).unwrap_or(u64::MAX));
                notes.push(format!(
                    "{} of {} live files have no row count (numRecords in add.stats); their rows \
                     are estimated from their size",
                    self.uncounted, self.files
                ));
            } else {
                notes.push(format!(
                    "none of the {} live files has a row count (numRecords in add.stats); the \
                     table's rows are unknown",
                    self.files
                ));
            }
        }
        LiveFiles {
            files: self.files,
            bytes: self.bytes,
            records,
            records_estimated: self.uncounted > 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use object_store::memory::InMemory;

    use super::*;

    fn root(url: &str, path: &str) -> TableRoot {
        TableRoot {
            store: Arc::new(InMemory::new()),
            path: Path::from(path),
            url: url.to_owned(),
        }
    }

    #[test]
    fn the_kernel_url_maps_back_to_the_root_path() {
        assert_eq!(
            kernel_url(&root("s3://bucket/lake/t/", "lake/t")),
            Ok("s3://bucket/lake/t/".to_owned())
        );
        assert_eq!(
            kernel_url(&root("file:///data/lake/t/", "data/lake/t")),
            Ok("lakecat-file:///data/lake/t/".to_owned())
        );
        // A store scoped below the URL's path: the kernel still reads `root.path`.
        assert_eq!(
            kernel_url(&root("file:///data/lake/t/", "lake/t")),
            Ok("lakecat-file:///lake/t/".to_owned())
        );
        assert_eq!(
            kernel_url(&root("s3://bucket/", "")),
            Ok("s3://bucket/".to_owned())
        );
        assert_eq!(
            kernel_url(&root("s3://bucket/my%20t/", "my t")),
            Ok("s3://bucket/my t/".to_owned())
        );
        assert!(kernel_url(&root("no-scheme", "t")).is_err());
    }

    #[test]
    fn rows_of_files_without_statistics_are_estimated_by_size() {
        let tally = Tally {
            files: 3,
            bytes: 400,
            records: 10,
            counted_bytes: 100,
            uncounted: 1,
            uncounted_bytes: 300,
        };
        let mut notes = Vec::new();
        let files = tally.finish(&mut notes);
        assert_eq!(files.records, 40);
        assert!(files.records_estimated);
        assert_eq!(notes.len(), 1);
    }
}
