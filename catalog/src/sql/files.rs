//! Tables' file indexes (`table_files`, `table_file_state`): written by crawls in the
//! table's transaction, read to generate Iceberg metadata for crawled tables.

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};

use super::tables;
use crate::error::{Error, Result};
use crate::store::{FileIndexChange, FileIndexState, IndexedFile, IndexedFolder, TableFiles};

/// Rows per `INSERT` (six parameters each, far below either database's limit).
const ROWS_PER_INSERT: usize = 500;
/// Paths per `DELETE`.
const PATHS_PER_DELETE: usize = 500;

fn values_text(values: &[String]) -> Result<String> {
    serde_json::to_string(values).map_err(|error| Error::Backend(Box::new(error)))
}

fn values_of(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|error| Error::Backend(Box::new(error)))
}

async fn rows_of(conn: &mut AnyConnection, table_id: i64) -> Result<Vec<IndexedFile>> {
    let rows = sqlx::query(
        "SELECT path, partition_values, size, record_count, stats FROM table_files \
         WHERE table_id = $1 ORDER BY path",
    )
    .bind(table_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(IndexedFile {
                path: row.try_get("path")?,
                partition_values: values_of(&row.try_get::<String, _>("partition_values")?)?,
                size: row.try_get("size")?,
                record_count: row.try_get("record_count")?,
                stats: row.try_get("stats")?,
            })
        })
        .collect()
}

/// The index's identity, generation and unread count; `None` when never indexed.
async fn state_of(conn: &mut AnyConnection, table_id: i64) -> Result<Option<FileIndexState>> {
    let row = sqlx::query(
        "SELECT identity, generation, unread, generated_metadata FROM table_file_state \
         WHERE table_id = $1",
    )
    .bind(table_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        Ok(FileIndexState {
            identity: row.try_get("identity")?,
            generation: row.try_get("generation")?,
            unread: row.try_get("unread")?,
            generated_metadata: row.try_get("generated_metadata")?,
        })
    })
    .transpose()
}

