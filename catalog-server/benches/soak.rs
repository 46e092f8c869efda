//! Soak: `lakecat serve` runs crawls scheduled every minute while clients hammer the REST
//! and Glue APIs, for `LAKECAT_SOAK_MINUTES` minutes (default 30). It prints the server's
//! resident memory every 30 seconds, then the requests made, the failed ones (any 5xx or
//! connection error), the crawls completed, and how memory at the end compares with memory
//! after warm-up.
//!
//! Run with `cargo bench -p lakecat-server --bench soak` (the real binary, release build,
//! on its default SQLite store).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use support::{Server, http, http_with};

/// The server's resident memory, in MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// One client's loop: reads and writes over both APIs until `stop`.
fn client(port: u16, id: usize, stop: &AtomicBool, requests: &AtomicU64, failures: &AtomicU64) {
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let partition = format!(
            r#"{{"partitions": [{{"values": ["{id}", "{}"]}}]}}"#,
            n % 5000
        );
        let glue = r#"{"DatabaseName": "soak", "TableName": "events", "Expression": "client = '1' AND n < 100"}"#;
        let calls: [(&str, String, Option<String>); 5] = [
            ("GET", "/v1/databases".into(), None),
            ("GET", "/v1/databases/soak/tables".into(), None),
            (
                "GET",
                "/v1/databases/soak/tables/events/partitions?expression=n%20%3C%2050&max_results=100"
                    .into(),
                None,
            ),
            (
                "POST",
                "/v1/databases/soak/tables/events/partitions:batchCreate".into(),
                Some(partition),
            ),
            ("GLUE", "/".into(), Some(glue.to_string())),
        ];
        for (method, path, body) in calls {
            let result = if method == "GLUE" {
                glue_call(port, body.as_deref().unwrap_or("{}"))
            } else {
                http(port, method, &path, body.as_deref())
            };
            requests.fetch_add(1, Ordering::Relaxed);
            match result {
                Ok((status, _)) if status < 500 && status != 0 => {}
                Ok((status, body)) => {
                    failures.fetch_add(1, Ordering::Relaxed);
                    eprintln!("{method} {path}: {status} {body}");
                }
                Err(error) => {
                    failures.fetch_add(1, Ordering::Relaxed);
                    eprintln!("{method} {path}: {error}");
                }
            }
        }
    }
}

/// A Glue GetPartitions call.
fn glue_call(port: u16, body: &str) -> std::io::Result<(u16, String)> {
    let headers = [
        ("X-Amz-Target", "AWSGlue.GetPartitions"),
        ("Content-Type", "application/x-amz-json-1.1"),
    ];
    http_with(port, "POST", "/", &headers, Some(body))
}

fn main() {
    let minutes: u64 = std::env::var("LAKECAT_SOAK_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(30);
    let dir = tempfile::tempdir().unwrap();
    // Three lakes of 20 JSON tables with 12 partitions each, crawled every minute.
    for lake in 0..3 {
        for table in 0..20 {
            for part in 0..12 {
                let folder = dir.path().join(format!("lake{lake}/t{table:02}/p={part}"));
                std::fs::create_dir_all(&folder).unwrap();
                std::fs::write(folder.join("d.json"), format!("{{\"c{table}\": {part}}}\n"))
                    .unwrap();
            }
        }
    }
    let server = Server::start(
        &["--scheduler-interval", "1"],
        &[("LAKECAT_LOG", "warn")],
        dir.path(),
    );
    let port = server.port;
    let pid = server.pid();
    let (status, body) = http(port, "POST", "/v1/databases", Some(r#"{"name": "soak"}"#)).unwrap();
    assert_eq!(status, 201, "{body}");
    let table = r#"{"name": "events", "partition_keys": [{"name": "client", "type": "string"}, {"name": "n", "type": "int"}]}"#;
    let (status, body) = http(port, "POST", "/v1/databases/soak/tables", Some(table)).unwrap();
    assert_eq!(status, 201, "{body}");
    for lake in 0..3 {
        let crawler = format!(
            r#"{{"name": "lake{lake}", "database_name": "lake{lake}", "schedule": "* * * * *", "targets": {{"s3_targets": [{{"path": "{}"}}]}}}}"#,
            dir.path().join(format!("lake{lake}")).display()
        );
        let (status, body) = http(port, "POST", "/v1/crawlers", Some(&crawler)).unwrap();
        assert_eq!(status, 201, "{body}");
    }

    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let clients: Vec<_> = (0..4)
        .map(|id| {
            let (stop, requests, failures) = (stop.clone(), requests.clone(), failures.clone());
            std::thread::spawn(move || client(port, id, &stop, &requests, &failures))
        })
        .collect();

    let started = Instant::now();
    let end = started + Duration::from_secs(minutes * 60);
    let mut samples = Vec::new();
    println!("minute  rss_mib  requests  failures");
    while Instant::now() < end {
        std::thread::sleep(Duration::from_secs(30).min(end - Instant::now()));
        let at = started.elapsed().as_secs_f64() / 60.0;
        let rss = rss_mib(pid);
        samples.push((at, rss));
        println!(
            "{at:6.1}  {rss:7.1}  {:8}  {:8}",
            requests.load(Ordering::Relaxed),
            failures.load(Ordering::Relaxed)
        );
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let mut completed = 0;
    for lake in 0..3 {
        let (_, body) = http(
            port,
            "GET",
            &format!("/v1/crawlers/lake{lake}/runs?max_results=1000"),
            None,
        )
        .unwrap();
        let runs: serde_json::Value = serde_json::from_str(&body).unwrap();
        completed += runs["runs"].as_array().map_or(0, |runs| {
            runs.iter().filter(|r| r["state"] == "COMPLETED").count()
        });
    }
    let (stopped, output) = server.stop();
    // Memory after warm-up (the first fifth) against the last fifth of the run.
    let fifth = (samples.len() / 5).max(1);
    let mut early: Vec<f64> = samples
        .iter()
        .skip(fifth)
        .take(fifth)
        .map(|s| s.1)
        .collect();
    let mut late: Vec<f64> = samples.iter().rev().take(fifth).map(|s| s.1).collect();
    let (early, late) = (median(&mut early), median(&mut late));
    let total = requests.load(Ordering::Relaxed);
    let failed = failures.load(Ordering::Relaxed);
    println!(
        "soak: {minutes} min, {total} requests ({:.0}/s), {failed} failed, {completed} crawls completed",
        total as f64 / started.elapsed().as_secs_f64()
    );
    println!(
        "soak: median RSS {early:.1} MiB after warm-up, {late:.1} MiB at the end ({:+.1}%)",
        (late / early - 1.0) * 100.0
    );
    assert!(stopped, "{output}");
}
