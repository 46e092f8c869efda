//! End-to-end crawls over the real S3 protocol: a local S3-compatible server (s3s-fs) on a
//! loopback port, holding a generated lake.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use tokio_util::sync::CancellationToken;

use lakecat_catalog::crawlers::RunState;
use lakecat_testkit::lake::{Columns, write_parquet, write_text};
use lakecat_testkit::s3::{REGION, S3Server};
use object_store::aws::AmazonS3Builder;
use support::{Env, assert_completed, columns, keys, target_in};

struct Lake {
    env: Env,
    server: S3Server,
    _root: tempfile::TempDir,
    bucket_folder: std::path::PathBuf,
}

async fn lake() -> Lake {
    let root = tempfile::tempdir().unwrap();
    let server = S3Server::start(root.path()).await.unwrap();
    let bucket_folder = server.create_bucket("lake-bucket").unwrap();
    Lake {
        env: Env::new().await,
        server,
        _root: root,
        bucket_folder,
    }
}

#[tokio::test]
async fn crawls_a_lake_over_s3() {
    let lake = lake().await;
    let at = |p: &str| lake.bucket_folder.join("warehouse").join(p);
    for (year, month) in [(2024, 1), (2024, 2), (2024, 3)] {
        write_parquet(
            &at(&format!(
                "sales/year={year}/month={month:02}/part-0.parquet"
            )),
            Columns::Base,
            20,
        )
        .unwrap();
    }
    write_parquet(
        &at("sales/year=2024/month=04/part-0.parquet"),
        Columns::WithDiscount,
        5,
    )
    .unwrap();
    write_text(&at("sales/_SUCCESS"), "").unwrap();
    for hour in ["00", "01"] {
        write_text(
            &at(&format!("logs/2024/06/01/{hour}/app.json")),
            "{\"level\": \"info\", \"message\": \"ok\"}\n",
        )
        .unwrap();
    }
    write_text(
        &at("logs/2024/06/01/02/broken.parquet"),
        "PAR1 not really PAR1",
    )
    .unwrap();

    let crawler = lake.env.crawler("s3lake");
    let target = target_in(
        lake.server.store("lake-bucket").unwrap(),
        "s3://lake-bucket",
        "warehouse",
    );
    let run = lake
        .env
        .run_with(&crawler, Some(vec![target]), CancellationToken::new())
        .await;
    assert_completed(&run);
    let tables = lake.env.tables("s3lake").await;
    assert_eq!(
        tables.keys().collect::<Vec<_>>(),
        ["logs", "sales"],
        "{:#?}",
        run.report
    );
    let sales = &tables["sales"];
    assert_eq!(keys(sales), ["year", "month"]);
    assert_eq!(
        columns(sales),
        [
            "id bigint",
            "name string",
            "amount double",
            "discount double"
        ]
    );
    assert_eq!(
        sales
            .storage_descriptor
            .as_ref()
            .unwrap()
            .location
            .as_deref(),
        Some("s3://lake-bucket/warehouse/sales/")
    );
    assert_eq!(sales.parameters["recordCount"], "65");
    let partitions = lake.env.partitions("s3lake", "sales").await;
    assert_eq!(partitions.len(), 4);
    assert_eq!(
        partitions[0]
            .storage_descriptor
            .as_ref()
            .unwrap()
            .location
            .as_deref(),
        Some("s3://lake-bucket/warehouse/sales/year=2024/month=01/")
    );
    assert_eq!(
        keys(&tables["logs"]),
        ["partition_0", "partition_1", "partition_2", "partition_3"]
    );
    let broken = run
        .report
        .issues
        .iter()
        .find(|i| i.path.ends_with("broken.parquet"))
        .unwrap();
    assert!(broken.message.contains("parquet"), "{broken:?}");
    assert_eq!(run.summary.counts.objects_listed, 8);
    assert!(run.summary.counts.bytes_read > 0);
}

