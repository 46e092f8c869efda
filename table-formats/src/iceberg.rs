//! Reading Apache Iceberg tables from their current `metadata/*.metadata.json` file alone.
//!
//! Everything a catalog records of an Iceberg table is in that one JSON file (spec
//! `format/spec.md` in `github:apache/iceberg`, format versions 1 to 3): schemas, partition
//! specs, properties and the current snapshot's summary with its file and row totals.
//! Manifest lists and manifests (Avro) are not read. The file is found by listing the
//! `metadata/` folder only (`choose`), and its columns are written as PyIceberg's Glue catalog
//! writes them (`types`), so engines see the same table whether PyIceberg or a crawl
//! registered it. See docs/decisions/0002-open-table-formats.md.

mod avro;
mod choose;
pub mod commit;
pub mod generated;
mod hive_types;
mod manifest;
mod metadata;
mod types;

use std::collections::BTreeMap;

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::{LiveFiles, OpenTable, TableFormat, TableFormatError, TableRoot};
use choose::{Chosen, with_slash};
use metadata::TableMetadata;

/// The format's highest version this reader knows; newer files are read for what parses.
const NEWEST_FORMAT_VERSION: u32 = 3;

/// What the crawler needs of one metadata file to move a catalog's `metadata_location`
/// safely: whether a file found on disk descends from the one the catalog points at
/// ([`IcebergMetadataSummary::descends_from`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcebergMetadataSummary {
    /// The file's URL: what a catalog's `metadata_location` names.
    pub metadata_location: String,
    /// `format-version`.
    pub format_version: u32,
    /// `table-uuid` (optional in format v1): the table's identity across renames and copies.
    pub table_uuid: Option<String>,
    /// `last-sequence-number`: grows with every commit that adds a snapshot (0 in format v1).
    pub last_sequence_number: i64,
    /// `last-updated-ms`, when the file has it.
    pub last_updated_ms: Option<i64>,
    /// `current-snapshot-id`, `None` for a table without snapshots.
    pub current_snapshot_id: Option<i64>,
    /// The earlier metadata files the file lists (`metadata-log`, oldest first, as URLs).
    /// Writers keep only the newest ones (`write.metadata.previous-versions-max`, 100).
    pub metadata_log: Vec<String>,
}

impl IcebergMetadataSummary {
    /// Whether this file is a later version of the table whose metadata file is at
    /// `older_location` (with `older`, that file's summary, when it could still be read): the
    /// same table (`table-uuid`, when both have one) and either `older_location` is in this
    /// file's `metadata-log`, or this file's `last-sequence-number` is higher (needs
    /// `older`, and both files' uuids: only then are sequence numbers comparable). The same
    /// file is no descendant of itself. URLs compare with `s3a://`/`s3n://` read as `s3://`
    /// and `file:/p` as `file:///p`.
    pub fn descends_from(
        &self,
        older_location: &str,
        older: Option<&IcebergMetadataSummary>,
    ) -> bool {
        if same_url(&self.metadata_location, older_location) {
            return false;
        }
        if let Some(older) = older
            && let (Some(mine), Some(theirs)) = (&self.table_uuid, &older.table_uuid)
            && mine != theirs
        {
            return false;
        }
        if self
            .metadata_log
            .iter()
            .any(|file| same_url(file, older_location))
        {
            return true;
        }
        older.is_some_and(|older| {
            self.table_uuid.is_some()
                && self.table_uuid == older.table_uuid
                && self.last_sequence_number > older.last_sequence_number
        })
    }

    fn of(metadata: &TableMetadata, metadata_location: String) -> IcebergMetadataSummary {
        IcebergMetadataSummary {
            metadata_location,
            format_version: metadata.format_version,
            table_uuid: metadata.table_uuid.clone(),
            last_sequence_number: metadata.last_sequence_number.unwrap_or(0),
            last_updated_ms: metadata.last_updated_ms,
            current_snapshot_id: metadata.current_snapshot(),
            metadata_log: metadata.log_files(),
        }
    }
}

