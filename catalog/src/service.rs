//! The catalog service: the one entry point for reading and changing the catalog.
//!
//! It validates and normalizes input (names folded to lower case, Glue's size limits),
//! enforces page and batch limits, turns cursors into opaque page tokens, and calls the store.
//! The REST API, the Glue-compatible API and the crawler all go through it, so they share
//! one set of rules.

use std::sync::Arc;

use crate::encoded::EncodedPartition;
use crate::error::{Error, Result};
use crate::model::{
    Database, DatabaseInput, Partition, PartitionIndex, PartitionIndexInput, PartitionInput, Table,
    TableInput, TableVersion,
};
use crate::page::Scope;
use crate::store::{
    CatalogStore, FileIndexChange, FileIndexState, PartitionFailure, PartitionQuery, Segment,
    TableAction, TableChange, TableFiles, TableUpdate, UpdateTableOptions,
};
use crate::tags::Tags;
use crate::validate::{self, MAX_EXPRESSION_BYTES};

/// Largest page of databases, tables or table versions (Glue's limit).
pub const MAX_PAGE_SIZE: usize = 100;
/// Largest page of partitions (Glue's limit).
pub const MAX_PARTITION_PAGE_SIZE: usize = 1000;
/// Most partitions in one batch create (Glue's limit).
pub const MAX_BATCH_CREATE_PARTITIONS: usize = 100;
/// Most partitions in one batch read (Glue's limit).
pub const MAX_BATCH_GET_PARTITIONS: usize = 1000;
/// Most partitions in one batch delete (Glue's limit).
pub const MAX_BATCH_DELETE_PARTITIONS: usize = 25;
/// Most table versions in one batch delete (Glue's limit).
pub const MAX_BATCH_DELETE_VERSIONS: usize = 100;
/// Most tables in one batch delete (Glue's limit).
pub const MAX_BATCH_DELETE_TABLES: usize = 100;
/// Most partitions in one batch update (Glue's limit).
pub const MAX_BATCH_UPDATE_PARTITIONS: usize = 100;
/// Most partitions created together, all or none (a Hive metastore `add_partitions`, whose
/// clients send batches: Spark 100, Hive's MSCK REPAIR 3,000 by default).
pub const MAX_ATOMIC_CREATE_PARTITIONS: usize = 10_000;
/// Most tables changed together in one transaction (an Iceberg multi-table commit).
pub const MAX_TABLES_PER_UPDATE: usize = 100;
/// Largest page of a table search across databases (Glue's SearchTables limit).
pub const MAX_SEARCH_PAGE_SIZE: usize = 1000;
/// Most tables one search request examines. A search over a large catalog returns a short
/// page (possibly empty) with a token once this many were examined, so that one request
/// never walks the whole catalog.
pub const MAX_SEARCH_SCANNED: usize = 10_000;
/// Most segments a partition listing can be split into (Glue's limit).
pub const MAX_SEGMENTS: u32 = 10;

/// Which page of a listing to return.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Page size; the listing's maximum when absent.
    pub max_results: Option<usize>,
    /// The token from the previous page.
    pub page_token: Option<String>,
}

/// One page of results and the token for the next.
#[derive(Debug, Clone)]
pub struct Listing<T> {
    /// The results.
    pub items: Vec<T>,
    /// Pass this to get the next page; `None` on the last page.
    pub next_page_token: Option<String>,
}

/// What to list of a table's partitions.
#[derive(Debug, Clone, Default)]
pub struct PartitionListRequest {
    /// A Glue GetPartitions expression.
    pub expression: Option<String>,
    /// Only this segment: (segment number, total segments).
    pub segment: Option<(u32, u32)>,
    /// Leave out the storage descriptor's columns.
    pub exclude_column_schema: bool,
    /// Which page.
    pub page: PageRequest,
}

/// The catalog service.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub(crate) store: Arc<dyn CatalogStore>,
}

pub(crate) fn page_size(requested: Option<usize>, max: usize) -> Result<usize> {
    match requested {
        None => Ok(max),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(Error::invalid(format!(
            "max_results: must be between 1 and {max} (got {n})"
        ))),
    }
}

fn batch_size(field: &str, len: usize, max: usize) -> Result<()> {
    if len == 0 {
        return Err(Error::invalid(format!("{field}: must not be empty")));
    }
    if len > max {
        return Err(Error::invalid(format!(
            "{field}: at most {max} items per request (got {len})"
        )));
    }
    Ok(())
}

