//! The catalog store: the persistence port that the service layer calls.
//!
//! Implementations keep every multi-row change in one transaction. Inputs reaching a store
//! have passed the table-independent checks of [`crate::validate`]; checks that need the
//! stored table (partition values against partition keys) are the store's.

use std::fmt;

use async_trait::async_trait;

use crate::encoded::EncodedPartition;
use crate::error::{Error, Result};
use crate::functions::{Function, FunctionInput};
use crate::model::{
    Database, DatabaseInput, Partition, PartitionIndex, PartitionIndexInput, PartitionInput, Table,
    TableInput, TableVersion,
};
use crate::statistics::{ColumnStatistics, CrawledStatistics, StatisticsScope};
use crate::tags::{Tagged, Tags};

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T, C> {
    /// The items, in listing order.
    pub items: Vec<T>,
    /// Where the next page starts, or `None` when this is the last page.
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// Builds a page from up to `limit + 1` fetched rows: the extra row only says that more
    /// exist, and the cursor of the last kept item starts the next page.
    pub fn from_overfetch(mut rows: Vec<T>, limit: usize, cursor: impl Fn(&T) -> C) -> Self {
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(cursor)
        } else {
            None
        };
        Page { items: rows, next }
    }
}

/// A slice of a partition listing, for parallel scans: segment `number` of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Segment {
    /// 0-based segment number, below `total`.
    pub number: u32,
    /// How many segments the listing is split into.
    pub total: u32,
}

/// What to list of a table's partitions.
#[derive(Debug, Clone, Default)]
pub struct PartitionQuery {
    /// A Glue GetPartitions expression, already checked for length.
    pub expression: Option<String>,
    /// Only this segment of the partitions.
    pub segment: Option<Segment>,
    /// Start after this cursor (from a previous page).
    pub after: Option<i64>,
    /// Most partitions to return.
    pub limit: usize,
}

/// How to update a table.
#[derive(Debug, Clone, Default)]
pub struct UpdateTableOptions {
    /// Fail with [`Error::ConcurrentModification`] unless the table is at this version.
    pub expected_version_id: Option<String>,
    /// Do not archive the current definition as a table version.
    pub skip_archive: bool,
}

/// One table's replacement among several applied together
/// ([`CatalogStore::update_tables`]).
#[derive(Debug, Clone)]
pub struct TableUpdate {
    /// The table's database.
    pub database: String,
    /// The new definition of the table named `input.name`.
    pub input: TableInput,
    /// The version check and archiving, as for one table.
    pub options: UpdateTableOptions,
}

/// A failure for one item of a batch.
#[derive(Debug)]
pub struct PartitionFailure {
    /// The values of the partition the item was about.
    pub values: Vec<String>,
    /// Why it failed.
    pub error: Error,
}

/// What a [`TableChange`] does to the table itself.
#[derive(Debug, Clone)]
pub enum TableAction {
    /// Create the table.
    Create(TableInput),
    /// Replace the table's definition.
    Update {
        /// The new definition (its name names the table).
        input: TableInput,
        /// Version check and archiving.
        options: UpdateTableOptions,
    },
    /// Leave the table as it is; only its partitions change.
    Keep {
        /// The table's name.
        name: String,
    },
    /// Delete the table with its partitions.
    Delete {
        /// The table's name.
        name: String,
    },
}

impl TableAction {
    /// The name of the table the action is about.
    pub fn table_name(&self) -> &str {
        match self {
            TableAction::Create(input) | TableAction::Update { input, .. } => &input.name,
            TableAction::Keep { name } | TableAction::Delete { name } => name,
        }
    }
}

/// A change to one table and its partitions that is applied all or nothing: after a crash
/// the table is either as it was or as the change describes.
#[derive(Debug, Clone)]
pub struct TableChange {
    /// What happens to the table.
    pub action: TableAction,
    /// Partitions to create, or to replace when they exist.
    pub put_partitions: Vec<PartitionInput>,
    /// Partitions to delete, by values; missing ones are ignored.
    pub delete_partitions: Vec<Vec<String>>,
    /// Column statistics the crawl computed, written with the table; `None` leaves the
    /// stored ones as they are.
    pub statistics: Option<CrawledStatistics>,
}

