//! Partitions.
//!
//! A partition row keeps each value in its key's slot (`k{i}`, with its numeric value in
//! `n{i}`) so that filters and the key index work in SQL, and its identity in `values_key`
//! (see [`values_key`]) under a unique index.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe, Row};

use super::rows::{TableRow, encode, now_millis, time};
use super::tables;
use super::{Backend, map_unique};
use crate::encoded::EncodedPartition;
use crate::error::{Entity, Error, Result};
use crate::filter;
use crate::model::{HIVE_DEFAULT_PARTITION, Partition, PartitionInput};
use crate::store::{Page, PartitionFailure, PartitionQuery};
use crate::validate;

/// Most bind parameters per INSERT statement: a batch of 100 partitions with 16 keys (3,600
/// parameters) is one statement, one round trip (both databases allow far more).
const MAX_INSERT_PARAMETERS: usize = 4000;

/// Most bytes of partition bodies, keys and values per INSERT statement on PostgreSQL. sqlx
/// leaves Nagle's algorithm on and writes a TLS connection's records one `write` at a time,
/// so a statement longer than one TLS record (16 KiB; a batch of 100 partitions is about
/// 75 KiB) sent its later records only after PostgreSQL's delayed acknowledgement of the
/// first, 40 ms later: one writer loaded about 4,000 partitions/s over TLS and 15,000 without.
/// Statements that fit in one record cost a few more round trips and never wait.
const MAX_POSTGRES_STATEMENT_BYTES: usize = 12 * 1024;

/// Splits `sizes` (each row's bytes, in order) into statements of consecutive rows, each with
/// at most `max_rows` rows and `max_bytes` bytes, or a single row larger than that alone.
fn statement_lengths(sizes: &[usize], max_rows: usize, max_bytes: usize) -> Vec<usize> {
    let mut lengths = Vec::new();
    let (mut rows, mut bytes) = (0, 0);
    for &size in sizes {
        if rows > 0 && (rows == max_rows || bytes + size > max_bytes) {
            lengths.push(rows);
            (rows, bytes) = (0, 0);
        }
        rows += 1;
        bytes += size;
    }
    if rows > 0 {
        lengths.push(rows);
    }
    lengths
}

/// The `n`th bind placeholder of an INSERT: `$n` on PostgreSQL; on SQLite an anonymous `?`,
/// bound in order. sqlx-sqlite looks each numbered parameter up by name, which SQLite
/// answers with a linear scan, so binding grew with the square of the parameter count (a
/// tenth of a partition load's writer time with 400 a statement); anonymous ones need none.
fn placeholder(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Postgres => format!("${n}"),
        Backend::Sqlite => "?".to_string(),
    }
}

/// Longest values key written as the values themselves; longer ones are digests.
const MAX_PLAIN_VALUES_KEY_BYTES: usize = 200;

/// Begins a values key that is a digest.
const DIGEST_MARK: char = '\u{1}';

/// The identity of a partition within its table, under a unique index: the values joined
/// by U+001F when that is at most [`MAX_PLAIN_VALUES_KEY_BYTES`] bytes, else U+0001 and the
/// SHA-256 (hex) of the values joined by NUL. Validation refuses control characters in
/// values, and a key with other values falls back to the digest, so neither form can stand
/// for two value lists. Plain keys follow the values' order, so partitions loaded in order
/// (hour after hour) go to neighbouring index pages; digest keys sent each insert to a
/// random page, which every commit wrote to SQLite's log again (a 300,000-partition load ran
/// 1.6x faster on SQLite with plain keys). Migration 20261209000000 moved stored keys to
/// this form; its SQL computes the same keys and must stay in step with this function.
pub(super) fn values_key(values: &[String]) -> String {
    let plain_bytes =
        values.iter().map(String::len).sum::<usize>() + values.len().saturating_sub(1);
    let plain = plain_bytes <= MAX_PLAIN_VALUES_KEY_BYTES
        && !values
            .iter()
            .any(|value| value.contains([VALUE_SEPARATOR, DIGEST_MARK]));
    if plain {
        let mut key = String::with_capacity(plain_bytes);
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                key.push(VALUE_SEPARATOR);
            }
            key.push_str(value);
        }
        return key;
    }
    let mut hasher = Sha256::new();
    for value in values {
        hasher.update(value.as_bytes());
        hasher.update([0u8]);
    }
    let mut key = String::with_capacity(65);
    key.push(DIGEST_MARK);
    key.push_str(&crate::digest::hex(&hasher.finalize()));
    key
}