/// Checks a partition listing request of `database.table` (lower-cased) and makes it the
/// store's query, with the scope its page tokens belong to.
fn partition_query(
    database: &str,
    table: &str,
    request: PartitionListRequest,
) -> Result<(PartitionQuery, Scope)> {
    let limit = page_size(request.page.max_results, MAX_PARTITION_PAGE_SIZE)?;
    if let Some(expression) = &request.expression
        && expression.len() > MAX_EXPRESSION_BYTES
    {
        return Err(Error::invalid(format!(
            "expression: must be at most {MAX_EXPRESSION_BYTES} bytes (got {})",
            expression.len()
        )));
    }
    let segment = match request.segment {
        None => None,
        Some((number, total)) => {
            if !(1..=MAX_SEGMENTS).contains(&total) {
                return Err(Error::invalid(format!(
                    "total_segments: must be between 1 and {MAX_SEGMENTS} (got {total})"
                )));
            }
            if number >= total {
                return Err(Error::invalid(format!(
                    "segment_number: must be below total_segments ({total}) (got {number})"
                )));
            }
            Some(Segment { number, total })
        }
    };
    let segment_text = segment.map(|s| format!("{}/{}", s.number, s.total));
    let scope = Scope::new(
        "partitions",
        &[
            database,
            table,
            request.expression.as_deref().unwrap_or(""),
            segment_text.as_deref().unwrap_or(""),
        ],
    );
    let after = request
        .page
        .page_token
        .map(|t| scope.decode_number(&t))
        .transpose()?;
    let query = PartitionQuery {
        expression: request.expression,
        segment,
        after,
        limit,
    };
    Ok((query, scope))
}

fn version_number(version_id: &str) -> Result<i64> {
    validate::version_id("version_id", version_id)
}

impl Catalog {
    /// A service over `store`.
    pub fn new(store: Arc<dyn CatalogStore>) -> Catalog {
        Catalog { store }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        self.store.ping().await
    }

    /// Creates a database.
    pub async fn create_database(&self, input: DatabaseInput) -> Result<Database> {
        self.create_database_with_tags(input, Tags::new()).await
    }

    /// Creates a database with its tags, atomically: when the tags are refused (Glue's
    /// limits on their number and sizes), no database is created.
    pub async fn create_database_with_tags(
        &self,
        input: DatabaseInput,
        tags: Tags,
    ) -> Result<Database> {
        let input = validate::database_input(input)?;
        crate::tags::check_tags(&tags)?;
        self.store.create_database(&input, &tags).await
    }

    /// Reads a database.
    pub async fn get_database(&self, name: &str) -> Result<Database> {
        self.store.get_database(&name.to_lowercase()).await
    }

    /// Lists databases by name.
    pub async fn list_databases(&self, page: PageRequest) -> Result<Listing<Database>> {
        let limit = page_size(page.max_results, MAX_PAGE_SIZE)?;
        let scope = Scope::new("databases", &[]);
        let after = page.page_token.map(|t| scope.decode(&t)).transpose()?;
        let found = self.store.list_databases(after.as_deref(), limit).await?;
        Ok(Listing {
            items: found.items,
            next_page_token: found.next.map(|c| scope.encode(&c)),
        })
    }

    /// Replaces a database's definition. The input's name must be the database's.
    pub async fn update_database(&self, name: &str, input: DatabaseInput) -> Result<Database> {
        let name = name.to_lowercase();
        let input = validate::database_input(input)?;
        if input.name != name {
            return Err(Error::invalid(format!(
                "name: databases cannot be renamed (the input names {}, the request {name})",
                input.name
            )));
        }
        self.store.update_database(&name, &input).await
    }

    /// Changes a database's definition with `change`, without losing a change someone else
    /// makes at the same time (`change` then runs again on their result); the result is
    /// checked as any definition is, and its name cannot change.
    pub async fn modify_database(
        &self,
        name: &str,
        change: impl Fn(&mut DatabaseInput) + Send + Sync,
    ) -> Result<Database> {
        let name = name.to_lowercase();
        let checked = |input: &mut DatabaseInput| -> Result<()> {
            change(input);
            let valid = validate::database_input(input.clone())?;
            if valid.name != name {
                return Err(Error::invalid(format!(
                    "name: databases cannot be renamed (the change names {}, the request {name})",
                    valid.name
                )));
            }
            *input = valid;
            Ok(())
        };
        self.store.modify_database(&name, &checked).await
    }

