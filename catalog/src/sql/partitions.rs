//! Partitions.
//!
//! A partition row keeps each value in its key's slot (`k{i}`, with its numeric value in
//! `n{i}`) so that filters and the key index work in SQL, and its identity in `values_key`,
//! a digest of the values under a unique index.

use std::collections::HashSet;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe, Row};

use super::map_unique;
use super::rows::{TableRow, decode, encode, now_millis, time};
use super::tables;
use crate::error::{Entity, Error, Result};
use crate::filter;
use crate::model::{
    HIVE_DEFAULT_PARTITION, Parameters, Partition, PartitionInput, StorageDescriptor,
};
use crate::store::{Page, PartitionFailure, PartitionQuery};
use crate::validate::{self, MAX_PARTITION_KEYS};

/// Rows per INSERT statement: large enough to amortize round trips, small enough to stay far
/// below SQLite's limit on bind parameters (each row binds 36 values).
const INSERT_CHUNK: usize = 100;

/// What a partition row keeps as JSON.
#[derive(Debug, Serialize, Deserialize)]
struct PartitionBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    storage_descriptor: Option<StorageDescriptor>,
    #[serde(default)]
    parameters: Parameters,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_access_time: Option<DateTime<Utc>>,
}

impl PartitionBody {
    fn of(input: &PartitionInput) -> Self {
        PartitionBody {
            storage_descriptor: input.storage_descriptor.clone(),
            parameters: input.parameters.clone(),
            last_access_time: input.last_access_time,
        }
    }
}

/// The identity of a partition within its table: a digest of its values. Values cannot hold
/// control characters (validation refuses them), so NUL separates them unambiguously.
fn values_key(values: &[String]) -> String {
    let mut hasher = Sha256::new();
    for value in values {
        hasher.update(value.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    let mut key = String::with_capacity(64);
    for byte in digest {
        let _ = write!(key, "{byte:02x}");
    }
    key
}

fn qualified(database: &str, table: &str, values: &[String]) -> String {
    format!("{database}.{table} ({})", values.join(", "))
}

/// Binds one partition's slot values: `k0..k15`, then `n0..n15`.
fn bind_slots<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    values: &[String],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for i in 0..MAX_PARTITION_KEYS {
        let raw = values
            .get(i)
            .filter(|v| v.as_str() != HIVE_DEFAULT_PARTITION)
            .cloned();
        query = query.bind(raw);
    }
    for i in 0..MAX_PARTITION_KEYS {
        let numeric = values
            .get(i)
            .and_then(|v| filter::numeric_value(v))
            .map(str::to_string);
        query = query.bind(numeric);
    }
    query
}

/// `k0, ..., k15, n0, ..., n15`.
fn slot_columns() -> String {
    let k = (0..MAX_PARTITION_KEYS).map(|i| format!("k{i}"));
    let n = (0..MAX_PARTITION_KEYS).map(|i| format!("n{i}"));
    k.chain(n).collect::<Vec<_>>().join(", ")
}

/// Placeholders for one row's slots, starting at `$first`; numeric slots are cast.
fn slot_placeholders(first: usize) -> String {
    let k = (0..MAX_PARTITION_KEYS).map(|i| format!("${}", first + i));
    let n = (0..MAX_PARTITION_KEYS)
        .map(|i| format!("CAST(${} AS NUMERIC)", first + MAX_PARTITION_KEYS + i));
    k.chain(n).collect::<Vec<_>>().join(", ")
}

fn insert_sql(rows: usize) -> String {
    let per_row = 4 + 2 * MAX_PARTITION_KEYS;
    let mut sql = format!(
        "INSERT INTO partitions (table_id, values_key, body, create_time, {}) VALUES ",
        slot_columns()
    );
    for row in 0..rows {
        let first = row * per_row + 1;
        if row > 0 {
            sql.push_str(", ");
        }
        let _ = write!(
            sql,
            "(${}, ${}, ${}, ${}, {})",
            first,
            first + 1,
            first + 2,
            first + 3,
            slot_placeholders(first + 4)
        );
    }
    sql.push_str(" ON CONFLICT (table_id, values_key) DO NOTHING RETURNING values_key");
    sql
}

/// The columns to select to rebuild partitions of a table with `key_count` keys.
fn select_columns(key_count: usize) -> String {
    let mut columns = String::from("id, body, create_time");
    for i in 0..key_count {
        let _ = write!(columns, ", k{i}");
    }
    columns
}

fn partition_from(row: &AnyRow, table: &TableRow, exclude_columns: bool) -> Result<Partition> {
    let key_count = table.input.partition_keys.len();
    let mut values = Vec::with_capacity(key_count);
    for i in 0..key_count {
        let value: Option<String> = row.try_get(3 + i)?;
        values.push(value.unwrap_or_else(|| HIVE_DEFAULT_PARTITION.to_string()));
    }
    let body: String = row.try_get("body")?;
    let mut body: PartitionBody = decode(&body)?;
    if exclude_columns && let Some(sd) = body.storage_descriptor.as_mut() {
        sd.columns.clear();
    }
    Ok(Partition {
        database_name: table.database_name.clone(),
        table_name: table.input.name.clone(),
        values,
        storage_descriptor: body.storage_descriptor,
        parameters: body.parameters,
        creation_time: time(row.try_get("create_time")?),
        last_access_time: body.last_access_time,
    })
}

pub(super) async fn create(
    pool: &AnyPool,
    database: &str,
    table: &str,
    inputs: &[PartitionInput],
) -> Result<Vec<PartitionFailure>> {
    let mut tx = pool.begin().await?;
    let table_row = tables::fetch(&mut tx, database, table).await?;
    let key_count = table_row.input.partition_keys.len();
    let mut failures = Vec::new();
    let mut seen = HashSet::new();
    let mut rows = Vec::with_capacity(inputs.len());
    for input in inputs {
        let checked = validate::partition_input(input, key_count).and_then(|()| {
            let key = values_key(&input.values);
            if seen.insert(key.clone()) {
                Ok(key)
            } else {
                Err(Error::invalid(
                    "the batch holds these partition values twice",
                ))
            }
        });
        match checked {
            Ok(key) => rows.push((key, input)),
            Err(error) => failures.push(PartitionFailure {
                values: input.values.clone(),
                error,
            }),
        }
    }
    let now = now_millis();
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut query = sqlx::query(AssertSqlSafe(insert_sql(chunk.len())));
        for (key, input) in chunk {
            query = query
                .bind(table_row.id)
                .bind(key.clone())
                .bind(encode(&PartitionBody::of(input))?)
                .bind(now);
            query = bind_slots(query, &input.values);
        }
        let inserted = query
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| row.try_get::<String, _>("values_key"))
            .collect::<Result<HashSet<_>, _>>()?;
        for (key, input) in chunk {
            if !inserted.contains(key) {
                failures.push(PartitionFailure {
                    values: input.values.clone(),
                    error: Error::already_exists(
                        Entity::Partition,
                        qualified(database, table, &input.values),
                    ),
                });
            }
        }
    }
    tx.commit().await?;
    Ok(failures)
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
        "SELECT {} FROM partitions WHERE table_id = $1 AND values_key = $2",
        select_columns(values.len())
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(table_row.id)
        .bind(values_key(values))
        .fetch_optional(conn)
        .await?;
    match row {
        Some(row) => partition_from(&row, &table_row, false),
        None => Err(Error::not_found(
            Entity::Partition,
            qualified(database, table, values),
        )),
    }
}

