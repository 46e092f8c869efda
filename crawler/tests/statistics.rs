//! Column statistics written by crawls of generated lakes: exact ones from Parquet footers
//! for tables and partitions, sampled ones from CSV, distinct values when asked, none when
//! off, and what users wrote kept unless the crawler refreshes it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::Utc;
use lakecat_catalog::crawlers::{
    ColumnStatisticsPolicy, CrawlerConfiguration, DeleteBehavior, RecrawlBehavior, RecrawlPolicy,
    SchemaChangePolicy, UpdateBehavior,
};
use lakecat_catalog::{ColumnStatistics, StatisticsData, StatisticsOrigin, StatisticsScope};
use lakecat_testkit::lake::{Columns, write_parquet, write_text};
use support::Env;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

async fn statistics(
    env: &Env,
    table: &str,
    partition: Option<&[&str]>,
    columns: &[&str],
) -> Vec<ColumnStatistics> {
    let values = partition.map(names);
    let scope = match &values {
        Some(values) => StatisticsScope::Partition(values),
        None => StatisticsScope::Table,
    };
    env.catalog
        .get_column_statistics("lake", table, scope, &names(columns))
        .await
        .unwrap()
}

/// `sales/day=1` with 10 rows and `sales/day=2` with 20 (ids from 0, names `name-<id>`,
/// amounts id × 1.5).
fn write_sales(env: &Env) {
    write_parquet(&env.at("sales/day=1/part-0.parquet"), Columns::Base, 10).unwrap();
    write_parquet(&env.at("sales/day=2/part-0.parquet"), Columns::Base, 20).unwrap();
}

