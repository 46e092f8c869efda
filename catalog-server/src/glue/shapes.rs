//! AWS Glue's request and response shapes (member names as in Glue's API model), and their
//! conversions to and from the catalog model. Unknown input members are ignored, as AWS
//! SDKs send members that lakecat has no use for (`CatalogId`, `TransactionId`, ...).

use chrono::{DateTime, Utc};
use lakecat_catalog::{
    Column as ModelColumn, Database as ModelDatabase, DatabaseInput as ModelDatabaseInput,
    Parameters, Partition as ModelPartition, PartitionIndex as ModelPartitionIndex,
    PartitionIndexInput as ModelPartitionIndexInput, PartitionInput as ModelPartitionInput,
    SerDeInfo as ModelSerDeInfo, SortColumn, StorageDescriptor as ModelStorageDescriptor,
    Table as ModelTable, TableInput as ModelTableInput,
};
use serde::{Deserialize, Serialize};

/// The catalog id lakecat answers with: there is one catalog.
pub(crate) const CATALOG_ID: &str = "000000000000";

/// Glue timestamps: epoch seconds, with a fraction.
pub(super) fn epoch(time: DateTime<Utc>) -> f64 {
    time.timestamp_millis() as f64 / 1000.0
}

pub(super) fn from_epoch(seconds: f64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis((seconds * 1000.0).round() as i64)
}

/// `DatabaseInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct DatabaseInput {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) location_uri: Option<String>,
    pub(crate) parameters: Parameters,
}

impl From<DatabaseInput> for ModelDatabaseInput {
    fn from(input: DatabaseInput) -> Self {
        ModelDatabaseInput {
            name: input.name,
            description: input.description,
            location_uri: input.location_uri,
            parameters: input.parameters,
        }
    }
}

/// `Database`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Database {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) location_uri: Option<String>,
    pub(crate) parameters: Parameters,
    pub(crate) create_time: f64,
    pub(crate) catalog_id: &'static str,
}

impl From<ModelDatabase> for Database {
    fn from(db: ModelDatabase) -> Self {
        Database {
            name: db.name,
            description: db.description,
            location_uri: db.location_uri,
            parameters: db.parameters,
            create_time: epoch(db.create_time),
            catalog_id: CATALOG_ID,
        }
    }
}

/// `Column`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct Column {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) r#type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) comment: Option<String>,
    #[serde(skip_serializing_if = "Parameters::is_empty")]
    pub(crate) parameters: Parameters,
}

impl From<Column> for ModelColumn {
    fn from(c: Column) -> Self {
        ModelColumn {
            name: c.name,
            type_name: c.r#type,
            comment: c.comment,
            parameters: c.parameters,
        }
    }
}

impl From<ModelColumn> for Column {
    fn from(c: ModelColumn) -> Self {
        Column {
            name: c.name,
            r#type: c.type_name,
            comment: c.comment,
            parameters: c.parameters,
        }
    }
}

/// `SerDeInfo`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct SerDeInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) serialization_library: Option<String>,
    pub(crate) parameters: Parameters,
}

/// `Order`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct Order {
    pub(crate) column: String,
    pub(crate) sort_order: i32,
}

/// `StorageDescriptor`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct StorageDescriptor {
    pub(crate) columns: Vec<Column>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) input_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) output_format: Option<String>,
    pub(crate) compressed: bool,
    pub(crate) number_of_buckets: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) serde_info: Option<SerDeInfo>,
    pub(crate) bucket_columns: Vec<String>,
    pub(crate) sort_columns: Vec<Order>,
    pub(crate) parameters: Parameters,
    pub(crate) stored_as_sub_directories: bool,
}

impl From<StorageDescriptor> for ModelStorageDescriptor {
    fn from(sd: StorageDescriptor) -> Self {
        ModelStorageDescriptor {
            columns: sd.columns.into_iter().map(Into::into).collect(),
            location: sd.location,
            input_format: sd.input_format,
            output_format: sd.output_format,
            compressed: sd.compressed,
            number_of_buckets: sd.number_of_buckets,
            serde_info: sd.serde_info.map(|s| ModelSerDeInfo {
                name: s.name,
                serialization_library: s.serialization_library,
                parameters: s.parameters,
            }),
            bucket_columns: sd.bucket_columns,
            sort_columns: sd
                .sort_columns
                .into_iter()
                .map(|o| SortColumn {
                    column: o.column,
                    sort_order: o.sort_order,
                })
                .collect(),
            parameters: sd.parameters,
            stored_as_sub_directories: sd.stored_as_sub_directories,
        }
    }
}

impl From<ModelStorageDescriptor> for StorageDescriptor {
    fn from(sd: ModelStorageDescriptor) -> Self {
        StorageDescriptor {
            columns: sd.columns.into_iter().map(Into::into).collect(),
            location: sd.location,
            input_format: sd.input_format,
            output_format: sd.output_format,
            compressed: sd.compressed,
            number_of_buckets: sd.number_of_buckets,
            serde_info: sd.serde_info.map(|s| SerDeInfo {
                name: s.name,
                serialization_library: s.serialization_library,
                parameters: s.parameters,
            }),
            bucket_columns: sd.bucket_columns,
            sort_columns: sd
                .sort_columns
                .into_iter()
                .map(|o| Order {
                    column: o.column,
                    sort_order: o.sort_order,
                })
                .collect(),
            parameters: sd.parameters,
            stored_as_sub_directories: sd.stored_as_sub_directories,
        }
    }
}

