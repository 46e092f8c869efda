//! PostgreSQL over TLS: the store connects with `sslmode=verify-full` and a CA file, the
//! connection is encrypted, and a server whose certificate another CA signed is refused.
//!
//! `scripts/postgres.sh` starts the test server with `ssl=on` and a certificate from a CA it
//! makes up, and names that CA's certificate in `LAKECAT_TEST_PG_CA` (and another CA's in
//! `LAKECAT_TEST_PG_WRONG_CA`).

#![allow(clippy::unwrap_used)]

mod support;

use lakecat_catalog::{SqlStore, StoreOptions};
use sqlx::{Connection, Row};

/// The test database's URL and the two CA files, or `None` when PostgreSQL is skipped.
async fn tls_setup() -> Option<(String, String, String)> {
    let server_url = support::postgres_url()?;
    let (Ok(ca), Ok(wrong_ca)) = (
        std::env::var("LAKECAT_TEST_PG_CA"),
        std::env::var("LAKECAT_TEST_PG_WRONG_CA"),
    ) else {
        let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !in_ci,
            "LAKECAT_TEST_PG_CA and LAKECAT_TEST_PG_WRONG_CA must be set in CI (scripts/test sets them)"
        );
        eprintln!("LAKECAT_TEST_PG_CA is not set (a PostgreSQL server of your own?): skipping");
        return None;
    };
    let url = support::new_postgres_database(&server_url).await;
    Some((url, ca, wrong_ca))
}

fn verify_full(url: &str, ca: &str) -> String {
    format!("{url}?sslmode=verify-full&sslrootcert={ca}")
}

/// The error and its sources, as `lakecat serve` prints them.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

#[tokio::test]
async fn verify_full_connects_encrypted_and_refuses_another_ca() {
    let Some((url, ca, wrong_ca)) = tls_setup().await else {
        return;
    };

    // The store migrates and serves over a verified TLS connection.
    let store = SqlStore::connect(&verify_full(&url, &ca), &StoreOptions::default())
        .await
        .unwrap();
    store.close().await;

    let mut conn = sqlx::AnyConnection::connect(&verify_full(&url, &ca))
        .await
        .unwrap();
    let row = sqlx::query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(row.get::<bool, _>(0), "the connection is not encrypted");
    conn.close().await.unwrap();

    // A certificate signed by a CA the client does not trust is refused, and the error says so.
    let error = SqlStore::connect(&verify_full(&url, &wrong_ca), &StoreOptions::default())
        .await
        .unwrap_err();
    let message = chain(&error);
    assert!(
        message.contains("invalid peer certificate: UnknownIssuer"),
        "{message}"
    );
}
