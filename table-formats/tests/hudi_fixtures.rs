//! The Hudi reader against tables Spark wrote (tests/fixtures/hudi, zips from hudi-rs, see its
//! README): table type, input format, partition keys and partitions, columns, and live record
//! counts equal to what the `hudi` reader (hudi-rs 0.5.0) counts for copy-on-write tables.

use std::io::Read;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use flate2::read::DeflateDecoder;
use lakecat_table_formats::{LiveFiles, OpenTable, TableFormat, TableFormatError, TableRoot, hudi};
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use tempfile::TempDir;

const COW_INPUT: &str = "org.apache.hudi.hadoop.HoodieParquetInputFormat";
const MOR_INPUT: &str = "org.apache.hudi.hadoop.realtime.HoodieParquetRealtimeInputFormat";

fn u16_at(bytes: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> usize {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
}

/// Extracts a zip archive (stored and deflated entries, no zip64: what the fixtures use) into
/// `into`, leaving out macOS's `__MACOSX/` resource forks; returns the top folder's name.
fn unzip(archive: &[u8], into: &FsPath) -> String {
    let end = (0..=archive.len() - 22)
        .rev()
        .find(|&at| archive[at..at + 4] == [0x50, 0x4b, 0x05, 0x06])
        .expect("end of central directory");
    let entries = u16_at(archive, end + 10);
    let mut at = u32_at(archive, end + 16);
    let mut top = None;
    for _ in 0..entries {
        assert_eq!(
            archive[at..at + 4],
            [0x50, 0x4b, 0x01, 0x02],
            "central entry"
        );
        let method = u16_at(archive, at + 10);
        let compressed = u32_at(archive, at + 20);
        let name_len = u16_at(archive, at + 28);
        let skip = name_len + u16_at(archive, at + 30) + u16_at(archive, at + 32);
        let local = u32_at(archive, at + 42);
        let name =
            std::str::from_utf8(&archive[at + 46..at + 46 + name_len]).expect("a UTF-8 name");
        at += 46 + skip;
        if name.starts_with("__MACOSX/") || name.ends_with('/') {
            continue;
        }
        top.get_or_insert_with(|| name.split('/').next().unwrap_or_default().to_string());
        let data_at = local + 30 + u16_at(archive, local + 26) + u16_at(archive, local + 28);
        let data = &archive[data_at..data_at + compressed];
        let mut content = Vec::new();
        match method {
            0 => content.extend_from_slice(data),
            8 => {
                DeflateDecoder::new(data)
                    .read_to_end(&mut content)
                    .expect("deflated data");
            }
            other => panic!("{name}: zip method {other}"),
        }
        let path = into.join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("a folder");
        std::fs::write(path, content).expect("a file");
    }
    top.expect("a file in the archive")
}

fn fixture(name: &str) -> PathBuf {
    FsPath::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/hudi/{name}.zip"))
}

/// Unzips fixture `name` into a temporary folder and reads the table in it.
async fn read(name: &str) -> (OpenTable, TempDir) {
    let dir = TempDir::new().expect("a temporary folder");
    let table = unzip(
        &std::fs::read(fixture(name)).expect("the fixture"),
        dir.path(),
    );
    let store = LocalFileSystem::new_with_prefix(dir.path()).expect("a store");
    let root = TableRoot {
        store: Arc::new(store) as Arc<dyn ObjectStore>,
        path: Path::from(table.as_str()),
        url: format!("file://{}/{table}/", dir.path().display()),
    };
    let read = hudi::read(&root).await.expect("the table");
    (read, dir)
}

fn names(columns: &[lakecat_table_formats::OpenColumn]) -> Vec<String> {
    columns
        .iter()
        .map(|c| format!("{} {}", c.name, c.type_name))
        .collect()
}

/// The data columns of the `v6_*`/`v8_*` sample tables after the `_hoodie_*` columns, in the
/// order of their files (hudi-rs `crates/test/data/sample_table/*.sql`), with their types.
const SAMPLE_COLUMNS: [&str; 14] = [
    "id int",
    "name string",
    "isActive boolean",
    "shortField int",
    "intField int",
    "longField bigint",
    "floatField float",
    "doubleField double",
    "decimalField decimal(10,5)",
    "dateField date",
    "timestampField timestamp",
    "binaryField binary",
    "arrayField array<struct<arr_struct_f1:string,arr_struct_f2:int>>",
    "mapField map<string,struct<map_field_value_struct_f1:double,map_field_value_struct_f2:boolean>>",
];

fn meta_columns() -> Vec<String> {
    [
        "_hoodie_commit_time",
        "_hoodie_commit_seqno",
        "_hoodie_record_key",
        "_hoodie_partition_path",
        "_hoodie_file_name",
    ]
    .iter()
    .map(|name| format!("{name} string"))
    .collect()
}

fn partition_summary(table: &OpenTable) -> Vec<(Vec<String>, String, LiveFiles)> {
    table
        .partitions
        .iter()
        .map(|p| (p.values.clone(), p.folder.clone(), p.files))
        .collect()
}

fn live(files: u64, records: u64, estimated: bool, bytes: u64) -> LiveFiles {
    LiveFiles {
        files,
        bytes,
        records,
        records_estimated: estimated,
    }
}

/// Checks what every Hudi table shares: format, name, location, SerDe, parameters.
fn check_common(table: &OpenTable, name: &str, input: &str, last_commit: &str) {
    assert_eq!(table.format, TableFormat::Hudi);
    assert_eq!(table.name.as_deref(), Some(name));
    assert!(table.location.ends_with('/'), "{}", table.location);
    let storage = table.storage.as_ref().expect("a storage descriptor");
    assert_eq!(storage.input_format.as_deref(), Some(input));
    assert_eq!(
        storage.output_format.as_deref(),
        Some("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat")
    );
    assert_eq!(
        storage.serde_library.as_deref(),
        Some("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")
    );
    let serde = &storage.serde_parameters;
    assert_eq!(
        serde.get("hoodie.query.as.ro.table").map(String::as_str),
        Some("false")
    );
    assert_eq!(
        serde.get("serialization.format").map(String::as_str),
        Some("1")
    );
    assert_eq!(
        serde.get("path").map(String::as_str),
        Some(table.location.trim_end_matches('/'))
    );
    let parameter = |key: &str| table.parameters.get(key).map(String::as_str);
    assert_eq!(parameter("spark.sql.sources.provider"), Some("hudi"));
    assert_eq!(parameter("last_commit_time_sync"), Some(last_commit));
}

#[tokio::test]
async fn cow_v6_nonhivestyle_counts_the_newest_slice_of_each_file_group() {
    let (table, _dir) = read("cow_v6_simplekeygen_nonhivestyle").await;
    check_common(
        &table,
        "v6_simplekeygen_nonhivestyle",
        COW_INPUT,
        "20240418172804498",
    );
    assert_eq!(table.version, "commit 20240418172804498");
    let mut expected = meta_columns();
    expected.extend(SAMPLE_COLUMNS.iter().map(|c| c.to_string()));
    expected.push(
        "structField struct<field1:string,field2:int,child_struct:struct<child_field1:double,\
         child_field2:boolean>>"
            .to_string(),
    );
    assert_eq!(names(&table.columns), expected);
    assert_eq!(names(&table.partition_keys), ["byteField int"]);
    // hudi 0.5.0 reads 4 rows; partition 10 holds two slices of one file group (2 + 2 rows).
    let files = table.files.expect("live files");
    assert_eq!(
        (files.files, files.records, files.records_estimated),
        (3, 4, false)
    );
    assert_eq!(
        partition_summary(&table),
        [
            (vec!["10".into()], "10".into(), live(1, 2, false, 441352)),
            (vec!["20".into()], "20".into(), live(1, 1, false, 441161)),
            (vec!["30".into()], "30".into(), live(1, 1, false, 441186)),
        ]
    );
    assert!(
        !table
            .parameters
            .contains_key("last_commit_completion_time_sync")
    );
}

#[tokio::test]
async fn cow_v8_timeline_layout_2() {
    let (table, _dir) = read("cow_v8_simplekeygen_nonhivestyle").await;
    check_common(
        &table,
        "v8_simplekeygen_nonhivestyle",
        COW_INPUT,
        "20250713011316909",
    );
    assert_eq!(
        table
            .parameters
            .get("last_commit_completion_time_sync")
            .map(String::as_str),
        Some("20250713011317225")
    );
    assert_eq!(names(&table.partition_keys), ["byteField int"]);
    assert_eq!(table.columns.len(), 5 + SAMPLE_COLUMNS.len() + 1);
    let files = table.files.expect("live files");
    assert_eq!(
        (files.files, files.records, files.records_estimated),
        (3, 4, false)
    );
    let values: Vec<_> = table.partitions.iter().map(|p| p.values.clone()).collect();
    assert_eq!(values, [["10"], ["20"], ["30"]]);
}

#[tokio::test]
async fn cow_hive_style_with_two_partition_keys() {
    let (table, _dir) = read("cow_v6_complexkeygen_hivestyle").await;
    check_common(
        &table,
        "v6_complexkeygen_hivestyle",
        COW_INPUT,
        "20240418173235694",
    );
    assert_eq!(
        names(&table.partition_keys),
        ["byteField int", "shortField int"]
    );
    assert!(
        !names(&table.columns)
            .iter()
            .any(|c| c.starts_with("byteField") || c.starts_with("shortField"))
    );
    let files = table.files.expect("live files");
    assert_eq!((files.files, files.records), (3, 4));
    let partitions: Vec<_> = partition_summary(&table)
        .into_iter()
        .map(|(values, folder, files)| (values, folder, files.records))
        .collect();
    assert_eq!(
        partitions,
        [
            (
                vec!["10".to_string(), "300".to_string()],
                "byteField=10/shortField=300".to_string(),
                2
            ),
            (
                vec!["20".to_string(), "100".to_string()],
                "byteField=20/shortField=100".to_string(),
                1
            ),
            (
                vec!["30".to_string(), "100".to_string()],
                "byteField=30/shortField=100".to_string(),
                1
            ),
        ]
    );
}

#[tokio::test]
async fn cow_replace_commit_drops_replaced_file_groups() {
    let (table, _dir) = read("cow_v6_simplekeygen_nonhivestyle_overwritetable").await;
    check_common(
        &table,
        "v6_simplekeygen_nonhivestyle_overwritetable",
        COW_INPUT,
        "20240707001303088",
    );
    assert_eq!(table.version, "replacecommit 20240707001303088");
    // insert_overwrite_table replaced every older file group: hudi 0.5.0 reads 1 row, where
    // the five base files hold 7.
    let files = table.files.expect("live files");
    assert_eq!(
        (files.files, files.records, files.records_estimated),
        (1, 1, false)
    );
    assert_eq!(
        partition_summary(&table),
        [(vec!["30".into()], "30".into(), live(1, 1, false, 441392))]
    );
    assert!(
        table
            .notes
            .iter()
            .any(|n| n.contains("3 file groups replaced")),
        "{:?}",
        table.notes
    );
}

#[tokio::test]
async fn cow_nonpartitioned_has_no_partitions() {
    let (table, _dir) = read("cow_v6_nonpartitioned").await;
    check_common(&table, "v6_nonpartitioned", COW_INPUT, "20240418173551906");
    assert!(table.partition_keys.is_empty());
    assert!(table.partitions.is_empty());
    let files = table.files.expect("live files");
    assert_eq!(
        (files.files, files.records, files.records_estimated),
        (1, 4, false)
    );
    assert!(names(&table.columns).contains(&"byteField int".to_string()));
}

#[tokio::test]
async fn cow_empty_table_takes_columns_from_the_create_schema() {
    let (table, _dir) = read("cow_v6_empty").await;
    assert_eq!(table.name.as_deref(), Some("v6_empty"));
    assert_eq!(table.version, "no completed commit");
    assert!(!table.parameters.contains_key("last_commit_time_sync"));
    let mut expected = meta_columns();
    expected.extend(["id int", "name string", "isActive boolean"].map(String::from));
    assert_eq!(names(&table.columns), expected);
    assert_eq!(table.files, Some(LiveFiles::default()));
    assert!(
        table
            .notes
            .iter()
            .any(|n| n.contains("hoodie.table.create.schema")),
        "{:?}",
        table.notes
    );
}

#[tokio::test]
async fn mor_v6_counts_base_files_as_an_estimate() {
    let (table, _dir) = read("mor_parquet_v6_simplekeygen_nonhivestyle").await;
    check_common(
        &table,
        "v6_simplekeygen_nonhivestyle",
        MOR_INPUT,
        "20250121000557095",
    );
    assert_eq!(table.version, "deltacommit 20250121000557095");
    assert_eq!(names(&table.partition_keys), ["byteField int"]);
    // Base files hold 4 rows (as hudi 0.5.0's snapshot); partition 10 has a log file.
    let files = table.files.expect("live files");
    assert_eq!(
        (files.files, files.records, files.records_estimated),
        (3, 4, true)
    );
    let estimated: Vec<_> = table
        .partitions
        .iter()
        .map(|p| (p.folder.as_str(), p.files.records_estimated))
        .collect();
    assert_eq!(estimated, [("10", true), ("20", false), ("30", false)]);
    assert!(
        table.notes.iter().any(|n| n.contains("1 log files")),
        "{:?}",
        table.notes
    );
}

#[tokio::test]
async fn mor_v9_with_avro_replace_commits_is_an_estimate() {
    let (table, _dir) = read("mor_avro_v9_txns_simple_nometa").await;
    check_common(
        &table,
        "v9_txns_mor_simple_nometa",
        MOR_INPUT,
        "20260307135840975",
    );
    assert_eq!(names(&table.partition_keys), ["region string"]);
    let columns = names(&table.columns);
    assert_eq!(&columns[..5], meta_columns().as_slice());
    assert!(
        columns.contains(&"amount decimal(15,2)".to_string()),
        "{columns:?}"
    );
    assert!(
        columns.contains(&"txn_datetime timestamp".to_string()),
        "{columns:?}"
    );
    assert!(!columns.iter().any(|c| c.starts_with("region ")));
    let values: Vec<_> = table.partitions.iter().map(|p| p.values.clone()).collect();
    assert_eq!(values, [["apac"], ["eu"], ["us"]]);
    // The replace commits' Avro metadata is not decoded, so the 7 file groups they replaced
    // stay counted: 12 base files with 27 rows, where hudi 0.5.0 reads 5 slices and 12 rows.
    let files = table.files.expect("live files");
    assert_eq!(
        (files.files, files.records, files.records_estimated),
        (12, 27, true)
    );
    assert!(table.partitions.iter().all(|p| p.files.records_estimated));
    assert!(
        table.notes.iter().any(|n| n.contains("Avro")),
        "{:?}",
        table.notes
    );
}

#[tokio::test]
async fn a_folder_without_hoodie_properties_is_not_a_table() {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir_all(dir.path().join("t/.hoodie")).unwrap();
    let root = TableRoot {
        store: Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap()),
        path: Path::from("t"),
        url: format!("file://{}/t/", dir.path().display()),
    };
    let error = hudi::read(&root).await.unwrap_err();
    assert!(
        matches!(error, TableFormatError::NotATable { .. }),
        "{error}"
    );
}
