//! Issue 15 end to end: Delta Lake, Iceberg and Hudi tables written by the formats' own
//! writers, crawled by the real `lakecat` binary, read back through its catalog by the
//! formats' own readers. The work is `tests/python/open_table_formats.py`, run with
//! `.venv-otf` (made by `scripts/python-env otf`, which `scripts/test` runs) once over a
//! `file://` lake and once over a lake in a local S3 server's bucket.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{Server, output_text};

/// `.venv-otf`'s Python; the test fails, not skips, without it.
fn otf_python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv-otf/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run the tests with scripts/test, or scripts/python-env otf first",
        python.display()
    );
    python
}

/// Runs the script against the server on `port` over the lake at `lake_url` (stored in
/// `lake_dir`), with the S3 endpoint and keys when the lake is in a bucket; returns whether
/// it succeeded and its output.
fn run_script(port: u16, lake_url: &str, lake_dir: &Path, s3: &[String]) -> (bool, String) {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/python/open_table_formats.py");
    let output = Command::new(otf_python())
        .arg(script)
        .arg(format!("http://127.0.0.1:{port}"))
        .arg(lake_url)
        .arg(lake_dir)
        .args(s3)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap();
    let text = output_text(&output);
    (
        output.status.success() && text.contains("open table formats: ok"),
        text,
    )
}

/// Over the file system: the lake is a local folder the crawler reads as `file://`.
fn over_the_file_system() -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    std::fs::create_dir(&lake).unwrap();
    let lake = lake.canonicalize().unwrap();
    let server_dir = tempfile::tempdir().unwrap();
    let server = Server::start(&[], &[], server_dir.path());
    let url = format!("file://{}/", lake.display());
    let (ok, text) = run_script(server.port, &url, &lake, &[]);
    let (stopped, log) = server.stop();
    (ok && stopped, format!("{text}\nserver log:\n{log}"))
}

/// Over a local S3 server: the writers write into the bucket's folder, the crawler and the
/// readers go through S3.
fn over_a_local_s3_server() -> (bool, String) {
    use lakecat_testkit::s3::{ACCESS_KEY, S3Server, SECRET_KEY};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let root = tempfile::tempdir().unwrap();
    let s3 = runtime.block_on(S3Server::start(root.path())).unwrap();
    let lake = s3.create_bucket("otf-lake").unwrap().join("lake");
    std::fs::create_dir(&lake).unwrap();
    let env = s3.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server_dir = tempfile::tempdir().unwrap();
    let server = Server::start(&[], &env, server_dir.path());
    let settings = [
        s3.endpoint(),
        ACCESS_KEY.to_string(),
        SECRET_KEY.to_string(),
    ];
    let (ok, text) = run_script(server.port, "s3://otf-lake/lake/", &lake, &settings);
    let (stopped, log) = server.stop();
    (ok && stopped, format!("{text}\nserver log:\n{log}"))
}

#[test]
fn open_table_formats_written_by_their_writers_are_crawled_and_read_through_the_catalog() {
    let file = over_the_file_system();
    let s3 = over_a_local_s3_server();
    assert!(
        file.0 && s3.0,
        "over the file system ({}):\n{}\n\nover a local S3 server ({}):\n{}",
        if file.0 { "ok" } else { "FAILED" },
        file.1,
        if s3.0 { "ok" } else { "FAILED" },
        s3.1
    );
}
