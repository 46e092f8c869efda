//! The `lakecat` binary end to end: `serve` on a loopback port, real HTTP over TCP, graceful
//! shutdown on SIGTERM, configuration from flags, environment and file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use lakecat_testkit::moto::Moto;
use support::{Server, http, output_text};

#[test]
fn serves_on_the_default_sqlite_file_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&[], &[], dir.path());
    let (status, body) = http(
        server.port,
        "POST",
        "/v1/databases",
        Some(r#"{"name":"Lake"}"#),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(server.port, "GET", "/v1/databases/lake", None).unwrap();
    assert_eq!(status, 200, "{body}");
    let (status, _) = http(server.port, "GET", "/docs/", None).unwrap();
    assert_eq!(status, 200);
    let (ok, output) = server.stop();
    assert!(ok, "exit status after SIGTERM: {output}");
    assert!(
        output.contains("serving the catalog at http://127.0.0.1:"),
        "{output}"
    );
    assert!(output.contains("shutting down"), "{output}");
    // Written to a pipe, the log carries no terminal colour codes.
    assert!(!output.contains('\u{1b}'), "{output:?}");
    assert!(
        dir.path().join("lakecat.db").exists(),
        "the default catalog is ./lakecat.db"
    );

    // The data outlives the process.
    let server = Server::start(&[], &[], dir.path());
    let (status, _) = http(server.port, "GET", "/v1/databases/lake", None).unwrap();
    assert_eq!(status, 200);
    assert!(server.stop().0);
}

#[test]
fn config_file_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lakecat.toml");
    std::fs::write(
        &config,
        "database_url = \"sqlite://from-file.db?mode=rwc\"\n",
    )
    .unwrap();
    let server = Server::start(&["--config", config.to_str().unwrap()], &[], dir.path());
    assert!(server.stop().0);
    assert!(dir.path().join("from-file.db").exists());

    let server = Server::start(
        &[
            "--config",
            config.to_str().unwrap(),
            "--database-url",
            "sqlite://from-flag.db?mode=rwc",
        ],
        &[],
        dir.path(),
    );
    assert!(server.stop().0);
    assert!(dir.path().join("from-flag.db").exists());

    std::fs::write(&config, "databse_url = \"typo\"\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lakecat"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown field `databse_url`"), "{stderr}");
}

#[test]
fn postgres_password_never_reaches_the_log() {
    let Ok(server_url) = std::env::var("LAKECAT_TEST_PG_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "LAKECAT_TEST_PG_URL must be set in CI"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The test server trusts loopback connections, so any password is accepted and the
    // only question is whether it is printed.
    let url = server_url.replacen(
        "postgres://postgres@",
        "postgres://postgres:hunter2secret@",
        1,
    );
    let server = Server::start(&[], &[("LAKECAT_DATABASE_URL", &url)], dir.path());
    let (status, _) = http(server.port, "GET", "/v1/databases", None).unwrap();
    assert_eq!(status, 200);
    let (ok, output) = server.stop();
    assert!(ok, "{output}");
    assert!(output.contains("postgres://postgres:***@"), "{output}");
    assert!(!output.contains("hunter2secret"), "{output}");
}

/// The test virtual environment's Python (created by `scripts/python-env`, which
/// `scripts/test` runs first).
fn venv_python() -> std::path::PathBuf {
    let python = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run the tests with scripts/test, or scripts/python-env first",
        python.display()
    );
    python
}

/// Runs `tests/python/{script}` with the test environment's Python against the server on
/// `port`, then `args`, with no AWS profile or credentials file in reach; returns its exit
/// status and its stdout and stderr.
fn run_glue_script(
    script: &str,
    port: u16,
    args: &[&std::ffi::OsStr],
) -> (std::process::ExitStatus, String) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/python")
        .join(script);
    let output = Command::new(venv_python())
        .arg(script)
        .arg(format!("http://127.0.0.1:{port}"))
        .args(args)
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap();
    let text = output_text(&output);
    (output.status, text)
}

/// Runs `tests/python/glue_boto3.py` against the server on `port` with `args`.
fn run_boto3_script(port: u16, args: &[&str]) -> (std::process::ExitStatus, String) {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    run_glue_script("glue_boto3.py", port, &args)
}

#[test]
fn boto3_drives_the_glue_api_over_http() {
    let dir = tempfile::tempdir().unwrap();
    // With access keys configured, so every call's signature is checked as AWS checks it.
    let server = Server::start(
        &[],
        &[("LAKECAT_GLUE_ACCESS_KEYS", "lakecat:lakecat-secret")],
        dir.path(),
    );
    let (output, text) = run_boto3_script(server.port, &[]);
    let (stopped, log) = server.stop();
    assert!(output.success(), "{text}\nserver log:\n{log}");
    assert!(text.contains("boto3 glue: ok"), "{text}");
    assert!(stopped, "{log}");
}

