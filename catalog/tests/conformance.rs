//! The store conformance suite: every case runs on SQLite and on PostgreSQL, and both must
//! behave the same.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{BTreeSet, HashSet};

use lakecat_catalog::{
    Catalog, Column, DatabaseInput, Entity, Error, FunctionInput, PageRequest, PartitionInput,
    PartitionListRequest, ResourceUri, StorageDescriptor, TableInput, TableUpdate,
    UpdateTableOptions,
};
use support::TestCatalog;

conformance!(
    databases_crud,
    database_pages,
    tables_crud,
    table_versions,
    stale_version_is_a_conflict,
    concurrent_updates_one_wins,
    tables_change_together_or_not_at_all,
    partitions_crud,
    listed_partitions_equal_read_ones,
    partition_batches_report_items,
    partitions_created_all_or_none,
    partition_filters,
    filter_errors,
    partition_pages_and_tokens,
    partition_segments,
    partition_values_list_like_partitions,
    concurrent_partition_writers_lose_nothing,
    delete_database_cascades,
    only_an_empty_database_is_deleted_on_request,
    concurrent_database_changes_lose_nothing,
    a_renamed_table_keeps_what_it_owns,
    a_rename_with_a_new_definition_is_one_change,
    partition_keys_locked_by_partitions,
    batch_reads_keep_order_across_statements,
    ping_needs_this_versions_migrations,
    functions_crud,
    function_pages_and_patterns,
    tags_on_catalog_objects,
    objects_and_their_tags_are_created_together,
);

fn db(name: &str) -> DatabaseInput {
    DatabaseInput {
        name: name.into(),
        ..Default::default()
    }
}

fn key(name: &str, type_name: &str) -> Column {
    Column {
        name: name.into(),
        type_name: Some(type_name.into()),
        ..Default::default()
    }
}

fn table(name: &str, keys: &[(&str, &str)]) -> TableInput {
    TableInput {
        name: name.into(),
        table_type: Some("EXTERNAL_TABLE".into()),
        partition_keys: keys.iter().map(|(n, t)| key(n, t)).collect(),
        storage_descriptor: Some(StorageDescriptor {
            columns: vec![key("id", "bigint"), key("name", "string")],
            location: Some(format!("s3://lake/{name}/")),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn partition(values: &[&str]) -> PartitionInput {
    PartitionInput {
        values: values.iter().map(|v| v.to_string()).collect(),
        storage_descriptor: Some(StorageDescriptor {
            columns: vec![key("id", "bigint")],
            location: Some(format!("s3://lake/t/{}/", values.join("/"))),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

async fn all_partitions(catalog: &Catalog, request: PartitionListRequest) -> Vec<Vec<String>> {
    let mut request = request;
    let mut found = Vec::new();
    loop {
        let page = catalog
            .list_partitions("sales", "orders", request.clone())
            .await
            .unwrap();
        found.extend(page.items.into_iter().map(|p| p.values));
        match page.next_page_token {
            Some(token) => request.page.page_token = Some(token),
            None => return found,
        }
    }
}

async fn databases_crud(t: &TestCatalog) {
    let c = &t.catalog;
    let mut input = db("Sales");
    input.description = Some("orders and refunds".into());
    input.parameters.insert("owner".into(), "finance".into());
    let created = c.create_database(input.clone()).await.unwrap();
    assert_eq!(created.name, "sales");
    let read = c.get_database("SALES").await.unwrap();
    assert_eq!(read, created);

    let err = c.create_database(db("sales")).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::AlreadyExists {
                entity: Entity::Database,
                ..
            }
        ),
        "{err}"
    );

    input.description = Some("changed".into());
    let updated = c.update_database("sales", input.clone()).await.unwrap();
    assert_eq!(updated.description.as_deref(), Some("changed"));
    assert_eq!(updated.create_time, created.create_time);
    let err = c.update_database("sales", db("other")).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    let err = c
        .update_database("missing", db("missing"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");

    c.delete_database("sales").await.unwrap();
    let err = c.get_database("sales").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                entity: Entity::Database,
                ..
            }
        ),
        "{err}"
    );
    let err = c.delete_database("sales").await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
}

async fn database_pages(t: &TestCatalog) {
    let c = &t.catalog;
    for name in ["e", "b", "d", "a", "c"] {
        c.create_database(db(name)).await.unwrap();
    }
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .list_databases(PageRequest {
                max_results: Some(2),
                page_token: token,
            })
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        names.extend(page.items.into_iter().map(|d| d.name));
        token = page.next_page_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(names, ["a", "b", "c", "d", "e"]);

    for bad in [Some(0), Some(101)] {
        let err = c
            .list_databases(PageRequest {
                max_results: bad,
                page_token: None,
            })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("between 1 and 100"), "{err}");
    }
    let err = c
        .list_databases(PageRequest {
            max_results: None,
            page_token: Some("garbage".into()),
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidPageToken(_)), "{err}");
}

async fn tables_crud(t: &TestCatalog) {
    let c = &t.catalog;
    let err = c
        .create_table("sales", table("orders", &[]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                entity: Entity::Database,
                ..
            }
        ),
        "{err}"
    );
    c.create_database(db("sales")).await.unwrap();

    let created = c
        .create_table("sales", table("Orders", &[("year", "string")]))
        .await
        .unwrap();
    assert_eq!(
        (created.name.as_str(), created.version_id.as_str()),
        ("orders", "0")
    );
    let read = c.get_table("Sales", "ORDERS").await.unwrap();
    assert_eq!(read, created);
    assert_eq!(read.storage_descriptor.unwrap().columns.len(), 2);

    let err = c
        .create_table("sales", table("orders", &[]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::AlreadyExists {
                entity: Entity::Table,
                ..
            }
        ),
        "{err}"
    );

    for name in ["refunds", "customers"] {
        c.create_table("sales", table(name, &[])).await.unwrap();
    }
    let listing = c
        .list_tables("sales", PageRequest::default())
        .await
        .unwrap();
    let names: Vec<_> = listing.items.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["customers", "orders", "refunds"]);
    let err = c
        .list_tables("missing", PageRequest::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                entity: Entity::Database,
                ..
            }
        ),
        "{err}"
    );

    c.delete_table("sales", "orders").await.unwrap();
    let err = c.get_table("sales", "orders").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                entity: Entity::Table,
                ..
            }
        ),
        "{err}"
    );
    let err = c.delete_table("sales", "orders").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                entity: Entity::Table,
                ..
            }
        ),
        "{err}"
    );
}

fn described(name: &str, description: &str) -> TableInput {
    let mut input = table(name, &[]);
    input.description = Some(description.into());
    input
}