/// Writes a crawl's change to the index of `database.table` inside the caller's
/// transaction: rows that differ are replaced, rows of files gone are deleted (a whole-table
/// change), and the generation goes up only when something changed.
pub(super) async fn write_in(
    conn: &mut AnyConnection,
    database: &str,
    table: &str,
    change: &FileIndexChange,
) -> Result<()> {
    let table_id = tables::fetch(conn, database, table).await?.id;
    let state = state_of(conn, table_id).await?;
    if state.is_none() && !change.whole_table && change.files.is_empty() {
        // Folders listed with nothing in them do not start an index.
        return Ok(());
    }
    let stored: HashMap<String, IndexedFile> = rows_of(conn, table_id)
        .await?
        .into_iter()
        .map(|file| (file.path.clone(), file))
        .collect();
    let changed: Vec<&IndexedFile> = change
        .files
        .iter()
        .filter(|file| stored.get(&file.path) != Some(*file))
        .collect();
    let gone: Vec<&str> = if change.whole_table {
        let found: HashSet<&str> = change.files.iter().map(|f| f.path.as_str()).collect();
        stored
            .keys()
            .map(String::as_str)
            .filter(|path| !found.contains(path))
            .collect()
    } else {
        // Files directly in a folder listed in full that the crawl did not find are gone.
        let found: HashSet<&str> = change.files.iter().map(|f| f.path.as_str()).collect();
        let listed: HashSet<&str> = change.folders.iter().map(|f| f.url.as_str()).collect();
        stored
            .keys()
            .map(String::as_str)
            .filter(|path| !found.contains(path) && listed.contains(folder_of(path)))
            .collect()
    };
    for chunk in gone.chunks(PATHS_PER_DELETE) {
        let at: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "DELETE FROM table_files WHERE table_id = $1 AND path IN ({})",
            at.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(table_id);
        for path in chunk {
            query = query.bind(*path);
        }
        query.execute(&mut *conn).await?;
    }
    for chunk in changed.chunks(ROWS_PER_INSERT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|row| {
                let first = row * 6 + 1;
                format!(
                    "(${first}, ${}, ${}, ${}, ${}, ${})",
                    first + 1,
                    first + 2,
                    first + 3,
                    first + 4,
                    first + 5
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO table_files (table_id, path, partition_values, size, record_count, \
             stats) VALUES {} ON CONFLICT (table_id, path) DO UPDATE SET \
             partition_values = excluded.partition_values, size = excluded.size, \
             record_count = excluded.record_count, stats = excluded.stats",
            values.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for file in chunk {
            query = query
                .bind(table_id)
                .bind(file.path.as_str())
                .bind(values_text(&file.partition_values)?)
                .bind(file.size)
                .bind(file.record_count)
                .bind(file.stats.clone());
        }
        query.execute(&mut *conn).await?;
    }
    let replaced_unread = write_folder_unread(conn, table_id, change).await?;
    let unread = match (change.whole_table, &state) {
        // The listed folders' counts replace theirs; the other folders' stay.
        (false, Some(before)) => (before.unread - replaced_unread).max(0) + change.unread,
        _ => change.unread,
    };
    let same = state.as_ref().is_some_and(|before| before.unread == unread)
        && changed.is_empty()
        && gone.is_empty();
    if !same {
        let generation = state.as_ref().map_or(1, |before| before.generation + 1);
        // The identity is given once, with the index's first row, and kept after.
        sqlx::query(
            "INSERT INTO table_file_state (table_id, generation, unread, identity) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (table_id) DO UPDATE SET \
             generation = excluded.generation, unread = excluded.unread",
        )
        .bind(table_id)
        .bind(generation)
        .bind(unread)
        .bind(crate::id::random_uuid())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The folder of a file's URL, ending with `/`.
fn folder_of(path: &str) -> &str {
    path.rfind('/').map_or("", |end| &path[..=end])
}

/// Replaces the unread counts of the folders `change` listed (of every folder, for a
/// whole-table change) with the change's; returns the counts replaced, summed.
async fn write_folder_unread(
    conn: &mut AnyConnection,
    table_id: i64,
    change: &FileIndexChange,
) -> Result<i64> {
    let rows = sqlx::query("SELECT folder, unread FROM table_file_unread WHERE table_id = $1")
        .bind(table_id)
        .fetch_all(&mut *conn)
        .await?;
    let listed: HashSet<&str> = change.folders.iter().map(|f| f.url.as_str()).collect();
    let mut replaced = 0;
    for row in &rows {
        let folder: String = row.try_get("folder")?;
        if change.whole_table || listed.contains(folder.as_str()) {
            replaced += row.try_get::<i64, _>("unread")?;
        }
        if !change.whole_table && listed.contains(folder.as_str()) {
            sqlx::query("DELETE FROM table_file_unread WHERE table_id = $1 AND folder = $2")
                .bind(table_id)
                .bind(folder)
                .execute(&mut *conn)
                .await?;
        }
    }
    if change.whole_table {
        sqlx::query("DELETE FROM table_file_unread WHERE table_id = $1")
            .bind(table_id)
            .execute(&mut *conn)
            .await?;
    }
    let counted: Vec<&IndexedFolder> = change.folders.iter().filter(|f| f.unread > 0).collect();
    for folder in counted {
        sqlx::query(
            "INSERT INTO table_file_unread (table_id, folder, unread) VALUES ($1, $2, $3) \
             ON CONFLICT (table_id, folder) DO UPDATE SET unread = excluded.unread",
        )
        .bind(table_id)
        .bind(folder.url.as_str())
        .bind(folder.unread)
        .execute(&mut *conn)
        .await?;
    }
    Ok(replaced)
}

/// The index of `database.table`; `None` when no crawl indexed it.
pub(super) async fn read(
    conn: &mut AnyConnection,
    database: &str,
    table: &str,
) -> Result<Option<TableFiles>> {
    let table_id = tables::fetch(conn, database, table).await?.id;
    let Some(state) = state_of(conn, table_id).await? else {
        return Ok(None);
    };
    Ok(Some(TableFiles {
        identity: state.identity,
        generation: state.generation,
        unread: state.unread,
        files: rows_of(conn, table_id).await?,
    }))
}

/// The state of the index of `database.table`; `None` when no crawl indexed it.
pub(super) async fn state(
    conn: &mut AnyConnection,
    database: &str,
    table: &str,
) -> Result<Option<FileIndexState>> {
    let table_id = tables::fetch(conn, database, table).await?.id;
    state_of(conn, table_id).await
}

/// Records `location` as the generated Iceberg metadata of `database.table` when its index
/// is still `identity`; false when it is not (the table was dropped and made again, or its
/// index is gone), which records nothing.
pub(super) async fn record_generated_metadata(
    pool: &AnyPool,
    database: &str,
    table: &str,
    identity: &str,
    location: &str,
) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let table_id = tables::fetch(&mut tx, database, table).await?.id;
    let done = sqlx::query(
        "UPDATE table_file_state SET generated_metadata = $1 WHERE table_id = $2 \
         AND identity = $3",
    )
    .bind(location)
    .bind(table_id)
    .bind(identity)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}