fn qualified(database: &str, table: &str, values: &[String]) -> String {
    format!("{database}.{table} ({})", values.join(", "))
}

/// Binds one partition's slot values: `k0..k{n-1}`, then `n0..n{n-1}`, for the first
/// `slots` keys. Unused slots stay NULL.
fn bind_slots<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    values: &[String],
    slots: usize,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for i in 0..slots {
        let raw = values
            .get(i)
            .filter(|v| v.as_str() != HIVE_DEFAULT_PARTITION)
            .cloned();
        query = query.bind(raw);
    }
    for i in 0..slots {
        let numeric = values
            .get(i)
            .and_then(|v| filter::numeric_value(v))
            .map(str::to_string);
        query = query.bind(numeric);
    }
    query
}

/// `k0, ..., k{slots-1}, n0, ..., n{slots-1}`.
fn slot_columns(slots: usize) -> String {
    let k = (0..slots).map(|i| format!("k{i}"));
    let n = (0..slots).map(|i| format!("n{i}"));
    k.chain(n).collect::<Vec<_>>().join(", ")
}

/// Placeholders for one row's slots, starting at the `first`; numeric slots are cast.
fn slot_placeholders(backend: Backend, first: usize, slots: usize) -> String {
    let k = (0..slots).map(|i| placeholder(backend, first + i));
    let n = (0..slots).map(|i| {
        format!(
            "CAST({} AS NUMERIC)",
            placeholder(backend, first + slots + i)
        )
    });
    k.chain(n).collect::<Vec<_>>().join(", ")
}

/// Bind parameters per inserted row for a table with `slots` partition keys.
fn parameters_per_row(slots: usize) -> usize {
    4 + 2 * slots
}

/// An INSERT of `rows` partitions whose parameters are bound row after row, in column order.
fn insert_sql(backend: Backend, rows: usize, slots: usize, on_existing: OnExisting) -> String {
    let per_row = parameters_per_row(slots);
    let mut columns = String::from("table_id, values_key, body, create_time");
    if slots > 0 {
        columns.push_str(", ");
        columns.push_str(&slot_columns(slots));
    }
    let mut sql = format!("INSERT INTO partitions ({columns}) VALUES ");
    for row in 0..rows {
        let first = row * per_row + 1;
        if row > 0 {
            sql.push_str(", ");
        }
        let _ = write!(
            sql,
            "({}, {}, {}, {}",
            placeholder(backend, first),
            placeholder(backend, first + 1),
            placeholder(backend, first + 2),
            placeholder(backend, first + 3)
        );
        if slots > 0 {
            let _ = write!(sql, ", {}", slot_placeholders(backend, first + 4, slots));
        }
        sql.push(')');
    }
    sql.push_str(match on_existing {
        OnExisting::Fail => " ON CONFLICT (table_id, values_key) DO NOTHING",
        // The slots derive from the values, which are the same for the same values_key.
        OnExisting::Replace => {
            " ON CONFLICT (table_id, values_key) DO UPDATE SET body = excluded.body"
        }
    });
    sql.push_str(" RETURNING id, values_key");
    sql
}

/// The columns a partition is rebuilt from.
const PARTITION_COLUMNS: &str = "id, body, create_time";

/// A partition from a row read with [`PARTITION_COLUMNS`]. The body is the partition's
/// [`PartitionInput`] as JSON (what [`EncodedPartition::definition_json`] promises).
fn partition_from(row: &AnyRow, table: &TableRow) -> Result<Partition> {
    EncodedPartition::new(row.try_get(1)?, time(row.try_get(2)?))
        .decode(&table.database_name, &table.input.name)
}

/// What creating a partition that exists does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OnExisting {
    /// Report it as a failure and leave the existing one.
    Fail,
    /// Replace its definition (the crawler's writes, which must converge when re-run).
    Replace,
}

/// Creates partitions in one transaction of their own (see [`write_batch`] for the modes).
/// On SQLite the store sends batches through its group writer instead
/// (`super::group_commit`), which shares one transaction among waiting batches.
pub(super) async fn create(
    pool: &AnyPool,
    database: &str,
    table: &str,
    inputs: &[PartitionInput],
    mode: BatchMode,
) -> Result<Vec<PartitionFailure>> {
    // Checking, keying and encoding need no table, so they happen before the transaction.
    let prepared = prepare(inputs, mode)?;
    let mut tx = pool.begin().await?;
    // On failure, dropping the transaction rolls back what the batch wrote.
    let failures = write_batch(&mut tx, database, table, prepared, mode).await?;
    tx.commit().await?;
    Ok(failures)
}

