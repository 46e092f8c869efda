//! The answer written from stored definitions equals the one built from decoded partitions,
//! for definitions that use every member, and for the least a definition holds.

use chrono::{DateTime, Utc};
use lakecat_catalog::{
    Column, EncodedPartition, Listing, Parameters, PartitionInput, SerDeInfo, SortColumn,
    StorageDescriptor,
};
use serde_json::{Value, json};

use super::PartitionPage;
use crate::glue::shapes::Partition as GluePartition;

fn parameters(pairs: &[(&str, &str)]) -> Parameters {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn full() -> PartitionInput {
    PartitionInput {
        values: vec!["2024".into(), "say \"hi\"\\ é 😀".into()],
        storage_descriptor: Some(StorageDescriptor {
            columns: vec![
                Column {
                    name: "id".into(),
                    type_name: Some("bigint".into()),
                    comment: Some("the key\n(unique)".into()),
                    parameters: parameters(&[("a", "1")]),
                },
                Column {
                    name: "payload".into(),
                    type_name: Some("struct<a:int,b:array<string>>".into()),
                    comment: None,
                    parameters: Parameters::new(),
                },
                Column {
                    name: "untyped".into(),
                    ..Column::default()
                },
            ],
            location: Some("s3://bucket/t/year=2024/k=say%20hi/".into()),
            input_format: Some("org.apache.hadoop.mapred.TextInputFormat".into()),
            output_format: Some("out".into()),
            compressed: true,
            number_of_buckets: 4,
            serde_info: Some(SerDeInfo {
                name: Some("serde".into()),
                serialization_library: Some("lib".into()),
                parameters: parameters(&[("field.delim", "\t"), ("quoteChar", "\"")]),
            }),
            bucket_columns: vec!["id".into()],
            sort_columns: vec![SortColumn {
                column: "id".into(),
                sort_order: 0,
            }],
            parameters: parameters(&[("recordCount", "10"), ("classification", "csv")]),
            stored_as_sub_directories: true,
        }),
        parameters: parameters(&[("owner", "ünï"), ("empty", "")]),
        last_access_time: DateTime::from_timestamp_millis(1_700_000_000_123),
    }
}

fn minimal() -> PartitionInput {
    PartitionInput {
        values: vec!["__HIVE_DEFAULT_PARTITION__".into()],
        ..PartitionInput::default()
    }
}

fn descriptor_without_serde() -> PartitionInput {
    PartitionInput {
        values: vec!["1".into()],
        storage_descriptor: Some(StorageDescriptor {
            location: Some("file:///lake/t/k=1/".into()),
            ..StorageDescriptor::default()
        }),
        ..PartitionInput::default()
    }
}

/// GetPartitions' answer as built before, from decoded partitions through Glue's shapes.
fn decoded_answer(
    items: &[EncodedPartition],
    next: Option<&str>,
    exclude_column_schema: bool,
) -> Value {
    let partitions: Vec<GluePartition> = items
        .iter()
        .map(|item| {
            let mut partition = item.decode("sales", "orders").unwrap();
            if exclude_column_schema && let Some(sd) = partition.storage_descriptor.as_mut() {
                sd.columns.clear();
            }
            partition.into()
        })
        .collect();
    json!({"Partitions": partitions, "NextToken": next})
}

#[test]
fn written_answer_equals_the_decoded_one() {
    let created: DateTime<Utc> = DateTime::from_timestamp_millis(1_600_000_000_456).unwrap();
    let cases: [(&str, Vec<PartitionInput>, Option<&str>, bool); 5] = [
        ("every member", vec![full()], None, false),
        (
            "every member, columns excluded",
            vec![full()],
            Some("tok"),
            true,
        ),
        ("no descriptor", vec![minimal()], None, false),
        (
            "descriptor without serde",
            vec![descriptor_without_serde()],
            None,
            true,
        ),
        (
            "a page of several",
            vec![full(), minimal(), descriptor_without_serde()],
            Some("next"),
            false,
        ),
    ];
    for (case, inputs, next, exclude_column_schema) in cases {
        let items: Vec<EncodedPartition> = inputs
            .iter()
            .map(|input| EncodedPartition::from_input(input, created).unwrap())
            .collect();
        let expected = decoded_answer(&items, next, exclude_column_schema);
        let listing = Listing {
            items,
            next_page_token: next.map(str::to_string),
        };
        let written = PartitionPage {
            database_name: "sales",
            table_name: "orders",
            listing: &listing,
            exclude_column_schema,
        }
        .write()
        .unwrap();
        let written: Value = serde_json::from_slice(&written).unwrap();
        assert_eq!(written, expected, "{case}");
    }
}

#[test]
fn an_empty_page_has_no_partitions() {
    let listing = Listing {
        items: Vec::new(),
        next_page_token: None,
    };
    let written = PartitionPage {
        database_name: "sales",
        table_name: "orders",
        listing: &listing,
        exclude_column_schema: false,
    }
    .write()
    .unwrap();
    assert_eq!(
        std::str::from_utf8(&written).unwrap(),
        r#"{"Partitions":[],"NextToken":null}"#
    );
}