async fn table_versions(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", described("orders", "v0"))
        .await
        .unwrap();
    let v1 = c
        .update_table(
            "sales",
            "orders",
            described("orders", "v1"),
            UpdateTableOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(v1.version_id, "1");
    let v2 = c
        .update_table(
            "sales",
            "orders",
            described("orders", "v2"),
            UpdateTableOptions {
                skip_archive: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(v2.version_id, "2");
    assert_eq!(v2.create_time, v1.create_time);

    // Version 1 was replaced without being archived.
    let versions = c
        .list_table_versions("sales", "orders", PageRequest::default())
        .await
        .unwrap();
    let seen: Vec<_> = versions
        .items
        .iter()
        .map(|v| {
            (
                v.version_id.as_str(),
                v.table.description.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(seen, [("2", "v2"), ("0", "v0")]);

    let old = c.get_table_version("sales", "orders", "0").await.unwrap();
    assert_eq!(old.table.description.as_deref(), Some("v0"));
    let err = c
        .get_table_version("sales", "orders", "1")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                entity: Entity::TableVersion,
                ..
            }
        ),
        "{err}"
    );
    let err = c
        .get_table_version("sales", "orders", "x")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");

    let failures = c
        .delete_table_versions("sales", "orders", &strings(&["2", "0", "7"]))
        .await
        .unwrap();
    let failed: Vec<_> = failures.iter().map(|(v, _)| v.as_str()).collect();
    assert_eq!(failed, ["2", "7"]);
    assert!(matches!(failures[0].1, Error::InvalidInput(_)));
    assert!(matches!(failures[1].1, Error::NotFound { .. }));
    let versions = c
        .list_table_versions("sales", "orders", PageRequest::default())
        .await
        .unwrap();
    assert_eq!(versions.items.len(), 1);

    // Paging through versions.
    for i in 3..8 {
        c.update_table(
            "sales",
            "orders",
            described("orders", &format!("v{i}")),
            UpdateTableOptions::default(),
        )
        .await
        .unwrap();
    }
    let mut ids = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .list_table_versions(
                "sales",
                "orders",
                PageRequest {
                    max_results: Some(2),
                    page_token: token,
                },
            )
            .await
            .unwrap();
        ids.extend(page.items.into_iter().map(|v| v.version_id));
        token = page.next_page_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(ids, ["7", "6", "5", "4", "3", "2"]);
}

async fn stale_version_is_a_conflict(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", described("orders", "v0"))
        .await
        .unwrap();
    let at = |v: &str| UpdateTableOptions {
        expected_version_id: Some(v.into()),
        skip_archive: false,
    };
    c.update_table("sales", "orders", described("orders", "v1"), at("0"))
        .await
        .unwrap();
    let err = c
        .update_table("sales", "orders", described("orders", "lost"), at("0"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConcurrentModification(_)), "{err}");
    let current = c.get_table("sales", "orders").await.unwrap();
    assert_eq!(
        (current.version_id.as_str(), current.description.as_deref()),
        ("1", Some("v1"))
    );
    let versions = c
        .list_table_versions("sales", "orders", PageRequest::default())
        .await
        .unwrap();
    assert_eq!(versions.items.len(), 2, "a failed update archives nothing");
}

async fn concurrent_updates_one_wins(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", described("orders", "v0"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            c.update_table(
                "sales",
                "orders",
                described("orders", &format!("writer {i}")),
                UpdateTableOptions {
                    expected_version_id: Some("0".into()),
                    skip_archive: false,
                },
            )
            .await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(Error::ConcurrentModification(_)) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(
        c.get_table("sales", "orders").await.unwrap().version_id,
        "1"
    );
}

fn change(name: &str, description: &str, version: &str) -> TableUpdate {
    TableUpdate {
        database: "Sales".into(),
        input: described(name, description),
        options: UpdateTableOptions {
            expected_version_id: Some(version.into()),
            skip_archive: false,
        },
    }
}

async fn tables_change_together_or_not_at_all(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    for name in ["orders", "items"] {
        c.create_table("sales", described(name, "v0"))
            .await
            .unwrap();
    }
    let described_now = |name: &'static str| async move {
        let table = c.get_table("sales", name).await.unwrap();
        (table.version_id, table.description.unwrap_or_default())
    };
    let both = c
        .update_tables(vec![
            change("orders", "v1", "0"),
            change("items", "v1", "0"),
        ])
        .await
        .unwrap();
    let names: Vec<&str> = both.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["orders", "items"], "answers in the order asked");
    assert_eq!(
        described_now("items").await,
        ("1".to_string(), "v1".to_string())
    );

    // One stale table, a missing one, or one named twice: nothing changes.
    let refusals = [
        (
            "stale",
            vec![change("orders", "v2", "1"), change("items", "lost", "0")],
        ),
        (
            "missing",
            vec![change("orders", "v2", "1"), change("nowhere", "x", "0")],
        ),
        (
            "twice",
            vec![change("orders", "v2", "1"), change("ORDERS", "v3", "1")],
        ),
    ];
    for (case, updates) in refusals {
        let error = c.update_tables(updates).await.unwrap_err();
        let expected = match case {
            "stale" => matches!(error, Error::ConcurrentModification(_)),
            "missing" => matches!(error, Error::NotFound { .. }),
            _ => matches!(error, Error::InvalidInput(_)),
        };
        assert!(expected, "{case}: {error}");
        assert_eq!(
            described_now("orders").await,
            ("1".to_string(), "v1".to_string()),
            "{case}"
        );
    }
    let versions = c
        .list_table_versions("sales", "orders", PageRequest::default())
        .await
        .unwrap();
    assert_eq!(versions.items.len(), 2, "failed updates archive nothing");

    // Writers naming the same tables in opposite orders: one wins, the others see a
    // conflict (never a deadlock), and both tables carry the winner's change.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            let text = format!("writer {i}");
            let mut updates = vec![change("orders", &text, "1"), change("items", &text, "1")];
            if i % 2 == 1 {
                updates.reverse();
            }
            c.update_tables(updates).await.map(|_| text)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(text) => winners.push(text),
            Err(Error::ConcurrentModification(_)) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    for name in ["orders", "items"] {
        assert_eq!(
            described_now(name).await,
            ("2".to_string(), winners[0].clone()),
            "{name}"
        );
    }
}

