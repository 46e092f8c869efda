//! Classification throughput per format, through the whole registry (every built-in tried in
//! order, as a crawl does), in objects per second; text classifiers stop at 1,000 records, so
//! the time per object is what a crawl pays per text file. Median of 5 passes.
//!
//! Run with `cargo bench -p lakecat-classifiers --bench formats`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use lakecat_classifiers::formats::builtins;
use lakecat_classifiers::{InMemoryObject, Outcome, Registry};

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

    println!();
    println!("| workload | objects | bytes per object | median pass (ms) | objects/s |");
    println!("|---|---|---|---|---|");
    for workload in workloads {
        let mut passes = Vec::new();
        let mut classified = 0;
        for pass in 0..REPEATS {
            let started = Instant::now();
            for (name, bytes) in &workload.objects {
                let outcome = runtime
                    .block_on(registry.classify(&InMemoryObject::new(name.clone(), bytes.clone())));
                if pass == 0
                    && matches!(&outcome, Outcome::Classified(found) if found.classification == workload.expect)
                {
                    classified += 1;
                }
            }
            passes.push(started.elapsed().as_secs_f64());
        }
        passes.sort_by(f64::total_cmp);
        let seconds = passes[REPEATS / 2];
        let count = workload.objects.len();
        let average = workload.objects.iter().map(|(_, b)| b.len()).sum::<usize>() / count;
        println!(
            "| {} | {count} ({classified} as {}) | {average} | {:.2} | {:.0} |",
            workload.name,
            workload.expect,
            seconds * 1000.0,
            count as f64 / seconds
        );
    }
}
