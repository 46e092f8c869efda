//! Iceberg manifests and manifest lists (table spec, "Manifests" and "Manifest Lists",
//! format version 2) as Avro files: the writer schemas with the field ids readers resolve
//! fields by, and the encoding of their records.

use serde_json::{Value, json};

use super::avro::{Encoder, container};

/// The Avro type of one partition field's value, and how its bound is serialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PartitionType {
    /// `string`.
    String,
    /// `int`.
    Int,
    /// `long`.
    Long,
    /// `date` (days since 1970-01-01, an Avro int with the `date` logical type).
    Date,
}

impl PartitionType {
    fn avro(self) -> Value {
        match self {
            PartitionType::String => json!("string"),
            PartitionType::Int => json!("int"),
            PartitionType::Long => json!("long"),
            PartitionType::Date => json!({"type": "int", "logicalType": "date"}),
        }
    }
}

/// A partition tuple's value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum PartitionValue {
    /// No value (Hive's `__HIVE_DEFAULT_PARTITION__`).
    Null,
    /// A string.
    String(String),
    /// An int or a date.
    Int(i32),
    /// A long.
    Long(i64),
}

impl PartitionValue {
    /// The value in single-value serialization (table spec, Appendix D).
    pub(crate) fn bound(&self) -> Option<Vec<u8>> {
        match self {
            PartitionValue::Null => None,
            PartitionValue::String(text) => Some(text.as_bytes().to_vec()),
            PartitionValue::Int(n) => Some(n.to_le_bytes().to_vec()),
            PartitionValue::Long(n) => Some(n.to_le_bytes().to_vec()),
        }
    }

    fn encode(&self, out: &mut Encoder) {
        match self {
            PartitionValue::Null => out.branch(0),
            PartitionValue::String(text) => {
                out.branch(1);
                out.string(text);
            }
            PartitionValue::Int(n) => {
                out.branch(1);
                out.int(*n);
            }
            PartitionValue::Long(n) => {
                out.branch(1);
                out.long(*n);
            }
        }
    }
}

/// A field of the identity partition spec.
#[derive(Debug, Clone)]
pub(crate) struct PartitionField {
    /// The partition key's name.
    pub(crate) name: String,
    /// The partition field's id (1000 and up).
    pub(crate) field_id: i32,
    /// The id of the schema field it comes from.
    pub(crate) source_id: i32,
    /// Its type.
    pub(crate) kind: PartitionType,
}

/// The spec's fields as `metadata.json` and manifest headers write them.
pub(crate) fn spec_fields(fields: &[PartitionField]) -> Value {
    Value::Array(
        fields
            .iter()
            .map(|f| {
                json!({"source-id": f.source_id, "field-id": f.field_id, "name": f.name,
                       "transform": "identity"})
            })
            .collect(),
    )
}

/// One data file of a manifest, with its partition tuple and column figures by field id.
#[derive(Debug, Clone, Default)]
pub(crate) struct DataFileEntry {
    pub(crate) path: String,
    /// `PARQUET`, `ORC` or `AVRO`.
    pub(crate) format: &'static str,
    pub(crate) partition: Vec<PartitionValue>,
    pub(crate) record_count: i64,
    pub(crate) size: i64,
    pub(crate) value_counts: Vec<(i32, i64)>,
    pub(crate) null_counts: Vec<(i32, i64)>,
    pub(crate) lower_bounds: Vec<(i32, Vec<u8>)>,
    pub(crate) upper_bounds: Vec<(i32, Vec<u8>)>,
}

/// An Iceberg map (an Avro array of key-value records, as Java writes it) of `key_id` to
/// `value_id` holding values of `value_type`.
fn map_schema(name: &str, id: i32, key_id: i32, value_id: i32, value_type: &str) -> Value {
    json!({"name": name, "type": ["null", {
        "type": "array", "logicalType": "map",
        "items": {"type": "record", "name": format!("k{key_id}_v{value_id}"), "fields": [
            {"name": "key", "type": "int", "field-id": key_id},
            {"name": "value", "type": value_type, "field-id": value_id}]}}],
        "default": null, "field-id": id})
}

/// `name` as an Avro name (`[A-Za-z_][A-Za-z0-9_]*`), escaped as Iceberg's
/// `AvroSchemaUtil.makeCompatibleName` does: a digit that starts the name gets a `_` before
/// it, any other character not allowed becomes `_x` and its code in upper-case hex. Readers
/// find partition fields by field id, so the escaped name is only for Avro parsers (Java's,
/// avro-c's in DuckDB), which refuse a schema with a name like `event-date`.
pub(crate) fn avro_name(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len());
    for (i, c) in name.chars().enumerate() {
        let allowed = c.is_ascii_alphabetic() || c == '_' || (i > 0 && c.is_ascii_digit());
        if allowed {
            escaped.push(c);
        } else if c.is_ascii_digit() {
            escaped.push('_');
            escaped.push(c);
        } else {
            escaped.push_str(&format!("_x{:X}", u32::from(c)));
        }
    }
    if escaped.is_empty() {
        escaped.push('_');
    }
    escaped
}