async fn partitions_crud(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table(
        "sales",
        table("orders", &[("year", "string"), ("month", "string")]),
    )
    .await
    .unwrap();
    let mut input = partition(&["2024", "06"]);
    input.parameters.insert("recordCount".into(), "10".into());
    let created = c.create_partition("sales", "orders", input).await.unwrap();
    assert_eq!(created.values, ["2024", "06"]);
    assert_eq!(created.parameters["recordCount"], "10");

    let read = c
        .get_partition("sales", "orders", &strings(&["2024", "06"]))
        .await
        .unwrap();
    assert_eq!(read, created);
    let err = c
        .create_partition("sales", "orders", partition(&["2024", "06"]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::AlreadyExists {
                entity: Entity::Partition,
                ..
            }
        ),
        "{err}"
    );
    let err = c
        .get_partition("sales", "orders", &strings(&["2024"]))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("2 partition keys but 1 values"),
        "{err}"
    );

    // Update in place, then move the partition to new values.
    let mut changed = partition(&[]);
    changed.parameters.insert("recordCount".into(), "20".into());
    let updated = c
        .update_partition("sales", "orders", &strings(&["2024", "06"]), changed)
        .await
        .unwrap();
    assert_eq!(
        (
            updated.values.clone(),
            updated.parameters["recordCount"].as_str()
        ),
        (strings(&["2024", "06"]), "20")
    );
    assert_eq!(updated.creation_time, created.creation_time);
    c.create_partition("sales", "orders", partition(&["2024", "08"]))
        .await
        .unwrap();
    let err = c
        .update_partition(
            "sales",
            "orders",
            &strings(&["2024", "06"]),
            partition(&["2024", "08"]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
    c.update_partition(
        "sales",
        "orders",
        &strings(&["2024", "06"]),
        partition(&["2024", "07"]),
    )
    .await
    .unwrap();
    let err = c
        .get_partition("sales", "orders", &strings(&["2024", "06"]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                entity: Entity::Partition,
                ..
            }
        ),
        "{err}"
    );

    c.delete_partition("sales", "orders", &strings(&["2024", "07"]))
        .await
        .unwrap();
    let err = c
        .delete_partition("sales", "orders", &strings(&["2024", "07"]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    let err = c
        .get_partition("sales", "missing", &strings(&["2024", "07"]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                entity: Entity::Table,
                ..
            }
        ),
        "{err}"
    );

    // ExcludeColumnSchema drops only the columns.
    let page = c
        .list_partitions(
            "sales",
            "orders",
            PartitionListRequest {
                exclude_column_schema: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let sd = page.items[0].storage_descriptor.as_ref().unwrap();
    assert!(sd.columns.is_empty());
    assert!(sd.location.is_some());
}

/// A listing reads each page as one text, partitions separated by line feeds and fields by
/// commas: definitions holding both (and quotes, and more than a line's worth) come back as
/// they went in, on every page, filtered or not.
async fn listed_partitions_equal_read_ones(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table(
        "sales",
        table("orders", &[("year", "string"), ("note", "string")]),
    )
    .await
    .unwrap();
    let awkward = [
        "a,b",
        "say \"hi\"",
        "é 😀",
        "1,2\\n3",
        "__HIVE_DEFAULT_PARTITION__",
    ];
    let mut inputs = Vec::new();
    for (i, note) in awkward.iter().enumerate() {
        let mut input = partition(&["2024", note]);
        input
            .parameters
            .insert("comment".into(), format!("line one\nline two, {i}"));
        let sd = input.storage_descriptor.as_mut().unwrap();
        sd.columns[0].comment = Some("first\n\nsecond,\r\n".repeat(15));
        sd.parameters.insert("k,".into(), "v\n,".into());
        inputs.push(input);
    }
    let failures = c
        .create_partitions("sales", "orders", &inputs)
        .await
        .unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    let mut read = Vec::new();
    for input in &inputs {
        read.push(
            c.get_partition("sales", "orders", &input.values)
                .await
                .unwrap(),
        );
    }
    for expression in [None, Some("year = '2024'".to_string())] {
        let mut listed = Vec::new();
        let mut request = PartitionListRequest {
            expression: expression.clone(),
            page: PageRequest {
                max_results: Some(2),
                page_token: None,
            },
            ..Default::default()
        };
        loop {
            let page = c
                .list_partitions("sales", "orders", request.clone())
                .await
                .unwrap();
            listed.extend(page.items);
            match page.next_page_token {
                Some(token) => request.page.page_token = Some(token),
                None => break,
            }
        }
        assert_eq!(listed, read, "{expression:?}");
        let mut values = Vec::new();
        request.page.page_token = None;
        loop {
            let page = c
                .list_partition_values("sales", "orders", request.clone())
                .await
                .unwrap();
            values.extend(page.items);
            match page.next_page_token {
                Some(token) => request.page.page_token = Some(token),
                None => break,
            }
        }
        let read_values: Vec<Vec<String>> = read.iter().map(|p| p.values.clone()).collect();
        assert_eq!(values, read_values, "{expression:?}");
    }
}

async fn partitions_created_all_or_none(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", table("orders", &[("year", "string")]))
        .await
        .unwrap();
    c.create_partition("sales", "orders", partition(&["2020"]))
        .await
        .unwrap();
    let count = || async {
        all_partitions(c, PartitionListRequest::default())
            .await
            .len()
    };
    // More than one API batch: all land together.
    let many: Vec<PartitionInput> = (0..250)
        .map(|i| partition(&[&format!("y{i:03}")]))
        .collect();
    c.create_all_partitions("sales", "orders", &many)
        .await
        .unwrap();
    assert_eq!(count().await, 251);
    // One that exists, wrong arity, or a repeat: the call fails and nothing is created,
    // the partitions before the failing one included.
    let cases: [(&str, Vec<PartitionInput>); 3] = [
        ("exists", vec![partition(&["2031"]), partition(&["2020"])]),
        (
            "arity",
            vec![partition(&["2032"]), partition(&["2033", "x"])],
        ),
        ("repeat", vec![partition(&["2034"]), partition(&["2034"])]),
    ];
    for (case, inputs) in cases {
        let error = c
            .create_all_partitions("sales", "orders", &inputs)
            .await
            .unwrap_err();
        let expected = match case {
            "exists" => matches!(error, Error::AlreadyExists { .. }),
            _ => matches!(error, Error::InvalidInput(_)),
        };
        assert!(expected, "{case}: {error}");
        assert_eq!(count().await, 251, "{case}");
    }
    let too_many: Vec<PartitionInput> = (0..10_001)
        .map(|i| partition(&[&format!("z{i}")]))
        .collect();
    let error = c
        .create_all_partitions("sales", "orders", &too_many)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidInput(_)), "{error}");
}

async fn partition_batches_report_items(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", table("orders", &[("year", "string")]))
        .await
        .unwrap();
    c.create_partition("sales", "orders", partition(&["2020"]))
        .await
        .unwrap();
    let batch = vec![
        partition(&["2021"]),
        partition(&["2020"]),
        partition(&["2022", "extra"]),
        partition(&["2021"]),
        partition(&["2023"]),
    ];
    let failures = c
        .create_partitions("sales", "orders", &batch)
        .await
        .unwrap();
    let failed: Vec<_> = failures
        .iter()
        .map(|f| (f.values.join("/"), f.error.to_string()))
        .collect();
    assert_eq!(failed.len(), 3, "{failed:?}");
    assert!(
        failed
            .iter()
            .any(|(v, e)| v == "2020" && e.contains("already exists"))
    );
    assert!(
        failed
            .iter()
            .any(|(v, e)| v == "2022/extra" && e.contains("1 partition keys but 2"))
    );
    assert!(
        failed
            .iter()
            .any(|(v, e)| v == "2021" && e.contains("twice"))
    );
    let all = all_partitions(c, PartitionListRequest::default()).await;
    assert_eq!(
        all,
        [strings(&["2020"]), strings(&["2021"]), strings(&["2023"])]
    );

    let too_many: Vec<_> = (0..101).map(|i| partition(&[&i.to_string()])).collect();
    let err = c
        .create_partitions("sales", "orders", &too_many)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at most 100"), "{err}");

    let failures = c
        .delete_partitions("sales", "orders", &[strings(&["2020"]), strings(&["1999"])])
        .await
        .unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].values, ["1999"]);
    let all = all_partitions(c, PartitionListRequest::default()).await;
    assert_eq!(all, [strings(&["2021"]), strings(&["2023"])]);
}

