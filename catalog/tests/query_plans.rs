//! After a large load, a selective partition filter must be answered from the key index, not
//! by walking the table's partitions. The store keeps planner statistics fresh for that, on
//! every connection.

#![allow(clippy::unwrap_used)]

mod support;

use lakecat_catalog::Backend;
use lakecat_catalog::store::PartitionQuery;
use lakecat_catalog::{
    Column, PageRequest, PartitionInput, PartitionListRequest, StorageDescriptor,
};
use support::TestCatalog;

conformance!(selective_filters_use_the_key_index);

fn key(name: &str) -> Column {
    Column {
        name: name.into(),
        type_name: Some("string".into()),
        ..Default::default()
    }
}

/// The store's plan for a page of 100 partitions of `lake.events` that `expression` selects.
async fn plan_of(t: &TestCatalog, expression: &str) -> String {
    t.store
        .explain_partition_listing(
            "lake",
            "events",
            &PartitionQuery {
                expression: Some(expression.into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

async fn selective_filters_use_the_key_index(t: &TestCatalog) {
    let c = &t.catalog;
    support::create_lake_events(c, vec![key("year"), key("month"), key("day"), key("hour")]).await;
    // Open reader connections before the load, as a running server has: they must not keep
    // planning with the statistics of an empty table.
    for _ in 0..4 {
        c.list_partitions("lake", "events", Default::default())
            .await
            .unwrap();
    }
    // 5 x 12 x 28 x 16 = 26,880 partitions: past the store's statistics refresh threshold.
    // Each is described as a crawler describes one (location, formats, columns), so that a
    // row weighs what it does in a crawled catalog against an index entry.
    let columns: Vec<Column> = ["id", "user", "url", "referrer", "agent", "country"]
        .into_iter()
        .map(key)
        .collect();
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
                        storage_descriptor: Some(StorageDescriptor {
                            columns: columns.clone(),
                            location: Some(format!(
                                "s3://lake/events/year={year}/month={month:02}/day={day:02}/\
                                 hour={hour:02}/"
                            )),
                            input_format: Some(
                                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
                                    .into(),
                            ),
                            output_format: Some(
                                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
                                    .into(),
                            ),
                            ..Default::default()
                        }),
                        ..Default::default()
                    });
                }
            }
            c.load_partitions("lake", "events", &batch).await.unwrap();
            batch.clear();
        }
    }

    let plan = plan_of(t, "year = '2022' AND month = '06' AND day = '15'").await;
    assert!(plan.contains("partitions_by_keys"), "plan:\n{plan}");

    // A filter that no index can seek (no leading key) is evaluated over index entries,
    // which hold the first four key slots, not over whole rows.
    let sparse = "day LIKE '1%' AND hour = '07' AND month > '10'";
    let plan = plan_of(t, sparse).await;
    // Never the rows in id order (SQLite's row id range, PostgreSQL's scan of the table);
    // PostgreSQL may as well scan the key index's entries, which hold the same slots.
    assert!(
        !plan.contains("rowid>?") && !plan.contains("Seq Scan"),
        "plan:\n{plan}"
    );
    if t.store.backend() == Backend::Sqlite {
        assert!(
            plan.contains("COVERING INDEX partitions_by_table_slots"),
            "plan:\n{plan}"
        );
    }

    // Its pages follow one another in id order, as an unfiltered listing's do.
    let request = |page_token: Option<String>| PartitionListRequest {
        expression: Some(sparse.into()),
        page: PageRequest {
            max_results: Some(7),
            page_token,
        },
        ..Default::default()
    };
    let mut paged = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .list_partitions("lake", "events", request(token))
            .await
            .unwrap();
        paged.extend(page.items.into_iter().map(|p| p.values));
        token = page.next_page_token;
        if token.is_none() {
            break;
        }
    }
    // 5 years x months 11 and 12 x days 10 to 19 x hour 07, in the order they were loaded.
    let mut expected = Vec::new();
    for year in 2020..2025 {
        for month in 11..=12 {
            for day in 10..=19 {
                expected.push(vec![
                    year.to_string(),
                    format!("{month:02}"),
                    day.to_string(),
                    "07".to_string(),
                ]);
            }
        }
    }
    assert_eq!(paged, expected);
}
