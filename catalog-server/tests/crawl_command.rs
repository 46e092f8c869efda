//! `lakecat crawl` end to end: the real binary over local folders and over a local S3 server
//! configured through the AWS environment variables; killed or interrupted mid-write, then
//! re-run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lakecat_catalog::crawlers::{
    CrawlRunner, CrawlerInput, CrawlerStore, CrawlerTargets, Crawlers, RunState, S3Target,
};
use lakecat_catalog::{
    Catalog, Database, Listing, PageRequest, Partition, PartitionListRequest, SqlStore,
    StoreOptions, Table,
};
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
    // The table of changes lists tables in name order, and no terminal colour codes.
    let listed: Vec<&str> = shown
        .lines()
        .skip_while(|line| !line.starts_with("TABLE"))
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert_eq!(listed.len(), 10, "{shown}");
    assert!(listed.is_sorted(), "{listed:?}");
    assert!(!shown.contains('\u{1b}'), "{shown:?}");
    // The summary names the objects it skipped (hidden and marker files included).
    let objects = shown
        .lines()
        .find(|line| line.starts_with("objects:"))
        .unwrap_or_default();
    assert!(objects.contains(" skipped: "), "{objects}");
    assert!(objects.contains("_SUCCESS ("), "{objects}");
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

async fn open_catalog(url: &str) -> (Catalog, Crawlers, Arc<SqlStore>) {
    let store = Arc::new(
        SqlStore::connect(url, &StoreOptions::default())
            .await
            .unwrap(),
    );
    (
        Catalog::new(store.clone()),
        Crawlers::new(store.clone()),
        store,
    )
}