async fn filter_table(c: &Catalog) {
    c.create_database(db("sales")).await.unwrap();
    c.create_table(
        "sales",
        table(
            "orders",
            &[
                ("year", "string"),
                ("month", "string"),
                ("region", "int"),
                ("day", "date"),
            ],
        ),
    )
    .await
    .unwrap();
    let mut inputs = Vec::new();
    for year in ["2022", "2023", "2024"] {
        for month in ["01", "02", "11"] {
            for region in ["2", "10", "007"] {
                inputs.push(partition(&[
                    year,
                    month,
                    region,
                    &format!("{year}-{month}-05"),
                ]));
            }
        }
    }
    inputs.push(partition(&[
        "2025",
        "Ab",
        "__HIVE_DEFAULT_PARTITION__",
        "2025-01-01",
    ]));
    inputs.push(partition(&["2025", "ab", "x1", "2025-01-02"]));
    let failures = c.load_partitions("sales", "orders", &inputs).await.unwrap();
    assert!(failures.is_empty(), "{failures:?}");
}

async fn matching(c: &Catalog, expression: &str) -> BTreeSet<String> {
    all_partitions(
        c,
        PartitionListRequest {
            expression: Some(expression.into()),
            ..Default::default()
        },
    )
    .await
    .into_iter()
    .map(|v| v.join("/"))
    .collect()
}

async fn partition_filters(t: &TestCatalog) {
    let c = &t.catalog;
    filter_table(c).await;
    let count = |set: BTreeSet<String>| set.len();

    assert_eq!(count(matching(c, "year = '2024'").await), 9);
    assert_eq!(
        count(matching(c, "year > '2022' AND year < '2024'").await),
        9
    );
    assert_eq!(count(matching(c, "year IN (2022, 2024)").await), 18);
    assert_eq!(
        count(matching(c, "year NOT IN ('2022', '2023', '2024')").await),
        2
    );
    assert_eq!(
        count(matching(c, "year BETWEEN '2023' AND '2024' AND month = '11'").await),
        6
    );
    // region is an int: 10 > 2 numerically (a string comparison would say "10" < "2"),
    // and '007' equals 7.
    assert_eq!(count(matching(c, "region > 2").await), 18);
    assert_eq!(count(matching(c, "region = 7").await), 9);
    assert_eq!(count(matching(c, "region = '7'").await), 9);
    assert_eq!(count(matching(c, "region BETWEEN 3 AND 10").await), 18);
    assert_eq!(
        count(matching(c, "region <> 10 AND year = '2022'").await),
        6
    );
    // LIKE matches the value as written and is case-sensitive on both stores.
    assert_eq!(count(matching(c, "region LIKE '00%'").await), 9);
    assert_eq!(
        matching(c, "month LIKE 'a_'").await,
        BTreeSet::from(["2025/ab/x1/2025-01-02".to_string()])
    );
    assert_eq!(count(matching(c, "month NOT LIKE '0%'").await), 11);
    // Hive's default partition is null; a non-numeric value never matches a numeric test.
    assert_eq!(
        matching(c, "region IS NULL").await,
        BTreeSet::from(["2025/Ab/__HIVE_DEFAULT_PARTITION__/2025-01-01".to_string()])
    );
    assert_eq!(count(matching(c, "region IS NOT NULL").await), 28);
    assert_eq!(count(matching(c, "region >= 0").await), 27);
    assert_eq!(
        count(matching(c, "NOT (year = '2022' OR year = '2023')").await),
        11
    );
    assert_eq!(count(matching(c, "day >= '2024-02-05'").await), 8);
    assert_eq!(
        count(matching(c, "'2024' = year AND 10 <= region").await),
        3
    );
    assert_eq!(count(matching(c, "year = '2022'' OR ''1''=''1'").await), 0);
    assert_eq!(
        count(matching(c, "YEAR = '2023' and Month = '01'").await),
        3
    );
}

