//! Event-driven crawls (decision 0005): after a full crawl, events name the objects that
//! changed, and a crawl of only their folders brings the catalog to what a full crawl would
//! write, on a local lake and over the S3 protocol (counting the listing requests).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use lakecat_catalog::crawlers::{ChangeKind, CrawlerInput, DeleteBehavior, SchemaChangePolicy};
use lakecat_crawler::crawl::crawl_folders;
use lakecat_crawler::events::{EventTarget, FolderBatch, ObjectChange, ObjectEvent, batch_events};
use lakecat_crawler::glob::Exclusions;
use lakecat_crawler::{CrawlOptions, CrawlOutcome, CrawlTarget, Report};
use lakecat_testkit::lake::{Columns, write_parquet, write_text};
use support::{Env, assert_completed, columns, target_in};

/// A crawler that deletes what is gone, so that deletions show in the catalog.
fn deleting_crawler(env: &Env, db: &str) -> CrawlerInput {
    CrawlerInput {
        schema_change_policy: SchemaChangePolicy {
            delete_behavior: DeleteBehavior::DeleteFromDatabase,
            ..SchemaChangePolicy::default()
        },
        ..env.crawler(db)
    }
}

fn event(target: &CrawlTarget, relative: &str, change: ObjectChange) -> ObjectEvent {
    let url = format!("{}{relative}", target.location.url());
    let (store, key) = match url.strip_prefix("file://") {
        Some(path) => (
            "file://".to_string(),
            path.trim_start_matches('/').to_string(),
        ),
        None => {
            let (scheme, rest) = url.split_once("://").unwrap();
            let (bucket, key) = rest.split_once('/').unwrap();
            (format!("{scheme}://{bucket}"), key.to_string())
        }
    };
    ObjectEvent {
        store,
        key,
        change,
        time: None,
        sequencer: None,
    }
}

fn batch_for(target: &CrawlTarget, events: Vec<ObjectEvent>) -> FolderBatch {
    batch_events(
        events,
        &[EventTarget {
            url: target.location.url(),
            exclusions: Exclusions::default(),
        }],
    )
}

async fn crawl_batch(
    env: &Env,
    crawler: &CrawlerInput,
    target: &CrawlTarget,
    batch: &FolderBatch,
) -> CrawlOutcome {
    crawl_batch_reported(env, crawler, target, batch, &Report::default()).await
}

async fn crawl_batch_reported(
    env: &Env,
    crawler: &CrawlerInput,
    target: &CrawlTarget,
    batch: &FolderBatch,
    report: &Report,
) -> CrawlOutcome {
    let registry =
        lakecat_classifiers::Registry::new(Vec::new(), lakecat_classifiers::formats::builtins());
    crawl_folders(
        &env.catalog,
        crawler,
        std::slice::from_ref(target),
        &batch.folders,
        &registry,
        &CrawlOptions::default(),
        report,
        &CancellationToken::new(),
    )
    .await
    .unwrap()
}

fn partition_values(partitions: &[lakecat_catalog::Partition]) -> Vec<String> {
    partitions.iter().map(|p| p.values.join("/")).collect()
}

/// Writes the lake every test starts from: `sales` with three monthly partitions.
fn first_lake(at: &dyn Fn(&str) -> std::path::PathBuf) {
    for month in ["01", "02", "03"] {
        write_parquet(
            &at(&format!("sales/year=2024/month={month}/part-0.parquet")),
            Columns::Base,
            10,
        )
        .unwrap();
    }
}

/// The changes every test makes after the first crawl, and the events that report them:
/// a new partition, a new object in an existing one, a partition emptied, an object with a
/// new column, a new table; plus an event outside the data (a marker file).
fn change_lake(at: &dyn Fn(&str) -> std::path::PathBuf, target: &CrawlTarget) -> Vec<ObjectEvent> {
    use ObjectChange::{Created, Removed};
    write_parquet(
        &at("sales/year=2024/month=04/part-0.parquet"),
        Columns::Base,
        5,
    )
    .unwrap();
    write_parquet(
        &at("sales/year=2024/month=01/part-1.parquet"),
        Columns::Base,
        7,
    )
    .unwrap();
    std::fs::remove_file(at("sales/year=2024/month=02/part-0.parquet")).unwrap();
    write_parquet(
        &at("sales/year=2024/month=05/part-0.parquet"),
        Columns::WithDiscount,
        3,
    )
    .unwrap();
    write_text(&at("orders/day=1/a.csv"), "id,total\n1,2.5\n2,3.5\n").unwrap();
    write_text(&at("sales/year=2024/month=04/_SUCCESS"), "").unwrap();
    vec![
        event(target, "sales/year=2024/month=04/part-0.parquet", Created),
        event(target, "sales/year=2024/month=01/part-1.parquet", Created),
        event(target, "sales/year=2024/month=02/part-0.parquet", Removed),
        event(target, "sales/year=2024/month=05/part-0.parquet", Created),
        event(target, "orders/day=1/a.csv", Created),
        event(target, "sales/year=2024/month=04/_SUCCESS", Created),
        // Delivered twice.
        event(target, "sales/year=2024/month=04/part-0.parquet", Created),
    ]
}

