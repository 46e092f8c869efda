//! Conformance of the crawler's store operations on SQLite and PostgreSQL: per-table
//! changes applied all or nothing, crawler state rules, run records, custom classifiers.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use lakecat_catalog::crawlers::service::ABANDONED_REASON;
use lakecat_catalog::crawlers::{
    ChangeKind, ClassifierInput, CrawlRunner, CrawlerInput, CrawlerMetrics, CrawlerState,
    CrawlerStore, CrawlerTargets, Crawlers, DeltaTarget, OpenTableTarget, RunState, RunnerLiveness,
    S3Target, ScheduleRefusal, TableChangeRecord, Takeover,
};
use lakecat_catalog::{
    Column, DatabaseInput, Entity, Error, PageRequest, PartitionInput, PartitionListRequest,
    StorageDescriptor, TableAction, TableChange, TableInput, UpdateTableOptions,
};
use support::TestCatalog;

conformance!(
    table_changes_apply_all_or_nothing,
    a_table_change_dropped_mid_write_leaves_nothing,
    table_changes_replace_partitions_and_change_keys,
    crawler_state_rules,
    abandoned_crawls_are_released_after_the_lease,
    crawls_of_gone_processes_are_taken_over_at_once,
    runs_page_newest_first,
    classifiers_crud,
    scheduled_crawls_are_claimed_once_per_due_time,
    schedules_pause_and_resume_by_the_rules,
    metrics_sum_up_the_finished_runs,
    open_table_format_targets_are_stored_and_checked,
    webhook_secrets_are_kept_as_digests,
    finished_runs_are_the_last_crawl_of_the_tables_they_changed,
);

fn column(name: &str) -> Column {
    Column {
        name: name.into(),
        type_name: Some("string".into()),
        ..Default::default()
    }
}

