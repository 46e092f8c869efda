//! The catalog store on SQLite (embedded default) and PostgreSQL, through sqlx.
//!
//! One implementation serves both databases: the SQL is written in the dialect they share
//! (numbered `$n` placeholders, `ON CONFLICT`, `RETURNING`), and only the migrations and the
//! per-connection settings differ. Queries go through sqlx's `Any` driver, so no SQL text is
//! duplicated per backend. Every value reaches the database as a bind parameter; statements
//! built at run time are assembled only from fixed fragments and generated column names.
//!
//! SQLite allows one writer at a time, so on SQLite writes go through a single-connection
//! pool (transactions queue in the process instead of failing with `SQLITE_BUSY`) while reads
//! use a pool of their own, which WAL mode lets run beside the writer.

mod crawlers;
mod databases;
mod files;
mod functions;
mod group_commit;
mod partition_indexes;
mod partitions;
mod rows;
mod statistics;
mod tables;
mod tags;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use group_commit::GroupWriter;
use partitions::BatchMode;
use sqlx::AnyConnection;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, AssertSqlSafe, Connection, Executor};

use crate::crawlers::{
    ClassifierInput, ClassifierRecord, CrawlRun, CrawlRunSummary, CrawlRunner, Crawler,
    CrawlerInput, CrawlerStore, RunCursor, RunningCrawl,
};
use crate::encoded::EncodedPartition;
use crate::error::{Entity, Error, Result};
use crate::functions::{Function, FunctionInput};
use crate::model::{
    Database, DatabaseInput, Partition, PartitionIndex, PartitionIndexInput, PartitionInput, Table,
    TableInput, TableVersion,
};
use crate::statistics::{ColumnStatistics, StatisticsScope};
use crate::store::{
    CatalogStore, FileIndexChange, FileIndexState, Page, PartitionFailure, PartitionQuery,
    TableAction, TableChange, TableFiles, TableUpdate, UpdateTableOptions,
};
use crate::tags::{Tagged, Tags};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The default database URL: a SQLite file in the current directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://lakecat.db?mode=rwc";

/// Which database a [`SqlStore`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The backend a database URL names.
    pub fn of_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(Error::invalid(
                "database URL must start with sqlite: or postgres:// (or postgresql://)",
            ))
        }
    }
}

/// Connection settings for [`SqlStore::connect`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most connections for reads (and, on PostgreSQL, for writes too).
    pub max_connections: u32,
    /// How long to wait for a free connection before failing a request.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// The SQL catalog store.
#[derive(Debug, Clone)]
pub struct SqlStore {
    backend: Backend,
    reader: AnyPool,
    writer: AnyPool,
    /// SQLite's group writer of partition batches (see `group_commit`); PostgreSQL writes
    /// concurrent batches on connections of their own.
    partition_batches: Option<GroupWriter>,
    statistics: Arc<Mutex<StatisticsSchedule>>,
    /// When the statistics were last refreshed. SQLite connections load statistics when
    /// they open and never again, so reader connections older than this are replaced.
    analyzed_at: Arc<Mutex<Option<Instant>>>,
}

/// When to refresh the planner statistics of the partitions table.
///
/// Without statistics, or with sampled ones, a selective partition filter may walk a table's
/// partitions in id order instead of using the key index (hundreds of milliseconds at a
/// million partitions instead of one). SQLite never gathers statistics by itself and
/// PostgreSQL's autovacuum only after a delay, so the store refreshes them as partitions are
/// written: after the first [`ANALYZE_AFTER_PARTITIONS`], then each time as many have been
/// written as before the last refresh. The doubling keeps the total cost of full analyses
/// to about twice that of one analysis of the final table.
#[derive(Debug, Default)]
struct StatisticsSchedule {
    written_since_refresh: u64,
    written_before_refresh: u64,
}

/// Partitions written before the first statistics refresh.
const ANALYZE_AFTER_PARTITIONS: u64 = 1_000;

impl StatisticsSchedule {
    /// Records `count` written partitions; true when the statistics are due.
    fn record(&mut self, count: u64) -> bool {
        self.written_since_refresh += count;
        if self.written_since_refresh < ANALYZE_AFTER_PARTITIONS.max(self.written_before_refresh) {
            return false;
        }
        self.written_before_refresh += self.written_since_refresh;
        self.written_since_refresh = 0;
        true
    }

    /// The schedule of a store opened on a partitions table that had about `rows` rows when
    /// its statistics were last refreshed: the next refresh comes once as many again have
    /// been written. Starting from nothing instead re-analyzed a table of millions after the
    /// first thousand partitions each new process wrote, and then at each doubling, holding
    /// SQLite's one writer for seconds each time.
    fn after_analysis_of(rows: u64) -> StatisticsSchedule {
        StatisticsSchedule {
            written_since_refresh: 0,
            written_before_refresh: rows,
        }
    }
}

