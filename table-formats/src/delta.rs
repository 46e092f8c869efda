//! Reading Delta Lake tables.
//!
//! The truth of a Delta table is its log, `_delta_log/`: JSON commits, Parquet checkpoints
//! that sum them up, and the `add`/`remove` actions that say which data files the current
//! version reads. Files that commits removed stay on disk until a vacuum, so counting the
//! files under the root overstates the table (9 files for 4 live ones in the fixture).
//!
//! The log is read through `delta_kernel` and its default engine, built over lakecat's own
//! object store so that endpoints, credentials and path confinement stay lakecat's
//! (docs/decisions/0002-open-table-formats.md §1). When the kernel refuses a table (a reader
//! feature it does not know, reader version above 3, `catalogManaged`, or any other error on a
//! log that exists), the table is still registered from its newest `metaData` and `protocol`
//! actions, read by hand, without file counts and with a note that says why.

mod fallback;
mod kernel;
mod schema;
mod store;

use std::collections::BTreeMap;

use crate::{
    LiveFiles, OpenColumn, OpenTable, StorageFormat, TableFormat, TableFormatError, TableRoot,
};

/// The format's name in errors.
const FORMAT: &str = "Delta Lake";

/// Athena's placeholders for native Delta tables: engines read Delta through its log, never
/// through these classes, but Hive-interface clients expect the storage descriptor filled
/// (measured on a table Athena's DDL created, see the decision record's sources).
const INPUT_FORMAT: &str = "org.apache.hadoop.mapred.SequenceFileInputFormat";
const OUTPUT_FORMAT: &str = "org.apache.hadoop.hive.ql.io.HiveSequenceFileOutputFormat";
const SERDE_LIBRARY: &str = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";

/// What one read of a Delta log gives, through the kernel or the fallback.
#[derive(Debug, Default)]
struct DeltaState {
    /// The table version read.
    version: u64,
    /// The checkpoint the read started from, if any.
    checkpoint: Option<u64>,
    /// Every column of the schema, partition columns included, by logical name.
    columns: Vec<OpenColumn>,
    /// The partition columns' logical names.
    partition_columns: Vec<String>,
    /// `metaData.configuration`.
    configuration: BTreeMap<String, String>,
    /// `metaData.description`, the table's comment.
    description: Option<String>,
    /// When the version was committed, in milliseconds since the epoch.
    commit_timestamp_ms: Option<i64>,
    /// The live files, when the log was replayed.
    files: Option<LiveFiles>,
    /// What the run record should know.
    notes: Vec<String>,
}

/// Reads the Delta table at `root` from its `_delta_log/`.
///
/// Fails with [`TableFormatError::NotATable`] when the log holds no commit and no checkpoint,
/// and with [`TableFormatError::Read`] when the store fails. A table the kernel cannot read is
/// not an error: it is read from its newest `metaData` and `protocol` actions, without file
/// counts, and [`OpenTable::notes`] says why.
pub async fn read(root: &TableRoot) -> Result<OpenTable, TableFormatError> {
    let state = match kernel::read(root).await {
        Ok(state) => state,
        Err(refusal) => fallback::read(root, &refusal).await?,
    };
    Ok(open_table(root, state))
}

/// The catalog's view of the table: Glue's native Delta table (`CreateNativeDeltaTable`).
fn open_table(root: &TableRoot, state: DeltaState) -> OpenTable {
    let DeltaState {
        version,
        checkpoint,
        columns,
        partition_columns,
        configuration,
        description,
        commit_timestamp_ms,
        files,
        mut notes,
    } = state;

    let missing: Vec<&str> = partition_columns
        .iter()
        .filter(|name| !columns.iter().any(|c| &c.name == *name))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        notes.push(format!(
            "partition columns not in the schema: {}",
            missing.join(", ")
        ));
    }

    let mut parameters = BTreeMap::new();
    // What the table's own configuration holds beyond Delta's settings: user and application
    // properties (`owner.team`, `io.unitycatalog.tableId`), shown as catalog parameters the way
    // Glue shows a Hive table's. Delta's own `delta.*` settings (column mapping, deletion
    // vectors, checkpoint and retention knobs, feature flags) are left out: engines read them
    // from the log, each commit may change them, and a copy in the catalog would go stale
    // between crawls and make every such commit look like a catalog change.
    let mut skipped = Vec::new();
    for (key, value) in configuration {
        if key.starts_with("delta.") {
            continue;
        }
        if key.is_empty() || key.len() > MAX_PARAMETER_KEY || value.len() > MAX_PARAMETER_VALUE {
            // A key too long for the catalog is too long for a note: its start names it.
            skipped.push(key.chars().take(60).collect::<String>());
            continue;
        }
        parameters.insert(key, value);
    }
    if !skipped.is_empty() {
        notes.push(format!(
            "table properties too long for the catalog, left out: {}",
            skipped.join(", ")
        ));
    }
    // Hive keeps a table's comment in the `comment` parameter; Delta in `metaData.description`.
    if let Some(description) =
        description.filter(|d| !d.is_empty() && d.len() <= MAX_PARAMETER_VALUE)
    {
        parameters
            .entry("comment".to_owned())
            .or_insert(description);
    }
    // The parameters Glue's crawler and Athena's DDL write for a native Delta table
    // (glue-behavior.md "Open table formats in crawls"; Athena measured in the decision
    // record's sources). They win over a table property of the same name: readers find the
    // table's kind by them.
    parameters.insert("table_type".to_owned(), "DELTA".to_owned());
    parameters.insert(
        "classification".to_owned(),
        TableFormat::Delta.classification().to_owned(),
    );
    parameters.insert("spark.sql.sources.provider".to_owned(), "delta".to_owned());
    parameters.insert(
        "spark.sql.partitionProvider".to_owned(),
        "catalog".to_owned(),
    );
    parameters.insert("delta.lastUpdateVersion".to_owned(), version.to_string());
    // Unknown when the newest commit file is gone or unreadable; the reader's note says why.
    if let Some(ms) = commit_timestamp_ms {
        parameters.insert("delta.lastCommitTimestamp".to_owned(), ms.to_string());
    }

    // Athena writes the SerDe `path` as the table's location, exactly as the DDL gave it
    // (with its trailing `/` in the measured table), and `serialization.format`.
    let storage = StorageFormat {
        input_format: Some(INPUT_FORMAT.to_owned()),
        output_format: Some(OUTPUT_FORMAT.to_owned()),
        serde_library: Some(SERDE_LIBRARY.to_owned()),
        serde_parameters: BTreeMap::from([
            ("path".to_owned(), root.url.clone()),
            ("serialization.format".to_owned(), "1".to_owned()),
        ]),
    };

    OpenTable {
        format: TableFormat::Delta,
        name: None,
        location: root.url.clone(),
        columns,
        partition_keys: Vec::new(),
        partitions: Vec::new(),
        parameters,
        storage: Some(storage),
        files,
        version: match checkpoint {
            Some(checkpoint) => format!("version {version} (checkpoint {checkpoint})"),
            None => format!("version {version}"),
        },
        notes,
    }
}

/// Glue's limit on a parameter key (`KeyString`, 1 to 255 characters).
const MAX_PARAMETER_KEY: usize = 255;
/// Glue's limit on a parameter value (`ParametersMapValue`, up to 512,000 bytes).
const MAX_PARAMETER_VALUE: usize = 512_000;