/// An Iceberg table as its current metadata file describes it, with what a crawler needs to
/// update a catalog's pointer to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentMetadata {
    /// The table as the catalog records it.
    pub table: OpenTable,
    /// The metadata file chosen.
    pub summary: IcebergMetadataSummary,
    /// URLs of other files with the chosen file's version number: orphans of commits that
    /// lost the catalog's swap, or the current file if the chosen one is the orphan. Without
    /// the catalog which one is current cannot be known for certain, so a crawler should not
    /// move an existing pointer while this is not empty.
    pub rivals: Vec<String>,
}

/// Reads the table at `root` from its current metadata file.
pub async fn read(root: &TableRoot) -> Result<OpenTable, TableFormatError> {
    Ok(read_current(root).await?.table)
}

/// Reads the table at `root` from its current metadata file, found by listing
/// `<root>/metadata/` (the version hint, else the highest version; files that do not parse
/// are skipped for the next lower version), with that file's summary.
pub async fn read_current(root: &TableRoot) -> Result<CurrentMetadata, TableFormatError> {
    let chosen = choose::choose(root).await?;
    Ok(assemble(root, chosen))
}

/// Reads the summary of the metadata file at `path` in `store`, whose URL is `url`: the file
/// a catalog's `metadata_location` names, to compare with a file found on disk.
pub async fn read_metadata_file(
    store: &dyn ObjectStore,
    path: &Path,
    url: &str,
) -> Result<IcebergMetadataSummary, TableFormatError> {
    let bytes = match store.get(path).await {
        Ok(result) => result.bytes().await,
        Err(error) => Err(error),
    }
    .map_err(|error| TableFormatError::read(url, &error))?;
    let metadata = metadata::parse(&bytes).map_err(|message| TableFormatError::Invalid {
        path: url.to_string(),
        format: TableFormat::Iceberg.display_name(),
        message,
    })?;
    Ok(IcebergMetadataSummary::of(&metadata, url.to_string()))
}

/// Reads the metadata file at `path` in `store` (whose URL is `url`) as the JSON document it
/// holds, gzip inflated: what an Iceberg REST catalog hands clients as the table's metadata.
/// A file that does not read as table metadata (no `format-version`, a wrong type) is
/// refused, so a pointer at any other file is never served as a table.
pub async fn read_metadata_document(
    store: &dyn ObjectStore,
    path: &Path,
    url: &str,
) -> Result<serde_json::Value, TableFormatError> {
    let bytes = match store.get(path).await {
        Ok(result) => result.bytes().await,
        Err(error) => Err(error),
    }
    .map_err(|error| TableFormatError::read(url, &error))?;
    let invalid = |message: String| TableFormatError::Invalid {
        path: url.to_string(),
        format: TableFormat::Iceberg.display_name(),
        message,
    };
    let text = metadata::inflate(&bytes).map_err(invalid)?;
    metadata::parse(&text).map_err(invalid)?;
    serde_json::from_slice(&text).map_err(|error| invalid(error.to_string()))
}