/// How many rows the partitions table had when its planner statistics were last refreshed
/// (0 if never), from the statistics themselves: counting the rows of a large table would
/// slow every start.
async fn analyzed_partition_rows(pool: &AnyPool, backend: Backend) -> Result<u64> {
    let rows: Option<i64> = match backend {
        Backend::Sqlite => {
            let analyzed: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'",
            )
            .fetch_one(pool)
            .await?;
            if analyzed == 0 {
                None
            } else {
                // An index's statistics start with the number of rows it covers.
                let stat: Option<String> = sqlx::query_scalar(
                    "SELECT stat FROM sqlite_stat1 WHERE tbl = 'partitions' AND idx IS NOT NULL \
                     LIMIT 1",
                )
                .fetch_optional(pool)
                .await?;
                stat.and_then(|stat| stat.split(' ').next()?.parse().ok())
            }
        }
        Backend::Postgres => {
            sqlx::query_scalar(
                "SELECT CAST(GREATEST(reltuples, 0) AS BIGINT) FROM pg_class \
             WHERE oid = to_regclass('partitions')",
            )
            .fetch_optional(pool)
            .await?
        }
    };
    Ok(rows.map_or(0, |rows| rows.max(0) as u64))
}

impl SqlStore {
    /// Connects to the database at `url`, creating an SQLite file if needed, and applies any
    /// pending migrations.
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<SqlStore> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let (url, synchronous) = match backend {
            Backend::Sqlite => SqliteSynchronous::take_from_url(url)?,
            Backend::Postgres => (url.to_string(), SqliteSynchronous::default()),
        };
        let url = url.as_str();
        let pool = |max: u32, cache: SqliteCache| {
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(options.acquire_timeout)
                .after_connect(move |conn, _meta| {
                    Box::pin(async move {
                        configure_connection(conn, backend, synchronous, cache).await
                    })
                })
        };
        let analyzed_at: Arc<Mutex<Option<Instant>>> = Arc::default();
        let store = match backend {
            Backend::Sqlite => {
                let writer = pool(1, SqliteCache::Writer).connect(url).await?;
                SQLITE_MIGRATIONS.run(&writer).await?;
                // SQLite's advice for long-lived connections: refresh stale statistics on open.
                writer.execute("PRAGMA optimize = 0x10002").await?;
                let analyzed_rows = analyzed_partition_rows(&writer, backend).await?;
                let last_analysis = analyzed_at.clone();
                let reader = pool(options.max_connections, SqliteCache::Reader)
                    .before_acquire(move |_conn, meta| {
                        let opened_before_analysis = last_analysis
                            .lock()
                            .map(|at| at.is_some_and(|at| meta.age > at.elapsed()))
                            .unwrap_or(false);
                        // Returning false closes the connection; the pool opens a fresh one.
                        Box::pin(async move { Ok(!opened_before_analysis) })
                    })
                    .connect(url)
                    .await?;
                tokio::spawn(checkpoint_in_background(reader.clone()));
                SqlStore {
                    backend,
                    reader,
                    partition_batches: Some(
                        GroupWriter::start(writer.clone())
                            .map_err(|error| Error::Backend(Box::new(error)))?,
                    ),
                    writer,
                    statistics: Arc::new(Mutex::new(StatisticsSchedule::after_analysis_of(
                        analyzed_rows,
                    ))),
                    analyzed_at,
                }
            }
            Backend::Postgres => {
                let shared = pool(options.max_connections, SqliteCache::Reader)
                    .connect(url)
                    .await?;
                POSTGRES_MIGRATIONS.run(&shared).await?;
                let analyzed_rows = analyzed_partition_rows(&shared, backend).await?;
                SqlStore {
                    backend,
                    reader: shared.clone(),
                    writer: shared,
                    partition_batches: None,
                    statistics: Arc::new(Mutex::new(StatisticsSchedule::after_analysis_of(
                        analyzed_rows,
                    ))),
                    analyzed_at,
                }
            }
        };
        Ok(store)
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How many database connections are open and how many of them are idle, over all of
    /// the store's pools.
    pub fn pool_use(&self) -> (u32, usize) {
        let pools: &[&AnyPool] = match self.backend {
            Backend::Sqlite => &[&self.reader, &self.writer],
            Backend::Postgres => &[&self.reader],
        };
        pools.iter().fold((0, 0), |(open, idle), pool| {
            (open + pool.size(), idle + pool.num_idle())
        })
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }

    /// Refreshes the query planner's statistics of the partitions table. The store does this
    /// by itself as partitions are written (see `StatisticsSchedule`).
    pub async fn analyze(&self) -> Result<()> {
        // SQLite's sampled ANALYZE (analysis_limit) misjudges how many partitions a table has
        // when one table dominates, which is the case that matters; so analyze fully (about
        // one second per million partitions).
        let statement = match self.backend {
            Backend::Sqlite => "PRAGMA analysis_limit = 0; ANALYZE partitions",
            Backend::Postgres => "ANALYZE partitions",
        };
        self.writer.execute(statement).await?;
        if let Ok(mut at) = self.analyzed_at.lock() {
            *at = Some(Instant::now());
        }
        Ok(())
    }