fn table(name: &str, keys: &[&str]) -> TableInput {
    TableInput {
        name: name.into(),
        partition_keys: keys.iter().map(|k| column(k)).collect(),
        storage_descriptor: Some(StorageDescriptor {
            columns: vec![column("id")],
            location: Some(format!("s3://lake/{name}/")),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn partition(values: &[&str], location: &str) -> PartitionInput {
    PartitionInput {
        values: values.iter().map(|v| v.to_string()).collect(),
        storage_descriptor: Some(StorageDescriptor {
            location: Some(location.into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Creates database `db`, which these tests write into.
async fn create_db(c: &lakecat_catalog::Catalog) {
    c.create_database(DatabaseInput {
        name: "db".into(),
        ..Default::default()
    })
    .await
    .unwrap();
}

/// A change creating table `name` of database `db`, partitioned by `k`, with `partitions`.
fn creating(name: &str, partitions: Vec<PartitionInput>) -> TableChange {
    TableChange {
        action: TableAction::Create(table(name, &["k"])),
        put_partitions: partitions,
        delete_partitions: vec![],
        statistics: None,
    }
}

async fn assert_table_missing(c: &lakecat_catalog::Catalog, name: &str) {
    let found = c.get_table("db", name).await;
    assert!(
        matches!(
            found,
            Err(Error::NotFound {
                entity: Entity::Table,
                ..
            })
        ),
        "table {name}: {found:?}"
    );
}

async fn values(t: &TestCatalog, table: &str) -> Vec<String> {
    let mut found: Vec<String> = t
        .catalog
        .list_partitions("db", table, PartitionListRequest::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.values.join("/"))
        .collect();
    found.sort();
    found
}

/// The crawler stops a big table's write by dropping it: its transaction must roll back and
/// leave the store usable at once.
async fn a_table_change_dropped_mid_write_leaves_nothing(t: &TestCatalog) {
    let c = &t.catalog;
    create_db(c).await;
    let big = creating(
        "big",
        (0..30_000)
            .map(|i| partition(&[&format!("{i:05}")], &format!("s3://lake/big/k={i:05}/")))
            .collect(),
    );
    let cut = tokio::time::timeout(
        Duration::from_millis(300),
        c.apply_table_change("db", big.clone()),
    )
    .await;
    assert!(cut.is_err(), "30,000 partitions were written within 300 ms");
    assert_table_missing(c, "big").await;
    c.apply_table_change(
        "db",
        creating("small", vec![partition(&["a"], "s3://lake/small/k=a/")]),
    )
    .await
    .unwrap();
    assert_eq!(values(t, "small").await, ["a"]);
    c.apply_table_change("db", big).await.unwrap();
    let listed = c
        .list_partitions(
            "db",
            "big",
            PartitionListRequest {
                page: PageRequest {
                    max_results: Some(1000),
                    page_token: None,
                },
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1000);
    assert!(listed.next_page_token.is_some());
}

async fn table_changes_apply_all_or_nothing(t: &TestCatalog) {
    let c = &t.catalog;
    create_db(c).await;
    c.apply_table_change(
        "db",
        creating("t", vec![partition(&["a"], "s3://lake/t/k=a/")]),
    )
    .await
    .unwrap();
    // A bad partition (two values for one key) fails the whole change: the new table is not
    // created and the good partition not added.
    let failed = c
        .apply_table_change(
            "db",
            creating(
                "u",
                vec![
                    partition(&["a"], "s3://lake/u/k=a/"),
                    partition(&["b", "c"], "s3://lake/u/k=b/"),
                ],
            ),
        )
        .await
        .unwrap_err();
    assert!(matches!(failed, Error::InvalidInput(_)), "{failed}");
    assert_table_missing(c, "u").await;
    // A stale version: nothing of the change lands either.
    let current = c.get_table("db", "t").await.unwrap();
    let stale = c
        .apply_table_change(
            "db",
            TableChange {
                action: TableAction::Update {
                    input: table("t", &["k"]),
                    options: UpdateTableOptions {
                        expected_version_id: Some("7".into()),
                        skip_archive: false,
                    },
                },
                put_partitions: vec![partition(&["z"], "s3://lake/t/k=z/")],
                delete_partitions: vec![vec!["a".into()]],
                statistics: None,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(stale, Error::ConcurrentModification(_)), "{stale}");
    assert_eq!(values(t, "t").await, ["a"]);
    assert_eq!(
        c.get_table("db", "t").await.unwrap().version_id,
        current.version_id
    );
}

async fn table_changes_replace_partitions_and_change_keys(t: &TestCatalog) {
    let c = &t.catalog;
    create_db(c).await;
    c.apply_table_change(
        "db",
        creating(
            "t",
            vec![
                partition(&["a"], "s3://lake/t/k=a/"),
                partition(&["b"], "s3://lake/t/k=b/"),
            ],
        ),
    )
    .await
    .unwrap();
    // Putting an existing partition replaces it; deleting a missing one is no error.
    c.apply_table_change(
        "db",
        TableChange {
            action: TableAction::Keep { name: "t".into() },
            put_partitions: vec![partition(&["a"], "s3://lake/t/moved/")],
            delete_partitions: vec![vec!["b".into()], vec!["nope".into()]],
            statistics: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(values(t, "t").await, ["a"]);
    let moved = c.get_partition("db", "t", &["a".into()]).await.unwrap();
    assert_eq!(
        moved.storage_descriptor.unwrap().location.as_deref(),
        Some("s3://lake/t/moved/")
    );
    // The number of keys changes in one change: old partitions go, new ones come.
    let updated = c
        .apply_table_change(
            "db",
            TableChange {
                action: TableAction::Update {
                    input: table("t", &["k", "j"]),
                    options: UpdateTableOptions::default(),
                },
                put_partitions: vec![partition(&["a", "1"], "s3://lake/t/k=a/j=1/")],
                delete_partitions: vec![vec!["a".into()]],
                statistics: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.partition_keys.len(), 2);
    assert_eq!(values(t, "t").await, ["a/1"]);
    // Delete removes the table with its partitions.
    let gone = c
        .apply_table_change(
            "db",
            TableChange {
                action: TableAction::Delete { name: "t".into() },
                put_partitions: vec![],
                delete_partitions: vec![],
                statistics: None,
            },
        )
        .await
        .unwrap();
    assert!(gone.is_none());
    assert!(c.get_table("db", "t").await.is_err());
}

fn crawler(name: &str) -> CrawlerInput {
    CrawlerInput {
        name: name.into(),
        database_name: "DB".into(),
        targets: CrawlerTargets {
            s3_targets: vec![S3Target {
                path: "s3://lake/".into(),
                ..Default::default()
            }],
            ..Default::default()
        },
        ..Default::default()
    }
}

fn crawlers(t: &TestCatalog) -> Crawlers {
    Crawlers::new(Arc::new(t.store.clone()))
}

async fn open_table_format_targets_are_stored_and_checked(t: &TestCatalog) {
    let c = crawlers(t);
    let mut input = crawler("formats");
    input.targets = CrawlerTargets {
        s3_targets: Vec::new(),
        delta_targets: vec![DeltaTarget {
            delta_tables: vec!["s3://lake/delta/sales/".into()],
            create_native_delta_table: Some(true),
            ..Default::default()
        }],
        iceberg_targets: vec![OpenTableTarget {
            paths: vec!["s3://lake/warehouse/".into()],
            exclusions: vec!["**/tmp/**".into()],
            maximum_traversal_depth: Some(20),
            connection_name: Some(String::new()),
        }],
        hudi_targets: vec![OpenTableTarget {
            paths: vec!["s3://lake/hudi/".into()],
            ..Default::default()
        }],
    };
    let created = c.create_crawler(input.clone()).await.unwrap();
    // Stored as given, but for the blank connection name, which is none.
    let mut expected = input.targets.clone();
    expected.iceberg_targets[0].connection_name = None;
    assert_eq!(created.definition.targets, expected);
    let read = c.get_crawler("formats").await.unwrap();
    assert_eq!(read.definition.targets, expected);
    // A refused update changes nothing.
    let mut deeper = read.definition.clone();
    deeper.targets.iceberg_targets[0].maximum_traversal_depth = Some(21);
    let error = c.update_crawler(deeper, None).await.unwrap_err();
    assert!(matches!(error, Error::InvalidInput(_)), "{error}");
    assert!(
        error
            .to_string()
            .contains("MaximumTraversalDepth must be between 1 and 20 (got 21)"),
        "{error}"
    );
    let mut manifests = read.definition.clone();
    manifests.targets.delta_targets[0].write_manifest = true;
    let error = c.update_crawler(manifests, None).await.unwrap_err();
    assert!(error.to_string().contains("WriteManifest"), "{error}");
    let again = c.get_crawler("formats").await.unwrap();
    assert_eq!((again.version, again.definition.targets), (1, expected));
}

async fn webhook_secrets_are_kept_as_digests(t: &TestCatalog) {
    let c = crawlers(t);
    let created = c.create_crawler(crawler("hooked")).await.unwrap();
    assert!(!created.webhook_secret_set);
    let secret = "s3cr3t-0123456789abcdef";
    assert!(!c.webhook_secret_matches("hooked", secret).await.unwrap());
    c.set_webhook_secret("hooked", Some(secret)).await.unwrap();
    // Only a digest is stored, never the secret.
    let stored = t.store.webhook_secret("hooked").await.unwrap().unwrap();
    assert_eq!(stored.len(), 64);
    assert!(!stored.contains(secret));
    assert!(c.get_crawler("hooked").await.unwrap().webhook_secret_set);
    assert!(c.webhook_secret_matches("hooked", secret).await.unwrap());
    for wrong in ["s3cr3t-0123456789abcdeF", "s3cr3t-0123456789abcde", ""] {
        assert!(
            !c.webhook_secret_matches("hooked", wrong).await.unwrap(),
            "{wrong}"
        );
    }
    // Another crawler's secret, or a crawler that does not exist, matches nothing.
    c.create_crawler(crawler("other")).await.unwrap();
    assert!(!c.webhook_secret_matches("other", secret).await.unwrap());
    assert!(!c.webhook_secret_matches("missing", secret).await.unwrap());
    // An update of the definition keeps it; listing shows that it is set.
    let read = c.get_crawler("hooked").await.unwrap();
    let updated = c.update_crawler(read.definition, None).await.unwrap();
    assert!(updated.webhook_secret_set);
    assert!(c.webhook_secret_matches("hooked", secret).await.unwrap());
    let listed = c.list_crawlers(PageRequest::default()).await.unwrap();
    let set: Vec<(String, bool)> = listed
        .items
        .iter()
        .map(|c| (c.definition.name.clone(), c.webhook_secret_set))
        .collect();
    assert_eq!(set, [("hooked".into(), true), ("other".into(), false)]);
    // Replaced, the old one no longer matches; removed, none does.
    c.set_webhook_secret("hooked", Some("another-secret-0123456789"))
        .await
        .unwrap();
    assert!(!c.webhook_secret_matches("hooked", secret).await.unwrap());
    c.set_webhook_secret("hooked", None).await.unwrap();
    assert!(!c.get_crawler("hooked").await.unwrap().webhook_secret_set);
    assert!(
        !c.webhook_secret_matches("hooked", "another-secret-0123456789")
            .await
            .unwrap()
    );
    // Bad secrets are refused without being repeated; a missing crawler is not found.
    for (bad, message) in [
        ("short", "16 to 512 characters"),
        ("with a space 0123456789", "visible ASCII"),
        ("ünïcode-0123456789", "visible ASCII"),
    ] {
        let error = c.set_webhook_secret("hooked", Some(bad)).await.unwrap_err();
        assert!(matches!(error, Error::InvalidInput(_)), "{error}");
        assert!(error.to_string().contains(message), "{error}");
        assert!(!error.to_string().contains(bad), "{error}");
    }
    assert!(matches!(
        c.set_webhook_secret("missing", Some(secret)).await,
        Err(Error::NotFound { .. })
    ));
}

async fn crawler_state_rules(t: &TestCatalog) {
    let c = crawlers(t);
    let created = c.create_crawler(crawler("nightly")).await.unwrap();
    assert_eq!(created.state, CrawlerState::Ready);
    assert_eq!(created.version, 1);
    assert_eq!(created.definition.database_name, "db");
    assert!(matches!(
        c.create_crawler(crawler("nightly")).await,
        Err(Error::AlreadyExists {
            entity: Entity::Crawler,
            ..
        })
    ));
    // A crawler needs a target; new-folders-only needs LOG policies.
    let mut bad = crawler("bad");
    bad.targets.s3_targets.clear();
    assert!(matches!(
        c.create_crawler(bad).await,
        Err(Error::InvalidInput(_))
    ));
    let mut bad = crawler("bad");
    bad.recrawl_policy.recrawl_behavior =
        lakecat_catalog::crawlers::RecrawlBehavior::CrawlNewFoldersOnly;
    let error = c.create_crawler(bad).await.unwrap_err().to_string();
    assert!(error.contains("LOG DeleteBehavior"), "{error}");
    let mut unknown = crawler("custom");
    unknown.classifiers = vec!["nope".into()];
    assert!(matches!(
        c.create_crawler(unknown).await,
        Err(Error::NotFound {
            entity: Entity::Classifier,
            ..
        })
    ));

    let run = c.start_crawl("nightly").await.unwrap();
    assert_eq!(run.summary.state, RunState::Running);
    // One crawl at a time; a running crawler cannot change or go.
    let state = |e: Error| match e {
        Error::CrawlerState { .. } => e
            .to_string()
            .rsplit(" is ")
            .next()
            .unwrap_or_default()
            .to_string(),
        other => panic!("{other}"),
    };
    assert_eq!(
        state(c.start_crawl("nightly").await.unwrap_err()),
        "running"
    );
    assert_eq!(
        state(
            c.update_crawler(crawler("nightly"), None)
                .await
                .unwrap_err()
        ),
        "running"
    );
    assert_eq!(
        state(c.delete_crawler("nightly").await.unwrap_err()),
        "running"
    );
    c.request_stop("nightly").await.unwrap();
    assert_eq!(
        state(c.request_stop("nightly").await.unwrap_err()),
        "stopping"
    );
    assert_eq!(
        c.get_crawler("nightly").await.unwrap().state,
        CrawlerState::Stopping
    );
    let mut finished = run.clone();
    finished.summary.state = RunState::Stopped;
    finished.summary.counts.tables_created = 3;
    c.finish_crawl(&finished).await.unwrap();
    let after = c.get_crawler("nightly").await.unwrap();
    assert_eq!(after.state, CrawlerState::Ready);
    let last = after.last_crawl.unwrap();
    assert_eq!(
        (last.state, last.counts.tables_created),
        (RunState::Stopped, 3)
    );
    assert_eq!(
        state(c.request_stop("nightly").await.unwrap_err()),
        "not running"
    );
    // Updates are versioned.
    assert!(matches!(
        c.update_crawler(crawler("nightly"), Some(5)).await,
        Err(Error::ConcurrentModification(_))
    ));
    assert_eq!(
        c.update_crawler(crawler("nightly"), Some(1))
            .await
            .unwrap()
            .version,
        2
    );
    c.delete_crawler("nightly").await.unwrap();
    assert!(c.get_run("nightly", &run.summary.id).await.is_err());
}

async fn abandoned_crawls_are_released_after_the_lease(t: &TestCatalog) {
    let c = crawlers(t);
    c.create_crawler(crawler("c")).await.unwrap();
    let run = c.start_crawl("c").await.unwrap();
    // A fresh heartbeat is not abandoned.
    assert!(
        !c.release_abandoned("c", Duration::from_secs(60))
            .await
            .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert!(
        c.release_abandoned("c", Duration::from_millis(10))
            .await
            .unwrap()
    );
    let old = c.get_run("c", &run.summary.id).await.unwrap();
    assert_eq!(old.summary.state, RunState::Failed);
    assert!(old.summary.error_message.unwrap().contains("process died"));
    assert_eq!(c.get_crawler("c").await.unwrap().state, CrawlerState::Ready);
    // Saving progress keeps a crawl alive.
    let second = c.start_crawl("c").await.unwrap();
    tokio::time::sleep(Duration::from_millis(30)).await;
    c.save_run(&second).await.unwrap();
    assert!(
        !c.release_abandoned("c", Duration::from_millis(25))
            .await
            .unwrap()
    );
}

/// What `take_over` found, which the test expects to be a release: the reason.
fn released(takeover: Takeover) -> String {
    match takeover {
        Takeover::Released { reason, .. } => reason,
        other => panic!("not taken over: {other:?}"),
    }
}

/// What `take_over` found, which the test expects to be a refusal.
fn refused(takeover: Takeover) -> lakecat_catalog::crawlers::TakeoverRefused {
    match takeover {
        Takeover::Refused(refused) => *refused,
        other => panic!("not refused: {other:?}"),
    }
}

async fn crawls_of_gone_processes_are_taken_over_at_once(t: &TestCatalog) {
    let c = crawlers(t);
    let lease = Duration::from_secs(60);
    c.create_crawler(crawler("c")).await.unwrap();
    assert_eq!(c.take_over("c", lease).await.unwrap(), Takeover::NotRunning);
    let here = CrawlRunner::current().clone();
    assert!(
        here.machine.is_some(),
        "these tests run on Linux, with /proc"
    );

    // This process's crawl is alive: refused, with the time the lease runs out.
    let mut run = c.start_crawl("c").await.unwrap();
    let running = t.store.running_crawl("c").await.unwrap().unwrap();
    assert_eq!(running.runner.as_ref(), Some(&here));
    assert_eq!(running.run_id, run.summary.id);
    let busy = refused(c.take_over("c", lease).await.unwrap());
    assert_eq!(busy.liveness, Some(RunnerLiveness::Alive));
    assert_eq!(busy.takeover_at, running.heartbeat_time + lease);
    let message = busy.to_string();
    let expected = format!(
        "crawler c is running: run {} by pid {} on {}, which is running; it last saved \
         progress at {}. It counts as dead once it has saved none for 60 s, from {} on",
        run.summary.id,
        here.pid,
        here.host,
        running
            .heartbeat_time
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        busy.takeover_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    assert_eq!(message, expected);
    run.summary.state = RunState::Completed;
    c.finish_crawl(&run).await.unwrap();
    assert_eq!(c.take_over("c", lease).await.unwrap(), Takeover::NotRunning);

    // A crawl by a process of this machine that is gone (its pid now belongs to a process
    // started at another time): taken over at once, long before the lease.
    let gone = CrawlRunner {
        process_start: here.process_start.map(|start| start + 1),
        ..here.clone()
    };
    let dead = t.store.start_crawl("c", &gone).await.unwrap();
    let reason = released(c.take_over("c", lease).await.unwrap());
    assert_eq!(
        reason,
        format!(
            "the crawl process (pid {} on {}) is no longer running",
            here.pid, here.host
        )
    );
    let recorded = c.get_run("c", &dead.summary.id).await.unwrap().summary;
    assert_eq!(recorded.state, RunState::Failed);
    assert_eq!(recorded.error_message.as_deref(), Some(reason.as_str()));
    assert!(recorded.end_time.is_some());
    assert_eq!(c.get_crawler("c").await.unwrap().state, CrawlerState::Ready);

    // Two processes taking over one dead crawl at once: one does, and the other finds the
    // crawler idle.
    let absent = CrawlRunner {
        pid: 1 << 30,
        ..here.clone()
    };
    t.store.start_crawl("c", &absent).await.unwrap();
    let (a, b) = tokio::join!(c.take_over("c", lease), c.take_over("c", lease));
    let mut outcomes = [a.unwrap(), b.unwrap()];
    outcomes.sort_by_key(|o| matches!(o, Takeover::NotRunning));
    assert!(
        matches!(outcomes[0], Takeover::Released { .. }),
        "{outcomes:?}"
    );
    assert_eq!(outcomes[1], Takeover::NotRunning);

    // Another machine's crawl (or one of a process whose liveness cannot be told) waits for
    // the lease, and then it is released as abandoned.
    for runner in [
        CrawlRunner {
            host: format!("not-{}", here.host),
            ..gone.clone()
        },
        CrawlRunner {
            machine: None,
            ..gone.clone()
        },
    ] {
        let elsewhere = t.store.start_crawl("c", &runner).await.unwrap();
        let busy = refused(c.take_over("c", lease).await.unwrap());
        assert_ne!(busy.liveness, Some(RunnerLiveness::Alive));
        assert!(
            busy.to_string().contains("cannot be checked from here"),
            "{busy}"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
        let reason = released(c.take_over("c", Duration::from_millis(10)).await.unwrap());
        assert_eq!(reason, ABANDONED_REASON);
        let recorded = c.get_run("c", &elsewhere.summary.id).await.unwrap().summary;
        assert_eq!(recorded.state, RunState::Failed);
        assert_eq!(recorded.error_message.as_deref(), Some(ABANDONED_REASON));
    }
}

async fn runs_page_newest_first(t: &TestCatalog) {
    let c = crawlers(t);
    c.create_crawler(crawler("c")).await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..5 {
        let mut run = c.start_crawl("c").await.unwrap();
        run.summary.state = RunState::Completed;
        c.finish_crawl(&run).await.unwrap();
        ids.push(run.summary.id);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .list_runs(
                "c",
                PageRequest {
                    max_results: Some(2),
                    page_token: token,
                },
            )
            .await
            .unwrap();
        seen.extend(page.items.into_iter().map(|r| r.id));
        match page.next_page_token {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ids);
}

async fn classifiers_crud(t: &TestCatalog) {
    let c = crawlers(t);
    let definition = serde_json::json!({"kind": "grok", "classification": "app",
        "grok_pattern": "%{WORD:level} %{GREEDYDATA:message}"});
    let created = c
        .create_classifier(ClassifierInput {
            name: "app-logs".into(),
            definition: definition.clone(),
        })
        .await
        .unwrap();
    assert_eq!(created.version, 1);
    assert!(matches!(
        c.create_classifier(ClassifierInput {
            name: "app-logs".into(),
            definition: definition.clone(),
        })
        .await,
        Err(Error::AlreadyExists { .. })
    ));
    assert!(matches!(
        c.create_classifier(ClassifierInput {
            name: "kindless".into(),
            definition: serde_json::json!({"grok_pattern": "x"}),
        })
        .await,
        Err(Error::InvalidInput(_))
    ));
    let updated = c
        .update_classifier(ClassifierInput {
            name: "app-logs".into(),
            definition: serde_json::json!({"kind": "json", "json_path": "$[*]"}),
        })
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.definition["kind"], "json");
    let listed = c.list_classifiers(PageRequest::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    c.delete_classifier("app-logs").await.unwrap();
    assert!(matches!(
        c.get_classifier("app-logs").await,
        Err(Error::NotFound { .. })
    ));
}

async fn scheduled_crawls_are_claimed_once_per_due_time(t: &TestCatalog) {
    use chrono::{Duration as TimeDelta, Timelike, Utc};
    let c = crawlers(t);
    let bad = c
        .create_crawler(CrawlerInput {
            schedule: Some("cron(61 * * * ? *)".into()),
            ..crawler("bad")
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&bad, Error::InvalidInput(m) if m.starts_with("schedule: ") && m.contains("minutes: 61 is out of range 0-59")),
        "{bad}"
    );
    let hourly = c
        .create_crawler(CrawlerInput {
            schedule: Some("cron(0 * * * ? *)".into()),
            ..crawler("hourly")
        })
        .await
        .unwrap();
    let next = &hourly.next_scheduled_runs;
    assert_eq!(next.len(), 3, "{hourly:?}");
    assert!(next.iter().all(|at| at.minute() == 0 && at.second() == 0));
    assert_eq!(next[1] - next[0], TimeDelta::hours(1));
    assert_eq!(
        c.get_crawler("hourly").await.unwrap().next_scheduled_runs[0],
        next[0]
    );
    c.create_crawler(crawler("unscheduled")).await.unwrap();

    // Nothing is due before the first fire time.
    let now = Utc::now();
    assert!(c.claim_due_crawls(now).await.unwrap().is_empty());
    // Five hours later (a server that was down): due once, not once per missed hour, and
    // among eight concurrent claimers exactly one wins.
    let later = now + TimeDelta::hours(5);
    let claims = futures_claims(&c, later, 8).await;
    assert_eq!(claims.concat(), ["hourly"], "{claims:?}");
    assert!(c.claim_due_crawls(later).await.unwrap().is_empty());
    // The next due time is the first fire time after the claim, so it is due again an hour on.
    let claimed = c
        .claim_due_crawls(later + TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(claimed, ["hourly"]);

    // A paused schedule is never due, and shows no next runs; resumed, it is due again.
    let paused = c
        .update_crawler(
            CrawlerInput {
                schedule: Some("cron(0 * * * ? *)".into()),
                schedule_paused: true,
                ..crawler("hourly")
            },
            None,
        )
        .await
        .unwrap();
    assert!(paused.next_scheduled_runs.is_empty());
    assert!(
        c.claim_due_crawls(later + TimeDelta::hours(9))
            .await
            .unwrap()
            .is_empty()
    );
    c.update_crawler(
        CrawlerInput {
            schedule: Some("cron(0 * * * ? *)".into()),
            ..crawler("hourly")
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        c.claim_due_crawls(Utc::now() + TimeDelta::hours(2))
            .await
            .unwrap(),
        ["hourly"]
    );
}

/// `claimers` concurrent claims of the crawls due at `at`.
async fn futures_claims(
    c: &Crawlers,
    at: chrono::DateTime<chrono::Utc>,
    claimers: usize,
) -> Vec<Vec<String>> {
    let tasks: Vec<_> = (0..claimers)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.claim_due_crawls(at).await.unwrap() })
        })
        .collect();
    let mut claims = Vec::new();
    for task in tasks {
        claims.push(task.await.unwrap());
    }
    claims
}

fn is_missing_crawler(error: &Error) -> bool {
    matches!(
        error,
        Error::NotFound {
            entity: Entity::Crawler,
            ..
        }
    )
}

/// The refusal a schedule change failed with.
fn refusal(error: Error) -> ScheduleRefusal {
    match error {
        Error::Schedule { refusal, .. } => refusal,
        other => panic!("not a schedule refusal: {other}"),
    }
}

async fn schedules_pause_and_resume_by_the_rules(t: &TestCatalog) {
    let c = crawlers(t);
    c.create_crawler(crawler("nightly")).await.unwrap();
    let error = c.start_schedule("nightly").await.unwrap_err();
    assert_eq!(error.to_string(), "crawler nightly has no schedule");
    assert_eq!(refusal(error), ScheduleRefusal::NoSchedule);
    let error = c.stop_schedule("nightly").await.unwrap_err();
    assert_eq!(refusal(error), ScheduleRefusal::NotRunning);

    let expression = "cron(15 12 * * ? *)";
    let scheduled = c
        .update_schedule("nightly", Some(expression.into()))
        .await
        .unwrap();
    assert_eq!(scheduled.next_scheduled_runs.len(), 3);
    let error = c.start_schedule("nightly").await.unwrap_err();
    assert_eq!(refusal(error), ScheduleRefusal::AlreadyRunning);
    let paused = c.stop_schedule("nightly").await.unwrap();
    assert!(paused.definition.schedule_paused);
    assert_eq!(paused.definition.schedule.as_deref(), Some(expression));
    assert!(paused.next_scheduled_runs.is_empty());
    let error = c.stop_schedule("nightly").await.unwrap_err();
    assert_eq!(refusal(error), ScheduleRefusal::NotRunning);
    let resumed = c.start_schedule("nightly").await.unwrap();
    assert!(!resumed.definition.schedule_paused);
    assert_eq!(resumed.version, 4);

    let error = c
        .update_schedule("nightly", Some("cron(61 * * * ? *)".into()))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("61 is out of range"), "{error}");
    // A running crawler's definition, schedule included, cannot change.
    c.start_crawl("nightly").await.unwrap();
    let error = c.stop_schedule("nightly").await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::CrawlerState {
                state: CrawlerState::Running,
                ..
            }
        ),
        "{error}"
    );
    let error = c.start_schedule("ghost").await.unwrap_err();
    assert!(is_missing_crawler(&error), "{error}");
}

async fn metrics_sum_up_the_finished_runs(t: &TestCatalog) {
    let c = crawlers(t);
    c.create_crawler(crawler("nightly")).await.unwrap();
    c.create_crawler(crawler("idle")).await.unwrap();
    let idle = CrawlerMetrics {
        crawler_name: "idle".into(),
        still_estimating: false,
        last_runtime_seconds: 0.0,
        median_runtime_seconds: 0.0,
        tables_created: 0,
        tables_updated: 0,
        tables_deleted: 0,
    };
    assert_eq!(c.metrics("idle").await.unwrap(), idle);

    // Three finished crawls, oldest first, then one still running.
    for (seconds, created) in [(4, 1), (6, 2), (2, 3)] {
        let mut run = c.start_crawl("nightly").await.unwrap();
        run.summary.state = RunState::Completed;
        run.summary.end_time = Some(run.summary.start_time + chrono::TimeDelta::seconds(seconds));
        run.summary.counts.tables_created = created;
        run.summary.counts.tables_updated = 5;
        run.summary.counts.tables_deleted = 1;
        run.summary.counts.tables_deprecated = 1;
        c.finish_crawl(&run).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    c.start_crawl("nightly").await.unwrap();
    let nightly = CrawlerMetrics {
        crawler_name: "nightly".into(),
        still_estimating: true,
        last_runtime_seconds: 2.0,
        median_runtime_seconds: 4.0,
        tables_created: 3,
        tables_updated: 5,
        tables_deleted: 2,
    };
    assert_eq!(c.metrics("nightly").await.unwrap(), nightly);

    assert_eq!(
        c.metrics_of(Vec::new()).await.unwrap(),
        [idle.clone(), nightly.clone()]
    );
    assert_eq!(
        c.metrics_of(vec!["nightly".into(), "idle".into()])
            .await
            .unwrap(),
        [nightly, idle]
    );
    let error = c
        .metrics_of(vec!["idle".into(), "ghost".into()])
        .await
        .unwrap_err();
    assert!(is_missing_crawler(&error), "{error}");
    let error = c.metrics_of(vec!["idle".into(); 101]).await.unwrap_err();
    assert!(
        error.to_string().contains("at most 100 crawlers"),
        "{error}"
    );
}

/// Finishes a crawl of `crawler` that reports `changes`; its run id.
async fn finish_run_with(c: &Crawlers, crawler: &str, changes: Vec<TableChangeRecord>) -> String {
    let mut run = c.start_crawl(crawler).await.unwrap();
    run.summary.state = RunState::Completed;
    run.summary.end_time = Some(run.summary.start_time + chrono::TimeDelta::seconds(1));
    run.report.changes = changes;
    c.finish_crawl(&run).await.unwrap();
    run.summary.id
}

fn change_record(table: &str, kind: ChangeKind, applied: bool) -> TableChangeRecord {
    TableChangeRecord {
        table: table.into(),
        kind,
        details: Vec::new(),
        partitions_added: 0,
        partitions_updated: 0,
        partitions_deleted: 0,
        applied,
    }
}

/// A finished run becomes the last crawl of the tables it created or changed in the catalog,
/// and of no other (a change only logged, a table left alone); the record goes with the
/// table, and with the run's record when its crawler is deleted.
async fn finished_runs_are_the_last_crawl_of_the_tables_they_changed(t: &TestCatalog) {
    let c = crawlers(t);
    create_db(&t.catalog).await;
    for name in ["orders", "clicks", "logged", "kept"] {
        t.catalog
            .apply_table_change("db", creating(name, vec![]))
            .await
            .unwrap();
    }
    // The crawler writes into "DB": names are matched as the catalog keeps them.
    c.create_crawler(crawler("nightly")).await.unwrap();
    assert_eq!(c.last_crawl_of_table("db", "orders").await.unwrap(), None);

    let first = finish_run_with(
        &c,
        "nightly",
        vec![
            change_record("Orders", ChangeKind::Create, true),
            change_record("clicks", ChangeKind::Create, true),
            change_record("logged", ChangeKind::Logged, false),
            change_record("kept", ChangeKind::Kept, false),
            change_record("gone", ChangeKind::Update, true),
        ],
    )
    .await;
    let last = |table: &'static str| {
        let c = c.clone();
        async move {
            c.last_crawl_of_table("DB", table)
                .await
                .unwrap()
                .map(|crawl| (crawl.crawler_name, crawl.run_id))
        }
    };
    let by_first = Some(("nightly".to_string(), first.clone()));
    assert_eq!(last("orders").await, by_first);
    assert_eq!(last("Clicks").await, by_first);
    assert_eq!(last("logged").await, None);
    assert_eq!(last("kept").await, None);

    // A later run that changes clicks only, and leaves orders as it was.
    let second = finish_run_with(
        &c,
        "nightly",
        vec![
            change_record("orders", ChangeKind::Unchanged, true),
            change_record("clicks", ChangeKind::Update, true),
            change_record("kept", ChangeKind::Update, false),
        ],
    )
    .await;
    assert_eq!(last("orders").await, by_first);
    assert_eq!(last("clicks").await, Some(("nightly".to_string(), second)));
    assert_eq!(last("kept").await, None);
    let crawl = c
        .last_crawl_of_table("db", "orders")
        .await
        .unwrap()
        .unwrap();
    assert!(crawl.time <= chrono::Utc::now(), "{crawl:?}");

    // A table made again under the name was not crawled; a deleted crawler's runs are gone.
    t.catalog.delete_table("db", "clicks").await.unwrap();
    t.catalog
        .apply_table_change("db", creating("clicks", vec![]))
        .await
        .unwrap();
    assert_eq!(last("clicks").await, None);
    c.delete_crawler("nightly").await.unwrap();
    assert_eq!(last("orders").await, None);
}
