//! Partition values that are numbers too long, or too large, for filters to compare
//! numerically: they are stored and listed like any value on SQLite and PostgreSQL, and
//! compared as text only (`filter::is_comparable_number`).

#![allow(clippy::unwrap_used)]

mod support;

use lakecat_catalog::{Column, Error};
use support::TestCatalog;

conformance!(numbers_beyond_comparison_are_kept_and_compared_as_text);

fn key(name: &str, type_name: &str) -> Column {
    Column {
        name: name.into(),
        type_name: Some(type_name.into()),
        ..Default::default()
    }
}

async fn numbers_beyond_comparison_are_kept_and_compared_as_text(t: &TestCatalog) {
    let c = &t.catalog;
    support::create_lake_events(c, vec![key("tag", "string"), key("n", "int")]).await;
    let huge_exponent = "1e200000";
    let too_long = "9".repeat(45);
    let values = [
        vec![huge_exponent.to_string(), "5".to_string()],
        vec!["long".to_string(), too_long.clone()],
        vec!["seven".to_string(), "7".to_string()],
    ];
    // PostgreSQL's NUMERIC refused 1e200000 when it was stored as a number: a failed write.
    let inputs = support::bare_partitions(&values);
    let failures = c
        .create_partitions("lake", "events", &inputs)
        .await
        .unwrap();
    assert!(failures.is_empty(), "{failures:?}");

    let cases: [(&str, &[usize]); 5] = [
        ("n > 0", &[0, 2]),
        ("n = 7", &[2]),
        ("tag = '1e200000'", &[0]),
        ("n LIKE '99999%'", &[1]),
        ("n IS NOT NULL", &[0, 1, 2]),
    ];
    for (expression, expected) in cases {
        let expected: Vec<Vec<String>> = expected.iter().map(|&i| values[i].clone()).collect();
        assert_eq!(
            support::selected_values(&t.catalog, expression)
                .await
                .unwrap(),
            expected,
            "{expression}"
        );
    }
    // A literal that could not be compared numerically is refused, naming the key.
    let refused = support::selected_values(&t.catalog, &format!("n = {too_long}"))
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::InvalidInput(_)), "{refused}");
    assert!(
        refused
            .to_string()
            .contains("partition key n needs a number of at most 40 characters"),
        "{refused}"
    );
}
