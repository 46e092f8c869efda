//! Column statistics of tables and partitions: one row per column, the statistics as JSON,
//! who wrote them, and an optional distinct-value sketch.

use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};

use super::rows::{decode, encode};
use super::{partitions, tables};
use crate::error::{Entity, Error, Result};
use crate::statistics::{ColumnStatistics, CrawledStatistics, StatisticsOrigin, StatisticsScope};

/// The rows of one table's or one partition's statistics: which table holds them, its
/// owner column, and the owner's row id. Both names are fixed fragments.
struct Owner {
    table: &'static str,
    owner_column: &'static str,
    id: i64,
}

impl Owner {
    fn of_table(id: i64) -> Owner {
        Owner {
            table: "table_column_statistics",
            owner_column: "table_id",
            id,
        }
    }

    fn of_partition(id: i64) -> Owner {
        Owner {
            table: "partition_column_statistics",
            owner_column: "partition_id",
            id,
        }
    }
}

/// What writing over a user's statistics does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OverUserWritten {
    Replace,
    Keep,
}

async fn owner(
    conn: &mut AnyConnection,
    database: &str,
    table: &str,
    scope: StatisticsScope<'_>,
) -> Result<Owner> {
    let table_row = tables::fetch(conn, database, table).await?;
    Ok(match scope {
        StatisticsScope::Table => Owner::of_table(table_row.id),
        StatisticsScope::Partition(values) => {
            Owner::of_partition(partitions::id_of(conn, &table_row, values).await?)
        }
    })
}

pub(super) async fn tables_with_statistics(
    conn: &mut AnyConnection,
    database: &str,
) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT t.name FROM tables t JOIN databases d ON d.id = t.database_id \
         WHERE d.name = $1 AND EXISTS \
         (SELECT 1 FROM table_column_statistics s WHERE s.table_id = t.id) ORDER BY t.name",
    )
    .bind(database)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok(row.try_get("name")?)).collect()
}

pub(super) async fn get(
    conn: &mut AnyConnection,
    database: &str,
    table: &str,
    scope: StatisticsScope<'_>,
    columns: &[String],
) -> Result<Vec<ColumnStatistics>> {
    let owner = owner(conn, database, table, scope).await?;
    let sql = format!(
        "SELECT column_name, body, sketch FROM {} WHERE {} = $1 ORDER BY column_name",
        owner.table, owner.owner_column
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(owner.id)
        .fetch_all(conn)
        .await?;
    let mut found = Vec::new();
    for row in rows {
        let name: String = row.try_get("column_name")?;
        if !columns.contains(&name) {
            continue;
        }
        let body: String = row.try_get("body")?;
        let mut statistics: ColumnStatistics = decode(&body)?;
        statistics.sketch = row.try_get("sketch")?;
        found.push(statistics);
    }
    // In the order asked for, as Glue returns them.
    found.sort_by_key(|s| columns.iter().position(|c| *c == s.column_name));
    Ok(found)
}

/// Writes statistics over the owner's, inside the caller's transaction.
async fn put_in(
    conn: &mut AnyConnection,
    owner: &Owner,
    statistics: &[ColumnStatistics],
    over_user_written: OverUserWritten,
) -> Result<()> {
    let guard = match over_user_written {
        OverUserWritten::Replace => "",
        OverUserWritten::Keep => " WHERE {table}.origin <> 'user'",
    };
    let sql = format!(
        "INSERT INTO {table} ({owner}, column_name, origin, body, sketch) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT ({owner}, column_name) DO UPDATE SET \
         origin = excluded.origin, body = excluded.body, sketch = excluded.sketch{guard}",
        table = owner.table,
        owner = owner.owner_column,
        guard = guard.replace("{table}", owner.table),
    );
    for entry in statistics {
        sqlx::query(AssertSqlSafe(sql.clone()))
            .bind(owner.id)
            .bind(&entry.column_name)
            .bind(entry.origin.as_str())
            .bind(encode(entry)?)
            .bind(entry.sketch.clone())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(super) async fn put(
    pool: &AnyPool,
    database: &str,
    table: &str,
    scope: StatisticsScope<'_>,
    statistics: &[ColumnStatistics],
) -> Result<()> {
    let mut tx = pool.begin().await?;
    let owner = owner(&mut tx, database, table, scope).await?;
    put_in(&mut tx, &owner, statistics, OverUserWritten::Replace).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn delete(
    pool: &AnyPool,
    database: &str,
    table: &str,
    scope: StatisticsScope<'_>,
    column: &str,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    let owner = owner(&mut tx, database, table, scope).await?;
    let sql = format!(
        "DELETE FROM {} WHERE {} = $1 AND column_name = $2",
        owner.table, owner.owner_column
    );
    let deleted = sqlx::query(AssertSqlSafe(sql))
        .bind(owner.id)
        .bind(column)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(Error::not_found(
            Entity::ColumnStatistics,
            format!("{database}.{table}.{column}"),
        ));
    }
    tx.commit().await?;
    Ok(())
}

/// Replaces what an earlier crawl wrote for an owner with what this one computed: the
/// crawler's rows for columns that are gone are deleted, and a user's rows stay unless
/// `replace_user_written`.
async fn replace_crawled(
    conn: &mut AnyConnection,
    owner: &Owner,
    statistics: &[ColumnStatistics],
    replace_user_written: bool,
) -> Result<()> {
    let sql = format!(
        "DELETE FROM {} WHERE {} = $1 AND origin = $2",
        owner.table, owner.owner_column
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(owner.id)
        .bind(StatisticsOrigin::Crawler.as_str())
        .execute(&mut *conn)
        .await?;
    let over_user_written = if replace_user_written {
        OverUserWritten::Replace
    } else {
        OverUserWritten::Keep
    };
    put_in(conn, owner, statistics, over_user_written).await
}

/// Writes a crawl's statistics of a table and its partitions inside the caller's
/// transaction, after the table and its partitions were written.
pub(super) async fn write_crawled_in(
    conn: &mut AnyConnection,
    database: &str,
    table: &str,
    crawled: &CrawledStatistics,
) -> Result<()> {
    let table_row = tables::fetch(conn, database, table).await?;
    if let Some(statistics) = &crawled.table {
        replace_crawled(
            conn,
            &Owner::of_table(table_row.id),
            statistics,
            crawled.replace_user_written,
        )
        .await?;
    }
    for (values, statistics) in &crawled.partitions {
        let id = partitions::id_of(conn, &table_row, values).await?;
        replace_crawled(
            conn,
            &Owner::of_partition(id),
            statistics,
            crawled.replace_user_written,
        )
        .await?;
    }
    Ok(())
}
