//! Iceberg metadata for a Hive-style table of Parquet, ORC or Avro files, made from what the
//! catalog knows of it (columns, partition keys, partitions) and the crawler's index of its
//! files, without reading or rewriting a data file: the table spec's "metadata only
//! migration" (identity partitions whose values come from the manifests, and a name mapping
//! for files written without field ids). See docs/decisions/0004-iceberg-rest-catalog.md §3.
//!
//! [`generate`] is pure: it returns the files to write (manifests, the manifest list, the
//! metadata file, in the order they must be written) and leaves writing them to the caller.

use std::collections::BTreeMap;

use lakecat_classifiers::statistics::Bound;
use lakecat_classifiers::{ObjectFigures, Schema};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::hive_types::{self, FieldIds, IcebergType, TopLevel};
use super::manifest::{
    self, DataFileEntry, ListHeader, ManifestFile, ManifestHeader, PartitionField, PartitionType,
    PartitionValue,
};

/// Most entries in one manifest: small enough that a changed group rewrites little, large
/// enough that a 100,000-file table has tens of manifests, not thousands.
const MAX_ENTRIES_PER_MANIFEST: usize = 4000;

/// Snapshots kept in the metadata: the newest generations, so that a reader holding an
/// earlier `metadata-location` (or time-travelling) still finds its files listed.
pub const RETAINED_SNAPSHOTS: usize = 5;

/// Hive's name for the partition of null values.
const HIVE_DEFAULT_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// The table property naming what a generation was made from (see [`HiveTable::source`]).
pub const SOURCE_PROPERTY: &str = "lakecat.source";

/// A catalogued Hive-style table.
#[derive(Debug, Clone)]
pub struct HiveTable {
    /// Its database.
    pub database: String,
    /// Its name.
    pub name: String,
    /// Its folder's URL.
    pub location: String,
    /// `parquet`, `orc` or `avro`.
    pub classification: String,
    /// Its columns, partition keys left out: (name, Hive type).
    pub columns: Vec<(String, String)>,
    /// Its partition keys: (name, Hive type).
    pub partition_keys: Vec<(String, String)>,
    /// What this state of the table is (its version and its file index's generation):
    /// metadata generated from the same source is the same, so it is made once.
    pub source: String,
}

/// The Iceberg file format of a Hive classification; `Err` says why a table of it is not
/// offered as an Iceberg table.
pub fn file_format(classification: &str) -> Result<&'static str, String> {
    match classification.to_ascii_lowercase().as_str() {
        "parquet" => Ok("PARQUET"),
        "orc" => Ok("ORC"),
        "avro" => Ok("AVRO"),
        "" => Err("it has no classification".into()),
        other => Err(format!(
            "it is a {other} table: lakecat serves Parquet, ORC and Avro tables as Iceberg"
        )),
    }
}

/// One data file of the table, as the crawler indexed it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedDataFile {
    /// Its URL.
    pub path: String,
    /// Its partition's values, one per partition key (none when unpartitioned).
    pub partition_values: Vec<String>,
    /// Its size in bytes.
    pub size: u64,
    /// Its rows, exact; `None` when the crawl did not read it.
    pub record_count: Option<u64>,
    /// Its columns' figures, when the crawl computed them.
    pub stats: Option<FileStats>,
}

/// A value bounding a column's values in one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StatValue {
    /// An integer.
    #[serde(rename = "i")]
    Int(i64),
    /// A floating-point number.
    #[serde(rename = "f")]
    Float(f64),
    /// A date, in days since 1970-01-01.
    #[serde(rename = "d")]
    Date(i32),
    /// A timestamp, in microseconds since 1970-01-01 00:00 UTC.
    #[serde(rename = "t")]
    Timestamp(i64),
}

/// One column's figures in one file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    /// Null values.
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub nulls: Option<u64>,
    /// The smallest value, when exactly known.
    #[serde(rename = "lo", default, skip_serializing_if = "Option::is_none")]
    pub min: Option<StatValue>,
    /// The largest value, when exactly known.
    #[serde(rename = "hi", default, skip_serializing_if = "Option::is_none")]
    pub max: Option<StatValue>,
}

/// The figures of one file's top-level columns, by name: what a crawl read from the file's
/// footer, kept in the file index (as compact JSON) for the manifests' column statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileStats {
    /// By column name.
    pub columns: BTreeMap<String, ColumnStats>,
}

