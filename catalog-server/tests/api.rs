//! REST API tests: real HTTP requests through the whole application (routing, extractors,
//! error mapping, service, SQLite store), each endpoint's success and error paths.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use lakecat_catalog::{Catalog, SqlStore, StoreOptions};
use serde_json::{Value, json};
use tower::ServiceExt;

struct TestApp {
    app: Router,
    _dir: tempfile::TempDir,
}

async fn test_app() -> TestApp {
    test_app_with_roots(lakecat_crawler::AllowedRoots::default()).await
}

async fn test_app_with_roots(roots: lakecat_crawler::AllowedRoots) -> TestApp {
    test_app_with(roots, Default::default()).await
}

/// An application on a fresh SQLite store with these crawl roots and access rules.
async fn test_app_with(
    roots: lakecat_crawler::AllowedRoots,
    access: lakecat_server::Access,
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("c.db").display());
    let store = Arc::new(
        SqlStore::connect(&url, &StoreOptions::default())
            .await
            .unwrap(),
    );
    let catalog = Catalog::new(store.clone());
    let crawlers = lakecat_crawler::CrawlerService::new(
        catalog.clone(),
        lakecat_catalog::crawlers::Crawlers::new(store.clone()),
    )
    .with_allowed_roots(roots);
    TestApp {
        app: lakecat_server::app_with(lakecat_server::AppSettings {
            catalog,
            crawlers,
            metrics: Default::default(),
            store: Some(store),
            access,
            request_timeout: lakecat_server::DEFAULT_REQUEST_TIMEOUT,
            max_body_memory: 64 << 20,
            iceberg_metadata_location: None,
        }),
        _dir: dir,
    }
}

impl TestApp {
    async fn raw(&self, request: Request<Body>) -> (StatusCode, Vec<u8>) {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, bytes.to_vec())
    }

    async fn call(&self, method: Method, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(uri);
        let body = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let (status, bytes) = self.raw(request.body(body).unwrap()).await;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        (status, value)
    }

    async fn get(&self, uri: &str) -> (StatusCode, Value) {
        self.call(Method::GET, uri, None).await
    }

    async fn post(&self, uri: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, uri, Some(body)).await
    }

    async fn put(&self, uri: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, uri, Some(body)).await
    }

    async fn delete(&self, uri: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, uri, None).await
    }
}

fn code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {body}"))
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap()
}

fn orders_table() -> Value {
    json!({
        "name": "Orders",
        "table_type": "EXTERNAL_TABLE",
        "parameters": {"classification": "parquet"},
        "partition_keys": [{"name": "year", "type": "string"}, {"name": "hour", "type": "int"}],
        "storage_descriptor": {
            "columns": [{"name": "id", "type": "bigint"}, {"name": "amount", "type": "decimal(10,2)"}],
            "location": "s3://lake/orders/",
            "serde_info": {"serialization_library": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}
        }
    })
}