    /// Counts written partitions, refreshing statistics when they are due.
    async fn note_partitions_written(&self, count: u64) -> Result<()> {
        let due = self
            .statistics
            .lock()
            .map(|mut schedule| schedule.record(count))
            .unwrap_or(true);
        if due {
            tracing::debug!("refreshing planner statistics");
            self.analyze().await?;
        }
        Ok(())
    }

    /// The database's query plan for a partition listing, for finding out why a filter is
    /// slow: a plan that names `partitions_by_keys` uses the partition key index.
    pub async fn explain_partition_listing(
        &self,
        database: &str,
        table: &str,
        query: &PartitionQuery,
    ) -> Result<String> {
        let mut conn = self.read().await?;
        partitions::explain(&mut conn, self.backend, database, table, query).await
    }

    /// Drops database indexes left unused by deleted tables. The deletion has committed, so
    /// a failure here is logged rather than reported: the index only costs write time.
    async fn drop_unused_indexes(&self) {
        let result = async {
            let mut tx = self.writer.begin().await?;
            partition_indexes::drop_unused(&mut tx, self.backend).await?;
            tx.commit().await?;
            Ok::<_, Error>(())
        }
        .await;
        if let Err(error) = result {
            tracing::warn!(%error, "could not drop unused partition index database indexes");
        }
    }

    /// Writes a batch of new partitions: on SQLite through the group writer, which shares
    /// one transaction among the batches waiting for SQLite's one writer; on PostgreSQL in a
    /// transaction of its own.
    async fn write_partition_batch(
        &self,
        database: &str,
        table: &str,
        inputs: &[PartitionInput],
        mode: BatchMode,
    ) -> Result<Vec<PartitionFailure>> {
        match &self.partition_batches {
            Some(group_writer) => {
                // Checking, keying and encoding need no table: done here, outside the
                // writer's turn.
                let prepared = partitions::prepare(inputs, mode)?;
                group_writer.write(database, table, prepared, mode).await
            }
            None => partitions::create(&self.writer, database, table, inputs, mode).await,
        }
    }

    async fn read(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.reader.acquire().await?)
    }
}

/// How often SQLite's write-ahead log is checkpointed beside the writer.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(250);

/// Pages in SQLite's write-ahead log past which a commit checkpoints it itself: a backstop
/// for when [`checkpoint_in_background`] falls behind (SQLite's default is 1,000).
const WRITER_CHECKPOINT_PAGES: u32 = 8_000;

/// Copies committed pages from SQLite's write-ahead log into the database file on a reader
/// connection, beside the writer, until the store is closed. Left to itself SQLite does this
/// in the commit that grows the log past 1,000 pages, inside the one writer's turn: an
/// eighth of the writer's time (with an fsync) while loading partitions. A passive
/// checkpoint never blocks the writer or readers; durability is the same either way.
async fn checkpoint_in_background(pool: AnyPool) {
    let mut ticks = tokio::time::interval(CHECKPOINT_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut closed = pool.close_event();
    let _ = closed
        .do_until(async {
            loop {
                ticks.tick().await;
                if let Err(error) = pool.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                    tracing::debug!(%error, "background checkpoint failed; the writer's own will do");
                }
            }
        })
        .await;
}

/// How SQLite makes commits durable (its `synchronous` setting in WAL mode), chosen with
/// `synchronous=normal|full` in an SQLite database URL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum SqliteSynchronous {
    /// The default: a commit is written to the write-ahead log without waiting for the disk.
    /// A crash of lakecat loses nothing and the database is never corrupted, but a power
    /// loss or operating-system crash may lose the last commits.
    #[default]
    Normal,
    /// Every commit waits until the write-ahead log is on disk (an fsync per commit): no
    /// committed change is lost to a power loss either.
    Full,
}

impl SqliteSynchronous {
    /// Takes lakecat's `synchronous` parameter out of an SQLite URL (sqlx does not know it).
    fn take_from_url(url: &str) -> Result<(String, SqliteSynchronous)> {
        let Some((base, query)) = url.split_once('?') else {
            return Ok((url.to_string(), SqliteSynchronous::default()));
        };
        let mut synchronous = SqliteSynchronous::default();
        let mut kept = Vec::new();
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("synchronous", value)) => {
                    synchronous = match value.to_ascii_lowercase().as_str() {
                        "normal" => SqliteSynchronous::Normal,
                        "full" => SqliteSynchronous::Full,
                        _ => {
                            return Err(Error::invalid(format!(
                                "database URL: synchronous must be normal or full (got {value:?})"
                            )));
                        }
                    }
                }
                _ => kept.push(pair),
            }
        }
        let url = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        Ok((url, synchronous))
    }

    fn pragma(self) -> &'static str {
        match self {
            SqliteSynchronous::Normal => "PRAGMA synchronous = NORMAL",
            SqliteSynchronous::Full => "PRAGMA synchronous = FULL",
        }
    }
}

