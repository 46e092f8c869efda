//! End-to-end crawls of generated lakes on the local file system: what tables and partitions
//! end up in the catalog, and what the run record says.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use tokio_util::sync::CancellationToken;

use lakecat_catalog::crawlers::{
    ChangeKind, CrawlerConfiguration, DeleteBehavior, RecrawlBehavior, RecrawlPolicy, RunState,
    SchemaChangePolicy, Severity, TableGroupingPolicy, UpdateBehavior,
};
use lakecat_catalog::{Table, UpdateTableOptions};
use lakecat_testkit::lake::{Columns, write_parquet, write_text};
use support::{Env, columns, folder_url, keys};

fn param<'a>(table: &'a Table, key: &str) -> Option<&'a str> {
    table.parameters.get(key).map(String::as_str)
}

fn write_sales_days(env: &Env, days: &[(u32, u32, u32)], columns: Columns) {
    for (year, month, day) in days {
        write_parquet(
            &env.at(&format!(
                "sales/year={year}/month={month:02}/day={day:02}/part-0.parquet"
            )),
            columns,
            10,
        )
        .unwrap();
    }
}

#[tokio::test]
async fn hive_partitions_several_levels_deep_make_one_table_as_glue_writes_it() {
    let env = Env::new().await;
    write_sales_days(
        &env,
        &[(2023, 12, 31), (2024, 1, 1), (2024, 1, 2), (2024, 2, 1)],
        Columns::Base,
    );
    write_text(&env.at("sales/_SUCCESS"), "").unwrap();
    write_text(&env.at("sales/year=2024/.part-0.parquet.crc"), "crc").unwrap();
    write_text(&env.at("sales/_temporary/0/part-9.parquet"), "partial").unwrap();
    let run = env.crawl_ok(&env.crawler("lake")).await;

    let tables = env.tables("lake").await;
    assert_eq!(
        tables.keys().collect::<Vec<_>>(),
        ["sales"],
        "{:#?}",
        run.report
    );
    let table = &tables["sales"];
    assert_eq!(keys(table), ["year", "month", "day"]);
    assert_eq!(
        columns(table),
        ["id bigint", "name string", "amount double"]
    );
    assert!(
        table
            .partition_keys
            .iter()
            .all(|k| k.type_name.as_deref() == Some("string"))
    );
    let sd = table.storage_descriptor.as_ref().unwrap();
    assert_eq!(
        sd.location.as_deref(),
        Some(folder_url(&env.at("sales")).as_str())
    );
    assert_eq!(
        sd.input_format.as_deref(),
        Some("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
    );
    assert_eq!(
        sd.serde_info
            .as_ref()
            .unwrap()
            .serialization_library
            .as_deref(),
        Some("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")
    );
    assert_eq!(table.table_type.as_deref(), Some("EXTERNAL_TABLE"));
    assert_eq!(param(table, "classification"), Some("parquet"));
    assert_eq!(param(table, "compressionType"), Some("none"));
    assert_eq!(param(table, "typeOfData"), Some("file"));
    assert_eq!(param(table, "objectCount"), Some("4"));
    assert_eq!(param(table, "recordCount"), Some("40"));
    assert_eq!(param(table, "UPDATED_BY_CRAWLER"), Some("crawler-lake"));
    // Glue writes the crawler's parameters on the storage descriptor too.
    assert_eq!(
        sd.parameters.get("classification").map(String::as_str),
        Some("parquet")
    );

    let partitions = env.partitions("lake", "sales").await;
    let values: Vec<Vec<&str>> = partitions
        .iter()
        .map(|p| p.values.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        values,
        [
            ["2023", "12", "31"],
            ["2024", "01", "01"],
            ["2024", "01", "02"],
            ["2024", "02", "01"]
        ]
    );
    let first = &partitions[0];
    let first_sd = first.storage_descriptor.as_ref().unwrap();
    assert_eq!(
        first_sd.location.as_deref(),
        Some(folder_url(&env.at("sales/year=2023/month=12/day=31")).as_str())
    );
    assert_eq!(
        first.parameters.get("recordCount").map(String::as_str),
        Some("10")
    );
    assert_eq!(
        first.parameters.get("objectCount").map(String::as_str),
        Some("1")
    );

    // Hidden and marker objects are skipped without noise; the decision is explained.
    assert_eq!(run.summary.counts.objects_listed, 7);
    assert_eq!(run.summary.counts.objects_read, 4);
    assert_eq!(run.summary.counts.objects_skipped, 3);
    assert!(run.report.issues.is_empty(), "{:#?}", run.report.issues);
    let decision = run
        .report
        .decisions
        .iter()
        .find(|d| d.outcome.contains("\"sales\""))
        .unwrap();
    assert!(decision.reason.contains("parquet"), "{decision:?}");
    assert_eq!(run.summary.counts.tables_created, 1);
    assert_eq!(run.summary.counts.partitions_added, 4);
}

#[tokio::test]
async fn unnamed_partitions_are_numbered_and_percent_encoded_values_decoded() {
    let env = Env::new().await;
    for (day, hour) in [("01", "00"), ("01", "13"), ("02", "07")] {
        write_text(
            &env.at(&format!("clicks/2024/06/{day}/{hour}/events.json")),
            "{\"user\": \"ada\", \"n\": 1}\n{\"user\": \"bob\", \"n\": 2}\n",
        )
        .unwrap();
    }
    write_text(
        &env.at("visits/city=New%20York/visits.json"),
        "{\"visitor\": 1}\n",
    )
    .unwrap();
    write_text(
        &env.at("visits/city=__HIVE_DEFAULT_PARTITION__/visits.json"),
        "{\"visitor\": 2}\n",
    )
    .unwrap();
    env.crawl_ok(&env.crawler("lake")).await;
    let tables = env.tables("lake").await;
    assert_eq!(tables.keys().collect::<Vec<_>>(), ["clicks", "visits"]);
    assert_eq!(
        keys(&tables["clicks"]),
        ["partition_0", "partition_1", "partition_2", "partition_3"]
    );
    let values: Vec<Vec<String>> = env
        .partitions("lake", "clicks")
        .await
        .into_iter()
        .map(|p| p.values)
        .collect();
    assert_eq!(values.len(), 3);
    assert_eq!(values[1], ["2024", "06", "01", "13"]);
    assert_eq!(param(&tables["clicks"], "classification"), Some("json"));
    let visits: Vec<Vec<String>> = env
        .partitions("lake", "visits")
        .await
        .into_iter()
        .map(|p| p.values)
        .collect();
    assert_eq!(
        visits,
        [
            vec!["New York".to_string()],
            vec!["__HIVE_DEFAULT_PARTITION__".to_string()]
        ]
    );
}

#[tokio::test]
async fn a_column_added_later_widens_the_table_and_partitions_keep_their_own() {
    let env = Env::new().await;
    write_sales_days(&env, &[(2024, 1, 1), (2024, 1, 2)], Columns::Base);
    write_sales_days(&env, &[(2024, 1, 3)], Columns::WithDiscount);
    env.crawl_ok(&env.crawler("lake")).await;
    let tables = env.tables("lake").await;
    assert_eq!(tables.len(), 1);
    assert_eq!(
        columns(&tables["sales"]),
        [
            "id bigint",
            "name string",
            "amount double",
            "discount double"
        ]
    );
    let partitions = env.partitions("lake", "sales").await;
    let partition_columns = |i: usize| {
        partitions[i]
            .storage_descriptor
            .as_ref()
            .unwrap()
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(partition_columns(0), ["id", "name", "amount"]);
    assert_eq!(partition_columns(2), ["id", "name", "amount", "discount"]);
}

#[tokio::test]
async fn incompatible_siblings_become_tables_and_stray_files_do_not() {
    let env = Env::new().await;
    write_parquet(&env.at("data/sales/part-0.parquet"), Columns::Base, 5).unwrap();
    write_parquet(&env.at("data/sensors/part-0.parquet"), Columns::Sensor, 5).unwrap();
    // A file beside folders, and a lone odd file in a folder of its own kind.
    write_text(&env.at("data/readme.csv"), "a,b\n1,2\n").unwrap();
    let run = env.crawl_ok(&env.crawler("lake")).await;
    let tables = env.tables("lake").await;
    assert_eq!(
        tables.keys().collect::<Vec<_>>(),
        ["sales", "sensors"],
        "{:#?}",
        run.report.decisions
    );
    assert_eq!(
        columns(&tables["sensors"]),
        ["sensor string", "reading double"]
    );
    let split = run
        .report
        .decisions
        .iter()
        .find(|d| d.outcome.contains("decided on its own"))
        .unwrap();
    assert!(split.reason.contains("50%"), "{split:?}");
    let stray = run
        .report
        .issues
        .iter()
        .find(|i| i.path.ends_with("readme.csv"))
        .unwrap();
    assert_eq!(stray.severity, Severity::Warning);
    assert!(stray.message.contains("beside folders"), "{stray:?}");
}

#[tokio::test]
async fn the_70_percent_rule_and_combine_compatible_schemas() {
    let env = Env::new().await;
    // Glue's example: {A, B} in year=2017 and {C, D} in year=2018 are two tables by
    // default, one with CombineCompatibleSchemas.
    write_text(&env.at("y/year=2017/a.json"), "{\"A\": 1, \"B\": 2}\n").unwrap();
    write_text(&env.at("y/year=2018/b.json"), "{\"C\": 3, \"D\": 4}\n").unwrap();
    env.crawl_ok(&env.crawler("split")).await;
    assert_eq!(
        env.tables("split").await.keys().collect::<Vec<_>>(),
        ["year_2017", "year_2018"]
    );
    let mut combined = env.crawler("combined");
    combined.configuration = CrawlerConfiguration {
        table_grouping_policy: Some(TableGroupingPolicy::CombineCompatibleSchemas),
        ..CrawlerConfiguration::default()
    };
    env.crawl_ok(&combined).await;
    let tables = env.tables("combined").await;
    assert_eq!(tables.keys().collect::<Vec<_>>(), ["y"]);
    assert_eq!(keys(&tables["y"]), ["year"]);
    // Hive (and the catalog) fold column names to lower case.
    assert_eq!(columns(&tables["y"]), ["a int", "b int", "c int", "d int"]);
    // The JSON SerDe's `paths` follow the merged columns, and a second crawl sees its own
    // table unchanged.
    let serde = tables["y"]
        .storage_descriptor
        .as_ref()
        .unwrap()
        .serde_info
        .as_ref()
        .unwrap();
    assert_eq!(serde.parameters["paths"], "a,b,c,d");
    let again = env.crawl_ok(&combined).await;
    assert_eq!(
        again.report.changes[0].kind,
        ChangeKind::Unchanged,
        "{:#?}",
        again.report
    );
}

/// Newer partitions gained three columns; whatever share of them did, the folders are the
/// partitions of one table with the merged schema, for key=value and for unnamed
/// (date-like) partition folders. Glue's similarity rule split these into one table per
/// partition once about a third of the partitions had the new columns.
#[tokio::test]
async fn partitions_that_gained_columns_are_one_table_whatever_their_share() {
    let env = Env::new().await;
    // Columns carry their dataset's name, so that the datasets stay apart from each other
    // (siblings with alike schemas would be one table, as in Glue).
    let record = |prefix: &str, day: u32, evolved: bool| {
        let mut record = format!("{{\"{prefix}id\": {day}, \"{prefix}v\": 1");
        if evolved {
            record.push_str(&format!(
                ", \"{prefix}a\": \"x\", \"{prefix}b\": 2.5, \"{prefix}c\": true"
            ));
        }
        record + "}\n"
    };
    let datasets = [("early", 2), ("half", 5), ("late", 9)];
    for (dataset, evolved_from) in datasets {
        for day in 0..10 {
            write_text(
                &env.at(&format!("{dataset}/day={day:02}/d.json")),
                &record(dataset, day, day >= evolved_from),
            )
            .unwrap();
            let dated = format!("{dataset}_dated");
            write_text(
                &env.at(&format!("{dated}/2024-06-{:02}/d.json", day + 1)),
                &record(&dated, day, day >= evolved_from),
            )
            .unwrap();
        }
    }
    let run = env.crawl_ok(&env.crawler("evolved")).await;
    let tables = env.tables("evolved").await;
    assert_eq!(
        tables.keys().collect::<Vec<_>>(),
        [
            "early",
            "early_dated",
            "half",
            "half_dated",
            "late",
            "late_dated"
        ],
        "{:#?}",
        run.report.decisions
    );
    for (name, table) in &tables {
        let expected: Vec<String> = ["id int", "v int", "a string", "b double", "c boolean"]
            .iter()
            .map(|column| format!("{name}{column}"))
            .collect();
        assert_eq!(columns(table), expected, "{name}");
        assert_eq!(env.partitions("evolved", name).await.len(), 10, "{name}");
    }
    let decision = run
        .report
        .decisions
        .iter()
        .find(|d| d.location.ends_with("/half/"))
        .unwrap();
    assert!(
        decision.reason.contains("1 group(s) of schema versions"),
        "{decision:?}"
    );
}

/// 200 tables, a few of them poisonous: headers the catalog would refuse are sanitized as
/// Glue sanitizes them, and a table the catalog still refuses is recorded as failed while
/// every other table is written.
#[tokio::test]
async fn poisonous_headers_and_refused_tables_cost_only_themselves() {
    let env = Env::new().await;
    let rows = "1,ada,2.5\n2,bob,3.5\n";
    for table in 0..200 {
        write_text(
            &env.at(&format!("t{table:03}/data.csv")),
            &format!("id,name,amount\n{rows}"),
        )
        .unwrap();
    }
    let long = "n".repeat(300);
    let poisonous = [
        (
            "t010",
            "\"first\nname\",\"say \"\"hi\"\"\",amount\n".to_string(),
            "first_name",
        ),
        ("t020", format!("id,{long},amount\n"), "nnnn"),
        ("t030", "Id,ID,id\n".to_string(), "id_1"),
        ("t040", "id,\u{202E}eman,amount\n".to_string(), "_eman"),
    ];
    for (table, header, _) in &poisonous {
        write_text(
            &env.at(&format!("{table}/data.csv")),
            &format!("{header}{rows}"),
        )
        .unwrap();
    }
    // More partition levels than the catalog allows (16): refused, whatever the crawler does.
    let deep: String = (0..17).map(|level| format!("k{level}=0/")).collect();
    std::fs::remove_file(env.at("t050/data.csv")).unwrap();
    write_text(
        &env.at(&format!("t050/{deep}data.csv")),
        &format!("id,name,amount\n{rows}"),
    )
    .unwrap();

    let run = env.crawl_ok(&env.crawler("poison")).await;
    let tables = env.tables("poison").await;
    let expected: Vec<String> = (0..200)
        .map(|t| format!("t{t:03}"))
        .filter(|t| t != "t050")
        .collect();
    assert_eq!(tables.keys().cloned().collect::<Vec<_>>(), expected);
    for (table, _, column) in &poisonous {
        let written = columns(&tables[*table]);
        assert!(
            written.iter().any(|c| c.starts_with(column)),
            "{table}: {written:?}"
        );
    }
    let failed = run
        .report
        .issues
        .iter()
        .find(|issue| issue.path == "t050")
        .unwrap_or_else(|| panic!("t050 not recorded: {:#?}", run.report.issues));
    assert_eq!(failed.severity, Severity::Error);
    assert!(failed.message.contains("partition"), "{failed:?}");
    let change = run
        .report
        .changes
        .iter()
        .find(|c| c.table == "t050")
        .unwrap();
    assert!(!change.applied, "{change:?}");
}

/// A title and a blank line above the header: the table tells engines to skip all three
/// lines, not just the header.
#[tokio::test]
async fn csv_preamble_lines_are_skipped_by_the_table() {
    let env = Env::new().await;
    for part in ["a", "b"] {
        write_text(
            &env.at(&format!("report/part={part}/data.csv")),
            "Monthly sales report\n\nid,name,amount\n1,ada,2.5\n2,bob,3.5\n",
        )
        .unwrap();
    }
    env.crawl_ok(&env.crawler("preamble")).await;
    let tables = env.tables("preamble").await;
    let table = &tables["report"];
    assert_eq!(
        columns(table),
        ["id bigint", "name string", "amount double"]
    );
    assert_eq!(param(table, "skip.header.line.count"), Some("3"));
}

#[tokio::test]
async fn table_level_puts_tables_at_a_fixed_depth() {
    let env = Env::new().await;
    // Unrelated schemas would split by the heuristic; a table level overrides it.
    write_parquet(&env.at("ds/a/x/f.parquet"), Columns::Base, 3).unwrap();
    write_parquet(&env.at("ds/a/y/f.parquet"), Columns::Sensor, 3).unwrap();
    let mut crawler = env.crawler("lake");
    let lake_depth = env.lake().canonicalize().unwrap().components().count() - 1;
    crawler.configuration.table_level = Some((lake_depth + 2) as u32);
    crawler.configuration.table_grouping_policy = None;
    env.crawl_ok(&crawler).await;
    let tables = env.tables("lake").await;
    assert_eq!(tables.keys().collect::<Vec<_>>(), ["a"]);
    assert_eq!(keys(&tables["a"]), ["partition_0"]);
}

#[tokio::test]
async fn mixed_formats_compressed_corrupt_and_empty_objects() {
    let env = Env::new().await;
    let csv = "id,name,amount\n1,ada,2.5\n2,bob,3.0\n";
    let mut gz = flate2_gzip(csv.as_bytes());
    write_bytes(&env.at("orders/a.csv.gz"), &gz);
    gz = flate2_gzip(b"id,name,amount\n3,cy,1.0\n");
    write_bytes(&env.at("orders/b.csv.gz"), &gz);
    write_parquet(&env.at("orders/odd.parquet"), Columns::Base, 2).unwrap();
    write_bytes(&env.at("orders/broken.csv.gz"), b"\x1f\x8b\x08\x00garbage");
    write_bytes(&env.at("orders/empty.csv.gz"), b"");
    let run = env.crawl_ok(&env.crawler("lake")).await;
    let tables = env.tables("lake").await;
    assert_eq!(tables.keys().collect::<Vec<_>>(), ["orders"]);
    let orders = &tables["orders"];
    assert_eq!(param(orders, "classification"), Some("csv"));
    assert_eq!(param(orders, "compressionType"), Some("gzip"));
    assert_eq!(param(orders, "delimiter"), Some(","));
    assert_eq!(param(orders, "skip.header.line.count"), Some("1"));
    assert_eq!(param(orders, "objectCount"), Some("2"));
    assert_eq!(
        columns(orders),
        ["id bigint", "name string", "amount double"]
    );
    let issue = |name: &str| {
        run.report
            .issues
            .iter()
            .find(|i| i.path.ends_with(name))
            .unwrap_or_else(|| panic!("no issue for {name}: {:#?}", run.report.issues))
            .clone()
    };
    assert_eq!(issue("broken.csv.gz").severity, Severity::Error);
    assert!(issue("empty.csv.gz").message.contains("empty"));
    assert!(
        issue("odd.parquet")
            .message
            .contains("parquet among objects")
    );
    assert_eq!(run.summary.counts.objects_skipped, 3);
}

fn flate2_gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn write_bytes(path: &std::path::Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn exclusions_leave_objects_out_and_are_written_on_the_table() {
    let env = Env::new().await;
    write_sales_days(&env, &[(2024, 1, 1), (2024, 1, 2)], Columns::Base);
    write_parquet(
        &env.at("sales/year=2024/month=01/day=03/part-0.parquet"),
        Columns::Sensor,
        2,
    )
    .unwrap();
    let mut crawler = env.crawler("lake");
    crawler.targets.s3_targets[0].exclusions = vec!["**/day=03/**".into()];
    let run = env.crawl_ok(&crawler).await;
    assert_eq!(env.partitions("lake", "sales").await.len(), 2);
    assert!(run.report.issues.is_empty(), "{:#?}", run.report.issues);
    let table = &env.tables("lake").await["sales"];
    let exclusions = param(table, "exclusions").unwrap();
    assert!(
        exclusions.ends_with("/lake/**/day=03/**\"]"),
        "{exclusions}"
    );
}

#[tokio::test]
async fn recrawls_change_nothing_add_new_partitions_and_deprecate_gone_tables() {
    let env = Env::new().await;
    write_sales_days(&env, &[(2024, 1, 1), (2024, 1, 2)], Columns::Base);
    write_parquet(&env.at("sensors/part-0.parquet"), Columns::Sensor, 5).unwrap();
    let crawler = env.crawler("lake");
    env.crawl_ok(&crawler).await;
    let before = env.tables("lake").await;

    // Nothing changed: nothing is written.
    let run = env.crawl_ok(&crawler).await;
    assert!(
        run.report
            .changes
            .iter()
            .all(|c| c.kind == ChangeKind::Unchanged),
        "{:#?}",
        run.report.changes
    );
    let c = run.summary.counts;
    assert_eq!(
        (
            c.tables_created,
            c.tables_updated,
            c.partitions_added,
            c.partitions_updated
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(env.tables("lake").await, before);

    // A new partition: added, and the table's counts follow.
    write_sales_days(&env, &[(2024, 1, 3)], Columns::Base);
    let run = env.crawl_ok(&crawler).await;
    assert_eq!(run.summary.counts.partitions_added, 1);
    assert_eq!(env.partitions("lake", "sales").await.len(), 3);
    assert_eq!(
        param(&env.tables("lake").await["sales"], "objectCount"),
        Some("3")
    );

    // A deleted partition and a deleted table: deprecated, as Glue does by default.
    std::fs::remove_dir_all(env.at("sales/year=2024/month=01/day=01")).unwrap();
    std::fs::remove_dir_all(env.at("sensors")).unwrap();
    let run = env.crawl_ok(&crawler).await;
    assert_eq!(
        run.summary.counts.tables_deprecated, 1,
        "{:#?}",
        run.report.changes
    );
    let tables = env.tables("lake").await;
    assert!(param(&tables["sensors"], "DEPRECATED_BY_CRAWLER").is_some());
    let gone = &env.partitions("lake", "sales").await[0];
    assert!(gone.parameters.contains_key("DEPRECATED_BY_CRAWLER"));

    // With DELETE_FROM_DATABASE they go.
    let mut deleting = crawler.clone();
    deleting.schema_change_policy.delete_behavior = DeleteBehavior::DeleteFromDatabase;
    std::fs::remove_dir_all(env.at("sales/year=2024/month=01/day=02")).unwrap();
    let run = env.crawl_ok(&deleting).await;
    assert_eq!(
        run.summary.counts.partitions_deleted, 2,
        "{:#?}",
        run.report.changes
    );
    assert_eq!(env.partitions("lake", "sales").await.len(), 1);
}

#[tokio::test]
async fn tables_edited_by_someone_else_are_kept_and_log_only_reports() {
    let env = Env::new().await;
    write_sales_days(&env, &[(2024, 1, 1)], Columns::Base);
    let crawler = env.crawler("lake");
    env.crawl_ok(&crawler).await;
    // A person renames a column's type.
    let table = env.tables("lake").await["sales"].clone();
    let mut edited = table.to_input();
    edited.storage_descriptor.as_mut().unwrap().columns[2].type_name = Some("decimal(10,2)".into());
    env.catalog
        .update_table("lake", "sales", edited, UpdateTableOptions::default())
        .await
        .unwrap();
    write_sales_days(&env, &[(2024, 1, 2)], Columns::WithDiscount);
    let run = env.crawl_ok(&crawler).await;
    let change = &run.report.changes[0];
    assert_eq!(change.kind, ChangeKind::Kept, "{change:#?}");
    assert!(change.details[0].contains("edited"), "{change:#?}");
    let table = &env.tables("lake").await["sales"];
    assert_eq!(
        columns(table),
        ["id bigint", "name string", "amount decimal(10,2)"]
    );
    // New partitions are still added: data is data.
    assert_eq!(change.partitions_added, 1);

    // LOG: the crawler's own table is not updated either, but the run says what changed.
    let env = Env::new().await;
    write_sales_days(&env, &[(2024, 1, 1)], Columns::Base);
    let mut crawler = env.crawler("lake");
    env.crawl_ok(&crawler).await;
    crawler.schema_change_policy = SchemaChangePolicy {
        update_behavior: UpdateBehavior::Log,
        delete_behavior: DeleteBehavior::Log,
    };
    write_sales_days(&env, &[(2024, 1, 2)], Columns::WithDiscount);
    let run = env.crawl_ok(&crawler).await;
    let change = &run.report.changes[0];
    assert_eq!(change.kind, ChangeKind::Logged);
    assert!(
        change
            .details
            .iter()
            .any(|d| d.contains("columns added: discount (double)")),
        "{change:#?}"
    );
    assert_eq!(columns(&env.tables("lake").await["sales"]).len(), 3);
}

#[tokio::test]
async fn new_folders_only_adds_partitions_without_reading_old_ones() {
    let env = Env::new().await;
    write_sales_days(&env, &[(2024, 1, 1), (2024, 1, 2)], Columns::Base);
    let mut crawler = env.crawler("lake");
    env.crawl_ok(&crawler).await;
    crawler.recrawl_policy = RecrawlPolicy {
        recrawl_behavior: RecrawlBehavior::CrawlNewFoldersOnly,
    };
    crawler.schema_change_policy = SchemaChangePolicy {
        update_behavior: UpdateBehavior::Log,
        delete_behavior: DeleteBehavior::Log,
    };
    write_sales_days(&env, &[(2024, 1, 3)], Columns::Base);
    write_sales_days(&env, &[(2024, 1, 4)], Columns::Sensor);
    let run = env.crawl_ok(&crawler).await;
    assert_eq!(
        run.summary.counts.objects_read, 2,
        "{:#?}",
        run.summary.counts
    );
    assert_eq!(run.summary.counts.partitions_added, 1);
    let values: Vec<String> = env
        .partitions("lake", "sales")
        .await
        .into_iter()
        .map(|p| p.values.join("/"))
        .collect();
    assert_eq!(values, ["2024/01/01", "2024/01/02", "2024/01/03"]);
    assert!(
        run.report
            .issues
            .iter()
            .any(|i| i.message.contains("new folder not added")),
        "{:#?}",
        run.report.issues
    );
}

#[tokio::test]
async fn table_threshold_fails_the_crawl_and_writes_nothing() {
    let env = Env::new().await;
    write_parquet(&env.at("a/part-0.parquet"), Columns::Base, 1).unwrap();
    write_parquet(&env.at("b/part-0.parquet"), Columns::Sensor, 1).unwrap();
    let mut crawler = env.crawler("lake");
    crawler.configuration.table_threshold = Some(1);
    let run = env.run(&crawler).await;
    assert_eq!(run.summary.state, RunState::Failed);
    let message = run.summary.error_message.unwrap();
    assert!(
        message.contains("(2) is greater than the table threshold (1)"),
        "{message}"
    );
    assert!(env.tables("lake").await.is_empty());
    // The crawler is ready for the next run.
    let stored = env.crawlers.get_crawler(&crawler.name).await.unwrap();
    assert_eq!(stored.state, lakecat_catalog::crawlers::CrawlerState::Ready);
    assert_eq!(stored.last_crawl.unwrap().state, RunState::Failed);
}

#[tokio::test]
async fn a_stopped_crawl_writes_nothing_half() {
    let env = Env::new().await;
    for i in 0..30 {
        let columns = if i % 2 == 0 {
            Columns::Base
        } else {
            Columns::Sensor
        };
        write_parquet(&env.at(&format!("t{i:02}/part-0.parquet")), columns, 1).unwrap();
    }
    // Stopped before it starts: nothing is written and the run says STOPPED.
    let stop = CancellationToken::new();
    stop.cancel();
    let crawler = env.crawler("lake");
    let run = env.run_with(&crawler, None, stop).await;
    assert_eq!(run.summary.state, RunState::Stopped);
    assert!(env.tables("lake").await.is_empty());
    // A run afterwards converges.
    env.crawl_ok(&crawler).await;
    assert_eq!(env.tables("lake").await.len(), 30);
}

#[tokio::test]
async fn runs_are_recorded_and_listed_newest_first() {
    let env = Env::new().await;
    write_parquet(&env.at("t/part-0.parquet"), Columns::Base, 1).unwrap();
    let crawler = env.crawler("lake");
    let first = env.crawl_ok(&crawler).await;
    let second = env.crawl_ok(&crawler).await;
    let listed = env
        .crawlers
        .list_runs(&crawler.name, Default::default())
        .await
        .unwrap();
    let ids: Vec<&str> = listed.items.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [second.summary.id.as_str(), first.summary.id.as_str()]);
    let stored = env
        .crawlers
        .get_run(&crawler.name, &first.summary.id)
        .await
        .unwrap();
    assert_eq!(stored.summary.counts.tables_created, 1);
    assert_eq!(stored.report.changes[0].kind, ChangeKind::Create);
    assert!(stored.report.changes[0].applied);
    assert!(!stored.report.decisions.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stop_while_a_big_table_is_written_rolls_it_back_promptly() {
    use lakecat_crawler::{CrawlOptions, Phase, Report, crawl};
    use object_store::memory::InMemory;
    use object_store::{ObjectStoreExt, path::Path};
    use std::time::{Duration, Instant};

    const PARTITIONS: usize = 30_000;
    let env = Env::new().await;
    let store = Arc::new(InMemory::new());
    for p in 0..PARTITIONS {
        store
            .put(
                &Path::from(format!("lake/events/p={p:05}/d.json")),
                format!("{{\"n\": {p}}}\n").into(),
            )
            .await
            .unwrap();
    }
    let target = support::target_in(store, "memory://", "lake");
    let crawler = env.crawler("big");
    let registry =
        lakecat_classifiers::Registry::new(Vec::new(), lakecat_classifiers::formats::builtins());
    let report = Arc::new(Report::default());
    let stop = CancellationToken::new();
    let run = |report: Arc<Report>, stop: CancellationToken| {
        let catalog = env.catalog.clone();
        let crawler = crawler.clone();
        let target = target.clone();
        let registry = registry.clone();
        tokio::spawn(async move {
            crawl(
                &catalog,
                &crawler,
                &[target],
                &registry,
                &CrawlOptions::default(),
                &report,
                &stop,
            )
            .await
        })
    };
    let crawling = run(report.clone(), stop.clone());
    while !matches!(report.phase(), Phase::Applying { .. }) {
        assert!(!crawling.is_finished(), "the crawl ended before writing");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The one table's 30,000 partitions are being written, in one transaction.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = Instant::now();
    stop.cancel();
    let outcome = tokio::time::timeout(Duration::from_secs(10), crawling)
        .await
        .expect("the crawl did not stop within 10 s")
        .unwrap()
        .unwrap();
    let took = asked.elapsed();
    assert!(outcome.stopped);
    assert!(
        env.tables("big").await.is_empty(),
        "the table was written although the stop came {took:?} before the crawl ended"
    );
    // The catalog is usable at once, and a crawl afterwards writes the whole table.
    let outcome = run(Arc::new(Report::default()), CancellationToken::new())
        .await
        .unwrap()
        .unwrap();
    assert!(!outcome.stopped);
    assert_eq!(env.partitions("big", "events").await.len(), PARTITIONS);
}

#[tokio::test]
async fn content_validation_checks_every_object_the_first_per_folder_or_none() {
    use lakecat_catalog::crawlers::ContentValidation;

    // Valid footers, malformed dictionary pages: only reading data finds them corrupt.
    let corrupt = std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/corpora/parquet-testing/data/nation.dict-malformed.parquet"),
    )
    .unwrap();
    let mut reported = Vec::new();
    for validation in [
        ContentValidation::EveryObject,
        ContentValidation::FirstPerFolder,
        ContentValidation::Off,
    ] {
        let env = Env::new().await;
        for file in [
            "p=1/a.parquet",
            "p=1/b.parquet",
            "p=1/c.parquet",
            "p=2/d.parquet",
        ] {
            let path = env.at(&format!("nation/{file}"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &corrupt).unwrap();
        }
        let mut crawler = env.crawler("lake");
        crawler.configuration.content_validation = validation;
        let run = env.crawl_ok(&crawler).await;
        assert_eq!(run.summary.counts.objects_read, 4, "{validation:?}");
        let corrupt_found = run
            .report
            .issues
            .iter()
            .filter(|issue| issue.message.contains("data pages"))
            .count();
        reported.push((validation, corrupt_found));
    }
    assert_eq!(
        reported,
        [
            (ContentValidation::EveryObject, 4),
            (ContentValidation::FirstPerFolder, 2),
            (ContentValidation::Off, 0),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stop_crawl_interrupts_a_big_table_write_on_sqlite() {
    use lakecat_catalog::crawlers::CrawlerState;
    use lakecat_crawler::CrawlerService;
    use std::time::{Duration, Instant};

    let env = Env::new().await;
    for p in 0..30_000 {
        let folder = env.at(&format!("big/p={p:05}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("d.json"), format!("{{\"n\": {p}}}\n")).unwrap();
    }
    let service = CrawlerService::new(env.catalog.clone(), env.crawlers.clone());
    let crawler = env.crawler("lake");
    service.create_crawler(crawler.clone()).await.unwrap();
    service.start_crawl(&crawler.name).await.unwrap();
    // The crawl creates the database just before it writes the table.
    let deadline = Instant::now() + Duration::from_secs(120);
    while env.catalog.get_database("lake").await.is_err() {
        assert!(Instant::now() < deadline, "the crawl never started writing");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // SQLite has one writer connection, which the table's write holds: the request must
    // not wait for it.
    tokio::time::timeout(Duration::from_secs(5), service.stop_crawl(&crawler.name))
        .await
        .expect("stop_crawl waited for the table's write")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let stopped = loop {
        let stored = env.crawlers.get_crawler(&crawler.name).await.unwrap();
        if stored.state == CrawlerState::Ready {
            break stored;
        }
        assert!(
            Instant::now() < deadline,
            "the crawl did not end within 5 s of the stop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(stopped.last_crawl.unwrap().state, RunState::Stopped);
    assert!(env.tables("lake").await.is_empty(), "the table was written");
}

/// A classifier that works on its object, without yielding, until released (or for at most
/// 60 s): what a classifier does with one huge object.
#[derive(Debug)]
struct Busy {
    started: Arc<AtomicBool>,
    release: Arc<AtomicBool>,
}

#[async_trait::async_trait]
impl lakecat_classifiers::Classifier for Busy {
    fn name(&self) -> &str {
        "busy"
    }

    async fn classify(
        &self,
        _object: &dyn lakecat_classifiers::ObjectSource,
    ) -> Result<Option<lakecat_classifiers::Classification>, lakecat_classifiers::ClassifyError>
    {
        use std::sync::atomic::Ordering;
        self.started.store(true, Ordering::SeqCst);
        let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !self.release.load(Ordering::SeqCst) && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        Ok(None)
    }
}

/// On the single-threaded runtime `lakecat crawl` tests use, so that a classifier holding
/// the runtime's one thread would also hold the stop.
#[tokio::test]
async fn a_stop_takes_effect_while_a_classifier_works_on_one_object() {
    use lakecat_crawler::{CrawlOptions, Report, crawl};
    use object_store::memory::InMemory;
    use object_store::{ObjectStoreExt, path::Path};
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};

    let env = Env::new().await;
    let store = Arc::new(InMemory::new());
    // Large enough to be classified off the runtime (small objects are classified on it).
    let huge = "{\"n\": 1}\n".repeat(200_000);
    store
        .put(&Path::from("lake/huge/one.json"), huge.into())
        .await
        .unwrap();
    let target = support::target_in(store, "memory://", "lake");
    let crawler = env.crawler("busy");
    let busy = Busy {
        started: Arc::new(AtomicBool::new(false)),
        release: Arc::new(AtomicBool::new(false)),
    };
    let (started, release) = (busy.started.clone(), busy.release.clone());
    let registry = lakecat_classifiers::Registry::new(
        [Arc::new(busy) as Arc<dyn lakecat_classifiers::Classifier>],
        lakecat_classifiers::formats::builtins(),
    );
    let report = Report::default();
    let stop = CancellationToken::new();
    let options = CrawlOptions::default();
    let targets = [target];
    // Asks for the stop from another thread, as the server's StopCrawler does, once the
    // classifier is at work.
    let stopper = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !started.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
            stop.cancel();
            Instant::now()
        })
    };
    let outcome = crawl(
        &env.catalog,
        &crawler,
        &targets,
        &registry,
        &options,
        &report,
        &stop,
    )
    .await;
    let took = stopper.join().unwrap().elapsed();
    release.store(true, Ordering::SeqCst);
    let outcome = outcome.unwrap();
    assert!(outcome.stopped);
    // About 100 ms; the classifier would have held it for 60 s.
    assert!(
        took < Duration::from_secs(5),
        "the crawl took {took:?} to stop"
    );
    assert!(env.tables("busy").await.is_empty());
}