async fn filter_errors(t: &TestCatalog) {
    let c = &t.catalog;
    filter_table(c).await;
    let error = |expression: &str| {
        let c = c.clone();
        let expression = expression.to_string();
        async move {
            c.list_partitions(
                "sales",
                "orders",
                PartitionListRequest {
                    expression: Some(expression),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err()
            .to_string()
        }
    };
    assert_eq!(
        error("year = ").await,
        "expression: at position 8: expected a partition key or a value, found the end of the expression"
    );
    assert_eq!(
        error("region = 'x'").await,
        "expression: at position 10: partition key region needs an integer, not 'x'"
    );
    assert_eq!(
        error("colour = 'red'").await,
        "expression: at position 1: unknown partition key colour; partition keys are year, month, region, day"
    );
    let long = format!("year = '{}'", "x".repeat(2100));
    assert!(error(&long).await.contains("at most 2048 bytes"));
}

async fn partition_pages_and_tokens(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", table("orders", &[("n", "int")]))
        .await
        .unwrap();
    let inputs: Vec<_> = (0..250).map(|i| partition(&[&i.to_string()])).collect();
    assert!(
        c.load_partitions("sales", "orders", &inputs)
            .await
            .unwrap()
            .is_empty()
    );

    let mut request = PartitionListRequest {
        page: PageRequest {
            max_results: Some(100),
            page_token: None,
        },
        ..Default::default()
    };
    let mut sizes = Vec::new();
    let mut seen = Vec::new();
    loop {
        let page = c
            .list_partitions("sales", "orders", request.clone())
            .await
            .unwrap();
        sizes.push(page.items.len());
        seen.extend(page.items.into_iter().map(|p| p.values[0].clone()));
        match page.next_page_token {
            Some(token) => request.page.page_token = Some(token),
            None => break,
        }
    }
    assert_eq!(sizes, [100, 100, 50]);
    let expected: Vec<String> = (0..250).map(|i| i.to_string()).collect();
    assert_eq!(seen, expected);

    // A token only works on the listing that issued it.
    let first = c
        .list_partitions(
            "sales",
            "orders",
            PartitionListRequest {
                page: PageRequest {
                    max_results: Some(10),
                    page_token: None,
                },
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let token = first.next_page_token.unwrap();
    let foreign = PartitionListRequest {
        expression: Some("n > 5".into()),
        page: PageRequest {
            max_results: Some(10),
            page_token: Some(token.clone()),
        },
        ..Default::default()
    };
    let err = c
        .list_partitions("sales", "orders", foreign)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidPageToken(_)), "{err}");
    let err = c
        .list_tables(
            "sales",
            PageRequest {
                max_results: None,
                page_token: Some(token),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidPageToken(_)), "{err}");
    let err = c
        .list_partitions(
            "sales",
            "orders",
            PartitionListRequest {
                page: PageRequest {
                    max_results: Some(1001),
                    page_token: None,
                },
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("between 1 and 1000"), "{err}");
}

async fn partition_segments(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", table("orders", &[("n", "int")]))
        .await
        .unwrap();
    let inputs: Vec<_> = (0..100).map(|i| partition(&[&i.to_string()])).collect();
    c.load_partitions("sales", "orders", &inputs).await.unwrap();

    for total in [1, 3, 10] {
        let mut union = Vec::new();
        for number in 0..total {
            let slice = all_partitions(
                c,
                PartitionListRequest {
                    segment: Some((number, total)),
                    expression: Some("n >= 10".into()),
                    page: PageRequest {
                        max_results: Some(7),
                        page_token: None,
                    },
                    ..Default::default()
                },
            )
            .await;
            if total > 1 {
                assert!(slice.len() < 90, "segment {number}/{total} is a slice");
            }
            union.extend(slice.into_iter().map(|v| v[0].parse::<u32>().unwrap()));
        }
        union.sort_unstable();
        let expected: Vec<u32> = (10..100).collect();
        assert_eq!(union, expected, "{total} segments");
    }
    for (number, total) in [(0, 0), (0, 11), (3, 3)] {
        let err = c
            .list_partitions(
                "sales",
                "orders",
                PartitionListRequest {
                    segment: Some((number, total)),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    }
}

/// Every page of the values-only listing holds the values of the same page of the full
/// listing, for filters, segments and the default partition, and either listing's page
/// tokens continue the other.
async fn partition_values_list_like_partitions(t: &TestCatalog) {
    let c = &t.catalog;
    filter_table(c).await;
    let requests = [
        PartitionListRequest::default(),
        PartitionListRequest {
            expression: Some("year >= '2023' AND region <> 10".into()),
            ..Default::default()
        },
        PartitionListRequest {
            expression: Some("month = 'Ab'".into()),
            ..Default::default()
        },
        PartitionListRequest {
            segment: Some((1, 3)),
            ..Default::default()
        },
    ];
    for request in requests {
        let mut request = PartitionListRequest {
            page: PageRequest {
                max_results: Some(4),
                page_token: None,
            },
            ..request
        };
        let mut pages = 0;
        let mut listed = 0;
        // Alternate which listing issues the next token.
        loop {
            let full = c
                .list_partitions("sales", "orders", request.clone())
                .await
                .unwrap();
            let values = c
                .list_partition_values("sales", "orders", request.clone())
                .await
                .unwrap();
            let expected: Vec<Vec<String>> = full.items.into_iter().map(|p| p.values).collect();
            assert_eq!(values.items, expected, "page {pages} of {request:?}");
            assert_eq!(
                values.next_page_token.is_some(),
                full.next_page_token.is_some()
            );
            pages += 1;
            listed += expected.len();
            let next = if pages % 2 == 0 {
                values.next_page_token
            } else {
                full.next_page_token
            };
            match next {
                Some(token) => request.page.page_token = Some(token),
                None => break,
            }
        }
        assert!(listed > 0, "{request:?} lists something");
    }
    let all = c
        .list_partition_values("sales", "orders", PartitionListRequest::default())
        .await
        .unwrap();
    assert_eq!(all.items.len(), 29);
    assert!(all.items.contains(&strings(&[
        "2025",
        "Ab",
        "__HIVE_DEFAULT_PARTITION__",
        "2025-01-01"
    ])));
    assert!(
        all.items
            .contains(&strings(&["2022", "01", "007", "2022-01-05"]))
    );
    let err = c
        .list_partition_values(
            "sales",
            "orders",
            PartitionListRequest {
                expression: Some("colour = 'red'".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    let err = c
        .list_partition_values("sales", "missing", PartitionListRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
}

async fn concurrent_partition_writers_lose_nothing(t: &TestCatalog) {
    // HIVE-24428: concurrent batch writers to one table must not lose partitions.
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", table("orders", &[("writer", "int"), ("n", "int")]))
        .await
        .unwrap();
    let writers = 12;
    let batches = 8;
    let per_batch = 25;
    let mut tasks = Vec::new();
    for writer in 0..writers {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            for batch in 0..batches {
                let inputs: Vec<_> = (0..per_batch)
                    .map(|i| {
                        partition(&[&writer.to_string(), &(batch * per_batch + i).to_string()])
                    })
                    .collect();
                let failures = c
                    .create_partitions("sales", "orders", &inputs)
                    .await
                    .unwrap();
                assert!(failures.is_empty(), "{failures:?}");
            }
        }));
    }
    // Contending writers of the same partitions: exactly one create succeeds for each.
    let mut contenders = Vec::new();
    for _ in 0..4 {
        let c = c.clone();
        contenders.push(tokio::spawn(async move {
            let inputs: Vec<_> = (0..20)
                .map(|i| partition(&["999", &i.to_string()]))
                .collect();
            20 - c
                .create_partitions("sales", "orders", &inputs)
                .await
                .unwrap()
                .len()
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut created = 0;
    for task in contenders {
        created += task.await.unwrap();
    }
    assert_eq!(created, 20);

    let all = all_partitions(c, PartitionListRequest::default()).await;
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), writers * batches * per_batch + 20);
    assert_eq!(unique.len(), all.len());
}

async fn a_renamed_table_keeps_what_it_owns(t: &TestCatalog) {
    use lakecat_catalog::{Tagged, Tags};
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_database(db("archive")).await.unwrap();
    c.create_table("sales", table("orders", &[("year", "string")]))
        .await
        .unwrap();
    c.create_table("archive", table("taken", &[]))
        .await
        .unwrap();
    c.create_partition("sales", "orders", partition(&["2024"]))
        .await
        .unwrap();
    let tags: Tags = [("team".to_string(), "a".to_string())]
        .into_iter()
        .collect();
    c.tag(Tagged::Table("sales".into(), "orders".into()), tags.clone())
        .await
        .unwrap();

    let renamed = c
        .rename_table("Sales", "Orders", "archive", "Orders_2024")
        .await
        .unwrap();
    assert_eq!(renamed.name, "orders_2024");
    assert_eq!(renamed.database_name, "archive");
    assert_eq!(renamed.version_id, "1");
    let gone = c.get_table("sales", "orders").await.unwrap_err();
    assert!(
        matches!(
            gone,
            Error::NotFound {
                entity: Entity::Table,
                ..
            }
        ),
        "{gone:?}"
    );
    let moved = c.get_table("archive", "orders_2024").await.unwrap();
    assert_eq!(moved.name, "orders_2024");
    let partitions = c
        .list_partitions("archive", "orders_2024", PartitionListRequest::default())
        .await
        .unwrap();
    assert_eq!(partitions.items.len(), 1);
    let kept = c
        .get_tags(Tagged::Table("archive".into(), "orders_2024".into()))
        .await
        .unwrap();
    assert_eq!(kept, tags);

    let taken = c
        .rename_table("archive", "orders_2024", "archive", "taken")
        .await
        .unwrap_err();
    assert!(matches!(taken, Error::AlreadyExists { .. }), "{taken:?}");
    let nowhere = c
        .rename_table("archive", "orders_2024", "nowhere", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(
            nowhere,
            Error::NotFound {
                entity: Entity::Database,
                ..
            }
        ),
        "{nowhere:?}"
    );
    let bad = c
        .rename_table("archive", "orders_2024", "archive", "..")
        .await
        .unwrap_err();
    assert!(matches!(bad, Error::InvalidInput(_)), "{bad:?}");
    c.get_table("archive", "orders_2024").await.unwrap();
}

async fn a_rename_with_a_new_definition_is_one_change(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", described("orders", "v0"))
        .await
        .unwrap();
    c.create_table("sales", described("taken", "t0"))
        .await
        .unwrap();
    let at = |v: &str| UpdateTableOptions {
        expected_version_id: Some(v.into()),
        skip_archive: false,
    };
    // Refused for any reason: neither the name nor the definition changes.
    let refusals: [(&str, &str, TableInput, &str); 4] = [
        ("taken", "sales", described("taken", "v1"), "0"),
        ("no database", "nowhere", described("visits", "v1"), "0"),
        ("stale", "sales", described("visits", "v1"), "7"),
        ("invalid", "sales", described("..", "v1"), "0"),
    ];
    for (case, database, input, version) in refusals {
        let error = c
            .rename_and_update_table("sales", "orders", database, input, at(version))
            .await
            .unwrap_err();
        let expected = match case {
            "taken" => matches!(error, Error::AlreadyExists { .. }),
            "no database" => matches!(error, Error::NotFound { .. }),
            "stale" => matches!(error, Error::ConcurrentModification(_)),
            _ => matches!(error, Error::InvalidInput(_)),
        };
        assert!(expected, "{case}: {error}");
        let kept = c.get_table("sales", "orders").await.unwrap();
        assert_eq!(kept.description.as_deref(), Some("v0"), "{case}");
    }
    let renamed = c
        .rename_and_update_table(
            "Sales",
            "Orders",
            "sales",
            described("Visits", "v1"),
            at("0"),
        )
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.description.as_deref()),
        ("visits", Some("v1"))
    );
    assert!(matches!(
        c.get_table("sales", "orders").await.unwrap_err(),
        Error::NotFound { .. }
    ));
    let versions = c
        .list_table_versions("sales", "visits", PageRequest::default())
        .await
        .unwrap();
    assert!(
        versions
            .items
            .iter()
            .any(|v| v.table.description.as_deref() == Some("v0")),
        "the definition before the change is kept as a version"
    );
}

async fn concurrent_database_changes_lose_nothing(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    // Two writers each add their own keys, interleaved: every key survives.
    let writer = |prefix: &'static str| {
        let c = c.clone();
        async move {
            for i in 0..15 {
                c.modify_database("sales", |input| {
                    input
                        .parameters
                        .insert(format!("{prefix}{i}"), i.to_string());
                })
                .await
                .unwrap();
            }
        }
    };
    tokio::join!(writer("a"), writer("b"));
    let stored = c.get_database("sales").await.unwrap();
    assert_eq!(stored.parameters.len(), 30, "{:?}", stored.parameters);

    let renamed = c
        .modify_database("sales", |input| input.name = "refunds".into())
        .await
        .unwrap_err();
    assert!(matches!(renamed, Error::InvalidInput(_)), "{renamed:?}");
    let too_long = c
        .modify_database("sales", |input| input.description = Some("x".repeat(5000)))
        .await
        .unwrap_err();
    assert!(matches!(too_long, Error::InvalidInput(_)), "{too_long:?}");
    assert_eq!(c.get_database("sales").await.unwrap().description, None);
    let missing = c.modify_database("nowhere", |_| {}).await.unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");
}

async fn only_an_empty_database_is_deleted_on_request(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", table("orders", &[])).await.unwrap();
    let refused = c.delete_empty_database("Sales").await.unwrap_err();
    assert!(matches!(refused, Error::InvalidInput(_)), "{refused:?}");
    assert!(refused.to_string().contains("not empty"), "{refused}");
    c.get_table("sales", "orders").await.unwrap();

    c.delete_table("sales", "orders").await.unwrap();
    c.delete_empty_database("sales").await.unwrap();
    let gone = c.get_database("sales").await.unwrap_err();
    assert!(
        matches!(
            gone,
            Error::NotFound {
                entity: Entity::Database,
                ..
            }
        ),
        "{gone:?}"
    );
    let missing = c.delete_empty_database("sales").await.unwrap_err();
    assert!(
        matches!(
            missing,
            Error::NotFound {
                entity: Entity::Database,
                ..
            }
        ),
        "{missing:?}"
    );
}

async fn delete_database_cascades(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", table("orders", &[("year", "string")]))
        .await
        .unwrap();
    c.create_partition("sales", "orders", partition(&["2024"]))
        .await
        .unwrap();
    c.update_table(
        "sales",
        "orders",
        table("orders", &[("year", "string")]),
        UpdateTableOptions::default(),
    )
    .await
    .unwrap();
    c.delete_database("sales").await.unwrap();

    c.create_database(db("sales")).await.unwrap();
    let recreated = c
        .create_table("sales", table("orders", &[("year", "string")]))
        .await
        .unwrap();
    assert_eq!(recreated.version_id, "0");
    assert!(
        all_partitions(c, PartitionListRequest::default())
            .await
            .is_empty()
    );
    let versions = c
        .list_table_versions("sales", "orders", PageRequest::default())
        .await
        .unwrap();
    assert_eq!(versions.items.len(), 1);
}

async fn partition_keys_locked_by_partitions(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", table("orders", &[("year", "string")]))
        .await
        .unwrap();
    // Without partitions the keys may change freely.
    let two_keys = table("orders", &[("year", "string"), ("month", "string")]);
    c.update_table(
        "sales",
        "orders",
        two_keys.clone(),
        UpdateTableOptions::default(),
    )
    .await
    .unwrap();
    c.create_partition("sales", "orders", partition(&["2024", "01"]))
        .await
        .unwrap();
    let err = c
        .update_table(
            "sales",
            "orders",
            table("orders", &[("year", "string")]),
            UpdateTableOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("delete them before changing"),
        "{err}"
    );
    // Changing a key's type keeps working, and filters follow the new type.
    let retyped = table("orders", &[("year", "int"), ("month", "int")]);
    c.update_table("sales", "orders", retyped, UpdateTableOptions::default())
        .await
        .unwrap();
    assert_eq!(matching(c, "month = 1").await.len(), 1);
}

async fn batch_reads_keep_order_across_statements(t: &TestCatalog) {
    let c = &t.catalog;
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", table("orders", &[("day", "int")]))
        .await
        .unwrap();
    let inputs: Vec<PartitionInput> = (0..300).map(|d| partition(&[&d.to_string()])).collect();
    c.load_partitions("sales", "orders", &inputs).await.unwrap();
    // Newest first, with missing days between, and more lookups than one statement holds.
    let wanted: Vec<Vec<String>> = (0..450).rev().map(|d| vec![d.to_string()]).collect();
    let found = c.get_partitions("sales", "orders", &wanted).await.unwrap();
    let days: Vec<String> = found.iter().map(|p| p.values[0].clone()).collect();
    let expected: Vec<String> = (0..300).rev().map(|d| d.to_string()).collect();
    assert_eq!(days, expected);
    assert!(found.iter().all(|p| p.table_name == "orders"));

    let wrong = c
        .get_partitions("sales", "orders", &[strings(&["1"]), strings(&["1", "2"])])
        .await
        .unwrap_err();
    assert!(
        matches!(&wrong, Error::InvalidInput(m) if m.starts_with("values[1]")),
        "{wrong}"
    );
    let too_many: Vec<Vec<String>> = (0..1001).map(|d| vec![d.to_string()]).collect();
    let refused = c
        .get_partitions("sales", "orders", &too_many)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::InvalidInput(m) if m.contains("at most 1000")),
        "{refused}"
    );
    assert!(c.get_partitions("sales", "orders", &[]).await.is_err());
}

async fn ping_needs_this_versions_migrations(t: &TestCatalog) {
    use sqlx::{Connection, Executor};
    t.catalog.ping().await.unwrap();
    // As if an older server had created the database: the newest migration is missing.
    let mut conn = sqlx::AnyConnection::connect(&t.url).await.unwrap();
    conn.execute(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .await
    .unwrap();
    conn.close().await.unwrap();
    let error = t.catalog.ping().await.unwrap_err();
    let source = std::error::Error::source(&error)
        .map(|s| s.to_string())
        .unwrap_or_default();
    assert!(source.contains("this server needs"), "{error:?}");
}

fn function(name: &str) -> FunctionInput {
    FunctionInput {
        function_name: name.into(),
        class_name: Some(format!("com.example.{name}")),
        owner_name: Some("analyst".into()),
        owner_type: Some("USER".into()),
        resource_uris: vec![ResourceUri {
            resource_type: "JAR".into(),
            uri: "s3://lib/udfs.jar".into(),
        }],
        ..Default::default()
    }
}

fn is_not_found(error: &Error, expected: Entity) -> bool {
    matches!(error, Error::NotFound { entity, .. } if *entity == expected)
}

async fn functions_crud(t: &TestCatalog) {
    let c = &t.catalog;
    let err = c
        .create_function("sales", function("upper"))
        .await
        .unwrap_err();
    assert!(is_not_found(&err, Entity::Database), "{err}");
    c.create_database(db("sales")).await.unwrap();
    let created = c
        .create_function("Sales", function("To_Upper"))
        .await
        .unwrap();
    assert_eq!(created.database_name, "sales");
    assert_eq!(created.input.function_name, "to_upper");
    let read = c.get_function("sales", "TO_UPPER").await.unwrap();
    assert_eq!(read, created);
    let err = c
        .create_function("sales", function("to_upper"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::AlreadyExists {
                entity: Entity::Function,
                ..
            }
        ),
        "{err}"
    );
    let err = c.get_function("sales", "missing").await.unwrap_err();
    assert!(is_not_found(&err, Entity::Function), "{err}");
    let err = c.get_function("nowhere", "to_upper").await.unwrap_err();
    assert!(is_not_found(&err, Entity::Database), "{err}");

    // An update replaces the definition and may rename; the creation time stays.
    let mut changed = function("to_upper_v2");
    changed.class_name = Some("com.example.Upper2".into());
    let updated = c
        .update_function("sales", "to_upper", changed)
        .await
        .unwrap();
    assert_eq!(updated.create_time, created.create_time);
    let read = c.get_function("sales", "to_upper_v2").await.unwrap();
    assert_eq!(read.input.class_name.as_deref(), Some("com.example.Upper2"));
    assert!(c.get_function("sales", "to_upper").await.is_err());
    let err = c
        .update_function("sales", "missing", function("missing"))
        .await
        .unwrap_err();
    assert!(is_not_found(&err, Entity::Function), "{err}");
    c.create_function("sales", function("other")).await.unwrap();
    let err = c
        .update_function("sales", "other", function("to_upper_v2"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");

    c.delete_function("sales", "to_upper_v2").await.unwrap();
    let err = c.delete_function("sales", "to_upper_v2").await.unwrap_err();
    assert!(is_not_found(&err, Entity::Function), "{err}");

    // Deleting the database deletes its functions; a new database of that name has none.
    c.delete_database("sales").await.unwrap();
    c.create_database(db("sales")).await.unwrap();
    let listing = c
        .list_functions(Some("sales"), "*", PageRequest::default())
        .await
        .unwrap();
    assert!(listing.items.is_empty(), "{:?}", listing.items);
}

async fn function_pages_and_patterns(t: &TestCatalog) {
    let c = &t.catalog;
    for database in ["a", "b"] {
        c.create_database(db(database)).await.unwrap();
        for name in ["f1", "f2", "g1"] {
            c.create_function(database, function(name)).await.unwrap();
        }
    }
    c.create_database(db("empty")).await.unwrap();
    let names = |listing: &lakecat_catalog::Listing<lakecat_catalog::Function>| {
        listing
            .items
            .iter()
            .map(|f| format!("{}.{}", f.database_name, f.input.function_name))
            .collect::<Vec<_>>()
    };
    // Every database, two at a time, in database then function order.
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .list_functions(
                None,
                "*",
                PageRequest {
                    max_results: Some(2),
                    page_token: token,
                },
            )
            .await
            .unwrap();
        all.extend(names(&page));
        token = page.next_page_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(all, ["a.f1", "a.f2", "a.g1", "b.f1", "b.f2", "b.g1"]);
    let page = c
        .list_functions(Some("B"), "F*|nothing", PageRequest::default())
        .await
        .unwrap();
    assert_eq!(names(&page), ["b.f1", "b.f2"]);
    assert!(page.next_page_token.is_none());
    let page = c
        .list_functions(Some("empty"), "*", PageRequest::default())
        .await
        .unwrap();
    assert!(page.items.is_empty());
    let err = c
        .list_functions(Some("missing"), "*", PageRequest::default())
        .await
        .unwrap_err();
    assert!(is_not_found(&err, Entity::Database), "{err}");
    // A token from one listing is refused by another.
    let first = c
        .list_functions(
            Some("a"),
            "*",
            PageRequest {
                max_results: Some(1),
                page_token: None,
            },
        )
        .await
        .unwrap();
    let err = c
        .list_functions(
            Some("b"),
            "*",
            PageRequest {
                max_results: Some(1),
                page_token: first.next_page_token,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidPageToken(_)), "{err}");
    let err = c
        .list_functions(None, "(", PageRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
}

async fn tags_on_catalog_objects(t: &TestCatalog) {
    use lakecat_catalog::crawlers::{
        ClassifierInput, CrawlerInput, CrawlerTargets, Crawlers, S3Target,
    };
    use lakecat_catalog::{Tagged, Tags};

    let c = &t.catalog;
    let tags = |pairs: &[(&str, &str)]| -> Tags {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let err = c
        .tag(Tagged::Database("sales".into()), tags(&[("team", "a")]))
        .await
        .unwrap_err();
    assert!(is_not_found(&err, Entity::Database), "{err}");
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", table("orders", &[("year", "string")]))
        .await
        .unwrap();
    let crawlers = Crawlers::new(std::sync::Arc::new(t.store.clone()));
    crawlers
        .create_crawler(CrawlerInput {
            name: "nightly".into(),
            database_name: "sales".into(),
            targets: CrawlerTargets {
                s3_targets: vec![S3Target {
                    path: "s3://lake/".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    crawlers
        .create_classifier(ClassifierInput {
            name: "app-logs".into(),
            definition: serde_json::json!({"kind": "grok", "classification": "app",
                "grok_pattern": "%{WORD:level} %{GREEDYDATA:message}"}),
        })
        .await
        .unwrap();
    let objects = [
        Tagged::Database("Sales".into()),
        Tagged::Table("sales".into(), "ORDERS".into()),
        Tagged::Crawler("nightly".into()),
        Tagged::Classifier("app-logs".into()),
    ];
    for (i, object) in objects.iter().enumerate() {
        let value = i.to_string();
        c.tag(object.clone(), tags(&[("team", "data"), ("n", &value)]))
            .await
            .unwrap();
        // Adding replaces a key's value and keeps the other keys.
        c.tag(object.clone(), tags(&[("team", "lake")]))
            .await
            .unwrap();
    }
    for (i, object) in objects.iter().enumerate() {
        let value = i.to_string();
        assert_eq!(
            c.get_tags(object.clone()).await.unwrap(),
            tags(&[("n", &value), ("team", "lake")]),
            "{object:?}"
        );
    }
    c.untag(objects[0].clone(), vec!["team".into(), "absent".into()])
        .await
        .unwrap();
    assert_eq!(
        c.get_tags(objects[0].clone()).await.unwrap(),
        tags(&[("n", "0")])
    );

    // At most 50 tags on an object; a request that would pass that changes nothing.
    let many: Tags = (0..50).map(|i| (format!("k{i}"), String::new())).collect();
    let err = c.tag(objects[1].clone(), many).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    assert_eq!(c.get_tags(objects[1].clone()).await.unwrap().len(), 2);
    let err = c
        .tag(objects[1].clone(), tags(&[("", "x")]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    let long = "v".repeat(257);
    let err = c
        .tag(objects[1].clone(), tags(&[("k", &long)]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");

    let err = c
        .get_tags(Tagged::Table("sales".into(), "missing".into()))
        .await
        .unwrap_err();
    assert!(is_not_found(&err, Entity::Table), "{err}");
    let err = c
        .get_tags(Tagged::Crawler("missing".into()))
        .await
        .unwrap_err();
    assert!(is_not_found(&err, Entity::Crawler), "{err}");

    // Tags go with their object: a new object of the same name has none.
    crawlers.delete_crawler("nightly").await.unwrap();
    crawlers.delete_classifier("app-logs").await.unwrap();
    c.delete_database("sales").await.unwrap();
    c.create_database(db("sales")).await.unwrap();
    c.create_table("sales", table("orders", &[("year", "string")]))
        .await
        .unwrap();
    assert!(c.get_tags(objects[0].clone()).await.unwrap().is_empty());
    assert!(c.get_tags(objects[1].clone()).await.unwrap().is_empty());
}

/// A database or crawler created with tags gets them all, or, when they are refused, is not
/// created at all: the object and its tags are one transaction.
async fn objects_and_their_tags_are_created_together(t: &TestCatalog) {
    use lakecat_catalog::crawlers::{
        CrawlerInput, CrawlerStore, CrawlerTargets, Crawlers, S3Target,
    };
    use lakecat_catalog::{CatalogStore, Tagged, Tags};

    let c = &t.catalog;
    let crawlers = Crawlers::new(std::sync::Arc::new(t.store.clone()));
    let crawler = |name: &str| CrawlerInput {
        name: name.into(),
        database_name: "sales".into(),
        targets: CrawlerTargets {
            s3_targets: vec![S3Target {
                path: "s3://lake/".into(),
                ..Default::default()
            }],
            ..Default::default()
        },
        ..Default::default()
    };
    let team: Tags = [("team".to_string(), "data".to_string())].into();
    // Fifty-one tags: each is valid, but no object may carry that many. The service refuses
    // them before it writes; the store only once the object's row is written.
    let too_many: Tags = (0..51).map(|i| (format!("k{i}"), String::new())).collect();

    let created = c
        .create_database_with_tags(db("Sales"), team.clone())
        .await
        .unwrap();
    assert_eq!(created.name, "sales");
    assert_eq!(
        c.get_tags(Tagged::Database("sales".into())).await.unwrap(),
        team
    );
    crawlers
        .create_crawler_with_tags(crawler("nightly"), team.clone())
        .await
        .unwrap();
    assert_eq!(
        c.get_tags(Tagged::Crawler("nightly".into())).await.unwrap(),
        team
    );

    let refused = |result: Result<(), Error>, store: &str| {
        assert!(
            matches!(result, Err(Error::InvalidInput(_))),
            "{store}: {result:?}"
        );
    };
    let service = c.create_database_with_tags(db("refused"), too_many.clone());
    refused(service.await.map(drop), "catalog service");
    let (refused_database, refused_crawler) = (db("refused"), crawler("refused"));
    let store = CatalogStore::create_database(&t.store, &refused_database, &too_many);
    refused(store.await.map(drop), "catalog store");
    let service = crawlers.create_crawler_with_tags(refused_crawler.clone(), too_many.clone());
    refused(service.await.map(drop), "crawler service");
    let store = CrawlerStore::create_crawler(&t.store, &refused_crawler, &too_many);
    refused(store.await.map(drop), "crawler store");
    let err = c.get_database("refused").await.unwrap_err();
    assert!(is_not_found(&err, Entity::Database), "{err}");
    let err = crawlers.get_crawler("refused").await.unwrap_err();
    assert!(is_not_found(&err, Entity::Crawler), "{err}");

    // The names are free, and nothing of the refused objects stayed behind.
    c.create_database(refused_database).await.unwrap();
    crawlers.create_crawler(refused_crawler).await.unwrap();
    assert!(
        c.get_tags(Tagged::Database("refused".into()))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        c.get_tags(Tagged::Crawler("refused".into()))
            .await
            .unwrap()
            .is_empty()
    );
}