#[test]
fn boto3_runs_a_crawler_over_a_local_s3_server() {
    use lakecat_testkit::lake::{Columns, write_parquet, write_text};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let root = tempfile::tempdir().unwrap();
    let s3 = runtime
        .block_on(lakecat_testkit::s3::S3Server::start(root.path()))
        .unwrap();
    let bucket = s3.create_bucket("glue-lake").unwrap();
    for month in ["01", "02", "03"] {
        write_parquet(
            &bucket.join(format!("lake/sales/year=2024/month={month}/part-0.parquet")),
            Columns::Base,
            5,
        )
        .unwrap();
    }
    write_text(
        &bucket.join("lake/logs/app.log"),
        "INFO started\nWARN slow disk\nERROR failed to connect\n",
    )
    .unwrap();
    write_text(&bucket.join("lake/_tmp/scratch.csv"), "a\n1\n").unwrap();

    let dir = tempfile::tempdir().unwrap();
    let env = s3.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Server::start(&[], &env, dir.path());
    let (output, text) = run_boto3_script(server.port, &["crawl", "s3://glue-lake/lake/"]);
    let (stopped, log) = server.stop();
    assert!(output.success(), "{text}\nserver log:\n{log}");
    assert!(text.contains("boto3 glue crawl: ok"), "{text}");
    assert!(stopped, "{log}");
}

#[test]
fn glue_requests_must_be_signed_when_access_keys_are_configured() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &[],
        &[(
            "LAKECAT_GLUE_ACCESS_KEYS",
            "lakecat:lakecat-secret,reader:reader-secret:reader,editor:editor-secret:editor",
        )],
        dir.path(),
    );
    let (status, body) = http(server.port, "POST", "/", Some("{}")).unwrap();
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("MissingAuthenticationTokenException"),
        "{body}"
    );
    let (output, text) = run_boto3_script(server.port, &["auth"]);
    let (stopped, log) = server.stop();
    assert!(output.success(), "{text}\nserver log:\n{log}");
    assert!(text.contains("boto3 glue auth: ok"), "{text}");
    assert!(
        !log.contains("lakecat-secret"),
        "a secret reached the log:\n{log}"
    );
    assert!(stopped, "{log}");
}

#[test]
fn shutdown_stops_running_crawls_and_records_them() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    for table in 0..150 {
        for part in 0..12 {
            let folder = lake.join(format!("t{table:03}/p={part}"));
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join("d.json"), format!("{{\"c{table}\": {part}}}\n")).unwrap();
        }
    }
    let server = Server::start(&[], &[], dir.path());
    let crawler = format!(
        r#"{{"name": "big", "database_name": "big", "targets": {{"s3_targets": [{{"path": "{}"}}]}}}}"#,
        lake.display()
    );
    let (status, body) = http(server.port, "POST", "/v1/crawlers", Some(&crawler)).unwrap();
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(server.port, "POST", "/v1/crawlers/big:start", Some("{}")).unwrap();
    assert_eq!(status, 202, "{body}");
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let crawler = runtime.block_on(async {
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("lakecat.db").display()
        );
        let store = lakecat_catalog::SqlStore::connect(&url, &Default::default())
            .await
            .unwrap();
        lakecat_catalog::crawlers::Crawlers::new(std::sync::Arc::new(store))
            .get_crawler("big")
            .await
            .unwrap()
    });
    assert_eq!(
        crawler.state,
        lakecat_catalog::crawlers::CrawlerState::Ready
    );
    let last = crawler.last_crawl.unwrap();
    assert_eq!(
        last.state,
        lakecat_catalog::crawlers::RunState::Stopped,
        "{last:?}\n{log}"
    );
}

#[test]
fn glue_responses_have_motos_shapes_apart_from_listed_differences() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&[], &[], dir.path());
    let moto = Moto::start(&venv_python()).unwrap();
    let (status, text) = run_glue_script(
        "glue_compare_moto.py",
        server.port,
        &[std::ffi::OsStr::new(&moto.endpoint)],
    );
    drop(moto);
    let (stopped, log) = server.stop();
    assert!(status.success(), "{text}\nserver log:\n{log}");
    assert!(text.contains("shapes match moto"), "{text}");
    assert!(stopped, "{log}");
}

#[test]
fn the_aws_cli_reads_and_writes_through_the_glue_api() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &[],
        &[("LAKECAT_GLUE_ACCESS_KEYS", "cli:cli-secret")],
        dir.path(),
    );
    let aws = venv_python().with_file_name("aws");
    let endpoint = format!("http://127.0.0.1:{}", server.port);
    let run = |args: &[&str]| {
        Command::new(&aws)
            .args([
                "glue",
                "--endpoint-url",
                &endpoint,
                "--region",
                "us-east-1",
                "--output",
                "json",
            ])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", "cli")
            .env("AWS_SECRET_ACCESS_KEY", "cli-secret")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap()
    };
    let created = run(&["create-database", "--database-input", r#"{"Name": "Cli"}"#]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let listed = run(&["get-databases"]);
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let body: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(body["DatabaseList"][0]["Name"], "cli", "{body}");
    let missing = run(&["get-table", "--database-name", "cli", "--name", "nope"]);
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("EntityNotFoundException"), "{stderr}");
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
}

#[test]
fn pyiceberg_glue_catalog_writes_and_reads_an_iceberg_table_through_the_glue_api() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = tempfile::tempdir().unwrap();
    let server = Server::start(
        &[],
        &[(
            "LAKECAT_GLUE_ACCESS_KEYS",
            "iceberg:iceberg-secret,reader:reader-secret:reader",
        )],
        dir.path(),
    );
    let (status, text) = run_glue_script(
        "glue_pyiceberg.py",
        server.port,
        &[warehouse.path().as_os_str()],
    );
    let (stopped, log) = server.stop();
    assert!(status.success(), "{text}\nserver log:\n{log}");
    assert!(text.contains("pyiceberg glue: ok"), "{text}");
    assert!(stopped, "{log}");
}