/// What writing a batch does with partitions that cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BatchMode {
    /// Write the others and report each refused or existing partition (Glue's
    /// BatchCreatePartition).
    ReportFailures,
    /// All or none: the first failure is the batch's error (Hive's add_partitions).
    AllOrNothing,
}

/// Writes a prepared batch inside the caller's transaction. In [`BatchMode::AllOrNothing`]
/// the first failure is the error; on any error the caller must roll back what the batch
/// wrote (drop the transaction, or roll back to a savepoint taken before).
pub(super) async fn write_batch(
    tx: &mut AnyConnection,
    database: &str,
    table: &str,
    prepared: Vec<PreparedPartition>,
    mode: BatchMode,
) -> Result<Vec<PartitionFailure>> {
    let (failures, _) = insert_prepared(tx, database, table, prepared, OnExisting::Fail).await?;
    match mode {
        BatchMode::ReportFailures => Ok(failures),
        BatchMode::AllOrNothing => match failures.into_iter().next() {
            Some(failure) => Err(failure.error),
            None => Ok(Vec::new()),
        },
    }
}

/// Creates partitions inside the caller's transaction, and says the row id of each written,
/// by values key (what the crawler's statistics of those partitions need).
pub(super) async fn create_returning_ids_in(
    tx: &mut AnyConnection,
    database: &str,
    table: &str,
    inputs: &[PartitionInput],
    on_existing: OnExisting,
) -> Result<(Vec<PartitionFailure>, HashMap<String, i64>)> {
    let prepared = prepare(inputs, BatchMode::ReportFailures)?;
    insert_prepared(tx, database, table, prepared, on_existing).await
}

/// A batch input made ready for writing, owning what the writing needs (so that it can wait
/// for SQLite's group writer after the request that sent it is gone).
#[derive(Debug)]
pub(super) struct PreparedPartition {
    values: Vec<String>,
    /// Its values key and encoded body, or why it cannot be written (all checks but its
    /// number of values, which needs the table).
    ready: Result<(String, String)>,
}

/// Checks, keys and encodes a batch's inputs, in order; a repeated partition is refused. In
/// [`BatchMode::AllOrNothing`] the first refused input is the error, before any transaction
/// takes SQLite's one writer.
pub(super) fn prepare(
    inputs: &[PartitionInput],
    mode: BatchMode,
) -> Result<Vec<PreparedPartition>> {
    let mut seen = HashSet::new();
    let mut prepared = Vec::with_capacity(inputs.len());
    for input in inputs {
        let checked = validate::partition_input(input, input.values.len()).and_then(|()| {
            let key = values_key(&input.values);
            if seen.insert(key.clone()) {
                Ok(key)
            } else {
                Err(Error::invalid(
                    "the batch holds these partition values twice",
                ))
            }
        });
        let ready = match checked {
            Ok(key) => Ok((key, encode(input)?)),
            Err(error) if mode == BatchMode::AllOrNothing => return Err(error),
            Err(error) => Err(error),
        };
        prepared.push(PreparedPartition {
            values: input.values.clone(),
            ready,
        });
    }
    Ok(prepared)
}

