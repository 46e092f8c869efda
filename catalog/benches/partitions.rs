//! Partition store benchmark: fills one table with about a million partitions and measures
//! GetPartitions-style queries through the catalog service, on SQLite and PostgreSQL.
//!
//! Run with `scripts/bench-partitions` (which starts PostgreSQL), or directly:
//! `LAKECAT_BENCH_PG_URL=postgres://... cargo bench -p lakecat-catalog --bench partitions`.
//!
//! Settings (environment): `LAKECAT_BENCH_PG_URL` (a PostgreSQL server; a fresh database is
//! created on it; without it only SQLite runs), `LAKECAT_BENCH_REGIONS` (values of the int key,
//! default 25: 25 x 40,320 = 1,008,000 partitions), `LAKECAT_BENCH_QUERIES` (default 1000),
//! `LAKECAT_BENCH_STORES` (`sqlite,postgres` by default).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use lakecat_catalog::{
    Catalog, Column, DatabaseInput, PageRequest, PartitionInput, PartitionListRequest, SerDeInfo,
    SqlStore, StorageDescriptor, StoreOptions, TableInput,
};
use sqlx::{Connection, Executor};

const YEARS: [&str; 5] = ["2020", "2021", "2022", "2023", "2024"];
const LOAD_BATCH: usize = 1000;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn column(name: &str, type_name: &str) -> Column {
    Column {
        name: name.into(),
        type_name: Some(type_name.into()),
        ..Default::default()
    }
}