/// One data file of a table, as a crawl indexed it (docs/decisions/0004-iceberg-rest-catalog.md
/// §3.4): what Iceberg manifests generated for the table list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedFile {
    /// The file's URL.
    pub path: String,
    /// Its partition's values, one per partition key (none when unpartitioned).
    pub partition_values: Vec<String>,
    /// Its size in bytes.
    pub size: i64,
    /// Its exact rows; `None` when not read.
    pub record_count: Option<i64>,
    /// Its columns' figures, as compact JSON the catalog does not read.
    pub stats: Option<String>,
}

/// A crawl's change to a table's file index, written in the table's transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileIndexChange {
    /// The files found.
    pub files: Vec<IndexedFile>,
    /// Whether `files` are all the table's files (the others are gone); otherwise they are
    /// added to the index, replacing rows of the same path (a crawl of new folders only).
    pub whole_table: bool,
    /// Objects the crawl counted but did not read (beyond a sample size).
    pub unread: i64,
    /// The folders whose objects the crawl listed in full (a partition's, an unpartitioned
    /// table's), with what it did not read in each. In a change of some folders only, rows of
    /// files directly in these folders that `files` does not name are gone, and each folder's
    /// unread count replaces the one it had, so a change made twice changes nothing.
    pub folders: Vec<IndexedFolder>,
}

/// A folder a crawl listed in full for a table's file index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexedFolder {
    /// The folder's URL, ending with `/`.
    pub url: String,
    /// Objects in it the crawl counted but did not read.
    pub unread: i64,
}

/// A table's file index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableFiles {
    /// The index's identity (see [`FileIndexState::identity`]).
    pub identity: String,
    /// Goes up whenever the index changes.
    pub generation: i64,
    /// Objects counted but not read, so not in `files`.
    pub unread: i64,
    /// The files, by path.
    pub files: Vec<IndexedFile>,
}

/// The state of a table's file index, without its files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileIndexState {
    /// A random UUID given when the index is first written and kept while its table lives:
    /// a table dropped and made again under the same name has another.
    pub identity: String,
    /// Goes up whenever the index changes.
    pub generation: i64,
    /// Objects counted but not read.
    pub unread: i64,
    /// The generated Iceberg metadata file served for the table, once generated.
    pub generated_metadata: Option<String>,
}

/// A change to a database's definition, which may run more than once (see
/// [`CatalogStore::modify_database`]). An alias, so that `async_trait` leaves the closure's
/// argument lifetime alone.
pub type DatabaseChange<'a> = dyn Fn(&mut DatabaseInput) -> Result<()> + Send + Sync + 'a;

/// Persistence for databases, tables, table versions and partitions.
#[async_trait]
pub trait CatalogStore: Send + Sync + fmt::Debug {
    /// Checks that the database answers and has the schema this version needs.
    async fn ping(&self) -> Result<()>;

