//! Delta tables written by delta-rs (`tests/fixtures/delta/`, made by `make_fixtures.py`;
//! true figures in its README) and hand-written logs for what delta-rs cannot write
//! (deletion vectors, reader features no reader knows).

use std::collections::BTreeMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use lakecat_table_formats::{OpenTable, TableFormat, TableFormatError, TableRoot, delta};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};

fn fixture(name: &str) -> PathBuf {
    FsPath::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/delta")
        .join(name)
}

/// The table in folder `dir` as lakecat's local store sees it: a store rooted at `/`, paths
/// absolute without the leading `/`.
fn local_root(dir: &FsPath) -> TableRoot {
    TableRoot {
        store: Arc::new(LocalFileSystem::new()),
        path: Path::from_absolute_path(dir).expect("an absolute path"),
        url: format!("file://{}/", dir.display()),
    }
}

async fn read(dir: &FsPath) -> OpenTable {
    delta::read(&local_root(dir))
        .await
        .expect("the table reads")
}

fn columns(table: &OpenTable) -> Vec<(&str, &str)> {
    table
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.type_name.as_str()))
        .collect()
}

/// Copies a folder tree (fixtures that a test changes are copied first).
fn copy_tree(from: &FsPath, to: &FsPath) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Writes a hand-made log: one commit per entry, each a list of JSON actions.
fn write_log(dir: &FsPath, commits: &[&[serde_json::Value]]) {
    let log = dir.join("_delta_log");
    std::fs::create_dir_all(&log).expect("mkdir");
    for (version, actions) in commits.iter().enumerate() {
        let lines: Vec<String> = actions.iter().map(|a| a.to_string()).collect();
        std::fs::write(
            log.join(format!("{version:020}.json")),
            lines.join("\n") + "\n",
        )
        .expect("write commit");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn partitioned_table_counts_live_files_and_true_rows() {
    let table = read(&fixture("partitioned")).await;

    assert_eq!(table.format, TableFormat::Delta);
    assert_eq!(table.version, "version 6 (checkpoint 4)");
    // 9 Parquet files and 42 rows lie on disk; the log's current version reads 4 and 14.
    let files = table.files.expect("live files");
    assert_eq!(files.files, 4);
    assert_eq!(files.bytes, 5_670);
    assert_eq!(files.records, 14);
    assert!(!files.records_estimated);

    // Every column in Delta's order, the partition column `region` included.
    assert_eq!(
        columns(&table),
        [
            ("id", "bigint"),
            ("amount", "decimal(10,2)"),
            ("note", "string"),
            ("day", "date"),
            ("region", "string"),
        ]
    );
    assert!(table.partition_keys.is_empty());
    assert!(table.partitions.is_empty());
    assert!(table.notes.is_empty(), "{:?}", table.notes);
}

#[tokio::test(flavor = "multi_thread")]
async fn native_delta_parameters_and_storage_descriptor() {
    let dir = fixture("partitioned");
    let table = read(&dir).await;
    let url = format!("file://{}/", dir.display());
    assert_eq!(table.location, url);

    let p = &table.parameters;
    assert_eq!(p["table_type"], "DELTA");
    assert_eq!(p["classification"], "delta");
    assert_eq!(p["spark.sql.sources.provider"], "delta");
    assert_eq!(p["spark.sql.partitionProvider"], "catalog");
    assert_eq!(p["delta.lastUpdateVersion"], "6");
    let committed: i64 = p["delta.lastCommitTimestamp"]
        .parse()
        .expect("milliseconds");
    assert!(committed > 1_600_000_000_000, "{committed}");
    assert_eq!(p.len(), 6, "{p:?}");

    let storage = table.storage.expect("a storage descriptor");
    assert_eq!(
        storage.input_format.as_deref(),
        Some("org.apache.hadoop.mapred.SequenceFileInputFormat")
    );
    assert_eq!(
        storage.output_format.as_deref(),
        Some("org.apache.hadoop.hive.ql.io.HiveSequenceFileOutputFormat")
    );
    assert_eq!(
        storage.serde_library.as_deref(),
        Some("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe")
    );
    assert_eq!(
        storage.serde_parameters,
        BTreeMap::from([
            ("path".to_owned(), url),
            ("serialization.format".to_owned(), "1".to_owned()),
        ])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn column_mapping_gives_logical_names() {
    let table = read(&fixture("column_mapping")).await;
    assert_eq!(table.version, "version 2");
    assert_eq!(
        columns(&table),
        [
            ("Order Id", "bigint"),
            ("Unit Price", "double"),
            ("Sales Region", "string"),
        ]
    );
    let files = table.files.expect("live files");
    assert_eq!((files.files, files.bytes, files.records), (4, 5_370, 5));
    assert!(!files.records_estimated);
}

#[tokio::test(flavor = "multi_thread")]
async fn types_comments_and_properties() {
    let table = read(&fixture("types")).await;
    assert_eq!(
        columns(&table),
        [
            ("b", "boolean"),
            ("i8", "tinyint"),
            ("i16", "smallint"),
            ("i32", "int"),
            ("i64", "bigint"),
            ("f32", "float"),
            ("f64", "double"),
            ("dec", "decimal(38,6)"),
            ("s", "string"),
            ("bin", "binary"),
            ("d", "date"),
            ("ts", "timestamp"),
            ("ts_ntz", "timestamp"),
            ("tags", "array<string>"),
            ("point", "struct<x:int,y:double>"),
            ("attrs", "map<string,bigint>"),
        ]
    );
    let comments: Vec<(&str, &str)> = table
        .columns
        .iter()
        .filter_map(|c| Some((c.name.as_str(), c.comment.as_deref()?)))
        .collect();
    assert_eq!(comments, [("i32", "a 32-bit integer"), ("s", "free text")]);

    // User properties are copied, Delta's own settings are not.
    let p = &table.parameters;
    assert_eq!(p.get("owner.team").map(String::as_str), Some("data-eng"));
    assert_eq!(
        p.get("comment").map(String::as_str),
        Some("every type delta-rs writes")
    );
    assert!(!p.contains_key("delta.appendOnly"), "{p:?}");
    assert_eq!(table.files.map(|f| f.records), Some(1));
}

/// Without a multi-threaded runtime the engine runs its own executor thread.
#[tokio::test(flavor = "current_thread")]
async fn a_current_thread_runtime_reads_too() {
    let table = read(&fixture("partitioned")).await;
    assert_eq!(table.files.map(|f| (f.files, f.records)), Some((4, 14)));
}

/// An S3 store is bucket-scoped: the table's path is its key prefix, its URL names the bucket.
#[tokio::test(flavor = "multi_thread")]
async fn a_bucket_scoped_store_maps_the_url_to_keys() {
    let store = Arc::new(InMemory::new());
    let source = fixture("partitioned");
    put_tree(store.as_ref(), &source, "lake/sales").await;
    let root = TableRoot {
        store,
        path: Path::from("lake/sales"),
        url: "s3://bucket/lake/sales/".to_owned(),
    };
    let table = delta::read(&root).await.expect("reads");
    assert_eq!(table.version, "version 6 (checkpoint 4)");
    assert_eq!(table.files.map(|f| (f.files, f.records)), Some((4, 14)));
    assert_eq!(
        table.storage.expect("storage").serde_parameters["path"],
        root.url
    );
}

/// A local store confined to a folder: the root's path is relative to it, and the kernel
/// still reads there, not at the URL's path.
#[tokio::test(flavor = "multi_thread")]
async fn a_confined_local_store_reads_below_its_prefix() {
    let scratch = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture("partitioned"), &scratch.path().join("sales"));
    let root = TableRoot {
        store: Arc::new(LocalFileSystem::new_with_prefix(scratch.path()).expect("prefix")),
        path: Path::from("sales"),
        url: format!("file://{}/sales/", scratch.path().display()),
    };
    let table = delta::read(&root).await.expect("reads");
    assert!(table.notes.is_empty(), "{:?}", table.notes);
    assert_eq!(table.files.map(|f| (f.files, f.records)), Some((4, 14)));
}

async fn put_tree(store: &dyn ObjectStore, dir: &FsPath, prefix: &str) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let entry = entry.expect("entry");
        let name = entry.file_name().into_string().expect("utf-8 name");
        let key = format!("{prefix}/{name}");
        if entry.file_type().expect("type").is_dir() {
            Box::pin(put_tree(store, &entry.path(), &key)).await;
        } else {
            let bytes = std::fs::read(entry.path()).expect("read");
            store
                .put(&Path::from(key), bytes.into())
                .await
                .expect("put");
        }
    }
}

fn protocol(reader_features: &[&str]) -> serde_json::Value {
    serde_json::json!({"protocol": {
        "minReaderVersion": 3, "minWriterVersion": 7,
        "readerFeatures": reader_features, "writerFeatures": reader_features,
    }})
}

/// A table whose newest protocol names a reader feature no reader knows: the kernel refuses
/// it, and the table is registered from its newest metaData, which here only the checkpoint
/// holds (the commits before it are gone, as after a log cleanup).
#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_reader_feature_falls_back_to_the_checkpoint_metadata() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let dir = scratch.path().join("sales");
    copy_tree(&fixture("partitioned"), &dir);
    let log = dir.join("_delta_log");
    for version in 0..=4 {
        std::fs::remove_file(log.join(format!("{version:020}.json"))).expect("remove");
    }
    let commit = protocol(&["lakecatFutureFeature"]).to_string() + "\n";
    std::fs::write(log.join(format!("{:020}.json", 7)), commit).expect("write");

    let table = read(&dir).await;
    assert_eq!(table.version, "version 7 (checkpoint 4)");
    assert_eq!(table.files, None);
    assert_eq!(
        columns(&table),
        [
            ("id", "bigint"),
            ("amount", "decimal(10,2)"),
            ("note", "string"),
            ("day", "date"),
            ("region", "string"),
        ]
    );
    assert_eq!(table.notes.len(), 1, "{:?}", table.notes);
    assert!(
        table.notes[0].contains("lakecatFutureFeature"),
        "{:?}",
        table.notes
    );
    assert_eq!(table.parameters["delta.lastUpdateVersion"], "7");
    assert_eq!(table.parameters["table_type"], "DELTA");
}

