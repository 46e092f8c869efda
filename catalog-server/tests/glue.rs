//! The Glue-compatible API through the whole application: AWS JSON 1.1 requests with
//! `X-Amz-Target`, Glue's member names, and errors as AWS SDKs parse them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use lakecat_catalog::crawlers::Crawlers;
use lakecat_catalog::{Catalog, SqlStore, StoreOptions};
use lakecat_crawler::CrawlerService;
use serde_json::{Value, json};
use tower::ServiceExt;

struct Glue {
    app: Router,
    _dir: tempfile::TempDir,
}

async fn glue() -> Glue {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("c.db").display());
    let store = Arc::new(
        SqlStore::connect(&url, &StoreOptions::default())
            .await
            .unwrap(),
    );
    let catalog = Catalog::new(store.clone());
    let crawlers = CrawlerService::new(catalog.clone(), Crawlers::new(store));
    Glue {
        app: lakecat_server::app(catalog, crawlers),
        _dir: dir,
    }
}

impl Glue {
    /// Calls an operation; returns the status, the request id header and the body.
    async fn call_raw(&self, target: Option<&str>, body: &str) -> (StatusCode, String, Value) {
        let mut request = Request::post("/").header("content-type", "application/x-amz-json-1.1");
        if let Some(target) = target {
            request = request.header("x-amz-target", target);
        }
        let response = self
            .app
            .clone()
            .oneshot(request.body(Body::from(body.to_string())).unwrap())
            .await
            .unwrap();
        let status = response.status();
        assert_eq!(
            response.headers()["content-type"],
            "application/x-amz-json-1.1"
        );
        let request_id = response.headers()["x-amzn-requestid"]
            .to_str()
            .unwrap()
            .to_string();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, request_id, serde_json::from_slice(&bytes).unwrap())
    }

    async fn call(&self, operation: &str, body: Value) -> (StatusCode, Value) {
        let (status, _, value) = self
            .call_raw(Some(&format!("AWSGlue.{operation}")), &body.to_string())
            .await;
        (status, value)
    }

    async fn ok(&self, operation: &str, body: Value) -> Value {
        let (status, value) = self.call(operation, body).await;
        assert_eq!(status, StatusCode::OK, "{operation}: {value}");
        value
    }

    async fn fails(&self, operation: &str, body: Value, kind: &str) -> String {
        let (status, value) = self.call(operation, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{operation}: {value}");
        assert_eq!(value["__type"], kind, "{operation}: {value}");
        value["Message"].as_str().unwrap().to_string()
    }
}

fn sales_table(name: &str) -> Value {
    json!({
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet"},
        "PartitionKeys": [{"Name": "year", "Type": "string"}, {"Name": "month", "Type": "int"}],
        "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "amount", "Type": "double"}],
            "Location": format!("s3://lake/{name}/"),
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", "Parameters": {}},
        },
    })
}

fn partition(year: &str, month: &str) -> Value {
    json!({"Values": [year, month], "StorageDescriptor": {
        "Location": format!("s3://lake/sales/year={year}/month={month}/"),
        "Columns": [{"Name": "id", "Type": "bigint"}]}})
}

#[tokio::test]
async fn protocol_errors_look_like_aws() {
    let g = glue().await;
    let (status, request_id, body) = g.call_raw(None, "{}").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["__type"], "UnknownOperationException");
    assert_eq!(request_id.len(), 36);
    let (_, _, body) = g.call_raw(Some("AWSGlue.FlyToTheMoon"), "{}").await;
    assert_eq!(body["__type"], "UnknownOperationException");
    assert!(body["Message"].as_str().unwrap().contains("FlyToTheMoon"));
    let (_, _, body) = g.call_raw(Some("AWSGlue.GetDatabase"), "{not json").await;
    assert_eq!(body["__type"], "SerializationException");
    let (_, _, body) = g
        .call_raw(Some("AWSGlue.GetDatabase"), "{\"Name\": 7}")
        .await;
    assert_eq!(body["__type"], "SerializationException");
    let message = g
        .fails("GetDatabase", json!({}), "InvalidInputException")
        .await;
    assert_eq!(message, "Name is required");
}

#[tokio::test]
async fn names_that_cannot_be_addressed_or_spoof_others_are_refused() {
    let g = glue().await;
    let message = g
        .fails(
            "CreateDatabase",
            json!({"DatabaseInput": {"Name": "."}}),
            "InvalidInputException",
        )
        .await;
    assert!(
        message.contains("`.` and `..` cannot be addressed"),
        "{message}"
    );
    g.ok(
        "CreateDatabase",
        json!({"DatabaseInput": {"Name": "sales"}}),
    )
    .await;
    for (name, refusal) in [
        ("..", "`.` and `..` cannot be addressed in a URL path"),
        ("sales\u{202E}txt.exe", "character U+202E at byte 5"),
    ] {
        let message = g
            .fails(
                "CreateTable",
                json!({"DatabaseName": "sales", "TableInput": sales_table(name)}),
                "InvalidInputException",
            )
            .await;
        assert!(message.contains(refusal), "{message}");
    }
    let tables = g.ok("GetTables", json!({"DatabaseName": "sales"})).await;
    assert_eq!(tables["TableList"], json!([]));
}

