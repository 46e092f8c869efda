//! The memory a `lakecat serve` process spends on request bodies: none before a request is
//! authenticated, and no more than its body budget (`--max-body-memory`) after.
//!
//! Peaks are read from the kernel (`VmHWM` in `/proc/PID/status`), so what is measured is
//! what the process really held, allocator included.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use support::Server;

/// The body each request sends: 15 MB, under the 16 MiB limit on one body.
const BODY_BYTES: usize = 15_000_000;
/// Requests sent at once.
const CONCURRENT: usize = 40;
/// The budget the server is started with, in MiB (`--max-body-memory`).
const BUDGET_MIB: u64 = 16;

/// The process's peak resident memory so far, in KiB.
fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM in {status}"))
}

/// Sends `CONCURRENT` requests at once, each with `head` and a `BODY_BYTES` body, and
/// returns the statuses of those whose answer could be read (a server that refuses
/// before the body may close the connection while the body is still being sent).
fn send_at_once(port: u16, head: &str, body: &Arc<Vec<u8>>) -> Vec<u16> {
    let threads: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let (head, body) = (head.to_string(), Arc::clone(body));
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(120)))
                    .unwrap();
                let sent = stream
                    .write_all(head.as_bytes())
                    .and_then(|()| stream.write_all(&body));
                let mut answer = String::new();
                let _ = stream.read_to_string(&mut answer);
                let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok());
                (sent, status)
            })
        })
        .collect();
    threads
        .into_iter()
        .filter_map(|thread| thread.join().unwrap().1)
        .collect()
}

/// The head of a request that will send a `BODY_BYTES` body: Glue's when `method_path` is
/// `POST /`, REST's otherwise.
fn head(method_path: &str, extra: &str) -> String {
    let content_type = if method_path == "POST /" {
        "application/x-amz-json-1.1"
    } else {
        "application/json"
    };
    format!(
        "{method_path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\n{extra}Content-Length: {BODY_BYTES}\r\n\r\n"
    )
}

#[test]
fn request_bodies_hold_no_memory_before_authentication_and_stay_within_the_budget_after() {
    let dir = tempfile::tempdir().unwrap();
    let (token, entry) = support::new_token("loader", "admin");
    let budget = BUDGET_MIB.to_string();
    let server = Server::start(
        &["--max-body-memory", &budget],
        &[
            ("LAKECAT_GLUE_ACCESS_KEYS", "lakecat:lakecat-secret"),
            ("LAKECAT_TOKENS", &entry),
            ("LAKECAT_REQUEST_TIMEOUT", "300"),
            // glibc raises its mmap threshold after the first large free, and then keeps
            // freed 15 MB buffers in each thread's arena: the peak would measure the
            // allocator's retention per worker thread, not what requests hold at once. A
            // fixed threshold returns large buffers when they are freed (docs/operations.md).
            ("MALLOC_MMAP_THRESHOLD_", "131072"),
        ],
        dir.path(),
    );
    let pid = server.pid();
    let port = server.port;

    // Refused from the headers alone: the answer comes before any of the body is sent.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(head("POST /", "X-Amz-Target: AWSGlue.GetDatabases\r\n").as_bytes())
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(
        answer.contains("MissingAuthenticationTokenException"),
        "{answer}"
    );

    let body = Arc::new(
        format!(
            r#"{{"name": "big", "description": "{}"}}"#,
            "x".repeat(BODY_BYTES - 34)
        )
        .into_bytes(),
    );
    assert_eq!(body.len(), BODY_BYTES);
    let before = peak_kib(pid);

    // Unauthenticated: unsigned Glue requests and REST requests without a token.
    let glue = send_at_once(
        port,
        &head("POST /", "X-Amz-Target: AWSGlue.CreateDatabase\r\n"),
        &body,
    );
    let rest = send_at_once(port, &head("POST /v1/databases", ""), &body);
    let unauthenticated = peak_kib(pid);
    assert!(glue.iter().all(|status| *status == 403), "{glue:?}");
    assert!(rest.iter().all(|status| *status == 401), "{rest:?}");
    // Allocator arenas and connection buffers only: far less than one body.
    let growth_mib = (unauthenticated.saturating_sub(before)) / 1024;
    assert!(
        growth_mib < 12,
        "unauthenticated requests grew the peak from {before} KiB to {unauthenticated} KiB"
    );

    // Authenticated: every body is read, within the budget. A body is held once as bytes
    // and once parsed, so two budgets and some slack bound it, where reading all at once
    // would take 40 x 15 MB x 2.
    let bearer = format!("Authorization: Bearer {token}\r\n");
    let authenticated = send_at_once(port, &head("POST /v1/databases", &bearer), &body);
    let after = peak_kib(pid);
    assert_eq!(authenticated.len(), CONCURRENT, "{authenticated:?}");
    assert!(
        authenticated.iter().all(|status| *status < 500),
        "{authenticated:?}"
    );
    let growth_mib = (after.saturating_sub(before)) / 1024;
    assert!(
        growth_mib < 2 * BUDGET_MIB + 16,
        "authenticated requests grew the peak from {before} KiB to {after} KiB \
         with a budget of {BUDGET_MIB} MiB"
    );
    eprintln!(
        "peak resident memory: {before} KiB at rest, {unauthenticated} KiB after \
         {CONCURRENT} x 2 unauthenticated 15 MB requests, {after} KiB after {CONCURRENT} \
         authenticated ones (answered {authenticated:?})"
    );
    let (stopped, log) = server.stop();
    assert!(stopped, "{log}");
}