/// What the catalog holds after the changes, whichever way it was crawled.
async fn assert_catalog_follows_the_changes(env: &Env, db: &str) {
    let tables = env.tables(db).await;
    assert!(
        tables.contains_key("orders") && tables.contains_key("sales"),
        "{tables:#?}"
    );
    let sales = &tables["sales"];
    assert!(
        columns(sales).contains(&"discount double".to_string()),
        "{:?}",
        columns(sales)
    );
    let partitions = env.partitions(db, "sales").await;
    assert_eq!(
        partition_values(&partitions),
        ["2024/01", "2024/03", "2024/04", "2024/05"]
    );
    assert_eq!(partitions[0].parameters["objectCount"], "2");
    assert_eq!(partitions[0].parameters["recordCount"], "17");
    assert_eq!(sales.parameters["objectCount"], "5");
    assert_eq!(sales.parameters["recordCount"], "35");
}

#[tokio::test]
async fn a_crawl_of_named_folders_brings_the_catalog_to_what_a_full_crawl_writes() {
    let env = Env::new().await;
    let crawler = deleting_crawler(&env, "events_local");
    first_lake(&|p| env.at(p));
    env.crawl_ok(&crawler).await;
    let untouched_before = env.partitions("events_local", "sales").await[2].clone();

    let target = CrawlTarget::open(&crawler.targets.s3_targets[0]).unwrap();
    let batch = batch_for(&target, change_lake(&|p| env.at(p), &target));
    assert_eq!(batch.duplicates, 1);
    assert_eq!(batch.set_aside.len(), 1, "the _SUCCESS marker");
    let folders: Vec<&str> = batch.folders[0].iter().map(String::as_str).collect();
    assert_eq!(
        folders,
        [
            "orders/day=1",
            "sales/year=2024/month=01",
            "sales/year=2024/month=02",
            "sales/year=2024/month=04",
            "sales/year=2024/month=05"
        ]
    );
    let outcome = crawl_batch(&env, &crawler, &target, &batch).await;
    assert!(!outcome.stopped);
    assert_catalog_follows_the_changes(&env, "events_local").await;
    let sales = outcome
        .plan
        .changes
        .iter()
        .find(|c| c.record.table == "sales")
        .unwrap();
    assert_eq!(
        (
            sales.record.partitions_added,
            sales.record.partitions_updated,
            sales.record.partitions_deleted
        ),
        (2, 1, 1),
        "{:#?}",
        sales.record
    );
    // The partition no event named is as it was.
    assert_eq!(
        env.partitions("events_local", "sales").await[1],
        untouched_before
    );

    // The same events again change nothing.
    let again = crawl_batch(&env, &crawler, &target, &batch).await;
    let written: Vec<_> = again
        .plan
        .changes
        .iter()
        .filter(|c| c.change.is_some())
        .map(|c| &c.record)
        .collect();
    assert!(written.is_empty(), "{written:#?}");

    // A full crawl finds nothing the events did not report.
    let full = env.crawl_ok(&crawler).await;
    let counts = &full.summary.counts;
    assert_eq!(
        (
            counts.tables_created,
            counts.tables_updated,
            counts.tables_deleted,
            counts.partitions_added,
            counts.partitions_updated,
            counts.partitions_deleted
        ),
        (0, 0, 0, 0, 0, 0),
        "{:#?}",
        full.report.changes
    );
}

