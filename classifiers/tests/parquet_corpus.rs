//! The Parquet classifier on the Apache parquet-testing corpus (../shared/corpora): every
//! file pyarrow reads gets pyarrow's schema (mapped to Hive types by the same rules; the
//! expectations are in golden/parquet-testing.json, produced by golden/pyarrow_schemas.py),
//! and every file in bad_data/ gets a clean error or a clean classification, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use lakecat_classifiers::formats::parquet::ParquetClassifier;
use lakecat_classifiers::{Classifier, ClassifyError, InMemoryObject};
use serde_json::Value;

fn corpus() -> PathBuf {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora/parquet-testing");
    assert!(
        path.is_dir(),
        "the shared corpus is missing at {}",
        path.display()
    );
    path
}

async fn classify(
    path: &std::path::Path,
) -> Result<Option<lakecat_classifiers::Classification>, ClassifyError> {
    let bytes = std::fs::read(path).unwrap();
    let object = InMemoryObject::new(path.file_name().unwrap().to_string_lossy(), bytes);
    ParquetClassifier.classify(&object).await
}

/// Files where lakecat differs from pyarrow's `read_schema`, with the reason. The test fails
/// if one of them starts to match, so that this list stays true.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "dict-page-offset-zero.parquet",
        "arrow-rs 59's footer decoder rejects this footer's column metadata (a list of the \
         wrong element type), which pyarrow tolerates; lakecat reports it corrupt. A lenient \
         decoder of the schema alone would recover it.",
    ),
    (
        "nation.dict-malformed.parquet",
        "its dictionary pages are malformed: pyarrow's read_schema does not read data, lakecat's \
         validation of the first rows does, and reports the object corrupt.",
    ),
];

#[tokio::test]
async fn schemas_match_pyarrow() {
    let golden: BTreeMap<String, Value> =
        serde_json::from_str(include_str!("golden/parquet-testing.json")).unwrap();
    let mut mismatches = Vec::new();
    let mut matched = 0;
    for (name, expected) in &golden {
        let result = classify(&corpus().join("data").join(name)).await;
        let Some(columns) = expected.get("columns") else {
            // pyarrow cannot read it: lakecat must not panic, and either refuses it cleanly or
            // reads the footer.
            continue;
        };
        let expected: Vec<(String, String)> = serde_json::from_value(columns.clone()).unwrap();
        let known = KNOWN_DIFFERENCES.iter().any(|(n, _)| n == name);
        let actual = match result {
            Ok(Some(found)) => found
                .schema
                .fields
                .iter()
                .map(|f| (f.name.clone(), f.data_type.to_string()))
                .collect::<Vec<_>>(),
            Ok(None) if !known => {
                mismatches.push(format!("{name}: not recognized as Parquet"));
                continue;
            }
            Err(error) if !known => {
                mismatches.push(format!("{name}: {error}"));
                continue;
            }
            _ => continue,
        };
        if actual == expected {
            if known {
                mismatches.push(format!(
                    "{name} now matches pyarrow: remove it from KNOWN_DIFFERENCES"
                ));
            }
            matched += 1;
        } else if !known {
            mismatches.push(format!(
                "{name}:\n  lakecat {actual:?}\n  pyarrow {expected:?}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(matched >= 60, "only {matched} files compared");
}

#[tokio::test]
async fn bad_data_never_panics() {
    let mut outcomes = Vec::new();
    for entry in std::fs::read_dir(corpus().join("bad_data")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "parquet") {
            continue;
        }
        let outcome = match classify(&path).await {
            Ok(Some(found)) => format!("classified, {} columns", found.schema.fields.len()),
            Ok(None) => "not parquet".to_string(),
            Err(error) => format!("error: {error}"),
        };
        outcomes.push(format!(
            "{}: {outcome}",
            path.file_name().unwrap().to_string_lossy()
        ));
    }
    outcomes.sort();
    let errors = outcomes
        .iter()
        .filter(|o| o.contains(": error: corrupt parquet object"))
        .count();
    // ARROW-GH-43605 (an RLE dictionary index with bit width 0) is read by pyarrow and
    // arrow-rs alike; the other seven are reported corrupt with a reason.
    assert_eq!(outcomes.len(), 8, "{outcomes:#?}");
    assert_eq!(errors, 7, "{outcomes:#?}");
    assert!(
        outcomes[2].starts_with("ARROW-GH-43605.parquet: classified"),
        "{outcomes:#?}"
    );
}

mod mutations {
    use super::*;
    use proptest::prelude::*;

    fn sample(name: &str) -> Vec<u8> {
        std::fs::read(corpus().join("data").join(name)).unwrap()
    }

    fn classify_bytes(bytes: Vec<u8>) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let object = InMemoryObject::new("mutated.parquet", bytes);
        // Any outcome is fine; a panic, a hang or an abort is not.
        let _ = runtime.block_on(ParquetClassifier.classify(&object));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096), magic in any::<bool>()) {
            let mut bytes = bytes;
            if magic {
                bytes.extend_from_slice(b"PAR1");
            }
            classify_bytes(bytes);
        }

        #[test]
        fn mutated_files_never_panic(
            file in prop::sample::select(vec!["alltypes_plain.parquet", "nested_lists.snappy.parquet", "nested_maps.snappy.parquet", "int32_decimal.parquet"]),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
            truncate in any::<bool>(),
        ) {
            let mut bytes = sample(file);
            for (at, value) in edits {
                let i = at.index(bytes.len());
                bytes[i] = value;
            }
            if truncate {
                let keep = cut.index(bytes.len());
                bytes.drain(..keep);
            }
            classify_bytes(bytes);
        }
    }
}

/// An object whose reader asks classifiers to read only what the schema needs.
struct FooterOnly(InMemoryObject);

#[async_trait::async_trait]
impl lakecat_classifiers::ObjectSource for FooterOnly {
    fn info(&self) -> &lakecat_classifiers::ObjectInfo {
        self.0.info()
    }

    async fn read_range(&self, range: std::ops::Range<u64>) -> Result<bytes::Bytes, ClassifyError> {
        self.0.read_range(range).await
    }

    fn check_content(&self) -> bool {
        false
    }
}

#[tokio::test]
async fn content_checks_can_be_left_out() {
    let name = "nation.dict-malformed.parquet";
    let bytes = std::fs::read(corpus().join("data").join(name)).unwrap();
    let checked = ParquetClassifier
        .classify(&InMemoryObject::new(name, bytes.clone()))
        .await
        .unwrap_err();
    assert!(checked.to_string().contains("data pages"), "{checked}");
    let unchecked = ParquetClassifier
        .classify(&FooterOnly(InMemoryObject::new(name, bytes)))
        .await
        .unwrap()
        .expect("classified from its footer");
    assert_eq!(unchecked.schema.fields.len(), 4, "{:?}", unchecked.schema);
}
