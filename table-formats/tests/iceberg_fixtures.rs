//! The Iceberg reader against tables PyIceberg wrote (tests/fixtures/iceberg, see its
//! README): columns and parameters as PyIceberg's Glue catalog writes them, the true row
//! count after deletes, and the newest metadata file chosen.

// Helpers outside #[test] functions panic on failure too: this is a test binary.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use lakecat_table_formats::iceberg::{self, CurrentMetadata};
use lakecat_table_formats::{LiveFiles, OpenColumn, TableFormat, TableRoot};
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use serde::Deserialize;

/// PyIceberg's answers (`expected.json`).
#[derive(Deserialize)]
struct Expected {
    current_metadata: String,
    records: u64,
    columns: Vec<GlueColumn>,
    parameters: BTreeMap<String, String>,
}

/// A column as boto3 gives it to Glue.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GlueColumn {
    name: String,
    #[serde(rename = "Type")]
    type_name: String,
    comment: Option<String>,
    parameters: BTreeMap<String, String>,
}

fn fixtures() -> PathBuf {
    FsPath::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iceberg")
}

fn root_at(folder: &FsPath, table: &str) -> TableRoot {
    let store = LocalFileSystem::new_with_prefix(folder).unwrap();
    TableRoot {
        store: Arc::new(store) as Arc<dyn ObjectStore>,
        path: Path::from(table),
        url: format!("file://{}/{table}/", folder.display()),
    }
}

fn expected(table: &str) -> Expected {
    let text = std::fs::read_to_string(fixtures().join(table).join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn as_open_columns(columns: Vec<GlueColumn>) -> Vec<OpenColumn> {
    columns
        .into_iter()
        .map(|column| OpenColumn {
            name: column.name,
            type_name: column.type_name,
            comment: column.comment,
            parameters: column.parameters,
        })
        .collect()
}

/// Checks a fixture against PyIceberg's answers; returns what was read for further checks.
async fn check(table: &str, files: u64) -> CurrentMetadata {
    let root = root_at(&fixtures(), table);
    let expected = expected(table);
    let current = iceberg::read_current(&root).await.unwrap();
    let read = &current.table;

    assert_eq!(read.format, TableFormat::Iceberg);
    assert_eq!(read.columns, as_open_columns(expected.columns), "{table}");
    let metadata_location = format!("{}metadata/{}", root.url, expected.current_metadata);
    let mut parameters = expected.parameters;
    parameters.insert("metadata_location".to_string(), metadata_location.clone());
    assert_eq!(read.parameters, parameters, "{table}");
    assert_eq!(current.summary.metadata_location, metadata_location);
    assert!(
        read.version.starts_with(&expected.current_metadata),
        "{table}: {}",
        read.version
    );
    let live = read.files.expect("PyIceberg writes snapshot summaries");
    assert_eq!(live.records, expected.records, "{table}");
    assert_eq!(live.files, files, "{table}");
    assert!(!live.records_estimated, "PyIceberg deletes copy on write");
    assert!(current.rivals.is_empty());
    assert_eq!(
        read.location,
        format!(
            "file:///tmp/lakecat-iceberg-fixtures/warehouse/db/{}/",
            table_name(table)
        )
    );
    // The fixtures were written elsewhere: the only note says so.
    assert_eq!(read.notes.len(), 1, "{table}: {:?}", read.notes);
    assert!(
        read.notes[0].contains("copied or moved"),
        "{:?}",
        read.notes
    );
    current
}

fn table_name(fixture: &str) -> &'static str {
    match fixture {
        "partitioned_v2" => "sales",
        "evolved_v1" => "people",
        _ => "empty",
    }
}

#[tokio::test]
async fn partitioned_v2_after_appends_and_deletes() {
    let current = check("partitioned_v2", 4).await;
    assert_eq!(current.table.files.unwrap().records, 13);
    assert!(
        current.table.version.ends_with(
            "(format v2, snapshot 6920587574487763709, sequence 4, partitioned by identity(region))"
        ),
        "{}",
        current.table.version
    );
    assert_eq!(current.summary.metadata_log.len(), 4);
}

#[tokio::test]
async fn evolved_v1_keeps_older_columns_not_current() {
    let current = check("evolved_v1", 2).await;
    let not_current: Vec<&str> = current
        .table
        .columns
        .iter()
        .filter(|column| column.parameters["iceberg.field.current"] == "false")
        .map(|column| column.name.as_str())
        .collect();
    assert_eq!(not_current, ["name", "score"]);
}

#[tokio::test]
async fn empty_v2_has_no_rows() {
    let root = root_at(&fixtures(), "empty_v2");
    let table = iceberg::read(&root).await.unwrap();
    assert_eq!(table.files, Some(LiveFiles::default()));
    assert_eq!(table.columns, as_open_columns(expected("empty_v2").columns));
}

/// A writer that died mid-file leaves a newer, half-written file: the reader takes the last
/// whole one and says so; a newer file of another table is not a descendant.
#[tokio::test]
async fn half_written_newest_file_falls_back_and_descent_is_checked() {
    let scratch = tempfile::tempdir().unwrap();
    let metadata = scratch.path().join("sales/metadata");
    std::fs::create_dir_all(&metadata).unwrap();
    for entry in std::fs::read_dir(fixtures().join("partitioned_v2/metadata")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), metadata.join(entry.file_name())).unwrap();
    }
    let newest = expected("partitioned_v2").current_metadata;
    let whole = std::fs::read(metadata.join(&newest)).unwrap();
    std::fs::write(
        metadata.join("00005-0b9e1c55-5f6a-4d0e-8d1e-2f3a4b5c6d7e.metadata.json"),
        &whole[..whole.len() / 2],
    )
    .unwrap();

    let root = root_at(scratch.path(), "sales");
    let current = iceberg::read_current(&root).await.unwrap();
    assert!(current.table.version.starts_with(&newest));
    assert!(
        current
            .table
            .notes
            .iter()
            .any(|note| note.contains("00005-0b9e1c55") && note.contains("does not parse")),
        "{:?}",
        current.table.notes
    );
    assert_eq!(current.table.files.unwrap().records, 13);

    // The catalog's pointer at 00002: the current file descends from it, by its log (the
    // fixture's log names the place it was written) and by sequence numbers.
    let older_name = std::fs::read_dir(&metadata)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .find(|name| name.starts_with("00002-"))
        .unwrap();
    let older_path = Path::from(format!("sales/metadata/{older_name}"));
    let older_url = format!("{}metadata/{older_name}", root.url);
    let older = iceberg::read_metadata_file(root.store.as_ref(), &older_path, &older_url)
        .await
        .unwrap();
    assert!(current.summary.descends_from(&older_url, Some(&older)));
    let written_at =
        format!("file:///tmp/lakecat-iceberg-fixtures/warehouse/db/sales/metadata/{older_name}");
    assert!(current.summary.descends_from(&written_at, None));
    assert!(!older.descends_from(&current.summary.metadata_location, Some(&current.summary)));

    let other = iceberg::read_current(&root_at(&fixtures(), "empty_v2"))
        .await
        .unwrap()
        .summary;
    assert!(
        !current
            .summary
            .descends_from(&other.metadata_location, Some(&other))
    );
}
