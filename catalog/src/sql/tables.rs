//! Tables and table versions.

use sqlx::AnyConnection;
use sqlx::{AnyPool, Row};

use super::rows::{TableRow, decode, encode, now_millis, table_from};
use super::{databases, map_unique};
use crate::error::{Entity, Error, Result};
use crate::model::{Table, TableInput, TableVersion};
use crate::store::{Page, TableUpdate, UpdateTableOptions};
use crate::validate;

const SELECT_TABLE: &str = "SELECT t.id, d.name AS database_name, t.version, t.body, \
     t.create_time, t.update_time FROM tables t JOIN databases d ON d.id = t.database_id";

fn qualified(database: &str, table: &str) -> String {
    format!("{database}.{table}")
}

/// Reads a table's row; a missing database is reported as such, not as a missing table.
pub(super) async fn fetch(
    conn: &mut AnyConnection,
    database: &str,
    name: &str,
) -> Result<TableRow> {
    let sql = format!("{SELECT_TABLE} WHERE d.name = $1 AND t.name = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(database)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => TableRow::from_row(&row),
        None => {
            databases::id_of(conn, database).await?;
            Err(Error::not_found(Entity::Table, qualified(database, name)))
        }
    }
}

/// Creates a table inside the caller's transaction.
pub(super) async fn create_in(
    tx: &mut AnyConnection,
    database: &str,
    input: &TableInput,
) -> Result<Table> {
    let database_id = databases::id_of(tx, database).await?;
    let now = now_millis();
    sqlx::query(
        "INSERT INTO tables (database_id, name, version, body, create_time, update_time) \
         VALUES ($1, $2, 0, $3, $4, $4)",
    )
    .bind(database_id)
    .bind(&input.name)
    .bind(encode(input)?)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(|e| map_unique(e, Entity::Table, &qualified(database, &input.name)))?;
    Ok(table_from(database.to_string(), input.clone(), 0, now, now))
}

pub(super) async fn list(
    conn: &mut AnyConnection,
    database: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<Table, String>> {
    let database_id = databases::id_of(conn, database).await?;
    let sql =
        format!("{SELECT_TABLE} WHERE t.database_id = $1 AND t.name > $2 ORDER BY t.name LIMIT $3");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(database_id)
        .bind(after.unwrap_or(""))
        .bind(limit as i64 + 1)
        .fetch_all(conn)
        .await?;
    let tables = rows
        .iter()
        .map(|row| TableRow::from_row(row).map(TableRow::into_table))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(tables, limit, |t| t.name.clone()))
}

pub(super) async fn update(
    pool: &AnyPool,
    database: &str,
    input: &TableInput,
    options: &UpdateTableOptions,
) -> Result<Table> {
    let mut tx = pool.begin().await?;
    let table = update_in(&mut tx, database, input, options).await?;
    tx.commit().await?;
    Ok(table)
}

/// Updates several tables in one transaction: all or none. They are updated in name order,
/// so two such transactions over the same tables take their row locks in the same order
/// (on PostgreSQL) and never deadlock; the answers keep the order asked.
pub(super) async fn update_many(pool: &AnyPool, updates: &[TableUpdate]) -> Result<Vec<Table>> {
    let mut order: Vec<usize> = (0..updates.len()).collect();
    order.sort_by_key(|index| (&updates[*index].database, &updates[*index].input.name));
    let mut tx = pool.begin().await?;
    let mut updated = vec![None; updates.len()];
    for index in order {
        let update = &updates[index];
        updated[index] =
            Some(update_in(&mut tx, &update.database, &update.input, &update.options).await?);
    }
    tx.commit().await?;
    Ok(updated.into_iter().flatten().collect())
}

