//! Partition indexes: Glue's per-table indexes over partition keys, served by database
//! indexes over the partitions table's key slots.
//!
//! Every table's partitions live in one table, so a database index over `(table_id, k2)`
//! serves every table whose partition index covers slot 2. Partition indexes that cover the
//! same slots share one database index, which is dropped when the last of them goes.

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::Backend;
use super::rows::{decode, encode, now_millis, time};
use super::tables;
use crate::error::{Entity, Error, Result};
use crate::filter::KeyKind;
use crate::model::{Column, PartitionIndex, PartitionIndexInput};
use crate::validate::{self, MAX_PARTITION_INDEXES};

/// The prefix of every database index that serves partition indexes.
const DB_INDEX_PREFIX: &str = "partitions_ix_";

/// An indexed key as stored: its slot in the partition row and its column.
#[derive(Debug, Serialize, Deserialize)]
struct IndexedKey {
    position: usize,
    column: Column,
}

/// The partitions table's column for an indexed key: numeric keys compare on `n{i}`, which
/// is where filters look for them.
fn slot_column(position: usize, column: &Column) -> String {
    match KeyKind::of(column.type_name.as_deref()) {
        Ok(KeyKind::Integer) => format!("n{position}"),
        _ => format!("k{position}"),
    }
}

fn qualified(database: &str, table: &str, name: &str) -> String {
    format!("{database}.{table}.{name}")
}

/// Whether `name` is one of the database indexes this module creates; only such names,
/// made of generated slot names, are ever put into SQL text.
fn is_db_index_name(name: &str) -> bool {
    name.strip_prefix(DB_INDEX_PREFIX).is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    })
}

/// Creates a partition index and the database index behind it, inside the caller's
/// transaction.
pub(super) async fn create_in(
    tx: &mut AnyConnection,
    database: &str,
    table: &str,
    input: &PartitionIndexInput,
) -> Result<PartitionIndex> {
    let table_row = tables::fetch(tx, database, table).await?;
    let keys = validate::partition_index_keys(input, &table_row.input.partition_keys)?;
    let existing: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM partition_indexes WHERE table_id = $1")
            .bind(table_row.id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
    if existing >= MAX_PARTITION_INDEXES as i64 {
        return Err(Error::LimitExceeded(format!(
            "table {database}.{table} already has {existing} partition indexes, the most allowed"
        )));
    }
    let columns: Vec<String> = keys
        .iter()
        .map(|(position, column)| slot_column(*position, column))
        .collect();
    let db_index = format!("{DB_INDEX_PREFIX}{}", columns.join("_"));
    let stored: Vec<IndexedKey> = keys
        .iter()
        .map(|(position, column)| IndexedKey {
            position: *position,
            column: column.clone(),
        })
        .collect();
    let now = now_millis();
    sqlx::query(
        "INSERT INTO partition_indexes (table_id, name, keys, db_index, create_time, place) \
         VALUES ($1, $2, $3, $4, $5, \
                 (SELECT COALESCE(MAX(place), 0) + 1 FROM partition_indexes WHERE table_id = $1))",
    )
    .bind(table_row.id)
    .bind(&input.name)
    .bind(encode(&stored)?)
    .bind(&db_index)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        super::map_unique(
            e,
            Entity::PartitionIndex,
            &qualified(database, table, &input.name),
        )
    })?;
    let sql = format!(
        "CREATE INDEX IF NOT EXISTS {db_index} ON partitions (table_id, {})",
        columns.join(", ")
    );
    sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await?;
    Ok(PartitionIndex {
        name: input.name.clone(),
        keys: stored.into_iter().map(|key| key.column).collect(),
        create_time: time(now),
    })
}

