//! The built-in classifiers together, through the registry: each format goes to its
//! classifier, and no input, however broken, makes any of them panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use lakecat_classifiers::formats::builtins;
use lakecat_classifiers::{InMemoryObject, Outcome, Registry};
use proptest::prelude::*;

/// Built once, as a crawl builds it once: the grok classifiers compile their expressions.
fn registry() -> &'static Registry {
    static REGISTRY: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| Registry::new([], builtins()))
}

fn classify(path: &str, bytes: Vec<u8>) -> Outcome {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(registry().classify(&InMemoryObject::new(path, bytes)))
}

fn classification(outcome: &Outcome) -> &str {
    match outcome {
        Outcome::Classified(found) => &found.classification,
        Outcome::Unknown { .. } => "UNKNOWN",
    }
}

fn parquet_sample() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpora/parquet-testing/data/alltypes_plain.parquet");
    std::fs::read(path).unwrap()
}

#[test]
fn formats_reach_their_classifiers() {
    assert_eq!(
        classification(&classify("a.parquet", parquet_sample())),
        "parquet"
    );
    // Content decides, not the name.
    assert_eq!(
        classification(&classify("a.json", parquet_sample())),
        "parquet"
    );
    assert_eq!(
        classification(&classify("events", b"{\"a\": 1}\n{\"a\": 2}\n".to_vec())),
        "json"
    );
    assert_eq!(
        classification(&classify("blob.bin", vec![0, 159, 146, 150, 1, 2])),
        "UNKNOWN"
    );
    assert_eq!(classification(&classify("empty", Vec::new())), "UNKNOWN");
}

#[test]
fn corrupt_objects_are_unknown_with_a_reason() {
    let mut bytes = parquet_sample();
    let len = bytes.len();
    // Claim a footer longer than the file.
    bytes[len - 8..len - 4].copy_from_slice(&u32::MAX.to_le_bytes());
    match classify("broken.parquet", bytes) {
        Outcome::Unknown { reasons } => {
            assert_eq!(reasons.len(), 1, "{reasons:?}");
            assert!(
                reasons[0].starts_with("parquet: corrupt parquet object: the footer claims"),
                "{reasons:?}"
            );
        }
        other @ Outcome::Classified(_) => panic!("{other:?}"),
    }
}

fn json_sample() -> Vec<u8> {
    br#"{"id": 1, "name": "a", "tags": ["x"], "nested": {"k": [1, 2.5], "m": null}}
[{"id": 2}, {"id": 3}]
{"id": "four", "deep": [[[{"a": true}]]]}
"#
    .to_vec()
}

fn csv_sample() -> Vec<u8> {
    b"id,name,price,day\r\n1,\"a, b\",1.5,2024-01-01\r\n2,\"multi\nline\",2,2024-01-02\r\n3,x,,\r\n"
        .to_vec()
}

#[test]
fn logs_are_classified_by_grok_before_delimited_text() {
    let line = r#"10.1.2.3 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "-" "curl/8.0""#;
    let outcome = classify("access.log", format!("{line}\n{line}\n").into_bytes());
    assert_eq!(classification(&outcome), "combined_apache", "{outcome:?}");
}

#[test]
fn delimited_text_is_classified_last() {
    let outcome = classify("data.txt", csv_sample());
    assert_eq!(classification(&outcome), "csv", "{outcome:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        classify("random", bytes);
    }

    #[test]
    fn mutated_json_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = json_sample();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        bytes.truncate(cut.index(bytes.len()) + 1);
        classify("mutated.json", bytes);
    }

    #[test]
    fn mutated_xml_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(vec![b'<', b'>', b'/', b'"', b'=', b' ', 0u8, b'&'])), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = br#"<?xml version="1.0"?><rows><row id="1"><a>x</a><b><c>1</c><c>2</c></b></row><row id="2"><a>y</a></row></rows>"#.to_vec();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        bytes.truncate(cut.index(bytes.len()) + 1);
        classify("mutated.xml", bytes);
    }

    #[test]
    fn mutated_csv_never_panics(
        edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(vec![b',', b'"', b'\n', b'\r', b'\t', b';', 0u8, 0xff, b'x'])), 1..10),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = csv_sample();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        bytes.truncate(cut.index(bytes.len()) + 1);
        classify("mutated.csv", bytes);
    }
}