impl FileStats {
    /// The figures of one object (`schema` is the object's, naming its columns); `None` when
    /// they come from a sample of its rows, which cannot bound a file. Bounds are kept only
    /// when exact; decimals, strings and NaN-able floats' bounds are left out.
    pub fn of_object(figures: &ObjectFigures, schema: &Schema) -> Option<FileStats> {
        if figures.sampled {
            return None;
        }
        let columns = schema
            .fields
            .iter()
            .zip(&figures.columns)
            .filter_map(|(field, figures)| {
                let figures = figures.as_ref()?;
                let bound = |bound: &Option<Bound>| match (figures.bounds_known, bound) {
                    (true, Some(Bound::Int(n))) => Some(StatValue::Int(*n)),
                    (true, Some(Bound::Float(x))) if x.is_finite() => Some(StatValue::Float(*x)),
                    (true, Some(Bound::Date(d))) => Some(StatValue::Date(*d)),
                    (true, Some(Bound::Timestamp(t))) => Some(StatValue::Timestamp(*t)),
                    _ => None,
                };
                let stats = ColumnStats {
                    nulls: figures.nulls,
                    min: bound(&figures.min),
                    max: bound(&figures.max),
                };
                Some((field.name.to_lowercase(), stats))
            })
            .collect();
        Some(FileStats { columns })
    }
}

/// The metadata a table had: the file an earlier generation wrote, read back.
#[derive(Debug, Clone)]
pub struct Previous<'a> {
    /// Its URL.
    pub location: &'a str,
    /// Its document.
    pub metadata: &'a Value,
}

/// What a generation needs besides the table and its files.
pub struct GenerationInput<'a> {
    /// The table.
    pub table: &'a HiveTable,
    /// Its data files.
    pub files: &'a [IndexedDataFile],
    /// The metadata an earlier generation wrote, whose snapshots, ids and uuid carry over.
    pub previous: Option<Previous<'a>>,
    /// The folder the files go to (a URL ending with `/`).
    pub metadata_folder: &'a str,
    /// Now, in milliseconds since 1970.
    pub now_ms: i64,
    /// Makes a new random UUID (`8-4-4-4-12` hex), for file names and sync markers.
    pub new_uuid: &'a mut (dyn FnMut() -> String + Send),
}

/// A generation's files and its metadata.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The files to write, in order (the metadata file last): URL and bytes.
    pub files: Vec<(String, Vec<u8>)>,
    /// The metadata file's URL.
    pub metadata_location: String,
    /// Its document.
    pub metadata: Value,
    /// Columns left out of the schema, and why.
    pub notes: Vec<String>,
}

/// Why a table cannot be served as Iceberg.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotOffered(pub String);

/// The previous generation's state that carries over.
struct Carried {
    table_uuid: String,
    ids: FieldIds,
    schemas: Vec<Value>,
    current_schema: Option<Value>,
    snapshots: Vec<Value>,
    snapshot_log: Vec<Value>,
    metadata_log: Vec<Value>,
    sequence: i64,
    parent: Option<i64>,
    /// Every partition spec so far (`{"spec-id", "fields"}`): earlier snapshots' manifests
    /// are read with theirs.
    specs: Vec<Value>,
    /// The highest partition field id given so far (999 before the first).
    last_partition_id: i32,
}

impl Carried {
    /// From the previous metadata (nothing when there is none).
    fn from(previous: Option<&Previous<'_>>, new_uuid: &mut dyn FnMut() -> String) -> Carried {
        let fresh = |table_uuid| Carried {
            table_uuid,
            ids: FieldIds::default(),
            schemas: Vec::new(),
            current_schema: None,
            snapshots: Vec::new(),
            snapshot_log: Vec::new(),
            metadata_log: Vec::new(),
            sequence: 0,
            parent: None,
            specs: Vec::new(),
            last_partition_id: 999,
        };
        let Some(previous) = previous else {
            return fresh(new_uuid());
        };
        let metadata = previous.metadata;
        let list = |key: &str| metadata[key].as_array().cloned().unwrap_or_default();
        let schemas = list("schemas");
        let current_id = metadata["current-schema-id"].as_i64();
        let current_schema = schemas
            .iter()
            .find(|s| s["schema-id"].as_i64() == current_id)
            .cloned();
        let last = metadata["last-column-id"].as_i64().unwrap_or(0) as i32;
        let ids = current_schema
            .as_ref()
            .map(|schema| FieldIds::from_schema(schema, last))
            .unwrap_or_default();
        let mut metadata_log = list("metadata-log");
        metadata_log.push(json!({
            "metadata-file": previous.location,
            "timestamp-ms": metadata["last-updated-ms"],
        }));
        Carried {
            table_uuid: metadata["table-uuid"]
                .as_str()
                .map_or_else(new_uuid, str::to_string),
            ids,
            schemas,
            current_schema,
            snapshots: list("snapshots"),
            snapshot_log: list("snapshot-log"),
            metadata_log,
            sequence: metadata["last-sequence-number"].as_i64().unwrap_or(0),
            parent: metadata["current-snapshot-id"].as_i64(),
            specs: list("partition-specs"),
            last_partition_id: metadata["last-partition-id"]
                .as_i64()
                .map_or(999, |id| id.max(999) as i32),
        }
    }