/// Updates a table inside the caller's transaction.
pub(super) async fn update_in(
    tx: &mut AnyConnection,
    database: &str,
    input: &TableInput,
    options: &UpdateTableOptions,
) -> Result<Table> {
    let expected = options
        .expected_version_id
        .as_deref()
        .map(|v| validate::version_id("version_id", v))
        .transpose()?;
    let current = fetch(tx, database, &input.name).await?;
    let conflict = || {
        Error::ConcurrentModification(format!(
            "table {}.{} is at version {}, not {}; re-read it and retry",
            database,
            input.name,
            current.version,
            options.expected_version_id.as_deref().unwrap_or_default()
        ))
    };
    if expected.is_some_and(|v| v != current.version) {
        return Err(conflict());
    }
    if input.partition_keys.len() != current.input.partition_keys.len() {
        let has_partitions =
            sqlx::query("SELECT 1 AS one FROM partitions WHERE table_id = $1 LIMIT 1")
                .bind(current.id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if has_partitions {
            return Err(Error::invalid(format!(
                "partition_keys: table {database}.{} has partitions with {} values each; \
                 delete them before changing the number of partition keys",
                input.name,
                current.input.partition_keys.len()
            )));
        }
    }
    if input.partition_keys != current.input.partition_keys {
        super::partition_indexes::check_keys_kept(
            tx,
            current.id,
            &qualified(database, &input.name),
            &input.partition_keys,
        )
        .await?;
    }
    let now = now_millis();
    // The version check in WHERE makes a concurrent writer that read the same version lose:
    // on PostgreSQL its UPDATE waits for ours, re-checks the version, and matches no row.
    let updated = sqlx::query(
        "UPDATE tables SET version = version + 1, body = $1, update_time = $2 \
         WHERE id = $3 AND version = $4",
    )
    .bind(encode(input)?)
    .bind(now)
    .bind(current.id)
    .bind(current.version)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(conflict());
    }
    if !options.skip_archive {
        sqlx::query(
            "INSERT INTO table_versions (table_id, version, body, update_time) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(current.id)
        .bind(current.version)
        .bind(encode(&current.input)?)
        .bind(current.update_time)
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => conflict(),
            _ => e.into(),
        })?;
    }
    Ok(table_from(
        database.to_string(),
        input.clone(),
        current.version + 1,
        current.create_time,
        now,
    ))
}

/// Moves a table to a new name (and database) in one transaction. Everything the table owns
/// refers to its row id, so it follows; the definition's name changes with it, and the
/// version goes up, so a writer holding the old version is told it changed.
pub(super) async fn rename(
    pool: &AnyPool,
    database: &str,
    name: &str,
    new_database: &str,
    new_name: &str,
) -> Result<Table> {
    let mut tx = pool.begin().await?;
    let renamed = rename_in(&mut tx, database, name, new_database, new_name, None).await?;
    tx.commit().await?;
    Ok(renamed)
}

