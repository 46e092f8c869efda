//! CSV sniffing: lakecat's classifier against DuckDB's `sniff_csv`, on the same generated
//! test set in the same run, for speed (median of 5 passes) and accuracy (delimiter, header
//! and every column's type against the generator's ground truth).
//!
//! Run with `cargo bench -p lakecat-classifiers --bench csv_sniff` after `scripts/python-env`
//! (which installs the pinned duckdb); `LAKECAT_BENCH_PYTHON` overrides the interpreter.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use lakecat_classifiers::formats::csv::CsvClassifier;
use lakecat_classifiers::{Classifier, HiveType, InMemoryObject};

#[path = "support/duckdb.rs"]
mod duckdb;
use duckdb::run_script;

const REPEATS: usize = 5;

/// One generated file and what a sniffer should find in it.
struct Case {
    path: PathBuf,
    delimiter: char,
    header: bool,
    /// DuckDB's type names, which lakecat's map onto.
    types: Vec<&'static str>,
}

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A column generator: its DuckDB type and a value for row `i`.
type Column = (&'static str, &'static str, fn(&mut Lcg, u64) -> String);

fn columns() -> Vec<Column> {
    vec![
        ("id", "BIGINT", |_, i| (1_000 + i).to_string()),
        ("price", "DOUBLE", |r, _| {
            format!("{}.{:02}", r.next(1000), r.next(100))
        }),
        ("day", "DATE", |r, _| {
            format!("2024-{:02}-{:02}", r.next(12) + 1, r.next(28) + 1)
        }),
        ("at", "TIMESTAMP", |r, _| {
            format!(
                "2024-06-{:02} {:02}:{:02}:{:02}",
                r.next(28) + 1,
                r.next(24),
                r.next(60),
                r.next(60)
            )
        }),
        ("name", "VARCHAR", |r, _| {
            ["ada", "grace", "alan", "edsger", "barbara"][r.next(5) as usize].to_string()
        }),
        ("active", "BOOLEAN", |r, _| {
            if r.next(2) == 0 {
                "true".into()
            } else {
                "false".into()
            }
        }),
        ("qty", "BIGINT", |r, _| r.next(500).to_string()),
    ]
}

fn write_case(
    dir: &Path,
    name: &str,
    delimiter: char,
    header: bool,
    picks: &[usize],
    target_bytes: usize,
    crlf: bool,
) -> Case {
    let all = columns();
    let chosen: Vec<&Column> = picks.iter().map(|&i| &all[i]).collect();
    let mut rng = Lcg(name.len() as u64 * 7919 + target_bytes as u64);
    let newline = if crlf { "\r\n" } else { "\n" };
    let mut text = String::new();
    if header {
        let names: Vec<&str> = chosen.iter().map(|c| c.0).collect();
        text.push_str(&names.join(&delimiter.to_string()));
        text.push_str(newline);
    }
    let mut i = 0;
    while text.len() < target_bytes {
        let row: Vec<String> = chosen.iter().map(|c| (c.2)(&mut rng, i)).collect();
        text.push_str(&row.join(&delimiter.to_string()));
        text.push_str(newline);
        i += 1;
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    Case {
        path,
        delimiter,
        header,
        types: chosen.iter().map(|c| c.1).collect(),
    }
}

fn test_set(dir: &Path) -> Vec<Case> {
    let mut cases = vec![
        write_case(
            dir,
            "comma_header.csv",
            ',',
            true,
            &[0, 1, 2, 3, 4, 5, 6],
            1 << 20,
            false,
        ),
        write_case(
            dir,
            "tab_header.tsv",
            '\t',
            true,
            &[0, 4, 1, 2],
            1 << 20,
            false,
        ),
        write_case(
            dir,
            "pipe_no_header.psv",
            '|',
            false,
            &[0, 1, 4, 6],
            1 << 20,
            false,
        ),
        write_case(
            dir,
            "semicolon_header.csv",
            ';',
            true,
            &[4, 6, 2],
            1 << 20,
            false,
        ),
        write_case(dir, "crlf_header.csv", ',', true, &[0, 3, 5], 1 << 20, true),
        write_case(
            dir,
            "strings_header.csv",
            ',',
            true,
            &[4, 4, 4],
            256 << 10,
            false,
        ),
        write_case(
            dir,
            "ctrl_a.txt",
            '\u{1}',
            false,
            &[0, 4, 6],
            256 << 10,
            false,
        ),
    ];
    for n in 0..100 {
        let picks: &[usize] = match n % 4 {
            0 => &[0, 1, 4],
            1 => &[2, 6, 5],
            2 => &[4, 3, 1, 0],
            _ => &[6, 6, 4],
        };
        let delimiter = [',', '\t', '|', ';'][n % 4];
        cases.push(write_case(
            dir,
            &format!("small_{n}.csv"),
            delimiter,
            n % 3 != 0,
            picks,
            2 << 10,
            false,
        ));
    }
    cases
}

fn duckdb_type(t: &HiveType) -> &'static str {
    match t {
        HiveType::BigInt => "BIGINT",
        HiveType::Double => "DOUBLE",
        HiveType::Date => "DATE",
        HiveType::Timestamp => "TIMESTAMP",
        HiveType::Boolean => "BOOLEAN",
        _ => "VARCHAR",
    }
}