fn storage(location: String) -> StorageDescriptor {
    StorageDescriptor {
        columns: vec![
            column("event_id", "bigint"),
            column("amount", "double"),
            column("payload", "string"),
        ],
        location: Some(location),
        input_format: Some("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat".into()),
        output_format: Some(
            "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat".into(),
        ),
        serde_info: Some(SerDeInfo {
            serialization_library: Some(
                "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe".into(),
            ),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A small deterministic generator, so every run asks the same queries.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

struct Figures {
    store: &'static str,
    partitions: usize,
    load_per_second: f64,
    selective_p50: f64,
    selective_p99: f64,
    selective_rows: f64,
    scan_p50: f64,
    scan_rows: usize,
    paging_per_second: f64,
}

async fn fresh_postgres(server_url: &str) -> String {
    let name = format!("lakecat_bench_{}", std::process::id());
    let mut admin = sqlx::AnyConnection::connect(server_url).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name}"
        )))
        .await
        .unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let (base, _) = server_url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

async fn run(store_name: &'static str, url: &str, regions: usize, queries: usize) -> Figures {
    let store = SqlStore::connect(url, &StoreOptions::default())
        .await
        .unwrap();
    let catalog = Catalog::new(Arc::new(store.clone()));
    catalog
        .create_database(DatabaseInput {
            name: "bench".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    catalog
        .create_table(
            "bench",
            TableInput {
                name: "events".into(),
                partition_keys: vec![
                    column("year", "string"),
                    column("month", "string"),
                    column("day", "string"),
                    column("hour", "string"),
                    column("region", "int"),
                ],
                storage_descriptor: Some(storage("s3://bench/events/".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // Load.
    let started = Instant::now();
    let mut batch = Vec::with_capacity(LOAD_BATCH);
    let mut loaded = 0;
    for year in YEARS {
        for month in 1..=12 {
            for day in 1..=28 {
                for hour in 0..24 {
                    for region in 0..regions {
                        let values = vec![
                            year.to_string(),
                            format!("{month:02}"),
                            format!("{day:02}"),
                            format!("{hour:02}"),
                            region.to_string(),
                        ];
                        let location = format!(
                            "s3://bench/events/year={}/month={}/day={}/hour={}/region={}/",
                            values[0], values[1], values[2], values[3], values[4]
                        );
                        batch.push(PartitionInput {
                            values,
                            storage_descriptor: Some(storage(location)),
                            ..Default::default()
                        });
                        if batch.len() == LOAD_BATCH {
                            let failures = catalog
                                .load_partitions("bench", "events", &batch)
                                .await
                                .unwrap();
                            assert!(failures.is_empty());
                            loaded += batch.len();
                            batch.clear();
                        }
                    }
                }
            }
        }
    }
    if !batch.is_empty() {
        loaded += batch.len();
        catalog
            .load_partitions("bench", "events", &batch)
            .await
            .unwrap();
    }
    let load_seconds = started.elapsed().as_secs_f64();
    store.analyze().await.unwrap();
    eprintln!("{store_name}: loaded {loaded} partitions in {load_seconds:.1} s");

    let list = |expression: String, max_results: usize, token: Option<String>| {
        let catalog = catalog.clone();
        async move {
            catalog
                .list_partitions(
                    "bench",
                    "events",
                    PartitionListRequest {
                        expression: Some(expression),
                        page: PageRequest {
                            max_results: Some(max_results),
                            page_token: token,
                        },
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
        }
    };

    // Selective filter: one day of one region, 24 partitions.
    let mut rng = Lcg(42);
    let mut latencies = Vec::with_capacity(queries);
    let mut rows = 0;
    for _ in 0..queries {
        let expression = format!(
            "year = '{}' AND month = '{:02}' AND day = '{:02}' AND region = {}",
            YEARS[rng.below(YEARS.len())],
            rng.below(12) + 1,
            rng.below(28) + 1,
            rng.below(regions)
        );
        let started = Instant::now();
        let page = list(expression, 1000, None).await;
        latencies.push(started.elapsed());
        rows += page.items.len();
    }
    latencies.sort_unstable();

    // A filter the key index cannot serve (no leading key), to show the cost of a scan.
    let mut scan_latencies = Vec::new();
    let mut scan_rows = 0;
    for i in 0..5 {
        let expression = format!("hour = '{:02}' AND region = {}", i * 4, i);
        let started = Instant::now();
        let mut token = None;
        loop {
            let page = list(expression.clone(), 1000, token).await;
            scan_rows += page.items.len();
            token = page.next_page_token;
            if token.is_none() {
                break;
            }
        }
        scan_latencies.push(started.elapsed());
    }
    scan_latencies.sort_unstable();

    // Page through every partition, 1000 at a time; three passes, the median rate counts.
    let mut rates = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let mut paged = 0;
        let mut token = None;
        loop {
            let page = catalog
                .list_partitions(
                    "bench",
                    "events",
                    PartitionListRequest {
                        page: PageRequest {
                            max_results: Some(1000),
                            page_token: token,
                        },
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            paged += page.items.len();
            token = page.next_page_token;
            if token.is_none() {
                break;
            }
        }
        assert_eq!(paged, loaded);
        rates.push(paged as f64 / started.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    eprintln!("{store_name}: paging rates {rates:.0?}");
    store.close().await;

    Figures {
        store: store_name,
        partitions: loaded,
        load_per_second: loaded as f64 / load_seconds,
        selective_p50: percentile(&latencies, 0.5),
        selective_p99: percentile(&latencies, 0.99),
        selective_rows: rows as f64 / queries as f64,
        scan_p50: percentile(&scan_latencies, 0.5),
        scan_rows: scan_rows / scan_latencies.len(),
        paging_per_second: rates[1],
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes --bench; any other argument is a filter we do not use.
    let regions = env_number("LAKECAT_BENCH_REGIONS", 25);
    let queries = env_number("LAKECAT_BENCH_QUERIES", 1000);
    let stores = std::env::var("LAKECAT_BENCH_STORES").unwrap_or_else(|_| "sqlite,postgres".into());
    let mut results = Vec::new();

    if stores.contains("sqlite") {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        );
        results.push(run("sqlite", &url, regions, queries).await);
    }
    if stores.contains("postgres") {
        match std::env::var("LAKECAT_BENCH_PG_URL") {
            Ok(server) => {
                let url = fresh_postgres(&server).await;
                results.push(run("postgres", &url, regions, queries).await);
            }
            Err(_) => eprintln!("LAKECAT_BENCH_PG_URL is not set: skipping PostgreSQL"),
        }
    }

    println!();
    println!(
        "| store | partitions | load (partitions/s) | selective filter p50 (ms) | p99 (ms) | rows/query | unindexed filter p50 (ms, rows) | paging (partitions/s) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for f in &results {
        println!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {:.1} | {:.0} ({}) | {:.0} |",
            f.store,
            f.partitions,
            f.load_per_second,
            f.selective_p50,
            f.selective_p99,
            f.selective_rows,
            f.scan_p50,
            f.scan_rows,
            f.paging_per_second
        );
    }
}
