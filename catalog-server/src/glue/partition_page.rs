//! GetPartitions' answer, written straight from the partitions' stored definitions.
//!
//! A stored definition is the model's JSON (snake_case names); Glue's members are the same
//! fields in PascalCase, with times as epoch seconds. These views read a definition borrowing
//! its strings and keeping its free-form maps as raw JSON text, and write Glue's shape from
//! them: no `Partition` or Glue shape is built, and no map is taken apart and put together
//! again. [`tests`] holds the answer equal to the one built from decoded partitions.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use lakecat_catalog::{EncodedPartition, Listing};
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::shapes::{CATALOG_ID, epoch};

/// A free-form map (`Parameters`), kept as its JSON text; absent is written as `{}`.
type RawMap<'a> = Option<&'a RawValue>;

fn write_map<S: Serializer>(map: &RawMap<'_>, serializer: S) -> Result<S::Ok, S::Error> {
    match map {
        Some(raw) => raw.serialize(serializer),
        None => serializer.serialize_map(Some(0))?.end(),
    }
}

fn is_absent_or_empty(map: &RawMap<'_>) -> bool {
    map.is_none_or(|raw| raw.get() == "{}")
}

/// A stored [`lakecat_catalog::Column`] written as Glue's `Column`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all(serialize = "PascalCase", deserialize = "snake_case"))]
struct ColumnView<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    r#type: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    comment: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        default,
        skip_serializing_if = "is_absent_or_empty",
        serialize_with = "write_map"
    )]
    parameters: RawMap<'a>,
}

/// A stored [`lakecat_catalog::SerDeInfo`] written as Glue's `SerDeInfo`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all(serialize = "PascalCase", deserialize = "snake_case"))]
struct SerDeInfoView<'a> {
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    serialization_library: Option<Cow<'a, str>>,
    #[serde(borrow, default, serialize_with = "write_map")]
    parameters: RawMap<'a>,
}

/// A stored [`lakecat_catalog::SortColumn`] written as Glue's `Order`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all(serialize = "PascalCase", deserialize = "snake_case"))]
struct OrderView<'a> {
    #[serde(borrow)]
    column: Cow<'a, str>,
    sort_order: i32,
}

/// A stored [`lakecat_catalog::StorageDescriptor`] written as Glue's `StorageDescriptor`.
#[derive(Deserialize, Serialize)]
#[serde(rename_all(serialize = "PascalCase", deserialize = "snake_case"))]
struct StorageDescriptorView<'a> {
    #[serde(borrow, default)]
    columns: Vec<ColumnView<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    location: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    input_format: Option<Cow<'a, str>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    output_format: Option<Cow<'a, str>>,
    #[serde(default)]
    compressed: bool,
    #[serde(default)]
    number_of_buckets: i32,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    serde_info: Option<SerDeInfoView<'a>>,
    #[serde(borrow, default)]
    bucket_columns: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    sort_columns: Vec<OrderView<'a>>,
    #[serde(borrow, default, serialize_with = "write_map")]
    parameters: RawMap<'a>,
    #[serde(default)]
    stored_as_sub_directories: bool,
}

/// A stored partition definition (the JSON of a [`lakecat_catalog::PartitionInput`]).
#[derive(Deserialize)]
struct DefinitionView<'a> {
    #[serde(borrow)]
    values: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    storage_descriptor: Option<StorageDescriptorView<'a>>,
    #[serde(borrow, default)]
    parameters: RawMap<'a>,
    #[serde(default)]
    last_access_time: Option<DateTime<Utc>>,
}

/// Glue's `Partition`, from a definition and what the listing knows.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PartitionView<'a> {
    values: Vec<Cow<'a, str>>,
    database_name: &'a str,
    table_name: &'a str,
    creation_time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_access_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    storage_descriptor: Option<StorageDescriptorView<'a>>,
    #[serde(serialize_with = "write_map")]
    parameters: RawMap<'a>,
    catalog_id: &'static str,
}

/// A page of partitions of `database.table` to write as GetPartitions' answer.
pub(super) struct PartitionPage<'a> {
    pub(super) database_name: &'a str,
    pub(super) table_name: &'a str,
    pub(super) listing: &'a Listing<EncodedPartition>,
    pub(super) exclude_column_schema: bool,
}

impl PartitionPage<'_> {
    /// The answer's JSON: `{"Partitions": [...], "NextToken": ...}`.
    pub(super) fn write(&self) -> serde_json::Result<Vec<u8>> {
        // About 700 bytes per partition of a few columns; growing the buffer costs copies.
        let mut out = Vec::with_capacity(64 + self.listing.items.len() * 768);
        let mut serializer = serde_json::Serializer::new(&mut out);
        self.serialize(&mut serializer)?;
        Ok(out)
    }
}

impl Serialize for PartitionPage<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut page = serializer.serialize_struct("PartitionsPage", 2)?;
        page.serialize_field("Partitions", &Partitions(self))?;
        page.serialize_field("NextToken", &self.listing.next_page_token)?;
        page.end()
    }
}

/// The `Partitions` array, each decoded as it is written: one view is alive at a time.
struct Partitions<'p, 'a>(&'p PartitionPage<'a>);

impl Serialize for Partitions<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let page = self.0;
        let mut seq = serializer.serialize_seq(Some(page.listing.items.len()))?;
        for item in &page.listing.items {
            let definition: DefinitionView<'_> = serde_json::from_str(item.definition_json())
                .map_err(|e| {
                    serde::ser::Error::custom(format!("a stored partition is unreadable: {e}"))
                })?;
            let mut storage_descriptor = definition.storage_descriptor;
            if page.exclude_column_schema
                && let Some(sd) = storage_descriptor.as_mut()
            {
                sd.columns.clear();
            }
            seq.serialize_element(&PartitionView {
                values: definition.values,
                database_name: page.database_name,
                table_name: page.table_name,
                creation_time: epoch(item.creation_time()),
                last_access_time: definition.last_access_time.map(epoch),
                storage_descriptor,
                parameters: definition.parameters,
                catalog_id: CATALOG_ID,
            })?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests;