/// The database behind a connection.
fn backend_of(conn: &AnyConnection) -> Backend {
    if conn.backend_name() == "PostgreSQL" {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// Writes prepared inputs inside the caller's transaction; see [`create_returning_ids_in`].
async fn insert_prepared(
    tx: &mut AnyConnection,
    database: &str,
    table: &str,
    prepared: Vec<PreparedPartition>,
    on_existing: OnExisting,
) -> Result<(Vec<PartitionFailure>, HashMap<String, i64>)> {
    let table_row = tables::fetch(tx, database, table).await?;
    let key_count = table_row.input.partition_keys.len();
    let mut failures = Vec::new();
    let mut rows = Vec::with_capacity(prepared.len());
    for PreparedPartition { values, ready } in prepared {
        let checked = validate::partition_values("values", &values, key_count).and(ready);
        match checked {
            Ok((key, body)) => rows.push((key, body, values)),
            Err(error) => failures.push(PartitionFailure { values, error }),
        }
    }
    let now = now_millis();
    let mut ids = HashMap::with_capacity(rows.len());
    let backend = backend_of(tx);
    let max_rows = (MAX_INSERT_PARAMETERS / parameters_per_row(key_count)).max(1);
    let max_bytes = match backend {
        Backend::Postgres => MAX_POSTGRES_STATEMENT_BYTES,
        Backend::Sqlite => usize::MAX,
    };
    let sizes: Vec<usize> = rows
        .iter()
        .map(|(key, body, values)| {
            key.len() + body.len() + 2 * values.iter().map(String::len).sum::<usize>()
        })
        .collect();
    let mut rest = rows.as_mut_slice();
    for length in statement_lengths(&sizes, max_rows, max_bytes) {
        let (chunk, after) = rest.split_at_mut(length);
        rest = after;
        let sql = insert_sql(backend, chunk.len(), key_count, on_existing);
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (key, body, values) in chunk.iter_mut() {
            query = query
                .bind(table_row.id)
                .bind(key.clone())
                .bind(std::mem::take(body))
                .bind(now);
            query = bind_slots(query, values, key_count);
        }
        for row in query.fetch_all(&mut *tx).await? {
            ids.insert(row.try_get::<String, _>("values_key")?, row.try_get("id")?);
        }
        for (key, _, values) in chunk.iter_mut() {
            if !ids.contains_key(key) {
                let error =
                    Error::already_exists(Entity::Partition, qualified(database, table, values));
                failures.push(PartitionFailure {
                    values: std::mem::take(values),
                    error,
                });
            }
        }
    }
    Ok((failures, ids))
}

pub(super) async fn get(
    conn: &mut AnyConnection,
    database: &str,
    table: &str,
    values: &[String],
) -> Result<Partition> {
    let table_row = tables::fetch(conn, database, table).await?;
    validate::partition_values("values", values, table_row.input.partition_keys.len())?;
    let sql = format!(
        "SELECT {PARTITION_COLUMNS} FROM partitions WHERE table_id = $1 AND values_key = $2"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(table_row.id)
        .bind(values_key(values))
        .fetch_optional(conn)
        .await?;
    match row {
        Some(row) => partition_from(&row, &table_row),
        None => Err(Error::not_found(
            Entity::Partition,
            qualified(database, table, values),
        )),
    }
}

/// The row id of the partition of `table_row` with `values`; not found when it has none.
pub(super) async fn id_of(
    conn: &mut AnyConnection,
    table_row: &TableRow,
    values: &[String],
) -> Result<i64> {
    validate::partition_values("values", values, table_row.input.partition_keys.len())?;
    let row = sqlx::query("SELECT id FROM partitions WHERE table_id = $1 AND values_key = $2")
        .bind(table_row.id)
        .bind(values_key(values))
        .fetch_optional(conn)
        .await?;
    match row {
        Some(row) => Ok(row.try_get("id")?),
        None => Err(Error::not_found(
            Entity::Partition,
            qualified(&table_row.database_name, &table_row.input.name, values),
        )),
    }
}

/// Most partitions looked up by one statement of [`get_many`]: few enough bind parameters
/// that sqlx-sqlite's per-parameter lookup stays cheap (see [`placeholder`]).
pub(super) const MAX_LOOKUPS_PER_STATEMENT: usize = 200;

/// The row ids of the partitions of `table_row` with the given values, in order; a
/// partition that does not exist is not found. One statement per
/// [`MAX_LOOKUPS_PER_STATEMENT`] partitions.
pub(super) async fn ids_of(
    conn: &mut AnyConnection,
    table_row: &TableRow,
    values: &[&[String]],
) -> Result<Vec<i64>> {
    let key_count = table_row.input.partition_keys.len();
    let mut keys = Vec::with_capacity(values.len());
    for wanted in values {
        validate::partition_values("values", wanted, key_count)?;
        keys.push(values_key(wanted));
    }
    let mut found = std::collections::HashMap::with_capacity(keys.len());
    for row in rows_by_key(conn, table_row, "id", &keys).await? {
        let key: String = row.try_get("values_key")?;
        found.insert(key, row.try_get::<i64, _>("id")?);
    }
    keys.iter()
        .zip(values)
        .map(|(key, wanted)| {
            found.get(key).copied().ok_or_else(|| {
                Error::not_found(
                    Entity::Partition,
                    qualified(&table_row.database_name, &table_row.input.name, wanted),
                )
            })
        })
        .collect()
}

/// Reads the partitions with the given values that exist, in the order asked for; the
/// missing ones are left out. One statement per [`MAX_LOOKUPS_PER_STATEMENT`] lookups.
pub(super) async fn get_many(
    conn: &mut AnyConnection,
    database: &str,
    table: &str,
    values: &[Vec<String>],
) -> Result<Vec<Partition>> {
    let table_row = tables::fetch(conn, database, table).await?;
    let key_count = table_row.input.partition_keys.len();
    let mut keys = Vec::with_capacity(values.len());
    for (i, wanted) in values.iter().enumerate() {
        validate::partition_values(&format!("values[{i}]"), wanted, key_count)?;
        keys.push(values_key(wanted));
    }
    let mut found = std::collections::HashMap::with_capacity(keys.len());
    for row in rows_by_key(conn, &table_row, PARTITION_COLUMNS, &keys).await? {
        let key: String = row.try_get("values_key")?;
        found.insert(key, partition_from(&row, &table_row)?);
    }
    Ok(keys.iter().filter_map(|key| found.remove(key)).collect())
}

/// The `columns` (a fixed fragment) and `values_key` of the partitions of `table_row` with
/// the given keys that exist, one statement per [`MAX_LOOKUPS_PER_STATEMENT`] keys.
async fn rows_by_key(
    conn: &mut AnyConnection,
    table_row: &TableRow,
    columns: &str,
    keys: &[String],
) -> Result<Vec<AnyRow>> {
    let mut rows = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(MAX_LOOKUPS_PER_STATEMENT) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT {columns}, values_key FROM partitions \
             WHERE table_id = $1 AND values_key IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(table_row.id);
        for key in chunk {
            query = query.bind(key.clone());
        }
        rows.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(rows)
}

/// A partition listing statement and its parameters.
///
/// A filtered listing chooses the page's ids first, over index entries alone, and reads
/// the rows of those ids only: `SELECT .. WHERE id IN (SELECT id .. AND (filter) ORDER BY
/// id LIMIT n)`. The inner query needs nothing but the table id, the id and the first four
/// key slots, which `partitions_by_table_slots` holds in id order; so a filter that cannot
/// seek an index (no leading keys: `day LIKE '2022-09-2%' AND bucket = 7`) is evaluated
/// over those entries, a few dozen bytes each, instead of over whole rows with their
/// bodies, until the page is full (PostgreSQL: an index-only scan). A filter that can seek
/// an index (leading keys of `partitions_by_keys`, a partition index) is still answered
/// from that index and its matches sorted by id: the planner picks by its statistics, which
/// the store keeps fresh. Without a filter, the rows are read in id order directly.
///
/// On SQLite the cursor is written `likelihood(id > $2, 0.99)`: with sampled statistics
/// (STAT4) SQLite estimates the index's range from samples (every partition of the table)
/// but guesses a quarter of the rows for the same range on the row ids, and so walked the
/// rows instead of the index (as slow as before). Saying the cursor leaves nearly every row
/// puts both on the same footing; PostgreSQL estimates both from its statistics.
struct ListingQuery {
    sql: String,
    integers: Vec<i64>,
    texts: Vec<String>,
}

impl ListingQuery {
    /// Builds the listing of `table_row`'s partitions that `query` asks for, reading
    /// `columns` (a fixed fragment, `id` first). The integer parameters (table, cursor,
    /// segment) come first, then the filter's, then the limit.
    fn new(
        backend: Backend,
        table_row: &TableRow,
        query: &PartitionQuery,
        columns: &str,
    ) -> Result<ListingQuery> {
        let cursor = match (backend, &query.expression) {
            (Backend::Sqlite, Some(_)) => "likelihood(id > $2, 0.99)",
            _ => "id > $2",
        };
        let mut conditions = format!("table_id = $1 AND {cursor}");
        let mut integers = vec![table_row.id, query.after.unwrap_or(0)];
        if let Some(segment) = query.segment {
            conditions.push_str(" AND id % $3 = $4");
            integers.extend([i64::from(segment.total), i64::from(segment.number)]);
        }
        let mut next_placeholder = integers.len() + 1;
        let mut texts = Vec::new();
        let sql = match &query.expression {
            None => format!(
                "SELECT {columns} FROM partitions WHERE {conditions} \
                 ORDER BY id LIMIT ${next_placeholder}"
            ),
            Some(expression) => {
                let compiled = filter::compile(
                    expression,
                    &table_row.input.partition_keys,
                    next_placeholder,
                )
                .map_err(|e| Error::invalid(format!("expression: {e}")))?;
                next_placeholder += compiled.binds.len();
                texts = compiled.binds;
                format!(
                    "SELECT {columns} FROM partitions WHERE id IN (\
                     SELECT id FROM partitions WHERE {conditions} AND ({}) \
                     ORDER BY id LIMIT ${next_placeholder}) ORDER BY id",
                    compiled.sql
                )
            }
        };
        Ok(ListingQuery {
            sql,
            integers,
            texts,
        })
    }

    /// The statement with its parameters bound; `prefix` goes before the SQL (`EXPLAIN`).
    fn bind(
        &self,
        prefix: &str,
        limit: usize,
    ) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        self.bind_to(&format!("{prefix}{}", self.sql), limit)
    }

    /// `sql`, a statement around this listing's (with the same placeholders), with the
    /// listing's parameters bound.
    fn bind_to(
        &self,
        sql: &str,
        limit: usize,
    ) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        let mut statement = sqlx::query(AssertSqlSafe(sql.to_string()));
        for value in &self.integers {
            statement = statement.bind(*value);
        }
        for value in &self.texts {
            statement = statement.bind(value.clone());
        }
        statement.bind(limit as i64 + 1)
    }
}

/// Separates the partitions of a page read as one text (see [`page_text`]): a line feed,
/// which no stored body holds (compact JSON escapes it inside strings and writes none
/// outside) and no partition value may hold.
const PAGE_ROW_SEPARATOR: char = '\n';

/// Separates a partition's values in a plain values key ([`values_key`]) and in a page of
/// values read as one text: the unit separator, a control character, which partition values
/// may not hold.
const VALUE_SEPARATOR: char = '\u{1f}';

/// Stands for a NULL key slot (Hive's default partition) in a page of values read as one
/// text: the record separator, which no value may hold.
const NULL_VALUE: char = '\u{1e}';

/// Reads the partitions `listing` selects as one text: `record`, an SQL expression over the
/// listing's columns that starts with the id and a comma, for each, joined by
/// [`PAGE_ROW_SEPARATOR`] in id order; one record per partition, none for an empty page.
///
/// A thousand rows cost more to read than to write out: sqlx-sqlite hands every row from its
/// worker thread to the caller's task over a channel (a wake-up each) and copies each value
/// under SQLite's allocator lock; PostgreSQL's driver decodes each row's message. One row
/// of text holding the page avoids both.
async fn page_text(
    conn: &mut AnyConnection,
    listing: &ListingQuery,
    record: &str,
    limit: usize,
) -> Result<String> {
    let sql = format!(
        "SELECT string_agg({record}, '{PAGE_ROW_SEPARATOR}' ORDER BY id) FROM ({}) AS page",
        listing.sql
    );
    let text: Option<String> = listing
        .bind_to(&sql, limit)
        .fetch_one(conn)
        .await?
        .try_get(0)?;
    Ok(text.unwrap_or_default())
}

/// The records of a page read by [`page_text`], each split into its id and the rest.
fn page_records(text: &str) -> impl Iterator<Item = Result<(i64, &str)>> {
    text.split(PAGE_ROW_SEPARATOR)
        .filter(|record| !record.is_empty())
        .map(leading_number)
}

/// Splits `number,rest` of a page's record into the number and the rest.
fn leading_number(text: &str) -> Result<(i64, &str)> {
    let unreadable =
        || Error::Backend(format!("a listed partition is unreadable: {text:.80}").into());
    let (number, rest) = text.split_once(',').ok_or_else(unreadable)?;
    Ok((number.parse().map_err(|_| unreadable())?, rest))
}

/// Lists a page of partitions, their bodies left encoded, read as one text of
/// `id,create_time,body` records.
pub(super) async fn list(
    conn: &mut AnyConnection,
    database: &str,
    table: &str,
    query: &PartitionQuery,
) -> Result<Page<EncodedPartition, i64>> {
    let table_row = tables::fetch(conn, database, table).await?;
    let listing = ListingQuery::new(backend_of(conn), &table_row, query, PARTITION_COLUMNS)?;
    let record = "CAST(id AS TEXT) || ',' || CAST(create_time AS TEXT) || ',' || body";
    let text = page_text(conn, &listing, record, query.limit).await?;
    let mut partitions = Vec::with_capacity(query.limit + 1);
    for record in page_records(&text) {
        let (id, rest) = record?;
        let (create_time, body) = leading_number(rest)?;
        partitions.push((
            id,
            EncodedPartition::new(body.to_string(), time(create_time)),
        ));
    }
    let page = Page::from_overfetch(partitions, query.limit, |(id, _)| *id);
    Ok(Page {
        items: page.items.into_iter().map(|(_, p)| p).collect(),
        next: page.next,
    })
}

/// Lists only the values of the partitions `query` selects (in the same order and pages as
/// [`list`]), read from the key slots: no body is read or decoded, which is what listing
/// partition names needs. A NULL slot is Hive's default partition.
pub(super) async fn list_values(
    conn: &mut AnyConnection,
    database: &str,
    table: &str,
    query: &PartitionQuery,
) -> Result<Page<Vec<String>, i64>> {
    let table_row = tables::fetch(conn, database, table).await?;
    let key_count = table_row.input.partition_keys.len();
    let mut columns = String::from("id");
    let mut record = String::from("CAST(id AS TEXT) || ','");
    for i in 0..key_count {
        let _ = write!(columns, ", k{i}");
        if i > 0 {
            let _ = write!(record, " || '{VALUE_SEPARATOR}'");
        }
        let _ = write!(record, " || COALESCE(k{i}, '{NULL_VALUE}')");
    }
    let listing = ListingQuery::new(backend_of(conn), &table_row, query, &columns)?;
    let text = page_text(conn, &listing, &record, query.limit).await?;
    let mut found = Vec::with_capacity(query.limit + 1);
    for record in page_records(&text) {
        let (id, rest) = record?;
        let values: Vec<String> = if key_count == 0 {
            Vec::new()
        } else {
            rest.split(VALUE_SEPARATOR)
                .map(|value| match value.strip_prefix(NULL_VALUE) {
                    Some("") => HIVE_DEFAULT_PARTITION.to_string(),
                    _ => value.to_string(),
                })
                .collect()
        };
        found.push((id, values));
    }
    let page = Page::from_overfetch(found, query.limit, |(id, _)| *id);
    Ok(Page {
        items: page.items.into_iter().map(|(_, values)| values).collect(),
        next: page.next,
    })
}

/// The database's plan for a listing, one line per plan step.
pub(super) async fn explain(
    conn: &mut AnyConnection,
    backend: Backend,
    database: &str,
    table: &str,
    query: &PartitionQuery,
) -> Result<String> {
    let table_row = tables::fetch(conn, database, table).await?;
    let listing = ListingQuery::new(backend, &table_row, query, PARTITION_COLUMNS)?;
    // SQLite's EXPLAIN QUERY PLAN puts the step in its fourth column; PostgreSQL's EXPLAIN
    // returns one text column.
    let (prefix, column) = match backend {
        Backend::Sqlite => ("EXPLAIN QUERY PLAN ", 3),
        Backend::Postgres => ("EXPLAIN ", 0),
    };
    let rows = listing.bind(prefix, query.limit).fetch_all(conn).await?;
    let steps = rows
        .iter()
        .map(|row| row.try_get::<String, _>(column))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(steps.join("\n"))
}

pub(super) async fn update(
    pool: &AnyPool,
    database: &str,
    table: &str,
    values: &[String],
    input: &PartitionInput,
) -> Result<Partition> {
    let mut tx = pool.begin().await?;
    let table_row = tables::fetch(&mut tx, database, table).await?;
    let key_count = table_row.input.partition_keys.len();
    validate::partition_values("values", values, key_count)?;
    validate::partition_input(input, key_count)?;
    // Slots beyond the key count are NULL in every row of the table (the number of keys
    // cannot change while it has partitions), so only the used slots are assigned.
    let mut assignments = String::from("values_key = $1, body = $2");
    for i in 0..key_count {
        let _ = write!(assignments, ", k{i} = ${}", 3 + i);
    }
    for i in 0..key_count {
        let _ = write!(
            assignments,
            ", n{i} = CAST(${} AS NUMERIC)",
            3 + key_count + i
        );
    }
    let last = 3 + 2 * key_count;
    let sql = format!(
        "UPDATE partitions SET {assignments} WHERE table_id = ${last} AND values_key = ${} \
         RETURNING {PARTITION_COLUMNS}",
        last + 1
    );
    let query = sqlx::query(AssertSqlSafe(sql))
        .bind(values_key(&input.values))
        .bind(encode(input)?);
    let row = bind_slots(query, &input.values, key_count)
        .bind(table_row.id)
        .bind(values_key(values))
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| {
            map_unique(
                e,
                Entity::Partition,
                &qualified(database, table, &input.values),
            )
        })?;
    let Some(row) = row else {
        return Err(Error::not_found(
            Entity::Partition,
            qualified(database, table, values),
        ));
    };
    let partition = partition_from(&row, &table_row)?;
    tx.commit().await?;
    Ok(partition)
}

