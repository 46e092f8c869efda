//! The crawl's first step: every catalog read it needs, done once, before anything is
//! listed. The later steps (grouping, planning) decide from this snapshot alone, so they are
//! pure functions of it and of what the scan found, and a table's partitions are read once
//! however many steps use them.

use std::collections::{BTreeMap, HashMap, HashSet};

use lakecat_catalog::{
    Catalog, Entity, Error as CatalogError, PageRequest, Partition, PartitionListRequest, Table,
};

use crate::error::{CrawlError, Result};

/// The crawled database's tables, and the partitions of those under the crawl's targets.
#[derive(Debug, Clone, Default)]
pub struct CatalogSnapshot {
    /// Every table of the database, by name (none when the database does not exist yet).
    pub tables: BTreeMap<String, Table>,
    /// Partitions of the tables whose location lies under a target, by table name.
    partitions: HashMap<String, Vec<Partition>>,
    /// Tables that have column statistics (the crawl writes them for the others).
    pub tables_with_statistics: HashSet<String>,
}

impl CatalogSnapshot {
    /// Reads the tables of `database`, and the partitions of those whose location starts
    /// with one of `target_urls` (the only tables a crawl of those targets can change).
    pub async fn load(
        catalog: &Catalog,
        database: &str,
        target_urls: &[String],
    ) -> Result<CatalogSnapshot> {
        let tables = match all_tables(catalog, database).await {
            Ok(tables) => tables,
            Err(CrawlError::Catalog(CatalogError::NotFound {
                entity: Entity::Database,
                ..
            })) => return Ok(CatalogSnapshot::default()),
            Err(error) => return Err(error),
        };
        let mut partitions = HashMap::new();
        for table in tables.values() {
            let under_a_target = location_of(table)
                .is_some_and(|loc| target_urls.iter().any(|t| loc.starts_with(t.as_str())));
            if under_a_target && !table.partition_keys.is_empty() {
                partitions.insert(
                    table.name.clone(),
                    all_partitions(catalog, database, &table.name).await?,
                );
            }
        }
        let tables_with_statistics = catalog
            .tables_with_column_statistics(database)
            .await?
            .into_iter()
            .collect();
        Ok(CatalogSnapshot {
            tables,
            partitions,
            tables_with_statistics,
        })
    }

    /// A snapshot of the given tables and partitions, for tests and tools.
    pub fn new(
        tables: impl IntoIterator<Item = Table>,
        partitions: impl IntoIterator<Item = Partition>,
    ) -> CatalogSnapshot {
        let mut snapshot = CatalogSnapshot::default();
        for table in tables {
            snapshot.tables.insert(table.name.clone(), table);
        }
        for partition in partitions {
            snapshot
                .partitions
                .entry(partition.table_name.clone())
                .or_default()
                .push(partition);
        }
        snapshot
    }

    /// The stored partitions of `table` (none when it has none or lies outside the targets).
    pub fn partitions(&self, table: &str) -> &[Partition] {
        self.partitions.get(table).map_or(&[], Vec::as_slice)
    }
}

/// A table's location, if it has one.
pub(crate) fn location_of(table: &Table) -> Option<&str> {
    table
        .storage_descriptor
        .as_ref()
        .and_then(|sd| sd.location.as_deref())
}

/// Every partition of a table, page by page.
async fn all_partitions(catalog: &Catalog, database: &str, table: &str) -> Result<Vec<Partition>> {
    let mut found = Vec::new();
    let mut token = None;
    loop {
        let page = catalog
            .list_partitions(
                database,
                table,
                PartitionListRequest {
                    page: PageRequest {
                        max_results: None,
                        page_token: token,
                    },
                    ..PartitionListRequest::default()
                },
            )
            .await?;
        found.extend(page.items);
        match page.next_page_token {
            Some(next) => token = Some(next),
            None => return Ok(found),
        }
    }
}

/// Every table of a database, by name.
async fn all_tables(catalog: &Catalog, database: &str) -> Result<BTreeMap<String, Table>> {
    let mut found = BTreeMap::new();
    let mut token = None;
    loop {
        let page = catalog
            .list_tables(
                database,
                PageRequest {
                    max_results: None,
                    page_token: token,
                },
            )
            .await?;
        for table in page.items {
            found.insert(table.name.clone(), table);
        }
        match page.next_page_token {
            Some(next) => token = Some(next),
            None => return Ok(found),
        }
    }
}
