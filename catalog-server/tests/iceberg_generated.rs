//! Crawled Hive tables through Iceberg REST, in process: a Parquet table with a file index
//! loads with generated metadata written under the configured metadata location, is
//! generated once per state of the table, gets a new snapshot (chained to the old one,
//! whose file stays) when its files change, refuses commits, renames and drops, and tables
//! of other formats say why they are not offered. Real clients read such tables in
//! `open_table_formats.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use lakecat_catalog::store::{FileIndexChange, IndexedFile};
use lakecat_catalog::{
    Catalog, Column, DatabaseInput, SqlStore, StorageDescriptor, StoreOptions, TableAction,
    TableChange, TableInput,
};
use serde_json::{Value, json};
use tower::ServiceExt;

struct TestApp {
    app: Router,
    catalog: Catalog,
    metadata_root: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

async fn test_app() -> TestApp {
    app_over(tempfile::tempdir().unwrap()).await
}

/// A test app whose catalog has the database `lake`.
async fn lake_app() -> TestApp {
    let t = test_app().await;
    t.catalog
        .create_database(DatabaseInput {
            name: "lake".into(),
            ..DatabaseInput::default()
        })
        .await
        .unwrap();
    t
}

/// A server over the catalog and metadata location in `dir`: a second one over the same
/// `dir` is the first restarted.
async fn app_over(dir: tempfile::TempDir) -> TestApp {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("c.db").display());
    let store = Arc::new(
        SqlStore::connect(&url, &StoreOptions::default())
            .await
            .unwrap(),
    );
    let catalog = Catalog::new(store.clone());
    let root = dir.path().canonicalize().unwrap();
    let roots = lakecat_crawler::AllowedRoots::parse(&[root.display().to_string()]).unwrap();
    let crawlers = lakecat_crawler::CrawlerService::new(
        catalog.clone(),
        lakecat_catalog::crawlers::Crawlers::new(store.clone()),
    )
    .with_allowed_roots(roots);
    let metadata_root = root.join("iceberg");
    let app = lakecat_server::app_with(lakecat_server::AppSettings {
        catalog: catalog.clone(),
        crawlers,
        metrics: Default::default(),
        store: Some(store),
        access: Default::default(),
        request_timeout: lakecat_server::DEFAULT_REQUEST_TIMEOUT,
        max_body_memory: 64 << 20,
        iceberg_metadata_location: Some(format!("file://{}", metadata_root.display())),
    });
    TestApp {
        app,
        catalog,
        metadata_root,
        _dir: dir,
    }
}

impl TestApp {
    async fn call(&self, method: Method, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(uri);
        let body = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let response = self
            .app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (status, value)
    }

    async fn get(&self, uri: &str) -> (StatusCode, Value) {
        self.call(Method::GET, uri, None).await
    }

    /// The generated metadata folder of `lake.{table}`: named by the table and its file
    /// index's identity.
    async fn metadata_folder(&self, table: &str) -> std::path::PathBuf {
        let state = self
            .catalog
            .table_files_state("lake", table)
            .await
            .unwrap()
            .unwrap();
        self.metadata_root
            .join("lake")
            .join(format!("{table}-{}", state.identity))
            .join("metadata")
    }
}

fn column(name: &str, type_name: &str) -> Column {
    Column {
        name: name.into(),
        type_name: Some(type_name.into()),
        ..Column::default()
    }
}

fn table(name: &str, classification: &str, columns: Vec<Column>) -> TableInput {
    TableInput {
        name: name.into(),
        table_type: Some("EXTERNAL_TABLE".into()),
        parameters: [("classification".to_string(), classification.to_string())].into(),
        partition_keys: vec![column("year", "string")],
        storage_descriptor: Some(StorageDescriptor {
            columns,
            location: Some(format!("s3://lake/{name}/")),
            ..StorageDescriptor::default()
        }),
        ..TableInput::default()
    }
}

fn file(table: &str, year: &str, name: &str, records: i64) -> IndexedFile {
    IndexedFile {
        path: format!("s3://lake/{table}/year={year}/{name}"),
        partition_values: vec![year.into()],
        size: records * 100,
        record_count: Some(records),
        stats: None,
    }
}

