//! Column statistics the built-in classifiers compute: exact figures from a Parquet footer
//! written here with known values, and sampled figures from CSV.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int32Array, Int64Array,
    RecordBatch, StringArray, TimestampMicrosecondArray,
};
use lakecat_classifiers::formats::csv::CsvClassifier;
use lakecat_classifiers::formats::parquet::ParquetClassifier;
use lakecat_classifiers::statistics::{Bound, Lengths, RowStatistics, StatisticsMode};
use lakecat_classifiers::{Classifier, InMemoryObject};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

/// A Parquet file of two row groups (3 rows, then 2) with known values.
fn parquet_file() -> Vec<u8> {
    let batch = |ids: Vec<Option<i64>>,
                 prices: Vec<f64>,
                 names: Vec<Option<&str>>,
                 days: Vec<i32>,
                 cents: Vec<i128>,
                 at: Vec<i64>,
                 small: Vec<i32>| {
        let rows = ids.len();
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("id", Arc::new(Int64Array::from(ids))),
            ("price", Arc::new(Float64Array::from(prices))),
            ("name", Arc::new(StringArray::from(names))),
            ("ok", Arc::new(BooleanArray::from(vec![true; rows]))),
            ("day", Arc::new(Date32Array::from(days))),
            (
                "amount",
                Arc::new(
                    Decimal128Array::from(cents)
                        .with_precision_and_scale(10, 2)
                        .unwrap(),
                ),
            ),
            (
                "at",
                Arc::new(TimestampMicrosecondArray::from(at).with_timezone("UTC")),
            ),
            ("small", Arc::new(Int32Array::from(small))),
        ];
        RecordBatch::try_from_iter(columns).unwrap()
    };
    let first = batch(
        vec![Some(5), None, Some(-2)],
        vec![1.5, -0.25, 3.0],
        vec![Some("apple"), Some("fig"), None],
        vec![19_000, 19_001, 19_002],
        vec![150, -25, 300],
        vec![1_000_000, 2_000_000, 3_000_000],
        vec![1, 2, 3],
    );
    let second = batch(
        vec![Some(40), Some(7)],
        vec![9.75, 0.0],
        vec![Some("kiwi"), Some("pear")],
        vec![18_000, 19_500],
        vec![975, 0],
        vec![500_000, 9_000_000],
        vec![-7, 0],
    );
    let mut bytes = Vec::new();
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(3))
        .build();
    let mut writer = ArrowWriter::try_new(&mut bytes, first.schema(), Some(properties)).unwrap();
    writer.write(&first).unwrap();
    writer.flush().unwrap();
    writer.write(&second).unwrap();
    writer.close().unwrap();
    bytes
}

async fn parquet_statistics(mode: StatisticsMode) -> Option<RowStatistics> {
    let object = InMemoryObject::new("t.parquet", parquet_file()).with_statistics_mode(mode);
    let found = ParquetClassifier.classify(&object).await.unwrap().unwrap();
    let schema = found.schema;
    found.statistics.map(|figures| figures.into_named(&schema))
}

#[tokio::test]
async fn parquet_footers_give_exact_figures() {
    let stats = parquet_statistics(StatisticsMode::Figures).await.unwrap();
    assert_eq!(stats.rows, 5);
    assert!(!stats.sampled, "footers cover every row");
    let column = |name: &str| stats.columns.get(name).unwrap().clone();
    let bounds = |name: &str| {
        let figures = column(name);
        assert!(figures.bounds_known, "{name}");
        (figures.min, figures.max)
    };
    assert_eq!(column("id").nulls, Some(1));
    assert_eq!(bounds("id"), (Some(Bound::Int(-2)), Some(Bound::Int(40))));
    assert_eq!(
        bounds("price"),
        (Some(Bound::Float(-0.25)), Some(Bound::Float(9.75)))
    );
    assert_eq!(bounds("small"), (Some(Bound::Int(-7)), Some(Bound::Int(3))));
    assert_eq!(
        bounds("day"),
        (Some(Bound::Date(18_000)), Some(Bound::Date(19_500)))
    );
    assert_eq!(
        bounds("amount"),
        (Some(Bound::Decimal(-25, 2)), Some(Bound::Decimal(975, 2)))
    );
    assert_eq!(
        bounds("at"),
        (
            Some(Bound::Timestamp(500_000)),
            Some(Bound::Timestamp(9_000_000))
        )
    );
    let ok = column("ok");
    assert_eq!((ok.trues, ok.falses, ok.nulls), (Some(5), Some(0), Some(0)));
    let name = column("name");
    assert_eq!(name.nulls, Some(1));
    // apple + fig + kiwi + pear: 16 bytes in 4 values; the footer has no longest value.
    assert_eq!(
        name.lengths,
        Some(Lengths {
            total: 16,
            values: 4,
            max: None
        })
    );
    assert!(stats.columns.values().all(|c| c.distinct.is_none()));
}