/// Which page cache an SQLite connection gets.
#[derive(Debug, Clone, Copy)]
enum SqliteCache {
    /// 64 MiB: large partition listings read without going back through syscalls.
    Reader,
    /// 8 MiB for the one writer. SQLite walks the whole cache's hash table at the end of
    /// each transaction (pcache1TruncateUnsafe), a tenth of the writer's time with 64 MiB;
    /// the pages it reads come from the memory map and the cache holds what it changes.
    Writer,
}

impl SqliteCache {
    /// `PRAGMA cache_size`: negative is KiB.
    fn pragma(self) -> &'static str {
        match self {
            SqliteCache::Reader => "PRAGMA cache_size = -65536",
            SqliteCache::Writer => "PRAGMA cache_size = -8192",
        }
    }
}

async fn configure_connection(
    conn: &mut AnyConnection,
    backend: Backend,
    synchronous: SqliteSynchronous,
    cache: SqliteCache,
) -> Result<(), sqlx::Error> {
    match backend {
        Backend::Sqlite => {
            // WAL lets readers run beside the writer; foreign keys give cascading deletes;
            // case-sensitive LIKE matches PostgreSQL's LIKE. Memory mapping and the page
            // cache (SqliteCache) keep large partition listings from re-reading pages through
            // syscalls.
            conn.execute(
                "PRAGMA journal_mode = WAL; \
                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                 PRAGMA case_sensitive_like = ON; \
                 PRAGMA mmap_size = 1073741824; PRAGMA temp_store = MEMORY;",
            )
            .await?;
            conn.execute(cache.pragma()).await?;
            // Checkpoints run beside the writer (checkpoint_in_background); a commit
            // checkpoints only a log grown this large.
            conn.execute(AssertSqlSafe(format!(
                "PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_PAGES}"
            )))
            .await?;
            conn.execute(synchronous.pragma()).await?;
        }
        Backend::Postgres => {
            conn.execute("SET TIME ZONE 'UTC'").await?;
        }
    }
    Ok(())
}

/// Maps a write's database error: a unique violation means the object exists already.
fn map_unique(error: sqlx::Error, entity: Entity, name: &str) -> Error {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            Error::already_exists(entity, name)
        }
        _ => error.into(),
    }
}

#[async_trait]
impl CatalogStore for SqlStore {
    async fn get_tags(&self, object: &Tagged) -> Result<Tags> {
        tags::get(&mut *self.read().await?, object).await
    }

    async fn tag(&self, object: &Tagged, tags: &Tags) -> Result<()> {
        tags::tag(&self.writer, object, tags).await
    }

    async fn untag(&self, object: &Tagged, keys: &[String]) -> Result<()> {
        tags::untag(&self.writer, object, keys).await
    }

    async fn get_column_statistics(
        &self,
        database: &str,
        table: &str,
        scope: StatisticsScope<'_>,
        columns: &[String],
    ) -> Result<Vec<ColumnStatistics>> {
        statistics::get(&mut *self.read().await?, database, table, scope, columns).await
    }

    async fn put_column_statistics(
        &self,
        database: &str,
        table: &str,
        scope: StatisticsScope<'_>,
        entries: &[ColumnStatistics],
    ) -> Result<()> {
        statistics::put(&self.writer, database, table, scope, entries).await
    }

    async fn tables_with_column_statistics(&self, database: &str) -> Result<Vec<String>> {
        statistics::tables_with_statistics(&mut *self.read().await?, database).await
    }

    async fn delete_column_statistics(
        &self,
        database: &str,
        table: &str,
        scope: StatisticsScope<'_>,
        column: &str,
    ) -> Result<()> {
        statistics::delete(&self.writer, database, table, scope, column).await
    }

    async fn create_function(&self, database: &str, input: &FunctionInput) -> Result<Function> {
        functions::create(&self.writer, database, input).await
    }

    async fn get_function(&self, database: &str, name: &str) -> Result<Function> {
        functions::get(&mut *self.read().await?, database, name).await
    }

    async fn list_functions(
        &self,
        database: Option<&str>,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Page<Function, (String, String)>> {
        functions::list(&mut *self.read().await?, database, after, limit).await
    }

    async fn update_function(
        &self,
        database: &str,
        name: &str,
        input: &FunctionInput,
    ) -> Result<Function> {
        functions::update(&self.writer, database, name, input).await
    }

    async fn delete_function(&self, database: &str, name: &str) -> Result<()> {
        functions::delete(&self.writer, database, name).await
    }

    async fn ping(&self) -> Result<()> {
        let mut conn = self.read().await?;
        conn.ping().await?;
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let expected = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&mut *conn)
                .await?;
        // A newer server may have migrated further; an older schema is not ready.
        if applied.unwrap_or(0) < expected {
            return Err(Error::Backend(
                format!(
                    "the catalog database is at migration {}, this server needs {expected}",
                    applied.unwrap_or(0)
                )
                .into(),
            ));
        }
        Ok(())
    }

