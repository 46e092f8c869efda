//! Databases.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::map_unique;
use super::rows::{decode, encode, now_millis, time};
use crate::error::{Entity, Error, Result};
use crate::model::{Database, DatabaseInput};
use crate::store::Page;

fn from_row(row: &AnyRow) -> Result<Database> {
    let body: String = row.try_get("body")?;
    let input: DatabaseInput = decode(&body)?;
    Ok(Database {
        name: row.try_get("name")?,
        description: input.description,
        location_uri: input.location_uri,
        parameters: input.parameters,
        create_time: time(row.try_get("create_time")?),
    })
}

/// The id of the database called `name`.
pub(super) async fn id_of(conn: &mut AnyConnection, name: &str) -> Result<i64> {
    let row = sqlx::query("SELECT id FROM databases WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => Ok(row.try_get("id")?),
        None => Err(Error::not_found(Entity::Database, name)),
    }
}

/// Creates a database inside the caller's transaction.
pub(super) async fn create_in(conn: &mut AnyConnection, input: &DatabaseInput) -> Result<Database> {
    let now = now_millis();
    sqlx::query("INSERT INTO databases (name, body, create_time) VALUES ($1, $2, $3)")
        .bind(&input.name)
        .bind(encode(input)?)
        .bind(now)
        .execute(conn)
        .await
        .map_err(|e| map_unique(e, Entity::Database, &input.name))?;
    Ok(Database {
        name: input.name.clone(),
        description: input.description.clone(),
        location_uri: input.location_uri.clone(),
        parameters: input.parameters.clone(),
        create_time: time(now),
    })
}

pub(super) async fn get(conn: &mut AnyConnection, name: &str) -> Result<Database> {
    let row = sqlx::query("SELECT name, body, create_time FROM databases WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await?;
    match row {
        Some(row) => from_row(&row),
        None => Err(Error::not_found(Entity::Database, name)),
    }
}

pub(super) async fn list(
    conn: &mut AnyConnection,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<Database, String>> {
    let rows = sqlx::query(
        "SELECT name, body, create_time FROM databases \
         WHERE name > $1 ORDER BY name LIMIT $2",
    )
    .bind(after.unwrap_or(""))
    .bind(limit as i64 + 1)
    .fetch_all(conn)
    .await?;
    let databases = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(databases, limit, |d| d.name.clone()))
}

pub(super) async fn update(pool: &AnyPool, name: &str, input: &DatabaseInput) -> Result<Database> {
    let row = sqlx::query(
        "UPDATE databases SET body = $1 WHERE name = $2 RETURNING name, body, create_time",
    )
    .bind(encode(input)?)
    .bind(name)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(row) => from_row(&row),
        None => Err(Error::not_found(Entity::Database, name)),
    }
}

/// Rounds of read, change and conditional write before a change gives up on a database
/// that others keep changing.
const MODIFY_ATTEMPTS: usize = 8;

pub(super) async fn modify(
    pool: &AnyPool,
    name: &str,
    change: &crate::store::DatabaseChange<'_>,
) -> Result<Database> {
    for attempt in 0..MODIFY_ATTEMPTS {
        if attempt > 0 {
            // A random pause that grows with each lost round, so that writers who keep
            // meeting do not keep losing to each other in the same order.
            let ceiling = 1u64 << attempt.min(6);
            let pause = rand::random_range(0..=ceiling);
            tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
        }
        let stored: Option<String> =
            sqlx::query_scalar("SELECT body FROM databases WHERE name = $1")
                .bind(name)
                .fetch_optional(pool)
                .await?;
        let Some(stored) = stored else {
            return Err(Error::not_found(Entity::Database, name));
        };
        let mut input: DatabaseInput = decode(&stored)?;
        change(&mut input)?;
        // Written only over the body read: a change made meanwhile makes this a no-op, and
        // the change is applied again to the newer body.
        let row = sqlx::query(
            "UPDATE databases SET body = $1 WHERE name = $2 AND body = $3 \
             RETURNING name, body, create_time",
        )
        .bind(encode(&input)?)
        .bind(name)
        .bind(&stored)
        .fetch_optional(pool)
        .await?;
        if let Some(row) = row {
            return from_row(&row);
        }
    }
    Err(Error::ConcurrentModification(format!(
        "database {name} kept changing while being updated; try again"
    )))
}

pub(super) async fn delete_empty(pool: &AnyPool, name: &str) -> Result<()> {
    // The emptiness check and the delete are one statement: a table created between a
    // separate check and the delete would go with the database.
    let result = sqlx::query(
        "DELETE FROM databases WHERE name = $1 \
         AND NOT EXISTS (SELECT 1 FROM tables WHERE tables.database_id = databases.id)",
    )
    .bind(name)
    .execute(pool)
    .await?;
    if result.rows_affected() == 1 {
        return Ok(());
    }
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM databases WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await?;
    match exists {
        None => Err(Error::not_found(Entity::Database, name)),
        Some(_) => Err(Error::invalid(format!(
            "database {name} is not empty: drop its tables first"
        ))),
    }
}

pub(super) async fn delete(pool: &AnyPool, name: &str) -> Result<()> {
    // Tables, versions and partitions go with it through ON DELETE CASCADE, in one statement.
    let result = sqlx::query("DELETE FROM databases WHERE name = $1")
        .bind(name)
        .execute(pool)
        .await?;
    if result.rows_affected() == 0 {
        return Err(Error::not_found(Entity::Database, name));
    }
    Ok(())
}