    /// Renames a table, into another database if asked; its partitions, versions, indexes,
    /// statistics and tags go with it.
    pub async fn rename_table(
        &self,
        database: &str,
        name: &str,
        new_database: &str,
        new_name: &str,
    ) -> Result<Table> {
        let new_name = new_name.to_lowercase();
        validate::check_object_name("name", &new_name)?;
        self.store
            .rename_table(
                &database.to_lowercase(),
                &name.to_lowercase(),
                &new_database.to_lowercase(),
                &new_name,
            )
            .await
    }

    /// Deletes a database and everything in it.
    pub async fn delete_database(&self, name: &str) -> Result<()> {
        self.store.delete_database(&name.to_lowercase()).await
    }

    /// Deletes a database that holds no table; one that holds tables is refused
    /// (`InvalidInput`) and kept, even when a table is created at the same moment.
    pub async fn delete_empty_database(&self, name: &str) -> Result<()> {
        self.store.delete_empty_database(&name.to_lowercase()).await
    }

    /// Creates a table.
    pub async fn create_table(&self, database: &str, input: TableInput) -> Result<Table> {
        self.create_table_with_indexes(database, input, Vec::new())
            .await
    }

    /// Creates a table with its partition indexes (at most three), atomically: when an index
    /// is refused (a key that is not a string or whole-number partition key, a taken name),
    /// no table is created.
    pub async fn create_table_with_indexes(
        &self,
        database: &str,
        input: TableInput,
        indexes: Vec<PartitionIndexInput>,
    ) -> Result<Table> {
        let input = validate::table_input(input)?;
        if indexes.len() > validate::MAX_PARTITION_INDEXES {
            return Err(Error::LimitExceeded(format!(
                "partition_indexes: at most {} partition indexes per table (got {})",
                validate::MAX_PARTITION_INDEXES,
                indexes.len()
            )));
        }
        let indexes = indexes
            .into_iter()
            .map(|index| {
                let index = validate::partition_index_input(index)?;
                // Checked here too, so that a bad index is refused before the transaction.
                validate::partition_index_keys(&index, &input.partition_keys)?;
                Ok(index)
            })
            .collect::<Result<Vec<_>>>()?;
        self.store
            .create_table(&database.to_lowercase(), &input, &indexes)
            .await
    }

    /// Reads a table.
    pub async fn get_table(&self, database: &str, name: &str) -> Result<Table> {
        self.store
            .get_table(&database.to_lowercase(), &name.to_lowercase())
            .await
    }

    /// Lists a database's tables by name.
    pub async fn list_tables(&self, database: &str, page: PageRequest) -> Result<Listing<Table>> {
        let database = database.to_lowercase();
        let limit = page_size(page.max_results, MAX_PAGE_SIZE)?;
        let scope = Scope::new("tables", &[&database]);
        let after = page.page_token.map(|t| scope.decode(&t)).transpose()?;
        let found = self
            .store
            .list_tables(&database, after.as_deref(), limit)
            .await?;
        Ok(Listing {
            items: found.items,
            next_page_token: found.next.map(|c| scope.encode(&c)),
        })
    }

