//! `lakecat crawl` end to end: the real binary over local folders and over a local S3 server
//! configured through the AWS environment variables; killed or interrupted mid-write, then
//! re-run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lakecat_catalog::crawlers::{Crawlers, RunState};
use lakecat_catalog::{Catalog, PageRequest, PartitionListRequest, SqlStore, StoreOptions};
use lakecat_testkit::lake::write_text;
use lakecat_testkit::s3::S3Server;

fn lakecat(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lakecat"));
    command
        .current_dir(dir)
        .env_remove("LAKECAT_DATABASE_URL")
        .env_remove("LAKECAT_CONFIG")
        .env_remove("LAKECAT_LOG")
        .env("HOME", dir)
        .stdin(Stdio::null());
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    command
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/lake")
}

#[test]
fn crawls_the_samples_then_changes_nothing_and_dry_runs_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let samples = samples();
    let dry = lakecat(dir.path())
        .args([
            "crawl",
            samples.to_str().unwrap(),
            "--database",
            "samples",
            "--dry-run",
        ])
        .output()
        .unwrap();
    assert!(dry.status.success(), "{}", text(&dry));
    let shown = text(&dry);
    assert!(shown.contains("dry run: nothing was written"), "{shown}");
    assert!(
        shown.contains("orders") && shown.contains("CREATE"),
        "{shown}"
    );
    // The dry run did write the default catalog file (opening it migrates it), but no table.
    let first = lakecat(dir.path())
        .args(["crawl", samples.to_str().unwrap(), "--database", "samples"])
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", text(&first));
    let shown = text(&first);
    assert!(shown.contains("tables: 10 created"), "{shown}");
    assert!(dir.path().join("lakecat.db").exists());

    let again = lakecat(dir.path())
        .args([
            "crawl",
            samples.to_str().unwrap(),
            "--database",
            "samples",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", text(&again));
    let run: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(run["state"], "COMPLETED");
    assert_eq!(run["counts"]["tables_created"], 0);
    assert_eq!(run["counts"]["tables_updated"], 0);
    assert_eq!(run["counts"]["partitions_added"], 0);
    let changes = run["report"]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 10);
    assert!(
        changes.iter().all(|c| c["kind"] == "UNCHANGED"),
        "{changes:#?}"
    );
    let decisions = run["report"]["decisions"].as_array().unwrap();
    assert!(
        decisions.iter().any(|d| d["outcome"]
            .as_str()
            .unwrap()
            .contains("partition(s) on (year, month)")),
        "{decisions:#?}"
    );
}

#[test]
fn bad_targets_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = lakecat(dir.path())
        .args(["crawl", "/no/such/folder", "--database", "x"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    let shown = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(shown.lines().count(), 1, "{shown}");
    assert!(
        shown.starts_with("error: target /no/such/folder: no folder at"),
        "{shown}"
    );
    let scheme = lakecat(dir.path())
        .args(["crawl", "ftp://host/x", "--database", "x"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&scheme.stderr).contains("unsupported scheme ftp://"));
    let glob = lakecat(dir.path())
        .args([
            "crawl",
            dir.path().to_str().unwrap(),
            "--database",
            "x",
            "--exclude",
            "[ab",
        ])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&glob.stderr);
    assert!(
        shown.contains("exclusion \"[ab\": a bracket expression `[` is not closed"),
        "{shown}"
    );
}

