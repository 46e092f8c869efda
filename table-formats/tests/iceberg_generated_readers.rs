//! Generated Iceberg metadata read back by real readers: PyIceberg plans a scan from the
//! manifest list and manifests (pruning by partition and by column bounds), and DuckDB's
//! `avro` extension reads the Avro files. Runs `.venv-otf`'s Python (made by
//! `scripts/python-env otf`); the test fails, not skips, without it.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use lakecat_table_formats::iceberg::generated::{
    ColumnStats, FileStats, GenerationInput, HiveTable, IndexedDataFile, Previous, StatValue,
    generate,
};

const READER: &str = r#"
import json, sys
import duckdb
from pyiceberg.table import StaticTable
from pyiceberg.expressions import EqualTo, GreaterThanOrEqual, And

first, second = sys.argv[1], sys.argv[2]
out = {}
table = StaticTable.from_metadata(second)
tasks = list(table.scan().plan_files())
out["files"] = sorted(t.file.file_path.rsplit("/", 1)[1] for t in tasks)
out["records"] = sum(t.file.record_count for t in tasks)
out["partitions"] = sorted([t.file.partition[0], t.file.partition[1]] for t in tasks)
pruned = table.scan(row_filter=EqualTo("year", "2024")).plan_files()
out["year_2024"] = sorted(t.file.file_path.rsplit("/", 1)[1] for t in pruned)
by_bounds = table.scan(row_filter=GreaterThanOrEqual("id", 100)).plan_files()
out["id_from_100"] = sorted(t.file.file_path.rsplit("/", 1)[1] for t in by_bounds)
out["snapshots"] = [s.snapshot_id for s in table.snapshots()]
old = StaticTable.from_metadata(first)
out["old_files"] = sorted(t.file.file_path.rsplit("/", 1)[1] for t in old.scan().plan_files())

db = duckdb.connect(config={"autoinstall_known_extensions": False,
                            "autoload_known_extensions": False})
import importlib.util, pathlib
folder = pathlib.Path(importlib.util.find_spec("duckdb_extension_avro").origin).parent
db.execute(f"LOAD '{next(folder.glob(f'extensions/v{duckdb.__version__}/avro.duckdb_extension'))}'")
manifest_list = table.current_snapshot().manifest_list
rows = db.execute(
    "SELECT manifest_path, added_files_count, added_rows_count, sequence_number "
    f"FROM read_avro('{manifest_list}') ORDER BY manifest_path").fetchall()
out["duck_list"] = [[r[1], r[2], r[3]] for r in rows]
entries = db.execute(
    "SELECT status, data_file.file_path, data_file.record_count, data_file.partition.year "
    f"FROM read_avro('{rows[0][0]}')").fetchall()
out["duck_entries"] = [[e[0], e[1].rsplit("/", 1)[1], e[2], e[3]] for e in entries]
print(json.dumps(out))
"#;

fn python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv-otf/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/python-env otf",
        python.display()
    );
    python
}

fn file(
    root: &str,
    name: &str,
    year: &str,
    day: &str,
    records: u64,
    ids: (i64, i64),
) -> IndexedDataFile {
    let mut columns = BTreeMap::new();
    columns.insert(
        "id".to_string(),
        ColumnStats {
            nulls: Some(0),
            min: Some(StatValue::Int(ids.0)),
            max: Some(StatValue::Int(ids.1)),
        },
    );
    IndexedDataFile {
        path: format!("{root}year={year}/day={day}/{name}"),
        partition_values: vec![year.to_string(), day.to_string()],
        size: 1234,
        record_count: Some(records),
        stats: Some(FileStats { columns }),
    }
}

/// Runs `script` with `args` in `.venv-otf`'s Python; what it prints, read as JSON.
fn run_reader(script: &str, args: &[&str]) -> serde_json::Value {
    let output = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// UUIDs for file names, different each call, the same each run.
fn uuids() -> impl FnMut() -> String + Send {
    let mut next = 0u32;
    move || {
        next += 1;
        format!("{next:08x}-1111-4222-8333-444455556666")
    }
}

/// Writes generated files to their `file://` URLs.
fn write_files<'a>(files: impl IntoIterator<Item = &'a (String, Vec<u8>)>) {
    for (url, bytes) in files {
        std::fs::write(url.strip_prefix("file://").unwrap(), bytes).unwrap();
    }
}

/// A folder for a lake: its table folder's URL and a made metadata folder's URL.
fn lake() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = format!("file://{}/lake/t/", dir.path().display());
    std::fs::create_dir_all(dir.path().join("meta/t/metadata")).unwrap();
    let folder = format!("file://{}/meta/t/metadata/", dir.path().display());
    (dir, root, folder)
}

