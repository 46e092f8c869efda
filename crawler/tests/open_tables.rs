//! Crawls of lakes holding Delta Lake and Iceberg tables beside plain Hive tables: one catalog
//! table per dataset, read from the table's metadata, never from the files under it. The
//! tables are the real writers' fixtures of the table-formats crate (their READMEs say how
//! they were written and what their true figures are).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use lakecat_catalog::crawlers::{
    ChangeKind, CrawlerInput, CrawlerTargets, DeltaTarget, OpenTableTarget,
};
use lakecat_catalog::{Table, TableInput};
use lakecat_testkit::lake::{Columns, write_parquet};
use support::{Env, columns, folder_url, keys};

fn param<'a>(table: &'a Table, key: &str) -> Option<&'a str> {
    table.parameters.get(key).map(String::as_str)
}

fn fixture(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../table-formats/tests/fixtures")
        .join(path)
}

/// Copies a folder tree; `keep` chooses the files.
fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target, keep);
        } else if keep(&entry.path()) {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

const ICEBERG_CURRENT: &str = "00004-f806db4f-28de-4ee5-a10d-c912becb884b.metadata.json";
const ICEBERG_BEFORE: &str = "00003-a08751af-7cc2-47aa-b1d0-71b9134d4bd1.metadata.json";

/// A lake with a Delta table (`sales`, 9 Parquet files on disk of which 4 are live: 14 rows
/// where a plain Parquet table would count 42), an Iceberg warehouse table
/// (`warehouse/shop.db/orders`, with data files and manifests under it) and a Hive table.
fn write_lake(env: &Env, iceberg_up_to: &str) {
    copy_tree(
        &fixture("delta/partitioned"),
        &env.at("sales"),
        &|_: &Path| true,
    );
    let orders = env.at("warehouse/shop.db/orders");
    copy_tree(
        &fixture("iceberg/partitioned_v2/metadata"),
        &orders.join("metadata"),
        &|path: &Path| path.file_name().unwrap().to_str().unwrap() <= iceberg_up_to,
    );
    // What an Iceberg writer leaves beside the metadata files: data files in partition
    // folders and Avro manifests, none of which may become a table.
    for region in ["eu", "us"] {
        write_parquet(
            &orders.join(format!("data/region={region}/00000-0-data.parquet")),
            Columns::Base,
            3,
        )
        .unwrap();
    }
    std::fs::write(
        orders.join("metadata/snap-1-1-manifest-list.avro"),
        b"Obj\x01",
    )
    .unwrap();
    for day in ["2024-01-01", "2024-01-02"] {
        write_parquet(
            &env.at(&format!("clicks/dt={day}/part-0.parquet")),
            Columns::Base,
            5,
        )
        .unwrap();
    }
}

#[tokio::test]
async fn delta_and_iceberg_tables_are_one_table_each_read_from_their_metadata() {
    let env = Env::new().await;
    write_lake(&env, ICEBERG_CURRENT);
    let run = env.crawl_ok(&env.crawler("lake")).await;
    let tables = env.tables("lake").await;
    assert_eq!(
        tables.keys().collect::<Vec<_>>(),
        ["clicks", "orders", "sales"],
        "{:#?}",
        run.report
    );

    let sales = &tables["sales"];
    assert_eq!(param(sales, "table_type"), Some("DELTA"));
    assert_eq!(param(sales, "classification"), Some("delta"));
    assert_eq!(param(sales, "spark.sql.sources.provider"), Some("delta"));
    assert_eq!(param(sales, "delta.lastUpdateVersion"), Some("6"));
    // The live files only: 14 rows in 4 files, not the 42 rows of the 9 files on disk.
    assert_eq!(param(sales, "recordCount"), Some("14"));
    assert_eq!(param(sales, "objectCount"), Some("4"));
    assert_eq!(param(sales, "sizeKey"), Some("5670"));
    assert!(keys(sales).is_empty(), "{sales:#?}");
    assert!(
        columns(sales).contains(&"region string".to_string()),
        "{sales:#?}"
    );
    let sd = sales.storage_descriptor.as_ref().unwrap();
    assert_eq!(
        sd.location.as_deref(),
        Some(folder_url(&env.at("sales")).as_str())
    );
    assert!(env.partitions("lake", "sales").await.is_empty());

    let orders = &tables["orders"];
    let orders_url = folder_url(&env.at("warehouse/shop.db/orders"));
    assert_eq!(param(orders, "table_type"), Some("ICEBERG"));
    assert_eq!(
        param(orders, "metadata_location"),
        Some(format!("{orders_url}metadata/{ICEBERG_CURRENT}").as_str())
    );
    assert_eq!(param(orders, "previous_metadata_location"), None);
    assert_eq!(param(orders, "recordCount"), Some("13"));
    let sd = orders.storage_descriptor.as_ref().unwrap();
    assert_eq!(sd.location.as_deref(), Some(orders_url.as_str()));
    assert!(sd.serde_info.is_none(), "{sd:#?}");
    let id = &sd.columns[0];
    assert_eq!(
        (
            id.name.as_str(),
            id.type_name.as_deref(),
            id.comment.as_deref()
        ),
        ("id", Some("bigint"), Some("order id"))
    );
    assert_eq!(
        id.parameters.get("iceberg.field.id").map(String::as_str),
        Some("1")
    );
    assert_eq!(sd.columns.len(), 11, "{sd:#?}");

    assert_eq!(keys(&tables["clicks"]), ["dt"]);

    // The run record says which folders are which format's tables, and why.
    let decisions = &run.report.decisions;
    let about = |url: &str| {
        decisions
            .iter()
            .find(|d| d.location == url)
            .unwrap_or_else(|| panic!("no decision about {url}: {decisions:#?}"))
    };
    let delta = about(&folder_url(&env.at("sales")));
    assert_eq!(delta.outcome, "one Delta Lake table \"sales\"");
    assert!(delta.reason.starts_with("_delta_log/ found"), "{delta:?}");
    assert!(
        delta.reason.contains("4 live data file(s), 14 record(s)"),
        "{delta:?}"
    );
    let iceberg = about(&orders_url);
    assert_eq!(iceberg.outcome, "one Iceberg table \"orders\"");
    assert!(iceberg.reason.contains(ICEBERG_CURRENT), "{iceberg:?}");
    // No object of either table was read as a loose file. (The fixture's metadata names
    // the folder it was written in, so the Iceberg table warns that it was moved.)
    assert!(
        run.report.issues.iter().all(|i| {
            i.message
                .starts_with("Iceberg table: the metadata places the table at")
                || (!i.path.contains("/sales/") && !i.path.contains("/orders/"))
        }),
        "{:#?}",
        run.report.issues
    );

    // Crawled again, nothing changed, nothing is written.
    let again = env.crawl_ok(&env.crawler("lake")).await;
    assert!(
        again
            .report
            .changes
            .iter()
            .all(|c| c.kind == ChangeKind::Unchanged),
        "{:#?}",
        again.report.changes
    );
}

#[tokio::test]
async fn a_recrawl_moves_the_iceberg_pointer_on_and_keeps_the_previous_one() {
    let env = Env::new().await;
    write_lake(&env, ICEBERG_BEFORE);
    env.crawl_ok(&env.crawler("lake")).await;
    let orders_url = folder_url(&env.at("warehouse/shop.db/orders"));
    let before = &env.tables("lake").await["orders"];
    assert_eq!(
        param(before, "metadata_location"),
        Some(format!("{orders_url}metadata/{ICEBERG_BEFORE}").as_str())
    );

    // The writer commits again: a newer metadata file appears.
    write_lake(&env, ICEBERG_CURRENT);
    let run = env.crawl_ok(&env.crawler("lake")).await;
    let after = &env.tables("lake").await["orders"];
    assert_eq!(
        param(after, "metadata_location"),
        Some(format!("{orders_url}metadata/{ICEBERG_CURRENT}").as_str())
    );
    assert_eq!(
        param(after, "previous_metadata_location"),
        Some(format!("{orders_url}metadata/{ICEBERG_BEFORE}").as_str())
    );
    let change = run
        .report
        .changes
        .iter()
        .find(|c| c.table == "orders")
        .unwrap();
    assert_eq!(change.kind, ChangeKind::Update, "{change:?}");
    assert!(
        change
            .details
            .iter()
            .any(|d| d.starts_with("metadata_location")),
        "{change:?}"
    );
}

#[tokio::test]
async fn an_iceberg_table_a_client_registered_is_found_again_and_left_to_it() {
    let env = Env::new().await;
    write_lake(&env, ICEBERG_CURRENT);
    // What PyIceberg's Glue catalog registers: its own name, the location without a
    // trailing slash, its pointer, and no crawler parameters.
    let orders_url = folder_url(&env.at("warehouse/shop.db/orders"));
    let pointer = format!("{orders_url}metadata/{ICEBERG_BEFORE}");
    env.catalog
        .create_database(lakecat_catalog::DatabaseInput {
            name: "lake".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    env.catalog
        .create_table(
            "lake",
            TableInput {
                name: "shop_orders".into(),
                table_type: Some("EXTERNAL_TABLE".into()),
                parameters: [
                    ("table_type".to_string(), "ICEBERG".to_string()),
                    ("metadata_location".to_string(), pointer.clone()),
                ]
                .into(),
                storage_descriptor: Some(lakecat_catalog::StorageDescriptor {
                    location: Some(orders_url.trim_end_matches('/').to_string()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let run = env.crawl_ok(&env.crawler("lake")).await;
    let tables = env.tables("lake").await;
    assert_eq!(
        tables.keys().collect::<Vec<_>>(),
        ["clicks", "sales", "shop_orders"],
        "{:#?}",
        run.report
    );
    // The client's pointer is the catalog's truth: the crawl reports, and keeps it.
    assert_eq!(
        param(&tables["shop_orders"], "metadata_location"),
        Some(pointer.as_str())
    );
    let change = run
        .report
        .changes
        .iter()
        .find(|c| c.table == "shop_orders")
        .unwrap();
    assert_eq!(change.kind, ChangeKind::Kept, "{change:?}");
}

/// A crawler with Glue's dedicated targets only: the Delta tables it names and the Iceberg
/// tables under a warehouse path.
fn dedicated_crawler(env: &Env, delta_tables: &[&str], iceberg_depth: u32) -> CrawlerInput {
    let url = |relative: &str| env.at(relative).to_str().unwrap().to_string();
    CrawlerInput {
        name: "crawler-formats".into(),
        database_name: "formats".into(),
        targets: CrawlerTargets {
            delta_targets: vec![DeltaTarget {
                delta_tables: delta_tables.iter().map(|t| url(t)).collect(),
                ..DeltaTarget::default()
            }],
            iceberg_targets: vec![OpenTableTarget {
                paths: vec![url("warehouse")],
                maximum_traversal_depth: Some(iceberg_depth),
                ..OpenTableTarget::default()
            }],
            ..CrawlerTargets::default()
        },
        ..CrawlerInput::default()
    }
}

#[tokio::test]
async fn dedicated_targets_register_only_tables_of_their_format() {
    let env = Env::new().await;
    write_lake(&env, ICEBERG_CURRENT);
    // An Iceberg table deeper than the target's MaximumTraversalDepth of 3 allows: its
    // metadata folder is 5 folders below the warehouse.
    copy_tree(
        &fixture("iceberg/partitioned_v2/metadata"),
        &env.at("warehouse/x/y/z/deep/metadata"),
        &|_: &Path| true,
    );
    // `clicks` is a Hive table, not a Delta table's root; `gone` holds nothing (a folder
    // whose table was removed).
    std::fs::create_dir_all(env.at("gone")).unwrap();
    let crawler = dedicated_crawler(&env, &["sales", "clicks", "gone"], 3);
    let run = env.crawl_ok(&crawler).await;
    let tables = env.tables("formats").await;
    assert_eq!(
        tables.keys().collect::<Vec<_>>(),
        ["orders", "sales"],
        "{:#?}",
        run.report
    );
    assert_eq!(param(&tables["sales"], "table_type"), Some("DELTA"));
    assert_eq!(param(&tables["sales"], "recordCount"), Some("14"));
    assert_eq!(param(&tables["orders"], "table_type"), Some("ICEBERG"));

    let clicks_url = folder_url(&env.at("clicks"));
    let issue = run
        .report
        .issues
        .iter()
        .find(|i| i.path == clicks_url)
        .unwrap_or_else(|| panic!("no issue for clicks: {:#?}", run.report.issues));
    assert!(issue.message.contains("no _delta_log/"), "{issue:?}");
    let decision = |url: &str| {
        run.report
            .decisions
            .iter()
            .find(|d| d.location == url)
            .unwrap_or_else(|| panic!("no decision for {url}: {:#?}", run.report.decisions))
            .clone()
    };
    let deep = decision(&folder_url(&env.at("warehouse/x/y/z/deep")));
    assert!(
        deep.reason
            .contains("deeper than its MaximumTraversalDepth of 3"),
        "{deep:?}"
    );
    assert!(
        decision(&folder_url(&env.at("gone")))
            .outcome
            .contains("nothing is stored here")
    );
    // Nothing outside the tables was read, and nothing under them either.
    assert_eq!(
        run.summary.counts.objects_read, 0,
        "{:#?}",
        run.summary.counts
    );

    // With a deeper limit the deep table is found too, and a Delta path that is not a
    // table leaves no mark on the catalog.
    let run = env
        .crawl_ok(&dedicated_crawler(&env, &["sales", "clicks"], 5))
        .await;
    let tables = env.tables("formats").await;
    assert_eq!(
        tables.keys().collect::<Vec<_>>(),
        ["deep", "orders", "sales"],
        "{:#?}",
        run.report
    );
}

#[tokio::test]
async fn an_open_table_that_two_targets_find_is_one_table() {
    let env = Env::new().await;
    write_lake(&env, ICEBERG_CURRENT);
    let mut crawler = env.crawler("lake");
    crawler.targets.iceberg_targets = vec![OpenTableTarget {
        paths: vec![env.at("warehouse").to_str().unwrap().to_string()],
        ..OpenTableTarget::default()
    }];
    crawler.targets.delta_targets = vec![DeltaTarget {
        delta_tables: vec![env.at("sales").to_str().unwrap().to_string()],
        ..DeltaTarget::default()
    }];
    let run = env.crawl_ok(&crawler).await;
    let tables = env.tables("lake").await;
    assert_eq!(
        tables.keys().collect::<Vec<_>>(),
        ["clicks", "orders", "sales"],
        "{:#?}",
        run.report
    );
    // One change each: without dropping what the second target found again, the Delta
    // and Iceberg tables would be planned (and written) twice.
    let mut changed: Vec<&str> = run
        .report
        .changes
        .iter()
        .map(|c| c.table.as_str())
        .collect();
    changed.sort_unstable();
    assert_eq!(
        changed,
        ["clicks", "orders", "sales"],
        "{:#?}",
        run.report.changes
    );
    // A second crawl finds the same three and changes nothing.
    let again = env.crawl_ok(&crawler).await;
    assert!(
        again
            .report
            .changes
            .iter()
            .all(|c| c.kind == ChangeKind::Kept || c.kind == ChangeKind::Unchanged),
        "{:#?}",
        again.report.changes
    );
}

#[tokio::test]
async fn the_iceberg_pointer_never_moves_to_a_file_of_another_table() {
    let env = Env::new().await;
    write_lake(&env, ICEBERG_CURRENT);
    env.crawl_ok(&env.crawler("lake")).await;
    let orders_url = folder_url(&env.at("warehouse/shop.db/orders"));
    let current = format!("{orders_url}metadata/{ICEBERG_CURRENT}");

    // A newer-numbered metadata file of another table (its own table-uuid, a metadata-log
    // that does not lead back) lands in the folder, as a careless copy would put it.
    let stranger = "00005-0b6f8c57-52c8-4b7a-9d2a-7a43d8f00000.metadata.json";
    std::fs::copy(
        fixture(
            "iceberg/evolved_v1/metadata/00003-684695b1-5c7a-4795-85a9-b945d61d7c6e.metadata.json",
        ),
        env.at(&format!("warehouse/shop.db/orders/metadata/{stranger}")),
    )
    .unwrap();
    let run = env.crawl_ok(&env.crawler("lake")).await;
    let orders = &env.tables("lake").await["orders"];
    assert_eq!(param(orders, "metadata_location"), Some(current.as_str()));
    let warning = run
        .report
        .issues
        .iter()
        .find(|i| i.path == orders_url && i.message.contains(stranger))
        .unwrap_or_else(|| panic!("no warning: {:#?}", run.report.issues));
    assert!(warning.message.contains("does not descend"), "{warning:?}");
    // Held back, not gone: the table and its partitions-free definition stay as they were.
    assert!(
        run.report.changes.iter().all(|c| c.table != "orders"),
        "{:#?}",
        run.report.changes
    );
}