/// Renames a table and replaces its definition in one transaction (Hive's `alter_table`
/// with a new name): both happen, or neither. `options.expected_version_id` is checked
/// against the table before the rename.
pub(super) async fn rename_and_update(
    pool: &AnyPool,
    database: &str,
    name: &str,
    new_database: &str,
    input: &TableInput,
    options: &UpdateTableOptions,
) -> Result<Table> {
    let expected = options
        .expected_version_id
        .as_deref()
        .map(|v| validate::version_id("version_id", v))
        .transpose()?;
    let mut tx = pool.begin().await?;
    let renamed = rename_in(&mut tx, database, name, new_database, &input.name, expected).await?;
    let options = UpdateTableOptions {
        expected_version_id: Some(renamed.version_id),
        skip_archive: options.skip_archive,
    };
    let updated = update_in(&mut tx, new_database, input, &options).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Renames a table inside the caller's transaction, if it is at `expected` (when given).
async fn rename_in(
    tx: &mut AnyConnection,
    database: &str,
    name: &str,
    new_database: &str,
    new_name: &str,
    expected: Option<i64>,
) -> Result<Table> {
    let current = fetch(tx, database, name).await?;
    let conflict = || {
        Error::ConcurrentModification(format!(
            "table {database}.{name} changed while being renamed; try again"
        ))
    };
    if expected.is_some_and(|v| v != current.version) {
        return Err(conflict());
    }
    let target = databases::id_of(tx, new_database).await?;
    let mut input = current.input.clone();
    input.name = new_name.to_string();
    let now = now_millis();
    let updated = sqlx::query(
        "UPDATE tables SET database_id = $1, name = $2, body = $3, version = version + 1, \
         update_time = $4 WHERE id = $5 AND version = $6",
    )
    .bind(target)
    .bind(new_name)
    .bind(encode(&input)?)
    .bind(now)
    .bind(current.id)
    .bind(current.version)
    .execute(&mut *tx)
    .await
    .map_err(|e| map_unique(e, Entity::Table, &qualified(new_database, new_name)))?;
    if updated.rows_affected() == 0 {
        return Err(conflict());
    }
    Ok(table_from(
        new_database.to_string(),
        input,
        current.version + 1,
        current.create_time,
        now,
    ))
}

pub(super) async fn delete(pool: &AnyPool, database: &str, name: &str) -> Result<()> {
    let mut tx = pool.begin().await?;
    delete_in(&mut tx, database, name).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a table inside the caller's transaction.
pub(super) async fn delete_in(tx: &mut AnyConnection, database: &str, name: &str) -> Result<()> {
    let table = fetch(tx, database, name).await?;
    sqlx::query("DELETE FROM tables WHERE id = $1")
        .bind(table.id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

fn version_from(table: &TableRow, row: &sqlx::any::AnyRow) -> Result<TableVersion> {
    let version: i64 = row.try_get("version")?;
    let body: String = row.try_get("body")?;
    let input: TableInput = decode(&body)?;
    let table = table_from(
        table.database_name.clone(),
        input,
        version,
        table.create_time,
        row.try_get("update_time")?,
    );
    Ok(TableVersion {
        version_id: version.to_string(),
        table,
    })
}

pub(super) async fn list_versions(
    conn: &mut AnyConnection,
    database: &str,
    name: &str,
    before: Option<i64>,
    limit: usize,
) -> Result<Page<TableVersion, i64>> {
    let table = fetch(conn, database, name).await?;
    let rows = sqlx::query(
        "SELECT version, body, update_time FROM ( \
           SELECT version, body, update_time FROM table_versions WHERE table_id = $1 \
           UNION ALL \
           SELECT version, body, update_time FROM tables WHERE id = $1 \
         ) v WHERE version < $2 ORDER BY version DESC LIMIT $3",
    )
    .bind(table.id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit as i64 + 1)
    .fetch_all(conn)
    .await?;
    let versions = rows
        .iter()
        .map(|row| version_from(&table, row))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(versions, limit, |v| {
        v.version_id.parse().unwrap_or_default()
    }))
}

pub(super) async fn get_version(
    conn: &mut AnyConnection,
    database: &str,
    name: &str,
    version: i64,
) -> Result<TableVersion> {
    let table = fetch(conn, database, name).await?;
    if version == table.version {
        let version_id = table.version.to_string();
        return Ok(TableVersion {
            version_id,
            table: table.into_table(),
        });
    }
    let row = sqlx::query(
        "SELECT version, body, update_time FROM table_versions WHERE table_id = $1 AND version = $2",
    )
    .bind(table.id)
    .bind(version)
    .fetch_optional(conn)
    .await?;
    match row {
        Some(row) => version_from(&table, &row),
        None => Err(Error::not_found(
            Entity::TableVersion,
            format!("{database}.{name} version {version}"),
        )),
    }
}

pub(super) async fn delete_versions(
    pool: &AnyPool,
    database: &str,
    name: &str,
    versions: &[i64],
) -> Result<Vec<(i64, Error)>> {
    let mut tx = pool.begin().await?;
    let table = fetch(&mut tx, database, name).await?;
    let mut failures = Vec::new();
    for &version in versions {
        if version == table.version {
            failures.push((
                version,
                Error::invalid(format!(
                    "version {version} is the current version of {database}.{name} and cannot be deleted"
                )),
            ));
            continue;
        }
        let deleted =
            sqlx::query("DELETE FROM table_versions WHERE table_id = $1 AND version = $2")
                .bind(table.id)
                .bind(version)
                .execute(&mut *tx)
                .await?;
        if deleted.rows_affected() == 0 {
            failures.push((
                version,
                Error::not_found(
                    Entity::TableVersion,
                    format!("{database}.{name} version {version}"),
                ),
            ));
        }
    }
    tx.commit().await?;
    Ok(failures)
}
