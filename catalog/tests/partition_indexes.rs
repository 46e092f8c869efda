//! Partition indexes on both stores: Glue's rules for creating them, and that filters on a
//! key outside the leading ones use the index once it exists, with the same results.

#![allow(clippy::unwrap_used)]

mod support;

use lakecat_catalog::store::PartitionQuery;
use lakecat_catalog::{
    Column, DatabaseInput, Entity, Error, PartitionIndexInput, PartitionInput, TableInput,
    UpdateTableOptions,
};
use support::TestCatalog;

conformance!(
    partition_index_rules,
    indexes_serve_filters_on_later_keys,
    a_table_and_its_indexes_are_created_together,
);

fn key(name: &str, type_name: &str) -> Column {
    Column {
        name: name.into(),
        type_name: Some(type_name.into()),
        ..Default::default()
    }
}

fn index(name: &str, keys: &[&str]) -> PartitionIndexInput {
    PartitionIndexInput {
        name: name.into(),
        keys: keys.iter().map(|k| k.to_string()).collect(),
    }
}

fn events_table() -> TableInput {
    TableInput {
        name: "events".into(),
        partition_keys: vec![
            key("year", "string"),
            key("month", "int"),
            key("day", "date"),
            key("region", "string"),
        ],
        ..Default::default()
    }
}

async fn setup(t: &TestCatalog) {
    t.catalog
        .create_database(DatabaseInput {
            name: "lake".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    t.catalog
        .create_table("lake", events_table())
        .await
        .unwrap();
}

async fn partition_index_rules(t: &TestCatalog) {
    setup(t).await;
    let c = &t.catalog;

    let created = c
        .create_partition_index("lake", "events", index("by_region", &["REGION", "month"]))
        .await
        .unwrap();
    assert_eq!(created.name, "by_region");
    assert_eq!(
        created.keys,
        vec![key("region", "string"), key("month", "int")]
    );

    let duplicate = c
        .create_partition_index("lake", "events", index("by_region", &["year"]))
        .await
        .unwrap_err();
    assert!(
        matches!(duplicate, Error::AlreadyExists { entity: Entity::PartitionIndex, ref name } if name == "lake.events.by_region"),
        "{duplicate:?}"
    );

    let unknown = c
        .create_partition_index("lake", "events", index("x", &["hour"]))
        .await
        .unwrap_err();
    assert!(
        matches!(&unknown, Error::InvalidInput(m) if m.contains("keys[0]: hour is not a partition key") && m.contains("year, month, day, region")),
        "{unknown}"
    );
    let date = c
        .create_partition_index("lake", "events", index("x", &["year", "day"]))
        .await
        .unwrap_err();
    assert!(
        matches!(&date, Error::InvalidInput(m) if m.contains("keys[1]: partition key day has type date")),
        "{date}"
    );
    let repeated = c
        .create_partition_index("lake", "events", index("x", &["year", "Year"]))
        .await
        .unwrap_err();
    assert!(
        matches!(&repeated, Error::InvalidInput(m) if m.contains("keys[1]: key year appears twice")),
        "{repeated}"
    );
    let empty = c
        .create_partition_index("lake", "events", index("x", &[]))
        .await
        .unwrap_err();
    assert!(matches!(empty, Error::InvalidInput(_)), "{empty}");
    let missing_table = c
        .create_partition_index("lake", "nope", index("x", &["year"]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            missing_table,
            Error::NotFound {
                entity: Entity::Table,
                ..
            }
        ),
        "{missing_table:?}"
    );

    c.create_partition_index("lake", "events", index("by_year", &["year"]))
        .await
        .unwrap();
    c.create_partition_index("lake", "events", index("by_month", &["month"]))
        .await
        .unwrap();
    let fourth = c
        .create_partition_index("lake", "events", index("by_year_month", &["year", "month"]))
        .await
        .unwrap_err();
    assert!(
        matches!(&fourth, Error::LimitExceeded(m) if m.contains("already has 3 partition indexes")),
        "{fourth:?}"
    );
    let names: Vec<String> = c
        .list_partition_indexes("lake", "events")
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["by_region", "by_year", "by_month"]);

    // An indexed key cannot be retyped or renamed; other keys can.
    let mut retyped = events_table();
    retyped.partition_keys[1] = key("month", "string");
    let refused = c
        .update_table("lake", "events", retyped, UpdateTableOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::InvalidInput(m) if m.contains("month is indexed by partition index")),
        "{refused}"
    );
    let mut renamed_unindexed = events_table();
    renamed_unindexed.partition_keys[2] = key("dt", "date");
    c.update_table(
        "lake",
        "events",
        renamed_unindexed,
        UpdateTableOptions::default(),
    )
    .await
    .unwrap();

    c.delete_partition_index("lake", "events", "by_year")
        .await
        .unwrap();
    let gone = c
        .delete_partition_index("lake", "events", "by_year")
        .await
        .unwrap_err();
    assert!(
        matches!(
            gone,
            Error::NotFound {
                entity: Entity::PartitionIndex,
                ..
            }
        ),
        "{gone:?}"
    );
    // Freed a place: the limit counts the table's current indexes.
    c.create_partition_index("lake", "events", index("by_year_month", &["year", "month"]))
        .await
        .unwrap();
    assert_eq!(
        c.list_partition_indexes("lake", "events")
            .await
            .unwrap()
            .len(),
        3
    );
}

fn plan_query(expression: &str) -> PartitionQuery {
    PartitionQuery {
        expression: Some(expression.into()),
        limit: 1000,
        ..Default::default()
    }
}