pub(super) async fn delete(
    pool: &AnyPool,
    database: &str,
    table: &str,
    values_list: &[Vec<String>],
) -> Result<Vec<PartitionFailure>> {
    let mut tx = pool.begin().await?;
    let failures = delete_in(&mut tx, database, table, values_list).await?;
    tx.commit().await?;
    Ok(failures)
}

/// Deletes partitions inside the caller's transaction.
pub(super) async fn delete_in(
    tx: &mut AnyConnection,
    database: &str,
    table: &str,
    values_list: &[Vec<String>],
) -> Result<Vec<PartitionFailure>> {
    let table_row = tables::fetch(tx, database, table).await?;
    let key_count = table_row.input.partition_keys.len();
    let mut failures = Vec::new();
    for values in values_list {
        if let Err(error) = validate::partition_values("values", values, key_count) {
            failures.push(PartitionFailure {
                values: values.clone(),
                error,
            });
            continue;
        }
        let deleted = sqlx::query("DELETE FROM partitions WHERE table_id = $1 AND values_key = $2")
            .bind(table_row.id)
            .bind(values_key(values))
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            failures.push(PartitionFailure {
                values: values.clone(),
                error: Error::not_found(Entity::Partition, qualified(database, table, values)),
            });
        }
    }
    Ok(failures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keys_are_the_values_in_order_or_a_marked_digest() {
        let strings = |values: &[&str]| values.iter().map(|v| v.to_string()).collect::<Vec<_>>();
        let long = "x".repeat(199);
        let cases: [(&[&str], Option<&str>); 6] = [
            (&["2024", "01"], Some("2024\u{1f}01")),
            (&["one"], Some("one")),
            (&[long.as_str()], Some(long.as_str())),
            // Past 200 bytes, or holding either mark: a digest.
            (&[long.as_str(), "y"], None),
            (&["a\u{1f}b"], None),
            (&["\u{1}a"], None),
        ];
        for (values, plain) in cases {
            let key = values_key(&strings(values));
            match plain {
                Some(plain) => assert_eq!(key, plain, "{values:?}"),
                None => {
                    assert!(key.starts_with(DIGEST_MARK), "{values:?}: {key:?}");
                    assert_eq!(key.len(), 65, "{values:?}");
                }
            }
        }
        // Values holding a separator cannot pass for other values.
        assert_ne!(
            values_key(&strings(&["a\u{1f}b"])),
            values_key(&strings(&["a", "b"]))
        );
        assert_ne!(
            values_key(&strings(&["ab", ""])),
            values_key(&strings(&["a", "b"]))
        );
    }

    #[test]
    fn statements_hold_at_most_so_many_rows_and_bytes() {
        let cases: [(&[usize], usize, usize, &[usize]); 6] = [
            (&[], 10, 100, &[]),
            (&[10, 10, 10], 10, 100, &[3]),
            (&[10, 10, 10], 2, 100, &[2, 1]),
            (&[40, 40, 40, 40], 10, 100, &[2, 2]),
            (&[150, 10, 150], 10, 100, &[1, 1, 1]),
            (&[50, 50, 1], 10, 100, &[2, 1]),
        ];
        for (sizes, max_rows, max_bytes, expected) in cases {
            assert_eq!(
                statement_lengths(sizes, max_rows, max_bytes),
                expected,
                "{sizes:?} {max_rows} {max_bytes}"
            );
        }
    }

    #[test]
    fn inserts_bind_by_position_on_each_database() {
        let columns = "INSERT INTO partitions (table_id, values_key, body, create_time, k0, n0)";
        let cases = [
            (
                Backend::Sqlite,
                OnExisting::Fail,
                format!(
                    "{columns} VALUES (?, ?, ?, ?, ?, CAST(? AS NUMERIC)), \
                     (?, ?, ?, ?, ?, CAST(? AS NUMERIC)) \
                     ON CONFLICT (table_id, values_key) DO NOTHING RETURNING id, values_key"
                ),
            ),
            (
                Backend::Postgres,
                OnExisting::Replace,
                format!(
                    "{columns} VALUES ($1, $2, $3, $4, $5, CAST($6 AS NUMERIC)), \
                     ($7, $8, $9, $10, $11, CAST($12 AS NUMERIC)) \
                     ON CONFLICT (table_id, values_key) DO UPDATE SET body = excluded.body \
                     RETURNING id, values_key"
                ),
            ),
        ];
        for (backend, on_existing, expected) in cases {
            assert_eq!(
                insert_sql(backend, 2, 1, on_existing),
                expected,
                "{backend:?}"
            );
        }
    }
}