/// `TableInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct TableInput {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) last_access_time: Option<f64>,
    pub(crate) retention: i32,
    pub(crate) storage_descriptor: Option<StorageDescriptor>,
    pub(crate) partition_keys: Vec<Column>,
    pub(crate) view_original_text: Option<String>,
    pub(crate) view_expanded_text: Option<String>,
    pub(crate) table_type: Option<String>,
    pub(crate) parameters: Parameters,
}

impl From<TableInput> for ModelTableInput {
    fn from(t: TableInput) -> Self {
        ModelTableInput {
            name: t.name,
            description: t.description,
            owner: t.owner,
            table_type: t.table_type,
            parameters: t.parameters,
            partition_keys: t.partition_keys.into_iter().map(Into::into).collect(),
            retention: t.retention,
            view_original_text: t.view_original_text,
            view_expanded_text: t.view_expanded_text,
            storage_descriptor: t.storage_descriptor.map(Into::into),
            last_access_time: t.last_access_time.and_then(from_epoch),
        }
    }
}

/// `Table`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Table {
    pub(crate) name: String,
    pub(crate) database_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) owner: Option<String>,
    pub(crate) create_time: f64,
    pub(crate) update_time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_access_time: Option<f64>,
    pub(crate) retention: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) storage_descriptor: Option<StorageDescriptor>,
    /// Always present, empty for an unpartitioned table: Athena wants `[]`, not absence.
    pub(crate) partition_keys: Vec<Column>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) view_original_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) view_expanded_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) table_type: Option<String>,
    pub(crate) parameters: Parameters,
    pub(crate) is_registered_with_lake_formation: bool,
    pub(crate) catalog_id: &'static str,
    pub(crate) version_id: String,
}

impl From<ModelTable> for Table {
    fn from(t: ModelTable) -> Self {
        Table {
            name: t.name,
            database_name: t.database_name,
            description: t.description,
            owner: t.owner,
            create_time: epoch(t.create_time),
            update_time: epoch(t.update_time),
            last_access_time: t.last_access_time.map(epoch),
            retention: t.retention,
            storage_descriptor: t.storage_descriptor.map(Into::into),
            partition_keys: t.partition_keys.into_iter().map(Into::into).collect(),
            view_original_text: t.view_original_text,
            view_expanded_text: t.view_expanded_text,
            table_type: t.table_type,
            parameters: t.parameters,
            is_registered_with_lake_formation: false,
            catalog_id: CATALOG_ID,
            version_id: t.version_id,
        }
    }
}

/// `PartitionInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct PartitionInput {
    pub(crate) values: Vec<String>,
    pub(crate) last_access_time: Option<f64>,
    pub(crate) storage_descriptor: Option<StorageDescriptor>,
    pub(crate) parameters: Parameters,
}

impl From<PartitionInput> for ModelPartitionInput {
    fn from(p: PartitionInput) -> Self {
        ModelPartitionInput {
            values: p.values,
            storage_descriptor: p.storage_descriptor.map(Into::into),
            parameters: p.parameters,
            last_access_time: p.last_access_time.and_then(from_epoch),
        }
    }
}

/// `Partition`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Partition {
    pub(crate) values: Vec<String>,
    pub(crate) database_name: String,
    pub(crate) table_name: String,
    pub(crate) creation_time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_access_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) storage_descriptor: Option<StorageDescriptor>,
    pub(crate) parameters: Parameters,
    pub(crate) catalog_id: &'static str,
}

impl From<ModelPartition> for Partition {
    fn from(p: ModelPartition) -> Self {
        Partition {
            values: p.values,
            database_name: p.database_name,
            table_name: p.table_name,
            creation_time: epoch(p.creation_time),
            last_access_time: p.last_access_time.map(epoch),
            storage_descriptor: p.storage_descriptor.map(Into::into),
            parameters: p.parameters,
            catalog_id: CATALOG_ID,
        }
    }
}

/// `ErrorDetail` of a batch item.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ErrorDetail {
    pub(crate) error_code: &'static str,
    pub(crate) error_message: String,
}

/// `PartitionError`: one failed item of a partition batch.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PartitionError {
    pub(crate) partition_values: Vec<String>,
    pub(crate) error_detail: ErrorDetail,
}

/// `PartitionValueList`: how batch requests name a partition.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct PartitionValueList {
    pub(crate) values: Vec<String>,
}

/// `PartitionIndex`: what CreatePartitionIndex and CreateTable take.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct PartitionIndex {
    pub(crate) keys: Vec<String>,
    pub(crate) index_name: String,
}

impl From<PartitionIndex> for ModelPartitionIndexInput {
    fn from(index: PartitionIndex) -> Self {
        ModelPartitionIndexInput {
            name: index.index_name,
            keys: index.keys,
        }
    }
}

/// `KeySchemaElement`: an indexed key.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct KeySchemaElement {
    name: String,
    r#type: String,
}

/// `PartitionIndexDescriptor`. lakecat builds an index when it is created, so it is always
/// `ACTIVE` and has no backfill errors.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PartitionIndexDescriptor {
    index_name: String,
    keys: Vec<KeySchemaElement>,
    index_status: &'static str,
}

impl From<ModelPartitionIndex> for PartitionIndexDescriptor {
    fn from(index: ModelPartitionIndex) -> Self {
        PartitionIndexDescriptor {
            index_name: index.name,
            keys: index
                .keys
                .into_iter()
                .map(|key| KeySchemaElement {
                    name: key.name,
                    r#type: key.type_name.unwrap_or_else(|| "string".into()),
                })
                .collect(),
            index_status: "ACTIVE",
        }
    }
}