#[tokio::test]
async fn parquet_footers_give_exact_table_and_partition_statistics() {
    let env = Env::new().await;
    write_sales(&env);
    env.crawl_ok(&env.crawler("lake")).await;

    let table = statistics(&env, "sales", None, &["id", "name", "amount"]).await;
    assert_eq!(table.len(), 3, "{table:#?}");
    assert!(
        table
            .iter()
            .all(|s| s.origin == StatisticsOrigin::Crawler && !s.sampled)
    );
    assert_eq!(
        table[0].data,
        StatisticsData::Long {
            minimum_value: Some(0),
            maximum_value: Some(19),
            number_of_nulls: 0,
            number_of_distinct_values: None,
        }
    );
    assert_eq!(table[0].column_type, "bigint");
    // name-0..name-9 twice (6 bytes each), name-10..name-19 (7 bytes): 190 bytes in 30.
    match &table[1].data {
        StatisticsData::String {
            average_length,
            number_of_nulls,
            ..
        } => {
            assert!(
                (average_length - 190.0 / 30.0).abs() < 1e-9,
                "{average_length}"
            );
            assert_eq!(*number_of_nulls, 0);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        table[2].data,
        StatisticsData::Double {
            minimum_value: Some(0.0),
            maximum_value: Some(28.5),
            number_of_nulls: 0,
            number_of_distinct_values: None,
        }
    );
    let age = Utc::now() - table[0].analyzed_time;
    assert!(age.num_minutes() < 5, "{age}");

    let first_day = statistics(&env, "sales", Some(&["1"]), &["id"]).await;
    assert_eq!(
        first_day[0].data,
        StatisticsData::Long {
            minimum_value: Some(0),
            maximum_value: Some(9),
            number_of_nulls: 0,
            number_of_distinct_values: None,
        }
    );
}

#[tokio::test]
async fn csv_statistics_come_from_the_sample_with_distinct_values_when_asked() {
    let env = Env::new().await;
    let mut text = String::from("city,visits\n");
    for i in 0..40 {
        let city = ["Lyon", "Oslo", "", "Porto"][i % 4];
        text.push_str(&format!("{city},{i}\n"));
    }
    write_text(&env.at("visits/part-0.csv"), &text).unwrap();
    let mut crawler = env.crawler("lake");
    crawler.configuration = CrawlerConfiguration {
        column_statistics: ColumnStatisticsPolicy::ComputeWithDistinctValues,
        ..CrawlerConfiguration::default()
    };
    env.crawl_ok(&crawler).await;
    let table = statistics(&env, "visits", None, &["city", "visits"]).await;
    assert_eq!(
        table[0].data,
        StatisticsData::String {
            maximum_length: Some(5),
            average_length: 13.0 / 3.0,
            number_of_nulls: 10,
            number_of_distinct_values: Some(3),
        }
    );
    assert_eq!(
        table[1].data,
        StatisticsData::Long {
            minimum_value: Some(0),
            maximum_value: Some(39),
            number_of_nulls: 0,
            number_of_distinct_values: Some(40),
        }
    );

    crawler.configuration.column_statistics = ColumnStatisticsPolicy::Off;
    write_text(&env.at("trips/part-0.csv"), "a,b\n1,2\n3,4\n").unwrap();
    env.crawl_ok(&crawler).await;
    assert!(
        statistics(&env, "trips", None, &["a", "b"])
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn crawls_keep_what_users_wrote_unless_told_to_refresh() {
    let env = Env::new().await;
    write_sales(&env);
    let mut crawler = env.crawler("lake");
    env.crawl_ok(&crawler).await;
    let mut users = statistics(&env, "sales", None, &["id"]).await;
    users[0].data = StatisticsData::Long {
        minimum_value: Some(-100),
        maximum_value: Some(100),
        number_of_nulls: 0,
        number_of_distinct_values: Some(201),
    };
    env.catalog
        .update_column_statistics("lake", "sales", StatisticsScope::Table, users.clone())
        .await
        .unwrap();

    // New data changes the table, so the crawl writes it and its statistics.
    write_parquet(&env.at("sales/day=3/part-0.parquet"), Columns::Base, 50).unwrap();
    env.crawl_ok(&crawler).await;
    let kept = statistics(&env, "sales", None, &["id", "amount"]).await;
    assert_eq!(kept[0].origin, StatisticsOrigin::User);
    assert_eq!(kept[0].data, users[0].data, "the user's statistics stay");
    assert!(
        matches!(kept[1].data, StatisticsData::Double { maximum_value: Some(m), .. } if m == 73.5),
        "the crawler's are refreshed: {:?}",
        kept[1].data
    );

    crawler.configuration.refresh_user_statistics = true;
    write_parquet(&env.at("sales/day=4/part-0.parquet"), Columns::Base, 60).unwrap();
    env.crawl_ok(&crawler).await;
    let refreshed = statistics(&env, "sales", None, &["id"]).await;
    assert_eq!(refreshed[0].origin, StatisticsOrigin::Crawler);
    assert!(
        matches!(
            refreshed[0].data,
            StatisticsData::Long {
                maximum_value: Some(59),
                ..
            }
        ),
        "{:?}",
        refreshed[0].data
    );
}

#[tokio::test]
async fn a_crawl_of_new_folders_only_writes_their_statistics_and_leaves_the_tables() {
    let env = Env::new().await;
    write_sales(&env);
    let mut crawler = env.crawler("lake");
    env.crawl_ok(&crawler).await;
    let before = statistics(&env, "sales", None, &["id"]).await;
    crawler.recrawl_policy = RecrawlPolicy {
        recrawl_behavior: RecrawlBehavior::CrawlNewFoldersOnly,
    };
    crawler.schema_change_policy = SchemaChangePolicy {
        update_behavior: UpdateBehavior::Log,
        delete_behavior: DeleteBehavior::Log,
    };
    write_parquet(&env.at("sales/day=3/part-0.parquet"), Columns::Base, 50).unwrap();
    env.crawl_ok(&crawler).await;
    let after = statistics(&env, "sales", None, &["id"]).await;
    assert_eq!(
        after, before,
        "the table's figures would cover only the new folder"
    );
    let new_day = statistics(&env, "sales", Some(&["3"]), &["id"]).await;
    assert!(
        matches!(
            new_day[0].data,
            StatisticsData::Long {
                maximum_value: Some(49),
                ..
            }
        ),
        "{new_day:?}"
    );
}

#[tokio::test]
async fn distinct_values_of_parquet_partitions_merge_into_the_table() {
    let env = Env::new().await;
    write_sales(&env);
    let mut crawler = env.crawler("lake");
    crawler.configuration = CrawlerConfiguration {
        column_statistics: ColumnStatisticsPolicy::ComputeWithDistinctValues,
        ..CrawlerConfiguration::default()
    };
    env.crawl_ok(&crawler).await;
    let distinct = |statistics: &[ColumnStatistics]| match &statistics[0].data {
        StatisticsData::Long {
            number_of_distinct_values,
            ..
        } => *number_of_distinct_values,
        other => panic!("{other:?}"),
    };
    // Ids 0..9 in one partition and 0..19 in the other: 20 in the table, not 30.
    let table = statistics(&env, "sales", None, &["id"]).await;
    assert_eq!(distinct(&table), Some(20));
    assert!(
        table[0].sketch.is_some(),
        "the sketch is kept for later merges"
    );
    let first_day = statistics(&env, "sales", Some(&["1"]), &["id"]).await;
    assert_eq!(distinct(&first_day), Some(10));
}

#[tokio::test]
async fn tables_crawled_without_statistics_get_them_on_the_next_crawl() {
    let env = Env::new().await;
    write_sales(&env);
    let mut crawler = env.crawler("lake");
    crawler.configuration.column_statistics = ColumnStatisticsPolicy::Off;
    env.crawl_ok(&crawler).await;
    assert!(statistics(&env, "sales", None, &["id"]).await.is_empty());

    crawler.configuration.column_statistics = ColumnStatisticsPolicy::Compute;
    let run = env.crawl_ok(&crawler).await;
    assert_eq!(
        run.summary.counts.tables_updated, 0,
        "the table itself is unchanged"
    );
    assert_eq!(statistics(&env, "sales", None, &["id"]).await.len(), 1);
    assert_eq!(
        statistics(&env, "sales", Some(&["2"]), &["id"]).await.len(),
        1,
        "its partitions' too"
    );
    let first = statistics(&env, "sales", None, &["id"]).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    env.crawl_ok(&crawler).await;
    let again = statistics(&env, "sales", None, &["id"]).await;
    assert_eq!(
        again[0].analyzed_time, first[0].analyzed_time,
        "written once, not on every crawl"
    );
}
