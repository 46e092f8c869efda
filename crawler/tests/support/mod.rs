//! Shared setup of the crawler's end-to-end tests: a lake folder, a catalog in an SQLite
//! file, and helpers to run a stored crawler and read what it wrote.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

use lakecat_catalog::crawlers::{
    CrawlRun, CrawlerInput, CrawlerTargets, Crawlers, RunState, S3Target,
};
use lakecat_catalog::{
    Catalog, Entity, Error, PageRequest, Partition, PartitionListRequest, SqlStore, StoreOptions,
    Table,
};
use lakecat_crawler::{CrawlOptions, CrawlTarget, OpenedTargets, Report, Runner, TargetLocation};

/// A lake folder and a catalog.
pub(crate) struct Env {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) catalog: Catalog,
    pub(crate) crawlers: Crawlers,
}

impl Env {
    pub(crate) async fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lake")).unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("catalog.db").display()
        );
        let store = Arc::new(
            SqlStore::connect(&url, &StoreOptions::default())
                .await
                .unwrap(),
        );
        Env {
            catalog: Catalog::new(store.clone()),
            crawlers: Crawlers::new(store),
            dir,
        }
    }

    /// The lake folder.
    pub(crate) fn lake(&self) -> PathBuf {
        self.dir.path().join("lake")
    }

    /// A path in the lake.
    pub(crate) fn at(&self, relative: &str) -> PathBuf {
        self.lake().join(relative)
    }

    /// A crawler of the lake folder into database `db`.
    pub(crate) fn crawler(&self, db: &str) -> CrawlerInput {
        CrawlerInput {
            name: format!("crawler-{db}"),
            database_name: db.into(),
            targets: CrawlerTargets {
                s3_targets: vec![S3Target {
                    path: self.lake().to_str().unwrap().to_string(),
                    ..S3Target::default()
                }],
                ..CrawlerTargets::default()
            },
            ..CrawlerInput::default()
        }
    }

    /// Stores the crawler (creating or replacing it) and runs it over its own targets.
    pub(crate) async fn run(&self, crawler: &CrawlerInput) -> CrawlRun {
        self.run_with(crawler, None, CancellationToken::new()).await
    }

    /// Stores the crawler and runs it over `targets` (or its own), stopped by `stop`.
    pub(crate) async fn run_with(
        &self,
        crawler: &CrawlerInput,
        targets: Option<Vec<CrawlTarget>>,
        stop: CancellationToken,
    ) -> CrawlRun {
        let opened = targets.map(|targets| OpenedTargets {
            targets,
            retries: Default::default(),
        });
        self.run_opened(crawler, opened, stop).await
    }

    /// Like [`Env::run_with`], with targets opened by the caller (with their retry counter).
    pub(crate) async fn run_opened(
        &self,
        crawler: &CrawlerInput,
        targets: Option<OpenedTargets>,
        stop: CancellationToken,
    ) -> CrawlRun {
        match self.crawlers.get_crawler(&crawler.name).await {
            Ok(_) => {
                self.crawlers
                    .update_crawler(crawler.clone(), None)
                    .await
                    .unwrap();
            }
            Err(Error::NotFound {
                entity: Entity::Crawler,
                ..
            }) => {
                self.crawlers.create_crawler(crawler.clone()).await.unwrap();
            }
            Err(error) => panic!("{error}"),
        }
        let runner = Runner::new(
            self.catalog.clone(),
            self.crawlers.clone(),
            CrawlOptions::default(),
        );
        let run = runner.start(&crawler.name).await.unwrap();
        runner
            .finish(run, targets, Arc::new(Report::default()), stop)
            .await
    }

    /// Runs and expects the crawl to complete.
    pub(crate) async fn crawl_ok(&self, crawler: &CrawlerInput) -> CrawlRun {
        let run = self.run(crawler).await;
        assert_completed(&run);
        run
    }

    /// Every table of a database, by name.
    pub(crate) async fn tables(&self, db: &str) -> BTreeMap<String, Table> {
        let mut found = BTreeMap::new();
        let mut token = None;
        loop {
            let page = match self
                .catalog
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
                Err(Error::NotFound { .. }) => return found,
                Err(error) => panic!("{error}"),
            };
            for table in page.items {
                found.insert(table.name.clone(), table);
            }
            match page.next_page_token {
                Some(next) => token = Some(next),
                None => return found,
            }
        }
    }

    /// Every partition of a table, sorted by values.
    pub(crate) async fn partitions(&self, db: &str, table: &str) -> Vec<Partition> {
        let mut found = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .catalog
                .list_partitions(
                    db,
                    table,
                    PartitionListRequest {
                        page: PageRequest {
                            max_results: None,
                            page_token: token,
                        },
                        ..PartitionListRequest::default()
                    },
                )
                .await
                .unwrap();
            found.extend(page.items);
            match page.next_page_token {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        found.sort_by(|a, b| a.values.cmp(&b.values));
        found
    }
}

/// Fails the test, with the crawl's error, unless the run completed.
pub(crate) fn assert_completed(run: &CrawlRun) {
    assert_eq!(
        run.summary.state,
        RunState::Completed,
        "{:?}",
        run.summary.error_message
    );
}

/// The column names and types of a table.
pub(crate) fn columns(table: &Table) -> Vec<String> {
    table
        .storage_descriptor
        .as_ref()
        .unwrap()
        .columns
        .iter()
        .map(|c| format!("{} {}", c.name, c.type_name.as_deref().unwrap_or("?")))
        .collect()
}

/// The partition key names of a table.
pub(crate) fn keys(table: &Table) -> Vec<String> {
    table
        .partition_keys
        .iter()
        .map(|k| k.name.clone())
        .collect()
}

/// A crawl target over a store built by the test (for an S3 server).
pub(crate) fn target_in(
    store: Arc<dyn object_store::ObjectStore>,
    base: &str,
    prefix: &str,
) -> CrawlTarget {
    CrawlTarget::s3(
        TargetLocation::with_store(store, base, prefix),
        S3Target {
            path: format!("{base}/{prefix}/"),
            ..S3Target::default()
        },
    )
}

/// The URL of a local folder, ending with `/`.
pub(crate) fn folder_url(path: &Path) -> String {
    format!("file://{}/", path.canonicalize().unwrap().display())
}
