//! Columns and row counts: base file footers through lakecat's Parquet classifier, and the
//! create schema (Avro JSON) through its Avro classifier when there is no base file.
//!
//! Going through the classifiers types Hudi tables exactly as the crawler types plain Parquet
//! and Avro, instead of a second type mapping to keep in step.

use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use lakecat_classifiers::classifier::Classifier;
use lakecat_classifiers::formats::avro::AvroClassifier;
use lakecat_classifiers::formats::parquet::ParquetClassifier;
use lakecat_classifiers::{
    ClassifyError, Field, HiveType, InMemoryObject, ObjectInfo, ObjectSource, StatisticsMode,
};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};

/// The `_hoodie_*` columns Hudi writes first in every record when meta fields are populated
/// (`HoodieRecord.HOODIE_META_COLUMNS`), all strings.
pub(crate) const META_FIELDS: [&str; 5] = [
    "_hoodie_commit_time",
    "_hoodie_commit_seqno",
    "_hoodie_record_key",
    "_hoodie_partition_path",
    "_hoodie_file_name",
];

/// An object in the table's store, read by range for the classifier.
struct StoreObject {
    store: Arc<dyn ObjectStore>,
    location: Path,
    info: ObjectInfo,
}

#[async_trait]
impl ObjectSource for StoreObject {
    fn info(&self) -> &ObjectInfo {
        &self.info
    }

    async fn read_range(&self, range: Range<u64>) -> Result<Bytes, ClassifyError> {
        self.store
            .get_range(&self.location, range)
            .await
            .map_err(|e| ClassifyError::Read {
                path: self.info.path.clone(),
                message: e.to_string(),
            })
    }

    /// The footer is all the reader needs: decoding data pages would read every live file.
    fn check_content(&self) -> bool {
        false
    }

    /// Column statistics are the crawler's business, not the table reader's.
    fn statistics_mode(&self) -> StatisticsMode {
        StatisticsMode::Off
    }
}

/// What a base file's footer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Footer {
    /// Its columns, typed as the Parquet classifier types them.
    pub(crate) fields: Vec<Field>,
    /// Its row count.
    pub(crate) rows: Option<u64>,
    /// Type mappings that lost something.
    pub(crate) warnings: Vec<String>,
}

/// Reads the footer of the Parquet file at `location` (`size` bytes).
pub(crate) async fn parquet_footer(
    store: Arc<dyn ObjectStore>,
    location: Path,
    size: u64,
) -> Result<Footer, String> {
    let object = StoreObject {
        info: ObjectInfo {
            path: location.to_string(),
            size,
        },
        store,
        location,
    };
    match ParquetClassifier.classify(&object).await {
        Ok(Some(found)) => Ok(Footer {
            fields: found.schema.fields,
            rows: found.properties.record_count,
            warnings: found.warnings,
        }),
        Ok(None) => Err("not a Parquet file (no footer magic)".into()),
        Err(error) => Err(error.to_string()),
    }
}

/// Appends Avro's zig-zag variable-length encoding of a non-negative length.
fn push_long(out: &mut Vec<u8>, value: usize) {
    let mut zigzag = (value as u64) << 1;
    loop {
        let byte = (zigzag & 0x7f) as u8;
        zigzag >>= 7;
        if zigzag == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The columns of `hoodie.table.create.schema`, with the `_hoodie_*` columns first when the
/// table populates them (as Hudi's `TableSchemaResolver` adds them for its sync).
///
/// The schema is wrapped in the header of an empty Avro container so that the Avro
/// classifier, which reads schemas from headers, types it.
pub(crate) async fn create_schema_fields(
    schema: &str,
    meta_fields: bool,
) -> Result<(Vec<Field>, Vec<String>), String> {
    let mut header = b"Obj\x01".to_vec();
    push_long(&mut header, 1);
    for entry in [&b"avro.schema"[..], schema.as_bytes()] {
        push_long(&mut header, entry.len());
        header.extend_from_slice(entry);
    }
    push_long(&mut header, 0);
    header.extend_from_slice(&[0; 16]);
    let object = InMemoryObject::new("hoodie.table.create.schema", header)
        .with_statistics_mode(StatisticsMode::Off);
    let found = match AvroClassifier.classify(&object).await {
        Ok(Some(found)) => found,
        Ok(None) => return Err("not an Avro schema".into()),
        Err(error) => return Err(error.to_string()),
    };
    let mut fields: Vec<Field> = Vec::new();
    if meta_fields {
        fields.extend(
            META_FIELDS
                .iter()
                .filter(|name| found.schema.field(name).is_none())
                .map(|name| Field::new(*name, HiveType::String)),
        );
    }
    fields.extend(found.schema.fields);
    Ok((fields, found.warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn create_schema_types_as_the_avro_classifier() {
        let schema = r#"{"type":"record","name":"r","namespace":"hoodie.t","fields":[
            {"name":"id","type":["int","null"]},
            {"name":"name","type":["string","null"]},
            {"name":"amount","type":[{"type":"fixed","name":"fixed","size":7,
                "logicalType":"decimal","precision":15,"scale":2},"null"]},
            {"name":"day","type":[{"type":"int","logicalType":"date"},"null"]},
            {"name":"at","type":[{"type":"long","logicalType":"timestamp-micros"},"null"]},
            {"name":"tags","type":[{"type":"array","items":["string","null"]},"null"]},
            {"name":"attrs","type":{"type":"map","values":"long"}},
            {"name":"inner","type":{"type":"record","name":"inner","fields":[
                {"name":"a","type":"double"}]}}]}"#;
        let (fields, warnings) = create_schema_fields(schema, true).await.unwrap_or_default();
        let typed: Vec<String> = fields
            .iter()
            .map(|f| format!("{} {}", f.name, f.data_type))
            .collect();
        assert_eq!(
            typed,
            [
                "_hoodie_commit_time string",
                "_hoodie_commit_seqno string",
                "_hoodie_record_key string",
                "_hoodie_partition_path string",
                "_hoodie_file_name string",
                "id int",
                "name string",
                "amount decimal(15,2)",
                "day date",
                "at timestamp",
                "tags array<string>",
                "attrs map<string,bigint>",
                "inner struct<a:double>",
            ]
        );
        assert!(warnings.is_empty());
        let (fields, _) = create_schema_fields(schema, false)
            .await
            .unwrap_or_default();
        assert_eq!(fields.first().map(|f| f.name.as_str()), Some("id"));
        assert!(create_schema_fields("{not json", true).await.is_err());
        assert!(
            create_schema_fields(r#"{"type":"nothing"}"#, true)
                .await
                .is_err()
        );
    }

    #[test]
    fn avro_lengths() {
        let encode = |n| {
            let mut out = Vec::new();
            push_long(&mut out, n);
            out
        };
        assert_eq!(encode(0), [0]);
        assert_eq!(encode(1), [2]);
        assert_eq!(encode(63), [126]);
        assert_eq!(encode(64), [0x80, 1]);
        assert_eq!(encode(300), [0xd8, 0x04]);
    }
}
