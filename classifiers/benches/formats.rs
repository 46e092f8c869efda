//! Classification throughput per format, through the whole registry (every built-in tried in
//! order, as a crawl does), in objects per second; text classifiers stop at 1,000 records, so
//! the time per object is what a crawl pays per text file. Median of 5 passes. Each workload
//! runs without column statistics, with them (the default), and with distinct-value sketches,
//! in turn within each pass, so the cost of statistics shows as a ratio.
//!
//! Run with `cargo bench -p lakecat-classifiers --bench formats`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use lakecat_classifiers::formats::builtins;
use lakecat_classifiers::{InMemoryObject, Outcome, Registry, StatisticsMode};
use parquet::arrow::ArrowWriter;

const REPEATS: usize = 5;

fn text_of_size(bytes: usize, line: impl Fn(usize) -> String) -> Vec<u8> {
    let mut out = String::new();
    let mut i = 0;
    while out.len() < bytes {
        out.push_str(&line(i));
        out.push('\n');
        i += 1;
    }
    out.into_bytes()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let registry = Registry::new([], builtins());
    let corpus =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/parquet-testing/data");
    let mut parquet: Vec<(String, Vec<u8>)> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    parquet.sort();

    // Small files like the crawl benchmark's: a few columns, ten rows.
    let small_parquet: Vec<(String, Vec<u8>)> = (0..2000)
        .map(|file| {
            let rows = 10;
            let columns: Vec<(&str, ArrayRef)> = vec![
                ("id", Arc::new(Int64Array::from_iter_values(0..rows))),
                (
                    "name",
                    Arc::new(StringArray::from_iter_values(
                        (0..rows).map(|i| format!("name-{i}")),
                    )),
                ),
                (
                    "amount",
                    Arc::new(Float64Array::from_iter_values(
                        (0..rows).map(|i| i as f64 * 1.5),
                    )),
                ),
                (
                    "region",
                    Arc::new(StringArray::from_iter_values(
                        (0..rows).map(|i| format!("r{}", (i + file) % 7)),
                    )),
                ),
            ];
            let batch = RecordBatch::try_from_iter(columns).unwrap();
            let mut bytes = Vec::new();
            let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), None).unwrap();
            writer.write(&batch).unwrap();
            writer.close().unwrap();
            (format!("part-{file}.parquet"), bytes)
        })
        .collect();

    let csv = {
        let mut rows = String::from("id,name,price,day,at,active\n");
        rows.push_str(
            &String::from_utf8(text_of_size(1 << 20, |i| {
                format!(
                    "{},name {},{}.{},2024-06-{:02},2024-06-01 10:{:02}:00,{}",
                    1000 + i,
                    i % 97,
                    i % 500,
                    i % 100,
                    i % 28 + 1,
                    i % 60,
                    i % 2 == 0
                )
            }))
            .unwrap(),
        );
        rows.into_bytes()
    };
    let json = text_of_size(1 << 20, |i| {
        format!(
            r#"{{"id": {i}, "user": {{"name": "u{}", "premium": {}}}, "tags": ["a", "b"], "value": {}.5}}"#,
            i % 97,
            i % 2 == 0,
            i % 1000
        )
    });
    let log = text_of_size(1 << 20, |i| {
        format!(
            r#"10.0.{}.{} - - [10/Oct/2024:13:55:{:02} +0000] "GET /item/{i} HTTP/1.1" 200 {} "-" "curl/8.5.0""#,
            i % 250,
            i % 200,
            i % 60,
            i % 9000
        )
    });
    let gzip_csv = {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&csv).unwrap();
        encoder.finish().unwrap()
    };

    struct Workload {
        name: &'static str,
        objects: Vec<(String, Vec<u8>)>,
        expect: &'static str,
    }
    let workloads = [
        Workload {
            name: "parquet (parquet-testing files)",
            objects: parquet,
            expect: "parquet",
        },
        Workload {
            name: "parquet (2,000 small files, 4 columns, 10 rows)",
            objects: small_parquet,
            expect: "parquet",
        },
        Workload {
            name: "csv (1 MB)",
            objects: vec![("a.csv".into(), csv)],
            expect: "csv",
        },
        Workload {
            name: "json lines (1 MB)",
            objects: vec![("a.json".into(), json)],
            expect: "json",
        },
        Workload {
            name: "apache log via grok (1 MB)",
            objects: vec![("access.log".into(), log)],
            expect: "combined_apache",
        },
        Workload {
            name: "gzip csv (1 MB before compression)",
            objects: vec![("a.csv.gz".into(), gzip_csv)],
            expect: "csv",
        },
    ];

    let modes = [
        StatisticsMode::Off,
        StatisticsMode::Figures,
        StatisticsMode::WithDistinctValues,
    ];
    println!();
    println!(
        "| workload | objects | bytes per object | statistics off (ms) | objects/s | \
         with statistics (ms) | ratio | with distinct values (ms) | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for workload in workloads {
        let mut passes = vec![Vec::new(); modes.len()];
        let mut classified = 0;
        for pass in 0..REPEATS {
            for (mode, times) in modes.iter().zip(&mut passes) {
                let started = Instant::now();
                for (name, bytes) in &workload.objects {
                    let object = InMemoryObject::new(name.clone(), bytes.clone())
                        .with_statistics_mode(*mode);
                    let outcome = runtime.block_on(registry.classify(&object));
                    if pass == 0
                        && *mode == StatisticsMode::Off
                        && matches!(&outcome, Outcome::Classified(found) if found.classification == workload.expect)
                    {
                        classified += 1;
                    }
                }
                times.push(started.elapsed().as_secs_f64());
            }
        }
        let medians: Vec<f64> = passes
            .into_iter()
            .map(|mut times| {
                times.sort_by(f64::total_cmp);
                times[REPEATS / 2]
            })
            .collect();
        let count = workload.objects.len();
        let average = workload.objects.iter().map(|(_, b)| b.len()).sum::<usize>() / count;
        println!(
            "| {} | {count} ({classified} as {}) | {average} | {:.2} | {:.0} | {:.2} | {:.3}x | {:.2} | {:.3}x |",
            workload.name,
            workload.expect,
            medians[0] * 1000.0,
            count as f64 / medians[0],
            medians[1] * 1000.0,
            medians[1] / medians[0],
            medians[2] * 1000.0,
            medians[2] / medians[0],
        );
    }
}
