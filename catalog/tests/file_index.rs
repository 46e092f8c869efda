//! Tables' file indexes on SQLite and PostgreSQL: written in the table's change, replaced
//! whole or added to, the generation going up only when the rows change, and gone with the
//! table.

#![allow(clippy::unwrap_used)]

mod support;

use lakecat_catalog::store::{FileIndexChange, IndexedFile, IndexedFolder};
use lakecat_catalog::{
    Column, DatabaseInput, Entity, Error, StorageDescriptor, TableAction, TableChange, TableInput,
};
use support::TestCatalog;

conformance!(
    a_crawl_writes_the_file_index_with_its_table,
    a_failed_change_writes_no_file_index,
    a_change_of_listed_folders_replaces_what_they_hold,
);

fn table() -> TableInput {
    TableInput {
        name: "t".into(),
        partition_keys: vec![Column {
            name: "k".into(),
            type_name: Some("string".into()),
            ..Column::default()
        }],
        storage_descriptor: Some(StorageDescriptor {
            location: Some("s3://lake/t/".into()),
            ..StorageDescriptor::default()
        }),
        ..TableInput::default()
    }
}

fn file(path: &str, k: &str, size: i64) -> IndexedFile {
    IndexedFile {
        path: format!("s3://lake/t/k={k}/{path}"),
        partition_values: vec![k.into()],
        size,
        record_count: Some(size / 10),
        stats: Some(r#"{"columns":{"id":{"n":0,"lo":{"i":1},"hi":{"i":9}}}}"#.into()),
    }
}

async fn create_database(c: &lakecat_catalog::Catalog) {
    c.create_database(DatabaseInput {
        name: "db".into(),
        ..DatabaseInput::default()
    })
    .await
    .unwrap();
}

fn change(action: TableAction) -> TableChange {
    TableChange {
        action,
        put_partitions: vec![],
        delete_partitions: vec![],
        statistics: None,
    }
}

fn keep() -> TableChange {
    change(TableAction::Keep { name: "t".into() })
}

fn index(files: Vec<IndexedFile>, whole_table: bool, unread: i64) -> FileIndexChange {
    FileIndexChange {
        files,
        whole_table,
        unread,
        folders: Vec::new(),
    }
}

async fn a_crawl_writes_the_file_index_with_its_table(t: &TestCatalog) {
    let c = &t.catalog;
    create_database(c).await;
    let first = vec![file("a.parquet", "1", 100), file("b.parquet", "2", 200)];
    c.apply_indexed_table_change(
        "db",
        change(TableAction::Create(table())),
        Some(&index(first.clone(), true, 0)),
    )
    .await
    .unwrap();
    let stored = c.table_files("db", "t").await.unwrap().unwrap();
    assert_eq!(stored.generation, 1);
    assert_eq!(stored.files, first);
    let identity = stored.identity.clone();
    assert_eq!(identity.len(), 36, "{identity}");
    assert_eq!(
        c.table_files_state("DB", "T")
            .await
            .unwrap()
            .map(|s| s.generation),
        Some(1)
    );

    // The same files again: nothing changes, not even the generation.
    c.apply_indexed_table_change("db", keep(), Some(&index(first.clone(), true, 0)))
        .await
        .unwrap();
    assert_eq!(
        c.table_files_state("db", "t")
            .await
            .unwrap()
            .map(|s| s.generation),
        Some(1)
    );

    // A whole-table change: b is gone, a changed, c new.
    let second = vec![file("a.parquet", "1", 150), file("c.parquet", "3", 300)];
    c.apply_indexed_table_change("db", keep(), Some(&index(second.clone(), true, 2)))
        .await
        .unwrap();
    let stored = c.table_files("db", "t").await.unwrap().unwrap();
    assert_eq!((stored.generation, stored.unread), (2, 2));
    assert_eq!(stored.files, second);

    // New folders only: added beside the others, unread objects counted on.
    let added = vec![file("d.parquet", "4", 400)];
    c.apply_indexed_table_change("db", keep(), Some(&index(added, false, 1)))
        .await
        .unwrap();
    let stored = c.table_files("db", "t").await.unwrap().unwrap();
    assert_eq!((stored.generation, stored.unread), (3, 3));
    let paths: Vec<&str> = stored.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "s3://lake/t/k=1/a.parquet",
            "s3://lake/t/k=3/c.parquet",
            "s3://lake/t/k=4/d.parquet"
        ]
    );

    // A change without an index leaves it as it is.
    c.apply_table_change("db", keep()).await.unwrap();
    assert_eq!(
        c.table_files_state("db", "t")
            .await
            .unwrap()
            .map(|s| s.generation),
        Some(3)
    );

    // The index goes with its table, also through a rename, and keeps its identity.
    c.rename_table("db", "t", "db", "u").await.unwrap();
    let renamed = c.table_files_state("db", "u").await.unwrap().unwrap();
    assert_eq!(
        (renamed.generation, renamed.identity),
        (3, identity.clone())
    );
    // Generated metadata is recorded only against the index it was made from.
    assert_eq!(renamed.generated_metadata, None);
    assert!(
        c.record_generated_metadata("DB", "U", &identity, "s3://m/1.json")
            .await
            .unwrap()
    );
    assert!(
        !c.record_generated_metadata("db", "u", "another", "s3://m/2.json")
            .await
            .unwrap()
    );
    // A crawl's change keeps it.
    c.apply_indexed_table_change(
        "db",
        change(TableAction::Keep { name: "u".into() }),
        Some(&index(vec![], true, 0)),
    )
    .await
    .unwrap();
    let recorded = c.table_files_state("db", "u").await.unwrap().unwrap();
    assert_eq!(
        recorded.generated_metadata.as_deref(),
        Some("s3://m/1.json")
    );
    assert_eq!(recorded.generation, 4);
    c.delete_table("db", "u").await.unwrap();
    c.create_table(
        "db",
        TableInput {
            name: "u".into(),
            ..table()
        },
    )
    .await
    .unwrap();
    assert_eq!(c.table_files("db", "u").await.unwrap(), None);
    // Indexed again, the table made again under the old name is another index: it starts
    // at generation 1 as the first did, but under another identity.
    c.apply_indexed_table_change(
        "db",
        change(TableAction::Keep { name: "u".into() }),
        Some(&index(first.clone(), true, 0)),
    )
    .await
    .unwrap();
    let again = c.table_files_state("db", "u").await.unwrap().unwrap();
    assert_eq!(again.generation, 1);
    assert_ne!(again.identity, identity);
    assert_eq!(again.generated_metadata, None);
    let missing = c.table_files("db", "nope").await.unwrap_err();
    assert!(
        matches!(
            missing,
            Error::NotFound {
                entity: Entity::Table,
                ..
            }
        ),
        "{missing:?}"
    );
}

