//! Conformance of column statistics on SQLite and PostgreSQL: user writes with Glue's
//! per-entry refusals, reads in the order asked, deletes, crawl writes that keep (or
//! replace) what users wrote, and statistics that go with their table or partition.

#![allow(clippy::unwrap_used)]

mod support;

use chrono::{DateTime, NaiveDate};
use lakecat_catalog::statistics::MAX_STATISTICS_PER_UPDATE;
use lakecat_catalog::{
    Catalog, Column, ColumnStatistics, CrawledStatistics, DatabaseInput, Entity, Error,
    PartitionInput, StatisticsData, StatisticsOrigin, StatisticsScope, StorageDescriptor,
    TableAction, TableChange, TableInput,
};
use support::TestCatalog;

conformance!(
    user_statistics_round_trip_with_per_entry_refusals,
    statistics_requests_past_glue_limits_are_refused,
    crawled_statistics_keep_what_users_wrote,
    crawled_statistics_replace_what_users_wrote_when_asked,
    statistics_go_with_their_table_and_partition,
    statistics_of_many_partitions_are_written_whole,
);

fn column(name: &str, type_name: &str) -> Column {
    Column {
        name: name.into(),
        type_name: Some(type_name.into()),
        ..Default::default()
    }
}

fn sales() -> TableInput {
    TableInput {
        name: "sales".into(),
        partition_keys: vec![column("day", "string")],
        storage_descriptor: Some(StorageDescriptor {
            columns: vec![
                column("id", "bigint"),
                column("city", "string"),
                column("sold", "date"),
            ],
            location: Some("s3://lake/sales/".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn day(value: &str) -> PartitionInput {
    PartitionInput {
        values: vec![value.into()],
        storage_descriptor: Some(StorageDescriptor {
            location: Some(format!("s3://lake/sales/day={value}/")),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn ids(min: i64, max: i64, origin: StatisticsOrigin) -> ColumnStatistics {
    ColumnStatistics {
        column_name: "id".into(),
        column_type: "bigint".into(),
        analyzed_time: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        data: StatisticsData::Long {
            minimum_value: Some(min),
            maximum_value: Some(max),
            number_of_nulls: 0,
            number_of_distinct_values: Some(max - min + 1).map(|n| n as u64),
        },
        origin,
        sampled: false,
        sketch: None,
    }
}

fn cities(average_length: f64) -> ColumnStatistics {
    ColumnStatistics {
        column_name: "city".into(),
        column_type: "string".into(),
        analyzed_time: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        data: StatisticsData::String {
            maximum_length: Some(12),
            average_length,
            number_of_nulls: 3,
            number_of_distinct_values: None,
        },
        origin: StatisticsOrigin::Crawler,
        sampled: true,
        sketch: Some(vec![7, 7, 7]),
    }
}

async fn create_sales(c: &Catalog) {
    c.create_database(DatabaseInput {
        name: "db".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    c.apply_table_change(
        "db",
        TableChange {
            action: TableAction::Create(sales()),
            put_partitions: vec![day("2024-01-01"), day("2024-01-02")],
            delete_partitions: vec![],
            statistics: None,
        },
    )
    .await
    .unwrap();
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn one_day() -> Vec<String> {
    names(&["2024-01-01"])
}

async fn user_statistics_round_trip_with_per_entry_refusals(t: &TestCatalog) {
    let c = &t.catalog;
    create_sales(c).await;
    let dates = ColumnStatistics {
        column_name: "sold".into(),
        column_type: "date".into(),
        data: StatisticsData::Date {
            minimum_value: NaiveDate::from_ymd_opt(2024, 1, 1),
            maximum_value: NaiveDate::from_ymd_opt(2024, 1, 31),
            number_of_nulls: 1,
            number_of_distinct_values: Some(31),
        },
        ..ids(0, 0, StatisticsOrigin::User)
    };
    let unknown_column = ColumnStatistics {
        column_name: "nope".into(),
        ..ids(1, 2, StatisticsOrigin::User)
    };
    let partition_key = ColumnStatistics {
        column_name: "day".into(),
        ..ids(1, 2, StatisticsOrigin::User)
    };
    // The origin a caller claims is ignored: API writes are a user's.
    let failures = c
        .update_column_statistics(
            "DB",
            "Sales",
            StatisticsScope::Table,
            vec![
                ids(1, 9, StatisticsOrigin::Crawler),
                ids(5, 1, StatisticsOrigin::User),
                dates.clone(),
                unknown_column,
                partition_key,
            ],
        )
        .await
        .unwrap();
    let refused: Vec<(&str, String)> = failures
        .iter()
        .map(|f| (f.statistics.column_name.as_str(), f.error.to_string()))
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(
        refused[0].0 == "id" && refused[0].1.contains("above"),
        "{refused:?}"
    );
    assert!(
        matches!(
            failures[1].error,
            Error::NotFound {
                entity: Entity::Column,
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(refused[2].0, "day", "partition keys have no statistics");

    let read = c
        .get_column_statistics(
            "db",
            "sales",
            StatisticsScope::Table,
            &names(&["sold", "city", "id"]),
        )
        .await
        .unwrap();
    let read_names: Vec<&str> = read.iter().map(|s| s.column_name.as_str()).collect();
    assert_eq!(
        read_names,
        ["sold", "id"],
        "in the order asked, none for city"
    );
    assert_eq!(read[0].data, dates.data);
    assert_eq!(read[1], ids(1, 9, StatisticsOrigin::User));

    // A column named twice in one request takes the last.
    c.update_column_statistics(
        "db",
        "sales",
        StatisticsScope::Table,
        vec![
            ids(1, 2, StatisticsOrigin::User),
            ids(1, 9, StatisticsOrigin::User),
        ],
    )
    .await
    .unwrap();
    let read = c
        .get_column_statistics("db", "sales", StatisticsScope::Table, &names(&["id"]))
        .await
        .unwrap();
    assert_eq!(read, vec![ids(1, 9, StatisticsOrigin::User)]);

    // A partition's statistics are its own.
    let partition = StatisticsScope::Partition(&one_day());
    c.update_column_statistics(
        "db",
        "sales",
        partition,
        vec![ids(3, 4, StatisticsOrigin::User)],
    )
    .await
    .unwrap();
    let read = c
        .get_column_statistics("db", "sales", partition, &names(&["id", "sold"]))
        .await
        .unwrap();
    assert_eq!(read, vec![ids(3, 4, StatisticsOrigin::User)]);

    c.delete_column_statistics("db", "sales", partition, "id")
        .await
        .unwrap();
    let again = c
        .delete_column_statistics("db", "sales", partition, "id")
        .await;
    assert!(
        matches!(
            again,
            Err(Error::NotFound {
                entity: Entity::ColumnStatistics,
                ..
            })
        ),
        "{again:?}"
    );
    let table_level = table_statistics(c, &["id"]).await;
    assert_eq!(
        table_level.len(),
        1,
        "deleting a partition's left the table's"
    );

    let missing_partition = c
        .get_column_statistics(
            "db",
            "sales",
            StatisticsScope::Partition(&names(&["2030-01-01"])),
            &names(&["id"]),
        )
        .await;
    assert!(
        matches!(
            missing_partition,
            Err(Error::NotFound {
                entity: Entity::Partition,
                ..
            })
        ),
        "{missing_partition:?}"
    );
    let missing_table = c
        .get_column_statistics("db", "nope", StatisticsScope::Table, &names(&["id"]))
        .await;
    assert!(
        matches!(
            missing_table,
            Err(Error::NotFound {
                entity: Entity::Table,
                ..
            })
        ),
        "{missing_table:?}"
    );
}

async fn statistics_requests_past_glue_limits_are_refused(t: &TestCatalog) {
    let c = &t.catalog;
    create_sales(c).await;
    let many: Vec<String> = (0..101).map(|i| format!("c{i}")).collect();
    let read = c
        .get_column_statistics("db", "sales", StatisticsScope::Table, &many)
        .await;
    assert!(
        matches!(&read, Err(Error::InvalidInput(m)) if m.contains("100")),
        "{read:?}"
    );
    let writes = vec![ids(1, 2, StatisticsOrigin::User); MAX_STATISTICS_PER_UPDATE + 1];
    let written = c
        .update_column_statistics("db", "sales", StatisticsScope::Table, writes)
        .await;
    assert!(
        matches!(&written, Err(Error::InvalidInput(m)) if m.contains("25")),
        "{written:?}"
    );
    let nothing = table_statistics(c, &["id"]).await;
    assert!(nothing.is_empty(), "a refused request writes nothing");
}

/// The table-level statistics of `sales` for `columns`.
async fn table_statistics(c: &Catalog, columns: &[&str]) -> Vec<ColumnStatistics> {
    c.get_column_statistics("db", "sales", StatisticsScope::Table, &names(columns))
        .await
        .unwrap()
}

/// Applies a crawl of `sales` with `table` statistics (and no partitions').
async fn crawl_sales_table(c: &Catalog, table: Vec<ColumnStatistics>, replace_user_written: bool) {
    let crawled = CrawledStatistics {
        table: Some(table),
        partitions: vec![],
        replace_user_written,
    };
    c.apply_table_change("db", crawl_of_sales(crawled))
        .await
        .unwrap();
}

/// Creates `sales` with a user's statistics of `id`.
async fn sales_with_user_statistics(c: &Catalog) {
    create_sales(c).await;
    sales_user_ids(c).await;
}

/// A user's statistics of `sales.id`.
async fn sales_user_ids(c: &Catalog) {
    c.update_column_statistics(
        "db",
        "sales",
        StatisticsScope::Table,
        vec![ids(100, 200, StatisticsOrigin::User)],
    )
    .await
    .unwrap();
}

fn crawl_of_sales(statistics: CrawledStatistics) -> TableChange {
    TableChange {
        action: TableAction::Keep {
            name: "sales".into(),
        },
        put_partitions: vec![day("2024-01-03")],
        delete_partitions: vec![],
        statistics: Some(statistics),
    }
}

async fn crawled_statistics_keep_what_users_wrote(t: &TestCatalog) {
    let c = &t.catalog;
    sales_with_user_statistics(c).await;
    let crawled = CrawledStatistics {
        table: Some(vec![ids(1, 50, StatisticsOrigin::Crawler), cities(4.5)]),
        partitions: vec![(
            names(&["2024-01-03"]),
            vec![ids(1, 10, StatisticsOrigin::Crawler)],
        )],
        replace_user_written: false,
    };
    c.apply_table_change("db", crawl_of_sales(crawled))
        .await
        .unwrap();
    let table = table_statistics(c, &["id", "city"]).await;
    assert_eq!(table[0], ids(100, 200, StatisticsOrigin::User), "kept");
    assert_eq!(table[1], cities(4.5), "with its sketch and sample mark");
    let new_partition = c
        .get_column_statistics(
            "db",
            "sales",
            StatisticsScope::Partition(&names(&["2024-01-03"])),
            &names(&["id"]),
        )
        .await
        .unwrap();
    assert_eq!(new_partition, vec![ids(1, 10, StatisticsOrigin::Crawler)]);

    // Deleting a column's statistics deletes what the crawler wrote of it too, so that
    // nothing shows through: the user's statistics of `id` hid the crawler's.
    c.delete_column_statistics("db", "sales", StatisticsScope::Table, "city")
        .await
        .unwrap();
    c.delete_column_statistics("db", "sales", StatisticsScope::Table, "id")
        .await
        .unwrap();
    assert!(table_statistics(c, &["id", "city"]).await.is_empty());
    sales_user_ids(c).await;

    // The next crawl no longer sees `city` (say, the column went): its statistics go, the
    // user's stay.
    crawl_sales_table(c, vec![ids(1, 60, StatisticsOrigin::Crawler)], false).await;
    let table = table_statistics(c, &["id", "city"]).await;
    assert_eq!(table, vec![ids(100, 200, StatisticsOrigin::User)]);
    // A crawl that read only some of the table leaves its statistics alone.
    let partial = CrawledStatistics {
        table: None,
        partitions: vec![],
        replace_user_written: true,
    };
    c.apply_table_change("db", crawl_of_sales(partial))
        .await
        .unwrap();
    assert_eq!(
        table_statistics(c, &["id", "city"]).await,
        vec![ids(100, 200, StatisticsOrigin::User)]
    );
}

async fn crawled_statistics_replace_what_users_wrote_when_asked(t: &TestCatalog) {
    let c = &t.catalog;
    sales_with_user_statistics(c).await;
    let mut day_stats = ids(5, 6, StatisticsOrigin::User);
    day_stats.column_name = "sold".into();
    day_stats.column_type = "date".into();
    day_stats.data = StatisticsData::Date {
        minimum_value: NaiveDate::from_ymd_opt(2024, 1, 1),
        maximum_value: None,
        number_of_nulls: 0,
        number_of_distinct_values: None,
    };
    c.update_column_statistics(
        "db",
        "sales",
        StatisticsScope::Table,
        vec![day_stats.clone()],
    )
    .await
    .unwrap();
    crawl_sales_table(c, vec![ids(1, 50, StatisticsOrigin::Crawler)], true).await;
    let table = table_statistics(c, &["id", "sold"]).await;
    assert_eq!(
        table,
        vec![ids(1, 50, StatisticsOrigin::Crawler), day_stats],
        "the crawl replaced the user's id, and left sold, which it did not compute"
    );
}

async fn statistics_go_with_their_table_and_partition(t: &TestCatalog) {
    let c = &t.catalog;
    create_sales(c).await;
    assert!(
        c.tables_with_column_statistics("db")
            .await
            .unwrap()
            .is_empty()
    );
    let crawled = CrawledStatistics {
        table: Some(vec![ids(1, 50, StatisticsOrigin::Crawler)]),
        partitions: vec![(one_day(), vec![ids(1, 10, StatisticsOrigin::Crawler)])],
        replace_user_written: false,
    };
    c.apply_table_change("db", crawl_of_sales(crawled))
        .await
        .unwrap();
    assert_eq!(
        c.tables_with_column_statistics("DB").await.unwrap(),
        ["sales"]
    );
    c.delete_partitions("db", "sales", &[one_day()])
        .await
        .unwrap();
    c.create_partitions("db", "sales", &[day("2024-01-01")])
        .await
        .unwrap();
    let recreated = c
        .get_column_statistics(
            "db",
            "sales",
            StatisticsScope::Partition(&one_day()),
            &names(&["id"]),
        )
        .await
        .unwrap();
    assert!(
        recreated.is_empty(),
        "a deleted partition's statistics went"
    );

    c.delete_table("db", "sales").await.unwrap();
    c.apply_table_change(
        "db",
        TableChange {
            action: TableAction::Create(sales()),
            put_partitions: vec![],
            delete_partitions: vec![],
            statistics: None,
        },
    )
    .await
    .unwrap();
    let recreated = table_statistics(c, &["id"]).await;
    assert!(recreated.is_empty(), "a deleted table's statistics went");

    // A crawl naming a partition that is not there writes nothing at all.
    let crawled = CrawledStatistics {
        table: Some(vec![ids(1, 50, StatisticsOrigin::Crawler)]),
        partitions: vec![(names(&["2099-01-01"]), vec![])],
        replace_user_written: false,
    };
    let failed = c
        .apply_table_change(
            "db",
            TableChange {
                action: TableAction::Keep {
                    name: "sales".into(),
                },
                put_partitions: vec![],
                delete_partitions: vec![],
                statistics: Some(crawled),
            },
        )
        .await;
    assert!(failed.is_err(), "{failed:?}");
    let nothing = table_statistics(c, &["id"]).await;
    assert!(nothing.is_empty(), "the failed change wrote no statistics");
}

/// More partitions and rows than one statement takes: every one is written, and a second
/// crawl replaces them all.
async fn statistics_of_many_partitions_are_written_whole(t: &TestCatalog) {
    let c = &t.catalog;
    create_sales(c).await;
    let days: Vec<String> = (0..450).map(|i| format!("d{i:03}")).collect();
    let crawl = |max: i64| TableChange {
        action: TableAction::Keep {
            name: "sales".into(),
        },
        put_partitions: days.iter().map(|d| day(d)).collect(),
        delete_partitions: vec![],
        statistics: Some(CrawledStatistics {
            table: None,
            partitions: days
                .iter()
                .map(|d| {
                    (
                        vec![d.clone()],
                        vec![ids(0, max, StatisticsOrigin::Crawler), cities(2.5)],
                    )
                })
                .collect(),
            replace_user_written: false,
        }),
    };
    c.apply_table_change("db", crawl(10)).await.unwrap();
    c.apply_table_change("db", crawl(20)).await.unwrap();
    for d in [&days[0], &days[222], &days[449]] {
        let read = c
            .get_column_statistics(
                "db",
                "sales",
                StatisticsScope::Partition(std::slice::from_ref(d)),
                &names(&["id", "city"]),
            )
            .await
            .unwrap();
        assert_eq!(
            read,
            vec![ids(0, 20, StatisticsOrigin::Crawler), cities(2.5)],
            "{d}"
        );
    }
}