/// The catalog's view of the chosen file.
fn assemble(root: &TableRoot, chosen: Chosen) -> CurrentMetadata {
    let Chosen {
        name,
        metadata,
        rivals,
        mut notes,
    } = chosen;
    let folder_url = format!("{}metadata/", with_slash(&root.url));
    let metadata_location = format!("{folder_url}{name}");

    if metadata.format_version > NEWEST_FORMAT_VERSION || metadata.format_version == 0 {
        notes.push(format!(
            "format version {} is not one lakecat knows (1 to {NEWEST_FORMAT_VERSION}): read \
             what parses",
            metadata.format_version
        ));
    }

    let location = match metadata
        .location
        .as_deref()
        .filter(|l| !l.trim().is_empty())
    {
        Some(location) => {
            let location = with_slash(location.trim());
            if !same_url(
                location.trim_end_matches('/'),
                root.url.trim_end_matches('/'),
            ) {
                notes.push(format!(
                    "the metadata places the table at {location} but it was found at {}: \
                     copied or moved (its manifests still name files under the old place)",
                    with_slash(&root.url)
                ));
            }
            location
        }
        None => {
            notes.push("the metadata gives no location: the folder found is used".to_string());
            with_slash(&root.url)
        }
    };

    let (schemas, current_schema_id) = metadata.schemas_and_current();
    let columns = types::columns(&schemas, current_schema_id, &mut notes);

    // PyIceberg's Glue catalog (`_construct_parameters`) writes the table's properties as
    // parameters, then its own two keys; here its keys win over a property of the same name.
    let mut parameters: BTreeMap<String, String> = metadata
        .properties
        .iter()
        .flatten()
        .map(|(key, value)| (key.clone(), metadata::value_text(value)))
        .collect();
    parameters.insert("table_type".to_string(), "ICEBERG".to_string());
    parameters.insert("metadata_location".to_string(), metadata_location.clone());

    let files = live_files(&metadata, &mut notes);

    let mut version = format!("{name} (format v{}", metadata.format_version);
    match metadata.current_snapshot() {
        Some(id) => version.push_str(&format!(", snapshot {id}")),
        None => version.push_str(", no snapshot"),
    }
    if metadata.format_version >= 2 {
        version.push_str(&format!(
            ", sequence {}",
            metadata.last_sequence_number.unwrap_or(0)
        ));
    }
    if let Some(partitioning) = partitioning(&metadata) {
        version.push_str(&format!(", partitioned by {partitioning}"));
    }
    version.push(')');

    let summary = IcebergMetadataSummary::of(&metadata, metadata_location);
    let table = OpenTable {
        format: TableFormat::Iceberg,
        name: None,
        location,
        columns,
        partition_keys: Vec::new(),
        partitions: Vec::new(),
        parameters,
        storage: None,
        files,
        version,
        notes,
    };
    let rivals = rivals
        .into_iter()
        .map(|rival| format!("{folder_url}{rival}"))
        .collect();
    CurrentMetadata {
        table,
        summary,
        rivals,
    }
}

/// The live files of the current snapshot from its summary (spec Appendix F: the `total-*`
/// fields are optional, but Java and PyIceberg write them). Rows are `total-records` less
/// the position and equality deletes: an estimate when there are deletes, since an equality
/// delete may match no row or several, and a position delete may repeat one.
fn live_files(metadata: &TableMetadata, notes: &mut Vec<String>) -> Option<LiveFiles> {
    let Some(snapshot_id) = metadata.current_snapshot() else {
        // No snapshot: an empty table.
        return Some(LiveFiles::default());
    };
    let Some(snapshot) = metadata
        .snapshots
        .iter()
        .flatten()
        .find(|snapshot| snapshot.snapshot_id == snapshot_id)
    else {
        notes.push(format!(
            "the current snapshot {snapshot_id} is not among the snapshots: file and row \
             counts unknown"
        ));
        return None;
    };
    let Some(summary) = &snapshot.summary else {
        notes.push(format!(
            "snapshot {snapshot_id} has no summary: file and row counts unknown"
        ));
        return None;
    };
    let count = |key| metadata::summary_count(summary, key);
    let (Some(files), Some(bytes), Some(total_records)) = (
        count("total-data-files"),
        count("total-files-size"),
        count("total-records"),
    ) else {
        notes.push(format!(
            "snapshot {snapshot_id}'s summary lacks total-data-files, total-files-size or \
             total-records: file and row counts unknown"
        ));
        return None;
    };
    let delete_files = count("total-delete-files").unwrap_or(0);
    let position_deletes = count("total-position-deletes");
    let equality_deletes = count("total-equality-deletes");
    let deleted = position_deletes
        .unwrap_or(0)
        .saturating_add(equality_deletes.unwrap_or(0));
    let records = total_records.saturating_sub(deleted);
    let records_estimated = deleted > 0 || delete_files > 0;
    if records_estimated {
        notes.push(format!(
            "{delete_files} delete files ({} position deletes, {} equality deletes) against \
             {total_records} records: {records} rows is an estimate",
            position_deletes.map_or_else(|| "unknown".to_string(), |n| n.to_string()),
            equality_deletes.map_or_else(|| "unknown".to_string(), |n| n.to_string()),
        ));
    }
    Some(LiveFiles {
        files,
        bytes,
        records,
        records_estimated,
    })
}