/// Lists a table's partition indexes, oldest first.
pub(super) async fn list(
    conn: &mut AnyConnection,
    database: &str,
    table: &str,
) -> Result<Vec<PartitionIndex>> {
    let table_row = tables::fetch(conn, database, table).await?;
    let rows = sqlx::query(
        "SELECT name, keys, create_time FROM partition_indexes WHERE table_id = $1 \
         ORDER BY place, create_time, name",
    )
    .bind(table_row.id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let keys: Vec<IndexedKey> = decode(&row.try_get::<String, _>("keys")?)?;
            Ok(PartitionIndex {
                name: row.try_get("name")?,
                keys: keys.into_iter().map(|key| key.column).collect(),
                create_time: time(row.try_get("create_time")?),
            })
        })
        .collect()
}

/// Deletes a partition index inside the caller's transaction; its database index goes too
/// unless another partition index uses it.
pub(super) async fn delete_in(
    tx: &mut AnyConnection,
    backend: Backend,
    database: &str,
    table: &str,
    name: &str,
) -> Result<()> {
    let table_row = tables::fetch(tx, database, table).await?;
    let deleted = sqlx::query("DELETE FROM partition_indexes WHERE table_id = $1 AND name = $2")
        .bind(table_row.id)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::not_found(
            Entity::PartitionIndex,
            qualified(database, table, name),
        ));
    }
    drop_unused(tx, backend).await
}

/// Drops the database indexes that no partition index uses any more, such as those of
/// deleted tables.
pub(super) async fn drop_unused(tx: &mut AnyConnection, backend: Backend) -> Result<()> {
    let listing = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'partitions' \
             AND name LIKE 'partitions\\_ix\\_%' ESCAPE '\\'"
        }
        Backend::Postgres => {
            "SELECT CAST(indexname AS TEXT) AS name FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename = 'partitions' AND indexname LIKE 'partitions\\_ix\\_%' ESCAPE '\\'"
        }
    };
    let existing: Vec<String> = sqlx::query(listing)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| row.try_get("name"))
        .collect::<Result<_, _>>()?;
    for name in existing.iter().filter(|name| is_db_index_name(name)) {
        let used =
            sqlx::query("SELECT 1 AS used FROM partition_indexes WHERE db_index = $1 LIMIT 1")
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if !used {
            let sql = format!("DROP INDEX IF EXISTS {name}");
            sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await?;
        }
    }
    Ok(())
}

/// Refuses a table update that would rename, retype or move an indexed partition key: the
/// database index covers the key's slot and its comparison kind.
pub(super) async fn check_keys_kept(
    tx: &mut AnyConnection,
    table_id: i64,
    qualified_table: &str,
    new_keys: &[Column],
) -> Result<()> {
    let rows = sqlx::query("SELECT name, keys FROM partition_indexes WHERE table_id = $1")
        .bind(table_id)
        .fetch_all(&mut *tx)
        .await?;
    for row in &rows {
        let index: String = row.try_get("name")?;
        let keys: Vec<IndexedKey> = decode(&row.try_get::<String, _>("keys")?)?;
        for key in keys {
            let kept = new_keys.get(key.position).is_some_and(|new| {
                new.name.eq_ignore_ascii_case(&key.column.name)
                    && slot_column(key.position, new) == slot_column(key.position, &key.column)
            });
            if !kept {
                return Err(Error::invalid(format!(
                    "partition_keys: {} is indexed by partition index {index} of {qualified_table}; \
                     delete the index before renaming, retyping or moving the key",
                    key.column.name
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_generated_index_names_reach_sql() {
        assert!(is_db_index_name("partitions_ix_k2_n0"));
        assert!(!is_db_index_name("partitions_ix_"));
        assert!(!is_db_index_name("partitions_by_keys"));
        assert!(!is_db_index_name("partitions_ix_k2; DROP TABLE tables"));
        assert!(!is_db_index_name("partitions_ix_K2"));
    }

    #[test]
    fn whole_number_keys_are_indexed_on_their_numeric_slot() {
        let column = |t: &str| Column {
            name: "k".into(),
            type_name: Some(t.into()),
            ..Default::default()
        };
        assert_eq!(slot_column(3, &column("int")), "n3");
        assert_eq!(slot_column(3, &column("BIGINT")), "n3");
        assert_eq!(slot_column(0, &column("string")), "k0");
        assert_eq!(slot_column(0, &column("varchar(10)")), "k0");
    }
}
