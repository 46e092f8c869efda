//! After a large load, a selective partition filter must be answered from the key index, not
//! by walking the table's partitions. The store keeps planner statistics fresh for that, on
//! every connection.

#![allow(clippy::unwrap_used)]

mod support;

use lakecat_catalog::store::PartitionQuery;
use lakecat_catalog::{Column, DatabaseInput, PartitionInput, TableInput};
use support::TestCatalog;

conformance!(selective_filters_use_the_key_index);

fn key(name: &str) -> Column {
    Column {
        name: name.into(),
        type_name: Some("string".into()),
        ..Default::default()
    }
}

async fn selective_filters_use_the_key_index(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(DatabaseInput {
        name: "lake".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    c.create_table(
        "lake",
        TableInput {
            name: "events".into(),
            partition_keys: vec![key("year"), key("month"), key("day"), key("hour")],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Open reader connections before the load, as a running server has: they must not keep
    // planning with the statistics of an empty table.
    for _ in 0..4 {
        c.list_partitions("lake", "events", Default::default())
            .await
            .unwrap();
    }
    // 5 x 12 x 28 x 16 = 26,880 partitions: past the store's statistics refresh threshold.
    let mut batch = Vec::new();
    for year in 2020..2025 {
        for month in 1..=12 {
            for day in 1..=28 {
                for hour in 0..16 {
                    batch.push(PartitionInput {
                        values: vec![
                            year.to_string(),
                            format!("{month:02}"),
                            format!("{day:02}"),
                            format!("{hour:02}"),
                        ],
                        ..Default::default()
                    });
                }
            }
            c.load_partitions("lake", "events", &batch).await.unwrap();
            batch.clear();
        }
    }

    let plan = t
        .store
        .explain_partition_listing(
            "lake",
            "events",
            &PartitionQuery {
                expression: Some("year = '2022' AND month = '06' AND day = '15'".into()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(plan.contains("partitions_by_keys"), "plan:\n{plan}");
}
