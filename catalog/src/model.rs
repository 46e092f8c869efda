//! The catalog's domain model, with AWS Glue Data Catalog semantics.
//!
//! These are the values the store accepts and returns and the REST API serves. They are not
//! database rows: the SQL store keeps its own row shapes and maps them here.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Free-form key/value properties, as Glue's `Parameters`. Sorted, so output is stable.
pub type Parameters = BTreeMap<String, String>;

/// Input to create or replace a database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DatabaseInput {
    /// Database name; folded to lower case.
    pub name: String,
    /// Free text, at most 2048 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the database's data lives, for example `s3://bucket/warehouse/sales/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_uri: Option<String>,
    /// Free-form properties.
    #[serde(default)]
    pub parameters: Parameters,
}

/// A database: a namespace of tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Database {
    /// Database name, lower case.
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the database's data lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_uri: Option<String>,
    /// Free-form properties.
    #[serde(default)]
    pub parameters: Parameters,
    /// When the database was created.
    pub create_time: DateTime<Utc>,
}

/// A column of a table or a partition key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Hive type string, for example `bigint`, `decimal(10,2)` or `struct<a:int,b:string>`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// Free text, at most 255 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Free-form properties.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: Parameters,
}

/// Serialization and deserialization (SerDe) information.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SerDeInfo {
    /// Name of the SerDe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Class that implements the SerDe, for example
    /// `org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serialization_library: Option<String>,
    /// SerDe properties, for example `field.delim`.
    #[serde(default)]
    pub parameters: Parameters,
}

/// The sort order of one column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SortColumn {
    /// Column name.
    pub column: String,
    /// 1 for ascending, 0 for descending, as Hive.
    pub sort_order: i32,
}

/// How and where a table's or a partition's data is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StorageDescriptor {
    /// Data columns (not partition keys).
    #[serde(default)]
    pub columns: Vec<Column>,
    /// Location of the data, for example `s3://bucket/sales/year=2024/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Hadoop input format class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_format: Option<String>,
    /// Hadoop output format class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_format: Option<String>,
    /// Whether the data is compressed.
    #[serde(default)]
    pub compressed: bool,
    /// Number of buckets; -1 or 0 when the table is not bucketed.
    #[serde(default)]
    pub number_of_buckets: i32,
    /// SerDe information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serde_info: Option<SerDeInfo>,
    /// Columns the data is bucketed by.
    #[serde(default)]
    pub bucket_columns: Vec<String>,
    /// Sort order within each bucket.
    #[serde(default)]
    pub sort_columns: Vec<SortColumn>,
    /// Free-form properties.
    #[serde(default)]
    pub parameters: Parameters,
    /// Whether the data is stored in subdirectories.
    #[serde(default)]
    pub stored_as_sub_directories: bool,
}

/// Input to create or replace a table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TableInput {
    /// Table name; folded to lower case.
    pub name: String,
    /// Free text, at most 2048 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Owner of the table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// For example `EXTERNAL_TABLE` or `VIRTUAL_VIEW`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_type: Option<String>,
    /// Free-form properties, such as `classification`.
    #[serde(default)]
    pub parameters: Parameters,
    /// Partition keys, in order. Their types decide how partition filters compare values.
    #[serde(default)]
    pub partition_keys: Vec<Column>,
    /// Retention time, in days.
    #[serde(default)]
    pub retention: i32,
    /// A view's original text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_original_text: Option<String>,
    /// A view's expanded text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_expanded_text: Option<String>,
    /// How and where the data is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_descriptor: Option<StorageDescriptor>,
    /// Last time the table was accessed, when the client tracks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_access_time: Option<DateTime<Utc>>,
}

/// A table, as stored: its input plus the times and version the catalog keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Table {
    /// The database the table belongs to.
    pub database_name: String,
    /// Table name, lower case.
    pub name: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Owner of the table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// For example `EXTERNAL_TABLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_type: Option<String>,
    /// Free-form properties.
    #[serde(default)]
    pub parameters: Parameters,
    /// Partition keys, in order.
    #[serde(default)]
    pub partition_keys: Vec<Column>,
    /// Retention time, in days.
    #[serde(default)]
    pub retention: i32,
    /// A view's original text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_original_text: Option<String>,
    /// A view's expanded text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_expanded_text: Option<String>,
    /// How and where the data is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_descriptor: Option<StorageDescriptor>,
    /// When the table was created.
    pub create_time: DateTime<Utc>,
    /// When the table was last changed.
    pub update_time: DateTime<Utc>,
    /// Last time the table was accessed, when a client tracks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_access_time: Option<DateTime<Utc>>,
    /// Version of this definition: "0" when created, one more on every update.
    pub version_id: String,
}

impl Table {
    /// The input that would recreate this table's definition.
    pub fn to_input(&self) -> TableInput {
        TableInput {
            name: self.name.clone(),
            description: self.description.clone(),
            owner: self.owner.clone(),
            table_type: self.table_type.clone(),
            parameters: self.parameters.clone(),
            partition_keys: self.partition_keys.clone(),
            retention: self.retention,
            view_original_text: self.view_original_text.clone(),
            view_expanded_text: self.view_expanded_text.clone(),
            storage_descriptor: self.storage_descriptor.clone(),
            last_access_time: self.last_access_time,
        }
    }
}

/// One archived or current version of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableVersion {
    /// The version id, as in [`Table::version_id`].
    pub version_id: String,
    /// The table as it was at that version.
    pub table: Table,
}

/// Input to create or replace a partition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PartitionInput {
    /// One value per partition key, in key order. `__HIVE_DEFAULT_PARTITION__` stands for null.
    pub values: Vec<String>,
    /// How and where the partition's data is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_descriptor: Option<StorageDescriptor>,
    /// Free-form properties.
    #[serde(default)]
    pub parameters: Parameters,
    /// Last time the partition was accessed, when the client tracks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_access_time: Option<DateTime<Utc>>,
}

/// A partition of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Partition {
    /// The database of the table.
    pub database_name: String,
    /// The table the partition belongs to.
    pub table_name: String,
    /// One value per partition key, in key order.
    pub values: Vec<String>,
    /// How and where the partition's data is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_descriptor: Option<StorageDescriptor>,
    /// Free-form properties.
    #[serde(default)]
    pub parameters: Parameters,
    /// When the partition was created.
    pub creation_time: DateTime<Utc>,
    /// Last time the partition was accessed, when a client tracks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_access_time: Option<DateTime<Utc>>,
}

/// The value Hive writes for a null partition value.
pub const HIVE_DEFAULT_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// Input to create a partition index: an ordered list of a table's partition keys whose
/// values the database indexes, so that filters on them need not scan the table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PartitionIndexInput {
    /// The index's name, unique within its table.
    pub name: String,
    /// Partition key names, in index order. Keys must be strings or whole numbers.
    pub keys: Vec<String>,
}

/// A partition index of a table. Indexes are built when created, so they are always active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartitionIndex {
    /// The index's name.
    pub name: String,
    /// The indexed partition keys, in index order, with their declared types.
    pub keys: Vec<Column>,
    /// When the index was created.
    pub create_time: DateTime<Utc>,
}
