//! The crawl benchmark: generates lakes, crawls them with lakecat (catalog writes included),
//! and times DuckDB's and pyarrow's schema discovery over the same files.
//!
//! - 100,000 Parquet objects in 10,000 Hive partitions, on the local file system and over a
//!   local S3 server (s3s-fs on a loopback port);
//! - 1,000,000 small CSV objects in 10,000 partitions, crawled with a sample size of 1, to
//!   show that memory stays flat while listing.
//!
//! Each crawl runs in a child process (this binary, `child` mode) so that its peak memory
//! (VmHWM) is its own. Lakes are generated once into `target/bench-lakes` and reused.
//!
//! Run with `scripts/bench-crawl` (or `cargo bench -p lakecat-crawler --bench crawl`);
//! `LAKECAT_BENCH_RUNS` sets the runs per measurement (default 3; medians are printed),
//! `LAKECAT_BENCH_SKIP_1M=1` skips the million-object listing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use lakecat_catalog::crawlers::{CrawlerInput, CrawlerTargets, S3Target};
use lakecat_catalog::{Catalog, SqlStore, StoreOptions};
use lakecat_classifiers::Registry;
use lakecat_crawler::{AllowedRoots, CrawlOptions, CrawlTarget, Report, crawl};

/// Tells a child crawl to confine itself to this allowed root.
const ALLOWED_ROOT_VAR: &str = "LAKECAT_BENCH_ALLOWED_ROOT";
/// Tells a child crawl its content validation (`FIRST_PER_FOLDER`, `OFF`).
const VALIDATION_VAR: &str = "LAKECAT_BENCH_CONTENT_VALIDATION";
/// Tells a child crawl to read new folders only (`CRAWL_NEW_FOLDERS_ONLY`, with Glue's LOG
/// policies it requires).
const NEW_FOLDERS_ONLY_VAR: &str = "LAKECAT_BENCH_NEW_FOLDERS_ONLY";
/// Set by the benchmark for the variant that computes no column statistics.
const COLUMN_STATISTICS_VAR: &str = "LAKECAT_BENCH_COLUMN_STATISTICS";
use lakecat_testkit::lake::{Columns, write_parquet, write_text};
use lakecat_testkit::s3::S3Server;
use serde_json::{Value, json};

