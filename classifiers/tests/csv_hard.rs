//! The hard delimited-text cases (`csv_hard/cases.rs`) through the CSV classifier: at least
//! 99% right on each of column count, header decision and header names, so a regression of
//! the sniffer fails here. `cargo bench -p lakecat-classifiers --bench csv_hard` compares
//! the same files with DuckDB.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "csv_hard/cases.rs"]
mod cases;

use cases::{FAMILIES, Tally, hard_cases, judge, lakecat};

#[tokio::test]
async fn hard_cases_are_at_least_99_percent_right() {
    let cases = hard_cases();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let mut total = Tally::default();
    let mut misses = Vec::new();
    for case in &cases {
        let (found, warnings) = lakecat(case).await;
        let verdict = judge(case.truth.as_ref(), found.as_ref());
        total.add(verdict);
        if !(verdict.0 && verdict.1 && verdict.2 != Some(false)) {
            misses.push(format!(
                "{} ({}): found {found:?}, truth {:?}, warnings {warnings:?}",
                case.name, case.family, case.truth
            ));
        }
    }
    for family in FAMILIES {
        assert!(cases.iter().any(|c| c.family == family), "{family}");
    }
    let share = |right: usize, of: usize| right as f64 / of as f64;
    assert!(
        share(total.columns, total.files) >= 0.99
            && share(total.header, total.files) >= 0.99
            && share(total.names, total.named) >= 0.99,
        "{total:?}\n{}",
        misses.join("\n")
    );
}