/// Every item of a paged listing; none when listing fails (a database not created yet).
async fn all_pages<T, F, Fut>(mut list: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = lakecat_catalog::Result<Listing<T>>>,
{
    let mut items = Vec::new();
    let mut token = None;
    loop {
        let Ok(page) = list(PageRequest {
            max_results: None,
            page_token: token,
        })
        .await
        else {
            return items;
        };
        items.extend(page.items);
        match page.next_page_token {
            Some(next) => token = Some(next),
            None => return items,
        }
    }
}

async fn all_tables(catalog: &Catalog, db: &str) -> Vec<Table> {
    all_pages(|page| catalog.list_tables(db, page)).await
}

async fn all_partitions(catalog: &Catalog, db: &str, table: &str) -> Vec<Partition> {
    all_pages(|page| {
        catalog.list_partitions(
            db,
            table,
            PartitionListRequest {
                page,
                ..PartitionListRequest::default()
            },
        )
    })
    .await
}

/// Every table's partition count, by table.
async fn partition_counts(catalog: &Catalog, db: &str) -> Vec<(String, usize)> {
    let mut counts = Vec::new();
    for table in all_tables(catalog, db).await {
        let partitions = all_partitions(catalog, db, &table.name).await;
        counts.push((table.name, partitions.len()));
    }
    counts
}

/// How many tables a database has.
async fn table_count(catalog: &Catalog, db: &str) -> usize {
    all_tables(catalog, db).await.len()
}

/// A database as crawls leave it, without what differs between two equal crawls (times
/// and version numbers): its tables, each with its partitions.
type CrawledDatabase = (Database, Vec<(Table, Vec<Partition>)>);

/// Every database of the catalog, as crawls leave it.
async fn crawled_catalog(catalog: &Catalog) -> Vec<CrawledDatabase> {
    let epoch = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    let mut crawled = Vec::new();
    for mut database in all_pages(|page| catalog.list_databases(page)).await {
        let mut tables = Vec::new();
        for mut table in all_tables(catalog, &database.name).await {
            let mut partitions = all_partitions(catalog, &database.name, &table.name).await;
            for partition in &mut partitions {
                partition.creation_time = epoch;
                partition.last_access_time = None;
            }
            table.create_time = epoch;
            table.update_time = epoch;
            table.last_access_time = None;
            table.version_id = String::new();
            tables.push((table, partitions));
        }
        database.create_time = epoch;
        crawled.push((database, tables));
    }
    crawled
}

/// `lakecat crawl LAKE --database crash --database-url URL`.
fn crawl_crash(dir: &Path, lake: &Path, url: &str) -> Command {
    let mut command = lakecat(dir);
    command.args([
        "crawl",
        lake.to_str().unwrap(),
        "--database",
        "crash",
        "--database-url",
        url,
    ]);
    command
}

/// Starts a crawl of `lake` into database `crash`, with its output piped.
fn spawn_crawl(dir: &Path, lake: &Path, url: &str) -> Child {
    crawl_crash(dir, lake, url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the crawl `child` has written more tables to database `crash` than
/// `before`; false when it ended first.
async fn wait_for_a_write(child: &mut Child, catalog: &Catalog, before: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "the crawl never wrote a table");
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        let page = PageRequest {
            max_results: Some(before + 1),
            page_token: None,
        };
        if catalog
            .list_tables("crash", page)
            .await
            .is_ok_and(|tables| tables.items.len() > before)
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
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
    let mut child = spawn_crawl(dir, lake, url);
    if !wait_for_a_write(&mut child, catalog, before).await {
        let output = child.wait_with_output().unwrap();
        panic!(
            "the crawl ended ({}) before it could be interrupted: {}",
            output.status,
            text(&output)
        );
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
    let (catalog, crawlers, _) = open_catalog(&url).await;

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
    // The crawler still looks RUNNING, but its process is gone: the next run takes over at
    // once.

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
            .contains("is no longer running")
    );

    // A full run converges.
    let finished = crawl_crash(dir.path(), &lake, &url).output().unwrap();
    assert!(finished.status.success(), "{}", text(&finished));
    let counts = partition_counts(&catalog, "crash").await;
    assert_eq!(counts.len(), TABLES);
    assert!(counts.iter().all(|(_, n)| *n == PARTITIONS));
}

/// A small deterministic random number generator (SplitMix64), so that a failing round of
/// kills can be replayed.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The message a run killed in process `pid` of this machine is recorded with.
fn gone_reason(pid: u32) -> String {
    format!(
        "the crawl process (pid {pid} on {}) is no longer running",
        CrawlRunner::current().host
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crawl_killed_at_random_moments_is_rerun_at_once_and_converges() {
    const TABLES: usize = 160;
    const PARTITIONS: usize = 20;
    const ROUNDS: usize = 10;
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    // A crawl of it takes most of a second in a debug build, half of it writing.
    many_tables(&lake, TABLES, PARTITIONS);
    let url = |name: &str| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join(format!("{name}.db")).display()
        )
    };

    // The lake crawled into a fresh catalog, never interrupted: what the killed crawls must
    // come to, and how long a crawl takes on this machine now.
    let fresh_url = url("fresh");
    let started = Instant::now();
    let fresh = crawl_crash(dir.path(), &lake, &fresh_url).output().unwrap();
    let crawl_time = u64::try_from(started.elapsed().as_millis()).unwrap();
    assert!(fresh.status.success(), "{}", text(&fresh));
    let (fresh_catalog, _, _) = open_catalog(&fresh_url).await;
    let expected = crawled_catalog(&fresh_catalog).await;
    assert_eq!(expected.len(), 1);
    assert_eq!(expected[0].1.len(), TABLES);
    assert!(expected[0].1.iter().all(|(_, p)| p.len() == PARTITIONS));

    // Each round starts a crawl right after the previous one was killed and kills it in
    // turn. The first half of the rounds kill it at a random moment in the first quarter of
    // a crawl's time after it was seen writing a table (when it has any left to write), so
    // that crawls die in the middle of their writes whatever the speed of the machine; the
    // others at a random moment from 50 ms after its start to the time a whole crawl took
    // (while it opens the catalog, reads or writes; or it completed).
    let killed_url = url("killed");
    let (catalog, crawlers, _) = open_catalog(&killed_url).await;
    let mut random = SplitMix(4);
    let mut killed = Vec::new();
    let mut killed_writing = Vec::new();
    let mut completed = 0;
    for round in 0..ROUNDS {
        let written_before = table_count(&catalog, "crash").await;
        let mut child = spawn_crawl(dir.path(), &lake, &killed_url);
        let started = Instant::now();
        let mut writing = false;
        if round < ROUNDS / 2 {
            writing = wait_for_a_write(&mut child, &catalog, written_before).await;
            let delay = random.next() % (crawl_time / 4).max(1);
            tokio::time::sleep(Duration::from_millis(delay)).await;
        } else {
            let delay = 50 + random.next() % crawl_time.saturating_sub(49).max(1);
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        let at = started.elapsed();
        if child.try_wait().unwrap().is_some() {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "round {round}: the crawl ended ({}) within {at:?} of its start instead of \
                 taking over the killed one: {}",
                output.status,
                text(&output)
            );
            completed += 1;
            eprintln!("round {round}: completed within {at:?}");
        } else {
            child.kill().unwrap();
            child.wait().unwrap();
            killed.push(child.id());
            let written = table_count(&catalog, "crash").await;
            // Killed in the middle of its writes, so before it could record its end.
            if writing && written < TABLES {
                killed_writing.push(child.id());
            }
            eprintln!("round {round}: killed after {at:?}, {written} tables written");
        }
    }
    let finished = crawl_crash(dir.path(), &lake, &killed_url)
        .output()
        .unwrap();
    assert!(finished.status.success(), "{}", text(&finished));
    completed += 1;
    assert!(
        !killed_writing.is_empty(),
        "no crawl was killed while it wrote"
    );

    // The catalog is the one the uninterrupted crawl made.
    let found = crawled_catalog(&catalog).await;
    assert_eq!(
        found.iter().map(|(_, t)| t.len()).collect::<Vec<_>>(),
        [TABLES]
    );
    assert!(found == expected, "the catalogs differ");

    // No run is left RUNNING. The crawls that ended by themselves completed, and so did any
    // killed after it recorded its end; a crawl killed before it recorded its start left no
    // run. Every other killed crawl is recorded as FAILED, naming its process, and those
    // killed in the middle of their writes are among them.
    let runs = crawlers
        .list_runs(
            "lakecat-crash",
            PageRequest {
                max_results: Some(100),
                page_token: None,
            },
        )
        .await
        .unwrap()
        .items;
    let count = |state| runs.iter().filter(|r| r.state == state).count();
    assert!(count(RunState::Completed) >= completed, "{runs:#?}");
    let failed: Vec<&str> = runs
        .iter()
        .filter(|r| r.state == RunState::Failed)
        .map(|r| r.error_message.as_deref().unwrap())
        .collect();
    assert_eq!(
        failed.len() + count(RunState::Completed),
        runs.len(),
        "{runs:#?}"
    );
    assert!(runs.len() <= ROUNDS + 1, "{runs:#?}");
    let reasons: Vec<String> = killed.iter().map(|pid| gone_reason(*pid)).collect();
    for (i, message) in failed.iter().enumerate() {
        assert!(reasons.iter().any(|r| r == message), "{message}");
        assert!(!failed[..i].contains(message), "{runs:#?}");
    }
    for pid in &killed_writing {
        assert!(failed.contains(&gone_reason(*pid).as_str()), "{runs:#?}");
    }
    assert_eq!(
        crawlers.get_crawler("lakecat-crash").await.unwrap().state,
        lakecat_catalog::crawlers::CrawlerState::Ready
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crawl_whose_process_may_be_alive_is_not_taken_over_before_its_lease_ends() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    many_tables(&lake, 2, 2);
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("catalog.db").display()
    );
    let (_, crawlers, store) = open_catalog(&url).await;
    crawlers
        .create_crawler(CrawlerInput {
            name: "lakecat-busy".into(),
            database_name: "busy".into(),
            targets: CrawlerTargets {
                s3_targets: vec![S3Target {
                    path: lake.to_str().unwrap().into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    let crawl = |takeover_after: &str| {
        lakecat(dir.path())
            .args([
                "crawl",
                lake.to_str().unwrap(),
                "--database",
                "busy",
                "--database-url",
                &url,
                "--takeover-after",
                takeover_after,
            ])
            .output()
            .unwrap()
    };
    let time =
        |at: chrono::DateTime<chrono::Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let here = CrawlRunner::current().clone();

    // A crawl of this (live) test process, then one of another machine: both refused, with
    // when and how they can be taken over.
    let elsewhere = CrawlRunner {
        host: format!("not-{}", here.host),
        ..here.clone()
    };
    for (runner, how) in [
        (&here, "which is running".to_string()),
        (
            &elsewhere,
            format!("pid {} on {}, another machine", here.pid, elsewhere.host),
        ),
    ] {
        let mut run = store.start_crawl("lakecat-busy", runner).await.unwrap();
        let running = store.running_crawl("lakecat-busy").await.unwrap().unwrap();
        let refused = crawl("600");
        assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
        let shown = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(shown.lines().count(), 1, "{shown}");
        let takeover_at = running.heartbeat_time + Duration::from_secs(600);
        for part in [
            format!(
                "error: crawler lakecat-busy is running: run {} by pid {}",
                run.summary.id, runner.pid
            ),
            how,
            format!(
                "It counts as dead once it has saved none for 600 s, from {} on, when this \
                 command can take it over (--takeover-after SECONDS sets that wait)",
                time(takeover_at)
            ),
        ] {
            assert!(shown.contains(&part), "{part:?} not in {shown}");
        }
        if runner == &here {
            run.summary.state = RunState::Completed;
            crawlers.finish_crawl(&run).await.unwrap();
        }
    }
    let runs = || async {
        crawlers
            .list_runs("lakecat-busy", PageRequest::default())
            .await
            .unwrap()
            .items
    };
    assert_eq!(runs().await.len(), 2);

    // Once the other machine's crawl has been silent for --takeover-after, it is taken over.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let taken = crawl("1");
    assert!(taken.status.success(), "{}", text(&taken));
    assert!(
        String::from_utf8_lossy(&taken.stderr).contains("is recorded as FAILED"),
        "{}",
        text(&taken)
    );
    let states: Vec<(RunState, Option<String>)> = runs()
        .await
        .into_iter()
        .map(|r| (r.state, r.error_message))
        .collect();
    assert_eq!(
        states,
        [
            (RunState::Completed, None),
            (
                RunState::Failed,
                Some(lakecat_catalog::crawlers::service::ABANDONED_REASON.into())
            ),
            (RunState::Completed, None),
        ]
    );
}

/// Glue's 100-target limit is for stored crawler definitions: a one-shot crawl takes any
/// number of targets.
#[test]
fn a_one_shot_crawl_takes_more_targets_than_a_stored_crawler() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let mut targets = Vec::new();
    for table in 0..150 {
        let folder = lake.join(format!("t{table:03}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("d.csv"), "id,name\n1,a\n2,b\n").unwrap();
        targets.push(folder.to_string_lossy().into_owned());
    }
    let crawled = lakecat(dir.path())
        .arg("crawl")
        .args(&targets)
        .args(["--database", "many", "--json"])
        .output()
        .unwrap();
    assert!(crawled.status.success(), "{}", text(&crawled));
    let run: serde_json::Value = serde_json::from_slice(&crawled.stdout).unwrap();
    assert_eq!(run["counts"]["tables_created"], 150, "{run}");
}
