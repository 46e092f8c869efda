//! Very wide and very deep objects of every text format classify within a fixed time, and
//! those past the schema limits are refused with the reason rather than catalogued.
//!
//! Before keyed lookups, a one-line JSON object of 80,000 keys took 91 s to classify, and
//! time grew with the square of the width. The budget below is far above what linear work
//! needs even in a debug build on a busy machine, and far below what quadratic work takes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use lakecat_classifiers::custom::ClassifierDefinition;
use lakecat_classifiers::formats::builtins;
use lakecat_classifiers::{InMemoryObject, Outcome, Registry};

/// Time one object may take to classify.
const BUDGET: Duration = Duration::from_secs(20);

fn registry() -> Registry {
    let grok = ClassifierDefinition::Grok {
        name: "kv".into(),
        classification: "kv".into(),
        grok_pattern: "%{WORD:key}=%{GREEDYDATA:value}".into(),
        custom_patterns: String::new(),
    }
    .build()
    .unwrap();
    Registry::new([grok], builtins())
}

/// Classifies `bytes` as `path`, failing if it takes longer than the budget.
fn classify(path: &str, bytes: Vec<u8>) -> Outcome {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let started = Instant::now();
    let outcome = runtime.block_on(registry().classify(&InMemoryObject::new(path, bytes)));
    let took = started.elapsed();
    assert!(took < BUDGET, "{path} took {took:?}");
    outcome
}

fn refused_with(outcome: &Outcome, reason: &str) {
    match outcome {
        Outcome::Unknown { reasons } => assert!(
            reasons.iter().any(|r| r.contains(reason)),
            "expected a reason containing {reason:?}, got {reasons:?}"
        ),
        Outcome::Classified(found) => panic!(
            "classified as {} with {} columns, expected a refusal: {reason}",
            found.classification,
            found.schema.fields.len()
        ),
    }
}

fn classified_as(outcome: &Outcome, classification: &str, columns: usize) {
    match outcome {
        Outcome::Classified(found) => {
            assert_eq!(found.classification, classification);
            assert_eq!(found.schema.fields.len(), columns);
        }
        Outcome::Unknown { reasons } => panic!("not classified: {reasons:?}"),
    }
}

/// One JSON object per line, each with `keys` distinct keys.
fn wide_json(keys: usize, lines: usize) -> Vec<u8> {
    let mut text = String::new();
    for line in 0..lines {
        text.push('{');
        for key in 0..keys {
            let comma = if key == 0 { "" } else { "," };
            write!(text, "{comma}\"k{key}\":{line}").unwrap();
        }
        text.push_str("}\n");
    }
    text.into_bytes()
}

fn deep_json(levels: usize) -> Vec<u8> {
    format!("{}1{}\n", "{\"a\":".repeat(levels), "}".repeat(levels)).into_bytes()
}

#[test]
fn wide_json_is_linear_and_past_the_width_limit_refused() {
    // 80,000 keys on one line (about 1.5 MB): the case that took 91 s.
    refused_with(
        &classify("wide.json", wide_json(80_000, 1)),
        "more than 10000 columns",
    );
    // Wider than the 10 MB sample: no complete record is found.
    let outcome = classify("widest.json", wide_json(700_000, 1));
    assert!(matches!(outcome, Outcome::Unknown { .. }), "{outcome:?}");
    classified_as(&classify("ok.json", wide_json(9_000, 3)), "json", 9_000);
}

#[test]
fn deep_json_is_refused_past_the_nesting_limit() {
    // The record itself is the first level: 33 objects make a column nested 32 deep.
    classified_as(&classify("ok.json", deep_json(33)), "json", 1);
    refused_with(
        &classify("deep.json", deep_json(40)),
        "nested 39 levels deep",
    );
    // Deeper than the JSON parser's recursion limit: refused, not a stack overflow.
    let outcome = classify("deepest.json", deep_json(100_000));
    assert!(matches!(outcome, Outcome::Unknown { .. }), "{outcome:?}");
}

#[test]
fn wide_csv_headers_are_linear_and_past_the_width_limit_refused() {
    let row = |prefix: &str, columns: usize| -> String {
        (0..columns)
            .map(|i| format!("{prefix}{i}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let csv = |columns: usize| {
        format!(
            "{}\n{}\n{}\n",
            row("n", columns),
            row("", columns),
            row("", columns)
        )
        .into_bytes()
    };
    // Without a header (numbers only), so that rows fit the dialect sniffer's sample.
    let numbers = |columns: usize| format!("{}\n", vec!["1"; columns].join(",")).repeat(3);
    refused_with(
        &classify("wide.csv", numbers(12_000).into_bytes()),
        "more than 10000 columns",
    );
    // Rows longer than the classifier's sample are not recognized as CSV at all.
    let outcome = classify("widest.csv", csv(200_000));
    assert!(matches!(outcome, Outcome::Unknown { .. }), "{outcome:?}");
    classified_as(&classify("ok.csv", csv(3_000)), "csv", 3_000);
    // One name repeated: duplicates are suffixed in linear time.
    let repeated = format!(
        "{}\n{}\n{}\n",
        vec!["same"; 3_000].join(","),
        row("", 3_000),
        row("", 3_000)
    );
    classified_as(&classify("same.csv", repeated.into_bytes()), "csv", 3_000);
}

#[test]
fn wide_and_deep_xml_is_bounded() {
    let row = |children: usize| -> String {
        let mut text = String::from("<row>");
        for child in 0..children {
            write!(text, "<c{child}>{child}</c{child}>").unwrap();
        }
        text.push_str("</row>");
        text
    };
    let xml = |children: usize| format!("<rows>{}{}</rows>", row(children), row(children));
    refused_with(
        &classify("wide.xml", xml(30_000).into_bytes()),
        "more than 10000 columns",
    );
    classified_as(&classify("ok.xml", xml(5_000).into_bytes()), "xml", 5_000);
    // Deep elements are typed string past the XML classifier's own depth.
    let deep = format!(
        "<rows>{r}{r}</rows>",
        r = format!(
            "<row>{}x{}</row>",
            "<a>".repeat(50_000),
            "</a>".repeat(50_000)
        )
    );
    classified_as(&classify("deep.xml", deep.into_bytes()), "xml", 1);
}

#[test]
fn long_log_lines_are_bounded() {
    let line = format!("key={}\n", "v".repeat(1_500_000));
    classified_as(&classify("one.log", line.repeat(3).into_bytes()), "kv", 2);
    let many = "level=INFO\n".repeat(200_000);
    classified_as(&classify("many.log", many.into_bytes()), "kv", 2);
}