async fn a_failed_change_writes_no_file_index(t: &TestCatalog) {
    let c = &t.catalog;
    create_database(c).await;
    c.create_table("db", table()).await.unwrap();
    // Creating a table that exists fails, and takes its index with it.
    let failed = c
        .apply_indexed_table_change(
            "db",
            change(TableAction::Create(table())),
            Some(&index(vec![file("a.parquet", "1", 100)], true, 0)),
        )
        .await;
    assert!(failed.is_err());
    assert_eq!(c.table_files("db", "t").await.unwrap(), None);
}

fn folder(k: &str, unread: i64) -> IndexedFolder {
    IndexedFolder {
        url: format!("s3://lake/t/k={k}/"),
        unread,
    }
}

fn paths_of(files: &lakecat_catalog::store::TableFiles) -> Vec<&str> {
    files.files.iter().map(|f| f.path.as_str()).collect()
}

async fn a_change_of_listed_folders_replaces_what_they_hold(t: &TestCatalog) {
    let c = &t.catalog;
    create_database(c).await;
    // A full crawl: k=1 holds a and b, k=2 holds c and two objects not read, k=3 holds d.
    let full = FileIndexChange {
        files: vec![
            file("a.parquet", "1", 100),
            file("b.parquet", "1", 100),
            file("c.parquet", "2", 100),
            file("d.parquet", "3", 100),
        ],
        whole_table: true,
        unread: 2,
        folders: vec![folder("1", 0), folder("2", 2), folder("3", 0)],
    };
    c.apply_indexed_table_change("db", change(TableAction::Create(table())), Some(&full))
        .await
        .unwrap();
    // Events name k=1 (b deleted), k=2 (now three objects not read) and k=3 (emptied).
    let events = FileIndexChange {
        files: vec![file("a.parquet", "1", 100), file("c.parquet", "2", 100)],
        whole_table: false,
        unread: 3,
        folders: vec![folder("1", 0), folder("2", 3), folder("3", 0)],
    };
    c.apply_indexed_table_change("db", keep(), Some(&events))
        .await
        .unwrap();
    let after = c.table_files("db", "t").await.unwrap().unwrap();
    assert_eq!(
        paths_of(&after),
        ["s3://lake/t/k=1/a.parquet", "s3://lake/t/k=2/c.parquet"]
    );
    assert_eq!((after.generation, after.unread), (2, 3));
    // The same events again change nothing: no rows, no unread count, no generation.
    c.apply_indexed_table_change("db", keep(), Some(&events))
        .await
        .unwrap();
    let again = c.table_files("db", "t").await.unwrap().unwrap();
    assert_eq!(again, after);
    // A folder not listed keeps its files and unread count; one listed empty loses its own.
    c.apply_indexed_table_change(
        "db",
        keep(),
        Some(&FileIndexChange {
            files: vec![file("e.parquet", "4", 100)],
            whole_table: false,
            unread: 1,
            folders: vec![folder("4", 1)],
        }),
    )
    .await
    .unwrap();
    c.apply_indexed_table_change(
        "db",
        keep(),
        Some(&FileIndexChange {
            folders: vec![folder("2", 0)],
            ..FileIndexChange::default()
        }),
    )
    .await
    .unwrap();
    let last = c.table_files("db", "t").await.unwrap().unwrap();
    assert_eq!(
        paths_of(&last),
        ["s3://lake/t/k=1/a.parquet", "s3://lake/t/k=4/e.parquet"]
    );
    assert_eq!((last.generation, last.unread), (4, 1));
}