    /// The id of the partition spec of `fields`, which get their field ids here: a field
    /// an earlier spec had (same name and source column) keeps its id, a new one gets the
    /// next. A spec like an earlier one is that one; a new spec is added with the next id
    /// (the table spec's partition evolution), so the table, its uuid and its snapshots
    /// carry on.
    fn spec_id_of(&mut self, fields: &mut [PartitionField]) -> i64 {
        for field in fields.iter_mut() {
            let earlier = self
                .specs
                .iter()
                .flat_map(|spec| spec["fields"].as_array().into_iter().flatten())
                .find(|f| {
                    f["name"] == field.name.as_str()
                        && f["source-id"].as_i64() == Some(i64::from(field.source_id))
                })
                .and_then(|f| f["field-id"].as_i64());
            field.field_id = match earlier {
                Some(id) => id as i32,
                None => {
                    self.last_partition_id += 1;
                    self.last_partition_id
                }
            };
        }
        let spec = manifest::spec_fields(fields);
        if let Some(same) = self.specs.iter().find(|s| s["fields"] == spec) {
            return same["spec-id"].as_i64().unwrap_or(0);
        }
        let id = self
            .specs
            .iter()
            .filter_map(|s| s["spec-id"].as_i64())
            .max()
            .map_or(0, |max| max + 1);
        self.specs.push(json!({"spec-id": id, "fields": spec}));
        id
    }
}

/// A positive 63-bit snapshot id from the table's uuid and the generation: the same inputs
/// give the same id, so a retried generation does not make another snapshot id.
fn snapshot_id(table_uuid: &str, sequence: i64) -> i64 {
    // FNV-1a: no cryptographic strength needed, only spread.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in table_uuid.bytes().chain(sequence.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash & (i64::MAX as u64)).max(1) as i64
}

/// A sync marker from a random UUID's hex digits.
fn sync_marker(uuid: &str) -> [u8; 16] {
    let hex: Vec<u8> = uuid.bytes().filter(u8::is_ascii_hexdigit).collect();
    let mut marker = [0u8; 16];
    for (i, pair) in hex.chunks(2).take(16).enumerate() {
        let text = std::str::from_utf8(pair).unwrap_or("0");
        marker[i] = u8::from_str_radix(text, 16).unwrap_or(0);
    }
    marker
}

/// A partition folder's value as the key's Iceberg type.
fn partition_value(text: &str, kind: PartitionType) -> Result<PartitionValue, String> {
    if text == HIVE_DEFAULT_PARTITION {
        return Ok(PartitionValue::Null);
    }
    let wrong = || format!("{text:?} is not a {kind:?}");
    Ok(match kind {
        PartitionType::String => PartitionValue::String(text.to_string()),
        PartitionType::Int => PartitionValue::Int(text.trim().parse().map_err(|_| wrong())?),
        PartitionType::Long => PartitionValue::Long(text.trim().parse().map_err(|_| wrong())?),
        PartitionType::Date => {
            let date =
                chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| wrong())?;
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).ok_or_else(wrong)?;
            PartitionValue::Int((date - epoch).num_days() as i32)
        }
    })
}

/// A column's figure as the single-value serialization of its Iceberg type (table spec,
/// Appendix D); `None` when the figure does not fit the type.
fn bound_bytes(value: &StatValue, kind: &str) -> Option<Vec<u8>> {
    match (value, kind) {
        (StatValue::Int(n), "int") => Some(i32::try_from(*n).ok()?.to_le_bytes().to_vec()),
        (StatValue::Int(n), "long") => Some(n.to_le_bytes().to_vec()),
        (StatValue::Float(x), "float") => Some((*x as f32).to_le_bytes().to_vec()),
        (StatValue::Float(x), "double") => Some(x.to_le_bytes().to_vec()),
        (StatValue::Date(d), "date") => Some(d.to_le_bytes().to_vec()),
        (StatValue::Timestamp(t), "timestamp" | "timestamptz") => Some(t.to_le_bytes().to_vec()),
        _ => None,
    }
}

/// A top-level primitive column: its id and Iceberg type name.
struct StatsColumn {
    id: i32,
    kind: String,
}