#[tokio::test]
async fn an_emptied_unpartitioned_table_and_an_unlike_folder_follow_the_full_crawl_rules() {
    let env = Env::new().await;
    let crawler = deleting_crawler(&env, "events_rules");
    first_lake(&|p| env.at(p));
    write_text(&env.at("lookup/codes.csv"), "code,label\n1,a\n2,b\n").unwrap();
    env.crawl_ok(&crawler).await;
    let target = CrawlTarget::open(&crawler.targets.s3_targets[0]).unwrap();

    // The lookup table's only object goes; a sensor file lands in a new sales partition.
    std::fs::remove_file(env.at("lookup/codes.csv")).unwrap();
    write_parquet(
        &env.at("sales/year=2024/month=06/part-0.parquet"),
        Columns::Sensor,
        4,
    )
    .unwrap();
    let batch = batch_for(
        &target,
        vec![
            event(&target, "lookup/codes.csv", ObjectChange::Removed),
            event(
                &target,
                "sales/year=2024/month=06/part-0.parquet",
                ObjectChange::Created,
            ),
        ],
    );
    let outcome = crawl_batch(&env, &crawler, &target, &batch).await;
    let kinds: Vec<(&str, ChangeKind)> = outcome
        .plan
        .changes
        .iter()
        .filter(|c| c.change.is_some())
        .map(|c| (c.record.table.as_str(), c.record.kind))
        .collect();
    assert_eq!(
        kinds,
        [("lookup", ChangeKind::Delete)],
        "{:#?}",
        outcome.plan
    );
    let tables = env.tables("events_rules").await;
    assert!(!tables.contains_key("lookup"));
    // The folder whose columns share too little with the table's is left out, not added.
    assert_eq!(
        partition_values(&env.partitions("events_rules", "sales").await),
        ["2024/01", "2024/02", "2024/03"]
    );
}

#[tokio::test]
async fn folders_inside_a_partitioned_table_that_are_not_partitions_are_set_aside() {
    let env = Env::new().await;
    let crawler = deleting_crawler(&env, "events_stray");
    first_lake(&|p| env.at(p));
    env.crawl_ok(&crawler).await;
    let before = env.partitions("events_stray", "sales").await;
    let target = CrawlTarget::open(&crawler.targets.s3_targets[0]).unwrap();

    // An object directly in the table's root, and one in a folder above partition depth.
    write_parquet(&env.at("sales/stray.parquet"), Columns::Base, 2).unwrap();
    write_parquet(&env.at("sales/year=2024/stray.parquet"), Columns::Base, 2).unwrap();
    let batch = batch_for(
        &target,
        vec![
            event(&target, "sales/stray.parquet", ObjectChange::Created),
            event(
                &target,
                "sales/year=2024/stray.parquet",
                ObjectChange::Created,
            ),
        ],
    );
    let report = Report::default();
    let outcome = crawl_batch_reported(&env, &crawler, &target, &batch, &report).await;
    let written: Vec<_> = outcome
        .plan
        .changes
        .iter()
        .filter(|c| c.change.is_some())
        .map(|c| &c.record)
        .collect();
    assert!(written.is_empty(), "{written:#?}");
    assert_eq!(env.partitions("events_stray", "sales").await, before);
    let (_, record) = report.snapshot();
    for stray in ["sales/stray.parquet", "sales/year=2024/stray.parquet"] {
        assert!(
            record
                .issues
                .iter()
                .any(|i| i.path.ends_with(stray) && i.message.contains("set aside")),
            "{stray}: {:#?}",
            record.issues
        );
    }
}