async fn with_orders() -> TestApp {
    let t = test_app().await;
    let (status, _) = t.post("/v1/databases", json!({"name": "sales"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = t.post("/v1/databases/sales/tables", orders_table()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    t
}

#[tokio::test]
async fn databases() {
    let t = test_app().await;
    let (status, body) = t
        .post(
            "/v1/databases",
            json!({"name": "Sales", "description": "d", "location_uri": "s3://lake/", "parameters": {"a": "b"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["name"], "sales");
    assert!(body["create_time"].is_string());

    let (status, body) = t.post("/v1/databases", json!({"name": "sales"})).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "ALREADY_EXISTS")
    );
    assert_eq!(message(&body), "database sales already exists");

    let (status, body) = t
        .post("/v1/databases", json!({"name": "x".repeat(256)}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );
    assert_eq!(message(&body), "name: must be at most 255 bytes (got 256)");

    let (status, body) = t
        .post("/v1/databases", json!({"name": "a", "colour": "red"}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );
    assert!(message(&body).contains("unknown field `colour`"), "{body}");

    let (status, body) = t.get("/v1/databases/SALES").await;
    assert_eq!(
        (status, body["description"].as_str()),
        (StatusCode::OK, Some("d"))
    );
    let (status, body) = t.get("/v1/databases/nope").await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    assert_eq!(message(&body), "database nope not found");

    let (status, body) = t
        .put(
            "/v1/databases/sales",
            json!({"name": "sales", "description": "new"}),
        )
        .await;
    assert_eq!(
        (status, body["description"].as_str()),
        (StatusCode::OK, Some("new"))
    );
    let (status, body) = t
        .put("/v1/databases/sales", json!({"name": "renamed"}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );
    let (status, _) = t.put("/v1/databases/nope", json!({"name": "nope"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for name in ["b", "c", "d"] {
        t.post("/v1/databases", json!({"name": name})).await;
    }
    let (status, page) = t.get("/v1/databases?max_results=3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["databases"].as_array().unwrap().len(), 3);
    let token = page["next_page_token"].as_str().unwrap();
    let (_, rest) = t.get(&format!("/v1/databases?page_token={token}")).await;
    assert_eq!(rest["databases"][0]["name"], "sales");
    assert!(rest.get("next_page_token").is_none());
    let (status, body) = t.get("/v1/databases?page_token=bogus").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_PAGE_TOKEN")
    );
    let (status, body) = t.get("/v1/databases?max_results=500").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );
    let (status, body) = t.get("/v1/databases?max_results=ten").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );

    let (status, _) = t.delete("/v1/databases/sales").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.delete("/v1/databases/sales").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn names_that_cannot_be_addressed_or_spoof_others_are_refused() {
    let t = test_app().await;
    for (uri, name, expected) in [
        (
            "/v1/databases",
            "..",
            "name: \"..\" is not a valid name: `.` and `..` cannot be addressed in a URL path",
        ),
        (
            "/v1/databases",
            "sales\u{7F}",
            "name: character U+007F at byte 5 (DEL, a control character) is not allowed in names",
        ),
        (
            "/v1/databases/sales/tables",
            ".",
            "name: \".\" is not a valid name: `.` and `..` cannot be addressed in a URL path",
        ),
        (
            "/v1/databases/sales/tables",
            "orders\u{2067}",
            "name: character U+2067 at byte 6 (a bidirectional control, which makes a name \
             display as another) is not allowed in names",
        ),
    ] {
        if uri != "/v1/databases" {
            t.post("/v1/databases", json!({"name": "sales"})).await;
        }
        let (status, body) = t.post(uri, json!({"name": name})).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "INVALID_INPUT"),
            "{name:?}: {body}"
        );
        assert_eq!(message(&body), expected);
    }
    let (_, body) = t.get("/v1/databases").await;
    assert_eq!(body["databases"].as_array().unwrap().len(), 1, "{body}");
}

#[tokio::test]
async fn malformed_bodies_are_client_errors() {
    let t = test_app().await;
    let request = |body: &str, content_type: Option<&str>| {
        let mut builder = Request::post("/v1/databases");
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        builder.body(Body::from(body.to_string())).unwrap()
    };
    let (status, body) = t
        .raw(request("{\"name\": ", Some("application/json")))
        .await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );

    let (status, body) = t.raw(request("{}", Some("text/plain"))).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE")
    );

    let huge = format!(
        "{{\"name\": \"{}\"}}",
        "x".repeat(lakecat_server::MAX_BODY_BYTES)
    );
    let (status, body) = t.raw(request(&huge, Some("application/json"))).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE")
    );

    let (status, body) = t.post("/v1/databases", json!({"name": 7})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&body).contains("name"), "{body}");
}

#[tokio::test]
async fn tables_and_versions() {
    let t = with_orders().await;
    let (status, body) = t.post("/v1/databases/missing/tables", orders_table()).await;
    assert_eq!(
        (status, message(&body)),
        (StatusCode::NOT_FOUND, "database missing not found")
    );
    let (status, body) = t.post("/v1/databases/sales/tables", orders_table()).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "ALREADY_EXISTS")
    );
    let mut bad = orders_table();
    bad["storage_descriptor"]["columns"][1]["comment"] = json!("c".repeat(300));
    let (status, body) = t.post("/v1/databases/sales/tables", bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        message(&body),
        "storage_descriptor.columns[1].comment: must be at most 255 bytes (got 300)"
    );

    let (status, table) = t.get("/v1/databases/sales/tables/ORDERS").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(table["name"], "orders");
    assert_eq!(table["version_id"], "0");
    assert_eq!(
        table["storage_descriptor"]["columns"][1]["type"],
        "decimal(10,2)"
    );
    let (status, _) = t.get("/v1/databases/sales/tables/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, list) = t.get("/v1/databases/sales/tables").await;
    assert_eq!(
        (status, list["tables"].as_array().unwrap().len()),
        (StatusCode::OK, 1)
    );
    let (status, _) = t.get("/v1/databases/missing/tables").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let mut changed = orders_table();
    changed["description"] = json!("v1");
    let (status, body) = t
        .put(
            "/v1/databases/sales/tables/orders?version_id=0",
            changed.clone(),
        )
        .await;
    assert_eq!(
        (status, body["version_id"].as_str()),
        (StatusCode::OK, Some("1"))
    );
    let (status, body) = t
        .put(
            "/v1/databases/sales/tables/orders?version_id=0",
            changed.clone(),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "CONCURRENT_MODIFICATION")
    );
    let (status, body) = t
        .put(
            "/v1/databases/sales/tables/orders?version_id=abc",
            changed.clone(),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );
    let (status, body) = t
        .put(
            "/v1/databases/sales/tables/orders?skip_archive=true",
            changed.clone(),
        )
        .await;
    assert_eq!(
        (status, body["version_id"].as_str()),
        (StatusCode::OK, Some("2"))
    );
    let (status, _) = t
        .put("/v1/databases/sales/tables/other", changed.clone())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, versions) = t.get("/v1/databases/sales/tables/orders/versions").await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<_> = versions["table_versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["2", "0"]);
    let (status, version) = t.get("/v1/databases/sales/tables/orders/versions/0").await;
    assert_eq!(
        (status, version["table"]["version_id"].as_str()),
        (StatusCode::OK, Some("0"))
    );
    let (status, _) = t.get("/v1/databases/sales/tables/orders/versions/1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = t
        .delete("/v1/databases/sales/tables/orders/versions/2")
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );
    let (status, body) = t
        .post(
            "/v1/databases/sales/tables/orders/versions:batchDelete",
            json!({"version_ids": ["0", "9"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["errors"].as_array().unwrap().len(), 1);
    assert_eq!(body["errors"][0]["version_id"], "9");
    assert_eq!(body["errors"][0]["error"]["code"], "NOT_FOUND");
    let (status, _) = t
        .delete("/v1/databases/sales/tables/orders/versions/0")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = t.delete("/v1/databases/sales/tables/orders").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.delete("/v1/databases/sales/tables/orders").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn partition(year: &str, hour: &str) -> Value {
    json!({
        "values": [year, hour],
        "storage_descriptor": {
            "columns": [{"name": "id", "type": "bigint"}],
            "location": format!("s3://lake/orders/year={year}/hour={hour}/")
        },
        "parameters": {"recordCount": "10"}
    })
}

#[tokio::test]
async fn partitions() {
    let t = with_orders().await;
    let base = "/v1/databases/sales/tables/orders/partitions";
    let (status, body) = t.post(base, partition("2024", "1")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["values"], json!(["2024", "1"]));
    let (status, body) = t.post(base, partition("2024", "1")).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "ALREADY_EXISTS")
    );
    let (status, body) = t.post(base, json!({"values": ["2024"]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        message(&body),
        "values: the table has 2 partition keys but 1 values were given"
    );

    let batch: Vec<Value> = (2..=23)
        .map(|h| partition("2024", &h.to_string()))
        .collect();
    let mut with_bad = batch.clone();
    with_bad.push(partition("2024", "1"));
    let (status, body) = t
        .post(
            &format!("{base}:batchCreate"),
            json!({"partitions": with_bad}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["errors"].as_array().unwrap().len(), 1);
    assert_eq!(body["errors"][0]["values"], json!(["2024", "1"]));
    assert_eq!(body["errors"][0]["error"]["code"], "ALREADY_EXISTS");
    let too_many: Vec<Value> = (0..101)
        .map(|h| partition("2025", &h.to_string()))
        .collect();
    let (status, body) = t
        .post(
            &format!("{base}:batchCreate"),
            json!({"partitions": too_many}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        message(&body),
        "partitions: at most 100 items per request (got 101)"
    );

    // Filters run typed by key: hour is an int, so 10..23 are > 9.
    let (status, body) = t
        .get(&format!(
            "{base}?expression=year%20%3D%20%272024%27%20AND%20hour%20%3E%209"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["partitions"].as_array().unwrap().len(), 14);
    let (status, body) = t.get(&format!("{base}?expression=hour%20%3E")).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );
    assert_eq!(
        message(&body),
        "expression: at position 7: expected a partition key or a value, found the end of the expression"
    );

    // Paging and segments.
    let (_, first) = t.get(&format!("{base}?max_results=10")).await;
    assert_eq!(first["partitions"].as_array().unwrap().len(), 10);
    let token = first["next_page_token"].as_str().unwrap();
    let (status, second) = t
        .get(&format!("{base}?max_results=10&page_token={token}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(first["partitions"][0], second["partitions"][0]);
    let (status, body) = t
        .get(&format!(
            "{base}?max_results=10&page_token={token}&expression=hour%3D1"
        ))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_PAGE_TOKEN")
    );
    let mut total = 0;
    for segment in 0..3 {
        let (status, body) = t
            .get(&format!("{base}?segment_number={segment}&total_segments=3"))
            .await;
        assert_eq!(status, StatusCode::OK);
        total += body["partitions"].as_array().unwrap().len();
    }
    assert_eq!(total, 23);
    let (status, _) = t.get(&format!("{base}?segment_number=1")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = t
        .get(&format!("{base}?exclude_column_schema=true&max_results=1"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["partitions"][0]["storage_descriptor"]["columns"],
        json!([])
    );

    // One partition by its values in the path.
    let (status, body) = t.get(&format!("{base}/2024/5")).await;
    assert_eq!(
        (status, body["parameters"]["recordCount"].as_str()),
        (StatusCode::OK, Some("10"))
    );
    let (status, _) = t.get(&format!("{base}/2024/99")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = t.get(&format!("{base}/2024")).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );

    let mut changed = partition("2024", "5");
    changed["parameters"]["recordCount"] = json!("11");
    let (status, body) = t.put(&format!("{base}/2024/5"), changed).await;
    assert_eq!(
        (status, body["parameters"]["recordCount"].as_str()),
        (StatusCode::OK, Some("11"))
    );
    let (status, _) = t
        .put(&format!("{base}/2024/99"), partition("2024", "99"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = t.delete(&format!("{base}/2024/5")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.delete(&format!("{base}/2024/5")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = t
        .post(
            &format!("{base}:batchDelete"),
            json!({"partition_values": [["2024", "6"], ["2024", "5"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["errors"].as_array().unwrap().len(), 1);
    assert_eq!(body["errors"][0]["values"], json!(["2024", "5"]));
}

#[tokio::test]
async fn partition_values_with_slashes_round_trip() {
    let t = test_app().await;
    t.post("/v1/databases", json!({"name": "logs"})).await;
    let table = json!({"name": "events", "partition_keys": [{"name": "source", "type": "string"}]});
    t.post("/v1/databases/logs/tables", table).await;
    let base = "/v1/databases/logs/tables/events/partitions";
    let (status, _) = t.post(base, json!({"values": ["a/b c"]})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = t.get(&format!("{base}/a%2Fb%20c")).await;
    assert_eq!(
        (status, body["values"].clone()),
        (StatusCode::OK, json!(["a/b c"]))
    );
    let (status, _) = t.get(&format!("{base}/a/b%20c")).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "two segments are two values"
    );
}

#[tokio::test]
async fn operations_endpoints() {
    let t = test_app().await;
    let (status, body) = t.get("/healthz").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));
    let (status, body) = t.get("/readyz").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));

    let (status, body) = t.get("/v2/nothing").await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    let (status, body) = t.call(Method::PATCH, "/v1/databases", None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED")
    );

    let (status, served) = t.get("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let generated: Value = serde_json::from_str(&lakecat_server::openapi_json()).unwrap();
    assert_eq!(served, generated);

    let (status, page) = t
        .raw(Request::get("/docs/").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&page).contains("swagger-ui"));
    let (status, script) = t
        .raw(
            Request::get("/docs/swagger-ui-bundle.js")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the docs page's assets are served locally"
    );
    assert!(script.len() > 100_000);
}

#[test]
fn committed_openapi_document_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == lakecat_server::openapi_json(),
        "openapi/openapi.json is out of date; regenerate it with\n  \
         cargo run -p lakecat-server -- openapi > openapi/openapi.json"
    );
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let t = with_orders().await;
    let document: Value = serde_json::from_str(&lakecat_server::openapi_json()).unwrap();
    let mut checked = 0;
    for (path, operations) in document["paths"].as_object().unwrap() {
        let uri = path
            .replace("{database}", "sales")
            .replace("{table}", "orders")
            .replace("{version_id}", "0")
            .replace("{values}", "2024/1")
            .replace("{crawler}", "nightly")
            .replace("{run_id}", "0")
            .replace("{classifier}", "logs")
            .replace("{index}", "by_hour")
            .replace("{column}", "id")
            .replace("{function}", "mask");
        for method in operations.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = (method == Method::POST || method == Method::PUT).then(|| json!({}));
            let (status, body) = t.call(method.clone(), &uri, body).await;
            let unrouted = status == StatusCode::METHOD_NOT_ALLOWED
                || (status == StatusCode::NOT_FOUND
                    && body["error"]["message"] == "no such endpoint; see /docs");
            assert!(!unrouted, "{method} {path} is documented but not routed");
            checked += 1;
        }
    }
    assert_eq!(checked, 72);
}

#[tokio::test]
async fn partition_indexes() {
    let t = with_orders().await;
    let indexes = "/v1/databases/sales/tables/orders/partition-indexes";
    let (status, body) = t
        .post(indexes, json!({"name": "by_hour", "keys": ["HOUR"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["keys"], json!([{"name": "hour", "type": "int"}]));
    let (status, body) = t
        .post(indexes, json!({"name": "by_hour", "keys": ["year"]}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "ALREADY_EXISTS")
    );
    let (status, body) = t
        .post(indexes, json!({"name": "x", "keys": ["minute"]}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );
    assert!(
        message(&body).starts_with("keys[0]: minute is not a partition key"),
        "{body}"
    );
    for (name, keys) in [
        ("by_year", json!(["year"])),
        ("by_both", json!(["year", "hour"])),
    ] {
        let (status, body) = t.post(indexes, json!({"name": name, "keys": keys})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = t
        .post(indexes, json!({"name": "fourth", "keys": ["hour", "year"]}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "LIMIT_EXCEEDED")
    );
    let (status, body) = t.get(indexes).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = body["partition_indexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["by_hour", "by_year", "by_both"]);
    let (status, _) = t.delete(&format!("{indexes}/by_year")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = t.delete(&format!("{indexes}/by_year")).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    assert_eq!(
        message(&body),
        "partition index sales.orders.by_year not found"
    );
}

#[tokio::test]
async fn a_table_is_created_with_its_partition_indexes_or_not_at_all() {
    let t = test_app().await;
    let (status, _) = t.post("/v1/databases", json!({"name": "sales"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let tables = "/v1/databases/sales/tables";
    let with_indexes = |name: &str, indexes: Value| {
        let mut table = orders_table();
        table["name"] = name.into();
        table["partition_indexes"] = indexes;
        table
    };

    let (status, body) = t
        .post(
            tables,
            with_indexes("orders", json!([{"name": "by_hour", "keys": ["hour"]}])),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body.get("partition_indexes").is_none(), "{body}");
    let (status, body) = t.get(&format!("{tables}/orders/partition-indexes")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["partition_indexes"][0]["name"], "by_hour", "{body}");

    // Each refusal names its problem, and leaves no table behind.
    for (name, indexes, status, error_code, words) in [
        (
            "bad_key",
            json!([{"name": "x", "keys": ["minute"]}]),
            StatusCode::BAD_REQUEST,
            "INVALID_INPUT",
            "minute is not a partition key",
        ),
        (
            "crowded",
            json!([
                {"name": "a", "keys": ["year"]}, {"name": "b", "keys": ["hour"]},
                {"name": "c", "keys": ["year", "hour"]}, {"name": "d", "keys": ["hour", "year"]},
            ]),
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            "at most 3 partition indexes",
        ),
        (
            "twice",
            json!([{"name": "a", "keys": ["year"]}, {"name": "a", "keys": ["hour"]}]),
            StatusCode::CONFLICT,
            "ALREADY_EXISTS",
            "partition index sales.twice.a",
        ),
        (
            "malformed",
            json!([{"name": "a"}]),
            StatusCode::BAD_REQUEST,
            "INVALID_INPUT",
            "keys",
        ),
    ] {
        let (got, body) = t.post(tables, with_indexes(name, indexes)).await;
        assert_eq!((got, code(&body)), (status, error_code), "{name}: {body}");
        assert!(message(&body).contains(words), "{name}: {body}");
        let (got, _) = t.get(&format!("{tables}/{name}")).await;
        assert_eq!(got, StatusCode::NOT_FOUND, "{name} was left behind");
    }
    // The table's own members are still checked strictly.
    let mut unknown = with_indexes("strict", json!([]));
    unknown["partition_index"] = json!([]);
    let (status, body) = t.post(tables, unknown).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn databases_and_crawlers_are_created_with_their_tags_or_not_at_all() {
    let t = test_app().await;
    let lake = t._dir.path().to_str().unwrap().to_string();
    let crawler = |name: &str, tags: Value| {
        json!({"name": name, "database_name": "sales",
            "targets": {"s3_targets": [{"path": lake}]}, "tags": tags})
    };
    let too_many: serde_json::Map<String, Value> =
        (0..51).map(|i| (format!("k{i}"), json!(""))).collect();

    let (status, body) = t
        .post(
            "/v1/databases",
            json!({"name": "sales", "tags": {"team": "data"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body.get("tags").is_none(), "{body}");
    let (status, body) = t
        .post("/v1/crawlers", crawler("nightly", json!({"team": "data"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    for object in ["/v1/databases/sales", "/v1/crawlers/nightly"] {
        let (status, body) = t.get(&format!("{object}/tags")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, json!({"team": "data"}), "{object}");
    }

    // Each refusal names its problem, and leaves nothing behind.
    for (collection, request, words) in [
        (
            "/v1/databases",
            json!({"name": "refused", "tags": too_many}),
            "at most 50 tags",
        ),
        (
            "/v1/databases",
            json!({"name": "refused", "tags": {"": "x"}}),
            "tag keys are 1 to 128 characters",
        ),
        (
            "/v1/databases",
            json!({"name": "refused", "tags": ["team"]}),
            "tags: invalid type: sequence, expected a map",
        ),
        (
            "/v1/crawlers",
            crawler("refused", Value::Object(too_many.clone())),
            "at most 50 tags",
        ),
    ] {
        let (status, body) = t.post(collection, request).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "INVALID_INPUT"),
            "{body}"
        );
        assert!(message(&body).contains(words), "{words}: {body}");
        let (status, _) = t.get(&format!("{collection}/refused")).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{collection}/refused was left behind"
        );
    }
    // The object's own members are still checked strictly.
    let (status, body) = t
        .post("/v1/databases", json!({"name": "strict", "tag": {}}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("unknown field `tag`"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn crawler_schedules_pause_and_resume_and_metrics_sum_up_runs() {
    let t = test_app().await;
    let lake = t._dir.path().join("lake");
    std::fs::create_dir_all(lake.join("events")).unwrap();
    std::fs::write(lake.join("events/a.json"), "{\"id\": 1}\n").unwrap();
    let mut crawler = json!({"name": "nightly", "database_name": "ops",
        "targets": {"s3_targets": [{"path": lake.to_str().unwrap()}]}});
    let (status, body) = t.post("/v1/crawlers", crawler.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (status, body) = t
        .post("/v1/crawlers/nightly:startSchedule", json!({}))
        .await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "NO_SCHEDULE"));
    assert_eq!(message(&body), "crawler nightly has no schedule");
    let (status, body) = t.post("/v1/crawlers/nightly:stopSchedule", json!({})).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "SCHEDULE_NOT_RUNNING")
    );
    crawler["schedule"] = json!("cron(15 12 * * ? *)");
    let (status, body) = t.put("/v1/crawlers/nightly", crawler).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = t
        .post("/v1/crawlers/nightly:startSchedule", json!({}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "SCHEDULE_RUNNING")
    );
    let (status, body) = t.post("/v1/crawlers/nightly:stopSchedule", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["schedule_paused"], true, "{body}");
    assert!(body.get("next_scheduled_runs").is_none(), "{body}");
    let (status, body) = t
        .post("/v1/crawlers/nightly:startSchedule", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("schedule_paused").is_none(), "{body}");
    assert_eq!(body["next_scheduled_runs"].as_array().unwrap().len(), 3);
    let (status, body) = t.post("/v1/crawlers/ghost:stopSchedule", json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    let (status, body) = t
        .post("/v1/crawlers/nightly:pauseSchedule", json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(message(&body).contains(":stopSchedule"), "{body}");

    let (status, body) = t.get("/v1/crawlers/nightly/metrics").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"crawler_name": "nightly", "still_estimating": false,
            "last_runtime_seconds": 0.0, "median_runtime_seconds": 0.0,
            "tables_created": 0, "tables_updated": 0, "tables_deleted": 0})
    );
    let (status, _) = t.post("/v1/crawlers/nightly:start", json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    wait_until_ready(&t, "nightly").await;
    let (status, body) = t.get("/v1/crawlers/nightly/metrics").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["tables_created"], 1, "{body}");
    assert_eq!(body["still_estimating"], false, "{body}");
    let (status, body) = t.get("/v1/crawlers/ghost/metrics").await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
}

#[tokio::test]
async fn user_defined_functions() {
    let t = with_orders().await;
    let functions = "/v1/databases/sales/functions";
    let mask = json!({"function_name": "Mask", "class_name": "com.example.Mask",
        "owner_type": "USER", "resource_uris": [{"resource_type": "JAR", "uri": "s3://lib/mask.jar"}]});
    let (status, body) = t.post(functions, mask.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["function_name"], "mask");
    assert_eq!(body["database_name"], "sales");
    assert_eq!(body["resource_uris"][0]["uri"], "s3://lib/mask.jar");
    assert!(body["create_time"].is_string(), "{body}");
    let (status, body) = t
        .post(
            functions,
            json!({"function_name": "hash", "class_name": "com.example.Hash"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    for (uri, request, status, error_code, words) in [
        (
            functions,
            mask.clone(),
            StatusCode::CONFLICT,
            "ALREADY_EXISTS",
            "function sales.mask already exists",
        ),
        (
            "/v1/databases/nope/functions",
            mask.clone(),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "database nope not found",
        ),
        (
            functions,
            json!({"function_name": "x", "owner_type": "TEAM"}),
            StatusCode::BAD_REQUEST,
            "INVALID_INPUT",
            "must be one of USER, ROLE, GROUP (got \"TEAM\")",
        ),
        (
            functions,
            json!({"function_name": "x", "clas_name": "com.example.X"}),
            StatusCode::BAD_REQUEST,
            "INVALID_INPUT",
            "unknown field `clas_name`",
        ),
    ] {
        let (got, body) = t.post(uri, request).await;
        assert_eq!((got, code(&body)), (status, error_code), "{body}");
        assert!(message(&body).contains(words), "{words}: {body}");
    }

    let names = |body: &Value| -> Vec<String> {
        body["functions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["function_name"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, body) = t.get(functions).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(names(&body), ["hash", "mask"]);
    let (status, body) = t.get(&format!("{functions}?pattern=MA*|none")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(names(&body), ["mask"]);
    let (status, body) = t.get(&format!("{functions}?max_results=1")).await;
    assert_eq!(names(&body), ["hash"]);
    let token = body["next_page_token"].as_str().unwrap();
    let (_, body) = t
        .get(&format!("{functions}?max_results=1&page_token={token}"))
        .await;
    assert_eq!(names(&body), ["mask"]);
    assert_eq!(status, StatusCode::OK);
    let (status, body) = t.get(&format!("{functions}?max_results=0")).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );
    let (status, body) = t.get("/v1/databases/nope/functions").await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));

    let (status, body) = t.get(&format!("{functions}/MASK")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["class_name"], "com.example.Mask");
    let (status, body) = t.get(&format!("{functions}/nope")).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    assert_eq!(message(&body), "function sales.nope not found");

    let (status, body) = t
        .put(
            &format!("{functions}/mask"),
            json!({"function_name": "mask", "class_name": "com.example.Mask2"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["class_name"], "com.example.Mask2");
    let (status, body) = t
        .put(
            &format!("{functions}/mask"),
            json!({"function_name": "hash"}),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "ALREADY_EXISTS"),
        "{body}"
    );
    let (status, body) = t
        .put(
            &format!("{functions}/mask"),
            json!({"function_name": "masked"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["function_name"], "masked");
    let (status, _) = t.delete(&format!("{functions}/masked")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = t.delete(&format!("{functions}/masked")).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
}

#[tokio::test]
async fn tags_of_databases_tables_crawlers_and_classifiers() {
    let t = with_orders().await;
    let lake = t._dir.path().to_str().unwrap().to_string();
    let (status, body) = t
        .post(
            "/v1/crawlers",
            json!({"name": "nightly", "database_name": "sales",
                "targets": {"s3_targets": [{"path": lake}]}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = t
        .post(
            "/v1/classifiers",
            json!({"name": "logs", "definition": {"kind": "grok", "classification": "app",
                "grok_pattern": "%{WORD:level} %{GREEDYDATA:message}"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let objects = [
        "/v1/databases/Sales",
        "/v1/databases/sales/tables/ORDERS",
        "/v1/crawlers/nightly",
        "/v1/classifiers/logs",
    ];
    for (i, object) in objects.iter().enumerate() {
        let tags = format!("{object}/tags");
        let (status, body) = t.get(&tags).await;
        assert_eq!((status, &body), (StatusCode::OK, &json!({})), "{object}");
        let (status, body) = t
            .put(&tags, json!({"team": "data", "n": i.to_string()}))
            .await;
        assert_eq!(status, StatusCode::OK, "{object}: {body}");
        let (status, body) = t.put(&tags, json!({"team": "lake"})).await;
        assert_eq!(status, StatusCode::OK, "{object}: {body}");
        assert_eq!(
            body,
            json!({"n": i.to_string(), "team": "lake"}),
            "{object}"
        );
        let (status, _) = t.delete(&format!("{tags}?keys=team,absent")).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{object}");
        let (status, body) = t.get(&tags).await;
        assert_eq!(
            (status, &body),
            (StatusCode::OK, &json!({"n": i.to_string()}))
        );
    }

    let tags = "/v1/databases/sales/tables/orders/tags";
    let fifty: serde_json::Map<String, Value> =
        (0..50).map(|i| (format!("k{i}"), json!("v"))).collect();
    for (method, uri, body, words) in [
        (
            Method::PUT,
            tags,
            Some(Value::Object(fifty)),
            "at most 50 tags",
        ),
        (
            Method::PUT,
            tags,
            Some(json!({"": "x"})),
            "tag keys are 1 to 128 characters",
        ),
        (
            Method::PUT,
            tags,
            Some(json!({"k": "v".repeat(257)})),
            "at most 256",
        ),
        (Method::PUT, tags, Some(json!(["team"])), "expected a map"),
        (Method::DELETE, tags, None, "keys: name the tags to remove"),
        (
            Method::DELETE,
            &format!("{tags}?keys="),
            None,
            "keys: name the tags to remove",
        ),
        (
            Method::DELETE,
            &format!("{tags}?keys=a,,b"),
            None,
            "tag keys are 1 to 128",
        ),
    ] {
        let (status, body) = t.call(method.clone(), uri, body).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "INVALID_INPUT"),
            "{method} {uri}: {body}"
        );
        assert!(message(&body).contains(words), "{words}: {body}");
    }
    // Refused changes changed nothing.
    let (_, body) = t.get(tags).await;
    assert_eq!(body, json!({"n": "1"}));

    for (uri, words) in [
        ("/v1/databases/nope/tags", "database nope not found"),
        (
            "/v1/databases/sales/tables/nope/tags",
            "table sales.nope not found",
        ),
        ("/v1/crawlers/ghost/tags", "crawler ghost not found"),
        ("/v1/classifiers/ghost/tags", "classifier ghost not found"),
    ] {
        for (method, body) in [
            (Method::GET, None),
            (Method::PUT, Some(json!({"team": "data"}))),
            (Method::DELETE, None),
        ] {
            let uri = if method == Method::DELETE {
                format!("{uri}?keys=team")
            } else {
                uri.to_string()
            };
            let (status, body) = t.call(method.clone(), &uri, body).await;
            assert_eq!(
                (status, code(&body)),
                (StatusCode::NOT_FOUND, "NOT_FOUND"),
                "{method} {uri}: {body}"
            );
            assert_eq!(message(&body), words);
        }
    }
}

async fn wait_until_ready(t: &TestApp, crawler: &str) -> Value {
    for _ in 0..500 {
        let (status, body) = t.get(&format!("/v1/crawlers/{crawler}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body["state"] == "READY" {
            return body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("crawler {crawler} did not finish");
}

#[tokio::test(flavor = "multi_thread")]
async fn crawlers_classifiers_and_runs() {
    let t = test_app().await;
    let lake = t._dir.path().join("lake");
    for (day, lines) in [
        ("01", "INFO started\nWARN slow\n"),
        ("02", "ERROR failed\n"),
    ] {
        let folder = lake.join(format!("app/day={day}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("app.log"), lines).unwrap();
    }
    // A grok classifier for the logs; a broken one is refused with the reason.
    let grok = json!({"name": "app-log", "definition": {"kind": "grok",
        "classification": "app_log", "grok_pattern": "%{LOGLEVEL:level} %{GREEDYDATA:message}"}});
    let (status, body) = t.post("/v1/classifiers", grok.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = t
        .post(
            "/v1/classifiers",
            json!({"name": "broken", "definition": {"kind": "grok", "classification": "x",
                "grok_pattern": "%{NOPE:x}"}}),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );
    assert!(message(&body).contains("classifier broken"), "{body}");

    let crawler = json!({
        "name": "logs",
        "database_name": "Ops",
        "targets": {"s3_targets": [{"path": lake.to_str().unwrap()}]},
        "classifiers": ["app-log"],
    });
    let (status, body) = t.post("/v1/crawlers", crawler.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["state"], "READY");
    assert_eq!(body["version"], 1);
    assert_eq!(
        body["schema_change_policy"]["delete_behavior"],
        "DEPRECATE_IN_DATABASE"
    );

    // Definitions the crawler cannot run are 400s that say why.
    for (patch, expected) in [
        (
            json!({"targets": {"s3_targets": [{"path": "/no/such/dir"}]}}),
            "no folder at",
        ),
        (
            json!({"targets": {"s3_targets": [{"path": "ftp://x/"}]}}),
            "unsupported scheme",
        ),
        (
            json!({"targets": {"s3_targets": [{"path": lake.to_str().unwrap(), "exclusions": ["{a"]}]}}),
            "exclusion \"{a\"",
        ),
        (
            json!({"recrawl_policy": {"recrawl_behavior": "CRAWL_NEW_FOLDERS_ONLY"}}),
            "LOG DeleteBehavior",
        ),
        (
            json!({"classifiers": ["missing"]}),
            "classifier missing not found",
        ),
    ] {
        let mut bad = crawler.clone();
        bad["name"] = json!("bad");
        for (key, value) in patch.as_object().unwrap() {
            bad[key] = value.clone();
        }
        let (status, body) = t.post("/v1/crawlers", bad).await;
        assert!(status.is_client_error(), "{status} {body}");
        assert!(message(&body).contains(expected), "{expected}: {body}");
    }

    let (status, body) = t.post("/v1/crawlers/logs:stop", json!({})).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "CRAWLER_NOT_RUNNING")
    );
    let (status, run) = t.post("/v1/crawlers/logs:start", json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    assert_eq!(run["state"], "RUNNING");
    let crawled = wait_until_ready(&t, "logs").await;
    assert_eq!(crawled["last_crawl"]["state"], "COMPLETED", "{crawled}");
    assert_eq!(crawled["last_crawl"]["counts"]["tables_created"], 1);

    let (status, table) = t.get("/v1/databases/ops/tables/app").await;
    assert_eq!(status, StatusCode::OK, "{table}");
    assert_eq!(table["parameters"]["classification"], "app_log");
    assert_eq!(table["partition_keys"][0]["name"], "day");
    let (_, partitions) = t.get("/v1/databases/ops/tables/app/partitions").await;
    assert_eq!(partitions["partitions"].as_array().unwrap().len(), 2);

    let (status, runs) = t.get("/v1/crawlers/logs/runs").await;
    assert_eq!(status, StatusCode::OK);
    let id = runs["runs"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(id, run["id"].as_str().unwrap());
    let (status, detail) = t.get(&format!("/v1/crawlers/logs/runs/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["report"]["changes"][0]["kind"], "CREATE");
    assert!(
        detail["report"]["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["reason"].as_str().unwrap().contains("app_log"))
    );
    let (status, _) = t.get("/v1/crawlers/logs/runs/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The crawler is idle again: it can change (versioned) and go.
    let (status, body) = t
        .put("/v1/crawlers/logs?expected_version=7", crawler.clone())
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "CONCURRENT_MODIFICATION")
    );
    let mut renamed = crawler.clone();
    renamed["name"] = json!("other");
    let (status, _) = t.put("/v1/crawlers/logs", renamed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = t.put("/v1/crawlers/logs?expected_version=1", crawler).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 2);
    let (status, list) = t.get("/v1/crawlers?max_results=10").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["crawlers"].as_array().unwrap().len(), 1);
    let (status, _) = t.post("/v1/crawlers/logs:jump", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.delete("/v1/crawlers/logs").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.delete("/v1/classifiers/app-log").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test(flavor = "multi_thread")]
async fn stopping_a_crawl_leaves_whole_tables() {
    let t = test_app().await;
    let lake = t._dir.path().join("lake");
    for table in 0..100 {
        for part in 0..10 {
            let folder = lake.join(format!("t{table:03}/p={part}"));
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(
                folder.join("data.json"),
                format!("{{\"c{table}\": {part}}}\n"),
            )
            .unwrap();
        }
    }
    let crawler = json!({
        "name": "big",
        "database_name": "big",
        "targets": {"s3_targets": [{"path": lake.to_str().unwrap()}]},
    });
    assert_eq!(t.post("/v1/crawlers", crawler).await.0, StatusCode::CREATED);
    let (status, _) = t.post("/v1/crawlers/big:start", json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, body) = t.post("/v1/crawlers/big:start", json!({})).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "CRAWLER_RUNNING")
    );
    let (status, body) = t.post("/v1/crawlers/big:stop", json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (status, body) = t.post("/v1/crawlers/big:stop", json!({})).await;
    assert!(
        status == StatusCode::CONFLICT && code(&body) != "CRAWLER_RUNNING",
        "{status} {body}"
    );
    let stopped = wait_until_ready(&t, "big").await;
    assert_eq!(stopped["last_crawl"]["state"], "STOPPED", "{stopped}");
    let (status, tables) = t.get("/v1/databases/big/tables?max_results=100").await;
    if status == StatusCode::OK {
        for table in tables["tables"].as_array().unwrap() {
            let name = table["name"].as_str().unwrap();
            let (_, partitions) = t
                .get(&format!("/v1/databases/big/tables/{name}/partitions"))
                .await;
            assert_eq!(partitions["partitions"].as_array().unwrap().len(), 10);
        }
    }
}

#[tokio::test]
async fn open_table_format_targets_round_trip_are_checked_and_confined() {
    let lakes = tempfile::tempdir().unwrap();
    let allowed = lakes.path().join("allowed");
    std::fs::create_dir_all(allowed.join("delta/sales")).unwrap();
    let roots = lakecat_crawler::AllowedRoots::parse(&[
        allowed.display().to_string(),
        "s3://lake/".to_string(),
    ])
    .unwrap();
    let t = test_app_with_roots(roots).await;
    let targets = json!({
        "s3_targets": [],
        "delta_targets": [{"delta_tables": [allowed.join("delta/sales").display().to_string()],
                           "create_native_delta_table": true}],
        "iceberg_targets": [{"paths": ["s3://lake/warehouse/"], "exclusions": ["**/tmp/**"],
                             "maximum_traversal_depth": 20}],
        "hudi_targets": [{"paths": ["s3://lake/hudi/"], "exclusions": []}],
    });
    let crawler = json!({"name": "formats", "database_name": "lake", "targets": targets});
    let (status, body) = t.post("/v1/crawlers", crawler.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["targets"], targets);
    let (status, body) = t.get("/v1/crawlers/formats").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["targets"], targets);
    let (_, listed) = t.get("/v1/crawlers").await;
    assert_eq!(listed["crawlers"][0]["targets"], targets);

    // Each refusal is a 400 that names the member; the crawler is unchanged.
    let delta = |member: &str, value: Value| {
        let mut target = json!({"delta_tables": ["s3://lake/delta/t/"]});
        target[member] = value;
        target
    };
    for (targets, expected) in [
        (
            json!({"iceberg_targets": [{"paths": ["s3://lake/w/"], "maximum_traversal_depth": 25}]}),
            "targets.iceberg_targets[0].maximum_traversal_depth: MaximumTraversalDepth must be \
             between 1 and 20 (got 25)",
        ),
        (
            json!({"delta_targets": [delta("write_manifest", json!(true))]}),
            "targets.delta_targets[0].write_manifest: WriteManifest (symlink manifests) is not \
             supported yet; lakecat registers native Delta tables",
        ),
        (
            json!({"delta_targets": [delta("create_native_delta_table", json!(false))]}),
            "targets.delta_targets[0].create_native_delta_table: CreateNativeDeltaTable=false",
        ),
        (
            json!({"hudi_targets": [{"paths": ["s3://lake/h/"], "connection_name": "vpc"}]}),
            "targets.hudi_targets[0].connection_name: lakecat has no Glue connections",
        ),
        (
            json!({"hudi_targets": [{"paths": ["s3://lake/h/"], "exclusions": ["{a"]}]}),
            "exclusion \"{a\"",
        ),
        (
            json!({"s3_targets": []}),
            "targets: a crawler needs at least one target",
        ),
        (
            json!({"delta_targets": [{"delta_tables": ["s3://other-bucket/t/"]}]}),
            "outside the server's allowed crawl roots",
        ),
        (
            json!({"iceberg_targets": [{"paths": [lakes.path().display().to_string()]}]}),
            "outside the server's allowed crawl roots",
        ),
    ] {
        let mut bad = crawler.clone();
        bad["targets"] = targets.clone();
        let (status, body) = t.put("/v1/crawlers/formats", bad).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "INVALID_INPUT"),
            "{targets}: {body}"
        );
        assert!(message(&body).contains(expected), "{expected}: {body}");
    }
    // A member REST does not know is refused by name rather than dropped.
    let mut unknown = crawler.clone();
    unknown["targets"] = json!({"delta_targets": [delta("manifest", json!(true))]});
    let (status, body) = t.put("/v1/crawlers/formats", unknown).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("manifest"), "{body}");
    let (_, body) = t.get("/v1/crawlers/formats").await;
    assert_eq!(
        (body["version"].clone(), &body["targets"]),
        (json!(1), &targets)
    );
}

#[tokio::test]
async fn crawl_targets_are_confined_to_the_allowed_roots() {
    let lakes = tempfile::tempdir().unwrap();
    let allowed = lakes.path().join("allowed");
    let elsewhere = lakes.path().join("elsewhere");
    for folder in [allowed.join("sales/p=1"), elsewhere.join("p=1")] {
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("d.json"), "{\"a\": 1}\n").unwrap();
    }
    let roots = lakecat_crawler::AllowedRoots::parse(&[allowed.display().to_string()]).unwrap();
    let t = test_app_with_roots(roots).await;
    let crawler = |name: &str, path: String| json!({"name": name, "database_name": "lake", "targets": {"s3_targets": [{"path": path}]}});
    let (status, body) = t
        .post(
            "/v1/crawlers",
            crawler("inside", allowed.join("sales").display().to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    for outside in [
        elsewhere.display().to_string(),
        format!("{}/../elsewhere", allowed.display()),
        "s3://other-bucket/".to_string(),
    ] {
        let (status, body) = t
            .post("/v1/crawlers", crawler("outside", outside.clone()))
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "INVALID_INPUT"),
            "{outside}: {body}"
        );
        assert!(
            message(&body).contains("outside the server's allowed crawl roots"),
            "{body}"
        );
    }
    // Links under the target that lead out of the root, to a folder or to a file, are not
    // followed: the crawl reads only what really lies inside.
    std::os::unix::fs::symlink(elsewhere.join("p=1"), allowed.join("sales/p=2")).unwrap();
    std::os::unix::fs::symlink(
        elsewhere.join("p=1/d.json"),
        allowed.join("sales/p=1/e.json"),
    )
    .unwrap();
    // A name with `%` is checked as it is, not decoded into its neighbour's.
    std::fs::write(allowed.join("sales/p=1/x y.json"), "{\"a\": 2}\n").unwrap();
    std::os::unix::fs::symlink(
        elsewhere.join("p=1/d.json"),
        allowed.join("sales/p=1/x%20y.json"),
    )
    .unwrap();
    let (status, body) = t.post("/v1/crawlers/inside:start", json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let crawled = wait_until_ready(&t, "inside").await;
    let last = &crawled["last_crawl"];
    assert_eq!(last["state"], "COMPLETED", "{crawled}");
    assert_eq!(last["counts"]["objects_read"], 2, "{crawled}");
    let (_, partitions) = t.get("/v1/databases/lake/tables/sales/partitions").await;
    let values: Vec<&Value> = partitions["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["values"])
        .collect();
    assert_eq!(values, [&json!(["1"])], "{partitions}");
    let (_, run) = t
        .get(&format!(
            "/v1/crawlers/inside/runs/{}",
            last["id"].as_str().unwrap()
        ))
        .await;
    let mut skipped: Vec<&str> = run["report"]["issues"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|issue| {
            issue["message"]
                .as_str()
                .unwrap()
                .contains("symbolic link that leads outside the allowed crawl roots")
        })
        .map(|issue| issue["path"].as_str().unwrap())
        .collect();
    skipped.sort_unstable();
    let inside = allowed.canonicalize().unwrap();
    assert_eq!(
        skipped,
        [
            format!("file://{}/sales/p=1/e.json", inside.display()),
            format!("file://{}/sales/p=1/x%20y.json", inside.display()),
            format!("file://{}/sales/p=2/d.json", inside.display()),
        ],
        "{run}"
    );
    // A folder swapped for a link out of the root after the crawler was created is refused
    // when the crawler starts.
    std::fs::remove_dir_all(allowed.join("sales")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, allowed.join("sales")).unwrap();
    let (status, body) = t.post("/v1/crawlers/inside:start", json!({})).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT"),
        "{body}"
    );
    let (_, crawler) = t.get("/v1/crawlers/inside").await;
    assert_eq!(crawler["last_crawl"]["id"], last["id"], "{crawler}");
}

#[tokio::test]
async fn every_response_carries_its_request_id() {
    let t = test_app().await;
    let response = t
        .app
        .clone()
        .oneshot(Request::get("/v1/databases").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let generated = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");

    // A client's own id is kept, and the Glue API reports the same id as AWS does.
    let response = t
        .app
        .clone()
        .oneshot(
            Request::post("/")
                .header("x-request-id", "client-chosen-id-1")
                .header("x-amz-target", "AWSGlue.GetDatabase")
                .header(header::CONTENT_TYPE, "application/x-amz-json-1.1")
                .body(Body::from(r#"{"Name": "missing"}"#))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()["x-request-id"], "client-chosen-id-1");
    assert_eq!(response.headers()["x-amzn-requestid"], "client-chosen-id-1");
    let other = t
        .app
        .clone()
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_ne!(other.headers()["x-request-id"], generated.as_str());
}

#[tokio::test]
async fn each_role_may_do_exactly_what_it_should() {
    use lakecat_server::{Access, Tokens, token_digest};
    let tokens = Tokens::parse(&format!(
        "r:reader:{},e:editor:{},a:admin:{}",
        token_digest("reader-token"),
        token_digest("editor-token"),
        token_digest("admin-token")
    ))
    .unwrap();
    let access = Access {
        required: true,
        tokens,
        glue_keys: Default::default(),
    };
    let t = test_app_with(Default::default(), access).await;
    let app = t.app.clone();
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake/t/p=1");
    std::fs::create_dir_all(&lake).unwrap();
    std::fs::write(lake.join("d.json"), "{\"a\": 1}\n").unwrap();
    let call = |token: Option<&str>, method: Method, uri: &str, body: Option<Value>| {
        let app = app.clone();
        let mut request = Request::builder().method(method).uri(uri.to_string());
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .unwrap();
        async move {
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            let challenge = response.headers().get(header::WWW_AUTHENTICATE).cloned();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            (status, body, challenge)
        }
    };
    // No token, or a wrong one: 401 with a challenge; health and docs stay open.
    let (status, body, challenge) = call(None, Method::GET, "/v1/databases", None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED")
    );
    assert!(challenge.is_some());
    let (status, _, _) = call(Some("guess"), Method::GET, "/v1/databases", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = call(Some("guess"), Method::GET, "/v2/unknown", None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "unknown paths need credentials too"
    );
    for open in ["/healthz", "/readyz", "/openapi.json"] {
        let (status, _, _) = call(None, Method::GET, open, None).await;
        assert_eq!(status, StatusCode::OK, "{open}");
    }

    let database = json!({"name": "sales"});
    let crawler = json!({"name": "c", "database_name": "sales",
        "targets": {"s3_targets": [{"path": dir.path().join("lake").display().to_string()}]}});
    // reader: reads only.
    let (status, _, _) = call(Some("reader-token"), Method::GET, "/v1/databases", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = call(Some("reader-token"), Method::GET, "/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body, _) = call(
        Some("reader-token"),
        Method::POST,
        "/v1/databases",
        Some(database.clone()),
    )
    .await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "FORBIDDEN"));
    assert_eq!(
        message(&body),
        "role reader may not do this; it needs role editor"
    );
    // editor: catalog writes, not crawlers.
    let (status, body, _) = call(
        Some("editor-token"),
        Method::POST,
        "/v1/databases",
        Some(database),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _, _) = call(
        Some("editor-token"),
        Method::POST,
        "/v1/databases/sales/tables",
        Some(orders_table()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, _) = call(
        Some("editor-token"),
        Method::POST,
        "/v1/crawlers",
        Some(crawler.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // admin: crawlers too; others can read them but not start them.
    let (status, body, _) = call(
        Some("admin-token"),
        Method::POST,
        "/v1/crawlers",
        Some(crawler),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _, _) = call(Some("reader-token"), Method::GET, "/v1/crawlers/c", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = call(
        Some("editor-token"),
        Method::POST,
        "/v1/crawlers/c:start",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = call(
        Some("admin-token"),
        Method::DELETE,
        "/v1/databases/sales/tables/orders",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn column_statistics_of_tables_and_partitions() {
    let t = with_orders().await;
    let (status, body) = t
        .post(
            "/v1/databases/sales/tables/orders/partitions",
            partition("2024", "1"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let ids = json!({
        "column_name": "id",
        "column_type": "bigint",
        "analyzed_time": "2026-11-30T12:00:00Z",
        "data": {"type": "long", "minimum_value": 1, "maximum_value": 90,
                 "number_of_nulls": 0, "number_of_distinct_values": 90},
    });
    let amounts = json!({
        "column_name": "amount",
        "column_type": "decimal(10,2)",
        "analyzed_time": "2026-11-30T12:00:00Z",
        "data": {"type": "decimal", "minimum_value": "0.99", "maximum_value": "120.50",
                 "number_of_nulls": 3},
    });
    let table = "/v1/databases/sales/tables/orders/statistics";
    let unknown = json!({"column_name": "nope", "column_type": "int", "analyzed_time":
        "2026-11-30T12:00:00Z", "data": {"type": "long", "number_of_nulls": 0}});
    let (status, body) = t
        .put(table, json!({"statistics": [ids, amounts, unknown]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["errors"][0]["column_name"], "nope", "{body}");
    assert_eq!(body["errors"][0]["error"]["code"], "NOT_FOUND", "{body}");
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{body}");

    let (status, body) = t.get(table).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed = body["statistics"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{body}");
    assert_eq!(listed[0]["column_name"], "id");
    assert_eq!(listed[0]["origin"], "user");
    assert_eq!(listed[1]["data"]["maximum_value"], "120.50");
    let (_, body) = t.get(&format!("{table}?columns=amount")).await;
    assert_eq!(
        body["statistics"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );

    let partition_path = "/v1/databases/sales/tables/orders/partition-statistics/2024/1";
    let (status, body) = t.put(partition_path, json!({"statistics": [ids]})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, body) = t.get(partition_path).await;
    assert_eq!(body["statistics"][0]["data"]["maximum_value"], 90, "{body}");
    let (status, body) = t
        .get("/v1/databases/sales/tables/orders/partition-statistics/2030/1")
        .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    let (status, _) = t.delete(&format!("{partition_path}?column=id")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = t.delete(&format!("{partition_path}?column=id")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(message(&body).contains("column statistics"), "{body}");

    let (status, _) = t.delete(&format!("{table}/amount")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, body) = t.get(table).await;
    assert_eq!(
        body["statistics"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );

    // Requests past Glue's limits, and malformed figures, are refused whole.
    let many = json!({"statistics": vec![ids.clone(); 26]});
    let (status, body) = t.put(table, many).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "INVALID_INPUT")
    );
    assert!(message(&body).contains("25"), "{body}");
    let names: Vec<String> = (0..101).map(|i| format!("c{i}")).collect();
    let (status, body) = t.get(&format!("{table}?columns={}", names.join(","))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let bad_kind = json!({"statistics": [{"column_name": "id", "column_type": "bigint",
        "analyzed_time": "2026-11-30T12:00:00Z", "data": {"type": "integer"}}]});
    let (status, body) = t.put(table, bad_kind).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = t.get("/v1/databases/sales/tables/missing/statistics").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

/// A table the catalog records as an Iceberg table whose pointer is `pointer`.
fn iceberg_table(name: &str, pointer: &str) -> Value {
    json!({
        "name": name,
        "table_type": "EXTERNAL_TABLE",
        "parameters": {"table_type": "ICEBERG", "metadata_location": pointer},
        "storage_descriptor": {"location": pointer.rsplit_once("/metadata/").unwrap().0}
    })
}

fn iceberg_error(body: &Value) -> (&str, u64) {
    (
        body["error"]["type"]
            .as_str()
            .unwrap_or_else(|| panic!("not an Iceberg error: {body}")),
        body["error"]["code"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn iceberg_rest_serves_namespaces_and_iceberg_tables_to_read() {
    let lake = tempfile::tempdir().unwrap();
    let allowed = lake
        .path()
        .join("allowed")
        .canonicalize()
        .unwrap_or_else(|_| {
            std::fs::create_dir_all(lake.path().join("allowed")).unwrap();
            lake.path().join("allowed").canonicalize().unwrap()
        });
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../table-formats/tests/fixtures/iceberg/partitioned_v2/metadata")
        .join("00004-f806db4f-28de-4ee5-a10d-c912becb884b.metadata.json");
    let metadata_file = |root: &std::path::Path| -> String {
        let folder = root.join("orders/metadata");
        std::fs::create_dir_all(&folder).unwrap();
        let file = folder.join("00004-f806db4f-28de-4ee5-a10d-c912becb884b.metadata.json");
        std::fs::copy(&fixture, &file).unwrap();
        format!("file://{}", file.display())
    };
    let inside = metadata_file(&allowed);
    let outside_root = lake.path().join("elsewhere");
    let outside = metadata_file(&outside_root);
    let roots =
        lakecat_crawler::AllowedRoots::parse(&[allowed.to_str().unwrap().to_string()]).unwrap();
    let t = test_app_with_roots(roots).await;
    for db in ["lake", "other"] {
        let (status, _) = t.post("/v1/databases", json!({"name": db})).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    for table in [
        iceberg_table("trips", &inside),
        iceberg_table("stray", &outside),
        orders_table(),
    ] {
        let (status, body) = t.post("/v1/databases/lake/tables", table).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    // config: no prefix, the routes served; an unknown warehouse is refused by name.
    let (status, config) = t.get("/iceberg/v1/config?warehouse=lakecat").await;
    assert_eq!(status, StatusCode::OK, "{config}");
    assert_eq!(config["overrides"], json!({}));
    let endpoints: Vec<String> = serde_json::from_value(config["endpoints"].clone()).unwrap();
    let (status, body) = t.get("/iceberg/v1/config?warehouse=s3://elsewhere").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(iceberg_error(&body), ("BadRequestException", 400));

    // Every listed route that reads answers (none is the router's 404 or 405); the writes
    // are called one by one in the next test.
    for endpoint in &endpoints {
        let (method, path) = endpoint.split_once(' ').unwrap();
        if method != "GET" && method != "HEAD" {
            continue;
        }
        let uri = format!(
            "/iceberg{}",
            path.replace("/{prefix}", "")
                .replace("{namespace}", "lake")
                .replace("{table}", "trips")
        );
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let (status, body) = t.call(method, &uri, None).await;
        assert!(status.is_success(), "{endpoint}: {status} {body}");
    }

    // Namespaces: all of them without a page token; pages with one.
    let (_, all) = t.get("/iceberg/v1/namespaces").await;
    assert_eq!(
        all,
        json!({"namespaces": [["lake"], ["other"]], "next-page-token": null})
    );
    let (_, first) = t.get("/iceberg/v1/namespaces?pageToken=&pageSize=1").await;
    assert_eq!(first["namespaces"], json!([["lake"]]));
    let token = first["next-page-token"].as_str().unwrap();
    let (_, second) = t
        .get(&format!(
            "/iceberg/v1/namespaces?pageToken={token}&pageSize=1"
        ))
        .await;
    assert_eq!(second["namespaces"], json!([["other"]]));
    let (_, children) = t.get("/iceberg/v1/namespaces?parent=lake").await;
    assert_eq!(children["namespaces"], json!([]));
    let (status, body) = t.get("/iceberg/v1/namespaces?parent=nowhere").await;
    assert_eq!(
        iceberg_error(&body),
        ("NoSuchNamespaceException", 404),
        "{status}"
    );
    let (status, body) = t.get("/iceberg/v1/namespaces/LAKE").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["namespace"], json!(["lake"]));
    let (status, body) = t.get("/iceberg/v1/namespaces/lake%1Fsub").await;
    assert_eq!(
        iceberg_error(&body),
        ("NoSuchNamespaceException", 404),
        "{status}"
    );
    let (status, _) = t
        .call(Method::HEAD, "/iceberg/v1/namespaces/nowhere", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Tables: only Iceberg ones are listed; a Parquet table is not one.
    let (_, listed) = t.get("/iceberg/v1/namespaces/lake/tables").await;
    assert_eq!(
        listed["identifiers"],
        json!([{"namespace": ["lake"], "name": "stray"}, {"namespace": ["lake"], "name": "trips"}])
    );
    let (status, loaded) = t.get("/iceberg/v1/namespaces/lake/tables/trips").await;
    assert_eq!(status, StatusCode::OK, "{loaded}");
    assert_eq!(loaded["metadata-location"], json!(inside));
    assert_eq!(loaded["metadata"]["format-version"], json!(2));
    assert!(loaded["metadata"]["schemas"].is_array(), "{loaded}");
    // The ETag names the metadata file: the same tag back is a 304 with no body.
    let response = t
        .app
        .clone()
        .oneshot(
            Request::get("/iceberg/v1/namespaces/lake/tables/trips")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let tag = response.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_string();
    let (status, bytes) = t
        .raw(
            Request::get("/iceberg/v1/namespaces/lake/tables/trips")
                .header(header::IF_NONE_MATCH, &tag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(bytes.is_empty());
    let (status, _) = t
        .raw(
            Request::get("/iceberg/v1/namespaces/lake/tables/trips")
                .header(header::IF_NONE_MATCH, "\"stale\"")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = t.get("/iceberg/v1/namespaces/lake/tables/Trips").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["metadata-location"], json!(inside));
    let (status, parquet) = t.get("/iceberg/v1/namespaces/lake/tables/orders").await;
    assert_eq!(
        iceberg_error(&parquet),
        ("NoSuchTableException", 404),
        "{status}"
    );
    let reason = parquet["error"]["message"].as_str().unwrap();
    assert!(
        reason.contains("no crawl has indexed its files"),
        "{reason}"
    );
    let (_, missing) = t.get("/iceberg/v1/namespaces/nowhere/tables").await;
    assert_eq!(iceberg_error(&missing), ("NoSuchNamespaceException", 404));
    let (status, _) = t
        .call(
            Method::HEAD,
            "/iceberg/v1/namespaces/lake/tables/none",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A pointer outside the allowed roots is never read: the client learns why, not what
    // the file holds.
    let (status, stray) = t.get("/iceberg/v1/namespaces/lake/tables/stray").await;
    assert_eq!(
        iceberg_error(&stray),
        ("ServiceFailureException", 500),
        "{status}"
    );
    let message = stray["error"]["message"].as_str().unwrap();
    assert!(message.contains("allowed crawl roots"), "{message}");
    assert!(!message.contains("format-version"), "{message}");
}

#[tokio::test]
async fn iceberg_rest_answers_every_failure_in_its_own_shape() {
    use lakecat_server::{Access, Tokens, token_digest};
    let tokens = Tokens::parse(&format!("r:reader:{}", token_digest("reader-token"))).unwrap();
    let access = Access {
        required: true,
        tokens,
        glue_keys: Default::default(),
    };
    let t = test_app_with(Default::default(), access).await;
    let send = |token: Option<&str>, method: Method, uri: &str| {
        let mut request = Request::builder().method(method).uri(uri.to_string());
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        request.body(Body::empty()).unwrap()
    };
    let cases = [
        (
            None,
            Method::GET,
            "/iceberg/v1/config",
            401,
            "NotAuthorizedException",
        ),
        (
            Some("wrong"),
            Method::GET,
            "/iceberg/v1/namespaces",
            401,
            "NotAuthorizedException",
        ),
        (
            Some("reader-token"),
            Method::GET,
            "/iceberg/v1/nothing-here",
            404,
            "NoSuchEndpointException",
        ),
        (
            Some("reader-token"),
            Method::GET,
            "/iceberg/v1/namespaces/none",
            404,
            "NoSuchNamespaceException",
        ),
        (
            Some("reader-token"),
            Method::POST,
            "/iceberg/v1/namespaces/none",
            403,
            "ForbiddenException",
        ),
    ];
    for (token, method, uri, status, kind) in cases {
        let (got, bytes) = t.raw(send(token, method.clone(), uri)).await;
        let body: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("{uri}: not JSON: {}", String::from_utf8_lossy(&bytes)));
        assert_eq!(got.as_u16(), status, "{method} {uri}: {body}");
        assert_eq!(
            iceberg_error(&body),
            (kind, u64::from(status)),
            "{method} {uri}: {body}"
        );
        assert!(body["error"]["message"].is_string(), "{body}");
    }
    // The REST API keeps its own shape.
    let (status, bytes) = t.raw(send(None, Method::GET, "/v1/databases")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["error"]["code"], json!("UNAUTHENTICATED"));
}

#[tokio::test]
async fn iceberg_rest_creates_namespaces_and_registers_and_drops_tables() {
    let lake = tempfile::tempdir().unwrap();
    let root = lake.path().canonicalize().unwrap();
    let folder = root.join("copy/metadata");
    std::fs::create_dir_all(&folder).unwrap();
    let name = "00004-f806db4f-28de-4ee5-a10d-c912becb884b.metadata.json";
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../table-formats/tests/fixtures/iceberg/partitioned_v2/metadata")
            .join(name),
        folder.join(name),
    )
    .unwrap();
    std::fs::write(folder.join("notes.txt"), "not metadata").unwrap();
    let pointer = format!("file://{}", folder.join(name).display());
    let roots =
        lakecat_crawler::AllowedRoots::parse(&[root.to_str().unwrap().to_string()]).unwrap();
    let t = test_app_with_roots(roots).await;

    let (_, config) = t.get("/iceberg/v1/config").await;
    let endpoints: Vec<String> = serde_json::from_value(config["endpoints"].clone()).unwrap();
    for write in [
        "POST /v1/{prefix}/namespaces",
        "DELETE /v1/{prefix}/namespaces/{namespace}",
        "POST /v1/{prefix}/namespaces/{namespace}/properties",
        "POST /v1/{prefix}/namespaces/{namespace}/register",
        "DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}",
        "POST /v1/{prefix}/tables/rename",
    ] {
        assert!(endpoints.iter().any(|e| e == write), "{write} not listed");
    }

    let create = json!({"namespace": ["Shop"], "properties": {"comment": "orders", "location": "s3://lake/shop/", "owner": "ana"}});
    let (status, body) = t.post("/iceberg/v1/namespaces", create.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["namespace"], json!(["shop"]));
    let (_, db) = t.get("/v1/databases/shop").await;
    assert_eq!(db["description"], json!("orders"));
    assert_eq!(db["location_uri"], json!("s3://lake/shop/"));
    assert_eq!(db["parameters"], json!({"owner": "ana"}));
    let (_, again) = t.post("/iceberg/v1/namespaces", create).await;
    assert_eq!(iceberg_error(&again), ("AlreadyExistsException", 409));
    let (_, nested) = t
        .post("/iceberg/v1/namespaces", json!({"namespace": ["a", "b"]}))
        .await;
    assert_eq!(iceberg_error(&nested), ("BadRequestException", 400));

    // Register an existing table by its metadata file; it loads like any Iceberg table.
    let register = json!({"name": "Orders", "metadata-location": pointer});
    let (status, body) = t
        .post("/iceberg/v1/namespaces/shop/register", register.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["metadata"]["format-version"], json!(2));
    let (_, table) = t.get("/v1/databases/shop/tables/orders").await;
    assert_eq!(table["parameters"]["table_type"], json!("ICEBERG"));
    assert_eq!(table["parameters"]["metadata_location"], json!(pointer));
    let (_, twice) = t
        .post("/iceberg/v1/namespaces/shop/register", register)
        .await;
    assert_eq!(iceberg_error(&twice), ("AlreadyExistsException", 409));
    let not_metadata = format!("file://{}", folder.join("notes.txt").display());
    let (_, refused) = t
        .post(
            "/iceberg/v1/namespaces/shop/register",
            json!({"name": "notes", "metadata-location": not_metadata}),
        )
        .await;
    assert_eq!(
        iceberg_error(&refused),
        ("BadRequestException", 400),
        "{refused}"
    );
    let (_, outside) = t
        .post(
            "/iceberg/v1/namespaces/shop/register",
            json!({"name": "passwd", "metadata-location": "file:///etc/passwd"}),
        )
        .await;
    assert_eq!(
        iceberg_error(&outside),
        ("BadRequestException", 400),
        "{outside}"
    );
    let (_, missing) = t
        .post(
            "/iceberg/v1/namespaces/nowhere/register",
            json!({"name": "x", "metadata-location": pointer}),
        )
        .await;
    assert_eq!(iceberg_error(&missing), ("NoSuchNamespaceException", 404));

    // Rename, into another namespace: the pointer goes with the table.
    let (status, _) = t.post("/v1/databases", json!({"name": "other"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let rename = |from: (&str, &str), to: (&str, &str)| {
        json!({"source": {"namespace": [from.0], "name": from.1},
               "destination": {"namespace": [to.0], "name": to.1}})
    };
    let (status, body) = t
        .post(
            "/iceberg/v1/tables/rename",
            rename(("shop", "orders"), ("other", "orders_v2")),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, moved) = t.get("/iceberg/v1/namespaces/other/tables/orders_v2").await;
    assert_eq!(moved["metadata-location"], json!(pointer));
    let (_, old) = t.get("/iceberg/v1/namespaces/shop/tables/orders").await;
    assert_eq!(iceberg_error(&old), ("NoSuchTableException", 404));
    let (_, missing) = t
        .post(
            "/iceberg/v1/tables/rename",
            rename(("shop", "orders"), ("other", "x")),
        )
        .await;
    assert_eq!(iceberg_error(&missing), ("NoSuchTableException", 404));
    let (_, nowhere) = t
        .post(
            "/iceberg/v1/tables/rename",
            rename(("other", "orders_v2"), ("nowhere", "x")),
        )
        .await;
    assert_eq!(iceberg_error(&nowhere), ("NoSuchNamespaceException", 404));
    let (status, _) = t
        .post(
            "/iceberg/v1/tables/rename",
            rename(("other", "orders_v2"), ("shop", "orders")),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Drop: a purge is refused and changes nothing; a plain drop removes the entry only.
    let (status, purge) = t
        .delete("/iceberg/v1/namespaces/shop/tables/orders?purgeRequested=true")
        .await;
    assert_eq!(
        iceberg_error(&purge),
        ("BadRequestException", 400),
        "{status}"
    );
    let (status, _) = t.delete("/iceberg/v1/namespaces/shop/tables/orders").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, gone) = t.get("/iceberg/v1/namespaces/shop/tables/orders").await;
    assert_eq!(iceberg_error(&gone), ("NoSuchTableException", 404));
    assert!(
        folder.join(name).exists(),
        "a drop deleted the metadata file"
    );

    // Properties: set and removed in one change; a key in both lists is refused.
    let (status, changed) = t
        .post(
            "/iceberg/v1/namespaces/shop/properties",
            json!({"removals": ["owner", "absent"], "updates": {"comment": "shop data", "team": "sales"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["updated"], json!(["comment", "team"]));
    assert_eq!(changed["removed"], json!(["owner"]));
    assert_eq!(changed["missing"], json!(["absent"]));
    let (_, props) = t.get("/iceberg/v1/namespaces/shop").await;
    assert_eq!(
        props["properties"],
        json!({"comment": "shop data", "location": "s3://lake/shop/", "team": "sales"})
    );
    let (_, both) = t
        .post(
            "/iceberg/v1/namespaces/shop/properties",
            json!({"removals": ["team"], "updates": {"team": "x"}}),
        )
        .await;
    assert_eq!(iceberg_error(&both), ("UnprocessableEntityException", 422));

    // A namespace is dropped only when empty.
    let (status, body) = t.post("/v1/databases/shop/tables", orders_table()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, not_empty) = t.delete("/iceberg/v1/namespaces/shop").await;
    assert_eq!(
        iceberg_error(&not_empty),
        ("NamespaceNotEmptyException", 409)
    );
    let (status, _) = t.get("/v1/databases/shop/tables/orders").await;
    assert_eq!(status, StatusCode::OK, "the refused drop deleted a table");
    let (status, _) = t.delete("/v1/databases/shop/tables/orders").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.delete("/iceberg/v1/namespaces/shop").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, gone) = t.delete("/iceberg/v1/namespaces/shop").await;
    assert_eq!(iceberg_error(&gone), ("NoSuchNamespaceException", 404));
}

#[tokio::test]
async fn iceberg_oauth_exchanges_a_configured_token_for_itself() {
    use base64::Engine;
    use lakecat_server::{Access, Tokens, token_digest};
    let tokens = Tokens::parse(&format!("etl:reader:{}", token_digest("etl-token"))).unwrap();
    let access = Access {
        required: true,
        tokens,
        glue_keys: Default::default(),
    };
    let t = test_app_with(Default::default(), access).await;
    let exchange = |body: &'static str, basic: Option<&str>| {
        let mut request = Request::post("/iceberg/v1/oauth/tokens")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(pair) = basic {
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
            request = request.header(header::AUTHORIZATION, format!("Basic {encoded}"));
        }
        request.body(Body::from(body)).unwrap()
    };
    let json = |bytes: Vec<u8>| -> Value { serde_json::from_slice(&bytes).unwrap() };

    // PyIceberg and Java: credentials in the form.
    let (status, bytes) = t
        .raw(exchange(
            "grant_type=client_credentials&client_id=etl&client_secret=etl-token&scope=catalog",
            None,
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let issued = json(bytes);
    assert_eq!(issued["access_token"], json!("etl-token"));
    assert_eq!(issued["token_type"], json!("bearer"));
    // DuckDB: HTTP Basic.
    let (status, bytes) = t
        .raw(exchange(
            "grant_type=client_credentials&scope=PRINCIPAL_ROLE%3AALL",
            Some("etl:etl-token"),
        ))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    // The token then opens the catalog.
    let (status, _) = t
        .raw(
            Request::get("/iceberg/v1/config")
                .header(header::AUTHORIZATION, "Bearer etl-token")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Refusals in OAuth's own shape.
    for (body, basic, status, error) in [
        (
            "grant_type=client_credentials&client_id=etl&client_secret=guess",
            None,
            401,
            "invalid_client",
        ),
        (
            "grant_type=client_credentials&client_id=other&client_secret=etl-token",
            None,
            401,
            "invalid_client",
        ),
        ("grant_type=client_credentials", None, 401, "invalid_client"),
        (
            "grant_type=password&client_id=etl&client_secret=etl-token",
            None,
            400,
            "unsupported_grant_type",
        ),
        (
            "grant_type=client_credentials",
            Some("etl:wrong"),
            401,
            "invalid_client",
        ),
    ] {
        let (got, bytes) = t.raw(exchange(body, basic)).await;
        let answer = json(bytes);
        assert_eq!(got.as_u16(), status, "{body}: {answer}");
        assert_eq!(answer["error"], json!(error), "{body}: {answer}");
        assert!(answer["error_description"].is_string(), "{answer}");
    }
}

#[tokio::test]
async fn iceberg_rest_creates_tables_and_commits_only_on_the_version_read() {
    let lake = tempfile::tempdir().unwrap();
    let root = lake.path().canonicalize().unwrap();
    let roots =
        lakecat_crawler::AllowedRoots::parse(&[root.to_str().unwrap().to_string()]).unwrap();
    let t = test_app_with_roots(roots).await;
    let base = format!("file://{}", root.display());
    let (status, _) = t
        .post(
            "/iceberg/v1/namespaces",
            json!({"namespace": ["shop"], "properties": {"location": format!("{base}/shop")}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let schema = json!({"type": "struct", "fields": [
        {"id": 1, "name": "id", "required": false, "type": "long"}
    ]});
    let (status, created) = t
        .post(
            "/iceberg/v1/namespaces/shop/tables",
            json!({"name": "Events", "schema": schema}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let first = created["metadata-location"].as_str().unwrap().to_string();
    assert!(
        first.starts_with(&format!("{base}/shop/events/metadata/00000-")),
        "{first}"
    );
    let uuid = created["metadata"]["table-uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, again) = t
        .post(
            "/iceberg/v1/namespaces/shop/tables",
            json!({"name": "events", "schema": schema}),
        )
        .await;
    assert_eq!(iceberg_error(&again), ("AlreadyExistsException", 409));
    let (_, outside) = t
        .post(
            "/iceberg/v1/namespaces/shop/tables",
            json!({"name": "escape", "schema": schema, "location": "file:///tmp/elsewhere-lakecat"}),
        )
        .await;
    assert_eq!(
        iceberg_error(&outside),
        ("BadRequestException", 400),
        "{outside}"
    );
    let climbing = format!("{base}/shop/new/../../../escaped-lakecat-dir");
    let (_, climbed) = t
        .post(
            "/iceberg/v1/namespaces/shop/tables",
            json!({"name": "climb", "schema": schema, "location": climbing}),
        )
        .await;
    assert_eq!(
        iceberg_error(&climbed),
        ("BadRequestException", 400),
        "{climbed}"
    );
    assert!(
        !root.join("shop/new").exists(),
        "a refused location made folders"
    );
    assert!(!root.parent().unwrap().join("escaped-lakecat-dir").exists());

    // A requirement that no longer holds: 409, nothing written, the pointer unchanged.
    let commit = |uuid: &str| {
        json!({
            "requirements": [{"type": "assert-table-uuid", "uuid": uuid}],
            "updates": [{"action": "set-properties", "updates": {"owner": "ana"}}]
        })
    };
    let (_, stale) = t
        .post(
            "/iceberg/v1/namespaces/shop/tables/events",
            commit("another-table"),
        )
        .await;
    assert_eq!(
        iceberg_error(&stale),
        ("CommitFailedException", 409),
        "{stale}"
    );
    let metadata_dir = root.join("shop/events/metadata");
    assert_eq!(std::fs::read_dir(&metadata_dir).unwrap().count(), 1);
    let (_, bad) = t
        .post(
            "/iceberg/v1/namespaces/shop/tables/events",
            json!({"updates": [{"action": "add-encryption-key"}]}),
        )
        .await;
    assert_eq!(iceberg_error(&bad), ("BadRequestException", 400), "{bad}");

    // The commit lands: a new file, the pointer moved, the previous one named.
    let (status, landed) = t
        .post("/iceberg/v1/namespaces/shop/tables/events", commit(&uuid))
        .await;
    assert_eq!(status, StatusCode::OK, "{landed}");
    let second = landed["metadata-location"].as_str().unwrap().to_string();
    assert!(second.contains("/metadata/00001-"), "{second}");
    assert_eq!(landed["metadata"]["properties"]["owner"], json!("ana"));
    assert_eq!(
        landed["metadata"]["metadata-log"][0]["metadata-file"],
        json!(first)
    );
    let (_, table) = t.get("/v1/databases/shop/tables/events").await;
    assert_eq!(table["parameters"]["metadata_location"], json!(second));
    assert_eq!(
        table["parameters"]["previous_metadata_location"],
        json!(first)
    );
    assert_eq!(std::fs::read_dir(&metadata_dir).unwrap().count(), 2);
    let (_, loaded) = t.get("/iceberg/v1/namespaces/shop/tables/events").await;
    assert_eq!(loaded["metadata-location"], json!(second));
}

#[tokio::test]
async fn iceberg_rest_commits_several_tables_at_once_or_not_at_all() {
    let lake = tempfile::tempdir().unwrap();
    let root = lake.path().canonicalize().unwrap();
    let roots =
        lakecat_crawler::AllowedRoots::parse(&[root.to_str().unwrap().to_string()]).unwrap();
    let t = test_app_with_roots(roots).await;
    let base = format!("file://{}", root.display());
    t.post(
        "/iceberg/v1/namespaces",
        json!({"namespace": ["shop"], "properties": {"location": format!("{base}/shop")}}),
    )
    .await;
    let schema = json!({"type": "struct", "fields": [
        {"id": 1, "name": "id", "required": false, "type": "long"}
    ]});
    let mut uuids = Vec::new();
    for name in ["orders", "items"] {
        let (status, created) = t
            .post(
                "/iceberg/v1/namespaces/shop/tables",
                json!({"name": name, "schema": schema}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{created}");
        uuids.push(created["metadata"]["table-uuid"].clone());
    }
    let change = |name: &str, uuid: &Value, owner: &str| {
        json!({
            "identifier": {"namespace": ["shop"], "name": name},
            "requirements": [{"type": "assert-table-uuid", "uuid": uuid}],
            "updates": [{"action": "set-properties", "updates": {"owner": owner}}]
        })
    };
    let pointer = |table: Value| table["parameters"]["metadata_location"].clone();
    let files = |name: &str| {
        std::fs::read_dir(root.join("shop").join(name).join("metadata"))
            .unwrap()
            .count()
    };

    let (status, body) = t
        .post(
            "/iceberg/v1/transactions/commit",
            json!({"table-changes": [change("orders", &uuids[0], "ana"), change("items", &uuids[1], "ana")]}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    for name in ["orders", "items"] {
        let (_, loaded) = t
            .get(&format!("/iceberg/v1/namespaces/shop/tables/{name}"))
            .await;
        assert_eq!(
            loaded["metadata"]["properties"]["owner"],
            json!("ana"),
            "{name}"
        );
        assert_eq!(files(name), 2, "{name}");
    }
    let (_, orders) = t.get("/v1/databases/shop/tables/orders").await;
    let landed = pointer(orders);

    // One table's requirement fails, or one table is missing: no pointer moves and the
    // files written for the others are deleted.
    let refusals = [
        (
            json!({"table-changes": [change("orders", &uuids[0], "bo"), change("items", &json!("another"), "bo")]}),
            ("CommitFailedException", 409),
        ),
        (
            json!({"table-changes": [change("orders", &uuids[0], "bo"), change("nowhere", &uuids[1], "bo")]}),
            ("NoSuchTableException", 404),
        ),
        (json!({"table-changes": []}), ("BadRequestException", 400)),
    ];
    for (body, expected) in refusals {
        let (_, answer) = t.post("/iceberg/v1/transactions/commit", body).await;
        assert_eq!(iceberg_error(&answer), expected, "{answer}");
        let (_, orders) = t.get("/v1/databases/shop/tables/orders").await;
        assert_eq!(pointer(orders), landed);
        assert_eq!(files("orders"), 2, "the refused commit's file is deleted");
        assert_eq!(files("items"), 2);
    }
    let (_, config) = t.get("/iceberg/v1/config").await;
    assert!(
        config["endpoints"]
            .as_array()
            .unwrap()
            .contains(&json!("POST /v1/{prefix}/transactions/commit")),
        "{config}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn crawler_events_crawl_only_the_folders_they_name() {
    let t = test_app().await;
    let lake = t._dir.path().join("lake");
    std::fs::create_dir_all(&lake).unwrap();
    let lake = lake.canonicalize().unwrap();
    let write = |relative: &str, text: &str| {
        let path = lake.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    for day in ["01", "02"] {
        write(&format!("app/day={day}/a.json"), "{\"n\": 1}\n");
    }
    let crawler = json!({"name": "live", "database_name": "ops",
        "targets": {"s3_targets": [{"path": lake.display().to_string()}]},
        "recrawl_policy": {"recrawl_behavior": "CRAWL_EVENT_MODE"}});
    let (status, body) = t.post("/v1/crawlers", crawler).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let changes = |relative: &str| json!({"changes": [{"url": format!("file://{}/{relative}", lake.display())}]});

    // The first events find no completed crawl: everything is crawled.
    let (status, run) = t
        .post("/v1/crawlers/live/events", changes("app/day=01/a.json"))
        .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["state"], "COMPLETED");
    assert!(run["report"]["events"].is_null(), "{run}");
    assert_eq!(run["counts"]["objects_listed"], 2);

    // Then only the named folder is listed, and the run says which events it consumed.
    write("app/day=03/a.json", "{\"n\": 3}\n");
    write("app/day=03/_SUCCESS", "");
    let body = json!({"changes": [
        {"url": format!("file://{}/app/day=03/a.json", lake.display())},
        {"url": format!("file://{}/app/day=03/_SUCCESS", lake.display())},
        {"url": format!("file://{}/elsewhere.json", t._dir.path().display()), "kind": "removed"}
    ]});
    let (status, run) = t.post("/v1/crawlers/live/events", body).await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["state"], "COMPLETED", "{run}");
    assert_eq!(run["counts"]["objects_listed"], 2, "{run}");
    assert_eq!(run["counts"]["partitions_added"], 1, "{run}");
    let events = &run["report"]["events"];
    assert_eq!(events["source"], "webhook");
    assert_eq!(events["folders_listed"], 1);
    let recorded: Vec<(&str, &str)> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["change"].as_str().unwrap(),
                e["set_aside"].as_str().unwrap_or("listed"),
            )
        })
        .collect();
    assert_eq!(recorded.len(), 3, "{events}");
    assert_eq!(recorded[0], ("created", "listed"));
    assert!(recorded[1].1.contains("marker"), "{events}");
    assert_eq!(recorded[2].0, "removed");
    assert!(recorded[2].1.contains("outside every target"), "{events}");
    let (_, partitions) = t.get("/v1/databases/ops/tables/app/partitions").await;
    assert_eq!(partitions["partitions"].as_array().unwrap().len(), 3);
    // The run is kept like any other.
    let id = run["id"].as_str().unwrap();
    let (status, stored) = t.get(&format!("/v1/crawlers/live/runs/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored["report"]["events"], *events);

    // A full crawl after them finds nothing the events had not brought in; a folder written
    // without an event is counted as such.
    let full_crawl = || async {
        let (status, started) = t.post("/v1/crawlers/live:start", json!({})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{started}");
        let crawler = wait_until_ready(&t, "live").await;
        assert_eq!(crawler["last_crawl"]["state"], "COMPLETED", "{crawler}");
        crawler["last_crawl"]["counts"]["changes_not_in_events"].clone()
    };
    assert_eq!(full_crawl().await, json!(0));
    write("app/day=04/a.json", "{\"n\": 4}\n");
    assert_eq!(
        full_crawl().await,
        json!(1),
        "one partition no event reported"
    );

    // What cannot be used is refused, naming the problem, and changes nothing.
    for (uri, body, expected_status, expected) in [
        (
            "/v1/crawlers/live/events",
            json!({"hello": "world"}),
            StatusCode::BAD_REQUEST,
            "expected S3 event records",
        ),
        (
            "/v1/crawlers/live/events",
            json!({"changes": [{"url": "s3://lake/x.csv", "kind": "renamed"}]}),
            StatusCode::BAD_REQUEST,
            "kind \"renamed\"",
        ),
        (
            "/v1/crawlers/ghost/events",
            changes("app/day=01/a.json"),
            StatusCode::NOT_FOUND,
            "ghost",
        ),
    ] {
        let (status, body) = t.post(uri, body).await;
        assert_eq!(status, expected_status, "{body}");
        assert!(message(&body).contains(expected), "{expected}: {body}");
    }
    let everything = json!({"name": "nightly", "database_name": "ops",
        "targets": {"s3_targets": [{"path": lake.display().to_string()}]}});
    let (status, _) = t.post("/v1/crawlers", everything).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = t
        .post("/v1/crawlers/nightly/events", changes("app/day=01/a.json"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).contains("CRAWL_EVENT_MODE"), "{body}");
    let (_, runs) = t.get("/v1/crawlers/nightly/runs").await;
    assert!(runs["runs"].as_array().unwrap().is_empty(), "{runs}");
}

#[tokio::test]
async fn a_dry_run_answers_the_plan_and_writes_nothing() {
    let t = test_app().await;
    let lake = t._dir.path().join("lake");
    for day in ["01", "02"] {
        let folder = lake.join(format!("app/day={day}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("a.json"), "{\"n\": 1}\n").unwrap();
    }
    let lake = lake.canonicalize().unwrap();
    let crawler = json!({"name": "planned", "database_name": "ops",
        "targets": {"s3_targets": [{"path": lake.display().to_string()}]}});
    let (status, body) = t.post("/v1/crawlers", crawler).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (status, run) = t.post("/v1/crawlers/planned:dryRun", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(
        (run["id"].as_str(), run["state"].as_str()),
        (Some("dry-run"), Some("COMPLETED")),
        "{run}"
    );
    // Counts are what was written: nothing; the changes say what a crawl would do.
    assert_eq!(run["counts"]["objects_read"], 2, "{run}");
    assert_eq!(run["counts"]["tables_created"], 0, "{run}");
    let changes = run["report"]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{run}");
    assert_eq!(
        (
            changes[0]["table"].as_str(),
            changes[0]["applied"].as_bool()
        ),
        (Some("app"), Some(false))
    );
    assert!(
        !run["report"]["decisions"].as_array().unwrap().is_empty(),
        "{run}"
    );

    // Nothing was written or recorded, and the crawler never ran.
    let (status, _) = t.get("/v1/databases/ops/tables/app").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, runs) = t.get("/v1/crawlers/planned/runs").await;
    assert_eq!(runs["runs"], json!([]), "{runs}");
    let (_, crawler) = t.get("/v1/crawlers/planned").await;
    assert_eq!(crawler["state"], "READY");
    let (status, missing) = t.post("/v1/crawlers/nowhere:dryRun", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
}