/// The schema's fields, the name mapping and the partition fields, with ids from `ids`.
fn identified(
    columns: &[TopLevel],
    keys: &[(String, String)],
    kinds: &[PartitionType],
    ids: &mut FieldIds,
) -> (Vec<Value>, Vec<Value>, Vec<PartitionField>) {
    let (fields, mapping) = hive_types::schema_fields(columns, ids);
    let partition_fields = keys
        .iter()
        .zip(kinds)
        .enumerate()
        .map(|(i, ((name, _), kind))| PartitionField {
            name: name.clone(),
            field_id: 1000 + i as i32,
            source_id: fields
                .iter()
                .find(|f| f["name"] == name.as_str())
                .and_then(|f| f["id"].as_i64())
                .unwrap_or(0) as i32,
            kind: *kind,
        })
        .collect();
    (fields, mapping, partition_fields)
}

/// Generates the next metadata of `input.table`.
pub fn generate(input: GenerationInput<'_>) -> Result<Generated, NotOffered> {
    let table = input.table;
    let format = file_format(&table.classification).map_err(NotOffered)?;
    let mut notes = Vec::new();
    let mut columns = Vec::new();
    for (name, hive) in &table.columns {
        match hive_types::iceberg_type(hive) {
            Ok(kind) => columns.push(TopLevel {
                name: name.clone(),
                kind,
            }),
            Err(reason) => notes.push(format!("column {name} is left out: {reason}")),
        }
    }
    let mut key_kinds = Vec::new();
    for (name, hive) in &table.partition_keys {
        let kind = hive_types::partition_key_type(hive)
            .map_err(|reason| NotOffered(format!("partition key {name}: {reason}")))?;
        key_kinds.push(match kind.as_str() {
            "int" => PartitionType::Int,
            "long" => PartitionType::Long,
            "date" => PartitionType::Date,
            _ => PartitionType::String,
        });
        columns.push(TopLevel {
            name: name.clone(),
            kind: IcebergType::Primitive(kind),
        });
    }
    let new_uuid = &mut *input.new_uuid;
    let mut carried = Carried::from(input.previous.as_ref(), new_uuid);
    let (fields, mapping, mut partition_fields) = identified(
        &columns,
        &table.partition_keys,
        &key_kinds,
        &mut carried.ids,
    );
    let spec_id = carried.spec_id_of(&mut partition_fields);

    // The schema: the previous one's id when unchanged, else the next id.
    let schema_id = match &carried.current_schema {
        Some(current) if current["fields"] == Value::Array(fields.clone()) => {
            current["schema-id"].as_i64().unwrap_or(0)
        }
        _ => carried
            .schemas
            .iter()
            .filter_map(|s| s["schema-id"].as_i64())
            .max()
            .map_or(0, |max| max + 1),
    };
    let schema = json!({"type": "struct", "schema-id": schema_id, "fields": fields});
    if !carried
        .schemas
        .iter()
        .any(|s| s["schema-id"].as_i64() == Some(schema_id))
    {
        carried.schemas.push(schema.clone());
    }

    // Top-level primitive columns, for column figures.
    let stats_columns: BTreeMap<String, StatsColumn> = fields
        .iter()
        .filter_map(|f| {
            Some((
                f["name"].as_str()?.to_lowercase(),
                StatsColumn {
                    id: f["id"].as_i64()? as i32,
                    kind: f["type"].as_str()?.to_string(),
                },
            ))
        })
        .collect();

    let mut entries = Vec::with_capacity(input.files.len());
    let mut unread = 0usize;
    for file in input.files {
        let Some(record_count) = file.record_count else {
            unread += 1;
            continue;
        };
        if file.partition_values.len() != key_kinds.len() {
            return Err(NotOffered(format!(
                "file {} has {} partition values for {} partition keys",
                file.path,
                file.partition_values.len(),
                key_kinds.len()
            )));
        }
        let partition = file
            .partition_values
            .iter()
            .zip(&key_kinds)
            .map(|(text, kind)| partition_value(text, *kind))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|reason| NotOffered(format!("partition of {}: {reason}", file.path)))?;
        let mut entry = DataFileEntry {
            path: file.path.clone(),
            format,
            partition,
            record_count: record_count as i64,
            size: file.size as i64,
            ..DataFileEntry::default()
        };
        for (name, stats) in file.stats.iter().flat_map(|s| &s.columns) {
            let Some(column) = stats_columns.get(name) else {
                continue;
            };
            entry.value_counts.push((column.id, record_count as i64));
            if let Some(nulls) = stats.nulls {
                entry.null_counts.push((column.id, nulls as i64));
            }
            let bytes = |value: &Option<StatValue>| {
                value.as_ref().and_then(|v| bound_bytes(v, &column.kind))
            };
            if let (Some(lower), Some(upper)) = (bytes(&stats.min), bytes(&stats.max)) {
                entry.lower_bounds.push((column.id, lower));
                entry.upper_bounds.push((column.id, upper));
            }
        }
        entries.push(entry);
    }
    if unread > 0 {
        return Err(NotOffered(format!(
            "{unread} of its files were not read by the crawl (a sample size, or added by \
             hand), so their record counts are unknown; crawl it without a sample size"
        )));
    }

    // Manifests by value of the first partition key, so that filters on it skip whole
    // manifests, at most MAX_ENTRIES_PER_MANIFEST each.
    entries.sort_by(|a, b| a.partition.cmp(&b.partition).then(a.path.cmp(&b.path)));
    let mut groups: Vec<&[DataFileEntry]> = Vec::new();
    let mut rest = entries.as_slice();
    while !rest.is_empty() {
        let first = rest[0].partition.first();
        let same = rest
            .iter()
            .take(MAX_ENTRIES_PER_MANIFEST)
            .take_while(|e| e.partition.first() == first)
            .count();
        let (group, after) = rest.split_at(same);
        groups.push(group);
        rest = after;
    }

    let sequence = carried.sequence + 1;
    let snapshot = snapshot_id(&carried.table_uuid, sequence);
    let folder = input.metadata_folder;
    let write_uuid = new_uuid();
    let header = ManifestHeader {
        schema: &schema,
        schema_id,
        spec_id,
        fields: &partition_fields,
    };
    let mut files = Vec::new();
    let mut manifest_files = Vec::new();
    for (k, group) in groups.iter().enumerate() {
        let path = format!("{folder}{write_uuid}-m{k}.avro");
        let bytes = manifest::manifest(&header, group, sync_marker(&new_uuid()));
        manifest_files.push(ManifestFile {
            path: path.clone(),
            length: bytes.len() as i64,
            partition_spec_id: spec_id as i32,
            sequence_number: sequence,
            added_snapshot_id: snapshot,
            added_files: group.len() as i32,
            added_rows: group.iter().map(|e| e.record_count).sum(),
            partitions: manifest::summaries(partition_fields.len(), group),
        });
        files.push((path, bytes));
    }
    let list_path = format!("{folder}snap-{snapshot}-1-{write_uuid}.avro");
    let list = manifest::manifest_list(
        &ListHeader {
            snapshot_id: snapshot,
            parent_snapshot_id: carried.parent,
            sequence_number: sequence,
        },
        &manifest_files,
        sync_marker(&new_uuid()),
    );
    files.push((list_path.clone(), list));

    let records: i64 = entries.iter().map(|e| e.record_count).sum();
    let bytes: i64 = entries.iter().map(|e| e.size).sum();
    let partitions: std::collections::HashSet<&Vec<PartitionValue>> =
        entries.iter().map(|e| &e.partition).collect();
    let summary = json!({
        "operation": if sequence == 1 { "append" } else { "overwrite" },
        "added-data-files": entries.len().to_string(),
        "added-records": records.to_string(),
        "added-files-size": bytes.to_string(),
        "changed-partition-count": partitions.len().to_string(),
        "total-records": records.to_string(),
        "total-files-size": bytes.to_string(),
        "total-data-files": entries.len().to_string(),
        "total-delete-files": "0",
        "total-position-deletes": "0",
        "total-equality-deletes": "0",
    });
    let mut new_snapshot = json!({
        "snapshot-id": snapshot,
        "sequence-number": sequence,
        "timestamp-ms": input.now_ms,
        "manifest-list": list_path,
        "summary": summary,
        "schema-id": schema_id,
    });
    if let Some(parent) = carried.parent {
        new_snapshot["parent-snapshot-id"] = json!(parent);
    }
    let mut snapshots = carried.snapshots;
    snapshots.push(new_snapshot);
    let keep_from = snapshots.len().saturating_sub(RETAINED_SNAPSHOTS);
    let snapshots = snapshots.split_off(keep_from);
    let retained: std::collections::HashSet<i64> = snapshots
        .iter()
        .filter_map(|s| s["snapshot-id"].as_i64())
        .collect();
    let mut snapshot_log: Vec<Value> = carried
        .snapshot_log
        .into_iter()
        .filter(|entry| {
            entry["snapshot-id"]
                .as_i64()
                .is_some_and(|id| retained.contains(&id))
        })
        .collect();
    snapshot_log.push(json!({"snapshot-id": snapshot, "timestamp-ms": input.now_ms}));
    // Schemas that no retained snapshot uses are dropped, the current one kept.
    let used: std::collections::HashSet<i64> = snapshots
        .iter()
        .filter_map(|s| s["schema-id"].as_i64())
        .chain([schema_id])
        .collect();
    let schemas: Vec<Value> = carried
        .schemas
        .into_iter()
        .filter(|s| s["schema-id"].as_i64().is_some_and(|id| used.contains(&id)))
        .collect();

    let mut properties = json!({
        "schema.name-mapping.default": Value::Array(mapping).to_string(),
        "write.metadata.path": folder.trim_end_matches('/'),
        "lakecat.read-only": "true",
        SOURCE_PROPERTY: table.source,
        "lakecat.table": format!("{}.{}", table.database, table.name),
    });
    if !notes.is_empty() {
        properties["lakecat.notes"] = json!(notes.join("; "));
    }
    let metadata = json!({
        "format-version": 2,
        "table-uuid": carried.table_uuid,
        "location": table.location.trim_end_matches('/'),
        "last-sequence-number": sequence,
        "last-updated-ms": input.now_ms,
        "last-column-id": carried.ids.last,
        "current-schema-id": schema_id,
        "schemas": schemas,
        "default-spec-id": spec_id,
        "partition-specs": carried.specs,
        "last-partition-id": carried.last_partition_id,
        "default-sort-order-id": 0,
        "sort-orders": [{"order-id": 0, "fields": []}],
        "properties": properties,
        "current-snapshot-id": snapshot,
        "refs": {"main": {"snapshot-id": snapshot, "type": "branch"}},
        "snapshots": snapshots,
        "snapshot-log": snapshot_log,
        "metadata-log": carried.metadata_log,
    });
    let metadata_location = format!("{folder}{sequence:05}-{write_uuid}.metadata.json");
    let text = serde_json::to_vec(&metadata).map_err(|error| NotOffered(error.to_string()))?;
    files.push((metadata_location.clone(), text));
    Ok(Generated {
        files,
        metadata_location,
        metadata,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(columns: &[(&str, &str)], keys: &[(&str, &str)], classification: &str) -> HiveTable {
        let pairs = |list: &[(&str, &str)]| {
            list.iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect()
        };
        HiveTable {
            database: "db".into(),
            name: "t".into(),
            location: "s3://lake/t/".into(),
            classification: classification.into(),
            columns: pairs(columns),
            partition_keys: pairs(keys),
            source: "1/1".into(),
        }
    }

    fn file(path: &str, values: &[&str], records: Option<u64>) -> IndexedDataFile {
        IndexedDataFile {
            path: format!("s3://lake/t/{path}"),
            partition_values: values.iter().map(|v| v.to_string()).collect(),
            size: 100,
            record_count: records,
            stats: None,
        }
    }

    fn run(
        table: &HiveTable,
        files: &[IndexedDataFile],
        previous: Option<&Generated>,
    ) -> Result<Generated, NotOffered> {
        // Unique across runs, as random ones would be.
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut new_uuid = || {
            let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            format!("00000000-0000-4000-8000-{n:012}")
        };
        generate(GenerationInput {
            table,
            files,
            previous: previous.map(|p| Previous {
                location: &p.metadata_location,
                metadata: &p.metadata,
            }),
            metadata_folder: "s3://lake/_lakecat/iceberg/db/t/metadata/",
            now_ms: 1_700_000_000_000,
            new_uuid: &mut new_uuid,
        })
    }

    /// (classification, partition keys, files, the reason it is not offered).
    #[test]
    fn tables_that_cannot_be_iceberg_say_why() {
        type Case<'a> = (
            &'a str,
            Vec<(&'a str, &'a str)>,
            Vec<IndexedDataFile>,
            &'a str,
        );
        let cases: Vec<Case<'_>> = vec![
            ("csv", vec![], vec![], "csv table"),
            ("json", vec![], vec![], "json table"),
            ("", vec![], vec![], "no classification"),
            (
                "parquet",
                vec![("at", "timestamp")],
                vec![],
                "partition key at",
            ),
            (
                "parquet",
                vec![("year", "int")],
                vec![file("year=x/a.parquet", &["x"], Some(1))],
                "\"x\" is not a Int",
            ),
            (
                "parquet",
                vec![],
                vec![file("a.parquet", &[], None)],
                "not read by the crawl",
            ),
        ];
        for (classification, keys, files, expected) in cases {
            let t = table(&[("a", "int")], &keys, classification);
            let error = run(&t, &files, None).unwrap_err();
            assert!(error.0.contains(expected), "{classification}: {error}");
        }
    }

    #[test]
    fn a_partitioned_table_gets_a_schema_spec_mapping_and_one_snapshot() {
        let t = table(
            &[
                ("id", "bigint"),
                ("tags", "array<string>"),
                ("u", "uniontype<int>"),
            ],
            &[("year", "string"), ("day", "date")],
            "parquet",
        );
        let files = [
            file(
                "year=2024/day=2024-01-02/b.parquet",
                &["2024", "2024-01-02"],
                Some(5),
            ),
            file(
                "year=2023/day=2023-12-31/a.parquet",
                &["2023", "2023-12-31"],
                Some(7),
            ),
            file(
                "year=2024/day=__HIVE_DEFAULT_PARTITION__/c.parquet",
                &["2024", "__HIVE_DEFAULT_PARTITION__"],
                Some(1),
            ),
        ];
        let generated = run(&t, &files, None).unwrap();
        let m = &generated.metadata;
        // id=1, tags=2, year=3, day=4, tags.element=5.
        assert_eq!(m["schemas"][0]["fields"][2]["name"], "year");
        assert_eq!(m["schemas"][0]["fields"][2]["id"], 3);
        assert_eq!(m["schemas"][0]["fields"][1]["type"]["element-id"], 5);
        assert_eq!(m["last-column-id"], 5);
        assert_eq!(
            m["partition-specs"][0]["fields"],
            json!([
                {"source-id": 3, "field-id": 1000, "name": "year", "transform": "identity"},
                {"source-id": 4, "field-id": 1001, "name": "day", "transform": "identity"}
            ])
        );
        assert_eq!(m["last-partition-id"], 1001);
        assert!(
            m["properties"]["lakecat.notes"]
                .as_str()
                .unwrap()
                .contains("column u")
        );
        let mapping: Value = serde_json::from_str(
            m["properties"]["schema.name-mapping.default"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(mapping[2], json!({"field-id": 3, "names": ["year"]}));
        let snapshot = &m["snapshots"][0];
        assert_eq!(snapshot["summary"]["total-records"], "13");
        assert_eq!(snapshot["summary"]["total-data-files"], "3");
        assert_eq!(snapshot["summary"]["operation"], "append");
        assert_eq!(m["current-snapshot-id"], snapshot["snapshot-id"]);
        // One manifest per year, the list, the metadata file last.
        assert_eq!(generated.files.len(), 4);
        assert_eq!(generated.files[3].0, generated.metadata_location);
        assert!(generated.metadata_location.ends_with(".metadata.json"));
        assert!(
            generated
                .files
                .iter()
                .all(|(url, _)| url.starts_with("s3://lake/_lakecat/iceberg/db/t/metadata/"))
        );
    }

    #[test]
    fn regenerations_chain_snapshots_and_keep_ids() {
        let first_table = table(
            &[("a", "int"), ("b", "string")],
            &[("k", "string")],
            "parquet",
        );
        let first = run(
            &first_table,
            &[file("k=1/x.parquet", &["1"], Some(1))],
            None,
        )
        .unwrap();
        let second_table = table(
            &[("b", "string"), ("c", "double")],
            &[("k", "string")],
            "parquet",
        );
        let files = [
            file("k=1/x.parquet", &["1"], Some(1)),
            file("k=2/y.parquet", &["2"], Some(2)),
        ];
        let second = run(&second_table, &files, Some(&first)).unwrap();
        let (m1, m2) = (&first.metadata, &second.metadata);
        assert_eq!(m1["table-uuid"], m2["table-uuid"]);
        assert_eq!(m2["last-sequence-number"], 2);
        assert_eq!(m2["snapshots"].as_array().unwrap().len(), 2);
        assert_eq!(
            m2["snapshots"][1]["parent-snapshot-id"],
            m1["current-snapshot-id"]
        );
        assert_ne!(m2["current-snapshot-id"], m1["current-snapshot-id"]);
        assert_eq!(m2["snapshots"][1]["summary"]["operation"], "overwrite");
        assert_eq!(
            m2["metadata-log"][0]["metadata-file"],
            first.metadata_location.as_str()
        );
        // b kept id 2, k kept 3, c is new (4); the new schema has id 1, the old one stays
        // for the old snapshot.
        let fields = &m2["schemas"][1]["fields"];
        assert_eq!(
            fields[0],
            json!({"id": 2, "name": "b", "required": false, "type": "string"})
        );
        assert_eq!(fields[1]["id"], 4);
        assert_eq!(fields[2]["id"], 3);
        assert_eq!(m2["current-schema-id"], 1);
        assert_eq!(m2["partition-specs"], m1["partition-specs"]);

        // The same input again: the same schema, a new snapshot.
        let third = run(&second_table, &files, Some(&second)).unwrap();
        assert_eq!(third.metadata["current-schema-id"], 1);
        assert_eq!(third.metadata["schemas"].as_array().unwrap().len(), 2);

        // A new partition key is a new partition spec of the same table: its uuid, its
        // sequence (so its metadata file's number) and its snapshots carry on, the old spec
        // stays for the old snapshots' manifests, and k keeps its partition field id.
        let repartitioned = table(
            &[("b", "string")],
            &[("k", "string"), ("j", "int")],
            "parquet",
        );
        let fourth = run(
            &repartitioned,
            &[file("k=1/j=1/x.parquet", &["1", "1"], Some(1))],
            Some(&third),
        )
        .unwrap();
        let m4 = &fourth.metadata;
        assert_eq!(m4["table-uuid"], m1["table-uuid"]);
        assert_eq!(m4["last-sequence-number"], 4);
        assert!(
            fourth.metadata_location.contains("/00004-"),
            "{}",
            fourth.metadata_location
        );
        assert_eq!(m4["snapshots"].as_array().unwrap().len(), 4);
        assert_eq!(
            m4["metadata-log"].as_array().unwrap().last().unwrap()["metadata-file"],
            json!(third.metadata_location)
        );
        assert_eq!(m4["default-spec-id"], 1);
        assert_eq!(m4["partition-specs"][0], m1["partition-specs"][0]);
        assert_eq!(m4["partition-specs"][1]["spec-id"], 1);
        let spec = &m4["partition-specs"][1]["fields"];
        assert_eq!(
            spec[0]["field-id"],
            m1["partition-specs"][0]["fields"][0]["field-id"]
        );
        assert_eq!(spec[0]["name"], "k");
        assert_eq!(spec[1]["field-id"], 1001);
        assert_eq!(spec[1]["name"], "j");
        assert_eq!(m4["last-partition-id"], 1001);

        // Back to the first keys: the first spec again, not a third, and no new field id.
        let fifth = run(
            &second_table,
            &[file("k=1/y.parquet", &["1"], Some(1))],
            Some(&fourth),
        )
        .unwrap();
        let m5 = &fifth.metadata;
        assert_eq!(m5["default-spec-id"], 0);
        assert_eq!(m5["partition-specs"].as_array().unwrap().len(), 2);
        assert_eq!(m5["last-partition-id"], 1001);
        assert_eq!(m5["last-sequence-number"], 5);
    }

    #[test]
    fn old_snapshots_are_let_go_after_the_retained_number() {
        let t = table(&[("a", "int")], &[], "orc");
        let files = [file("x.orc", &[], Some(1))];
        let mut generated = run(&t, &files, None).unwrap();
        for _ in 0..RETAINED_SNAPSHOTS + 2 {
            generated = run(&t, &files, Some(&generated)).unwrap();
        }
        let m = &generated.metadata;
        assert_eq!(m["snapshots"].as_array().unwrap().len(), RETAINED_SNAPSHOTS);
        assert_eq!(
            m["snapshot-log"].as_array().unwrap().len(),
            RETAINED_SNAPSHOTS
        );
        assert_eq!(m["partition-specs"][0]["fields"], json!([]));
    }

    /// (figure, Iceberg type, serialized bound or None).
    #[test]
    fn bounds_are_serialized_for_their_type() {
        let cases: Vec<(StatValue, &str, Option<Vec<u8>>)> = vec![
            (StatValue::Int(5), "int", Some(5i32.to_le_bytes().to_vec())),
            (StatValue::Int(5), "long", Some(5i64.to_le_bytes().to_vec())),
            (StatValue::Int(1 << 40), "int", None),
            (
                StatValue::Float(1.5),
                "float",
                Some(1.5f32.to_le_bytes().to_vec()),
            ),
            (
                StatValue::Float(1.5),
                "double",
                Some(1.5f64.to_le_bytes().to_vec()),
            ),
            (
                StatValue::Date(19000),
                "date",
                Some(19000i32.to_le_bytes().to_vec()),
            ),
            (
                StatValue::Timestamp(7),
                "timestamp",
                Some(7i64.to_le_bytes().to_vec()),
            ),
            (StatValue::Int(5), "string", None),
            (StatValue::Date(1), "long", None),
        ];
        for (value, kind, expected) in cases {
            assert_eq!(bound_bytes(&value, kind), expected, "{value:?} {kind}");
        }
    }

    #[test]
    fn snapshot_ids_are_positive_and_deterministic() {
        let a = snapshot_id("u", 1);
        assert!(a > 0);
        assert_eq!(a, snapshot_id("u", 1));
        assert_ne!(a, snapshot_id("u", 2));
        assert_ne!(a, snapshot_id("v", 1));
    }
}
