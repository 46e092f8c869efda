//! Golden test: what the built-in classifiers say about every object of the sample lake
//! (`samples/lake`), pinned in `golden/samples.json`. A change in any classifier's output
//! shows here as a diff; after checking it, regenerate with
//! `LAKECAT_UPDATE_GOLDEN=1 cargo test -p lakecat-classifiers --test samples`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lakecat_classifiers::formats::builtins;
use lakecat_classifiers::{InMemoryObject, Outcome, Registry};
use serde_json::{Value, json};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn describe(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Unknown { reasons } => json!({"classification": "UNKNOWN", "reasons": reasons}),
        Outcome::Classified(found) => {
            let p = found.properties;
            json!({
                "classification": found.classification,
                "certainty": found.certainty,
                "columns": found.schema.fields.iter().map(|f| format!("{}: {}", f.name, f.data_type)).collect::<Vec<_>>(),
                "compression": p.compression.glue_name(),
                "delimiter": p.delimiter.map(String::from),
                "quote": p.quote.map(String::from),
                "header": p.header,
                "serde": p.serde_library,
                "serde_parameters": p.serde_parameters,
                "input_format": p.input_format,
                "record_count": p.record_count,
                "record_count_estimated": p.record_count_estimated,
                "warnings": found.warnings,
            })
        }
    }
}

#[tokio::test]
async fn sample_lake_classifications_are_pinned() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/lake");
    let registry = Registry::new([], builtins());
    let mut paths = Vec::new();
    files(&root, &mut paths);
    let mut actual = BTreeMap::new();
    for path in paths {
        let name = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let object = InMemoryObject::new(name.clone(), std::fs::read(&path).unwrap());
        actual.insert(name, describe(registry.classify(&object).await));
    }
    let rendered = serde_json::to_string_pretty(&actual).unwrap() + "\n";
    let golden = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/samples.json");
    if std::env::var("LAKECAT_UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(&golden, &rendered).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_default();
    assert!(
        expected == rendered,
        "classifier output changed; check the diff, then regenerate with LAKECAT_UPDATE_GOLDEN=1\n{rendered}"
    );
}
