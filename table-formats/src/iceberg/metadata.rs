//! One `*.metadata.json` file: the few fields a catalog records, parsed leniently.
//!
//! Only what the reader uses is declared; serde skips every other field, so fields added by
//! later format versions or by other writers do not stop a file from parsing. Types are kept
//! as JSON values (converted by `types`) so that one type lakecat does not know costs one
//! column's type, not the whole table.

use std::collections::BTreeMap;
use std::io::Read;

use serde::Deserialize;
use serde_json::Value;

/// A gzip stream starts with these two bytes; content, not the name, decides, since some
/// writers name gzip files `.metadata.json` and a name can lie.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The most a gzip metadata file may inflate to. Real metadata files stay below tens of
/// megabytes even with thousands of snapshots; this only stops a hostile file from filling
/// memory.
const MAX_INFLATED_BYTES: u64 = 512 * 1024 * 1024;

/// The fields of table metadata (spec "Table Metadata Fields") the reader uses.
#[derive(Debug, Deserialize)]
pub(super) struct TableMetadata {
    #[serde(rename = "format-version")]
    pub(super) format_version: u32,
    #[serde(rename = "table-uuid", default)]
    pub(super) table_uuid: Option<String>,
    #[serde(default)]
    pub(super) location: Option<String>,
    #[serde(rename = "last-sequence-number", default)]
    pub(super) last_sequence_number: Option<i64>,
    #[serde(rename = "last-updated-ms", default)]
    pub(super) last_updated_ms: Option<i64>,
    #[serde(default)]
    pub(super) schemas: Option<Vec<Schema>>,
    #[serde(rename = "current-schema-id", default)]
    pub(super) current_schema_id: Option<i64>,
    /// Format v1's single schema; v1 writers may also write `schemas`, which then wins
    /// (PyIceberg keeps writing the first schema here after the schema evolves).
    #[serde(default)]
    pub(super) schema: Option<Schema>,
    #[serde(rename = "partition-specs", default)]
    pub(super) partition_specs: Option<Vec<PartitionSpec>>,
    #[serde(rename = "default-spec-id", default)]
    pub(super) default_spec_id: Option<i64>,
    /// Format v1's single spec: its fields only.
    #[serde(rename = "partition-spec", default)]
    pub(super) partition_spec: Option<Vec<PartitionField>>,
    #[serde(default)]
    pub(super) properties: Option<BTreeMap<String, Value>>,
    #[serde(rename = "current-snapshot-id", default)]
    pub(super) current_snapshot_id: Option<i64>,
    #[serde(default)]
    pub(super) snapshots: Option<Vec<Snapshot>>,
    #[serde(rename = "metadata-log", default)]
    pub(super) metadata_log: Option<Vec<MetadataLogEntry>>,
}

/// A schema: a struct with an id.
#[derive(Debug, Deserialize)]
pub(super) struct Schema {
    #[serde(rename = "schema-id", default)]
    pub(super) schema_id: Option<i64>,
    #[serde(default)]
    pub(super) fields: Vec<Field>,
}

/// A field of a schema or struct.
#[derive(Debug, Deserialize)]
pub(super) struct Field {
    pub(super) id: i64,
    pub(super) name: String,
    #[serde(default)]
    pub(super) required: bool,
    #[serde(rename = "type")]
    pub(super) field_type: Value,
    #[serde(default)]
    pub(super) doc: Option<String>,
}

/// A partition spec of format v2 and later.
#[derive(Debug, Deserialize)]
pub(super) struct PartitionSpec {
    #[serde(rename = "spec-id", default)]
    pub(super) spec_id: Option<i64>,
    #[serde(default)]
    pub(super) fields: Vec<PartitionField>,
}

/// A partition field: a transform of a source column.
#[derive(Debug, Deserialize)]
pub(super) struct PartitionField {
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) transform: Option<String>,
    #[serde(rename = "source-id", default)]
    pub(super) source_id: Option<i64>,
}

/// A snapshot: only its id and summary.
#[derive(Debug, Deserialize)]
pub(super) struct Snapshot {
    #[serde(rename = "snapshot-id")]
    pub(super) snapshot_id: i64,
    #[serde(default)]
    pub(super) summary: Option<BTreeMap<String, Value>>,
}

/// An earlier metadata file of the table.
#[derive(Debug, Deserialize)]
pub(super) struct MetadataLogEntry {
    #[serde(rename = "metadata-file")]
    pub(super) metadata_file: String,
}

impl TableMetadata {
    /// The current snapshot's id: `None` when the table has none (absent, `null`, or the
    /// `-1` older Java writers put there).
    pub(super) fn current_snapshot(&self) -> Option<i64> {
        self.current_snapshot_id.filter(|id| *id != -1)
    }

    /// The schemas, v1's lone `schema` standing in when there is no `schemas` list, and
    /// the current schema's id (as PyIceberg reads them: a missing id is 0).
    pub(super) fn schemas_and_current(&self) -> (Vec<&Schema>, i64) {
        match (&self.schemas, &self.schema) {
            (Some(schemas), _) if !schemas.is_empty() => (
                schemas.iter().collect(),
                self.current_schema_id.unwrap_or(0),
            ),
            (_, Some(schema)) => (
                vec![schema],
                self.current_schema_id.or(schema.schema_id).unwrap_or(0),
            ),
            _ => (Vec::new(), self.current_schema_id.unwrap_or(0)),
        }
    }