/// The default partition spec in words (`identity(region), day(sold_at)`), `None` when
/// unpartitioned. Source columns are named from the current schema's top-level fields, else
/// by the partition field's own name.
fn partitioning(metadata: &TableMetadata) -> Option<String> {
    let (schemas, current_schema_id) = metadata.schemas_and_current();
    let current = schemas
        .iter()
        .find(|schema| schema.schema_id.unwrap_or(0) == current_schema_id);
    let fields: Vec<String> = metadata
        .default_partition_fields()
        .iter()
        .filter(|field| field.transform.as_deref() != Some("void"))
        .map(|field| {
            let source = current
                .and_then(|schema| {
                    schema
                        .fields
                        .iter()
                        .find(|column| Some(column.id) == field.source_id)
                })
                .map(|column| column.name.as_str())
                .or(field.name.as_deref())
                .unwrap_or("?");
            format!("{}({source})", field.transform.as_deref().unwrap_or("?"))
        })
        .collect();
    (!fields.is_empty()).then(|| fields.join(", "))
}

/// Whether two URLs name the same object, allowing for the spellings writers use.
fn same_url(a: &str, b: &str) -> bool {
    normalized(a) == normalized(b)
}

fn normalized(url: &str) -> String {
    let url = url.trim();
    if let Some(rest) = url
        .strip_prefix("s3a://")
        .or_else(|| url.strip_prefix("s3n://"))
    {
        return format!("s3://{rest}");
    }
    if let Some(rest) = url.strip_prefix("file:") {
        return format!("file:///{}", rest.trim_start_matches('/'));
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use object_store::PutPayload;
    use object_store::memory::InMemory;

    use super::*;

    async fn root_with(files: &[(&str, &str)]) -> TableRoot {
        let store = Arc::new(InMemory::new());
        for (name, text) in files {
            store
                .put(
                    &Path::from(format!("wh/db/t/{name}")),
                    PutPayload::from(text.as_bytes().to_vec()),
                )
                .await
                .unwrap();
        }
        TableRoot {
            store: store as Arc<dyn ObjectStore>,
            path: Path::from("wh/db/t"),
            url: "s3://bucket/wh/db/t/".to_string(),
        }
    }

    const V2: &str = r#"{
      "format-version": 2,
      "table-uuid": "9c12d441-03fe-4693-9a96-a0705ddf69c1",
      "location": "s3://bucket/wh/db/t",
      "last-sequence-number": 34,
      "last-updated-ms": 1602638573590,
      "last-column-id": 3,
      "current-schema-id": 1,
      "schemas": [
        {"type": "struct", "schema-id": 0, "fields": [
          {"id": 1, "name": "x", "required": true, "type": "long"}]},
        {"type": "struct", "schema-id": 1, "identifier-field-ids": [1, 2], "fields": [
          {"id": 1, "name": "x", "required": true, "type": "long"},
          {"id": 2, "name": "y", "required": true, "type": "long", "doc": "comment"},
          {"id": 3, "name": "z", "required": false, "type": "timestamptz_ns"}]}],
      "default-spec-id": 0,
      "partition-specs": [{"spec-id": 0, "fields": [
        {"name": "x", "transform": "identity", "source-id": 1, "field-id": 1000},
        {"name": "z_day", "transform": "day", "source-id": 3, "field-id": 1001}]}],
      "last-partition-id": 1001,
      "default-sort-order-id": 0,
      "sort-orders": [{"order-id": 0, "fields": []}],
      "properties": {"owner": "ana", "write.format.default": "parquet",
                     "table_type": "hive"},
      "current-snapshot-id": 3055729675574597004,
      "snapshots": [
        {"snapshot-id": 3051729675574597004, "timestamp-ms": 1515100955770,
         "sequence-number": 0, "summary": {"operation": "append"},
         "manifest-list": "s3://a/b/1.avro"},
        {"snapshot-id": 3055729675574597004, "parent-snapshot-id": 3051729675574597004,
         "timestamp-ms": 1555100955770, "sequence-number": 1,
         "summary": {"operation": "overwrite", "total-data-files": "4",
                     "total-files-size": "9000", "total-records": "100",
                     "total-delete-files": "2", "total-position-deletes": "7",
                     "total-equality-deletes": "3"},
         "manifest-list": "s3://a/b/2.avro", "schema-id": 1}],
      "snapshot-log": [],
      "metadata-log": [
        {"metadata-file": "s3a://bucket/wh/db/t/metadata/00000-a.metadata.json",
         "timestamp-ms": 1515100955770}]
    }"#;

    #[tokio::test]
    async fn v2_metadata_reads_as_glue_would_record_it() {
        let root = root_with(&[
            ("metadata/00000-a.metadata.json", r#"{"format-version": 2}"#),
            ("metadata/00001-b.metadata.json", V2),
        ])
        .await;
        let current = read_current(&root).await.unwrap();
        let table = current.table;
        assert_eq!(table.format, TableFormat::Iceberg);
        assert_eq!(table.name, None);
        assert_eq!(table.location, "s3://bucket/wh/db/t/");
        let columns: Vec<(&str, &str, &str)> = table
            .columns
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.type_name.as_str(),
                    c.parameters["iceberg.field.current"].as_str(),
                )
            })
            .collect();
        assert_eq!(
            columns,
            [
                ("x", "bigint", "true"),
                ("y", "bigint", "true"),
                ("z", "timestamp", "true")
            ]
        );
        assert_eq!(table.columns[1].comment.as_deref(), Some("comment"));
        assert_eq!(
            table.columns[1].parameters["iceberg.field.optional"],
            "false"
        );
        assert_eq!(
            table.parameters,
            BTreeMap::from([
                ("owner".to_string(), "ana".to_string()),
                ("write.format.default".to_string(), "parquet".to_string()),
                ("table_type".to_string(), "ICEBERG".to_string()),
                (
                    "metadata_location".to_string(),
                    "s3://bucket/wh/db/t/metadata/00001-b.metadata.json".to_string()
                ),
            ])
        );
        assert!(table.partition_keys.is_empty() && table.partitions.is_empty());
        assert_eq!(table.storage, None);
        assert_eq!(
            table.files,
            Some(LiveFiles {
                files: 4,
                bytes: 9000,
                records: 90,
                records_estimated: true
            })
        );
        assert_eq!(
            table.version,
            "00001-b.metadata.json (format v2, snapshot 3055729675574597004, sequence 34, \
             partitioned by identity(x), day(z))"
        );
        // timestamptz_ns and the estimate; the location matches.
        assert_eq!(table.notes.len(), 2, "{:?}", table.notes);

        let summary = current.summary;
        assert_eq!(summary.last_sequence_number, 34);
        assert_eq!(
            summary.table_uuid.as_deref(),
            Some("9c12d441-03fe-4693-9a96-a0705ddf69c1")
        );
        assert!(summary.descends_from("s3://bucket/wh/db/t/metadata/00000-a.metadata.json", None));
        assert!(current.rivals.is_empty());
    }

    #[tokio::test]
    async fn v1_metadata_without_schemas_or_specs_lists() {
        let v1 = r#"{
          "format-version": 1,
          "location": "file:/data/t/",
          "last-updated-ms": 1602638573874,
          "last-column-id": 3,
          "schema": {"type": "struct", "fields": [
            {"id": 1, "name": "x", "required": true, "type": "long"},
            {"id": 2, "name": "y", "required": false, "type": "decimal(9, 2)", "doc": ""},
            {"id": 3, "name": "z", "required": false, "type":
              {"type": "list", "element-id": 4, "element": "fixed[3]", "element-required": true}}]},
          "partition-spec": [{"name": "x", "transform": "bucket[16]", "source-id": 1}],
          "properties": {},
          "current-snapshot-id": -1,
          "snapshots": []
        }"#;
        let store = Arc::new(InMemory::new());
        store
            .put(
                &Path::from("metadata/v1.metadata.json"),
                PutPayload::from(v1.as_bytes().to_vec()),
            )
            .await
            .unwrap();
        let root = TableRoot {
            store: store as Arc<dyn ObjectStore>,
            path: Path::from(""),
            url: "file:///data/t".to_string(),
        };
        let table = read(&root).await.unwrap();
        let columns: Vec<(&str, &str, Option<&str>)> = table
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.type_name.as_str(), c.comment.as_deref()))
            .collect();
        assert_eq!(
            columns,
            [
                ("x", "bigint", None),
                ("y", "decimal(9,2)", None),
                ("z", "array<binary>", None)
            ]
        );
        assert_eq!(table.location, "file:/data/t/");
        assert_eq!(
            table.files,
            Some(LiveFiles::default()),
            "no snapshot: empty"
        );
        assert_eq!(
            table.version,
            "v1.metadata.json (format v1, no snapshot, partitioned by bucket[16](x))"
        );
        assert_eq!(
            table.parameters["metadata_location"],
            "file:///data/t/metadata/v1.metadata.json"
        );
        assert!(table.notes.is_empty(), "{:?}", table.notes);
    }

    #[tokio::test]
    async fn v3_and_newer_formats_read_what_parses() {
        let v3 = r#"{
          "format-version": 3, "table-uuid": "u", "location": "s3://elsewhere/t",
          "last-sequence-number": 2, "next-row-id": 50, "current-schema-id": 0,
          "schemas": [{"type": "struct", "schema-id": 0, "fields": [
            {"id": 1, "name": "v", "required": false, "type": "variant"},
            {"id": 2, "name": "g", "required": false, "type": "geometry(srid:4326)"},
            {"id": 3, "name": "n", "required": false, "type": "unknown"},
            {"id": 4, "name": "t", "required": false, "type": "timestamp_ns",
             "initial-default": 0}]}],
          "partition-specs": [{"spec-id": 0, "fields": []}], "default-spec-id": 0,
          "current-snapshot-id": 5,
          "snapshots": [{"snapshot-id": 5, "sequence-number": 2, "first-row-id": 0,
            "added-rows": 50, "summary": {"operation": "append",
            "total-data-files": "1", "total-files-size": "10", "total-records": "50"}}]
        }"#;
        let root = root_with(&[("metadata/00002-c.metadata.json", v3)]).await;
        let table = read(&root).await.unwrap();
        let types: Vec<&str> = table.columns.iter().map(|c| c.type_name.as_str()).collect();
        assert_eq!(types, ["string", "binary", "string", "timestamp"]);
        assert_eq!(
            table.files,
            Some(LiveFiles {
                files: 1,
                bytes: 10,
                records: 50,
                records_estimated: false
            })
        );
        // Four substituted types and the moved location.
        assert_eq!(table.notes.len(), 5, "{:?}", table.notes);
        assert!(table.notes.iter().any(|n| n.contains("s3://elsewhere/t/")));

        let v4 = v3.replace(r#""format-version": 3"#, r#""format-version": 4"#);
        let root = root_with(&[("metadata/00002-c.metadata.json", &v4)]).await;
        let table = read(&root).await.unwrap();
        assert_eq!(table.columns.len(), 4);
        assert!(table.notes.iter().any(|n| n.contains("format version 4")));
    }

    /// (summary JSON, expected files) for the current snapshot.
    #[test]
    fn summaries_become_live_files() {
        let live = |files, bytes, records, records_estimated| {
            Some(LiveFiles {
                files,
                bytes,
                records,
                records_estimated,
            })
        };
        let cases = [
            (
                r#"{"total-data-files": "3", "total-files-size": "300", "total-records": "30"}"#,
                live(3, 300, 30, false),
            ),
            (
                r#"{"total-data-files": "3", "total-files-size": "300", "total-records": "30",
                    "total-delete-files": "0", "total-position-deletes": "0",
                    "total-equality-deletes": "0"}"#,
                live(3, 300, 30, false),
            ),
            (
                r#"{"total-data-files": "3", "total-files-size": "300", "total-records": "30",
                    "total-delete-files": "1", "total-position-deletes": "4"}"#,
                live(3, 300, 26, true),
            ),
            (
                r#"{"total-data-files": "3", "total-files-size": "300", "total-records": "30",
                    "total-delete-files": "2", "total-position-deletes": "25",
                    "total-equality-deletes": "25"}"#,
                live(3, 300, 0, true),
            ),
            (
                // Delete files whose counts are not given.
                r#"{"total-data-files": "3", "total-files-size": "300", "total-records": "30",
                    "total-delete-files": "1"}"#,
                live(3, 300, 30, true),
            ),
            (r#"{"total-data-files": "3", "total-records": "30"}"#, None),
            (r#"{"operation": "append"}"#, None),
            (
                r#"{"total-data-files": "x", "total-files-size": "300", "total-records": "30"}"#,
                None,
            ),
        ];
        for (summary, expected) in cases {
            let metadata = metadata::parse(
                format!(
                    r#"{{"format-version": 2, "current-snapshot-id": 1,
                        "snapshots": [{{"snapshot-id": 1, "summary": {summary}}}]}}"#
                )
                .as_bytes(),
            )
            .unwrap();
            let mut notes = Vec::new();
            assert_eq!(live_files(&metadata, &mut notes), expected, "{summary}");
            let expect_note = expected.is_none_or(|files| files.records_estimated);
            assert_eq!(
                notes.len(),
                usize::from(expect_note),
                "{summary}: {notes:?}"
            );
        }

        let mut notes = Vec::new();
        let dangling =
            metadata::parse(br#"{"format-version": 2, "current-snapshot-id": 9, "snapshots": []}"#)
                .unwrap();
        assert_eq!(live_files(&dangling, &mut notes), None);
        let no_summary = metadata::parse(
            br#"{"format-version": 1, "current-snapshot-id": 9, "snapshots": [{"snapshot-id": 9}]}"#,
        )
        .unwrap();
        assert_eq!(live_files(&no_summary, &mut notes), None);
        assert_eq!(notes.len(), 2);
    }

    fn summary(
        location: &str,
        uuid: Option<&str>,
        sequence: i64,
        log: &[&str],
    ) -> IcebergMetadataSummary {
        IcebergMetadataSummary {
            metadata_location: location.to_string(),
            format_version: 2,
            table_uuid: uuid.map(str::to_string),
            last_sequence_number: sequence,
            last_updated_ms: None,
            current_snapshot_id: None,
            metadata_log: log.iter().map(|file| file.to_string()).collect(),
        }
    }

    #[test]
    fn descendants_are_recognized() {
        let old = "s3://b/t/metadata/00001-a.metadata.json";
        let new = "s3://b/t/metadata/00002-b.metadata.json";
        let older = summary(old, Some("u"), 1, &[]);
        // (newer file, older summary given, expected)
        let cases = [
            (summary(new, Some("u"), 2, &[old]), None, true),
            (
                summary(
                    new,
                    Some("u"),
                    2,
                    &["s3a://b/t/metadata/00001-a.metadata.json"],
                ),
                None,
                true,
            ),
            (summary(new, Some("u"), 2, &[]), None, false),
            (summary(new, Some("u"), 2, &[]), Some(&older), true),
            (summary(new, Some("u"), 1, &[]), Some(&older), false),
            (summary(new, Some("other"), 2, &[old]), Some(&older), false),
            (summary(new, None, 2, &[]), Some(&older), false),
            (summary(new, None, 0, &[old]), Some(&older), true),
            (summary(old, Some("u"), 5, &[old]), Some(&older), false),
        ];
        for (index, (newer, older, expected)) in cases.iter().enumerate() {
            assert_eq!(newer.descends_from(old, *older), *expected, "case {index}");
        }
    }

    #[test]
    fn urls_compare_across_spellings() {
        let cases = [
            ("s3://b/k", "s3a://b/k", true),
            ("s3n://b/k", "s3://b/k", true),
            ("file:/tmp/x", "file:///tmp/x", true),
            ("file:///tmp/x", "file:///tmp/y", false),
            ("gs://b/k", "s3://b/k", false),
        ];
        for (a, b, expected) in cases {
            assert_eq!(same_url(a, b), expected, "{a} {b}");
        }
    }
}
