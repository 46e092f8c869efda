//! What a catalog records of an open-format table, as read from its metadata.

use std::collections::BTreeMap;

use crate::marker::TableFormat;

/// A column as the catalog stores it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenColumn {
    /// Its name.
    pub name: String,
    /// Its Hive type string (`bigint`, `decimal(10,2)`, `struct<a:int>`), as Glue stores it.
    pub type_name: String,
    /// Its comment (Iceberg's `doc`, Delta's `comment` metadata), if any.
    pub comment: Option<String>,
    /// Column parameters (Iceberg's `iceberg.field.id`, `iceberg.field.optional`,
    /// `iceberg.field.current`, as PyIceberg's Glue catalog writes them).
    pub parameters: BTreeMap<String, String>,
}

impl OpenColumn {
    /// A column with a name and a type and nothing else.
    pub fn new(name: impl Into<String>, type_name: impl Into<String>) -> OpenColumn {
        OpenColumn {
            name: name.into(),
            type_name: type_name.into(),
            ..OpenColumn::default()
        }
    }
}

/// The live data files of a table or partition: only files the current version reads,
/// never files that commits removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LiveFiles {
    /// Data files.
    pub files: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Rows a reader of the current version sees (deleted rows left out where the
    /// metadata says how many).
    pub records: u64,
    /// Whether `records` is an estimate (files without row counts, merge-on-read logs not
    /// merged).
    pub records_estimated: bool,
}

/// How engines that read through Hive's interfaces read the table's files; `None` in
/// [`OpenTable::storage`] for formats whose readers ignore it (Iceberg).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StorageFormat {
    /// The Hadoop input format class.
    pub input_format: Option<String>,
    /// The Hadoop output format class.
    pub output_format: Option<String>,
    /// The SerDe class.
    pub serde_library: Option<String>,
    /// SerDe parameters.
    pub serde_parameters: BTreeMap<String, String>,
}

/// A partition the catalog records (Hudi's partition folders; Delta and Iceberg tables
/// have none in the catalog: engines read their partitions from the table's metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenPartition {
    /// One value per partition key.
    pub values: Vec<String>,
    /// Its folder, relative to the table's root, without a trailing `/`.
    pub folder: String,
    /// Its live files.
    pub files: LiveFiles,
}

/// A table of an open format, as its current metadata describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTable {
    /// The format.
    pub format: TableFormat,
    /// The table's name in its own metadata (Hudi's `hoodie.table.name`), if it has one.
    pub name: Option<String>,
    /// The location the metadata gives for the table (Iceberg's `location`), ending with
    /// `/`; the root's URL when the metadata gives none.
    pub location: String,
    /// Columns in the format's order. Delta's include its partition columns (engines read
    /// Delta's partitioning from the log); Hudi's leave the partition keys out.
    pub columns: Vec<OpenColumn>,
    /// Partition keys the catalog records (Hudi only).
    pub partition_keys: Vec<OpenColumn>,
    /// Partitions the catalog records (Hudi only).
    pub partitions: Vec<OpenPartition>,
    /// Table parameters the format's catalog integrations write (`table_type`,
    /// `metadata_location`, `spark.sql.sources.provider`, `delta.lastUpdateVersion`,
    /// ...) and the table's own properties where engines look for them.
    pub parameters: BTreeMap<String, String>,
    /// How Hive-interface readers read its files.
    pub storage: Option<StorageFormat>,
    /// The live files of the current version, when the metadata says.
    pub files: Option<LiveFiles>,
    /// The version read, in words (`version 4 (checkpoint 3)`,
    /// `00004-….metadata.json, snapshot 6231...`, `commit 20240101120000000`).
    pub version: String,
    /// What was read but not interpreted, or guessed, in words for the run record (an
    /// unknown reader feature, a type written as `string`, estimated counts).
    pub notes: Vec<String>,
}