    /// The fields of the default partition spec (v1: `partition-spec`).
    pub(super) fn default_partition_fields(&self) -> &[PartitionField] {
        if let Some(specs) = &self.partition_specs {
            let default = specs
                .iter()
                .find(|spec| spec.spec_id == self.default_spec_id)
                .or_else(|| specs.last());
            if let Some(spec) = default {
                return &spec.fields;
            }
        }
        self.partition_spec.as_deref().unwrap_or_default()
    }

    /// The URLs of earlier metadata files, oldest first.
    pub(super) fn log_files(&self) -> Vec<String> {
        self.metadata_log
            .iter()
            .flatten()
            .map(|entry| entry.metadata_file.clone())
            .collect()
    }
}

/// Parses a metadata file's bytes, inflating gzip first.
pub(super) fn parse(bytes: &[u8]) -> Result<TableMetadata, String> {
    parse_json(&inflate(bytes)?)
}

/// A metadata file's JSON text: its bytes, inflated when they are gzip.
pub(super) fn inflate(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, String> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(MAX_INFLATED_BYTES + 1)
        .read_to_end(&mut inflated)
        .map_err(|error| format!("gzip: {error}"))?;
    if inflated.len() as u64 > MAX_INFLATED_BYTES {
        return Err(format!(
            "inflates to more than {} MiB",
            MAX_INFLATED_BYTES / 1024 / 1024
        ));
    }
    Ok(std::borrow::Cow::Owned(inflated))
}

fn parse_json(bytes: &[u8]) -> Result<TableMetadata, String> {
    serde_json::from_slice(bytes).map_err(|error| error.to_string())
}

/// A summary or property value as text: the spec says strings, some writers put numbers.
pub(super) fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A summary count: a string of digits (or a JSON number) that fits `u64`.
pub(super) fn summary_count(summary: &BTreeMap<String, Value>, key: &str) -> Option<u64> {
    match summary.get(key)? {
        Value::String(text) => text.trim().parse().ok(),
        Value::Number(number) => number.as_u64(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn unknown_fields_are_ignored_and_gzip_is_inflated() {
        let json = br#"{"format-version": 2, "table-uuid": "u", "location": "s3://b/t",
            "last-sequence-number": 3, "future-field": {"x": [1, 2]},
            "schemas": [{"type": "struct", "schema-id": 0, "fields": []}],
            "current-schema-id": 0}"#;
        let plain = parse(json).unwrap();
        assert_eq!(plain.format_version, 2);
        assert_eq!(plain.last_sequence_number, Some(3));

        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(json).unwrap();
        let gzipped = parse(&encoder.finish().unwrap()).unwrap();
        assert_eq!(gzipped.table_uuid.as_deref(), Some("u"));
    }

    #[test]
    fn truncated_files_do_not_parse() {
        assert!(parse(br#"{"format-version": 2, "table-uuid": "#).is_err());
        assert!(parse(b"").is_err());
        assert!(
            parse(br#"{"table-uuid": "u"}"#).is_err(),
            "format-version is required"
        );
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(br#"{"format-version": 2}"#).unwrap();
        let full = encoder.finish().unwrap();
        assert!(parse(&full[..full.len() / 2]).is_err());
    }

    #[test]
    fn no_current_snapshot_reads_as_none() {
        for (json, expected) in [
            (r#"{"format-version": 1, "current-snapshot-id": -1}"#, None),
            (
                r#"{"format-version": 2, "current-snapshot-id": null}"#,
                None,
            ),
            (r#"{"format-version": 2}"#, None),
            (
                r#"{"format-version": 2, "current-snapshot-id": 7}"#,
                Some(7),
            ),
        ] {
            assert_eq!(
                parse(json.as_bytes()).unwrap().current_snapshot(),
                expected,
                "{json}"
            );
        }
    }

    #[test]
    fn v1_schema_stands_in_only_without_schemas() {
        let only_v1 = parse(
            br#"{"format-version": 1, "schema": {"type": "struct", "fields":
                [{"id": 1, "name": "a", "required": false, "type": "int"}]}}"#,
        )
        .unwrap();
        let (schemas, current) = only_v1.schemas_and_current();
        assert_eq!((schemas.len(), current), (1, 0));
        assert_eq!(schemas[0].fields[0].name, "a");

        let both = parse(
            br#"{"format-version": 1, "current-schema-id": 1,
                "schema": {"type": "struct", "schema-id": 0, "fields": []},
                "schemas": [{"type": "struct", "schema-id": 0, "fields": []},
                            {"type": "struct", "schema-id": 1, "fields": []}]}"#,
        )
        .unwrap();
        let (schemas, current) = both.schemas_and_current();
        assert_eq!((schemas.len(), current), (2, 1));
    }

    #[test]
    fn summary_counts_accept_strings_and_numbers() {
        let summary: BTreeMap<String, Value> =
            serde_json::from_str(r#"{"a": "12", "b": 13, "c": "x", "d": "-1", "e": " 7 "}"#)
                .unwrap();
        let cases = [
            ("a", Some(12)),
            ("b", Some(13)),
            ("c", None),
            ("d", None),
            ("e", Some(7)),
            ("z", None),
        ];
        for (key, expected) in cases {
            assert_eq!(summary_count(&summary, key), expected, "{key}");
        }
    }
}