async fn indexes_serve_filters_on_later_keys(t: &TestCatalog) {
    setup(t).await;
    // 5 years x 12 months x 4 days x 40 regions = 9,600 partitions.
    for year in 2020..2025 {
        let mut batch = Vec::new();
        for month in 1..=12 {
            for day in 1..=4 {
                for region in 0..40 {
                    batch.push(PartitionInput {
                        values: vec![
                            year.to_string(),
                            month.to_string(),
                            format!("{year}-{month:02}-{day:02}"),
                            format!("r{region:02}"),
                        ],
                        ..Default::default()
                    });
                }
            }
        }
        t.catalog
            .load_partitions("lake", "events", &batch)
            .await
            .unwrap();
    }
    let by_region = "region = 'r07'";
    let by_month = "month = 6 AND region = 'r07'";
    let before = t
        .store
        .explain_partition_listing("lake", "events", &plan_query(by_region))
        .await
        .unwrap();
    assert!(!before.contains("partitions_ix_"), "plan:\n{before}");
    let expected_region = support::selected_values(&t.catalog, by_region)
        .await
        .unwrap();
    let expected_month = support::selected_values(&t.catalog, by_month)
        .await
        .unwrap();
    assert_eq!(expected_region.len(), 240);
    assert_eq!(expected_month.len(), 20);

    t.catalog
        .create_partition_index("lake", "events", index("by_region", &["region"]))
        .await
        .unwrap();
    t.catalog
        .create_partition_index(
            "lake",
            "events",
            index("by_month_region", &["month", "region"]),
        )
        .await
        .unwrap();
    let with_index = t
        .store
        .explain_partition_listing("lake", "events", &plan_query(by_region))
        .await
        .unwrap();
    assert!(
        with_index.contains("partitions_ix_k3"),
        "plan:\n{with_index}"
    );
    let numeric = t
        .store
        .explain_partition_listing("lake", "events", &plan_query(by_month))
        .await
        .unwrap();
    assert!(numeric.contains("partitions_ix_n1_k3"), "plan:\n{numeric}");
    assert_eq!(
        support::selected_values(&t.catalog, by_region)
            .await
            .unwrap(),
        expected_region
    );
    assert_eq!(
        support::selected_values(&t.catalog, by_month)
            .await
            .unwrap(),
        expected_month
    );

    // Deleting the index drops the database index when nothing else uses it.
    t.catalog
        .delete_partition_index("lake", "events", "by_region")
        .await
        .unwrap();
    let after = t
        .store
        .explain_partition_listing("lake", "events", &plan_query(by_region))
        .await
        .unwrap();
    assert!(!after.contains("partitions_ix_k3"), "plan:\n{after}");
    assert_eq!(
        support::selected_values(&t.catalog, by_region)
            .await
            .unwrap(),
        expected_region
    );

    // Deleting the table drops the indexes it alone used.
    t.catalog.delete_table("lake", "events").await.unwrap();
    t.catalog
        .create_table("lake", events_table())
        .await
        .unwrap();
    let fresh = t
        .store
        .explain_partition_listing("lake", "events", &plan_query(by_month))
        .await
        .unwrap();
    assert!(!fresh.contains("partitions_ix_"), "plan:\n{fresh}");
}

/// A table created with partition indexes gets them all, or, when one is refused, is not
/// created at all: the table and its indexes are one transaction.
async fn a_table_and_its_indexes_are_created_together(t: &TestCatalog) {
    setup(t).await;
    let c = &t.catalog;
    let named = |name: &str| TableInput {
        name: name.into(),
        ..events_table()
    };

    let created = c
        .create_table_with_indexes(
            "lake",
            named("indexed"),
            vec![
                index("by_region", &["region"]),
                index("by_month", &["month"]),
            ],
        )
        .await
        .unwrap();
    assert_eq!(created.name, "indexed");
    let names: Vec<String> = c
        .list_partition_indexes("lake", "indexed")
        .await
        .unwrap()
        .into_iter()
        .map(|index| index.name)
        .collect();
    assert_eq!(names, ["by_region", "by_month"]);

    // Refused inside the transaction, after the table's row was written: two indexes of
    // one name.
    let error = c
        .create_table_with_indexes(
            "lake",
            named("twice"),
            vec![
                index("by_region", &["region"]),
                index("by_region", &["year"]),
            ],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::AlreadyExists {
                entity: Entity::PartitionIndex,
                ..
            }
        ),
        "{error:?}"
    );
    // Refused before it: a key that cannot be indexed, and too many indexes.
    let error = c
        .create_table_with_indexes("lake", named("by_date"), vec![index("by_day", &["day"])])
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    let four = ["year", "month", "region", "year"]
        .iter()
        .enumerate()
        .map(|(i, key)| index(&format!("ix{i}"), &[key]))
        .collect();
    let error = c
        .create_table_with_indexes("lake", named("crowded"), four)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::LimitExceeded(_)), "{error:?}");

    for refused in ["twice", "by_date", "crowded"] {
        let error = c.get_table("lake", refused).await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::NotFound {
                    entity: Entity::Table,
                    ..
                }
            ),
            "{refused}: {error:?}"
        );
    }
    // The name is free: nothing of the refused table stayed behind.
    c.create_table("lake", named("twice")).await.unwrap();
    assert!(
        c.list_partition_indexes("lake", "twice")
            .await
            .unwrap()
            .is_empty()
    );
}