#[test]
fn pyiceberg_and_duckdb_read_generated_manifests() {
    let (_dir, root, folder) = lake();
    let table = HiveTable {
        database: "db".into(),
        name: "t".into(),
        location: root.clone(),
        classification: "parquet".into(),
        columns: vec![
            ("id".into(), "bigint".into()),
            ("name".into(), "string".into()),
        ],
        partition_keys: vec![
            ("year".into(), "string".into()),
            ("day".into(), "date".into()),
        ],
        source: "1/1".into(),
    };
    let mut files = vec![
        file(&root, "a.parquet", "2023", "2023-12-31", 10, (1, 10)),
        file(&root, "b.parquet", "2024", "2024-01-01", 20, (11, 30)),
    ];
    let mut new_uuid = uuids();
    let first = generate(GenerationInput {
        table: &table,
        files: &files,
        previous: None,
        metadata_folder: &folder,
        now_ms: 1_700_000_000_000,
        new_uuid: &mut new_uuid,
    })
    .unwrap();
    write_files(&first.files);
    files.push(file(
        &root,
        "c.parquet",
        "2024",
        "2024-01-02",
        5,
        (100, 200),
    ));
    let second = generate(GenerationInput {
        table: &table,
        files: &files,
        previous: Some(Previous {
            location: &first.metadata_location,
            metadata: &first.metadata,
        }),
        metadata_folder: &folder,
        now_ms: 1_700_000_001_000,
        new_uuid: &mut new_uuid,
    })
    .unwrap();
    write_files(&second.files);

    let read = run_reader(
        READER,
        &[&first.metadata_location, &second.metadata_location],
    );
    assert_eq!(
        read["files"],
        serde_json::json!(["a.parquet", "b.parquet", "c.parquet"])
    );
    assert_eq!(read["records"], 35);
    // Dates come back as days since 1970.
    assert_eq!(
        read["partitions"],
        serde_json::json!([["2023", 19722], ["2024", 19723], ["2024", 19724]])
    );
    assert_eq!(
        read["year_2024"],
        serde_json::json!(["b.parquet", "c.parquet"])
    );
    assert_eq!(read["id_from_100"], serde_json::json!(["c.parquet"]));
    assert_eq!(read["snapshots"].as_array().unwrap().len(), 2);
    assert_eq!(
        read["old_files"],
        serde_json::json!(["a.parquet", "b.parquet"])
    );
    // Two manifests (one per year), the snapshot's sequence number 2.
    assert_eq!(
        read["duck_list"],
        serde_json::json!([[1, 10, 2], [2, 25, 2]])
    );
    assert_eq!(
        read["duck_entries"],
        serde_json::json!([[1, "a.parquet", 10, "2023"]])
    );
}

const EVOLVED_READER: &str = r#"
import json, sys
from pyiceberg.table import StaticTable
from pyiceberg.expressions import EqualTo

table = StaticTable.from_metadata(sys.argv[1])
out = {}
out["specs"] = sorted(table.specs().keys())
name = lambda t: t.file.file_path.rsplit("/", 1)[1]
out["files"] = sorted([name(t), list(t.file.partition)] for t in table.scan().plan_files())
out["in_2024"] = sorted(name(t) for t in table.scan(row_filter=EqualTo("year", "2024")).plan_files())
first = table.snapshots()[0].snapshot_id
out["first"] = sorted([name(t), list(t.file.partition)]
                      for t in table.scan(snapshot_id=first).plan_files())
print(json.dumps(out))
"#;