#[tokio::test]
async fn databases_and_tables() {
    let g = glue().await;
    g.ok(
        "CreateDatabase",
        json!({"DatabaseInput": {"Name": "Sales", "Description": "d"}}),
    )
    .await;
    g.fails(
        "CreateDatabase",
        json!({"DatabaseInput": {"Name": "sales"}}),
        "AlreadyExistsException",
    )
    .await;
    let db = g.ok("GetDatabase", json!({"Name": "SALES"})).await;
    assert_eq!(db["Database"]["Name"], "sales");
    assert!(db["Database"]["CreateTime"].as_f64().unwrap() > 1.7e9);
    g.fails(
        "GetDatabase",
        json!({"Name": "nope"}),
        "EntityNotFoundException",
    )
    .await;
    g.ok(
        "UpdateDatabase",
        json!({"Name": "sales", "DatabaseInput": {"Name": "sales", "Description": "new"}}),
    )
    .await;
    let all = g.ok("GetDatabases", json!({"MaxResults": 10})).await;
    assert_eq!(all["DatabaseList"][0]["Description"], "new");

    g.ok(
        "CreateTable",
        json!({"DatabaseName": "sales", "TableInput": sales_table("orders")}),
    )
    .await;
    g.ok(
        "CreateTable",
        json!({"DatabaseName": "sales", "TableInput": {"Name": "flat", "StorageDescriptor": {"Columns": []}}}),
    )
    .await;
    let table = g
        .ok(
            "GetTable",
            json!({"DatabaseName": "sales", "Name": "orders"}),
        )
        .await;
    assert_eq!(table["Table"]["VersionId"], "0");
    assert_eq!(table["Table"]["PartitionKeys"][1]["Type"], "int");
    assert_eq!(
        table["Table"]["StorageDescriptor"]["Location"],
        "s3://lake/orders/"
    );
    let flat = g
        .ok("GetTable", json!({"DatabaseName": "sales", "Name": "flat"}))
        .await;
    assert_eq!(flat["Table"]["PartitionKeys"], json!([]), "Athena wants []");

    // VersionId makes updates conditional, with Glue's message.
    let mut changed = sales_table("orders");
    changed["Description"] = json!("v1");
    g.ok(
        "UpdateTable",
        json!({"DatabaseName": "sales", "TableInput": changed, "VersionId": "0"}),
    )
    .await;
    let message = g
        .fails(
            "UpdateTable",
            json!({"DatabaseName": "sales", "TableInput": changed, "VersionId": "0"}),
            "ConcurrentModificationException",
        )
        .await;
    assert_eq!(
        message,
        "Update table failed due to concurrent modifications."
    );
    let versions = g
        .ok(
            "GetTableVersions",
            json!({"DatabaseName": "sales", "TableName": "orders"}),
        )
        .await;
    let ids: Vec<&str> = versions["TableVersions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["VersionId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "0"]);
    let old = g
        .ok(
            "GetTableVersion",
            json!({"DatabaseName": "sales", "TableName": "orders", "VersionId": "0"}),
        )
        .await;
    assert!(old["TableVersion"]["Table"].get("Description").is_none());
    let errors = g
        .ok(
            "BatchDeleteTableVersion",
            json!({"DatabaseName": "sales", "TableName": "orders", "VersionIds": ["0", "1", "9"]}),
        )
        .await;
    let codes: Vec<(&str, &str)> = errors["Errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["VersionId"].as_str().unwrap(),
                e["ErrorDetail"]["ErrorCode"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("1", "InvalidInputException"),
            ("9", "EntityNotFoundException")
        ]
    );

    // GetTables filters by a regular expression on the name.
    let matching = g
        .ok(
            "GetTables",
            json!({"DatabaseName": "sales", "Expression": "ord.*"}),
        )
        .await;
    assert_eq!(matching["TableList"].as_array().unwrap().len(), 1);
    assert_eq!(matching["TableList"][0]["Name"], "orders");
    g.fails(
        "GetTables",
        json!({"DatabaseName": "sales", "Expression": "("}),
        "InvalidInputException",
    )
    .await;
    let deleted = g
        .ok(
            "BatchDeleteTable",
            json!({"DatabaseName": "sales", "TablesToDelete": ["flat", "ghost"]}),
        )
        .await;
    assert_eq!(deleted["Errors"][0]["TableName"], "ghost");
    assert_eq!(
        deleted["Errors"][0]["ErrorDetail"]["ErrorCode"],
        "EntityNotFoundException"
    );
    // The catalog service holds the batch's limits, for every protocol.
    let too_many: Vec<String> = (0..101).map(|i| format!("t{i}")).collect();
    for names in [json!([]), json!(too_many)] {
        let message = g
            .fails(
                "BatchDeleteTable",
                json!({"DatabaseName": "sales", "TablesToDelete": names}),
                "InvalidInputException",
            )
            .await;
        assert!(message.starts_with("tables: "), "{message}");
    }
}

