//! User-defined functions.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use super::databases::id_of;
use super::map_unique;
use super::rows::{decode, encode, now_millis, time};
use crate::error::{Entity, Error, Result};
use crate::functions::{Function, FunctionInput};
use crate::store::Page;

/// What a function's `body` holds: its definition without the name, which has a column.
fn body(input: &FunctionInput) -> Result<String> {
    encode(&FunctionInput {
        function_name: String::new(),
        ..input.clone()
    })
}

fn from_row(row: &AnyRow) -> Result<Function> {
    let body: String = row.try_get("body")?;
    let mut input: FunctionInput = decode(&body)?;
    input.function_name = row.try_get("name")?;
    Ok(Function {
        database_name: row.try_get("database_name")?,
        input,
        create_time: time(row.try_get("create_time")?),
    })
}

fn qualified(database: &str, name: &str) -> String {
    format!("{database}.{name}")
}

/// A write's error: a unique violation means the function's new name is taken.
fn exists(error: sqlx::Error, database: &str, input: &FunctionInput) -> Error {
    map_unique(
        error,
        Entity::Function,
        &qualified(database, &input.function_name),
    )
}

pub(super) async fn create(
    pool: &AnyPool,
    database: &str,
    input: &FunctionInput,
) -> Result<Function> {
    let mut tx = pool.begin().await?;
    let database_id = id_of(&mut tx, database).await?;
    let now = now_millis();
    sqlx::query(
        "INSERT INTO functions (database_id, name, body, create_time) VALUES ($1, $2, $3, $4)",
    )
    .bind(database_id)
    .bind(&input.function_name)
    .bind(body(input)?)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(|e| exists(e, database, input))?;
    tx.commit().await?;
    Ok(Function {
        database_name: database.to_string(),
        input: input.clone(),
        create_time: time(now),
    })
}

/// A query over functions with their database's name; `$rest` is the rest of its text.
macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT d.name AS database_name, f.name, f.body, f.create_time \
             FROM functions f JOIN databases d ON d.id = f.database_id ",
            $rest
        )
    };
}

pub(super) async fn get(conn: &mut AnyConnection, database: &str, name: &str) -> Result<Function> {
    id_of(conn, database).await?;
    let row = sqlx::query(select!("WHERE d.name = $1 AND f.name = $2"))
        .bind(database)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => from_row(&row),
        None => Err(Error::not_found(
            Entity::Function,
            qualified(database, name),
        )),
    }
}

pub(super) async fn list(
    conn: &mut AnyConnection,
    database: Option<&str>,
    after: Option<(&str, &str)>,
    limit: usize,
) -> Result<Page<Function, (String, String)>> {
    let (after_database, after_name) = after.unwrap_or(("", ""));
    let rows = match database {
        Some(database) => {
            id_of(conn, database).await?;
            sqlx::query(select!(
                "WHERE d.name = $1 AND f.name > $2 ORDER BY f.name LIMIT $3"
            ))
            .bind(database)
            .bind(if after_database == database {
                after_name
            } else {
                ""
            })
            .bind(limit as i64 + 1)
            .fetch_all(&mut *conn)
            .await?
        }
        None => {
            sqlx::query(select!(
                "WHERE d.name > $1 OR (d.name = $1 AND f.name > $2) \
                 ORDER BY d.name, f.name LIMIT $3"
            ))
            .bind(after_database)
            .bind(after_name)
            .bind(limit as i64 + 1)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    let functions = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(functions, limit, |f| {
        (f.database_name.clone(), f.input.function_name.clone())
    }))
}

pub(super) async fn update(
    pool: &AnyPool,
    database: &str,
    name: &str,
    input: &FunctionInput,
) -> Result<Function> {
    let mut tx = pool.begin().await?;
    let database_id = id_of(&mut tx, database).await?;
    let row = sqlx::query(
        "UPDATE functions SET name = $1, body = $2 WHERE database_id = $3 AND name = $4 \
         RETURNING create_time",
    )
    .bind(&input.function_name)
    .bind(body(input)?)
    .bind(database_id)
    .bind(name)
    .fetch_optional(&mut *tx)
    .await
    .map_err(|e| exists(e, database, input))?;
    let Some(row) = row else {
        return Err(Error::not_found(
            Entity::Function,
            qualified(database, name),
        ));
    };
    let create_time: i64 = row.try_get("create_time")?;
    tx.commit().await?;
    Ok(Function {
        database_name: database.to_string(),
        input: input.clone(),
        create_time: time(create_time),
    })
}

pub(super) async fn delete(pool: &AnyPool, database: &str, name: &str) -> Result<()> {
    let mut tx = pool.begin().await?;
    let database_id = id_of(&mut tx, database).await?;
    let result = sqlx::query("DELETE FROM functions WHERE database_id = $1 AND name = $2")
        .bind(database_id)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    if result.rows_affected() == 0 {
        return Err(Error::not_found(
            Entity::Function,
            qualified(database, name),
        ));
    }
    tx.commit().await?;
    Ok(())
}
