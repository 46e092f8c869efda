//! The web console in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`, installed by `scripts/chromium`) driven through Selenium
//! (`.venv-console`, made by `scripts/python-env console`; `scripts/test` makes both) by
//! `tests/python/console_browser.py`, against the real `lakecat` binary serving a copy of
//! the sample lake crawled by `lakecat crawl`, with access control on (an admin and a reader
//! token). One browser session runs every scenario: browsing to a crawled table, filtering
//! partitions (and a bad filter's position), creating a crawler through the form, starting
//! it and reading its run, diffing the table version it made with the one before, and a
//! reader who cannot start crawlers. Another test checks, over HTTP, what the console
//! relies on: its files served without credentials and revalidated by ETag, the table search
//! and the caller's session.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{Server, http_with, new_token, output_text};

/// Copies a folder tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The chromedriver `scripts/chromium` installs (when missing) and names.
fn chromedriver() -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/chromium");
    let output = Command::new(script).output().unwrap();
    assert!(
        output.status.success(),
        "scripts/chromium: {}",
        output_text(&output)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// `.venv-console`'s Python; the test fails, not skips, without it.
fn console_python() -> PathBuf {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv-console/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run the tests with scripts/test, or scripts/python-env console first",
        python.display()
    );
    python
}

#[test]
fn the_console_in_headless_chromium() {
    let driver = chromedriver();
    let python = console_python();
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/lake"),
        &lake,
    );
    let lake = lake.canonicalize().unwrap();
    let server_dir = dir.path().join("server");
    std::fs::create_dir(&server_dir).unwrap();
    let crawled = Command::new(env!("CARGO_BIN_EXE_lakecat"))
        .args(["crawl", lake.to_str().unwrap(), "--database", "samples"])
        .current_dir(&server_dir)
        .env_remove("LAKECAT_DATABASE_URL")
        .env_remove("LAKECAT_CONFIG")
        .output()
        .unwrap();
    assert!(crawled.status.success(), "{}", output_text(&crawled));
    let (admin, admin_entry) = new_token("console-admin", "admin");
    let (reader, reader_entry) = new_token("console-reader", "reader");
    let tokens = format!("{admin_entry},{reader_entry}");
    let server = Server::start(&[], &[("LAKECAT_TOKENS", &tokens)], &server_dir);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/python/console_browser.py");
    let output = Command::new(python)
        .arg(script)
        .arg(format!("http://127.0.0.1:{}", server.port))
        .arg(&lake)
        .arg(&admin)
        .arg(&reader)
        .arg(&driver)
        .output()
        .unwrap();
    let text = output_text(&output);
    let (stopped, log) = server.stop();
    assert!(
        output.status.success() && text.contains("console browser: ok"),
        "{text}\nserver log:\n{log}"
    );
    assert!(stopped, "{log}");
}

/// One request with a bearer token (if any) and a JSON body (if any); (status, JSON, text).
fn call(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, Value, String) {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(bearer) = bearer.as_deref() {
        headers.push(("Authorization", bearer));
    }
    let (status, text) = http_with(port, method, path, &headers, body).unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, json, text)
}

