//! Upgrades of stored data by migrations, on SQLite and PostgreSQL: a catalog written in an
//! earlier form reads and writes the same after the migration that changed the form.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use lakecat_catalog::{Catalog, Column, ErrorKind, SqlStore, StoreOptions};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};
use support::TestCatalog;

conformance!(values_keys_move_to_values_order);

/// The migration that moved values keys from digests to values order.
const ORDERED_VALUES_KEYS: i64 = 20261209000000;

fn key(name: &str) -> Column {
    Column {
        name: name.into(),
        type_name: Some("string".into()),
        ..Default::default()
    }
}

/// A values key as stored before the migration: the SHA-256 of the values joined by NUL.
fn digest_key(values: &[String]) -> String {
    let mut hasher = Sha256::new();
    for value in values {
        hasher.update(value.as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A values key as stored after it: the values joined by U+001F up to 200 bytes, else
/// U+0001 and the digest.
fn ordered_key(values: &[String]) -> String {
    let plain = values.join("\u{1f}");
    if plain.len() <= 200 {
        plain
    } else {
        format!("\u{1}{}", digest_key(values))
    }
}

/// The values key stored for each partition, by its values.
async fn stored_keys(url: &str, values: &[Vec<String>]) -> Vec<String> {
    let pool = AnyPool::connect(url).await.unwrap();
    let mut keys = Vec::new();
    for partition in values {
        let ordered = ordered_key(partition);
        let digest = digest_key(partition);
        let row = sqlx::query(
            "SELECT values_key FROM partitions WHERE values_key = $1 OR values_key = $2",
        )
        .bind(&ordered)
        .bind(&digest)
        .fetch_one(&pool)
        .await
        .unwrap();
        keys.push(row.try_get::<String, _>(0).unwrap());
    }
    pool.close().await;
    keys
}

async fn values_keys_move_to_values_order(t: &TestCatalog) {
    let c = &t.catalog;
    support::create_lake_events(c, vec![key("a"), key("b"), key("c")]).await;
    let (a, b) = ("a".repeat(100), "b".repeat(60));
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["2024".into(), "01".into(), "02".into()], "plain"),
        (
            vec![
                "__HIVE_DEFAULT_PARTITION__".into(),
                "a b".into(),
                "x\ty".into(),
            ],
            "plain",
        ),
        (
            vec!["quote\"s".into(), "back\\slash".into(), "é漢字".into()],
            "plain",
        ),
        (vec![a.clone(), b.clone(), "c".repeat(38)], "plain"), // 200 bytes
        (vec![a.clone(), b.clone(), "c".repeat(39)], "digest"), // 201 bytes
        // 200 bytes in 150 characters, and 201 in 150: bytes count, not characters.
        (vec!["é".repeat(50), b.clone(), "c".repeat(38)], "plain"),
        (vec!["é".repeat(51), b.clone(), "c".repeat(37)], "digest"),
    ];
    let values: Vec<Vec<String>> = cases.iter().map(|(v, _)| v.clone()).collect();
    let inputs = support::bare_partitions(&values);
    assert!(
        c.create_partitions("lake", "events", &inputs)
            .await
            .unwrap()
            .is_empty()
    );
    let expected: Vec<String> = values.iter().map(|v| ordered_key(v)).collect();
    for ((partition, form), key) in cases.iter().zip(&expected) {
        assert_eq!(key.starts_with('\u{1}'), *form == "digest", "{partition:?}");
    }
    assert_eq!(stored_keys(&t.url, &values).await, expected);

    // Put the keys back in their earlier form, and the migration back in line.
    t.store.close().await;
    let pool = AnyPool::connect(&t.url).await.unwrap();
    for partition in &values {
        sqlx::query("UPDATE partitions SET values_key = $1 WHERE values_key = $2")
            .bind(digest_key(partition))
            .bind(ordered_key(partition))
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
        .bind(ORDERED_VALUES_KEYS)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let digests: Vec<String> = values.iter().map(|v| digest_key(v)).collect();
    assert_eq!(stored_keys(&t.url, &values).await, digests);

    // Opening the store migrates them.
    let store = SqlStore::connect(&t.url, &StoreOptions::default())
        .await
        .unwrap();
    assert_eq!(stored_keys(&t.url, &values).await, expected);
    let catalog = Catalog::new(Arc::new(store.clone()));
    for partition in &values {
        let found = catalog
            .get_partition("lake", "events", partition)
            .await
            .unwrap();
        assert_eq!(&found.values, partition);
    }
    let again = catalog
        .create_partitions("lake", "events", &inputs)
        .await
        .unwrap();
    assert_eq!(again.len(), inputs.len());
    assert!(
        again
            .iter()
            .all(|failure| failure.error.kind() == ErrorKind::AlreadyExists)
    );
    store.close().await;
}