/// The `manifest_entry` schema (v2) for a spec of `fields`.
pub(crate) fn manifest_entry_schema(fields: &[PartitionField]) -> String {
    let partition_fields: Vec<Value> = fields
        .iter()
        .map(|f| {
            json!({"name": avro_name(&f.name), "type": ["null", f.kind.avro()],
                   "default": null, "field-id": f.field_id})
        })
        .collect();
    let optional = |name: &str, avro: Value, id: i32| json!({"name": name, "type": ["null", avro], "default": null, "field-id": id});
    let data_file = json!({"type": "record", "name": "r2", "fields": [
        {"name": "content", "type": "int", "field-id": 134},
        {"name": "file_path", "type": "string", "field-id": 100},
        {"name": "file_format", "type": "string", "field-id": 101},
        {"name": "partition", "type": {"type": "record", "name": "r102",
            "fields": partition_fields}, "field-id": 102},
        {"name": "record_count", "type": "long", "field-id": 103},
        {"name": "file_size_in_bytes", "type": "long", "field-id": 104},
        map_schema("column_sizes", 108, 117, 118, "long"),
        map_schema("value_counts", 109, 119, 120, "long"),
        map_schema("null_value_counts", 110, 121, 122, "long"),
        map_schema("nan_value_counts", 137, 138, 139, "long"),
        map_schema("lower_bounds", 125, 126, 127, "bytes"),
        map_schema("upper_bounds", 128, 129, 130, "bytes"),
        optional("key_metadata", json!("bytes"), 131),
        optional("split_offsets", json!({"type": "array", "items": "long", "element-id": 133}), 132),
        optional("equality_ids", json!({"type": "array", "items": "int", "element-id": 136}), 135),
        optional("sort_order_id", json!("int"), 140),
    ]});
    json!({"type": "record", "name": "manifest_entry", "fields": [
        {"name": "status", "type": "int", "field-id": 0},
        {"name": "snapshot_id", "type": ["null", "long"], "default": null, "field-id": 1},
        {"name": "sequence_number", "type": ["null", "long"], "default": null, "field-id": 3},
        {"name": "file_sequence_number", "type": ["null", "long"], "default": null,
         "field-id": 4},
        {"name": "data_file", "type": data_file, "field-id": 2},
    ]})
    .to_string()
}

/// Encodes one entry: status ADDED, its snapshot and sequence numbers inherited from the
/// manifest list's record (null), in `manifest_entry_schema`'s field order.
fn encode_entry(entry: &DataFileEntry) -> Vec<u8> {
    let mut out = Encoder::default();
    out.int(1); // ADDED
    out.branch(0); // snapshot_id
    out.branch(0); // sequence_number
    out.branch(0); // file_sequence_number
    out.int(0); // content: data
    out.string(&entry.path);
    out.string(entry.format);
    for value in &entry.partition {
        value.encode(&mut out);
    }
    out.long(entry.record_count);
    out.long(entry.size);
    out.branch(0); // column_sizes
    let counts = |out: &mut Encoder, pairs: &Vec<(i32, i64)>| {
        out.array(pairs, |out, (key, value)| {
            out.int(*key);
            out.long(*value);
        })
    };
    let bounds = |out: &mut Encoder, pairs: &Vec<(i32, Vec<u8>)>| {
        out.array(pairs, |out, (key, value)| {
            out.int(*key);
            out.bytes(value);
        })
    };
    out.optional(Some(&entry.value_counts), counts);
    out.optional(Some(&entry.null_counts), counts);
    out.branch(0); // nan_value_counts
    out.optional(Some(&entry.lower_bounds), bounds);
    out.optional(Some(&entry.upper_bounds), bounds);
    out.branch(0); // key_metadata
    out.branch(0); // split_offsets
    out.branch(0); // equality_ids
    out.branch(0); // sort_order_id
    out.into_bytes()
}

/// What a manifest's header says about the table.
pub(crate) struct ManifestHeader<'a> {
    /// The table schema's JSON.
    pub(crate) schema: &'a Value,
    pub(crate) schema_id: i64,
    /// The id of the partition spec of `fields`.
    pub(crate) spec_id: i64,
    pub(crate) fields: &'a [PartitionField],
}

