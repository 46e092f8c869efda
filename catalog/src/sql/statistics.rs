//! Column statistics of tables and partitions: one row per column, the statistics as JSON,
//! who wrote them, and an optional distinct-value sketch.

use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::collections::HashMap;

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

/// Statistics as a row's `body` keeps them, short (crawls write statistics for every
/// partition): the time as epoch milliseconds. A user's row holds one, for the row's
/// column; the crawler's row of an owner holds all its columns', each with its name and its
/// sketch (base64), so that a crawl writes one row per partition, not one per column.
#[derive(Debug, Serialize, Deserialize)]
struct StoredStatistics {
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    column_name: Option<String>,
    #[serde(rename = "t")]
    column_type: String,
    #[serde(rename = "at")]
    analyzed_time: i64,
    #[serde(rename = "d")]
    data: StatisticsData,
    #[serde(rename = "s", default, skip_serializing_if = "std::ops::Not::not")]
    sampled: bool,
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    sketch: Option<String>,
}

impl StoredStatistics {
    /// A user's statistics of the row's column.
    fn of_user(statistics: &ColumnStatistics) -> StoredStatistics {
        StoredStatistics {
            column_name: None,
            column_type: statistics.column_type.clone(),
            analyzed_time: statistics.analyzed_time.timestamp_millis(),
            data: statistics.data.clone(),
            sampled: statistics.sampled,
            sketch: None,
        }
    }

    /// One column's entry of the crawler's row.
    fn of_crawled(statistics: &ColumnStatistics) -> StoredStatistics {
        StoredStatistics {
            column_name: Some(statistics.column_name.clone()),
            sketch: statistics.sketch.as_ref().map(|s| BASE64.encode(s)),
            ..StoredStatistics::of_user(statistics)
        }
    }

    fn into_model(self, column_name: String, origin: StatisticsOrigin) -> ColumnStatistics {
        ColumnStatistics {
            column_name,
            column_type: self.column_type,
            analyzed_time: time(self.analyzed_time),
            data: self.data,
            origin,
            sampled: self.sampled,
            sketch: self.sketch.and_then(|s| BASE64.decode(s).ok()),
        }
    }
}

/// The `column_name` of an owner's crawler row; no column has an empty name.
const CRAWLED_ROW: &str = "";

