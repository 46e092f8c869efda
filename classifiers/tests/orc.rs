//! The ORC classifier on files written by pyarrow with each footer compression.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use lakecat_classifiers::formats::orc::OrcClassifier;
use lakecat_classifiers::{Classifier, InMemoryObject};

fn sample(codec: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/sample_{codec}.orc")),
    )
    .unwrap()
}

#[tokio::test]
async fn schema_matches_what_pyarrow_wrote_for_every_compression() {
    for codec in ["uncompressed", "zlib", "snappy", "zstd", "lz4"] {
        let found = OrcClassifier
            .classify(&InMemoryObject::new(
                format!("x.{codec}.orc"),
                sample(codec),
            ))
            .await
            .unwrap_or_else(|e| panic!("{codec}: {e}"))
            .unwrap_or_else(|| panic!("{codec}: not recognized"));
        let columns: Vec<String> = found
            .schema
            .fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.data_type))
            .collect();
        assert_eq!(
            columns,
            [
                "id:bigint",
                "small:smallint",
                "name:string",
                "price:decimal(10,2)",
                "day:date",
                "at:timestamp",
                "ok:boolean",
                "score:float",
                "tags:array<string>",
                "attrs:map<string,int>",
                "address:struct<city:string,zip:int>"
            ],
            "{codec}"
        );
        assert_eq!(found.properties.record_count, Some(2), "{codec}");
    }
}

#[tokio::test]
async fn broken_files_are_errors_not_panics() {
    let good = sample("zlib");
    let classify = |bytes: Vec<u8>| async move {
        OrcClassifier
            .classify(&InMemoryObject::new("x.orc", bytes))
            .await
    };
    assert!(classify(b"not orc".to_vec()).await.unwrap().is_none());
    let mut cut = good.clone();
    cut.truncate(good.len() - 5);
    assert!(classify(cut).await.is_err());
    for i in (0..good.len()).step_by(7) {
        let mut bytes = good.clone();
        bytes[i] ^= 0x5a;
        let _ = classify(bytes).await;
    }
}

#[tokio::test]
async fn footers_give_exact_column_figures_for_every_compression() {
    use lakecat_classifiers::statistics::{Bound, Lengths};
    for codec in ["uncompressed", "zlib", "snappy", "zstd", "lz4"] {
        let found = OrcClassifier
            .classify(&InMemoryObject::new("x.orc", sample(codec)))
            .await
            .unwrap()
            .unwrap();
        let stats = found.statistics.unwrap().into_named(&found.schema);
        assert_eq!(stats.rows, 2, "{codec}");
        assert!(!stats.sampled);
        let column = |name: &str| stats.columns.get(name).unwrap().clone();
        let bounds = |name: &str| {
            let figures = column(name);
            (figures.nulls, figures.min, figures.max)
        };
        assert_eq!(
            bounds("id"),
            (Some(0), Some(Bound::Int(1)), Some(Bound::Int(2))),
            "{codec}"
        );
        assert_eq!(
            bounds("score"),
            (Some(0), Some(Bound::Float(1.5)), Some(Bound::Float(2.5))),
            "{codec}"
        );
        assert_eq!(
            bounds("price"),
            (
                Some(0),
                Some(Bound::Decimal(150, 2)),
                Some(Bound::Decimal(2000, 2))
            ),
            "{codec}"
        );
        // 2024-06-01 and 2024-06-02.
        assert_eq!(
            bounds("day"),
            (
                Some(0),
                Some(Bound::Date(19_875)),
                Some(Bound::Date(19_876))
            ),
            "{codec}"
        );
        let name = column("name");
        assert_eq!(name.nulls, Some(1), "{codec}");
        assert_eq!(
            name.lengths,
            Some(Lengths {
                total: 3,
                values: 1,
                max: None
            }),
            "{codec}"
        );
        let ok = column("ok");
        assert_eq!((ok.trues, ok.falses), (Some(1), Some(1)), "{codec}");
        assert!(
            !stats.columns.contains_key("tags") && !stats.columns.contains_key("address"),
            "nested columns have no figures"
        );
    }
}