#[tokio::test]
async fn a_missing_bucket_or_refused_credentials_fail_with_one_clear_line() {
    let lake = lake().await;
    let crawler = lake.env.crawler("s3lake");
    let missing = target_in(
        lake.server.store("no-such-bucket").unwrap(),
        "s3://no-such-bucket",
        "x",
    );
    let run = lake
        .env
        .run_with(&crawler, Some(vec![missing]), CancellationToken::new())
        .await;
    assert_eq!(run.summary.state, RunState::Failed);
    let message = run.summary.error_message.unwrap();
    assert!(
        message.starts_with("cannot list s3://no-such-bucket/x/"),
        "{message}"
    );
    assert!(
        message.contains("NoSuchBucket") || message.contains("not found"),
        "{message}"
    );
    assert!(!message.contains('\n'));

    let refused = AmazonS3Builder::new()
        .with_endpoint(lake.server.endpoint())
        .with_allow_http(true)
        .with_bucket_name("lake-bucket")
        .with_region(REGION)
        .with_access_key_id("someone")
        .with_secret_access_key("wrong")
        .build()
        .unwrap();
    let target = target_in(Arc::new(refused), "s3://lake-bucket", "warehouse");
    let run = lake
        .env
        .run_with(&crawler, Some(vec![target]), CancellationToken::new())
        .await;
    assert_eq!(run.summary.state, RunState::Failed);
    let message = run.summary.error_message.unwrap();
    assert!(
        message.contains("cannot list s3://lake-bucket/warehouse/"),
        "{message}"
    );
    assert!(lake.env.tables("s3lake").await.is_empty());
}

#[tokio::test]
async fn an_object_still_throttled_after_the_retries_is_recorded_and_skipped() {
    use lakecat_crawler::OpenedTargets;
    use lakecat_crawler::retries::RetryCounter;
    use lakecat_testkit::faults::{Faults, FlakyProxy};
    use object_store::{BackoffConfig, RetryConfig};
    use std::time::Duration;

    let lake = lake().await;
    for (part, name) in [("1", "d1"), ("2", "d2"), ("3", "d3")] {
        write_text(
            &lake
                .bucket_folder
                .join(format!("warehouse/events/p={part}/{name}.json")),
            &format!("{{\"n\": {part}}}\n"),
        )
        .unwrap();
    }
    // Every GET of d2.json is throttled, however often it is retried.
    let proxy = FlakyProxy::start_with(
        lake.server.address(),
        Faults {
            first_gets: 0,
            always: Some("d2.json".into()),
            ..Faults::default()
        },
    )
    .await
    .unwrap();
    let retries = RetryCounter::default();
    let store = AmazonS3Builder::new()
        .with_endpoint(proxy.endpoint())
        .with_allow_http(true)
        .with_bucket_name("lake-bucket")
        .with_region(REGION)
        .with_access_key_id(lakecat_testkit::s3::ACCESS_KEY)
        .with_secret_access_key(lakecat_testkit::s3::SECRET_KEY)
        .with_http_connector(retries.clone())
        // Two retries with short backoff, so that the test does not wait minutes.
        .with_retry(RetryConfig {
            max_retries: 2,
            retry_timeout: Duration::from_secs(30),
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(10),
                max_backoff: Duration::from_millis(50),
                base: 2.0,
            },
        })
        .build()
        .unwrap();
    let target = target_in(Arc::new(store), "s3://lake-bucket", "warehouse");
    let crawler = lake.env.crawler("flaky");
    let run = lake
        .env
        .run_opened(
            &crawler,
            Some(OpenedTargets {
                targets: vec![target],
                retries,
            }),
            CancellationToken::new(),
        )
        .await;
    assert_completed(&run);
    // The first try and two retries, all throttled.
    assert_eq!(proxy.throttled(), 3);
    assert_eq!(
        run.summary.counts.object_store_retries, 3,
        "{:#?}",
        run.summary.counts
    );
    let issue = run
        .report
        .issues
        .iter()
        .find(|issue| issue.path.ends_with("d2.json"))
        .unwrap_or_else(|| panic!("no issue for d2.json: {:#?}", run.report.issues));
    assert!(
        issue.message.contains("SlowDown") || issue.message.contains("503"),
        "{issue:?}"
    );
    let tables = lake.env.tables("flaky").await;
    assert_eq!(
        tables.keys().collect::<Vec<_>>(),
        ["events"],
        "{:#?}",
        run.report
    );
    let values: Vec<Vec<String>> = lake
        .env
        .partitions("flaky", "events")
        .await
        .into_iter()
        .map(|partition| partition.values)
        .collect();
    assert_eq!(values, [["1"], ["3"]], "{:#?}", run.report);
}