#[test]
fn awswrangler_reads_and_writes_partitioned_parquet_through_the_glue_api() {
    use lakecat_testkit::lake::{Columns, write_parquet};
    let python =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv-wrangler/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run the tests with scripts/test, or scripts/python-env wrangler first",
        python.display()
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let root = tempfile::tempdir().unwrap();
    let s3 = runtime
        .block_on(lakecat_testkit::s3::S3Server::start(root.path()))
        .unwrap();
    let bucket = s3.create_bucket("wrangler-lake").unwrap();
    for month in ["01", "02", "03"] {
        write_parquet(
            &bucket.join(format!("lake/sales/year=2024/month={month}/part-0.parquet")),
            Columns::Base,
            5,
        )
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let env = s3.env();
    let mut server_env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // awswrangler signs its Glue calls with the same credentials as its S3 calls.
    let glue_keys = format!(
        "{}:{}",
        lakecat_testkit::s3::ACCESS_KEY,
        lakecat_testkit::s3::SECRET_KEY
    );
    server_env.push(("LAKECAT_GLUE_ACCESS_KEYS", &glue_keys));
    let server = Server::start(&[], &server_env, dir.path());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/python/glue_wrangler.py"
    );
    let mut command = Command::new(python);
    command
        .arg(script)
        .arg(format!("http://127.0.0.1:{}", server.port))
        .arg(s3.endpoint())
        .arg("wrangler-lake")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    for (key, value) in &env {
        if *key != "AWS_ENDPOINT_URL" {
            command.env(key, value);
        }
    }
    let output = command.output().unwrap();
    let text = output_text(&output);
    let (stopped, log) = server.stop();
    assert!(output.status.success(), "{text}\nserver log:\n{log}");
    assert!(text.contains("awswrangler glue: ok"), "{text}");
    assert!(stopped, "{log}");
}