/// Buckets (folders of the lakes root, which the S3 server serves), each holding one lake
/// under `lake/`. s3s-fs walks a whole bucket for every listing request, so each lake has a
/// bucket of its own.
const PARQUET_BUCKET: &str = "lake-parquet";
const S3_BUCKET: &str = "lake-s3";
const LISTING_BUCKET: &str = "lake-listing";
const LISTING_SMALL_BUCKET: &str = "lake-listing-small";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("child") {
        return child(&args[2..]);
    }
    if args.get(1).map(String::as_str) == Some("bare") {
        return bare(&args[2..]);
    }
    let runs: usize = std::env::var("LAKECAT_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let root = lakes_root();
    let parquet = root.join(PARQUET_BUCKET).join("lake");
    ensure_lake(&parquet, generate_parquet_lake)?;
    let s3_lake = root.join(S3_BUCKET).join("lake");
    ensure_lake(&s3_lake, generate_s3_lake)?;

    println!("crawl benchmark: {runs} run(s) per measurement, medians shown");
    println!();
    // The variants of the local crawl run interleaved, one run of each in turn, so that the
    // machine's slow spells weigh on all of them alike and their ratios hold.
    let variants: [(&str, Vec<(&'static str, String)>); 5] = [
        ("lakecat, local files, 100,000 Parquet objects", Vec::new()),
        (
            "  the same, confined to an allowed root (link guard)",
            vec![(ALLOWED_ROOT_VAR, parquet.display().to_string())],
        ),
        (
            "  the same, content validation FIRST_PER_FOLDER",
            vec![(VALIDATION_VAR, "FIRST_PER_FOLDER".to_string())],
        ),
        (
            "  the same, content validation OFF",
            vec![(VALIDATION_VAR, "OFF".to_string())],
        ),
        (
            "  the same, column statistics OFF (the first computes them)",
            vec![(COLUMN_STATISTICS_VAR, "OFF".to_string())],
        ),
    ];
    let mut all: Vec<Vec<CrawlFigures>> = vec![Vec::new(); variants.len()];
    let mut peer_runs = Vec::new();
    for _ in 0..runs {
        for ((_, env), figures) in variants.iter().zip(&mut all) {
            figures.push(crawl_child(&local_target(&parquet), env, None)?);
        }
        // The peers take their turn in the same rounds.
        peer_runs.push(run_peers(&parquet, 1)?);
    }
    let medians: Vec<CrawlFigures> = all.into_iter().map(median).collect();
    let local = medians[0].clone();
    for ((title, _), figures) in variants.iter().zip(&medians) {
        print_crawl(title, figures);
        println!(
            "    ratio to the first: {:.3}x",
            figures.seconds / local.seconds
        );
    }
    println!();

    incremental(&parquet, runs)?;

    let runtime = tokio::runtime::Runtime::new()?;
    let server = runtime.block_on(S3Server::start(&root))?;
    let s3_env = server.env();
    let s3 = measure(runs, |_| {
        crawl_child(&format!("s3://{S3_BUCKET}/lake/"), &s3_env, None)
    })?;
    print_crawl(
        "lakecat, local S3 server (s3s-fs), 10,000 Parquet objects",
        &s3,
    );
    let mut bare_seconds: Vec<f64> = (0..runs)
        .map(|_| bare_child(&format!("s3://{S3_BUCKET}/lake/"), &s3_env))
        .collect::<Result<_>>()?;
    bare_seconds.sort_by(f64::total_cmp);
    let bare_median = bare_seconds[bare_seconds.len() / 2];
    println!(
        "bare requests against the same server (paged LIST, one ranged GET per object, \
         {} at once): {bare_median:.2} s; crawl / bare requests: {:.2}x",
        lakecat_crawler::crawl::DEFAULT_CONCURRENCY,
        s3.seconds / bare_median
    );
    let s3_local = measure(runs, |_| crawl_child(&local_target(&s3_lake), &[], None))?;
    print_crawl(
        "lakecat, local files, the same 10,000 Parquet objects",
        &s3_local,
    );
    drop(server);

    let peer_median = |key: &str| {
        let mut seconds: Vec<f64> = peer_runs
            .iter()
            .map(|run| run[key].as_f64().unwrap_or(f64::NAN))
            .collect();
        seconds.sort_by(f64::total_cmp);
        seconds[seconds.len() / 2]
    };
    let duckdb = peer_median("duckdb_seconds");
    let pyarrow = peer_median("pyarrow_seconds");
    let peers = &peer_runs[0];
    let lakecat = local.seconds;
    println!(
        "DuckDB DESCRIBE read_parquet(hive_partitioning, union_by_name): {duckdb:.2} s, {:.0} objects/s",
        100_000.0 / duckdb
    );
    println!(
        "pyarrow.dataset discovery, schema unified over all fragments:   {pyarrow:.2} s, {:.0} objects/s",
        100_000.0 / pyarrow
    );
    println!(
        "ratios (peer time / lakecat local time): DuckDB {:.2}x, pyarrow {:.2}x",
        duckdb / lakecat,
        pyarrow / lakecat
    );
    for ((title, _), figures) in variants.iter().zip(&medians).skip(1) {
        println!(
            "  DuckDB time / time of{}: {:.2}x",
            title.trim_start().trim_start_matches("the same"),
            duckdb / figures.seconds
        );
    }
    println!(
        "columns: lakecat {:?}, DuckDB {}, pyarrow {}",
        local.columns, peers["duckdb_columns"], peers["pyarrow_columns"]
    );

    if std::env::var("LAKECAT_BENCH_SKIP_1M").as_deref() != Ok("1") {
        // The same 10,000 partitions with 10 and with 100 objects each: memory that stays
        // flat as objects grow tenfold.
        println!();
        for (bucket, files, title) in [
            (
                LISTING_SMALL_BUCKET,
                10,
                "lakecat, local files, 100,000 CSV objects in 10,000 partitions, sample size 1",
            ),
            (
                LISTING_BUCKET,
                100,
                "lakecat, local files, 1,000,000 CSV objects in 10,000 partitions, sample size 1",
            ),
        ] {
            let listing = root.join(bucket).join("lake");
            ensure_lake(&listing, |path| generate_listing_lake(path, files))?;
            let figures = measure(runs, |_| crawl_child(&local_target(&listing), &[], Some(1)))?;
            print_crawl(title, &figures);
        }
    }
    Ok(())
}

/// Where generated lakes live: `target/bench-lakes` (or under `CARGO_TARGET_DIR`).
fn lakes_root() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("bench-lakes")
}

fn local_target(path: &Path) -> String {
    path.to_str().unwrap().to_string()
}

/// Generates a lake once; a marker file says it is complete.
fn ensure_lake(path: &Path, generate: impl Fn(&Path) -> Result<()>) -> Result<()> {
    let marker = path.join("_COMPLETE");
    if marker.exists() {
        return Ok(());
    }
    if path.exists() {
        std::fs::remove_dir_all(path)?;
    }
    let started = Instant::now();
    println!("generating {} ...", path.display());
    generate(path)?;
    write_text(&marker, "")?;
    println!("generated in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// 10 regions x 1,000 days x 10 files of 10 rows; the last 100 days add a column.
fn generate_parquet_lake(path: &Path) -> Result<()> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..10)
            .map(|region| {
                scope.spawn(move || -> Result<()> {
                    for day in 0..1000 {
                        let columns = if day >= 900 {
                            Columns::WithDiscount
                        } else {
                            Columns::Base
                        };
                        for file in 0..10 {
                            write_parquet(
                                &path.join(format!(
                                    "region={region}/day={day:04}/part-{file:02}.parquet"
                                )),
                                columns,
                                10,
                            )?;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        for handle in handles {
            handle.join().expect("generator thread")?;
        }
        Ok(())
    })
}

/// 10 regions x 100 days x 10 files of 10 rows: the S3 lake.
fn generate_s3_lake(path: &Path) -> Result<()> {
    for region in 0..10 {
        for day in 0..100 {
            for file in 0..10 {
                write_parquet(
                    &path.join(format!(
                        "region={region}/day={day:04}/part-{file:02}.parquet"
                    )),
                    Columns::Base,
                    10,
                )?;
            }
        }
    }
    Ok(())
}

/// 10,000 partitions x `files` small CSV files.
fn generate_listing_lake(path: &Path, files: usize) -> Result<()> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|shard| {
                scope.spawn(move || -> Result<()> {
                    for part in (shard..10_000).step_by(4) {
                        let folder = path.join(format!("part={part:05}"));
                        std::fs::create_dir_all(&folder)?;
                        for file in 0..files {
                            std::fs::write(
                                folder.join(format!("f{file:03}.csv")),
                                format!("id,name\n{file},n{part}\n"),
                            )?;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        for handle in handles {
            handle.join().expect("generator thread")?;
        }
        Ok(())
    })
}

/// What one crawl measured.
#[derive(Debug, Clone)]
struct CrawlFigures {
    seconds: f64,
    objects_listed: u64,
    objects_read: u64,
    partitions: u64,
    tables: u64,
    peak_mib: f64,
    columns: Vec<String>,
}

fn measure(
    runs: usize,
    mut once: impl FnMut(usize) -> Result<CrawlFigures>,
) -> Result<CrawlFigures> {
    let mut all = Vec::new();
    for run in 0..runs {
        all.push(once(run)?);
    }
    Ok(median(all))
}

/// The run of median time, with the median peak memory.
fn median(mut all: Vec<CrawlFigures>) -> CrawlFigures {
    all.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    let mut median = all[all.len() / 2].clone();
    let mut peaks: Vec<f64> = all.iter().map(|f| f.peak_mib).collect();
    peaks.sort_by(f64::total_cmp);
    median.peak_mib = peaks[peaks.len() / 2];
    median
}

fn print_crawl(title: &str, f: &CrawlFigures) {
    println!(
        "{title}: {:.2} s, {:.0} objects/s listed, {} read, {} table(s), {} partitions, peak memory {:.0} MiB",
        f.seconds,
        f.objects_listed as f64 / f.seconds,
        f.objects_read,
        f.tables,
        f.partitions,
        f.peak_mib
    );
}

/// Times, in a child process, the requests a crawl of `target` cannot do without: the
/// listing and one ranged GET per object (the first 64 KiB, as the crawl's first read).
fn bare_child(target: &str, env: &[(&'static str, String)]) -> Result<f64> {
    let mut command = Command::new(std::env::current_exe()?);
    command.args(["bare", target]);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output()?;
    if !output.status.success() {
        bail!(
            "the bare requests failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let result: Value = serde_json::from_slice(&output.stdout)?;
    Ok(result["seconds"].as_f64().unwrap_or(f64::NAN))
}

/// `bare <s3-url>`: lists the target and reads each object's first 64 KiB, as many at once
/// as a crawl reads; prints the seconds as JSON.
fn bare(args: &[String]) -> Result<()> {
    use futures::{StreamExt, TryStreamExt};
    use object_store::ObjectStoreExt;
    let [target, ..] = args else {
        bail!("usage: bare <s3-url>");
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let location = lakecat_crawler::TargetLocation::open(target)?;
        let store = location.store().clone();
        let started = Instant::now();
        let objects: Vec<object_store::ObjectMeta> =
            store.list(Some(location.prefix())).try_collect().await?;
        // Empty objects (markers) are not read by a crawl either.
        let read: Vec<bytes::Bytes> =
            futures::stream::iter(objects.into_iter().filter(|m| m.size > 0))
                .map(|meta| {
                    let store = store.clone();
                    async move {
                        store
                            .get_range(&meta.location, 0..meta.size.min(64 * 1024))
                            .await
                    }
                })
                .buffer_unordered(lakecat_crawler::crawl::DEFAULT_CONCURRENCY)
                .try_collect()
                .await?;
        let seconds = started.elapsed().as_secs_f64();
        println!("{}", json!({"seconds": seconds, "objects": read.len()}));
        Ok(())
    })
}

/// An incremental crawl (`CRAWL_NEW_FOLDERS_ONLY`) of one new partition folder in the
/// 10,000-partition table: the lake is crawled once into a catalog, then each run adds one
/// partition folder and crawls again. The folders added are removed afterwards.
fn incremental(lake: &Path, runs: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("incremental.db").display()
    );
    let env = [(NEW_FOLDERS_ONLY_VAR, "1".to_string())];
    let first = crawl_child_at(&local_target(lake), &url, &env, None)?;
    let template = std::fs::read_dir(lake.join("region=0/day=0000"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| path.extension().is_some_and(|e| e == "parquet"))
        .context("no Parquet file to copy")?;
    let mut added = Vec::new();
    let result = measure(runs, |run| {
        let folder = lake.join(format!("region=0/day={:04}", 5000 + run));
        std::fs::create_dir_all(&folder)?;
        added.push(folder.clone());
        std::fs::copy(&template, folder.join("part-00.parquet"))?;
        crawl_child_at(&local_target(lake), &url, &env, None)
    });
    for folder in added {
        let _ = std::fs::remove_dir_all(folder);
    }
    let figures = result?;
    println!(
        "lakecat, incremental crawl of one new partition folder in the 10,000-partition table \
         (after a first crawl of {:.2} s): {:.2} s, {} objects listed, {} read, {} partition(s) added",
        first.seconds,
        figures.seconds,
        figures.objects_listed,
        figures.objects_read,
        figures.partitions
    );
    println!();
    Ok(())
}

/// Runs one crawl in a child process with a fresh catalog.
fn crawl_child(
    target: &str,
    env: &[(&'static str, String)],
    sample_size: Option<u32>,
) -> Result<CrawlFigures> {
    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    crawl_child_at(target, &url, env, sample_size)
}

/// Runs one crawl in a child process, into the catalog at `url`.
fn crawl_child_at(
    target: &str,
    url: &str,
    env: &[(&'static str, String)],
    sample_size: Option<u32>,
) -> Result<CrawlFigures> {
    let mut command = Command::new(std::env::current_exe()?);
    command.args(["child", target, url]);
    if let Some(size) = sample_size {
        command.arg(size.to_string());
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output()?;
    if !output.status.success() {
        bail!(
            "the crawl failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let result: Value = serde_json::from_slice(&output.stdout)
        .with_context(|| String::from_utf8_lossy(&output.stdout).to_string())?;
    Ok(CrawlFigures {
        seconds: result["seconds"].as_f64().unwrap_or_default(),
        objects_listed: result["objects_listed"].as_u64().unwrap_or_default(),
        objects_read: result["objects_read"].as_u64().unwrap_or_default(),
        partitions: result["partitions"].as_u64().unwrap_or_default(),
        tables: result["tables"].as_u64().unwrap_or_default(),
        peak_mib: result["peak_kib"].as_f64().unwrap_or_default() / 1024.0,
        columns: result["columns"]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

fn run_peers(lake: &Path, runs: usize) -> Result<Value> {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/peers.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(lake)
        .arg(runs.to_string())
        .output()
        .with_context(|| {
            format!(
                "cannot run {} (run scripts/python-env first)",
                python.display()
            )
        })?;
    if !output.status.success() {
        bail!("peers failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// Peak resident memory of this process, from /proc/self/status (VmHWM), in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// `child <target> <catalog-url> [sample-size]`: one crawl, figures as JSON on stdout.
fn child(args: &[String]) -> Result<()> {
    let [target, url, rest @ ..] = args else {
        bail!("usage: child <target> <catalog-url> [sample-size]");
    };
    let sample_size = rest.first().map(|s| s.parse()).transpose()?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let store = Arc::new(SqlStore::connect(url, &StoreOptions::default()).await?);
        let catalog = Catalog::new(store);
        let settings = S3Target {
            path: target.clone(),
            sample_size,
            ..S3Target::default()
        };
        let mut configuration = lakecat_catalog::crawlers::CrawlerConfiguration::default();
        if let Ok(validation) = std::env::var(VALIDATION_VAR) {
            configuration.content_validation = serde_json::from_value(json!(validation))?;
        }
        if let Ok(policy) = std::env::var(COLUMN_STATISTICS_VAR) {
            configuration.column_statistics = serde_json::from_value(json!(policy))?;
        }
        let incremental = std::env::var(NEW_FOLDERS_ONLY_VAR).is_ok();
        let crawler = CrawlerInput {
            configuration,
            recrawl_policy: lakecat_catalog::crawlers::RecrawlPolicy {
                recrawl_behavior: if incremental {
                    lakecat_catalog::crawlers::RecrawlBehavior::CrawlNewFoldersOnly
                } else {
                    lakecat_catalog::crawlers::RecrawlBehavior::CrawlEverything
                },
            },
            schema_change_policy: if incremental {
                lakecat_catalog::crawlers::SchemaChangePolicy {
                    update_behavior: lakecat_catalog::crawlers::UpdateBehavior::Log,
                    delete_behavior: lakecat_catalog::crawlers::DeleteBehavior::Log,
                }
            } else {
                Default::default()
            },
            name: "bench".into(),
            database_name: "bench".into(),
            targets: CrawlerTargets {
                s3_targets: vec![settings.clone()],
                ..CrawlerTargets::default()
            },
            ..CrawlerInput::default()
        };
        let targets = vec![CrawlTarget::open(&settings)?];
        let options = CrawlOptions {
            allowed_roots: match std::env::var(ALLOWED_ROOT_VAR) {
                Ok(root) => AllowedRoots::parse(&[root])?,
                Err(_) => AllowedRoots::default(),
            },
            ..CrawlOptions::default()
        };
        let registry = Registry::new([], lakecat_classifiers::formats::builtins());
        let report = Report::default();
        let started = Instant::now();
        let outcome = crawl(
            &catalog,
            &crawler,
            &targets,
            &registry,
            &options,
            &report,
            &tokio_util::sync::CancellationToken::new(),
        )
        .await?;
        let seconds = started.elapsed().as_secs_f64();
        let counts = report.counts();
        let columns: Vec<String> =
            match outcome.plan.changes.first().and_then(|c| c.change.as_ref()) {
                Some(change) => match &change.action {
                    lakecat_catalog::TableAction::Create(input) => input
                        .storage_descriptor
                        .iter()
                        .flat_map(|sd| sd.columns.iter().map(|c| c.name.clone()))
                        .chain(input.partition_keys.iter().map(|k| k.name.clone()))
                        .collect(),
                    _ => Vec::new(),
                },
                None => Vec::new(),
            };
        println!(
            "{}",
            json!({
                "seconds": seconds,
                "objects_listed": counts.objects_listed,
                "objects_read": counts.objects_read,
                "tables": counts.tables_created,
                "partitions": counts.partitions_added,
                "peak_kib": peak_kib(),
                "columns": columns,
            })
        );
        Ok(())
    })
}