#[tokio::test]
async fn keys_object_store_cannot_address_are_skipped_and_reported() {
    use lakecat_crawler::{OpenedTargets, TargetLocation};
    use lakecat_testkit::faults::{Faults, FlakyProxy};

    let lake = lake().await;
    for part in ["1", "2"] {
        write_text(
            &lake
                .bucket_folder
                .join(format!("warehouse/events/p={part}/d{part}.json")),
            &format!("{{\"n\": {part}}}\n"),
        )
        .unwrap();
    }
    // A control character is legal in a file name, so this key is really stored.
    write_text(
        &lake
            .bucket_folder
            .join("warehouse/events/p=1/bad\u{1}name.json"),
        "{\"n\": 9}\n",
    )
    .unwrap();
    // These cannot be files; the proxy lists them as S3 would.
    let listed = [
        "warehouse/events/p=1/a//b.json",
        "warehouse/events/p=1/./c.json",
        "warehouse/events/p=2/../d.json",
        "warehouse/events/p=2/.",
    ];
    let proxy = FlakyProxy::start_with(
        lake.server.address(),
        Faults {
            listed: listed.iter().map(|key| key.to_string()).collect(),
            ..Faults::default()
        },
    )
    .await
    .unwrap();
    let builder = AmazonS3Builder::new()
        .with_endpoint(proxy.endpoint())
        .with_allow_http(true)
        .with_region(REGION)
        .with_access_key_id(lakecat_testkit::s3::ACCESS_KEY)
        .with_secret_access_key(lakecat_testkit::s3::SECRET_KEY);
    let retries = lakecat_crawler::retries::RetryCounter::default();
    let target =
        TargetLocation::s3(builder, "s3://lake-bucket/warehouse/", Some(&retries)).unwrap();
    let crawler = lake.env.crawler("odd_keys");
    let run = lake
        .env
        .run_opened(
            &crawler,
            Some(OpenedTargets {
                targets: vec![lakecat_crawler::CrawlTarget::s3(
                    target,
                    lakecat_catalog::crawlers::S3Target {
                        path: "s3://lake-bucket/warehouse/".into(),
                        ..Default::default()
                    },
                )],
                retries,
            }),
            CancellationToken::new(),
        )
        .await;
    assert_completed(&run);
    let tables = lake.env.tables("odd_keys").await;
    assert_eq!(
        tables.keys().collect::<Vec<_>>(),
        ["events"],
        "{:#?}",
        run.report
    );
    assert_eq!(lake.env.partitions("odd_keys", "events").await.len(), 2);
    let reported: Vec<&str> = run
        .report
        .issues
        .iter()
        .filter(|issue| issue.message.contains("cannot address"))
        .map(|issue| issue.path.as_str())
        .collect();
    let mut expected: Vec<String> = listed
        .iter()
        .chain(["warehouse/events/p=1/bad\u{1}name.json"].iter())
        .map(|key| format!("s3://lake-bucket/{}", key.escape_debug()))
        .collect();
    expected.sort();
    let mut reported: Vec<String> = reported.into_iter().map(String::from).collect();
    reported.sort();
    assert_eq!(reported, expected, "{:#?}", run.report.issues);
}