async fn sales_index(env: &Env) -> lakecat_catalog::store::TableFiles {
    env.catalog
        .table_files("events_index", "sales")
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn an_event_crawl_removes_gone_files_from_the_file_index_and_is_idempotent() {
    let env = Env::new().await;
    let mut crawler = deleting_crawler(&env, "events_index");
    // One object of each folder is read; the others are counted as unread.
    crawler.targets.s3_targets[0].sample_size = Some(1);
    first_lake(&|p| env.at(p));
    write_parquet(
        &env.at("sales/year=2024/month=01/part-1.parquet"),
        Columns::Base,
        4,
    )
    .unwrap();
    env.crawl_ok(&crawler).await;
    let index = sales_index(&env).await;
    assert_eq!((index.files.len(), index.unread), (3, 1), "{index:#?}");
    let target = CrawlTarget::open(&crawler.targets.s3_targets[0]).unwrap();

    // month=02 is emptied (its partition goes); month=03's object is replaced by another;
    // month=01 is named again, unchanged.
    std::fs::remove_file(env.at("sales/year=2024/month=02/part-0.parquet")).unwrap();
    std::fs::remove_file(env.at("sales/year=2024/month=03/part-0.parquet")).unwrap();
    write_parquet(
        &env.at("sales/year=2024/month=03/part-1.parquet"),
        Columns::Base,
        6,
    )
    .unwrap();
    use ObjectChange::{Created, Removed};
    let batch = batch_for(
        &target,
        vec![
            event(&target, "sales/year=2024/month=01/part-1.parquet", Created),
            event(&target, "sales/year=2024/month=02/part-0.parquet", Removed),
            event(&target, "sales/year=2024/month=03/part-0.parquet", Removed),
            event(&target, "sales/year=2024/month=03/part-1.parquet", Created),
        ],
    );
    crawl_batch(&env, &crawler, &target, &batch).await;
    let after = sales_index(&env).await;
    let paths: Vec<&str> = after.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths.len(), 2, "{paths:#?}");
    assert!(paths[0].contains("/month=01/"), "{paths:#?}");
    assert!(paths[1].ends_with("/month=03/part-1.parquet"), "{paths:#?}");
    assert_eq!(after.unread, 1);
    assert_eq!(
        partition_values(&env.partitions("events_index", "sales").await),
        ["2024/01", "2024/03"]
    );

    // The same batch again changes nothing, the index's generation and unread count included.
    crawl_batch(&env, &crawler, &target, &batch).await;
    let again = sales_index(&env).await;
    assert_eq!(again, after);
}

#[tokio::test]
async fn over_s3_an_event_crawl_lists_only_the_named_folders() {
    use lakecat_testkit::faults::{Faults, FlakyProxy};
    use lakecat_testkit::s3::{ACCESS_KEY, REGION, S3Server, SECRET_KEY};
    use object_store::aws::AmazonS3Builder;

    let root = tempfile::tempdir().unwrap();
    let server = S3Server::start(root.path()).await.unwrap();
    let bucket = server.create_bucket("lake-bucket").unwrap();
    let at = |p: &str| bucket.join("warehouse").join(p);
    first_lake(&at);
    // A lake much larger than the change: 40 more partitions nobody touches.
    for day in 0..40 {
        write_parquet(
            &at(&format!("clicks/day={day:02}/part-0.parquet")),
            Columns::Sensor,
            2,
        )
        .unwrap();
    }
    let proxy = FlakyProxy::start_with(server.address(), Faults::default())
        .await
        .unwrap();
    let store = AmazonS3Builder::new()
        .with_endpoint(proxy.endpoint())
        .with_allow_http(true)
        .with_bucket_name("lake-bucket")
        .with_region(REGION)
        .with_access_key_id(ACCESS_KEY)
        .with_secret_access_key(SECRET_KEY)
        .build()
        .unwrap();
    let target = target_in(Arc::new(store), "s3://lake-bucket", "warehouse");
    let env = Env::new().await;
    let crawler = deleting_crawler(&env, "events_s3");
    let first = env
        .run_with(
            &crawler,
            Some(vec![target.clone()]),
            CancellationToken::new(),
        )
        .await;
    assert_completed(&first);
    let full_listings = proxy.listings();

    let events = change_lake(&at, &target);
    let batch = batch_for(&target, events);
    let before = proxy.listings();
    crawl_batch(&env, &crawler, &target, &batch).await;
    let listings = proxy.listings() - before;
    assert_eq!(
        listings,
        batch.folder_count(),
        "one listing per named folder (a full crawl made {full_listings})"
    );
    assert_catalog_follows_the_changes(&env, "events_s3").await;
    assert_eq!(env.partitions("events_s3", "clicks").await.len(), 40);
}

#[test]
fn event_urls_of_local_targets_name_their_folders() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("t")).unwrap();
    let target = CrawlTarget::open(&lakecat_catalog::crawlers::S3Target {
        path: dir.path().to_str().unwrap().into(),
        ..Default::default()
    })
    .unwrap();
    let batch = batch_for(
        &target,
        vec![event(&target, "t/p=1/a.csv", ObjectChange::Created)],
    );
    assert_eq!(
        batch.folders[0],
        BTreeSet::from(["t/p=1".to_string()]),
        "{:?} under {}",
        batch.set_aside,
        Path::new(&target.location.url()).display()
    );
}
