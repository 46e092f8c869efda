//! Delimited text, hard cases: lakecat's CSV classifier against DuckDB's lenient sniffer
//! (`sniff_csv(path, strict_mode=false, null_padding=true)`) on the generated files of
//! `tests/csv_hard/cases.rs`, scored on column count, header decision and header names
//! against the generator's ground truth, in total and per family.
//!
//! Run with `cargo bench -p lakecat-classifiers --bench csv_hard` after `scripts/python-env`
//! (which installs the pinned duckdb); `LAKECAT_BENCH_PYTHON` overrides the interpreter.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../tests/csv_hard/cases.rs"]
mod cases;
#[path = "support/duckdb.rs"]
mod duckdb;

use std::collections::BTreeMap;

use cases::{FAMILIES, Found, Tally, hard_cases, judge, lakecat};
use duckdb::run_script;

fn cell(right: usize, of: usize) -> String {
    if of == 0 {
        "–".into()
    } else {
        format!("{right}/{of}")
    }
}

fn main() {
    let dir = std::env::temp_dir().join(format!("lakecat-csv-hard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = hard_cases();
    let paths: Vec<String> = cases
        .iter()
        .map(|case| {
            let path = dir.join(&case.name);
            std::fs::write(&path, &case.bytes).unwrap();
            path.to_string_lossy().into_owned()
        })
        .collect();

    let duckdb = run_script("duckdb_hard.py", &paths);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // Tallies per sniffer, in total and per family.
    let mut tallies: BTreeMap<(&str, &str), Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    for (case, path) in cases.iter().zip(&paths) {
        let (found, _) = runtime.block_on(lakecat(case));
        let duck = &duckdb["files"][path];
        let duck_found = duck["names"].as_array().map(|names| Found {
            columns: names.len(),
            header: duck["has_header"].as_bool() == Some(true),
            names: names
                .iter()
                .map(|n| n.as_str().unwrap_or_default().to_string())
                .collect(),
        });
        for (sniffer, found) in [("lakecat", &found), ("duckdb", &duck_found)] {
            let verdict = judge(case.truth.as_ref(), found.as_ref());
            for key in [(sniffer, "all"), (sniffer, case.family)] {
                tallies.entry(key).or_default().add(verdict);
            }
            if !(verdict.0 && verdict.1 && verdict.2 != Some(false)) {
                let shown = match (found, duck.get("error")) {
                    (None, Some(error)) if sniffer == "duckdb" => format!("error {error}"),
                    (found, _) => format!("{found:?}"),
                };
                misses.push(format!(
                    "{sniffer} missed {}: {shown}; truth {:?}",
                    case.name, case.truth
                ));
            }
        }
    }

    let all = |sniffer| &tallies[&(sniffer, "all")];
    println!();
    println!(
        "CSV hard cases: {} files ({} with a header); DuckDB {}",
        all("lakecat").files,
        all("lakecat").named,
        duckdb["version"]
    );
    println!();
    println!("| sniffer | column count right | header right | header names right |");
    println!("|---|---|---|---|");
    for (sniffer, label) in [
        ("lakecat", "lakecat"),
        ("duckdb", "duckdb sniff_csv (lenient)"),
    ] {
        let t = all(sniffer);
        println!(
            "| {label} | {} | {} | {} |",
            cell(t.columns, t.files),
            cell(t.header, t.files),
            cell(t.names, t.named)
        );
    }
    println!();
    println!(
        "| family | files | columns: lakecat | columns: duckdb | header: lakecat | header: duckdb | names: lakecat | names: duckdb |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for family in FAMILIES {
        let l = &tallies[&("lakecat", family)];
        let d = &tallies[&("duckdb", family)];
        println!(
            "| {family} | {} | {} | {} | {} | {} | {} | {} |",
            l.files,
            cell(l.columns, l.files),
            cell(d.columns, d.files),
            cell(l.header, l.files),
            cell(d.header, d.files),
            cell(l.names, l.named),
            cell(d.names, d.named)
        );
    }
    println!();
    for miss in &misses {
        println!("{miss}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