/// A local S3 server whose bucket `raw` holds a JSON table `lake/events/` of two partitions.
async fn events_in_s3(root: &Path) -> S3Server {
    let server = S3Server::start(root).await.unwrap();
    let bucket = server.create_bucket("raw").unwrap();
    write_text(
        &bucket.join("lake/events/dt=2024-06-01/a.json"),
        "{\"id\": 1, \"kind\": \"click\"}\n",
    )
    .unwrap();
    write_text(
        &bucket.join("lake/events/dt=2024-06-02/b.json"),
        "{\"id\": 2, \"kind\": \"view\"}\n",
    )
    .unwrap();
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn crawls_s3_with_the_aws_environment_and_reports_a_missing_bucket() {
    let root = tempfile::tempdir().unwrap();
    let server = events_in_s3(root.path()).await;
    let dir = tempfile::tempdir().unwrap();
    let dir_path = dir.path().to_path_buf();
    let aws_env = server.env();
    let run = move |target: &str| {
        let mut command = lakecat(&dir_path);
        command.args(["crawl", target, "--database", "raw", "--json"]);
        for (key, value) in &aws_env {
            command.env(key, value);
        }
        command.output().unwrap()
    };
    let crawled = tokio::task::spawn_blocking({
        let run = run.clone();
        move || run("s3://raw/lake/")
    })
    .await
    .unwrap();
    assert!(crawled.status.success(), "{}", text(&crawled));
    let record: serde_json::Value = serde_json::from_slice(&crawled.stdout).unwrap();
    assert_eq!(record["counts"]["tables_created"], 1, "{record:#}");
    assert_eq!(record["counts"]["partitions_added"], 2);

    let missing = tokio::task::spawn_blocking(move || run("s3://no-such-bucket/lake/"))
        .await
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    let record: serde_json::Value = serde_json::from_slice(&missing.stdout).unwrap();
    let message = record["error_message"].as_str().unwrap();
    assert!(
        message.starts_with("cannot list s3://no-such-bucket/lake/"),
        "{message}"
    );
    assert!(!message.contains('\n'));
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_reads_are_retried_and_counted_by_a_one_shot_crawl() {
    let root = tempfile::tempdir().unwrap();
    let server = events_in_s3(root.path()).await;
    // The first two GETs (listings and reads) get 503 SlowDown.
    let proxy = lakecat_testkit::faults::FlakyProxy::start(server.address(), 2)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut command = lakecat(dir.path());
    command.args(["crawl", "s3://raw/lake/", "--database", "raw", "--json"]);
    for (key, value) in server.env() {
        command.env(key, value);
    }
    command.env("AWS_ENDPOINT_URL", proxy.endpoint());
    let crawled = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(crawled.status.success(), "{}", text(&crawled));
    let record: serde_json::Value = serde_json::from_slice(&crawled.stdout).unwrap();
    assert_eq!(proxy.throttled(), 2);
    assert_eq!(record["counts"]["object_store_retries"], 2, "{record:#}");
    assert_eq!(record["counts"]["tables_created"], 1, "{record:#}");
}

/// A lake of `tables` tables with `partitions` partitions each, all with different columns
/// so that none merge.
fn many_tables(lake: &Path, tables: usize, partitions: usize) {
    for t in 0..tables {
        for p in 0..partitions {
            write_text(
                &lake.join(format!("t{t:03}/p={p}/data.json")),
                &format!("{{\"c{t}_a\": {p}, \"c{t}_b\": \"x\"}}\n"),
            )
            .unwrap();
        }
    }
}

async fn open_catalog(url: &str) -> (Catalog, Crawlers) {
    let store = Arc::new(
        SqlStore::connect(url, &StoreOptions::default())
            .await
            .unwrap(),
    );
    (Catalog::new(store.clone()), Crawlers::new(store))
}

/// Every table's partition count, by table.
async fn partition_counts(catalog: &Catalog, db: &str) -> Vec<(String, usize)> {
    let mut counts = Vec::new();
    let mut token = None;
    loop {
        let page = match catalog
            .list_tables(
                db,
                PageRequest {
                    max_results: None,
                    page_token: token,
                },
            )
            .await
        {
            Ok(page) => page,
            Err(_) => return counts,
        };
        for table in page.items {
            let partitions = catalog
                .list_partitions(db, &table.name, PartitionListRequest::default())
                .await
                .unwrap();
            counts.push((table.name, partitions.items.len()));
        }
        match page.next_page_token {
            Some(next) => token = Some(next),
            None => return counts,
        }
    }
}

/// How many tables a database has.
async fn table_count(catalog: &Catalog, db: &str) -> usize {
    let mut count = 0;
    let mut token = None;
    loop {
        let Ok(page) = catalog
            .list_tables(
                db,
                PageRequest {
                    max_results: None,
                    page_token: token,
                },
            )
            .await
        else {
            return count;
        };
        count += page.items.len();
        match page.next_page_token {
            Some(next) => token = Some(next),
            None => return count,
        }
    }
}

/// Starts a crawl of `lake`, waits until it has written at least one more table, then sends
/// `signal`; returns the child's output.
async fn interrupt_mid_write(
    dir: &Path,
    lake: &Path,
    url: &str,
    catalog: &Catalog,
    signal: &str,
) -> Output {
    let before = table_count(catalog, "crash").await;
    let mut child = lakecat(dir)
        .args([
            "crawl",
            lake.to_str().unwrap(),
            "--database",
            "crash",
            "--database-url",
            url,
            "--takeover-after",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "the crawl never wrote a table");
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            panic!(
                "the crawl ended ({status}) before it could be interrupted: {}",
                text(&output)
            );
        }
        if table_count(catalog, "crash").await > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crawl_killed_or_stopped_mid_write_leaves_whole_tables_and_a_rerun_converges() {
    const TABLES: usize = 150;
    const PARTITIONS: usize = 12;
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    many_tables(&lake, TABLES, PARTITIONS);
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("catalog.db").display()
    );
    let (catalog, crawlers) = open_catalog(&url).await;

    // Killed: no chance to clean up.
    let killed = interrupt_mid_write(dir.path(), &lake, &url, &catalog, "-KILL").await;
    assert!(!killed.status.success());
    let counts = partition_counts(&catalog, "crash").await;
    assert!(
        !counts.is_empty() && counts.len() < TABLES,
        "{} tables",
        counts.len()
    );
    assert!(
        counts.iter().all(|(_, n)| *n == PARTITIONS),
        "a table was half written: {counts:?}"
    );
    // The crawler still looks RUNNING; after the lease (1 s here) the next run takes over.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // Interrupted (Ctrl-C): it stops between tables and records STOPPED.
    let stopped = interrupt_mid_write(dir.path(), &lake, &url, &catalog, "-INT").await;
    assert_eq!(stopped.status.code(), Some(130), "{}", text(&stopped));
    let counts = partition_counts(&catalog, "crash").await;
    assert!(counts.iter().all(|(_, n)| *n == PARTITIONS), "{counts:?}");
    let runs = crawlers
        .list_runs("lakecat-crash", PageRequest::default())
        .await
        .unwrap();
    let states: Vec<RunState> = runs.items.iter().map(|r| r.state).collect();
    assert_eq!(states, [RunState::Stopped, RunState::Failed]);
    assert!(
        runs.items[1]
            .error_message
            .as_deref()
            .unwrap()
            .contains("its process died")
    );

    // A full run converges.
    let finished = lakecat(dir.path())
        .args([
            "crawl",
            lake.to_str().unwrap(),
            "--database",
            "crash",
            "--database-url",
            &url,
        ])
        .output()
        .unwrap();
    assert!(finished.status.success(), "{}", text(&finished));
    let counts = partition_counts(&catalog, "crash").await;
    assert_eq!(counts.len(), TABLES);
    assert!(counts.iter().all(|(_, n)| *n == PARTITIONS));
}