async fn crawl(t: &TestApp, action: TableAction, files: Vec<IndexedFile>) {
    let change = TableChange {
        action,
        put_partitions: vec![],
        delete_partitions: vec![],
        statistics: None,
    };
    let index = FileIndexChange {
        files,
        whole_table: true,
        unread: 0,
        folders: Vec::new(),
    };
    t.catalog
        .apply_indexed_table_change("lake", change, Some(&index))
        .await
        .unwrap();
}

fn error(body: &Value) -> (&str, u64, &str) {
    (
        body["error"]["type"].as_str().unwrap(),
        body["error"]["code"].as_u64().unwrap(),
        body["error"]["message"].as_str().unwrap(),
    )
}

#[tokio::test]
async fn crawled_tables_are_served_as_read_only_iceberg_tables() {
    let t = lake_app().await;
    let columns = vec![column("id", "bigint"), column("name", "string")];
    crawl(
        &t,
        TableAction::Create(table("events", "parquet", columns.clone())),
        vec![
            file("events", "2023", "a.parquet", 10),
            file("events", "2024", "b.parquet", 20),
        ],
    )
    .await;
    crawl(
        &t,
        TableAction::Create(table("logs", "csv", columns.clone())),
        vec![],
    )
    .await;
    t.catalog
        .create_table("lake", table("fresh", "parquet", columns.clone()))
        .await
        .unwrap();

    // Listed: the indexed Parquet table only.
    let (status, list) = t.get("/iceberg/v1/namespaces/lake/tables").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list["identifiers"],
        json!([{"namespace": ["lake"], "name": "events"}])
    );

    let (status, loaded) = t.get("/iceberg/v1/namespaces/lake/tables/events").await;
    assert_eq!(status, StatusCode::OK, "{loaded}");
    let first = loaded["metadata-location"].as_str().unwrap().to_string();
    let folder = t.metadata_folder("events").await;
    let root = format!("file://{}/", folder.display());
    assert!(first.starts_with(&root), "{first}");
    let metadata = &loaded["metadata"];
    assert_eq!(metadata["format-version"], 2);
    assert_eq!(metadata["location"], "s3://lake/events");
    assert_eq!(
        metadata["partition-specs"][0]["fields"][0],
        json!({"source-id": 3, "field-id": 1000, "name": "year", "transform": "identity"})
    );
    assert_eq!(metadata["snapshots"][0]["summary"]["total-records"], "30");
    assert_eq!(metadata["properties"]["lakecat.read-only"], "true");
    let written = std::fs::read_dir(&folder).unwrap().count();
    // Two manifests (one per year), the manifest list, the metadata file.
    assert_eq!(written, 4);

    // Loaded again: the same file, nothing written.
    let (_, again) = t.get("/iceberg/v1/namespaces/lake/tables/events").await;
    assert_eq!(again["metadata-location"], json!(first));
    let (_, head) = t
        .call(
            Method::HEAD,
            "/iceberg/v1/namespaces/lake/tables/events",
            None,
        )
        .await;
    assert_eq!(head, Value::Null);

    // A crawl that changes the files: a new snapshot chained to the old, the old file kept.
    crawl(
        &t,
        TableAction::Keep {
            name: "events".into(),
        },
        vec![
            file("events", "2023", "a.parquet", 10),
            file("events", "2024", "b.parquet", 20),
            file("events", "2025", "c.parquet", 5),
        ],
    )
    .await;
    let (_, second) = t.get("/iceberg/v1/namespaces/lake/tables/events").await;
    let second_location = second["metadata-location"].as_str().unwrap();
    assert_ne!(second_location, first);
    let snapshots = second["metadata"]["snapshots"].as_array().unwrap();
    assert_eq!(snapshots.len(), 2);
    assert_eq!(
        snapshots[1]["parent-snapshot-id"],
        metadata["current-snapshot-id"]
    );
    assert_eq!(snapshots[1]["summary"]["total-records"], "35");
    assert_eq!(
        second["metadata"]["metadata-log"][0]["metadata-file"],
        json!(first)
    );
    assert!(std::path::Path::new(first.strip_prefix("file://").unwrap()).exists());
    // The field ids did not change.
    assert_eq!(
        second["metadata"]["schemas"], metadata["schemas"],
        "the same schema"
    );

    // Read only: commits, renames and drops are refused with the reason.
    let commit = json!({"requirements": [], "updates": []});
    let (status, refused) = t
        .call(
            Method::POST,
            "/iceberg/v1/namespaces/lake/tables/events",
            Some(commit),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (kind, _, reason) = error(&refused);
    assert_eq!(kind, "BadRequestException");
    assert!(reason.contains("read-only Iceberg table"), "{reason}");
    let (status, _) = t
        .call(
            Method::DELETE,
            "/iceberg/v1/namespaces/lake/tables/events",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(t.catalog.get_table("lake", "events").await.is_ok());

    // Other tables say why they are not offered.
    let cases = [
        ("logs", "it is a csv table"),
        ("fresh", "no crawl has indexed its files"),
    ];
    for (name, expected) in cases {
        let (status, body) = t
            .get(&format!("/iceberg/v1/namespaces/lake/tables/{name}"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
        let (kind, _, reason) = error(&body);
        assert_eq!(kind, "NoSuchTableException");
        assert!(reason.contains(expected), "{name}: {reason}");
    }
}

/// A table dropped and crawled again under its name, with other columns and files, is
/// another Iceberg table: its own schema, files and table uuid, not the old table's
/// metadata (whose table version and index generation it starts again with).
#[tokio::test]
async fn a_table_made_again_under_its_name_is_served_its_own_metadata() {
    let t = lake_app().await;
    let uri = "/iceberg/v1/namespaces/lake/tables/events";
    crawl(
        &t,
        TableAction::Create(table("events", "parquet", vec![column("id", "bigint")])),
        vec![file("events", "2023", "a.parquet", 10)],
    )
    .await;
    let (status, old) = t.get(uri).await;
    assert_eq!(status, StatusCode::OK, "{old}");
    let old_folder = t.metadata_folder("events").await;

    t.catalog.delete_table("lake", "events").await.unwrap();
    crawl(
        &t,
        TableAction::Create(table(
            "events",
            "parquet",
            vec![column("id", "bigint"), column("name", "string")],
        )),
        vec![file("events", "2030", "z.parquet", 7)],
    )
    .await;
    let (status, new) = t.get(uri).await;
    assert_eq!(status, StatusCode::OK, "{new}");
    let names: Vec<&str> = new["metadata"]["schemas"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["id", "name", "year"]);
    let snapshots = new["metadata"]["snapshots"].as_array().unwrap();
    assert_eq!(snapshots.len(), 1);
    assert_eq!(snapshots[0]["summary"]["total-records"], "7");
    assert_ne!(new["metadata"]["table-uuid"], old["metadata"]["table-uuid"]);
    assert_eq!(new["metadata"]["metadata-log"], json!([]));
    let new_folder = t.metadata_folder("events").await;
    assert_ne!(new_folder, old_folder);
    let location = new["metadata-location"].as_str().unwrap();
    assert!(
        location.starts_with(&format!("file://{}/", new_folder.display())),
        "{location}"
    );
}

/// Native Iceberg tables cannot put files where lakecat keeps generated metadata: a create,
/// a register or a commit's `set-location` naming a place inside it is a 400 saying so.
#[tokio::test]
async fn native_tables_stay_out_of_the_generated_metadata_location() {
    let t = lake_app().await;
    let schema = json!({"type": "struct", "schema-id": 0, "fields": [
        {"id": 1, "name": "a", "required": false, "type": "int"}]});
    let inside = format!("file://{}/lake/events-x", t.metadata_root.display());
    let outside = format!(
        "file://{}/native",
        t.metadata_root.parent().unwrap().display()
    );
    let tables = "/iceberg/v1/namespaces/lake/tables";

    let (status, body) = t
        .call(
            Method::POST,
            tables,
            Some(json!({"name": "n1", "location": inside, "schema": schema})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        error(&body).2.contains("generates for crawled tables"),
        "{body}"
    );
    assert!(t.catalog.get_table("lake", "n1").await.is_err());

    let (status, body) = t
        .call(
            Method::POST,
            "/iceberg/v1/namespaces/lake/register",
            Some(json!({"name": "n2",
                        "metadata-location": format!("{inside}/metadata/00001-x.metadata.json")})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        error(&body).2.contains("generates for crawled tables"),
        "{body}"
    );

    // A table elsewhere is created, but cannot be moved inside.
    let (status, body) = t
        .call(
            Method::POST,
            tables,
            Some(json!({"name": "n3", "location": outside, "schema": schema})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = t
        .call(
            Method::POST,
            &format!("{tables}/n3"),
            Some(json!({"requirements": [],
                        "updates": [{"action": "set-location", "location": inside}]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        error(&body).2.contains("generates for crawled tables"),
        "{body}"
    );
    let (_, loaded) = t.get(&format!("{tables}/n3")).await;
    assert_eq!(loaded["metadata"]["location"], json!(outside));
}

/// The metadata served is the one the catalog recorded, also after a restart: a metadata
/// file put in the table's folder by someone else, numbered after lakecat's, is neither
/// served nor carried on from.
#[tokio::test]
async fn a_restarted_server_carries_on_from_the_recorded_metadata_only() {
    let t = lake_app().await;
    let uri = "/iceberg/v1/namespaces/lake/tables/events";
    let columns = vec![column("id", "bigint")];
    crawl(
        &t,
        TableAction::Create(table("events", "parquet", columns.clone())),
        vec![file("events", "2023", "a.parquet", 10)],
    )
    .await;
    let (status, first) = t.get(uri).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let folder = t.metadata_folder("events").await;
    let mut planted = first["metadata"].clone();
    planted["table-uuid"] = json!("00000000-0000-4000-8000-000000000000");
    planted["last-sequence-number"] = json!(98);
    std::fs::write(
        folder.join("00099-00000000-0000-4000-8000-000000000000.metadata.json"),
        planted.to_string(),
    )
    .unwrap();

    let TestApp {
        app: _,
        catalog: _,
        metadata_root: _,
        _dir: dir,
    } = t;
    let t = app_over(dir).await;
    let (status, again) = t.get(uri).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["metadata-location"], first["metadata-location"]);

    crawl(
        &t,
        TableAction::Keep {
            name: "events".into(),
        },
        vec![
            file("events", "2023", "a.parquet", 10),
            file("events", "2024", "b.parquet", 4),
        ],
    )
    .await;
    let (status, second) = t.get(uri).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let metadata = &second["metadata"];
    assert_eq!(metadata["table-uuid"], first["metadata"]["table-uuid"]);
    assert_eq!(metadata["last-sequence-number"], 2);
    assert_eq!(
        metadata["metadata-log"][0]["metadata-file"],
        first["metadata-location"]
    );
    assert_eq!(
        t.catalog
            .table_files_state("lake", "events")
            .await
            .unwrap()
            .unwrap()
            .generated_metadata,
        second["metadata-location"].as_str().map(str::to_string)
    );
}

/// A table renamed, and another crawled under its old name: each is served its own columns
/// and files.
#[tokio::test]
async fn a_renamed_table_and_a_new_one_under_its_name_are_served_their_own() {
    let t = lake_app().await;
    let tables = "/iceberg/v1/namespaces/lake/tables";
    crawl(
        &t,
        TableAction::Create(table("events", "parquet", vec![column("id", "bigint")])),
        vec![file("events", "2023", "a.parquet", 10)],
    )
    .await;
    let (status, old) = t.get(&format!("{tables}/events")).await;
    assert_eq!(status, StatusCode::OK, "{old}");
    t.catalog
        .rename_table("lake", "events", "lake", "old_events")
        .await
        .unwrap();
    crawl(
        &t,
        TableAction::Create(table("events", "parquet", vec![column("code", "string")])),
        vec![file("events", "2030", "z.parquet", 7)],
    )
    .await;
    let field_names = |loaded: &Value| -> Vec<String> {
        let current = loaded["metadata"]["current-schema-id"].clone();
        let schema = loaded["metadata"]["schemas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["schema-id"] == current)
            .unwrap()
            .clone();
        schema["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, new) = t.get(&format!("{tables}/events")).await;
    assert_eq!(status, StatusCode::OK, "{new}");
    assert_eq!(field_names(&new), ["code", "year"]);
    assert_eq!(
        new["metadata"]["snapshots"][0]["summary"]["total-records"],
        "7"
    );
    assert_ne!(new["metadata"]["table-uuid"], old["metadata"]["table-uuid"]);
    let (status, renamed) = t.get(&format!("{tables}/old_events")).await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(field_names(&renamed), ["id", "year"]);
    let current = renamed["metadata"]["snapshots"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(current["summary"]["total-records"], "10");
}