    /// Searches tables across databases, in database then table name order, keeping those
    /// `matches` accepts. `scope` names the search (its text and filters), so that a token
    /// from another search is refused. A page ends after `max_results` matches or after
    /// [`MAX_SEARCH_SCANNED`] tables were examined, whichever comes first; the token resumes
    /// after the last table examined, so paging through a catalog reads each table once.
    pub async fn search_tables<E: From<Error>>(
        &self,
        scope: &[&str],
        page: PageRequest,
        mut matches: impl FnMut(&Table) -> Result<bool, E>,
    ) -> Result<Listing<Table>, E> {
        let limit = page_size(page.max_results, MAX_SEARCH_PAGE_SIZE)?;
        let scope = Scope::new("search", scope);
        // The cursor is `database\ntable`: names are single-line, so the split is exact.
        let mut position = match page.page_token {
            Some(token) => {
                let cursor = scope.decode(&token)?;
                let (database, table) = cursor
                    .split_once('\n')
                    .ok_or_else(|| Error::InvalidPageToken("not a search position".into()))?;
                Some((database.to_string(), Some(table.to_string())))
            }
            None => None,
        };
        let mut database_after: Option<String> = None;
        let mut items = Vec::new();
        let mut scanned = 0;
        loop {
            let (database, mut table_after) = match position.take() {
                Some(position) => position,
                None => {
                    let next = self
                        .store
                        .list_databases(database_after.as_deref(), 1)
                        .await?;
                    match next.items.into_iter().next() {
                        Some(database) => (database.name, None),
                        None => {
                            return Ok(Listing {
                                items,
                                next_page_token: None,
                            });
                        }
                    }
                }
            };
            loop {
                let tables = match self
                    .store
                    .list_tables(&database, table_after.as_deref(), MAX_PAGE_SIZE)
                    .await
                {
                    Ok(tables) => tables,
                    // Deleted since the previous page: carry on with the next database.
                    Err(Error::NotFound { .. }) => break,
                    Err(error) => return Err(error.into()),
                };
                for table in tables.items {
                    scanned += 1;
                    let name = table.name.clone();
                    if matches(&table)? {
                        items.push(table);
                    }
                    if items.len() == limit || scanned == MAX_SEARCH_SCANNED {
                        return Ok(Listing {
                            items,
                            next_page_token: Some(scope.encode(&format!("{database}\n{name}"))),
                        });
                    }
                }
                match tables.next {
                    Some(next) => table_after = Some(next),
                    None => break,
                }
            }
            database_after = Some(database);
        }
    }

    /// Replaces a table's definition. The input's name must be the table's.
    pub async fn update_table(
        &self,
        database: &str,
        name: &str,
        input: TableInput,
        options: UpdateTableOptions,
    ) -> Result<Table> {
        let name = name.to_lowercase();
        let input = validate::table_input(input)?;
        if input.name != name {
            return Err(Error::invalid(format!(
                "name: tables cannot be renamed (the input names {}, the request {name})",
                input.name
            )));
        }
        if let Some(version_id) = &options.expected_version_id {
            version_number(version_id)?;
        }
        self.store
            .update_table(&database.to_lowercase(), &input, &options)
            .await
    }

    /// Renames a table (into another database if asked) and replaces its definition in one
    /// transaction: both happen, or neither (a taken name, a missing database, a version
    /// that moved on, an invalid definition). The input names the new table.
    pub async fn rename_and_update_table(
        &self,
        database: &str,
        name: &str,
        new_database: &str,
        input: TableInput,
        options: UpdateTableOptions,
    ) -> Result<Table> {
        let input = validate::table_input(input)?;
        if let Some(version_id) = &options.expected_version_id {
            version_number(version_id)?;
        }
        self.store
            .rename_and_update_table(
                &database.to_lowercase(),
                &name.to_lowercase(),
                &new_database.to_lowercase(),
                &input,
                &options,
            )
            .await
    }

    /// Replaces several tables' definitions in one transaction, each checked as
    /// [`Catalog::update_table`] checks one: all of them change, or none (a table whose
    /// version moved on fails them all with `ConcurrentModification`). At most
    /// [`MAX_TABLES_PER_UPDATE`] tables, each named once.
    pub async fn update_tables(&self, updates: Vec<TableUpdate>) -> Result<Vec<Table>> {
        if updates.len() > MAX_TABLES_PER_UPDATE {
            return Err(Error::LimitExceeded(format!(
                "{} tables in one update; at most {MAX_TABLES_PER_UPDATE}",
                updates.len()
            )));
        }
        let mut checked = Vec::with_capacity(updates.len());
        let mut named = std::collections::HashSet::new();
        for update in updates {
            let input = validate::table_input(update.input)?;
            let database = update.database.to_lowercase();
            if let Some(version_id) = &update.options.expected_version_id {
                version_number(version_id)?;
            }
            if !named.insert((database.clone(), input.name.clone())) {
                return Err(Error::invalid(format!(
                    "table {database}.{} is named twice in one update",
                    input.name
                )));
            }
            checked.push(TableUpdate {
                database,
                input,
                options: update.options,
            });
        }
        self.store.update_tables(&checked).await
    }

    /// Creates a partition index on a table and builds it.
    pub async fn create_partition_index(
        &self,
        database: &str,
        table: &str,
        input: PartitionIndexInput,
    ) -> Result<PartitionIndex> {
        let input = validate::partition_index_input(input)?;
        self.store
            .create_partition_index(&database.to_lowercase(), &table.to_lowercase(), &input)
            .await
    }