    /// Creates a database with its tags, in one transaction: when the tags cannot be
    /// written, neither is the database.
    async fn create_database(&self, input: &DatabaseInput, tags: &Tags) -> Result<Database>;
    /// Reads a database.
    async fn get_database(&self, name: &str) -> Result<Database>;
    /// Lists databases by name, after `after`.
    async fn list_databases(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Database, String>>;
    /// Replaces a database's definition (its name cannot change).
    async fn update_database(&self, name: &str, input: &DatabaseInput) -> Result<Database>;
    /// Changes a database's definition with `change`, applied to the definition as stored
    /// and written only if nobody changed it meanwhile (else `change` runs again on the new
    /// one), so concurrent changes of different properties are never lost.
    async fn modify_database(&self, name: &str, change: &DatabaseChange<'_>) -> Result<Database>;
    /// Deletes a database with all its tables, versions and partitions.
    async fn delete_database(&self, name: &str) -> Result<()>;
    /// Deletes a database only if it holds no table, in one statement, so a table created
    /// meanwhile is never deleted with it: `InvalidInput` when it holds tables.
    async fn delete_empty_database(&self, name: &str) -> Result<()>;

    /// Renames a table, into another database if asked, keeping everything it owns
    /// (versions, partitions, indexes, statistics, tags); `AlreadyExists` when the new name
    /// is taken.
    async fn rename_table(
        &self,
        database: &str,
        name: &str,
        new_database: &str,
        new_name: &str,
    ) -> Result<Table>;

    /// Renames a table (into another database if asked) and replaces its definition, named
    /// `input.name`, in one transaction: both, or neither. `options` apply as for
    /// [`CatalogStore::update_table`], the version checked before the rename.
    async fn rename_and_update_table(
        &self,
        database: &str,
        name: &str,
        new_database: &str,
        input: &TableInput,
        options: &UpdateTableOptions,
    ) -> Result<Table>;

    /// Creates a table at version "0" with its partition indexes, in one transaction: when
    /// an index cannot be created, neither is the table.
    async fn create_table(
        &self,
        database: &str,
        input: &TableInput,
        indexes: &[PartitionIndexInput],
    ) -> Result<Table>;
    /// Reads a table.
    async fn get_table(&self, database: &str, name: &str) -> Result<Table>;
    /// Lists a database's tables by name, after `after`.
    async fn list_tables(
        &self,
        database: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Table, String>>;
    /// Replaces the table named `input.name`, archiving the current definition unless asked
    /// not to. The version id goes up by one.
    async fn update_table(
        &self,
        database: &str,
        input: &TableInput,
        options: &UpdateTableOptions,
    ) -> Result<Table>;
    /// Replaces several tables in one transaction, each as [`CatalogStore::update_table`]
    /// would: all of them or, when one fails (a version moved on, say), none.
    async fn update_tables(&self, updates: &[TableUpdate]) -> Result<Vec<Table>>;
    /// Deletes a table with its versions and partitions.
    async fn delete_table(&self, database: &str, name: &str) -> Result<()>;

    /// Lists a table's versions, newest first, before version `before`.
    async fn list_table_versions(
        &self,
        database: &str,
        table: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Page<TableVersion, i64>>;
    /// Reads one version of a table.
    async fn get_table_version(
        &self,
        database: &str,
        table: &str,
        version: i64,
    ) -> Result<TableVersion>;
    /// Deletes archived versions; returns the failures, by version. The current version
    /// cannot be deleted.
    async fn delete_table_versions(
        &self,
        database: &str,
        table: &str,
        versions: &[i64],
    ) -> Result<Vec<(i64, Error)>>;

    /// Creates partitions in one transaction. Items that fail (already exist, wrong number of
    /// values) are returned and the others are created.
    async fn create_partitions(
        &self,
        database: &str,
        table: &str,
        inputs: &[PartitionInput],
    ) -> Result<Vec<PartitionFailure>>;
    /// Creates partitions in one transaction, all of them or none: the first item that
    /// fails (already exists, wrong number of values) is the error and nothing is created.
    async fn create_all_partitions(
        &self,
        database: &str,
        table: &str,
        inputs: &[PartitionInput],
    ) -> Result<()>;
    /// Reads one partition by its values.
    async fn get_partition(
        &self,
        database: &str,
        table: &str,
        values: &[String],
    ) -> Result<Partition>;
    /// Reads the partitions with these values that exist, in the order asked for; missing
    /// ones are left out.
    async fn get_partitions(
        &self,
        database: &str,
        table: &str,
        values: &[Vec<String>],
    ) -> Result<Vec<Partition>>;
    /// Lists partitions in a stable order, filtered in the database, their definitions left
    /// encoded.
    async fn list_partitions(
        &self,
        database: &str,
        table: &str,
        query: &PartitionQuery,
    ) -> Result<Page<EncodedPartition, i64>>;
    /// Lists only the values of the partitions [`CatalogStore::list_partitions`] would list
    /// for the same query, in the same order and with the same cursors.
    async fn list_partition_values(
        &self,
        database: &str,
        table: &str,
        query: &PartitionQuery,
    ) -> Result<Page<Vec<String>, i64>>;
    /// Replaces a partition's definition, possibly changing its values.
    async fn update_partition(
        &self,
        database: &str,
        table: &str,
        values: &[String],
        input: &PartitionInput,
    ) -> Result<Partition>;
    /// Applies a change to one table and its partitions in one transaction. Returns the
    /// table as it is afterwards (`None` when deleted). Any failure changes nothing.
    async fn apply_table_change(
        &self,
        database: &str,
        change: &TableChange,
    ) -> Result<Option<Table>> {
        self.apply_indexed_table_change(database, change, None)
            .await
    }
    /// Like [`CatalogStore::apply_table_change`], writing the table's file index in the
    /// same transaction; the index's generation goes up only when its rows change.
    async fn apply_indexed_table_change(
        &self,
        database: &str,
        change: &TableChange,
        files: Option<&FileIndexChange>,
    ) -> Result<Option<Table>>;
    /// A table's file index; `None` when no crawl indexed it.
    async fn table_files(&self, database: &str, table: &str) -> Result<Option<TableFiles>>;
    /// Records `location` as the generated Iceberg metadata of a table whose file index is
    /// still `identity`; false, recording nothing, when it is not.
    async fn record_generated_metadata(
        &self,
        database: &str,
        table: &str,
        identity: &str,
        location: &str,
    ) -> Result<bool>;
    /// The state of a table's file index; `None` when no crawl indexed it.
    async fn table_files_state(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Option<FileIndexState>>;

    /// Deletes partitions in one transaction; returns the ones that did not exist.
    async fn delete_partitions(
        &self,
        database: &str,
        table: &str,
        values: &[Vec<String>],
    ) -> Result<Vec<PartitionFailure>>;

    /// Creates a partition index over a table's partition keys and builds it. At most
    /// [`crate::validate::MAX_PARTITION_INDEXES`] per table ([`Error::LimitExceeded`]).
    async fn create_partition_index(
        &self,
        database: &str,
        table: &str,
        input: &PartitionIndexInput,
    ) -> Result<PartitionIndex>;
    /// Lists a table's partition indexes, oldest first.
    async fn list_partition_indexes(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Vec<PartitionIndex>>;
    /// Deletes a partition index.
    async fn delete_partition_index(&self, database: &str, table: &str, name: &str) -> Result<()>;

    /// Creates a user-defined function in a database.
    async fn create_function(&self, database: &str, input: &FunctionInput) -> Result<Function>;
    /// Reads a function.
    async fn get_function(&self, database: &str, name: &str) -> Result<Function>;
    /// Lists functions of one database (which must exist) or of all, by database then
    /// function name, after the (database, function) cursor `after`.
    async fn list_functions(
        &self,
        database: Option<&str>,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Page<Function, (String, String)>>;
    /// Replaces the function `name`, renaming it to `input.function_name`.
    async fn update_function(
        &self,
        database: &str,
        name: &str,
        input: &FunctionInput,
    ) -> Result<Function>;
    /// Deletes a function.
    async fn delete_function(&self, database: &str, name: &str) -> Result<()>;

    /// An object's tags.
    async fn get_tags(&self, object: &Tagged) -> Result<Tags>;
    /// Adds tags to an object (replacing values of keys it has), in one transaction. More
    /// than [`crate::tags::MAX_TAGS`] in all is [`Error::InvalidInput`] and changes nothing.
    async fn tag(&self, object: &Tagged, tags: &Tags) -> Result<()>;
    /// Removes an object's tags by key; missing keys are ignored.
    async fn untag(&self, object: &Tagged, keys: &[String]) -> Result<()>;

    /// The statistics of the named columns that have some.
    async fn get_column_statistics(
        &self,
        database: &str,
        table: &str,
        scope: StatisticsScope<'_>,
        columns: &[String],
    ) -> Result<Vec<ColumnStatistics>>;
    /// Writes statistics, replacing the columns' earlier ones, in one transaction.
    async fn put_column_statistics(
        &self,
        database: &str,
        table: &str,
        scope: StatisticsScope<'_>,
        statistics: &[ColumnStatistics],
    ) -> Result<()>;
    /// The names of a database's tables that have column statistics of their own.
    async fn tables_with_column_statistics(&self, database: &str) -> Result<Vec<String>>;
    /// Deletes one column's statistics; not found when it has none.
    async fn delete_column_statistics(
        &self,
        database: &str,
        table: &str,
        scope: StatisticsScope<'_>,
        column: &str,
    ) -> Result<()>;
}
