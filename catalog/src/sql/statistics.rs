//! Column statistics of tables and partitions: one row per column, the statistics as JSON,
//! who wrote them, and an optional distinct-value sketch.

use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};

use serde::{Deserialize, Serialize};

use super::rows::{decode, encode, time};
use super::{partitions, tables};
use crate::error::{Entity, Error, Result};
use crate::statistics::{
    ColumnStatistics, CrawledStatistics, StatisticsData, StatisticsOrigin, StatisticsScope,
};

/// Where statistics rows of one kind of owner live: the table holding them and its owner
/// column. Both names are fixed fragments of SQL text.
#[derive(Debug, Clone, Copy)]
struct Rows {
    table: &'static str,
    owner_column: &'static str,
}

/// Statistics of tables.
const TABLE_ROWS: Rows = Rows {
    table: "table_column_statistics",
    owner_column: "table_id",
};

/// Statistics of partitions.
const PARTITION_ROWS: Rows = Rows {
    table: "partition_column_statistics",
    owner_column: "partition_id",
};

/// The statistics rows of one table or one partition.
struct Owner {
    rows: Rows,
    id: i64,
}

/// What a row's `body` keeps: the statistics but what the row's own columns hold (the
/// column's name, who wrote them, the sketch), with the time as epoch milliseconds. Crawls
/// write one row per column of every partition, so the body is kept short.
#[derive(Debug, Serialize, Deserialize)]
struct StoredStatistics {
    #[serde(rename = "t")]
    column_type: String,
    #[serde(rename = "at")]
    analyzed_time: i64,
    #[serde(rename = "d")]
    data: StatisticsData,
    #[serde(rename = "s", default, skip_serializing_if = "std::ops::Not::not")]
    sampled: bool,
}

impl StoredStatistics {
    fn of(statistics: &ColumnStatistics) -> StoredStatistics {
        StoredStatistics {
            column_type: statistics.column_type.clone(),
            analyzed_time: statistics.analyzed_time.timestamp_millis(),
            data: statistics.data.clone(),
            sampled: statistics.sampled,
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
        StatisticsScope::Table => Owner {
            rows: TABLE_ROWS,
            id: table_row.id,
        },
        StatisticsScope::Partition(values) => Owner {
            rows: PARTITION_ROWS,
            id: partitions::id_of(conn, &table_row, values).await?,
        },
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
        "SELECT column_name, origin, body, sketch FROM {} WHERE {} = $1 ORDER BY column_name",
        owner.rows.table, owner.rows.owner_column
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
        let origin: String = row.try_get("origin")?;
        let stored: StoredStatistics = decode(&body)?;
        let statistics = ColumnStatistics {
            column_name: name,
            column_type: stored.column_type,
            analyzed_time: time(stored.analyzed_time),
            data: stored.data,
            origin: if origin == StatisticsOrigin::Crawler.as_str() {
                StatisticsOrigin::Crawler
            } else {
                StatisticsOrigin::User
            },
            sampled: stored.sampled,
            sketch: row.try_get("sketch")?,
        };
        found.push(statistics);
    }
    // In the order asked for, as Glue returns them.
    found.sort_by_key(|s| columns.iter().position(|c| *c == s.column_name));
    Ok(found)
}

/// Statistics rows per INSERT statement: their JSON bodies are long, so fewer rows than
/// partitions take per statement amortize the round trips as well, and keep sqlx-sqlite's
/// per-parameter lookup (see `partitions::MAX_INSERT_PARAMETERS`) cheap.
const ROWS_PER_INSERT: usize = 20;

/// Writes statistics rows (owner id, statistics) over what those owners' columns had,
/// inside the caller's transaction, several rows per statement.
async fn put_in(
    conn: &mut AnyConnection,
    Rows {
        table,
        owner_column,
    }: Rows,
    rows: &[(i64, &ColumnStatistics)],
    over_user_written: OverUserWritten,
) -> Result<()> {
    const PARAMETERS_PER_ROW: usize = 5;
    let guard = match over_user_written {
        OverUserWritten::Replace => String::new(),
        OverUserWritten::Keep => format!(" WHERE {table}.origin <> 'user'"),
    };
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|row| {
                let first = row * PARAMETERS_PER_ROW + 1;
                format!(
                    "(${first}, ${}, ${}, ${}, ${})",
                    first + 1,
                    first + 2,
                    first + 3,
                    first + 4
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO {table} ({owner_column}, column_name, origin, body, sketch) VALUES {} \
             ON CONFLICT ({owner_column}, column_name) DO UPDATE SET origin = excluded.origin, \
             body = excluded.body, sketch = excluded.sketch{guard}",
            values.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (id, entry) in chunk {
            query = query
                .bind(*id)
                .bind(entry.column_name.clone())
                .bind(entry.origin.as_str())
                .bind(encode(&StoredStatistics::of(entry))?)
                .bind(entry.sketch.clone());
        }
        query.execute(&mut *conn).await?;
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
    let rows: Vec<(i64, &ColumnStatistics)> = statistics.iter().map(|s| (owner.id, s)).collect();
    put_in(&mut tx, owner.rows, &rows, OverUserWritten::Replace).await?;
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
        owner.rows.table, owner.rows.owner_column
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

/// Replaces what an earlier crawl wrote for the given owners with what this one computed:
/// the crawler's rows of those owners are deleted (so columns that are gone lose theirs), and
/// a user's rows stay unless `replace_user_written`.
async fn replace_crawled(
    conn: &mut AnyConnection,
    kind: Rows,
    owners: &[(i64, &[ColumnStatistics])],
    replace_user_written: bool,
) -> Result<()> {
    let ids: Vec<i64> = owners.iter().map(|(id, _)| *id).collect();
    for chunk in ids.chunks(partitions::MAX_LOOKUPS_PER_STATEMENT) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "DELETE FROM {} WHERE origin = $1 AND {} IN ({})",
            kind.table,
            kind.owner_column,
            placeholders.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(StatisticsOrigin::Crawler.as_str());
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut *conn).await?;
    }
    let rows: Vec<(i64, &ColumnStatistics)> = owners
        .iter()
        .flat_map(|(id, statistics)| statistics.iter().map(move |s| (*id, s)))
        .collect();
    let over_user_written = if replace_user_written {
        OverUserWritten::Replace
    } else {
        OverUserWritten::Keep
    };
    put_in(conn, kind, &rows, over_user_written).await
}

/// Writes a crawl's statistics of a table and its partitions inside the caller's
/// transaction, after the table and its partitions were written: a few statements whatever
/// the number of partitions.
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
            TABLE_ROWS,
            &[(table_row.id, statistics.as_slice())],
            crawled.replace_user_written,
        )
        .await?;
    }
    if crawled.partitions.is_empty() {
        return Ok(());
    }
    let values: Vec<&[String]> = crawled
        .partitions
        .iter()
        .map(|(values, _)| values.as_slice())
        .collect();
    let ids = partitions::ids_of(conn, &table_row, &values).await?;
    let owners: Vec<(i64, &[ColumnStatistics])> = ids
        .into_iter()
        .zip(&crawled.partitions)
        .map(|(id, (_, statistics))| (id, statistics.as_slice()))
        .collect();
    replace_crawled(conn, PARTITION_ROWS, &owners, crawled.replace_user_written).await
}