/// The tables of a search answer, as `database.table`.
fn found(body: &Value) -> Vec<String> {
    body["tables"]
        .as_array()
        .unwrap_or_else(|| panic!("no tables in {body}"))
        .iter()
        .map(|t| {
            format!(
                "{}.{}",
                t["database_name"].as_str().unwrap(),
                t["name"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn what_the_console_relies_on_over_http() {
    let (admin, admin_entry) = new_token("admin", "admin");
    let (reader, reader_entry) = new_token("reader", "reader");
    let tokens = format!("{admin_entry},{reader_entry}");
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&[], &[("LAKECAT_TOKENS", &tokens)], dir.path());
    let port = server.port;
    for database in ["sales", "ops"] {
        let body = serde_json::json!({"name": database}).to_string();
        let (status, _, text) = call(port, "POST", "/v1/databases", Some(&admin), Some(&body));
        assert_eq!(status, 201, "{text}");
    }
    for (database, table, column) in [
        ("sales", "orders", "customer_id"),
        ("sales", "refunds", "order_id"),
        ("ops", "metrics", "host"),
    ] {
        let body = serde_json::json!({
            "name": table,
            "storage_descriptor": {"columns": [{"name": column, "type": "bigint"}]}
        })
        .to_string();
        let path = format!("/v1/databases/{database}/tables");
        let (status, _, text) = call(port, "POST", &path, Some(&admin), Some(&body));
        assert_eq!(status, 201, "{text}");
    }

    // The page and its files need no token (they hold no data); a copy the browser has is
    // revalidated with a 304.
    let (status, _, page) = call(port, "GET", "/", None, None);
    assert_eq!(status, 200);
    assert!(page.contains("/console/app.js"), "{page}");
    let (status, _, script) = call(port, "GET", "/console/app.js", None, None);
    assert_eq!(status, 200);
    assert!(script.contains("currentSession"), "{script}");
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::io::Write::write_all(
        &mut stream,
        b"GET /console/app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    let etag = response
        .lines()
        .find_map(|line| line.strip_prefix("etag: "))
        .expect("an ETag")
        .to_string();
    let revalidate = [("If-None-Match", etag.as_str())];
    let (status, _) = http_with(port, "GET", "/console/app.js", &revalidate, None).unwrap();
    assert_eq!(status, 304);
    let (status, _, _) = call(port, "GET", "/console/nothing.js", None, None);
    assert_eq!(status, 404);
    // The data does need a token.
    let (status, _, text) = call(port, "GET", "/v1/search/tables?text=order", None, None);
    assert_eq!(status, 401, "{text}");

    // Search: names and column names, ignoring case, across databases.
    let cases: [(&str, &[&str]); 4] = [
        ("ORDER", &["sales.orders", "sales.refunds"]),
        ("host", &["ops.metrics"]),
        ("", &["ops.metrics", "sales.orders", "sales.refunds"]),
        ("nothing-like-it", &[]),
    ];
    for (text, expected) in cases {
        let path = format!("/v1/search/tables?text={text}");
        let (status, body, answer) = call(port, "GET", &path, Some(&reader), None);
        assert_eq!(status, 200, "{answer}");
        assert_eq!(found(&body), expected, "{text:?}");
    }
    // Pages chain, and a token belongs to its search.
    let first_page = "/v1/search/tables?text=order&max_results=1";
    let (_, first, _) = call(port, "GET", first_page, Some(&reader), None);
    assert_eq!(found(&first), ["sales.orders"]);
    let token = first["next_page_token"].as_str().unwrap();
    let next = format!("{first_page}&page_token={token}");
    let (_, second, _) = call(port, "GET", &next, Some(&reader), None);
    assert_eq!(found(&second), ["sales.refunds"]);
    let other = format!("/v1/search/tables?text=host&page_token={token}");
    let (status, _, text) = call(port, "GET", &other, Some(&reader), None);
    assert_eq!(status, 400, "{text}");

    // A schedule's preview: its next fire times, or why a crawler would refuse it.
    let cases: [(&str, &str, u16, &str); 5] = [
        ("cron(0 3 * * ? *)", "", 200, "T03:00:00Z"),
        ("15 12 * * *", "", 200, "T12:15:00Z"),
        ("cron(0 3 * *)", "", 400, "schedule: invalid schedule"),
        ("rate(5 minutes)", "", 400, "schedule: unsupported schedule"),
        (
            "cron(0 3 * * ? *)",
            "&count=0",
            400,
            "count: must be 1 to 20",
        ),
    ];
    for (expression, more, expected, text) in cases {
        let encoded: String = expression
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'0'..=b'9' => char::from(b).to_string(),
                other => format!("%{other:02X}"),
            })
            .collect();
        let path = format!("/v1/schedules:preview?expression={encoded}{more}");
        let (status, body, answer) = call(port, "GET", &path, Some(&reader), None);
        assert_eq!(status, expected, "{expression}{more}: {answer}");
        if expected == 200 {
            let runs = body["next_runs"].as_array().unwrap();
            assert_eq!(runs.len(), 5, "{answer}");
            let at = |t: &Value| t.as_str().unwrap().ends_with(text);
            assert!(runs.iter().all(at), "{answer}");
        } else {
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.starts_with(text), "{answer}");
        }
    }

    // The session names the caller's role.
    for (token, role) in [(&reader, "reader"), (&admin, "admin")] {
        let (status, body, text) = call(port, "GET", "/v1/session", Some(token), None);
        assert_eq!(status, 200, "{text}");
        assert_eq!(body["role"], role);
        assert_eq!(body["access_required"], true);
    }
    let (status, _, _) = call(port, "GET", "/v1/session", None, None);
    assert_eq!(status, 401);
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
}