/// A JSON-only log the kernel refuses (reader version 4): schema types of every kind, the
/// partition column among the columns, configuration, comment.
#[tokio::test(flavor = "multi_thread")]
async fn a_reader_version_above_three_falls_back_to_the_newest_commit() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let schema = serde_json::json!({"type": "struct", "fields": [
        {"name": "id", "type": "long", "nullable": false, "metadata": {"comment": "key"}},
        {"name": "price", "type": "decimal(9,2)", "nullable": true, "metadata": {}},
        {"name": "seen", "type": "timestamp_ntz", "nullable": true, "metadata": {}},
        {"name": "tags", "type": {"type": "array", "elementType": "string", "containsNull": true},
         "nullable": true, "metadata": {}},
        {"name": "attrs", "type": {"type": "map", "keyType": "string", "valueType": "integer",
         "valueContainsNull": true}, "nullable": true, "metadata": {}},
        {"name": "where", "type": {"type": "struct", "fields": [
            {"name": "lat", "type": "double", "nullable": true, "metadata": {}}]},
         "nullable": true, "metadata": {}},
        {"name": "day", "type": "date", "nullable": true, "metadata": {}},
    ]});
    let meta = |description: &str| {
        serde_json::json!({"metaData": {
            "id": "t", "format": {"provider": "parquet", "options": {}},
            "schemaString": schema.to_string(), "partitionColumns": ["day"],
            "description": description,
            "configuration": {"team": "sales", "delta.appendOnly": "true"},
            "createdTime": 1,
        }})
    };
    write_log(
        scratch.path(),
        &[
            &[
                serde_json::json!({"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}}),
                meta("old"),
            ],
            &[
                serde_json::json!({"commitInfo": {"timestamp": 5, "inCommitTimestamp": 1_700_000_000_123_i64}}),
                serde_json::json!({"protocol": {"minReaderVersion": 4, "minWriterVersion": 7,
                    "readerFeatures": [], "writerFeatures": []}}),
                meta("new"),
            ],
        ],
    );

    let table = read(scratch.path()).await;
    assert_eq!(table.version, "version 1");
    assert_eq!(table.files, None);
    assert_eq!(
        columns(&table),
        [
            ("id", "bigint"),
            ("price", "decimal(9,2)"),
            ("seen", "timestamp"),
            ("tags", "array<string>"),
            ("attrs", "map<string,int>"),
            ("where", "struct<lat:double>"),
            ("day", "date"),
        ]
    );
    assert_eq!(table.columns[0].comment.as_deref(), Some("key"));
    assert_eq!(table.parameters["team"], "sales");
    assert_eq!(table.parameters["comment"], "new");
    assert!(!table.parameters.contains_key("delta.appendOnly"));
    assert_eq!(
        table.parameters["delta.lastCommitTimestamp"],
        "1700000000123"
    );
    assert!(
        table.notes[0].contains("reader version 4"),
        "{:?}",
        table.notes
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_log_without_commits_is_not_a_table() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let error = delta::read(&local_root(scratch.path()))
        .await
        .expect_err("no log");
    assert!(
        matches!(error, TableFormatError::NotATable { .. }),
        "{error}"
    );

    std::fs::create_dir_all(scratch.path().join("_delta_log")).expect("mkdir");
    std::fs::write(scratch.path().join("_delta_log/_last_checkpoint"), "{}").expect("write");
    let error = delta::read(&local_root(scratch.path()))
        .await
        .expect_err("empty log");
    assert!(
        matches!(error, TableFormatError::NotATable { .. }),
        "{error}"
    );
}

fn dv_table_meta() -> [serde_json::Value; 2] {
    let schema = serde_json::json!({"type": "struct", "fields": [
        {"name": "id", "type": "long", "nullable": true, "metadata": {}}]});
    [
        protocol(&["deletionVectors"]),
        serde_json::json!({"metaData": {
            "id": "dv", "format": {"provider": "parquet", "options": {}},
            "schemaString": schema.to_string(), "partitionColumns": [],
            "configuration": {"delta.enableDeletionVectors": "true"}, "createdTime": 1,
        }}),
    ]
}

fn add(
    path: &str,
    size: u64,
    stats: Option<&str>,
    dv: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut add = serde_json::json!({
        "path": path, "partitionValues": {}, "size": size, "modificationTime": 1,
        "dataChange": true,
    });
    if let Some(stats) = stats {
        add["stats"] = stats.into();
    }
    if let Some(dv) = dv {
        add["deletionVector"] = dv;
    }
    serde_json::json!({ "add": add })
}

/// A deletion vector removes rows from a live file: its cardinality is subtracted from the
/// file's `numRecords`, and the file's earlier `add` (replaced through `remove`) is not counted.
#[tokio::test(flavor = "multi_thread")]
async fn deletion_vectors_subtract_their_rows() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let [protocol, meta] = dv_table_meta();
    let dv = serde_json::json!({"storageType": "u", "pathOrInlineDv": "ab^-aqEH.-t@S}K{vb[*k^",
        "offset": 1, "sizeInBytes": 36, "cardinality": 3});
    write_log(
        scratch.path(),
        &[
            &[
                protocol,
                meta,
                add("a.parquet", 100, Some(r#"{"numRecords":10}"#), None),
                add("b.parquet", 50, Some(r#"{"numRecords":5}"#), None),
            ],
            &[
                serde_json::json!({"remove": {"path": "a.parquet", "deletionTimestamp": 2,
                    "dataChange": true}}),
                add("a.parquet", 100, Some(r#"{"numRecords":10}"#), Some(dv)),
            ],
        ],
    );
    let table = read(scratch.path()).await;
    let files = table.files.expect("live files");
    assert_eq!((files.files, files.bytes, files.records), (2, 150, 12));
    assert!(!files.records_estimated);
    assert!(table.notes.is_empty(), "{:?}", table.notes);
}

/// A file without `numRecords` makes the count an estimate, scaled by size.
#[tokio::test(flavor = "multi_thread")]
async fn files_without_statistics_make_an_estimate() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let [protocol, meta] = dv_table_meta();
    write_log(
        scratch.path(),
        &[&[
            protocol,
            meta,
            add("a.parquet", 100, Some(r#"{"numRecords":10}"#), None),
            add("b.parquet", 200, None, None),
        ]],
    );
    let table = read(scratch.path()).await;
    let files = table.files.expect("live files");
    assert_eq!((files.files, files.records), (2, 30));
    assert!(files.records_estimated);
    assert_eq!(table.notes.len(), 1, "{:?}", table.notes);
}