    /// Lists a table's partition indexes.
    pub async fn list_partition_indexes(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Vec<PartitionIndex>> {
        self.store
            .list_partition_indexes(&database.to_lowercase(), &table.to_lowercase())
            .await
    }

    /// Deletes a partition index; the table and its partitions stay.
    pub async fn delete_partition_index(
        &self,
        database: &str,
        table: &str,
        name: &str,
    ) -> Result<()> {
        self.store
            .delete_partition_index(&database.to_lowercase(), &table.to_lowercase(), name)
            .await
    }

    /// Deletes up to [`MAX_BATCH_DELETE_TABLES`] tables, each on its own as Glue's
    /// `BatchDeleteTable` does: one that fails does not stop the others. Returns the names
    /// that failed, with why.
    pub async fn delete_tables(
        &self,
        database: &str,
        names: &[String],
    ) -> Result<Vec<(String, Error)>> {
        batch_size("tables", names.len(), MAX_BATCH_DELETE_TABLES)?;
        let mut failures = Vec::new();
        for name in names {
            if let Err(error) = self.delete_table(database, name).await {
                failures.push((name.clone(), error));
            }
        }
        Ok(failures)
    }

    /// Deletes a table with its versions and partitions.
    pub async fn delete_table(&self, database: &str, name: &str) -> Result<()> {
        self.store
            .delete_table(&database.to_lowercase(), &name.to_lowercase())
            .await
    }

    /// Lists a table's versions, newest first.
    pub async fn list_table_versions(
        &self,
        database: &str,
        table: &str,
        page: PageRequest,
    ) -> Result<Listing<TableVersion>> {
        let (database, table) = (database.to_lowercase(), table.to_lowercase());
        let limit = page_size(page.max_results, MAX_PAGE_SIZE)?;
        let scope = Scope::new("table-versions", &[&database, &table]);
        let before = page
            .page_token
            .map(|t| scope.decode_number(&t))
            .transpose()?;
        let found = self
            .store
            .list_table_versions(&database, &table, before, limit)
            .await?;
        Ok(Listing {
            items: found.items,
            next_page_token: found.next.map(|c| scope.encode(&c.to_string())),
        })
    }

    /// Reads one version of a table.
    pub async fn get_table_version(
        &self,
        database: &str,
        table: &str,
        version_id: &str,
    ) -> Result<TableVersion> {
        let version = version_number(version_id)?;
        self.store
            .get_table_version(&database.to_lowercase(), &table.to_lowercase(), version)
            .await
    }

    /// Deletes archived table versions; returns the ones that could not be deleted.
    pub async fn delete_table_versions(
        &self,
        database: &str,
        table: &str,
        version_ids: &[String],
    ) -> Result<Vec<(String, Error)>> {
        batch_size("version_ids", version_ids.len(), MAX_BATCH_DELETE_VERSIONS)?;
        let versions = version_ids
            .iter()
            .map(|v| version_number(v))
            .collect::<Result<Vec<_>>>()?;
        let failures = self
            .store
            .delete_table_versions(&database.to_lowercase(), &table.to_lowercase(), &versions)
            .await?;
        Ok(failures
            .into_iter()
            .map(|(version, error)| (version.to_string(), error))
            .collect())
    }

    /// Creates one partition.
    pub async fn create_partition(
        &self,
        database: &str,
        table: &str,
        input: PartitionInput,
    ) -> Result<Partition> {
        let values = input.values.clone();
        let mut failures = self
            .store
            .create_partitions(&database.to_lowercase(), &table.to_lowercase(), &[input])
            .await?;
        if let Some(failure) = failures.pop() {
            return Err(failure.error);
        }
        self.get_partition(database, table, &values).await
    }

    /// Creates up to 100 partitions in one transaction; returns the ones that failed.
    pub async fn create_partitions(
        &self,
        database: &str,
        table: &str,
        inputs: &[PartitionInput],
    ) -> Result<Vec<PartitionFailure>> {
        batch_size("partitions", inputs.len(), MAX_BATCH_CREATE_PARTITIONS)?;
        self.store
            .create_partitions(&database.to_lowercase(), &table.to_lowercase(), inputs)
            .await
    }

    /// Creates partitions all together or not at all (the Hive metastore's `add_partitions`):
    /// when one fails (it exists already, it has the wrong number of values) that failure
    /// is the error and none is created. At most [`MAX_ATOMIC_CREATE_PARTITIONS`].
    pub async fn create_all_partitions(
        &self,
        database: &str,
        table: &str,
        inputs: &[PartitionInput],
    ) -> Result<()> {
        batch_size("partitions", inputs.len(), MAX_ATOMIC_CREATE_PARTITIONS)?;
        self.store
            .create_all_partitions(&database.to_lowercase(), &table.to_lowercase(), inputs)
            .await
    }

    /// Creates any number of partitions, in transactions of the store's choosing. For
    /// writers inside the process (the crawler, benchmarks) that are not bound by the API's
    /// batch limit.
    pub async fn load_partitions(
        &self,
        database: &str,
        table: &str,
        inputs: &[PartitionInput],
    ) -> Result<Vec<PartitionFailure>> {
        self.store
            .create_partitions(&database.to_lowercase(), &table.to_lowercase(), inputs)
            .await
    }

    /// Applies a change to one table and its partitions in one transaction, for writers
    /// inside the process (the crawler) that need a table to be either as it was or as
    /// planned after a crash. Not bound by the API's batch limits.
    pub async fn apply_table_change(
        &self,
        database: &str,
        change: TableChange,
    ) -> Result<Option<Table>> {
        self.apply_indexed_table_change(database, change, None)
            .await
    }

    /// Like [`Catalog::apply_table_change`], writing the table's file index (a crawl's
    /// [`FileIndexChange`]) in the same transaction.
    pub async fn apply_indexed_table_change(
        &self,
        database: &str,
        change: TableChange,
        files: Option<&FileIndexChange>,
    ) -> Result<Option<Table>> {
        let action = match change.action {
            TableAction::Create(input) => TableAction::Create(validate::table_input(input)?),
            TableAction::Update { input, options } => TableAction::Update {
                input: validate::table_input(input)?,
                options,
            },
            TableAction::Keep { name } => TableAction::Keep {
                name: name.to_lowercase(),
            },
            TableAction::Delete { name } => TableAction::Delete {
                name: name.to_lowercase(),
            },
        };
        let change = TableChange { action, ..change };
        self.store
            .apply_indexed_table_change(&database.to_lowercase(), &change, files)
            .await
    }

    /// A table's file index, as crawls wrote it; `None` when no crawl indexed it.
    pub async fn table_files(&self, database: &str, table: &str) -> Result<Option<TableFiles>> {
        self.store
            .table_files(&database.to_lowercase(), &table.to_lowercase())
            .await
    }

    /// Records `location` as the generated Iceberg metadata served for a table whose file
    /// index is still `identity` (see [`FileIndexState::generated_metadata`]); false,
    /// recording nothing, when the table's index is another now.
    pub async fn record_generated_metadata(
        &self,
        database: &str,
        table: &str,
        identity: &str,
        location: &str,
    ) -> Result<bool> {
        self.store
            .record_generated_metadata(
                &database.to_lowercase(),
                &table.to_lowercase(),
                identity,
                location,
            )
            .await
    }

    /// The state of a table's file index (its identity, and its generation, which goes up
    /// whenever the index changes); `None` when no crawl indexed it.
    pub async fn table_files_state(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Option<FileIndexState>> {
        self.store
            .table_files_state(&database.to_lowercase(), &table.to_lowercase())
            .await
    }

    /// Reads one partition.
    pub async fn get_partition(
        &self,
        database: &str,
        table: &str,
        values: &[String],
    ) -> Result<Partition> {
        self.store
            .get_partition(&database.to_lowercase(), &table.to_lowercase(), values)
            .await
    }

    /// Reads several partitions by their values (at most [`MAX_BATCH_GET_PARTITIONS`]); the
    /// ones that do not exist are left out of the answer, as Glue's BatchGetPartition does.
    pub async fn get_partitions(
        &self,
        database: &str,
        table: &str,
        values: &[Vec<String>],
    ) -> Result<Vec<Partition>> {
        batch_size("partitions", values.len(), MAX_BATCH_GET_PARTITIONS)?;
        self.store
            .get_partitions(&database.to_lowercase(), &table.to_lowercase(), values)
            .await
    }

    /// Lists partitions, filtered, paged and optionally split into segments.
    pub async fn list_partitions(
        &self,
        database: &str,
        table: &str,
        request: PartitionListRequest,
    ) -> Result<Listing<Partition>> {
        let exclude_column_schema = request.exclude_column_schema;
        let (database, table) = (database.to_lowercase(), table.to_lowercase());
        let encoded = self
            .list_encoded_partitions(&database, &table, request)
            .await?;
        let mut items = Vec::with_capacity(encoded.items.len());
        for item in &encoded.items {
            let mut partition = item.decode(&database, &table)?;
            if exclude_column_schema && let Some(sd) = partition.storage_descriptor.as_mut() {
                sd.columns.clear();
            }
            items.push(partition);
        }
        Ok(Listing {
            items,
            next_page_token: encoded.next_page_token,
        })
    }

    /// Lists the partitions [`Catalog::list_partitions`] lists for the same request, in the
    /// same pages, their definitions left as stored: for protocols that write JSON, which
    /// copy from the stored text. The definitions are whole: a caller asked to exclude the
    /// column schema leaves the columns out as it writes.
    pub async fn list_encoded_partitions(
        &self,
        database: &str,
        table: &str,
        request: PartitionListRequest,
    ) -> Result<Listing<EncodedPartition>> {
        let (database, table) = (database.to_lowercase(), table.to_lowercase());
        let (query, scope) = partition_query(&database, &table, request)?;
        let found = self
            .store
            .list_partitions(&database, &table, &query)
            .await?;
        Ok(Listing {
            items: found.items,
            next_page_token: found.next.map(|c| scope.encode(&c.to_string())),
        })
    }

    /// Lists only the values of the partitions [`Catalog::list_partitions`] lists for the
    /// same request, in the same pages (the page tokens of either serve both): for callers
    /// that need partition names, without reading or decoding the partitions.
    pub async fn list_partition_values(
        &self,
        database: &str,
        table: &str,
        request: PartitionListRequest,
    ) -> Result<Listing<Vec<String>>> {
        let (database, table) = (database.to_lowercase(), table.to_lowercase());
        let (query, scope) = partition_query(&database, &table, request)?;
        let found = self
            .store
            .list_partition_values(&database, &table, &query)
            .await?;
        Ok(Listing {
            items: found.items,
            next_page_token: found.next.map(|c| scope.encode(&c.to_string())),
        })
    }

    /// Replaces a partition's definition. Input without values keeps the partition's values.
    pub async fn update_partition(
        &self,
        database: &str,
        table: &str,
        values: &[String],
        mut input: PartitionInput,
    ) -> Result<Partition> {
        if input.values.is_empty() {
            input.values = values.to_vec();
        }
        self.store
            .update_partition(
                &database.to_lowercase(),
                &table.to_lowercase(),
                values,
                &input,
            )
            .await
    }

    /// Deletes one partition.
    pub async fn delete_partition(
        &self,
        database: &str,
        table: &str,
        values: &[String],
    ) -> Result<()> {
        let mut failures = self
            .store
            .delete_partitions(
                &database.to_lowercase(),
                &table.to_lowercase(),
                &[values.to_vec()],
            )
            .await?;
        match failures.pop() {
            Some(failure) => Err(failure.error),
            None => Ok(()),
        }
    }

    /// Replaces the definitions of up to [`MAX_BATCH_UPDATE_PARTITIONS`] partitions, each
    /// `(values, input)` on its own as Glue's `BatchUpdatePartition` does: one that fails
    /// does not stop the others. Returns the ones that failed.
    pub async fn update_partitions(
        &self,
        database: &str,
        table: &str,
        entries: Vec<(Vec<String>, PartitionInput)>,
    ) -> Result<Vec<PartitionFailure>> {
        batch_size("entries", entries.len(), MAX_BATCH_UPDATE_PARTITIONS)?;
        let mut failures = Vec::new();
        for (values, input) in entries {
            if let Err(error) = self.update_partition(database, table, &values, input).await {
                failures.push(PartitionFailure { values, error });
            }
        }
        Ok(failures)
    }

    /// Deletes up to 25 partitions in one transaction; returns the ones that failed.
    pub async fn delete_partitions(
        &self,
        database: &str,
        table: &str,
        values: &[Vec<String>],
    ) -> Result<Vec<PartitionFailure>> {
        batch_size("partitions", values.len(), MAX_BATCH_DELETE_PARTITIONS)?;
        self.store
            .delete_partitions(&database.to_lowercase(), &table.to_lowercase(), values)
            .await
    }
}
