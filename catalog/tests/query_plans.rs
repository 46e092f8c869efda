//! After a large load, a selective partition filter must be answered from the key index, not
//! by walking the table's partitions. The store keeps planner statistics fresh for that.

#![allow(clippy::unwrap_used)]

mod support;

use lakecat_catalog::{Backend, Column, DatabaseInput, PartitionInput, TableInput};
use sqlx::{Connection, Row};
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

    // The statement shape of the store's filtered listing.
    let query = "SELECT id, body, create_time FROM partitions WHERE table_id = 1 AND id > 0 \
                 AND (k0 = '2022' AND k1 = '06' AND k2 = '15') ORDER BY id LIMIT 1001";
    let mut conn = sqlx::AnyConnection::connect(&t.url).await.unwrap();
    let plan: Vec<String> = match t.store.backend() {
        Backend::Sqlite => sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {query}")))
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<String, _>(3).unwrap())
            .collect(),
        Backend::Postgres => sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {query}")))
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<String, _>(0).unwrap())
            .collect(),
    };
    let plan = plan.join("\n");
    assert!(plan.contains("partitions_by_keys"), "plan:\n{plan}");
}
