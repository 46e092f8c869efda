//! Opens a fresh, migrated catalog on SQLite or PostgreSQL for each test.
//!
//! PostgreSQL comes from `LAKECAT_TEST_PG_URL` (set by `scripts/test`, which starts a real
//! server). Without it the PostgreSQL tests fail, unless a developer explicitly sets
//! `LAKECAT_TEST_SKIP_POSTGRES=1` outside CI.

#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use lakecat_catalog::{
    Catalog, Column, DatabaseInput, Error, PartitionInput, PartitionListRequest, SqlStore,
    StoreOptions, TableInput,
};
use sqlx::{Connection, Executor};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A catalog under test; keeps its temporary files alive.
pub struct TestCatalog {
    pub catalog: Catalog,
    pub store: SqlStore,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

static NEXT_DATABASE: AtomicU32 = AtomicU32::new(0);

/// The PostgreSQL server URL, or `None` when the developer chose to skip PostgreSQL.
pub fn postgres_url() -> Option<String> {
    match std::env::var("LAKECAT_TEST_PG_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
            let skip = std::env::var("LAKECAT_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1");
            if skip && !in_ci {
                eprintln!("LAKECAT_TEST_SKIP_POSTGRES=1: skipping a PostgreSQL test");
                return None;
            }
            panic!(
                "LAKECAT_TEST_PG_URL is not set: run the tests with scripts/test, which starts \
                 PostgreSQL (or set LAKECAT_TEST_SKIP_POSTGRES=1 to skip these tests locally)"
            );
        }
    }
}

/// A URL for a new, empty PostgreSQL database on the test server.
pub async fn new_postgres_database(server_url: &str) -> String {
    sqlx::any::install_default_drivers();
    let name = format!(
        "lakecat_test_{}_{}",
        std::process::id(),
        NEXT_DATABASE.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = sqlx::AnyConnection::connect(server_url)
        .await
        .expect("connect to the PostgreSQL test server");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create a test database");
    admin.close().await.ok();
    let (base, _) = server_url
        .rsplit_once('/')
        .expect("URL has a database path");
    format!("{base}/{name}")
}

/// Opens a fresh catalog, or `None` when PostgreSQL is skipped.
pub async fn open(backend: Backend) -> Option<TestCatalog> {
    let (url, dir) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temporary directory");
            let url = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("catalog.db").display()
            );
            (url, Some(dir))
        }
        Backend::Postgres => (new_postgres_database(&postgres_url()?).await, None),
    };
    let options = StoreOptions {
        max_connections: 16,
        ..StoreOptions::default()
    };
    let store = SqlStore::connect(&url, &options)
        .await
        .expect("open the store");
    Some(TestCatalog {
        catalog: Catalog::new(Arc::new(store.clone())),
        store,
        url,
        _dir: dir,
    })
}

/// Runs each listed async test function against both stores.
#[macro_export]
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    let t = $crate::support::open($crate::support::Backend::Sqlite).await.unwrap();
                    super::$name(&t).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    if let Some(t) = $crate::support::open($crate::support::Backend::Postgres).await {
                        super::$name(&t).await;
                    }
                }
            }
        )*
    };
}

/// Creates database `lake` and its table `events`, partitioned by `partition_keys`.
pub async fn create_lake_events(catalog: &Catalog, partition_keys: Vec<Column>) {
    catalog
        .create_database(DatabaseInput {
            name: "lake".into(),
            ..Default::default()
        })
        .await
        .expect("create database lake");
    catalog
        .create_table(
            "lake",
            TableInput {
                name: "events".into(),
                partition_keys,
                ..Default::default()
            },
        )
        .await
        .expect("create table lake.events");
}

/// Partitions with these values and nothing else.
pub fn bare_partitions(values: &[Vec<String>]) -> Vec<PartitionInput> {
    values
        .iter()
        .map(|values| PartitionInput {
            values: values.clone(),
            ..Default::default()
        })
        .collect()
}

/// The values of the partitions of `lake.events` that `expression` selects, in the order they
/// were created; they must fit in one page.
pub async fn selected_values(
    catalog: &Catalog,
    expression: &str,
) -> Result<Vec<Vec<String>>, Error> {
    let listing = catalog
        .list_partitions(
            "lake",
            "events",
            PartitionListRequest {
                expression: Some(expression.into()),
                ..Default::default()
            },
        )
        .await?;
    assert!(
        listing.next_page_token.is_none(),
        "{expression}: more than one page"
    );
    Ok(listing.items.into_iter().map(|p| p.values).collect())
}