    async fn create_database(&self, input: &DatabaseInput, tags: &Tags) -> Result<Database> {
        let mut tx = self.writer.begin().await?;
        let database = databases::create_in(&mut tx, input).await?;
        if !tags.is_empty() {
            let object = Tagged::Database(database.name.clone());
            tags::tag_in(&mut tx, &object, tags).await?;
        }
        tx.commit().await?;
        Ok(database)
    }

    async fn get_database(&self, name: &str) -> Result<Database> {
        databases::get(&mut *self.read().await?, name).await
    }

    async fn list_databases(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Database, String>> {
        databases::list(&mut *self.read().await?, after, limit).await
    }

    async fn update_database(&self, name: &str, input: &DatabaseInput) -> Result<Database> {
        databases::update(&self.writer, name, input).await
    }

    async fn delete_database(&self, name: &str) -> Result<()> {
        databases::delete(&self.writer, name).await?;
        self.drop_unused_indexes().await;
        Ok(())
    }

    async fn modify_database(
        &self,
        name: &str,
        change: &crate::store::DatabaseChange<'_>,
    ) -> Result<Database> {
        databases::modify(&self.writer, name, change).await
    }

    async fn delete_empty_database(&self, name: &str) -> Result<()> {
        databases::delete_empty(&self.writer, name).await
    }

    async fn create_table(
        &self,
        database: &str,
        input: &TableInput,
        indexes: &[PartitionIndexInput],
    ) -> Result<Table> {
        let mut tx = self.writer.begin().await?;
        let table = tables::create_in(&mut tx, database, input).await?;
        for index in indexes {
            partition_indexes::create_in(&mut tx, database, &table.name, index).await?;
        }
        tx.commit().await?;
        if !indexes.is_empty() {
            // The planner chooses the new indexes only once it has statistics for them.
            self.analyze().await?;
        }
        Ok(table)
    }

    async fn rename_table(
        &self,
        database: &str,
        name: &str,
        new_database: &str,
        new_name: &str,
    ) -> Result<Table> {
        tables::rename(&self.writer, database, name, new_database, new_name).await
    }

    async fn rename_and_update_table(
        &self,
        database: &str,
        name: &str,
        new_database: &str,
        input: &TableInput,
        options: &UpdateTableOptions,
    ) -> Result<Table> {
        tables::rename_and_update(&self.writer, database, name, new_database, input, options).await
    }

    async fn get_table(&self, database: &str, name: &str) -> Result<Table> {
        let mut conn = self.read().await?;
        Ok(tables::fetch(&mut conn, database, name).await?.into_table())
    }

    async fn list_tables(
        &self,
        database: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Table, String>> {
        tables::list(&mut *self.read().await?, database, after, limit).await
    }

    async fn update_table(
        &self,
        database: &str,
        input: &TableInput,
        options: &UpdateTableOptions,
    ) -> Result<Table> {
        tables::update(&self.writer, database, input, options).await
    }

    async fn update_tables(&self, updates: &[TableUpdate]) -> Result<Vec<Table>> {
        tables::update_many(&self.writer, updates).await
    }

    async fn delete_table(&self, database: &str, name: &str) -> Result<()> {
        tables::delete(&self.writer, database, name).await?;
        self.drop_unused_indexes().await;
        Ok(())
    }

    async fn list_table_versions(
        &self,
        database: &str,
        table: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Page<TableVersion, i64>> {
        tables::list_versions(&mut *self.read().await?, database, table, before, limit).await
    }

    async fn get_table_version(
        &self,
        database: &str,
        table: &str,
        version: i64,
    ) -> Result<TableVersion> {
        tables::get_version(&mut *self.read().await?, database, table, version).await
    }

    async fn delete_table_versions(
        &self,
        database: &str,
        table: &str,
        versions: &[i64],
    ) -> Result<Vec<(i64, Error)>> {
        tables::delete_versions(&self.writer, database, table, versions).await
    }

    async fn create_partitions(
        &self,
        database: &str,
        table: &str,
        inputs: &[PartitionInput],
    ) -> Result<Vec<PartitionFailure>> {
        let failures = self
            .write_partition_batch(database, table, inputs, BatchMode::ReportFailures)
            .await?;
        self.note_partitions_written((inputs.len() - failures.len()) as u64)
            .await?;
        Ok(failures)
    }

    async fn create_all_partitions(
        &self,
        database: &str,
        table: &str,
        inputs: &[PartitionInput],
    ) -> Result<()> {
        self.write_partition_batch(database, table, inputs, BatchMode::AllOrNothing)
            .await?;
        self.note_partitions_written(inputs.len() as u64).await
    }

    async fn get_partition(
        &self,
        database: &str,
        table: &str,
        values: &[String],
    ) -> Result<Partition> {
        partitions::get(&mut *self.read().await?, database, table, values).await
    }

    async fn get_partitions(
        &self,
        database: &str,
        table: &str,
        values: &[Vec<String>],
    ) -> Result<Vec<Partition>> {
        partitions::get_many(&mut *self.read().await?, database, table, values).await
    }

    async fn list_partitions(
        &self,
        database: &str,
        table: &str,
        query: &PartitionQuery,
    ) -> Result<Page<EncodedPartition, i64>> {
        partitions::list(&mut *self.read().await?, database, table, query).await
    }

    async fn list_partition_values(
        &self,
        database: &str,
        table: &str,
        query: &PartitionQuery,
    ) -> Result<Page<Vec<String>, i64>> {
        partitions::list_values(&mut *self.read().await?, database, table, query).await
    }

    async fn update_partition(
        &self,
        database: &str,
        table: &str,
        values: &[String],
        input: &PartitionInput,
    ) -> Result<Partition> {
        partitions::update(&self.writer, database, table, values, input).await
    }

    async fn delete_partitions(
        &self,
        database: &str,
        table: &str,
        values: &[Vec<String>],
    ) -> Result<Vec<PartitionFailure>> {
        partitions::delete(&self.writer, database, table, values).await
    }

    async fn table_files(&self, database: &str, table: &str) -> Result<Option<TableFiles>> {
        files::read(&mut *self.read().await?, database, table).await
    }

    async fn record_generated_metadata(
        &self,
        database: &str,
        table: &str,
        identity: &str,
        location: &str,
    ) -> Result<bool> {
        files::record_generated_metadata(&self.writer, database, table, identity, location).await
    }

    async fn table_files_state(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Option<FileIndexState>> {
        files::state(&mut *self.read().await?, database, table).await
    }

    async fn apply_indexed_table_change(
        &self,
        database: &str,
        change: &TableChange,
        files: Option<&FileIndexChange>,
    ) -> Result<Option<Table>> {
        let mut tx = self.writer.begin().await?;
        let name = change.action.table_name();
        if matches!(
            change.action,
            TableAction::Update { .. } | TableAction::Keep { .. }
        ) {
            // Deleting first lets an update change the number of partition keys, which
            // the store allows only for a table without partitions.
            partitions::delete_in(&mut tx, database, name, &change.delete_partitions).await?;
        }
        let table = match &change.action {
            TableAction::Create(input) => Some(tables::create_in(&mut tx, database, input).await?),
            TableAction::Update { input, options } => {
                Some(tables::update_in(&mut tx, database, input, options).await?)
            }
            TableAction::Keep { name } => {
                Some(tables::fetch(&mut tx, database, name).await?.into_table())
            }
            TableAction::Delete { name } => {
                tables::delete_in(&mut tx, database, name).await?;
                None
            }
        };
        if table.is_some() {
            let (failures, written) = partitions::create_returning_ids_in(
                &mut tx,
                database,
                name,
                &change.put_partitions,
                partitions::OnExisting::Replace,
            )
            .await?;
            if let Some(failure) = failures.into_iter().next() {
                // Nothing is committed: the transaction rolls back when dropped.
                return Err(failure.error);
            }
            if let Some(crawled) = &change.statistics {
                statistics::write_crawled_in(&mut tx, database, name, crawled, &written).await?;
            }
            if let Some(files) = files {
                files::write_in(&mut tx, database, name, files).await?;
            }
        }
        tx.commit().await?;
        // The bookkeeping after the commit runs to its end in a task of its own: a crawl
        // that is stopped drops this future, and half-done statistics would leave the
        // planner with stale ones until the partition count doubles again.
        let store = self.clone();
        let deleted = table.is_none();
        let written = change.put_partitions.len() as u64;
        tokio::spawn(async move {
            if deleted {
                store.drop_unused_indexes().await;
            }
            store.note_partitions_written(written).await
        })
        .await
        .map_err(|e| Error::Backend(Box::new(e)))??;
        Ok(table)
    }

    async fn create_partition_index(
        &self,
        database: &str,
        table: &str,
        input: &PartitionIndexInput,
    ) -> Result<PartitionIndex> {
        let mut tx = self.writer.begin().await?;
        let index = partition_indexes::create_in(&mut tx, database, table, input).await?;
        tx.commit().await?;
        // The planner chooses the new index only once it has statistics for it.
        self.analyze().await?;
        Ok(index)
    }

    async fn list_partition_indexes(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Vec<PartitionIndex>> {
        partition_indexes::list(&mut *self.read().await?, database, table).await
    }

    async fn delete_partition_index(&self, database: &str, table: &str, name: &str) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        partition_indexes::delete_in(&mut tx, self.backend, database, table, name).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl CrawlerStore for SqlStore {
    async fn create_crawler(&self, input: &CrawlerInput, tags: &Tags) -> Result<Crawler> {
        let mut tx = self.writer.begin().await?;
        let crawler = crawlers::create_crawler_in(&mut tx, input).await?;
        if !tags.is_empty() {
            let object = Tagged::Crawler(crawler.definition.name.clone());
            tags::tag_in(&mut tx, &object, tags).await?;
        }
        tx.commit().await?;
        Ok(crawler)
    }

    async fn get_crawler(&self, name: &str) -> Result<Crawler> {
        crawlers::get_crawler(&mut *self.read().await?, name).await
    }

    async fn list_crawlers(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<Crawler, String>> {
        crawlers::list_crawlers(&mut *self.read().await?, after, limit).await
    }

    async fn update_crawler(
        &self,
        input: &CrawlerInput,
        expected_version: Option<i64>,
    ) -> Result<Crawler> {
        crawlers::update_crawler(&self.writer, input, expected_version).await
    }

    async fn delete_crawler(&self, name: &str) -> Result<()> {
        crawlers::delete_crawler(&self.writer, name).await
    }

    async fn set_webhook_secret(&self, name: &str, sha256: Option<&str>) -> Result<()> {
        crawlers::set_webhook_secret(&self.writer, name, sha256).await
    }

    async fn webhook_secret(&self, name: &str) -> Result<Option<String>> {
        crawlers::webhook_secret(&mut *self.read().await?, name).await
    }

    async fn start_crawl(&self, name: &str, runner: &CrawlRunner) -> Result<CrawlRun> {
        crawlers::start_crawl(&self.writer, name, runner).await
    }

    async fn running_crawl(&self, name: &str) -> Result<Option<RunningCrawl>> {
        crawlers::running_crawl(&mut *self.read().await?, name).await
    }

    async fn release_run(&self, name: &str, run_id: &str, reason: &str) -> Result<bool> {
        crawlers::release_run(&self.writer, name, run_id, reason).await
    }

    async fn release_abandoned(&self, name: &str, stale_after: Duration) -> Result<bool> {
        crawlers::release_abandoned(&self.writer, name, stale_after).await
    }

    async fn due_crawlers(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<(String, i64)>> {
        crawlers::due_crawlers(&mut *self.read().await?, now).await
    }

    async fn claim_scheduled(&self, name: &str, due: i64, next: Option<i64>) -> Result<bool> {
        crawlers::claim_scheduled(&self.writer, name, due, next).await
    }

    async fn abandoned_crawlers(
        &self,
        stale_after: Duration,
    ) -> Result<Vec<(String, crate::crawlers::CrawlerState)>> {
        crawlers::abandoned_crawlers(&mut *self.read().await?, stale_after).await
    }

    async fn request_stop(&self, name: &str) -> Result<()> {
        crawlers::request_stop(&self.writer, name).await
    }

    async fn save_run(&self, run: &CrawlRun) -> Result<()> {
        crawlers::save_run(&self.writer, run).await
    }

    async fn finish_crawl(&self, run: &CrawlRun) -> Result<()> {
        crawlers::finish_crawl(&self.writer, run).await
    }

    async fn last_crawl_of_table(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Option<crate::crawlers::TableCrawl>> {
        crawlers::last_crawl_of_table(&mut *self.read().await?, database, table).await
    }

    async fn get_run(&self, crawler: &str, id: &str) -> Result<CrawlRun> {
        crawlers::get_run(&mut *self.read().await?, crawler, id).await
    }

    async fn list_runs(
        &self,
        crawler: &str,
        before: Option<&RunCursor>,
        limit: usize,
    ) -> Result<Page<CrawlRunSummary, RunCursor>> {
        crawlers::list_runs(&mut *self.read().await?, crawler, before, limit).await
    }

    async fn create_classifier(&self, input: &ClassifierInput) -> Result<ClassifierRecord> {
        crawlers::create_classifier(&self.writer, input).await
    }

    async fn get_classifier(&self, name: &str) -> Result<ClassifierRecord> {
        crawlers::get_classifier(&mut *self.read().await?, name).await
    }

    async fn list_classifiers(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<ClassifierRecord, String>> {
        crawlers::list_classifiers(&mut *self.read().await?, after, limit).await
    }

    async fn update_classifier(&self, input: &ClassifierInput) -> Result<ClassifierRecord> {
        crawlers::update_classifier(&self.writer, input).await
    }

    async fn delete_classifier(&self, name: &str) -> Result<()> {
        crawlers::delete_classifier(&self.writer, name).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_choose_how_commits_reach_the_disk() {
        let cases = [
            (
                "sqlite://a.db?mode=rwc",
                "sqlite://a.db?mode=rwc",
                SqliteSynchronous::Normal,
            ),
            ("sqlite://a.db", "sqlite://a.db", SqliteSynchronous::Normal),
            (
                "sqlite://a.db?synchronous=full",
                "sqlite://a.db",
                SqliteSynchronous::Full,
            ),
            (
                "sqlite://a.db?mode=rwc&synchronous=FULL",
                "sqlite://a.db?mode=rwc",
                SqliteSynchronous::Full,
            ),
            (
                "sqlite://a.db?synchronous=normal&mode=rwc",
                "sqlite://a.db?mode=rwc",
                SqliteSynchronous::Normal,
            ),
        ];
        for (url, left, synchronous) in cases {
            assert_eq!(
                SqliteSynchronous::take_from_url(url).unwrap(),
                (left.to_string(), synchronous),
                "{url}"
            );
        }
        let error = SqliteSynchronous::take_from_url("sqlite://a.db?synchronous=off").unwrap_err();
        assert!(error.to_string().contains("normal or full"), "{error}");
    }

    #[tokio::test]
    async fn sqlite_connections_use_the_chosen_synchronous_setting() {
        let dir = tempfile::tempdir().unwrap();
        for (parameter, expected) in [("", 1), ("&synchronous=full", 2)] {
            let url = format!(
                "sqlite://{}/{expected}.db?mode=rwc{parameter}",
                dir.path().display()
            );
            let store = SqlStore::connect(&url, &StoreOptions::default())
                .await
                .unwrap();
            for pool in [&store.writer, &store.reader] {
                let level: i64 = sqlx::query_scalar("PRAGMA synchronous")
                    .fetch_one(pool)
                    .await
                    .unwrap();
                assert_eq!(level, expected, "{url}");
            }
            store.close().await;
        }
    }

    #[test]
    fn statistics_refreshes_double_their_spacing() {
        let mut schedule = StatisticsSchedule::default();
        let mut refreshed_at = Vec::new();
        for batch in 1..=700 {
            if schedule.record(1000) {
                refreshed_at.push(batch * 1000);
            }
        }
        assert_eq!(
            refreshed_at,
            [
                1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000
            ]
        );
    }

    #[test]
    fn a_reopened_store_refreshes_after_as_many_again_as_were_analyzed() {
        let mut schedule = StatisticsSchedule::after_analysis_of(1_000_000);
        let refreshed: Vec<u64> = (1..=3_000)
            .filter(|_| schedule.record(1000))
            .map(|batch| batch * 1000)
            .collect();
        // The table doubles (1M -> 2M), then doubles again (2M -> 4M).
        assert_eq!(refreshed, [1_000_000, 3_000_000]);
        // A table never analyzed (or empty) starts as a new one.
        let mut schedule = StatisticsSchedule::after_analysis_of(0);
        assert!(schedule.record(1000));
    }

    /// Committed pages reach the database file without a commit checkpointing them: the log
    /// stays below the writer's backstop, so only the background checkpoint copies them.
    #[tokio::test]
    async fn the_log_is_checkpointed_beside_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("catalog.db");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let store = SqlStore::connect(&url, &StoreOptions::default())
            .await
            .unwrap();
        let before = std::fs::metadata(&file).unwrap().len();
        let mut tx = store.writer.begin().await.unwrap();
        sqlx::query("CREATE TABLE filler (bytes TEXT)")
            .execute(&mut *tx)
            .await
            .unwrap();
        for _ in 0..200 {
            sqlx::query("INSERT INTO filler VALUES ($1)")
                .bind("x".repeat(4000))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = std::fs::metadata(&file).unwrap().len();
            if now > before + 200 * 4000 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the database file stayed at {now} bytes (was {before})"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        store.close().await;
    }

    #[tokio::test]
    async fn statistics_say_how_many_rows_were_analyzed() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/catalog.db?mode=rwc", dir.path().display());
        let store = SqlStore::connect(&url, &StoreOptions::default())
            .await
            .unwrap();
        assert_eq!(
            analyzed_partition_rows(&store.writer, Backend::Sqlite)
                .await
                .unwrap(),
            0
        );
        let catalog = crate::Catalog::new(std::sync::Arc::new(store.clone()));
        catalog
            .create_database(crate::DatabaseInput {
                name: "db".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let key = crate::Column {
            name: "k".into(),
            ..Default::default()
        };
        catalog
            .create_table(
                "db",
                crate::TableInput {
                    name: "t".into(),
                    partition_keys: vec![key],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let inputs: Vec<crate::PartitionInput> = (0..50)
            .map(|i| crate::PartitionInput {
                values: vec![i.to_string()],
                ..Default::default()
            })
            .collect();
        catalog.create_partitions("db", "t", &inputs).await.unwrap();
        store.analyze().await.unwrap();
        assert_eq!(
            analyzed_partition_rows(&store.writer, Backend::Sqlite)
                .await
                .unwrap(),
            50
        );
        store.close().await;
    }
}