#[tokio::test]
async fn statistics_are_not_computed_when_off() {
    assert_eq!(parquet_statistics(StatisticsMode::Off).await, None);
    let csv = InMemoryObject::new("t.csv", b"a,b\n1,x\n2,y\n".to_vec())
        .with_statistics_mode(StatisticsMode::Off);
    let found = CsvClassifier::default().classify(&csv).await.unwrap();
    assert_eq!(found.unwrap().statistics, None);
}

#[tokio::test]
async fn csv_samples_give_marked_figures_and_sketches() {
    let mut text = String::from("id,city,price,active\n");
    for i in 0..300 {
        let city = ["Lyon", "Oslo", "", "Porto"][i % 4];
        text.push_str(&format!("{i},{city},{}.5,{}\n", i % 7, i % 3 == 0));
    }
    let csv = InMemoryObject::new("t.csv", text.into_bytes())
        .with_statistics_mode(StatisticsMode::WithDistinctValues);
    let found = CsvClassifier::default()
        .classify(&csv)
        .await
        .unwrap()
        .unwrap();
    let stats = found.statistics.unwrap().into_named(&found.schema);
    assert_eq!(stats.rows, 300);
    let id = &stats.columns["id"];
    assert_eq!(
        (&id.min, &id.max),
        (&Some(Bound::Int(0)), &Some(Bound::Int(299)))
    );
    let estimate = id.distinct.as_ref().unwrap().estimate();
    assert!((290..=310).contains(&estimate), "{estimate}");
    let city = &stats.columns["city"];
    assert_eq!(city.nulls, Some(75), "empty fields are null");
    assert_eq!(
        city.lengths.map(|l| (l.total, l.values, l.max)),
        Some((75 * 13, 225, Some(5)))
    );
    assert_eq!(city.distinct.as_ref().unwrap().estimate(), 3);
    let price = &stats.columns["price"];
    assert_eq!(
        (&price.min, &price.max),
        (&Some(Bound::Float(0.5)), &Some(Bound::Float(6.5)))
    );
    let active = &stats.columns["active"];
    assert_eq!((active.trues, active.falses), (Some(100), Some(200)));
}

#[tokio::test]
async fn json_samples_give_figures_of_top_level_scalars() {
    let text = "{\"Id\": 3, \"name\": \"ab\", \"ok\": true, \"tags\": [1]}\n\
                {\"id\": -1, \"name\": null, \"ok\": false}\n\
                {\"id\": 10, \"name\": \"xyz\", \"ok\": true, \"price\": 2.5}\n";
    let json = InMemoryObject::new("t.json", text.as_bytes().to_vec())
        .with_statistics_mode(StatisticsMode::WithDistinctValues);
    let found = lakecat_classifiers::formats::json::JsonClassifier::default()
        .classify(&json)
        .await
        .unwrap()
        .unwrap();
    let stats = found.statistics.unwrap().into_named(&found.schema);
    assert_eq!(stats.rows, 3);
    assert!(!stats.sampled, "the whole file was read");
    let id = &stats.columns["id"];
    assert_eq!(
        (&id.min, &id.max, id.nulls),
        (&Some(Bound::Int(-1)), &Some(Bound::Int(10)), Some(0)),
        "keys match columns ignoring case"
    );
    let name = &stats.columns["name"];
    assert_eq!(name.nulls, Some(1));
    assert_eq!(name.lengths.map(|l| (l.total, l.max)), Some((5, Some(3))));
    let ok = &stats.columns["ok"];
    assert_eq!((ok.trues, ok.falses), (Some(2), Some(1)));
    let price = &stats.columns["price"];
    assert_eq!(
        price.nulls,
        Some(2),
        "records without the key read it as null"
    );
    assert!(
        !stats.columns.contains_key("tags"),
        "arrays have no figures"
    );
}

#[tokio::test]
async fn parquet_rows_are_sketched_when_distinct_values_are_asked_for() {
    let stats = parquet_statistics(StatisticsMode::WithDistinctValues)
        .await
        .unwrap();
    let distinct = |name: &str| {
        stats.columns[name]
            .distinct
            .as_ref()
            .map(|d| d.estimate())
            .unwrap_or_else(|| panic!("{name} has no sketch"))
    };
    // Across both row groups; nulls are not values.
    assert_eq!(distinct("id"), 4);
    assert_eq!(distinct("name"), 4);
    assert_eq!(distinct("ok"), 1);
    assert_eq!(distinct("day"), 5);
    assert_eq!(distinct("amount"), 5);
    assert_eq!(distinct("at"), 5);
    // The footer figures are as without sketches.
    let figures = parquet_statistics(StatisticsMode::Figures).await.unwrap();
    assert_eq!(figures.columns["id"].min, stats.columns["id"].min);
}