/// The statistics an owner's rows hold, by column: a user's where there is one, the
/// crawler's otherwise.
async fn read_all(conn: &mut AnyConnection, owner: &Owner) -> Result<Vec<ColumnStatistics>> {
    let sql = format!(
        "SELECT column_name, body FROM {} WHERE {} = $1",
        owner.rows.table, owner.rows.owner_column
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(owner.id)
        .fetch_all(conn)
        .await?;
    let mut users = Vec::new();
    let mut crawled = Vec::new();
    for row in rows {
        let name: String = row.try_get("column_name")?;
        let body: String = row.try_get("body")?;
        if name == CRAWLED_ROW {
            let entries: Vec<StoredStatistics> = decode(&body)?;
            crawled.extend(entries.into_iter().map(|entry| {
                let name = entry.column_name.clone().unwrap_or_default();
                entry.into_model(name, StatisticsOrigin::Crawler)
            }));
        } else {
            let entry: StoredStatistics = decode(&body)?;
            users.push(entry.into_model(name, StatisticsOrigin::User));
        }
    }
    crawled.retain(|c| users.iter().all(|u| u.column_name != c.column_name));
    users.extend(crawled);
    Ok(users)
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
    let mut found: Vec<ColumnStatistics> = read_all(conn, &owner)
        .await?
        .into_iter()
        .filter(|s| columns.contains(&s.column_name))
        .collect();
    // In the order asked for, as Glue returns them.
    found.sort_by_key(|s| columns.iter().position(|c| *c == s.column_name));
    Ok(found)
}

/// Statistics rows per INSERT statement: few enough bind parameters that sqlx-sqlite's
/// per-parameter lookup (see `partitions::placeholder`) stays cheap.
const ROWS_PER_INSERT: usize = 50;

/// One statistics row to write: its owner, column (or [`CRAWLED_ROW`]), origin and body.
struct NewRow {
    owner: i64,
    column_name: String,
    origin: StatisticsOrigin,
    body: String,
}

/// Writes rows over the rows with the same owner and column, inside the caller's
/// transaction, several rows per statement.
async fn put_in(
    conn: &mut AnyConnection,
    Rows {
        table,
        owner_column,
    }: Rows,
    rows: Vec<NewRow>,
) -> Result<()> {
    const PARAMETERS_PER_ROW: usize = 4;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<NewRow> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        let values: Vec<String> = (0..chunk.len())
            .map(|row| {
                let first = row * PARAMETERS_PER_ROW + 1;
                format!("(${first}, ${}, ${}, ${})", first + 1, first + 2, first + 3)
            })
            .collect();
        let sql = format!(
            "INSERT INTO {table} ({owner_column}, column_name, origin, body) VALUES {} \
             ON CONFLICT ({owner_column}, column_name) DO UPDATE SET origin = excluded.origin, \
             body = excluded.body",
            values.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for row in chunk {
            query = query
                .bind(row.owner)
                .bind(row.column_name)
                .bind(row.origin.as_str())
                .bind(row.body);
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
    let mut rows = Vec::with_capacity(statistics.len());
    for entry in statistics {
        rows.push(NewRow {
            owner: owner.id,
            column_name: entry.column_name.clone(),
            origin: StatisticsOrigin::User,
            body: encode(&StoredStatistics::of_user(entry))?,
        });
    }
    put_in(&mut tx, owner.rows, rows).await?;
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
    let mut deleted = sqlx::query(AssertSqlSafe(sql))
        .bind(owner.id)
        .bind(column)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    // The crawler's statistics of the column go too, or they would show through.
    let sql = format!(
        "SELECT body FROM {} WHERE {} = $1 AND column_name = $2",
        owner.rows.table, owner.rows.owner_column
    );
    let crawled = sqlx::query(AssertSqlSafe(sql))
        .bind(owner.id)
        .bind(CRAWLED_ROW)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(row) = crawled {
        let body: String = row.try_get("body")?;
        let mut entries: Vec<StoredStatistics> = decode(&body)?;
        let before = entries.len();
        entries.retain(|e| e.column_name.as_deref() != Some(column));
        if entries.len() < before {
            deleted += 1;
            put_in(
                &mut tx,
                owner.rows,
                vec![NewRow {
                    owner: owner.id,
                    column_name: CRAWLED_ROW.into(),
                    origin: StatisticsOrigin::Crawler,
                    body: encode(&entries)?,
                }],
            )
            .await?;
        }
    }
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
/// one row per owner with every column's statistics (columns that are gone lose theirs). A
/// user's rows stay, and are read in preference, unless `replace_user_written`, which
/// deletes the user's rows of the columns the crawl computed.
async fn replace_crawled(
    conn: &mut AnyConnection,
    kind: Rows,
    owners: &[(i64, &[ColumnStatistics])],
    replace_user_written: bool,
) -> Result<()> {
    if replace_user_written {
        let mut columns: Vec<&str> = owners
            .iter()
            .flat_map(|(_, statistics)| statistics.iter().map(|s| s.column_name.as_str()))
            .collect();
        columns.sort_unstable();
        columns.dedup();
        let ids: Vec<i64> = owners.iter().map(|(id, _)| *id).collect();
        for chunk in ids.chunks(partitions::MAX_LOOKUPS_PER_STATEMENT) {
            for names in columns.chunks(partitions::MAX_LOOKUPS_PER_STATEMENT) {
                let owners_at: Vec<String> =
                    (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                let names_at: Vec<String> = (0..names.len())
                    .map(|i| format!("${}", i + 2 + chunk.len()))
                    .collect();
                let sql = format!(
                    "DELETE FROM {} WHERE origin = $1 AND {} IN ({}) AND column_name IN ({})",
                    kind.table,
                    kind.owner_column,
                    owners_at.join(", "),
                    names_at.join(", ")
                );
                let mut query =
                    sqlx::query(AssertSqlSafe(sql)).bind(StatisticsOrigin::User.as_str());
                for id in chunk {
                    query = query.bind(*id);
                }
                for name in names {
                    query = query.bind(*name);
                }
                query.execute(&mut *conn).await?;
            }
        }
    }
    let mut rows = Vec::with_capacity(owners.len());
    for (owner, statistics) in owners {
        let entries: Vec<StoredStatistics> = statistics
            .iter()
            .map(StoredStatistics::of_crawled)
            .collect();
        rows.push(NewRow {
            owner: *owner,
            column_name: CRAWLED_ROW.into(),
            origin: StatisticsOrigin::Crawler,
            body: encode(&entries)?,
        });
    }
    put_in(conn, kind, rows).await
}

/// Writes a crawl's statistics of a table and its partitions inside the caller's
/// transaction, after the table and its partitions were written: a few statements whatever
/// the number of partitions.
pub(super) async fn write_crawled_in(
    conn: &mut AnyConnection,
    database: &str,
    table: &str,
    crawled: &CrawledStatistics,
    written_partitions: &HashMap<String, i64>,
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
    // The partitions the change wrote have their ids already; others are looked up.
    let known: Vec<Option<i64>> = crawled
        .partitions
        .iter()
        .map(|(values, _)| {
            written_partitions
                .get(&partitions::values_key(values))
                .copied()
        })
        .collect();
    let unknown: Vec<&[String]> = crawled
        .partitions
        .iter()
        .zip(&known)
        .filter(|(_, id)| id.is_none())
        .map(|((values, _), _)| values.as_slice())
        .collect();
    let mut looked_up = partitions::ids_of(conn, &table_row, &unknown)
        .await?
        .into_iter();
    let mut owners: Vec<(i64, &[ColumnStatistics])> = Vec::with_capacity(known.len());
    for (id, (_, statistics)) in known.into_iter().zip(&crawled.partitions) {
        let id = match id {
            Some(id) => id,
            None => looked_up
                .next()
                .ok_or_else(|| Error::Backend("a partition's row id was not looked up".into()))?,
        };
        owners.push((id, statistics.as_slice()));
    }
    replace_crawled(conn, PARTITION_ROWS, &owners, crawled.replace_user_written).await
}