struct Score {
    delimiter: usize,
    header: usize,
    types: usize,
    missed: Vec<String>,
}

impl Score {
    fn new() -> Score {
        Score {
            delimiter: 0,
            header: 0,
            types: 0,
            missed: Vec::new(),
        }
    }

    fn record(&mut self, case: &Case, delimiter: bool, header: bool, types: bool, found: String) {
        self.delimiter += usize::from(delimiter);
        self.header += usize::from(header);
        self.types += usize::from(types);
        if !(delimiter && header && types) {
            let name = case.path.file_name().unwrap().to_string_lossy();
            self.missed.push(format!("{name}: {found}"));
        }
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let dir = tempfile_dir();
    let cases = test_set(&dir);
    let bytes: u64 = cases
        .iter()
        .map(|c| std::fs::metadata(&c.path).unwrap().len().min(1 << 20))
        .sum();

    // lakecat: read each file as the crawler would, then classify.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let classifier = CsvClassifier::default();
    let mut lakecat_seconds = Vec::new();
    let mut lakecat_score = Score::new();
    for pass in 0..REPEATS {
        let started = Instant::now();
        for case in &cases {
            let content = std::fs::read(&case.path).unwrap();
            let found = runtime
                .block_on(
                    classifier.classify(&InMemoryObject::new(case.path.to_string_lossy(), content)),
                )
                .unwrap();
            if pass == 0 {
                let Some(found) = found else {
                    lakecat_score.record(case, false, false, false, "not classified".into());
                    continue;
                };
                let types: Vec<&str> = found
                    .schema
                    .fields
                    .iter()
                    .map(|f| duckdb_type(&f.data_type))
                    .collect();
                let shown = format!(
                    "{:?} header={:?} {types:?}",
                    found.properties.delimiter, found.properties.header
                );
                lakecat_score.record(
                    case,
                    found.properties.delimiter == Some(case.delimiter),
                    found.properties.header == Some(case.header),
                    types == case.types,
                    shown,
                );
            }
        }
        lakecat_seconds.push(started.elapsed().as_secs_f64());
    }

    // DuckDB, on the same files.
    let duckdb = run_script(
        "duckdb_sniff.py",
        std::iter::once(REPEATS.to_string().into())
            .chain(cases.iter().map(|c| c.path.clone().into_os_string())),
    );
    let duckdb_seconds: Vec<f64> = serde_json::from_value(duckdb["seconds"].clone()).unwrap();
    let mut duckdb_score = Score::new();
    for case in &cases {
        let found = &duckdb["files"][case.path.to_string_lossy().as_ref()];
        let delimiter = found["delimiter"].as_str().unwrap_or_default();
        let types: Vec<&str> = found["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let shown = format!("{delimiter:?} header={} {types:?}", found["has_header"]);
        duckdb_score.record(
            case,
            delimiter == case.delimiter.to_string(),
            found["has_header"].as_bool() == Some(case.header),
            types == case.types,
            shown,
        );
    }

    let files = cases.len();
    let lakecat = median(lakecat_seconds);
    let duck = median(duckdb_seconds);
    let mb = bytes as f64 / 1e6;
    println!();
    println!(
        "CSV test set: {files} files, {mb:.1} MB sampled (up to 1 MB of each); DuckDB {}",
        duckdb["version"]
    );
    println!();
    println!(
        "| sniffer | median pass (s) | files/s | MB/s | delimiter right | header right | all column types right |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, seconds, score) in [
        ("lakecat", lakecat, &lakecat_score),
        ("duckdb sniff_csv", duck, &duckdb_score),
    ] {
        println!(
            "| {name} | {seconds:.3} | {:.0} | {:.1} | {}/{files} | {}/{files} | {}/{files} |",
            files as f64 / seconds,
            mb / seconds,
            score.delimiter,
            score.header,
            score.types
        );
    }
    println!();
    println!("lakecat / DuckDB speed ratio: {:.2}x", duck / lakecat);
    for (name, score) in [("lakecat", &lakecat_score), ("duckdb", &duckdb_score)] {
        for missed in &score.missed {
            println!("{name} missed {missed}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lakecat-csv-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