pub(super) async fn list(
    conn: &mut AnyConnection,
    database: &str,
    table: &str,
    query: &PartitionQuery,
) -> Result<Page<Partition, i64>> {
    let table_row = tables::fetch(conn, database, table).await?;
    let mut sql = format!(
        "SELECT {} FROM partitions WHERE table_id = $1 AND id > $2",
        select_columns(table_row.input.partition_keys.len())
    );
    let mut next_placeholder = 3;
    if query.segment.is_some() {
        sql.push_str(" AND id % $3 = $4");
        next_placeholder = 5;
    }
    let compiled = match &query.expression {
        Some(expression) => {
            let compiled = filter::compile(
                expression,
                &table_row.input.partition_keys,
                next_placeholder,
            )
            .map_err(|e| Error::invalid(format!("expression: {e}")))?;
            let _ = write!(sql, " AND ({})", compiled.sql);
            next_placeholder += compiled.binds.len();
            Some(compiled)
        }
        None => None,
    };
    let _ = write!(sql, " ORDER BY id LIMIT ${next_placeholder}");

    let mut select = sqlx::query(AssertSqlSafe(sql))
        .bind(table_row.id)
        .bind(query.after.unwrap_or(0));
    if let Some(segment) = query.segment {
        select = select
            .bind(i64::from(segment.total))
            .bind(i64::from(segment.number));
    }
    for value in compiled.into_iter().flat_map(|c| c.binds) {
        select = select.bind(value);
    }
    let rows = select.bind(query.limit as i64 + 1).fetch_all(conn).await?;

    let mut ids = Vec::with_capacity(rows.len());
    let mut partitions = Vec::with_capacity(rows.len());
    for row in &rows {
        ids.push(row.try_get::<i64, _>("id")?);
        partitions.push(partition_from(
            row,
            &table_row,
            query.exclude_column_schema,
        )?);
    }
    let next = (partitions.len() > query.limit).then(|| ids[query.limit - 1]);
    partitions.truncate(query.limit);
    Ok(Page {
        items: partitions,
        next,
    })
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
    let mut assignments = String::from("values_key = $1, body = $2");
    for i in 0..MAX_PARTITION_KEYS {
        let _ = write!(assignments, ", k{i} = ${}", 3 + i);
    }
    for i in 0..MAX_PARTITION_KEYS {
        let _ = write!(
            assignments,
            ", n{i} = CAST(${} AS NUMERIC)",
            3 + MAX_PARTITION_KEYS + i
        );
    }
    let last = 3 + 2 * MAX_PARTITION_KEYS;
    let sql = format!(
        "UPDATE partitions SET {assignments} WHERE table_id = ${last} AND values_key = ${} \
         RETURNING {}",
        last + 1,
        select_columns(key_count)
    );
    let query = sqlx::query(AssertSqlSafe(sql))
        .bind(values_key(&input.values))
        .bind(encode(&PartitionBody::of(input))?);
    let row = bind_slots(query, &input.values)
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
    let partition = partition_from(&row, &table_row, false)?;
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
    let table_row = tables::fetch(&mut tx, database, table).await?;
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
    tx.commit().await?;
    Ok(failures)
}