#[tokio::test]
async fn partitions() {
    let g = glue().await;
    g.ok(
        "CreateDatabase",
        json!({"DatabaseInput": {"Name": "sales"}}),
    )
    .await;
    g.ok(
        "CreateTable",
        json!({"DatabaseName": "sales", "TableInput": sales_table("orders")}),
    )
    .await;
    let months: Vec<Value> = (1..=12)
        .map(|m| partition("2024", &m.to_string()))
        .collect();
    g.ok(
        "BatchCreatePartition",
        json!({"DatabaseName": "sales", "TableName": "orders", "PartitionInputList": months}),
    )
    .await;
    let batch = vec![partition("2023", "12"), partition("2024", "1")];
    let created = g
        .ok(
            "BatchCreatePartition",
            json!({"DatabaseName": "sales", "TableName": "orders", "PartitionInputList": batch}),
        )
        .await;
    let errors = created["Errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{created}");
    assert_eq!(errors[0]["PartitionValues"], json!(["2024", "1"]));
    assert_eq!(
        errors[0]["ErrorDetail"]["ErrorCode"],
        "AlreadyExistsException"
    );

    let selected = g
        .ok(
            "GetPartitions",
            json!({"DatabaseName": "sales", "TableName": "orders",
                   "Expression": "year = '2024' AND month > 9", "ExcludeColumnSchema": true}),
        )
        .await;
    let months: Vec<&str> = selected["Partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["Values"][1].as_str().unwrap())
        .collect();
    assert_eq!(months, ["10", "11", "12"]);
    assert!(
        selected["Partitions"][0]["StorageDescriptor"]["Columns"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    g.fails(
        "GetPartitions",
        json!({"DatabaseName": "sales", "TableName": "orders", "Expression": "year = "}),
        "InvalidInputException",
    )
    .await;

    // Segments split the partitions; pages chain with NextToken; "" means no filter.
    let mut seen = Vec::new();
    for segment in 0..3 {
        let mut token: Option<String> = None;
        loop {
            let page = g
                .ok(
                    "GetPartitions",
                    json!({"DatabaseName": "sales", "TableName": "orders", "Expression": "",
                           "Segment": {"SegmentNumber": segment, "TotalSegments": 3},
                           "MaxResults": 2, "NextToken": token}),
                )
                .await;
            for p in page["Partitions"].as_array().unwrap() {
                seen.push(format!("{}/{}", p["Values"][0], p["Values"][1]));
            }
            match page["NextToken"].as_str() {
                Some(next) => token = Some(next.to_string()),
                None => break,
            }
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 13);

    let got = g
        .ok(
            "BatchGetPartition",
            json!({"DatabaseName": "sales", "TableName": "orders",
                   "PartitionsToGet": [{"Values": ["2024", "3"]}, {"Values": ["1999", "1"]}]}),
        )
        .await;
    assert_eq!(got["Partitions"].as_array().unwrap().len(), 1);
    assert_eq!(got["UnprocessedKeys"], json!([]));

    let mut moved = partition("2024", "3");
    moved["Parameters"] = json!({"note": "moved"});
    let updated = g
        .ok(
            "BatchUpdatePartition",
            json!({"DatabaseName": "sales", "TableName": "orders", "Entries": [
                {"PartitionValueList": ["2024", "3"], "PartitionInput": moved},
                {"PartitionValueList": ["1999", "1"], "PartitionInput": partition("1999", "1")}]}),
        )
        .await;
    assert_eq!(
        updated["Errors"][0]["PartitionValueList"],
        json!(["1999", "1"])
    );
    let message = g
        .fails(
            "BatchUpdatePartition",
            json!({"DatabaseName": "sales", "TableName": "orders", "Entries": []}),
            "InvalidInputException",
        )
        .await;
    assert_eq!(message, "entries: must not be empty");
    let one = g
        .ok(
            "GetPartition",
            json!({"DatabaseName": "sales", "TableName": "orders", "PartitionValues": ["2024", "3"]}),
        )
        .await;
    assert_eq!(one["Partition"]["Parameters"]["note"], "moved");
    assert!(one["Partition"]["CreationTime"].as_f64().is_some());

    let deleted = g
        .ok(
            "BatchDeletePartition",
            json!({"DatabaseName": "sales", "TableName": "orders",
                   "PartitionsToDelete": [{"Values": ["2024", "3"]}, {"Values": ["1999", "1"]}]}),
        )
        .await;
    assert_eq!(deleted["Errors"].as_array().unwrap().len(), 1);
    g.fails(
        "GetPartition",
        json!({"DatabaseName": "sales", "TableName": "orders", "PartitionValues": ["2024", "3"]}),
        "EntityNotFoundException",
    )
    .await;
    g.ok(
        "CreatePartition",
        json!({"DatabaseName": "sales", "TableName": "orders", "PartitionInput": partition("2025", "1")}),
    )
    .await;
    g.ok(
        "UpdatePartition",
        json!({"DatabaseName": "sales", "TableName": "orders", "PartitionValueList": ["2025", "1"],
               "PartitionInput": partition("2025", "2")}),
    )
    .await;
    g.ok(
        "DeletePartition",
        json!({"DatabaseName": "sales", "TableName": "orders", "PartitionValues": ["2025", "2"]}),
    )
    .await;
    let too_many: Vec<Value> = (0..26)
        .map(|i| json!({"Values": ["2024", i.to_string()]}))
        .collect();
    g.fails(
        "BatchDeletePartition",
        json!({"DatabaseName": "sales", "TableName": "orders", "PartitionsToDelete": too_many}),
        "InvalidInputException",
    )
    .await;
}

#[tokio::test]
async fn search_tables_across_databases() {
    let g = glue().await;
    for db in ["sales", "ops"] {
        g.ok("CreateDatabase", json!({"DatabaseInput": {"Name": db}}))
            .await;
    }
    for (db, name) in [
        ("sales", "orders"),
        ("sales", "order_items"),
        ("ops", "orders_log"),
        ("ops", "metrics"),
    ] {
        g.ok(
            "CreateTable",
            json!({"DatabaseName": db, "TableInput": sales_table(name)}),
        )
        .await;
    }
    let found = g.ok("SearchTables", json!({"SearchText": "ORDER"})).await;
    let mut names: Vec<String> = found["TableList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{}.{}",
                t["DatabaseName"].as_str().unwrap(),
                t["Name"].as_str().unwrap()
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["ops.orders_log", "sales.order_items", "sales.orders"]
    );
    let filtered = g
        .ok(
            "SearchTables",
            json!({"SearchText": "order", "Filters": [{"Key": "DatabaseName", "Value": "sales", "Comparator": "EQUALS"}]}),
        )
        .await;
    assert_eq!(filtered["TableList"].as_array().unwrap().len(), 2);
    // Pages of one, chained by NextToken, visit every match once.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = g
            .ok(
                "SearchTables",
                json!({"SearchText": "order", "MaxResults": 1, "NextToken": token}),
            )
            .await;
        seen.extend(
            page["TableList"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["Name"].clone()),
        );
        match page["NextToken"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);
    g.fails(
        "SearchTables",
        json!({"NextToken": "bogus"}),
        "InvalidInputException",
    )
    .await;
    // A token belongs to its search: another text or filter cannot reuse it.
    let first = g
        .ok(
            "SearchTables",
            json!({"SearchText": "order", "MaxResults": 1}),
        )
        .await;
    let token = first["NextToken"].as_str().unwrap();
    let message = g
        .fails(
            "SearchTables",
            json!({"SearchText": "metric", "NextToken": token}),
            "InvalidInputException",
        )
        .await;
    assert!(message.contains("page token"), "{message}");
}

#[tokio::test]
async fn crawler_schedules_pause_and_resume() {
    let g = glue().await;
    let lake = g._dir.path().join("lake");
    std::fs::create_dir_all(&lake).unwrap();
    g.ok(
        "CreateCrawler",
        json!({"Name": "nightly", "Role": "r", "DatabaseName": "lake",
               "Targets": {"S3Targets": [{"Path": lake.to_str().unwrap()}]}}),
    )
    .await;
    g.fails(
        "StartCrawlerSchedule",
        json!({"CrawlerName": "nightly"}),
        "NoScheduleException",
    )
    .await;
    g.fails(
        "StopCrawlerSchedule",
        json!({"CrawlerName": "nightly"}),
        "SchedulerNotRunningException",
    )
    .await;
    g.ok(
        "UpdateCrawlerSchedule",
        json!({"CrawlerName": "nightly", "Schedule": "cron(15 12 * * ? *)"}),
    )
    .await;
    let crawler = g.ok("GetCrawler", json!({"Name": "nightly"})).await;
    assert_eq!(
        crawler["Crawler"]["Schedule"],
        json!({"ScheduleExpression": "cron(15 12 * * ? *)", "State": "SCHEDULED"})
    );
    g.fails(
        "StartCrawlerSchedule",
        json!({"CrawlerName": "nightly"}),
        "SchedulerRunningException",
    )
    .await;
    g.ok("StopCrawlerSchedule", json!({"CrawlerName": "nightly"}))
        .await;
    let crawler = g.ok("GetCrawler", json!({"Name": "nightly"})).await;
    assert_eq!(crawler["Crawler"]["Schedule"]["State"], "NOT_SCHEDULED");
    assert_eq!(crawler["Crawler"]["Version"], 3);
    g.ok("StartCrawlerSchedule", json!({"CrawlerName": "nightly"}))
        .await;
    g.fails(
        "GetCrawler",
        json!({"Name": "ghost"}),
        "EntityNotFoundException",
    )
    .await;
    g.fails(
        "CreateCrawler",
        json!({"Name": "jdbc", "Role": "r", "Targets": {"JdbcTargets": [{"Path": "x"}]}}),
        "InvalidInputException",
    )
    .await;
    g.fails(
        "CreateCrawler",
        json!({"Name": "norole", "Targets": {"S3Targets": [{"Path": lake.to_str().unwrap()}]}}),
        "InvalidInputException",
    )
    .await;
}

#[tokio::test]
async fn open_table_format_targets_round_trip_and_are_checked() {
    let g = glue().await;
    let lake = g._dir.path().join("lake");
    std::fs::create_dir_all(lake.join("sales")).unwrap();
    let lake_url = format!("file://{}/", lake.display());
    let targets = json!({
        "DeltaTargets": [{"DeltaTables": ["s3://lake/delta/sales/", format!("{lake_url}sales/")],
                          "WriteManifest": false, "CreateNativeDeltaTable": true}],
        "IcebergTargets": [{"Paths": ["s3://lake/warehouse/"], "Exclusions": ["**/tmp/**"],
                            "MaximumTraversalDepth": 20}],
        "HudiTargets": [{"Paths": ["s3://lake/hudi/"], "MaximumTraversalDepth": 1}],
    });
    g.ok(
        "CreateCrawler",
        json!({"Name": "formats", "Role": "r", "DatabaseName": "lake", "Targets": targets}),
    )
    .await;
    let expected = json!({
        "S3Targets": [],
        "DeltaTargets": [{"DeltaTables": ["s3://lake/delta/sales/", format!("{lake_url}sales/")],
                          "WriteManifest": false, "CreateNativeDeltaTable": true}],
        "IcebergTargets": [{"Paths": ["s3://lake/warehouse/"], "Exclusions": ["**/tmp/**"],
                            "MaximumTraversalDepth": 20}],
        "HudiTargets": [{"Paths": ["s3://lake/hudi/"], "Exclusions": [],
                         "MaximumTraversalDepth": 1}],
    });
    let crawler = g.ok("GetCrawler", json!({"Name": "formats"})).await;
    assert_eq!(crawler["Crawler"]["Targets"], expected);
    let found = g
        .ok("BatchGetCrawlers", json!({"CrawlerNames": ["formats"]}))
        .await;
    assert_eq!(found["Crawlers"][0]["Targets"], expected);
    let listed = g.ok("GetCrawlers", json!({})).await;
    assert_eq!(listed["Crawlers"][0]["Targets"], expected);

    // An update replaces the targets; members left out stay out (CreateNativeDeltaTable is
    // not made up), and other members of the definition are kept.
    g.ok(
        "UpdateCrawler",
        json!({"Name": "formats", "Targets": {
            "S3Targets": [{"Path": lake_url}],
            "DeltaTargets": [{"DeltaTables": ["s3://lake/delta/refunds/"]}]}}),
    )
    .await;
    let crawler = g.ok("GetCrawler", json!({"Name": "formats"})).await;
    assert_eq!(
        crawler["Crawler"]["Targets"],
        json!({"S3Targets": [{"Path": lake_url, "Exclusions": []}],
               "DeltaTargets": [{"DeltaTables": ["s3://lake/delta/refunds/"],
                                 "WriteManifest": false}]})
    );
    assert_eq!(crawler["Crawler"]["DatabaseName"], "lake");

    // What lakecat cannot do, or Glue refuses, is an InvalidInputException that says why;
    // the stored crawler is unchanged.
    let refused = [
        (
            json!({"IcebergTargets": [{"Paths": ["s3://lake/w/"], "MaximumTraversalDepth": 25}]}),
            "targets.iceberg_targets[0].maximum_traversal_depth: MaximumTraversalDepth must be \
             between 1 and 20 (got 25)",
        ),
        (
            json!({"HudiTargets": [{"Paths": ["s3://lake/h/"], "MaximumTraversalDepth": -1}]}),
            "targets.hudi_targets[0].maximum_traversal_depth: MaximumTraversalDepth must be \
             between 1 and 20 (got -1)",
        ),
        (
            json!({"DeltaTargets": [{"DeltaTables": ["s3://lake/d/"], "WriteManifest": true}]}),
            "targets.delta_targets[0].write_manifest: WriteManifest (symlink manifests) is not \
             supported yet; lakecat registers native Delta tables",
        ),
        (
            json!({"DeltaTargets": [{"DeltaTables": ["s3://lake/d/"],
                                     "CreateNativeDeltaTable": false}]}),
            "targets.delta_targets[0].create_native_delta_table: CreateNativeDeltaTable=false",
        ),
        (
            json!({"DeltaTargets": [{"DeltaTables": ["s3://lake/d/"], "ConnectionName": "vpc"}]}),
            "targets.delta_targets[0].connection_name: lakecat has no Glue connections",
        ),
        (
            json!({"DeltaTargets": [{"DeltaTables": []}]}),
            "targets.delta_targets[0].delta_tables: a Delta target needs at least one table",
        ),
        (
            json!({"IcebergTargets": [{"Paths": ["ftp://lake/w/"]}]}),
            "unsupported scheme",
        ),
        (json!({}), "targets: a crawler needs at least one target"),
        (
            json!({"CatalogTargets": [{"DatabaseName": "x", "Tables": ["t"]}]}),
            "Targets.CatalogTargets are not supported by lakecat",
        ),
    ];
    for (targets, expected) in refused {
        let message = g
            .fails(
                "UpdateCrawler",
                json!({"Name": "formats", "Targets": targets}),
                "InvalidInputException",
            )
            .await;
        assert!(message.contains(expected), "{targets}: {message}");
        let message = g
            .fails(
                "CreateCrawler",
                json!({"Name": "refused", "Role": "r", "Targets": targets}),
                "InvalidInputException",
            )
            .await;
        assert!(message.contains(expected), "{targets}: {message}");
    }
    let crawler = g.ok("GetCrawler", json!({"Name": "formats"})).await;
    assert_eq!(crawler["Crawler"]["Version"], 2);
    g.fails(
        "GetCrawler",
        json!({"Name": "refused"}),
        "EntityNotFoundException",
    )
    .await;
}

#[tokio::test]
async fn catalog_settings_answer_as_for_an_account_that_configured_none() {
    let g = glue().await;
    let status = g.ok("GetCatalogImportStatus", json!({})).await;
    assert_eq!(status["ImportStatus"]["ImportCompleted"], true);
    let settings = g
        .ok(
            "GetDataCatalogEncryptionSettings",
            json!({"CatalogId": "000000000000"}),
        )
        .await;
    assert_eq!(
        settings["DataCatalogEncryptionSettings"]["EncryptionAtRest"]["CatalogEncryptionMode"],
        "DISABLED"
    );
    assert_eq!(
        settings["DataCatalogEncryptionSettings"]["ConnectionPasswordEncryption"]["ReturnConnectionPasswordEncrypted"],
        false
    );
    g.fails("GetResourcePolicy", json!({}), "EntityNotFoundException")
        .await;
    g.fails(
        "GetResourcePolicy",
        json!({"ResourceArn": "not-an-arn"}),
        "InvalidInputException",
    )
    .await;
    let policies = g.ok("GetResourcePolicies", json!({"MaxResults": 10})).await;
    assert_eq!(policies["GetResourcePoliciesResponseList"], json!([]));
    let message = g
        .fails(
            "GetSecurityConfiguration",
            json!({"Name": "secure"}),
            "EntityNotFoundException",
        )
        .await;
    assert!(message.contains("secure"), "{message}");
    g.fails(
        "GetSecurityConfiguration",
        json!({}),
        "InvalidInputException",
    )
    .await;
    let configurations = g.ok("GetSecurityConfigurations", json!({})).await;
    assert_eq!(configurations["SecurityConfigurations"], json!([]));
    let catalogs = g.ok("GetCatalogs", json!({})).await;
    assert_eq!(catalogs["CatalogList"].as_array().unwrap().len(), 1);
    assert_eq!(catalogs["CatalogList"][0]["CatalogId"], "000000000000");
    let catalog = g
        .ok("GetCatalog", json!({"CatalogId": "000000000000"}))
        .await;
    assert_eq!(catalog["Catalog"]["Name"], "000000000000");
    g.fails(
        "GetCatalog",
        json!({"CatalogId": "123456789012"}),
        "EntityNotFoundException",
    )
    .await;
    g.fails("GetCatalog", json!({}), "InvalidInputException")
        .await;
}

#[tokio::test]
async fn operations_out_of_scope_say_lakecat_does_not_serve_them() {
    let g = glue().await;
    for operation in ["GetSchema", "GetJobs", "GetRegistry", "StartJobRun"] {
        let message = g
            .fails(operation, json!({}), "UnknownOperationException")
            .await;
        assert_eq!(
            message,
            format!("lakecat does not serve the Glue operation {operation}")
        );
    }
}

fn udf(name: &str) -> Value {
    json!({
        "FunctionName": name,
        "ClassName": format!("com.example.{name}"),
        "OwnerName": "analyst",
        "OwnerType": "USER",
        "ResourceUris": [{"ResourceType": "JAR", "Uri": "s3://lib/udfs.jar"}],
    })
}

#[tokio::test]
async fn user_defined_functions() {
    let g = glue().await;
    g.fails(
        "CreateUserDefinedFunction",
        json!({"DatabaseName": "sales", "FunctionInput": udf("to_upper")}),
        "EntityNotFoundException",
    )
    .await;
    g.ok(
        "CreateDatabase",
        json!({"DatabaseInput": {"Name": "sales"}}),
    )
    .await;
    g.ok(
        "CreateUserDefinedFunction",
        json!({"DatabaseName": "sales", "FunctionInput": udf("To_Upper")}),
    )
    .await;
    g.fails(
        "CreateUserDefinedFunction",
        json!({"DatabaseName": "sales", "FunctionInput": udf("to_upper")}),
        "AlreadyExistsException",
    )
    .await;
    let mut bad = udf("bad");
    bad["OwnerType"] = json!("TEAM");
    g.fails(
        "CreateUserDefinedFunction",
        json!({"DatabaseName": "sales", "FunctionInput": bad}),
        "InvalidInputException",
    )
    .await;
    let mut bad = udf("bad");
    bad["ResourceUris"] = json!([{"ResourceType": "JAR", "Uri": "u".repeat(1025)}]);
    g.fails(
        "CreateUserDefinedFunction",
        json!({"DatabaseName": "sales", "FunctionInput": bad}),
        "InvalidInputException",
    )
    .await;

    let got = g
        .ok(
            "GetUserDefinedFunction",
            json!({"DatabaseName": "sales", "FunctionName": "TO_UPPER"}),
        )
        .await;
    let function = &got["UserDefinedFunction"];
    assert_eq!(function["FunctionName"], "to_upper");
    assert_eq!(function["DatabaseName"], "sales");
    assert_eq!(function["ClassName"], "com.example.To_Upper");
    assert_eq!(function["OwnerType"], "USER");
    assert_eq!(function["CatalogId"], "000000000000");
    assert_eq!(
        function["ResourceUris"],
        json!([{"ResourceType": "JAR", "Uri": "s3://lib/udfs.jar"}])
    );
    assert!(function["CreateTime"].as_f64().unwrap() > 1.7e9);
    g.fails(
        "GetUserDefinedFunction",
        json!({"DatabaseName": "sales", "FunctionName": "missing"}),
        "EntityNotFoundException",
    )
    .await;
    g.fails(
        "GetUserDefinedFunction",
        json!({"DatabaseName": "sales"}),
        "InvalidInputException",
    )
    .await;

    // Without a new name in the input, an update keeps the name.
    let mut changed = udf("");
    changed["ClassName"] = json!("com.example.Upper2");
    g.ok(
        "UpdateUserDefinedFunction",
        json!({"DatabaseName": "sales", "FunctionName": "to_upper", "FunctionInput": changed}),
    )
    .await;
    let got = g
        .ok(
            "GetUserDefinedFunction",
            json!({"DatabaseName": "sales", "FunctionName": "to_upper"}),
        )
        .await;
    assert_eq!(
        got["UserDefinedFunction"]["ClassName"],
        "com.example.Upper2"
    );
    g.fails(
        "UpdateUserDefinedFunction",
        json!({"DatabaseName": "sales", "FunctionName": "missing", "FunctionInput": udf("missing")}),
        "EntityNotFoundException",
    )
    .await;

    g.ok(
        "CreateDatabase",
        json!({"DatabaseInput": {"Name": "other"}}),
    )
    .await;
    for (database, name) in [("sales", "parse_date"), ("other", "to_lower")] {
        g.ok(
            "CreateUserDefinedFunction",
            json!({"DatabaseName": database, "FunctionInput": udf(name)}),
        )
        .await;
    }
    let names = |listing: &Value| -> Vec<String> {
        listing["UserDefinedFunctions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{}.{}",
                    f["DatabaseName"].as_str().unwrap(),
                    f["FunctionName"].as_str().unwrap()
                )
            })
            .collect()
    };
    let listing = g
        .ok(
            "GetUserDefinedFunctions",
            json!({"DatabaseName": "sales", "Pattern": "*"}),
        )
        .await;
    assert_eq!(names(&listing), ["sales.parse_date", "sales.to_upper"]);
    // Without DatabaseName: every database, paged.
    let first = g
        .ok(
            "GetUserDefinedFunctions",
            json!({"Pattern": "to_*", "MaxResults": 2}),
        )
        .await;
    let token = first["NextToken"].as_str().unwrap().to_string();
    let second = g
        .ok(
            "GetUserDefinedFunctions",
            json!({"Pattern": "to_*", "MaxResults": 2, "NextToken": token}),
        )
        .await;
    let mut all = names(&first);
    all.extend(names(&second));
    assert_eq!(all, ["other.to_lower", "sales.to_upper"]);
    g.fails(
        "GetUserDefinedFunctions",
        json!({"DatabaseName": "missing", "Pattern": "*"}),
        "EntityNotFoundException",
    )
    .await;
    g.fails(
        "GetUserDefinedFunctions",
        json!({"DatabaseName": "sales"}),
        "InvalidInputException",
    )
    .await;
    g.fails(
        "GetUserDefinedFunctions",
        json!({"Pattern": "*", "MaxResults": 101}),
        "InvalidInputException",
    )
    .await;

    g.ok(
        "DeleteUserDefinedFunction",
        json!({"DatabaseName": "sales", "FunctionName": "to_upper"}),
    )
    .await;
    g.fails(
        "DeleteUserDefinedFunction",
        json!({"DatabaseName": "sales", "FunctionName": "to_upper"}),
        "EntityNotFoundException",
    )
    .await;
    // Deleting a database deletes its functions.
    g.ok("DeleteDatabase", json!({"Name": "sales"})).await;
    let listing = g
        .ok("GetUserDefinedFunctions", json!({"Pattern": "*"}))
        .await;
    assert_eq!(names(&listing), ["other.to_lower"]);
}

#[tokio::test]
async fn tags_by_arn() {
    let g = glue().await;
    let arn = |resource: &str| format!("arn:aws:glue:us-east-1:000000000000:{resource}");
    g.fails(
        "TagResource",
        json!({"ResourceArn": arn("database/sales"), "TagsToAdd": {"team": "data"}}),
        "EntityNotFoundException",
    )
    .await;
    g.ok(
        "CreateDatabase",
        json!({"DatabaseInput": {"Name": "sales"}}),
    )
    .await;
    g.ok(
        "CreateTable",
        json!({"DatabaseName": "sales", "TableInput": sales_table("orders")}),
    )
    .await;
    for resource in ["database/sales", "table/sales/Orders"] {
        g.ok(
            "TagResource",
            json!({"ResourceArn": arn(resource), "TagsToAdd": {"team": "data", "tier": "gold"}}),
        )
        .await;
    }
    g.ok(
        "UntagResource",
        json!({"ResourceArn": arn("table/sales/orders"), "TagsToRemove": ["tier", "absent"]}),
    )
    .await;
    let tags = g
        .ok("GetTags", json!({"ResourceArn": arn("database/sales")}))
        .await;
    assert_eq!(tags["Tags"], json!({"team": "data", "tier": "gold"}));
    let tags = g
        .ok("GetTags", json!({"ResourceArn": arn("table/sales/orders")}))
        .await;
    assert_eq!(tags["Tags"], json!({"team": "data"}));
    g.fails(
        "GetTags",
        json!({"ResourceArn": arn("table/sales/missing")}),
        "EntityNotFoundException",
    )
    .await;
    g.fails(
        "GetTags",
        json!({"ResourceArn": arn("crawler/missing")}),
        "EntityNotFoundException",
    )
    .await;
    for bad in [
        "sales",
        "arn:aws:glue:us-east-1:000000000000:table/sales",
        "",
    ] {
        g.fails(
            "GetTags",
            json!({"ResourceArn": bad}),
            "InvalidInputException",
        )
        .await;
    }
    let too_many: serde_json::Map<String, Value> =
        (0..51).map(|i| (format!("k{i}"), json!("v"))).collect();
    g.fails(
        "TagResource",
        json!({"ResourceArn": arn("database/sales"), "TagsToAdd": too_many}),
        "InvalidInputException",
    )
    .await;
    g.fails(
        "TagResource",
        json!({"ResourceArn": arn("database/sales"), "TagsToAdd": {"k": "v".repeat(257)}}),
        "InvalidInputException",
    )
    .await;
    // Tags given at creation are stored; bad ones refuse the creation.
    g.fails(
        "CreateDatabase",
        json!({"DatabaseInput": {"Name": "tagged"}, "Tags": {"": "x"}}),
        "InvalidInputException",
    )
    .await;
    g.fails(
        "GetDatabase",
        json!({"Name": "tagged"}),
        "EntityNotFoundException",
    )
    .await;
    g.ok(
        "CreateDatabase",
        json!({"DatabaseInput": {"Name": "Tagged"}, "Tags": {"team": "data"}}),
    )
    .await;
    let tags = g
        .ok("GetTags", json!({"ResourceArn": arn("database/tagged")}))
        .await;
    assert_eq!(tags["Tags"], json!({"team": "data"}));
    g.ok(
        "CreateCrawler",
        json!({"Name": "nightly", "Role": "r", "DatabaseName": "sales",
               "Targets": {"S3Targets": [{"Path": "s3://lake/"}]}, "Tags": {"owner": "ops"}}),
    )
    .await;
    let tags = g
        .ok("GetTags", json!({"ResourceArn": arn("crawler/nightly")}))
        .await;
    assert_eq!(tags["Tags"], json!({"owner": "ops"}));
    // Tags go with their object.
    g.ok(
        "DeleteTable",
        json!({"DatabaseName": "sales", "Name": "orders"}),
    )
    .await;
    g.ok(
        "CreateTable",
        json!({"DatabaseName": "sales", "TableInput": sales_table("orders")}),
    )
    .await;
    let tags = g
        .ok("GetTags", json!({"ResourceArn": arn("table/sales/orders")}))
        .await;
    assert_eq!(tags["Tags"], json!({}));
}
