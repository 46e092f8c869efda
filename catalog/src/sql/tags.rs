//! Tags on databases, tables, crawlers and classifiers.

use sqlx::{AnyConnection, AnyPool, Row};

use super::databases::id_of;
use crate::error::{Entity, Error, Result};
use crate::tags::{MAX_TAGS, Tagged, Tags};

/// The tagged object's kind, as the `kind` column holds it, and its row id.
async fn owner(conn: &mut AnyConnection, object: &Tagged) -> Result<(&'static str, i64)> {
    let (kind, row, entity, name) = match object {
        Tagged::Database(name) => return Ok(("database", id_of(conn, name).await?)),
        Tagged::Table(database, name) => {
            let database_id = id_of(conn, database).await?;
            let row = sqlx::query("SELECT id FROM tables WHERE database_id = $1 AND name = $2")
                .bind(database_id)
                .bind(name)
                .fetch_optional(&mut *conn)
                .await?;
            ("table", row, Entity::Table, format!("{database}.{name}"))
        }
        Tagged::Crawler(name) => {
            let row = sqlx::query("SELECT id FROM crawlers WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *conn)
                .await?;
            ("crawler", row, Entity::Crawler, name.clone())
        }
        Tagged::Classifier(name) => {
            let row = sqlx::query("SELECT id FROM classifiers WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *conn)
                .await?;
            ("classifier", row, Entity::Classifier, name.clone())
        }
    };
    match row {
        Some(row) => Ok((kind, row.try_get("id")?)),
        None => Err(Error::not_found(entity, name)),
    }
}

async fn read(conn: &mut AnyConnection, kind: &str, id: i64) -> Result<Tags> {
    let rows = sqlx::query(
        "SELECT tag_key, tag_value FROM tags WHERE kind = $1 AND owner_id = $2 ORDER BY tag_key",
    )
    .bind(kind)
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("tag_key")?, row.try_get("tag_value")?)))
        .collect()
}

pub(super) async fn get(conn: &mut AnyConnection, object: &Tagged) -> Result<Tags> {
    let (kind, id) = owner(conn, object).await?;
    read(conn, kind, id).await
}

pub(super) async fn tag(pool: &AnyPool, object: &Tagged, tags: &Tags) -> Result<()> {
    let mut tx = pool.begin().await?;
    tag_in(&mut tx, object, tags).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds tags to an object inside the caller's transaction, so that an object and its tags
/// can be created together: when more than [`MAX_TAGS`] would result, nothing is written
/// and the caller's transaction should be rolled back.
pub(super) async fn tag_in(conn: &mut AnyConnection, object: &Tagged, tags: &Tags) -> Result<()> {
    let (kind, id) = owner(conn, object).await?;
    let existing = read(conn, kind, id).await?;
    let total = existing
        .keys()
        .chain(tags.keys())
        .collect::<std::collections::BTreeSet<_>>();
    if total.len() > MAX_TAGS {
        return Err(Error::invalid(format!(
            "TagsToAdd: a resource carries at most {MAX_TAGS} tags ({} with these)",
            total.len()
        )));
    }
    let reference = |of: &str| (kind == of).then_some(id);
    for (key, value) in tags {
        sqlx::query(
            "INSERT INTO tags (kind, owner_id, database_id, table_id, crawler_id, \
             classifier_id, tag_key, tag_value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (kind, owner_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
        )
        .bind(kind)
        .bind(id)
        .bind(reference("database"))
        .bind(reference("table"))
        .bind(reference("crawler"))
        .bind(reference("classifier"))
        .bind(key)
        .bind(value)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub(super) async fn untag(pool: &AnyPool, object: &Tagged, keys: &[String]) -> Result<()> {
    let mut tx = pool.begin().await?;
    let (kind, id) = owner(&mut tx, object).await?;
    for key in keys {
        sqlx::query("DELETE FROM tags WHERE kind = $1 AND owner_id = $2 AND tag_key = $3")
            .bind(kind)
            .bind(id)
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