/// A manifest file of `entries`.
pub(crate) fn manifest(
    header: &ManifestHeader<'_>,
    entries: &[DataFileEntry],
    sync: [u8; 16],
) -> Vec<u8> {
    let schema = header.schema.to_string();
    let schema_id = header.schema_id.to_string();
    let spec = spec_fields(header.fields).to_string();
    let spec_id = header.spec_id.to_string();
    let records: Vec<Vec<u8>> = entries.iter().map(encode_entry).collect();
    container(
        &manifest_entry_schema(header.fields),
        &[
            ("schema", schema.as_bytes()),
            ("schema-id", schema_id.as_bytes()),
            ("partition-spec", spec.as_bytes()),
            ("partition-spec-id", spec_id.as_bytes()),
            ("format-version", b"2"),
            ("content", b"data"),
        ],
        &records,
        sync,
    )
}

/// One partition field's summary over a manifest's entries.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FieldSummary {
    pub(crate) contains_null: bool,
    pub(crate) lower_bound: Option<Vec<u8>>,
    pub(crate) upper_bound: Option<Vec<u8>>,
}

/// Each partition field's summary over `entries`: whether a value is null, and the
/// smallest and largest values (compared as the values, serialized after).
pub(crate) fn summaries(fields: usize, entries: &[DataFileEntry]) -> Vec<FieldSummary> {
    (0..fields)
        .map(|i| {
            let values = entries.iter().filter_map(|e| e.partition.get(i));
            let contains_null = values.clone().any(|v| *v == PartitionValue::Null);
            let present = values.filter(|v| **v != PartitionValue::Null);
            FieldSummary {
                contains_null,
                lower_bound: present.clone().min().and_then(PartitionValue::bound),
                upper_bound: present.max().and_then(PartitionValue::bound),
            }
        })
        .collect()
}

/// One record of a manifest list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ManifestFile {
    pub(crate) path: String,
    pub(crate) length: i64,
    /// The id of the partition spec its entries are written with.
    pub(crate) partition_spec_id: i32,
    pub(crate) sequence_number: i64,
    pub(crate) added_snapshot_id: i64,
    pub(crate) added_files: i32,
    pub(crate) added_rows: i64,
    pub(crate) partitions: Vec<FieldSummary>,
}

/// The `manifest_file` schema (v2).
pub(crate) const MANIFEST_FILE_SCHEMA: &str = r#"{"type": "record", "name": "manifest_file", "fields": [
{"name": "manifest_path", "type": "string", "field-id": 500},
{"name": "manifest_length", "type": "long", "field-id": 501},
{"name": "partition_spec_id", "type": "int", "field-id": 502},
{"name": "content", "type": "int", "field-id": 517},
{"name": "sequence_number", "type": "long", "field-id": 515},
{"name": "min_sequence_number", "type": "long", "field-id": 516},
{"name": "added_snapshot_id", "type": "long", "field-id": 503},
{"name": "added_files_count", "type": "int", "field-id": 504},
{"name": "existing_files_count", "type": "int", "field-id": 505},
{"name": "deleted_files_count", "type": "int", "field-id": 506},
{"name": "added_rows_count", "type": "long", "field-id": 512},
{"name": "existing_rows_count", "type": "long", "field-id": 513},
{"name": "deleted_rows_count", "type": "long", "field-id": 514},
{"name": "partitions", "type": ["null", {"type": "array", "items": {"type": "record", "name": "r508", "fields": [
  {"name": "contains_null", "type": "boolean", "field-id": 509},
  {"name": "contains_nan", "type": ["null", "boolean"], "default": null, "field-id": 518},
  {"name": "lower_bound", "type": ["null", "bytes"], "default": null, "field-id": 510},
  {"name": "upper_bound", "type": ["null", "bytes"], "default": null, "field-id": 511}]},
  "element-id": 508}], "default": null, "field-id": 507},
{"name": "key_metadata", "type": ["null", "bytes"], "default": null, "field-id": 519}]}"#;

fn encode_manifest_file(file: &ManifestFile) -> Vec<u8> {
    let mut out = Encoder::default();
    out.string(&file.path);
    out.long(file.length);
    out.int(file.partition_spec_id);
    out.int(0); // content: data
    out.long(file.sequence_number);
    out.long(file.sequence_number); // min_sequence_number
    out.long(file.added_snapshot_id);
    out.int(file.added_files);
    out.int(0);
    out.int(0);
    out.long(file.added_rows);
    out.long(0);
    out.long(0);
    out.optional(Some(&file.partitions), |out, partitions| {
        out.array(partitions, |out, summary| {
            out.boolean(summary.contains_null);
            out.optional(Some(false), Encoder::boolean);
            out.optional(summary.lower_bound.as_deref(), Encoder::bytes);
            out.optional(summary.upper_bound.as_deref(), Encoder::bytes);
        })
    });
    out.branch(0); // key_metadata
    out.into_bytes()
}

/// The snapshot a manifest list belongs to, as its header says.
pub(crate) struct ListHeader {
    pub(crate) snapshot_id: i64,
    pub(crate) parent_snapshot_id: Option<i64>,
    pub(crate) sequence_number: i64,
}