/// A table whose partition keys change is one Iceberg table with a second partition spec:
/// PyIceberg reads the new snapshot's manifests with the new spec and the old snapshot's,
/// from the same metadata, with the old one.
#[test]
fn pyiceberg_reads_a_table_across_a_partition_spec_change() {
    let (_dir, root, folder) = lake();
    let mut table = HiveTable {
        database: "db".into(),
        name: "t".into(),
        location: root.clone(),
        classification: "parquet".into(),
        columns: vec![("id".into(), "bigint".into())],
        partition_keys: vec![("year".into(), "string".into())],
        source: "1/1".into(),
    };
    let mut one_key = file(&root, "a.parquet", "2023", "", 10, (1, 10));
    one_key.path = format!("{root}year=2023/a.parquet");
    one_key.partition_values.truncate(1);
    let mut new_uuid = uuids();
    let first = generate(GenerationInput {
        table: &table,
        files: std::slice::from_ref(&one_key),
        previous: None,
        metadata_folder: &folder,
        now_ms: 1_700_000_000_000,
        new_uuid: &mut new_uuid,
    })
    .unwrap();
    table.partition_keys.push(("day".into(), "date".into()));
    table.source = "2/2".into();
    let second = generate(GenerationInput {
        table: &table,
        files: &[
            file(&root, "b.parquet", "2024", "2024-01-01", 20, (11, 30)),
            file(&root, "c.parquet", "2025", "2025-01-01", 5, (31, 40)),
        ],
        previous: Some(Previous {
            location: &first.metadata_location,
            metadata: &first.metadata,
        }),
        metadata_folder: &folder,
        now_ms: 1_700_000_001_000,
        new_uuid: &mut new_uuid,
    })
    .unwrap();
    write_files(first.files.iter().chain(&second.files));
    assert_eq!(second.metadata["table-uuid"], first.metadata["table-uuid"]);

    let read = run_reader(EVOLVED_READER, &[&second.metadata_location]);
    assert_eq!(read["specs"], serde_json::json!([0, 1]));
    assert_eq!(
        read["files"],
        serde_json::json!([
            ["b.parquet", ["2024", 19723]],
            ["c.parquet", ["2025", 20089]]
        ])
    );
    assert_eq!(read["in_2024"], serde_json::json!(["b.parquet"]));
    assert_eq!(read["first"], serde_json::json!([["a.parquet", ["2023"]]]));
}

const ESCAPED_READER: &str = r#"
import json, sys
import duckdb
from pyiceberg.table import StaticTable
from pyiceberg.expressions import EqualTo

table = StaticTable.from_metadata(sys.argv[1])
out = {}
name = lambda t: t.file.file_path.rsplit("/", 1)[1]
out["files"] = sorted([name(t), list(t.file.partition)] for t in table.scan().plan_files())
out["one_day"] = sorted(name(t) for t in
                        table.scan(row_filter=EqualTo("event-date", "2024-01-02")).plan_files())
db = duckdb.connect(config={"autoinstall_known_extensions": False,
                            "autoload_known_extensions": False})
import importlib.util, pathlib
folder = pathlib.Path(importlib.util.find_spec("duckdb_extension_avro").origin).parent
db.execute(f"LOAD '{next(folder.glob(f'extensions/v{duckdb.__version__}/avro.duckdb_extension'))}'")
manifest = db.execute(
    f"SELECT manifest_path FROM read_avro('{table.current_snapshot().manifest_list}') "
    "ORDER BY manifest_path").fetchall()[0][0]
out["duck"] = [list(r) for r in db.execute(
    "SELECT data_file.partition.event_x2Ddate, data_file.partition._1st "
    f"FROM read_avro('{manifest}')").fetchall()]
print(json.dumps(out))
"#;

/// Partition keys that are not Avro names (`event-date`, `1st`) are escaped in the manifests'
/// Avro schema, so avro-c (DuckDB) parses them, and PyIceberg still finds the fields by id.
#[test]
fn partition_keys_that_are_not_avro_names_are_read() {
    let (_dir, root, folder) = lake();
    let table = HiveTable {
        database: "db".into(),
        name: "t".into(),
        location: root.clone(),
        classification: "parquet".into(),
        columns: vec![("id".into(), "bigint".into())],
        partition_keys: vec![
            ("event-date".into(), "string".into()),
            ("1st".into(), "int".into()),
        ],
        source: "1/1".into(),
    };
    let indexed = |name: &str, day: &str, first: &str| IndexedDataFile {
        path: format!("{root}event-date={day}/1st={first}/{name}"),
        partition_values: vec![day.to_string(), first.to_string()],
        size: 100,
        record_count: Some(3),
        stats: None,
    };
    let mut new_uuid = uuids();
    let generated = generate(GenerationInput {
        table: &table,
        files: &[
            indexed("a.parquet", "2024-01-01", "1"),
            indexed("b.parquet", "2024-01-02", "2"),
        ],
        previous: None,
        metadata_folder: &folder,
        now_ms: 1_700_000_000_000,
        new_uuid: &mut new_uuid,
    })
    .unwrap();
    write_files(&generated.files);
    let read = run_reader(ESCAPED_READER, &[&generated.metadata_location]);
    assert_eq!(
        read["files"],
        serde_json::json!([
            ["a.parquet", ["2024-01-01", 1]],
            ["b.parquet", ["2024-01-02", 2]]
        ])
    );
    assert_eq!(read["one_day"], serde_json::json!(["b.parquet"]));
    assert_eq!(read["duck"], serde_json::json!([["2024-01-01", 1]]));
}