#[test]
fn metrics_count_requests_crawls_and_connections() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    for part in 0..3 {
        let folder = lake.join(format!("events/p={part}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("d.json"), format!("{{\"n\": {part}}}\n")).unwrap();
    }
    let server = Server::start(&[], &[], dir.path());
    for _ in 0..3 {
        let (status, _) = http(server.port, "GET", "/v1/databases", None).unwrap();
        assert_eq!(status, 200);
    }
    let (status, _) = http(server.port, "GET", "/v1/databases/missing", None).unwrap();
    assert_eq!(status, 404);
    for path in ["/no/such/path", "/.env"] {
        let (status, _) = http(server.port, "GET", path, None).unwrap();
        assert_eq!(status, 404);
    }
    let crawler = format!(
        r#"{{"name": "events", "database_name": "lake", "targets": {{"s3_targets": [{{"path": "{}"}}]}}}}"#,
        lake.display()
    );
    let (status, body) = http(server.port, "POST", "/v1/crawlers", Some(&crawler)).unwrap();
    assert_eq!(status, 201, "{body}");
    let (status, body) =
        http(server.port, "POST", "/v1/crawlers/events:start", Some("{}")).unwrap();
    assert_eq!(status, 202, "{body}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let metrics = loop {
        let (status, text) = http(server.port, "GET", "/metrics", None).unwrap();
        assert_eq!(status, 200);
        if text.contains(r#"lakecat_crawls_total{state="COMPLETED"} 1"#) {
            break text;
        }
        assert!(Instant::now() < deadline, "no completed crawl in:\n{text}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
    let value = |series: &str| -> f64 {
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(series))
            .and_then(|rest| rest.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {series} in:\n{metrics}"))
    };
    assert_eq!(
        value(r#"lakecat_http_requests_total{route="/v1/databases",method="GET",status="200"}"#),
        3.0
    );
    assert_eq!(
        value(
            r#"lakecat_http_requests_total{route="/v1/databases/{database}",method="GET",status="404"}"#
        ),
        1.0
    );
    // Unknown paths are counted under one label, whatever the path.
    assert_eq!(
        value(r#"lakecat_http_requests_total{route="unmatched",method="GET",status="404"}"#),
        2.0
    );
    assert_eq!(
        value(r#"lakecat_http_request_duration_seconds_count{route="/v1/databases",method="GET"}"#),
        3.0
    );
    assert_eq!(value("lakecat_crawl_duration_seconds_count"), 1.0);
    assert_eq!(value("lakecat_crawl_objects_listed_total"), 3.0);
    assert_eq!(value("lakecat_crawl_objects_read_total"), 3.0);
    assert_eq!(value("lakecat_crawl_object_store_retries_total"), 0.0);
    assert!(value(r#"lakecat_database_connections{state="open"}"#) >= 1.0);
    assert!(metrics.trim_end().ends_with("# EOF"), "{metrics}");
}

#[test]
fn beyond_loopback_requests_need_a_token_made_by_lakecat_token() {
    let dir = tempfile::tempdir().unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_lakecat"))
        .args(["serve", "--listen", "0.0.0.0:0"])
        .current_dir(dir.path())
        .env_remove("LAKECAT_TOKENS")
        .env_remove("LAKECAT_GLUE_ACCESS_KEYS")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("needs credentials"), "{stderr}");

    let (token, entry) = support::new_token("ops", "editor");
    assert!(
        entry.starts_with("ops:editor:") && !entry.contains(&token),
        "{entry}"
    );

    let server = Server::start(&[], &[("LAKECAT_TOKENS", entry.as_str())], dir.path());
    let (status, _) = http(server.port, "GET", "/v1/databases", None).unwrap();
    assert_eq!(status, 401);
    let bearer = format!("Bearer {token}");
    let authorized = |method: &str, path: &str, body: Option<&str>| {
        let headers = [
            ("Authorization", bearer.as_str()),
            ("Content-Type", "application/json"),
        ];
        support::http_with(server.port, method, path, &headers, body)
            .unwrap()
            .0
    };
    assert_eq!(authorized("GET", "/v1/databases", None), 200);
    assert_eq!(
        authorized("POST", "/v1/databases", Some(r#"{"name": "ops"}"#)),
        201
    );
    assert_eq!(authorized("DELETE", "/v1/crawlers/none", None), 403);
    // Refusals are answered before routing, and counted.
    let (status, metrics) = support::http_with(
        server.port,
        "GET",
        "/metrics",
        &[("Authorization", bearer.as_str())],
        None,
    )
    .unwrap();
    assert_eq!(status, 200, "{metrics}");
    for refused in [
        r#"lakecat_http_requests_total{route="unmatched",method="GET",status="401"} 1"#,
        r#"lakecat_http_requests_total{route="unmatched",method="DELETE",status="403"} 1"#,
    ] {
        assert!(metrics.contains(refused), "no {refused} in:\n{metrics}");
    }
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
    assert!(!log.contains(&token), "the token reached the log:\n{log}");
}

#[test]
fn throttled_object_store_reads_are_retried_and_counted_in_the_run() {
    use lakecat_testkit::lake::{Columns, write_parquet};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let root = tempfile::tempdir().unwrap();
    let s3 = runtime
        .block_on(lakecat_testkit::s3::S3Server::start(root.path()))
        .unwrap();
    let bucket = s3.create_bucket("flaky-lake").unwrap();
    for month in ["01", "02"] {
        write_parquet(
            &bucket.join(format!("sales/month={month}/part-0.parquet")),
            Columns::Base,
            5,
        )
        .unwrap();
    }
    // The first three GETs (listings and reads) get 503 SlowDown.
    let proxy = runtime
        .block_on(lakecat_testkit::faults::FlakyProxy::start(s3.address(), 3))
        .unwrap();
    let mut env: Vec<(&str, String)> = s3.env();
    for (key, value) in &mut env {
        if *key == "AWS_ENDPOINT_URL" {
            *value = proxy.endpoint();
        }
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&[], &env, dir.path());
    let crawler = r#"{"name": "flaky", "database_name": "lake", "targets": {"s3_targets": [{"path": "s3://flaky-lake/"}]}}"#;
    let (status, body) = http(server.port, "POST", "/v1/crawlers", Some(crawler)).unwrap();
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(server.port, "POST", "/v1/crawlers/flaky:start", Some("{}")).unwrap();
    assert_eq!(status, 202, "{body}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let crawler: serde_json::Value = loop {
        let (_, body) = http(server.port, "GET", "/v1/crawlers/flaky", None).unwrap();
        let crawler: serde_json::Value = serde_json::from_str(&body).unwrap();
        if crawler["state"] == "READY" && crawler.get("last_crawl").is_some() {
            break crawler;
        }
        assert!(
            Instant::now() < deadline,
            "the crawl did not end: {crawler}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
    let last = &crawler["last_crawl"];
    assert_eq!(last["state"], "COMPLETED", "{crawler}\n{log}");
    assert_eq!(proxy.throttled(), 3);
    assert_eq!(last["counts"]["object_store_retries"], 3, "{last}");
    assert_eq!(last["counts"]["tables_created"], 1, "{last}");
    assert_eq!(last["counts"]["partitions_added"], 2, "{last}");
}

/// A MinIO-shaped notification (what MinIO's webhook target posts), for one object.
fn minio_notification(bucket: &str, key: &str) -> String {
    let encoded: String =
        percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC).to_string();
    serde_json::json!({
        "EventName": "s3:ObjectCreated:Put",
        "Key": format!("{bucket}/{key}"),
        "Records": [{
            "eventVersion": "2.0",
            "eventSource": "minio:s3",
            "awsRegion": "",
            "eventTime": "2026-12-07T15:00:00.000Z",
            "eventName": "s3:ObjectCreated:Put",
            "userIdentity": {"principalId": "minioadmin"},
            "requestParameters": {"principalId": "minioadmin", "region": "", "sourceIPAddress": "127.0.0.1"},
            "responseElements": {"x-amz-request-id": "17E1F8A5B3C2D001", "x-minio-origin-endpoint": "http://127.0.0.1:9000"},
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "Config",
                "bucket": {"name": bucket, "ownerIdentity": {"principalId": "minioadmin"}, "arn": format!("arn:aws:s3:::{bucket}")},
                "object": {"key": encoded, "size": 1024, "eTag": "b1946ac92492d2347c6235b4d2611184",
                    "contentType": "application/octet-stream", "sequencer": "17E1F8A5B3C2D001"}
            },
            "source": {"host": "127.0.0.1", "port": "", "userAgent": "MinIO (linux; amd64) minio-go/v7.0.70"}
        }]
    })
    .to_string()
}

#[test]
fn an_event_mode_crawler_made_through_glue_takes_a_minio_notification() {
    use lakecat_testkit::lake::{Columns, write_parquet};
    use support::http_with;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let root = tempfile::tempdir().unwrap();
    let s3 = runtime
        .block_on(lakecat_testkit::s3::S3Server::start(root.path()))
        .unwrap();
    let bucket = s3.create_bucket("lake-bucket").unwrap();
    for month in ["01", "02"] {
        write_parquet(
            &bucket.join(format!(
                "warehouse/sales/year=2024/month={month}/part-0.parquet"
            )),
            Columns::Base,
            5,
        )
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let env = s3.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = Server::start(&[], &env, dir.path());
    let glue = |operation: &str, body: &str| {
        http_with(
            server.port,
            "POST",
            "/",
            &[
                ("X-Amz-Target", &format!("AWSGlue.{operation}")),
                ("Content-Type", "application/x-amz-json-1.1"),
            ],
            Some(body),
        )
        .unwrap()
    };
    let queue = "arn:aws:sqs:us-east-1:123456789012:lake-events";
    let (status, body) = glue(
        "CreateCrawler",
        &serde_json::json!({"Name": "live", "Role": "arn:aws:iam::123456789012:role/glue",
            "DatabaseName": "lake",
            "Targets": {"S3Targets": [{"Path": "s3://lake-bucket/warehouse/", "EventQueueArn": queue}]},
            "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_EVENT_MODE"}})
        .to_string(),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = glue("GetCrawler", r#"{"Name": "live"}"#);
    assert_eq!(status, 200, "{body}");
    let crawler: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        crawler["Crawler"]["RecrawlPolicy"]["RecrawlBehavior"],
        "CRAWL_EVENT_MODE"
    );
    assert_eq!(
        crawler["Crawler"]["Targets"]["S3Targets"][0]["EventQueueArn"],
        queue
    );

    // The first notification crawls everything; the next lists the one folder it names.
    let first = minio_notification(
        "lake-bucket",
        "warehouse/sales/year=2024/month=01/part-0.parquet",
    );
    let (status, body) = http(
        server.port,
        "POST",
        "/v1/crawlers/live/events",
        Some(&first),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    write_parquet(
        &bucket.join("warehouse/sales/year=2024/month=03/part-0.parquet"),
        Columns::Base,
        5,
    )
    .unwrap();
    let next = minio_notification(
        "lake-bucket",
        "warehouse/sales/year=2024/month=03/part-0.parquet",
    );
    let (status, body) =
        http(server.port, "POST", "/v1/crawlers/live/events", Some(&next)).unwrap();
    assert_eq!(status, 200, "{body}");
    let run: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(run["counts"]["objects_listed"], 1, "{run}");
    assert_eq!(run["counts"]["partitions_added"], 1, "{run}");
    assert_eq!(
        run["report"]["events"]["events"][0]["url"],
        "s3://lake-bucket/warehouse/sales/year=2024/month=03/part-0.parquet"
    );
    assert_eq!(
        run["report"]["events"]["events"][0]["sequencer"],
        "17E1F8A5B3C2D001"
    );
    let (status, body) = glue(
        "GetPartitions",
        r#"{"DatabaseName": "lake", "TableName": "sales"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let partitions: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        partitions["Partitions"].as_array().unwrap().len(),
        3,
        "{body}"
    );
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
}

/// The AWS environment of a client of moto at `endpoint`.
fn moto_env(endpoint: &str) -> [(&'static str, &str); 4] {
    [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
    ]
}

/// Runs a boto3 program against moto at `endpoint`, with `s3` and `sqs` clients and
/// `put(key, rows)`, which writes a Parquet object of `rows` rows to bucket `lake`.
fn boto3_on_moto(endpoint: &str, script: &str) {
    let program = format!(
        "import boto3, io\nimport pyarrow as pa, pyarrow.parquet as pq\n\
         s3 = boto3.client('s3')\nsqs = boto3.client('sqs')\n\
         def put(key, n):\n    buf = io.BytesIO()\n    \
         pq.write_table(pa.table({{'id': list(range(n)), 'amount': [1.5] * n}}), buf)\n    \
         s3.put_object(Bucket='lake', Key=key, Body=buf.getvalue())\n{script}"
    );
    let mut command = Command::new(venv_python());
    command
        .args(["-c", &program])
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL_S3")
        .env_remove("AWS_ENDPOINT_URL_SQS")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_DEFAULT_REGION", "us-east-1");
    for (key, value) in moto_env(endpoint) {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "{}", output_text(&output));
}

/// Makes the queue `lake-events` and the bucket `lake` on moto, the bucket notifying the
/// queue of every object created or removed.
const NOTIFIED_BUCKET: &str = "sqs.create_queue(QueueName='lake-events')\n\
     s3.create_bucket(Bucket='lake')\n\
     s3.put_bucket_notification_configuration(Bucket='lake', NotificationConfiguration={\
     'QueueConfigurations': [{'QueueArn': 'arn:aws:sqs:us-east-1:123456789012:lake-events', \
     'Events': ['s3:ObjectCreated:*', 's3:ObjectRemoved:*']}]})\n";

/// An event-mode crawler `live` of bucket `lake`, fed by queue `lake-events`.
const LIVE_CRAWLER: &str = r#"{"name": "live", "database_name": "lake",
    "targets": {"s3_targets": [{"path": "s3://lake/",
        "event_queue_arn": "arn:aws:sqs:us-east-1:123456789012:lake-events"}]},
    "recrawl_policy": {"recrawl_behavior": "CRAWL_EVENT_MODE"}}"#;

/// The partitions of table `lake.sales`, as the REST API lists them (none before the table
/// exists).
fn sales_partitions(port: u16) -> Vec<serde_json::Value> {
    let (status, body) = http(
        port,
        "GET",
        "/v1/databases/lake/tables/sales/partitions",
        None,
    )
    .unwrap();
    if status != 200 {
        return Vec::new();
    }
    let value: serde_json::Value =
        serde_json::from_str(&body).unwrap_or_else(|error| panic!("{error}: {body}"));
    value["partitions"].as_array().cloned().unwrap_or_default()
}

/// Waits (at most a minute) until `done` holds, saying `what` if it never does.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: never happened");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_served_event_mode_crawler_follows_s3_notifications_through_sqs() {
    let moto = Moto::start(&venv_python()).unwrap();
    let endpoint = moto.endpoint.clone();
    let aws = moto_env(&endpoint);
    let boto3 = |script: &str| boto3_on_moto(&endpoint, script);
    boto3(&format!(
        "{NOTIFIED_BUCKET}put('sales/year=2024/month=01/part-0.parquet', 5)\n"
    ));
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&[], &aws, dir.path());
    let (status, body) = http(server.port, "POST", "/v1/crawlers", Some(LIVE_CRAWLER)).unwrap();
    assert_eq!(status, 201, "{body}");
    let wait_for = |count: usize| {
        wait_until(&format!("{count} partitions"), || {
            sales_partitions(server.port).len() == count
        })
    };
    // The queue's first messages start the first (full) crawl; later ones list their folder.
    wait_for(1);
    boto3("put('sales/year=2024/month=02/part-0.parquet', 3)\n");
    wait_for(2);
    let (_, runs) = http(server.port, "GET", "/v1/crawlers/live/runs", None).unwrap();
    let runs: serde_json::Value = serde_json::from_str(&runs).unwrap();
    let last = &runs["runs"][0];
    assert_eq!(last["state"], "COMPLETED", "{runs}");
    assert_eq!(last["counts"]["objects_listed"], 1, "{runs}");
    boto3("s3.delete_object(Bucket='lake', Key='sales/year=2024/month=01/part-0.parquet')\n");
    // A deprecated partition stays listed: wait for the run that judged it gone.
    wait_until("the emptied partition deprecated", || {
        sales_partitions(server.port)
            .iter()
            .any(|p| p.to_string().contains("DEPRECATED_BY_CRAWLER"))
    });
    let (stopped, log) = server.stop();
    drop(moto);
    assert!(stopped, "{log}");
}

/// A server killed while it crawls a batch of events (the messages received and hidden, not
/// yet deleted, nothing committed) loses none of them: a server restarted on the same catalog
/// receives them again once their visibility timeout ends and brings every partition in,
/// each once. The crawl is held deterministically by the object store: a proxy in front of
/// moto's S3 holds the listing of the new folders until the server is dead.
#[test]
fn a_server_killed_mid_batch_loses_no_event() {
    use lakecat_testkit::faults::{Faults, FlakyProxy};
    let moto = Moto::start(&venv_python()).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let upstream: std::net::SocketAddr =
        moto.endpoint.trim_start_matches("http://").parse().unwrap();
    // The server reaches S3 through the proxy, SQS directly.
    let slow_store = runtime
        .block_on(FlakyProxy::start_with(
            upstream,
            Faults {
                held: Some("year=2025/".into()),
                ..Faults::default()
            },
        ))
        .unwrap();
    let s3_endpoint = slow_store.endpoint();
    let mut env = moto_env(&moto.endpoint).to_vec();
    env.push(("AWS_ENDPOINT_URL_S3", s3_endpoint.as_str()));
    // A lease of 10 s is also the messages' visibility timeout.
    let args = ["--crawl-lease", "10"];
    let sqs = lakecat_crawler::events::sqs::SqsClient::with_keys(
        &moto.endpoint,
        "us-east-1",
        "testing",
        "testing",
    )
    .unwrap();
    boto3_on_moto(
        &moto.endpoint,
        &format!("{NOTIFIED_BUCKET}put('sales/year=2024/month=01/part-0.parquet', 5)\n"),
    );
    let queue_url = runtime
        .block_on(sqs.queue_url("arn:aws:sqs:us-east-1:123456789012:lake-events"))
        .unwrap();
    // (visible, received and hidden) messages of the queue.
    let queue = || {
        let answer = runtime
            .block_on(sqs.call(
                "GetQueueAttributes",
                serde_json::json!({"QueueUrl": queue_url, "AttributeNames":
                    ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]}),
            ))
            .unwrap();
        let count = |name: &str| {
            answer["Attributes"][name]
                .as_str()
                .unwrap()
                .parse::<usize>()
                .unwrap()
        };
        (
            count("ApproximateNumberOfMessages"),
            count("ApproximateNumberOfMessagesNotVisible"),
        )
    };

    // The first crawl (everything) completes and its messages are deleted.
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&args, &env, dir.path());
    let (status, body) = http(server.port, "POST", "/v1/crawlers", Some(LIVE_CRAWLER)).unwrap();
    assert_eq!(status, 201, "{body}");
    wait_until("the first crawl", || {
        sales_partitions(server.port).len() == 1
    });
    wait_until("the first messages deleted", || queue() == (0, 0));
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");

    // Four objects in three new partitions wait in the queue; a new server takes them in one
    // batch, and its crawl waits on the listing of their folders.
    boto3_on_moto(
        &moto.endpoint,
        "put('sales/year=2025/month=01/part-0.parquet', 2)\n\
         put('sales/year=2025/month=02/part-0.parquet', 3)\n\
         put('sales/year=2025/month=03/part-0.parquet', 4)\n\
         put('sales/year=2025/month=03/part-1.parquet', 6)\n",
    );
    // The stopped server's last long poll may still be open at moto, and take (hide) a
    // message for its visibility timeout, as SQS would: wait until all four are visible.
    wait_until("four messages waiting", || queue() == (4, 0));
    let server = Server::start(&args, &env, dir.path());
    wait_until("the batch's listing reaching the store", || {
        slow_store.held() > 0
    });
    assert_eq!(queue(), (0, 4), "the batch is received and not deleted");
    // Longer than the visibility timeout: the crawl keeps its messages hidden meanwhile.
    std::thread::sleep(Duration::from_secs(12));
    assert_eq!(
        queue(),
        (0, 4),
        "the messages stay hidden while their crawl lasts"
    );
    assert_eq!(
        sales_partitions(server.port).len(),
        1,
        "nothing committed yet"
    );
    server.kill();
    slow_store.let_through();

    // Restarted on the same catalog: the messages come back after their timeout, the crawl
    // after the dead server's (released after its lease) brings in every partition, and the
    // messages are deleted once it completed.
    let server = Server::start(&args, &env, dir.path());
    wait_until("every partition", || {
        sales_partitions(server.port).len() == 4
    });
    wait_until("the redelivered messages deleted", || queue() == (0, 0));
    let mut values: Vec<String> = sales_partitions(server.port)
        .iter()
        .map(|p| p["values"].to_string())
        .collect();
    values.sort();
    assert_eq!(
        values,
        [
            r#"["2024","01"]"#,
            r#"["2025","01"]"#,
            r#"["2025","02"]"#,
            r#"["2025","03"]"#
        ]
    );
    let (_, table) = http(server.port, "GET", "/v1/databases/lake/tables/sales", None).unwrap();
    let table: serde_json::Value = serde_json::from_str(&table).unwrap();
    assert_eq!(table["parameters"]["objectCount"], "5", "{table}");
    assert_eq!(table["parameters"]["recordCount"], "20", "{table}");
    let (_, runs) = http(server.port, "GET", "/v1/crawlers/live/runs", None).unwrap();
    let runs: serde_json::Value = serde_json::from_str(&runs).unwrap();
    let states: Vec<&str> = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["state"].as_str().unwrap())
        .collect();
    // Newest first: the crawl that brought the batch in, the killed one, the first one.
    assert_eq!(states, ["COMPLETED", "FAILED", "COMPLETED"], "{runs}");
    let (stopped, log) = server.stop();
    drop(moto);
    assert!(stopped, "{log}");
}

/// A crawler's webhook secret admits notifications to its webhook (in
/// `X-Lakecat-Webhook-Secret`, or as `Authorization: Bearer`, how MinIO sends its
/// `auth_token`) and nothing else; an editor token still does; a wrong secret is a 401 that
/// says so. The secret is never shown nor logged. On SQLite, and on PostgreSQL.
#[test]
fn a_webhook_secret_admits_notifications_to_its_crawler_and_nothing_else() {
    let sqlite = tempfile::tempdir().unwrap();
    webhook_secret_over_http(&format!(
        "sqlite://{}/lakecat.db?mode=rwc",
        sqlite.path().display()
    ));
    if let Some(postgres) = support::new_postgres_database("lakecat_webhook_secret") {
        webhook_secret_over_http(&postgres);
    }
}

fn webhook_secret_over_http(database_url: &str) {
    use lakecat_testkit::lake::{Columns, write_parquet};
    use support::{http_with, new_token};
    let (admin, admin_entry) = new_token("ops", "admin");
    let (editor, editor_entry) = new_token("writer", "editor");
    let (reader, reader_entry) = new_token("dashboards", "reader");
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    write_parquet(
        &lake.join("sales/year=2024/part-0.parquet"),
        Columns::Base,
        5,
    )
    .unwrap();
    let lake = lake.canonicalize().unwrap();
    let tokens = format!("{admin_entry},{editor_entry},{reader_entry}");
    let log = dir.path().join("server.log");
    let server = Server::start_logging(
        &[],
        &[
            ("LAKECAT_TOKENS", tokens.as_str()),
            ("LAKECAT_DATABASE_URL", database_url),
            ("LAKECAT_LOG", "debug,sqlx=warn,hyper=info,h2=info"),
        ],
        dir.path(),
        &log,
    );
    let call = |method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>| {
        let mut all = vec![("Content-Type", "application/json")];
        all.extend_from_slice(headers);
        let (status, body) = http_with(server.port, method, path, &all, body).unwrap();
        let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        (status, value, body)
    };
    let bearer = |token: &str| format!("Bearer {token}");
    let admin_auth = bearer(&admin);
    let as_admin = [("Authorization", admin_auth.as_str())];
    let secret = "minio-auth-token-0123456789";
    let crawler = |name: &str, secret: Option<&str>| {
        let mut body = serde_json::json!({"name": name, "database_name": "lake",
            "targets": {"s3_targets": [{"path": lake.display().to_string()}]},
            "recrawl_policy": {"recrawl_behavior": "CRAWL_EVENT_MODE"}});
        if let Some(secret) = secret {
            body["webhook_secret"] = secret.into();
        }
        body.to_string()
    };

    // A secret that cannot be stored is refused, naming the problem, and nothing is made.
    let (status, body, _) = call(
        "POST",
        "/v1/crawlers",
        &as_admin,
        Some(&crawler("hooked", Some("too short"))),
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("webhook_secret"),
        "{body}"
    );
    let (status, _, _) = call("GET", "/v1/crawlers/hooked", &as_admin, None);
    assert_eq!(status, 404);

    let (status, created, text) = call(
        "POST",
        "/v1/crawlers",
        &as_admin,
        Some(&crawler("hooked", Some(secret))),
    );
    assert_eq!(status, 201, "{text}");
    assert_eq!(created["webhook_secret_set"], true, "{text}");
    assert!(!text.contains(secret), "{text}");
    let (status, _, text) = call(
        "POST",
        "/v1/crawlers",
        &as_admin,
        Some(&crawler("other", None)),
    );
    assert_eq!(status, 201, "{text}");
    // Reads say whether there is one, never what it is.
    let reader_auth = bearer(&reader);
    for path in ["/v1/crawlers/hooked", "/v1/crawlers"] {
        let (status, _, text) = call("GET", path, &[("Authorization", &reader_auth)], None);
        assert_eq!(status, 200, "{text}");
        assert!(text.contains("\"webhook_secret_set\":true"), "{text}");
        assert!(!text.contains(secret), "{text}");
    }

    let changes = serde_json::json!({"changes": [
        {"url": format!("file://{}/sales/year=2024/part-0.parquet", lake.display())}]})
    .to_string();
    let events = "/v1/crawlers/hooked/events";
    let post = |headers: &[(&str, &str)]| call("POST", events, headers, Some(&changes));
    // The secret in its header, and as MinIO sends it; an editor token too.
    let (status, run, text) = post(&[("X-Lakecat-Webhook-Secret", secret)]);
    assert_eq!(
        (status, run["state"].as_str()),
        (200, Some("COMPLETED")),
        "{text}"
    );
    let minio = bearer(secret);
    let notification = minio_notification("lake", "sales/year=2024/part-0.parquet");
    let (status, _, text) = call(
        "POST",
        events,
        &[("Authorization", minio.as_str())],
        Some(&notification),
    );
    assert_eq!(status, 200, "{text}");
    let editor_auth = bearer(&editor);
    let (status, _, text) = post(&[("Authorization", editor_auth.as_str())]);
    assert_eq!(status, 200, "{text}");

    // A wrong secret, another crawler's, none, or a reader's token: refused, saying why.
    let wrong = bearer("minio-auth-token-0123456780");
    for (path, headers) in [
        (
            events,
            vec![("X-Lakecat-Webhook-Secret", "minio-auth-token-0123456780")],
        ),
        (events, vec![("Authorization", wrong.as_str())]),
        (
            "/v1/crawlers/other/events",
            vec![("X-Lakecat-Webhook-Secret", secret)],
        ),
        (
            "/v1/crawlers/other/events",
            vec![("Authorization", minio.as_str())],
        ),
        (
            "/v1/crawlers/missing/events",
            vec![("X-Lakecat-Webhook-Secret", secret)],
        ),
    ] {
        let (status, body, _) = call("POST", path, &headers, Some(&changes));
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("WEBHOOK_SECRET_INVALID")),
            "{path} {body}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("webhook secret"),
            "{body}"
        );
    }
    let (status, body, _) = post(&[]);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("UNAUTHENTICATED"))
    );
    let (status, body, _) = post(&[("Authorization", reader_auth.as_str())]);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("FORBIDDEN"))
    );

    // The secret grants nothing else: not a read, not a start, not an update.
    let definition = crawler("hooked", None);
    for (method, path, body) in [
        ("GET", "/v1/databases", None),
        ("GET", "/v1/crawlers/hooked", None),
        ("POST", "/v1/crawlers/hooked:start", Some("{}")),
        ("PUT", "/v1/crawlers/hooked", Some(definition.as_str())),
    ] {
        for headers in [
            [("Authorization", minio.as_str())],
            [("X-Lakecat-Webhook-Secret", secret)],
        ] {
            let (status, answer, _) = call(method, path, &headers, body);
            assert_eq!(status, 401, "{method} {path}: {answer}");
        }
    }

    // An update without the member keeps the secret; a new one replaces it; null removes it.
    let update = |body: String| call("PUT", "/v1/crawlers/hooked", &as_admin, Some(&body));
    let (status, updated, text) = update(crawler("hooked", None));
    assert_eq!(
        (status, updated["webhook_secret_set"].as_bool()),
        (200, Some(true)),
        "{text}"
    );
    assert_eq!(post(&[("X-Lakecat-Webhook-Secret", secret)]).0, 200);
    let renewed = "renewed-secret-0123456789";
    let (status, updated, text) = update(crawler("hooked", Some(renewed)));
    assert_eq!(
        (status, updated["webhook_secret_set"].as_bool()),
        (200, Some(true)),
        "{text}"
    );
    assert_eq!(post(&[("X-Lakecat-Webhook-Secret", secret)]).0, 401);
    assert_eq!(post(&[("X-Lakecat-Webhook-Secret", renewed)]).0, 200);
    let mut removing: serde_json::Value = serde_json::from_str(&crawler("hooked", None)).unwrap();
    removing["webhook_secret"] = serde_json::Value::Null;
    let (status, updated, text) = update(removing.to_string());
    assert_eq!(
        (status, updated["webhook_secret_set"].as_bool()),
        (200, Some(false)),
        "{text}"
    );
    assert_eq!(post(&[("X-Lakecat-Webhook-Secret", renewed)]).0, 401);
    assert_eq!(post(&[("Authorization", editor_auth.as_str())]).0, 200);

    let (stopped, output) = server.stop();
    assert!(stopped, "{output}");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("webhook secret"), "{logged}");
    for secret in [secret, renewed] {
        assert!(!logged.contains(secret), "the secret reached the log");
    }
}