/// A manifest list of `files`.
pub(crate) fn manifest_list(
    header: &ListHeader,
    files: &[ManifestFile],
    sync: [u8; 16],
) -> Vec<u8> {
    let snapshot = header.snapshot_id.to_string();
    let parent = header
        .parent_snapshot_id
        .map_or_else(|| "null".to_string(), |id| id.to_string());
    let sequence = header.sequence_number.to_string();
    let records: Vec<Vec<u8>> = files.iter().map(encode_manifest_file).collect();
    container(
        MANIFEST_FILE_SCHEMA,
        &[
            ("snapshot-id", snapshot.as_bytes()),
            ("parent-snapshot-id", parent.as_bytes()),
            ("sequence-number", sequence.as_bytes()),
            ("format-version", b"2"),
        ],
        &records,
        sync,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of the v2 schemas carries the table spec's field id.
    #[test]
    fn schemas_carry_the_specifications_field_ids() {
        let list: Value = serde_json::from_str(MANIFEST_FILE_SCHEMA).unwrap();
        let ids: Vec<(String, i64)> = list["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["name"].as_str().unwrap().into(),
                    f["field-id"].as_i64().unwrap(),
                )
            })
            .collect();
        let expected = [
            ("manifest_path", 500),
            ("manifest_length", 501),
            ("partition_spec_id", 502),
            ("content", 517),
            ("sequence_number", 515),
            ("min_sequence_number", 516),
            ("added_snapshot_id", 503),
            ("added_files_count", 504),
            ("existing_files_count", 505),
            ("deleted_files_count", 506),
            ("added_rows_count", 512),
            ("existing_rows_count", 513),
            ("deleted_rows_count", 514),
            ("partitions", 507),
            ("key_metadata", 519),
        ];
        let expected: Vec<(String, i64)> =
            expected.iter().map(|(n, i)| (n.to_string(), *i)).collect();
        assert_eq!(ids, expected);

        let fields = [PartitionField {
            name: "year".into(),
            field_id: 1000,
            source_id: 3,
            kind: PartitionType::Date,
        }];
        let entry: Value = serde_json::from_str(&manifest_entry_schema(&fields)).unwrap();
        let data_file = &entry["fields"][4]["type"]["fields"];
        let ids: Vec<i64> = data_file
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field-id"].as_i64().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                134, 100, 101, 102, 103, 104, 108, 109, 110, 137, 125, 128, 131, 132, 135, 140
            ]
        );
        assert_eq!(data_file[3]["type"]["fields"][0]["field-id"], 1000);
    }

    /// (partition key, its Avro name), as Iceberg's `makeCompatibleName` escapes them.
    #[test]
    fn partition_names_are_escaped_as_avro_names() {
        let cases = [
            ("year", "year"),
            ("_day", "_day"),
            ("k2", "k2"),
            ("event-date", "event_x2Ddate"),
            ("1st", "_1st"),
            ("a.b c", "a_x2Eb_x20c"),
            ("caf\u{e9}", "caf_xE9"),
            ("9-x", "_9_x2Dx"),
            ("", "_"),
        ];
        for (name, expected) in cases {
            assert_eq!(avro_name(name), expected, "{name:?}");
        }
        // The schema names the escaped field, with its field id.
        let fields = [PartitionField {
            name: "event-date".into(),
            field_id: 1000,
            source_id: 3,
            kind: PartitionType::Date,
        }];
        let entry: Value = serde_json::from_str(&manifest_entry_schema(&fields)).unwrap();
        let partition = &entry["fields"][4]["type"]["fields"][3]["type"]["fields"][0];
        assert_eq!(partition["name"], "event_x2Ddate");
        assert_eq!(partition["field-id"], 1000);
    }

    #[test]
    fn summaries_bound_the_values_and_see_nulls() {
        let entry = |values: Vec<PartitionValue>| DataFileEntry {
            partition: values,
            ..DataFileEntry::default()
        };
        let entries = [
            entry(vec![
                PartitionValue::String("b".into()),
                PartitionValue::Int(-3),
            ]),
            entry(vec![
                PartitionValue::String("a".into()),
                PartitionValue::Null,
            ]),
            entry(vec![
                PartitionValue::String("c".into()),
                PartitionValue::Int(7),
            ]),
        ];
        let got = summaries(2, &entries);
        assert_eq!(
            got,
            [
                FieldSummary {
                    contains_null: false,
                    lower_bound: Some(b"a".to_vec()),
                    upper_bound: Some(b"c".to_vec()),
                },
                FieldSummary {
                    contains_null: true,
                    lower_bound: Some((-3i32).to_le_bytes().to_vec()),
                    upper_bound: Some(7i32.to_le_bytes().to_vec()),
                },
            ]
        );
    }
}
