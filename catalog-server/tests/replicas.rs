//! Three `lakecat serve` replicas on one PostgreSQL database, as behind a load balancer:
//! every scheduled crawl runs exactly once, on one replica, and when the replica running a
//! crawl is killed, the crawl is recorded FAILED with the reason and another replica takes
//! it over once its lease has expired.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use lakecat_catalog::crawlers::RunState;
use serde_json::Value;
use support::{Server, http, new_postgres_database};

/// Writes a lake of `tables` JSON tables with 12 partitions each.
fn write_lake(root: &Path, tables: usize) {
    for table in 0..tables {
        for part in 0..12 {
            let folder = root.join(format!("t{table:03}/p={part}"));
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join("d.json"), format!("{{\"c{table}\": {part}}}\n")).unwrap();
        }
    }
}

fn get(server: &Server, path: &str) -> Value {
    let (status, body) = http(server.port, "GET", path, None).unwrap();
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn runs(server: &Server, crawler: &str) -> Vec<Value> {
    get(server, &format!("/v1/crawlers/{crawler}/runs"))["runs"]
        .as_array()
        .unwrap()
        .clone()
}

/// Polls `check` every 200 ms until it returns something, for at most `limit`.
fn wait_for<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The minute a run started in, `YYYY-MM-DDTHH:MM`.
fn start_minute(run: &Value) -> String {
    run["start_time"].as_str().unwrap()[..16].to_string()
}

#[test]
fn each_scheduled_crawl_runs_once_across_replicas_and_a_killed_one_is_taken_over() {
    let Some(database_url) = new_postgres_database("lakecat_replicas") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    write_lake(&dir.path().join("big"), 150);
    write_lake(&dir.path().join("small-a"), 1);
    write_lake(&dir.path().join("small-b"), 1);
    let args = [
        "--database-url",
        &database_url,
        "--scheduler-interval",
        "1",
        "--crawl-lease",
        "10",
        "--log-format",
        "json",
    ];
    let logs: Vec<_> = (0..3)
        .map(|i| dir.path().join(format!("replica-{i}.log")))
        .collect();
    let mut replicas: Vec<Option<Server>> = logs
        .iter()
        .map(|log| {
            Some(Server::start_logging(
                &args,
                &[("LAKECAT_LOG", "info,sqlx=warn")],
                dir.path(),
                log,
            ))
        })
        .collect();
    let crawlers = ["big", "small-a", "small-b"];
    for name in crawlers {
        let body = serde_json::json!({
            "name": name,
            "database_name": name.replace('-', "_"),
            "targets": {"s3_targets": [{"path": dir.path().join(name).display().to_string()}]},
            "schedule": "* * * * *",
        });
        let port = replicas[0].as_ref().unwrap().port;
        let (status, response) =
            http(port, "POST", "/v1/crawlers", Some(&body.to_string())).unwrap();
        assert_eq!(status, 201, "{response}");
    }

    // The replica that starts the first scheduled crawl of `big` is killed mid-crawl.
    let killed = wait_for(Duration::from_secs(90), "the first crawl of big", || {
        logs.iter().position(|log| {
            std::fs::read_to_string(log)
                .unwrap_or_default()
                .lines()
                .any(|line| {
                    line.contains("scheduled crawl started") && line.contains(r#""crawler":"big""#)
                })
        })
    });
    replicas[killed].take().unwrap().kill();
    let survivor = replicas.iter().flatten().next().unwrap();
    let first = get(survivor, "/v1/crawlers/big");
    assert_eq!(
        first["state"], "RUNNING",
        "the crawl of big ended before its replica was killed: {first}"
    );
    let first_minute = start_minute(&first["last_crawl"]);

    // Once the lease has expired, another replica records the dead crawl and reruns it.
    wait_for(Duration::from_secs(60), "the takeover of big", || {
        let runs = runs(survivor, "big");
        let completed = runs.iter().any(|r| r["state"] == "COMPLETED");
        (runs.len() >= 2 && completed).then_some(())
    });
    // And the next minute's crawls run on the survivors, until every crawler has completed
    // crawls in two minutes (one created late in the first minute may have missed it).
    wait_for(Duration::from_secs(200), "the next minutes' crawls", || {
        crawlers
            .iter()
            .all(|name| {
                let completed: Vec<_> = runs(survivor, name)
                    .into_iter()
                    .filter(|r| r["state"] == "COMPLETED")
                    .collect();
                let minutes: BTreeSet<_> = completed.iter().map(start_minute).collect();
                minutes.len() >= 2 && minutes.iter().any(|minute| *minute > first_minute)
            })
            .then_some(())
    });
    let mut outputs = String::new();
    for server in replicas.into_iter().flatten() {
        let (stopped, output) = server.stop();
        assert!(stopped, "{output}");
    }
    for log in &logs {
        outputs.push_str(&std::fs::read_to_string(log).unwrap_or_default());
    }

    // Read the story back from the database: per crawler and minute, exactly one crawl that
    // ran to its end, and a failed one only where a replica died under it.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let records = runtime.block_on(async {
        let store = lakecat_catalog::SqlStore::connect(&database_url, &Default::default())
            .await
            .unwrap();
        let crawler_records = lakecat_catalog::crawlers::Crawlers::new(std::sync::Arc::new(store));
        let mut records = BTreeMap::new();
        for name in crawlers {
            let listing = crawler_records
                .list_runs(name, Default::default())
                .await
                .unwrap();
            records.insert(name, listing.items);
        }
        records
    });
    for (name, runs) in records {
        let mut by_minute: BTreeMap<String, Vec<RunState>> = BTreeMap::new();
        for run in &runs {
            let minute = run.start_time.format("%Y-%m-%dT%H:%M").to_string();
            if run.state == RunState::Failed {
                let reason = run.error_message.as_deref().unwrap_or_default();
                assert!(
                    reason.contains("stopped without recording its end"),
                    "{run:?}"
                );
            }
            by_minute.entry(minute).or_default().push(run.state);
        }
        assert!(
            by_minute.len() >= 2,
            "{name} ran in fewer than two minutes: {by_minute:?}"
        );
        for (minute, states) in &by_minute {
            let count = |wanted: RunState| states.iter().filter(|s| **s == wanted).count();
            // A crawl running when the replicas were stopped at the end records STOPPED.
            assert_eq!(
                count(RunState::Completed) + count(RunState::Stopped),
                1,
                "{name} at {minute}: {states:?}\n{outputs}"
            );
            let expected_failures = usize::from(name == "big" && *minute == first_minute);
            assert!(
                count(RunState::Failed) == expected_failures
                    || (name != "big" && count(RunState::Failed) <= 1),
                "{name} at {minute}: {states:?}\n{outputs}"
            );
        }
    }
}
