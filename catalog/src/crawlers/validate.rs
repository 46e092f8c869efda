//! Validation of crawler and classifier input, with Glue's limits and rules.

use super::model::{
    ClassifierInput, CrawlerInput, DeleteBehavior, DeltaTarget, OpenTableTarget, RecrawlBehavior,
    UpdateBehavior,
};
use crate::error::{Error, Result};
use crate::validate::{check_name, check_name_characters, check_object_name};

/// Longest table prefix, in bytes (Glue's API limit).
pub const MAX_TABLE_PREFIX_BYTES: usize = 128;
/// Largest sample size (files read per leaf folder), as Glue's.
pub const MAX_SAMPLE_SIZE: u32 = 249;
/// Longest crawler description, in bytes.
pub const MAX_CRAWLER_DESCRIPTION_BYTES: usize = 2048;
/// Most targets per stored crawler, as in Glue, counting every path of every kind (each
/// Delta table and each Iceberg or Hudi path is one). A one-shot crawl (`lakecat crawl`) may
/// have any number.
pub const MAX_TARGETS: usize = 100;

/// Why connection names are refused.
pub const NO_CONNECTIONS: &str = "lakecat has no Glue connections: it reaches object stores \
     with the server's own settings and credentials (leave ConnectionName out)";

/// Why `write_manifest` is refused.
pub const NO_MANIFESTS: &str = "WriteManifest (symlink manifests) is not supported yet; \
     lakecat registers native Delta tables";

/// Why `create_native_delta_table: false` is refused.
pub const NATIVE_DELTA_ONLY: &str = "CreateNativeDeltaTable=false (tables read through symlink \
     manifests) is not supported yet; lakecat registers native Delta tables";

/// Fewest and most folder levels an Iceberg or Hudi target may search (Glue's range for
/// `MaximumTraversalDepth`).
pub const TRAVERSAL_DEPTHS: std::ops::RangeInclusive<u32> = 1..=20;

/// Why a traversal depth outside [`TRAVERSAL_DEPTHS`] is refused; also for protocols whose
/// numbers do not fit the model's (a negative depth from a Glue client).
pub fn traversal_depth_refusal(depth: impl std::fmt::Display) -> String {
    format!(
        "MaximumTraversalDepth must be between {} and {} (got {depth})",
        TRAVERSAL_DEPTHS.start(),
        TRAVERSAL_DEPTHS.end()
    )
}

/// Checks and normalizes a crawler definition: the database name is folded to lower case.
pub fn crawler_input(input: CrawlerInput) -> Result<CrawlerInput> {
    crawler_input_with(input, Some(MAX_TARGETS))
}

/// Like [`crawler_input`], with at most `max_targets` targets (`None`: any number).
pub fn crawler_input_with(
    mut input: CrawlerInput,
    max_targets: Option<usize>,
) -> Result<CrawlerInput> {
    check_object_name("name", &input.name)?;
    if let Some(description) = &input.description
        && description.len() > MAX_CRAWLER_DESCRIPTION_BYTES
    {
        return Err(Error::invalid(format!(
            "description: must be at most {MAX_CRAWLER_DESCRIPTION_BYTES} bytes (got {})",
            description.len()
        )));
    }
    input.database_name = input.database_name.to_lowercase();
    check_object_name("database_name", &input.database_name)?;
    for (i, target) in input.targets.s3_targets.iter().enumerate() {
        let field = format!("targets.s3_targets[{i}]");
        check_path(&format!("{field}.path"), &target.path)?;
        if let Some(size) = target.sample_size
            && !(1..=MAX_SAMPLE_SIZE).contains(&size)
        {
            return Err(Error::invalid(format!(
                "{field}.sample_size: must be between 1 and {MAX_SAMPLE_SIZE} (got {size})"
            )));
        }
        check_exclusions(&field, &target.exclusions)?;
    }
    for (i, target) in input.targets.delta_targets.iter_mut().enumerate() {
        delta_target(&format!("targets.delta_targets[{i}]"), target)?;
    }
    for (kind, targets) in [
        ("iceberg_targets", &mut input.targets.iceberg_targets),
        ("hudi_targets", &mut input.targets.hudi_targets),
    ] {
        for (i, target) in targets.iter_mut().enumerate() {
            open_table_target(&format!("targets.{kind}[{i}]"), target)?;
        }
    }
    // Counted after each target is checked, so that a target without paths is named.
    let count = input.targets.path_count();
    if count == 0 {
        return Err(Error::invalid(
            "targets: a crawler needs at least one target (s3_targets, delta_targets, \
             iceberg_targets or hudi_targets)",
        ));
    }
    if let Some(max) = max_targets
        && count > max
    {
        return Err(Error::invalid(format!(
            "targets: at most {max} targets (got {count})"
        )));
    }
    for (i, classifier) in input.classifiers.iter().enumerate() {
        check_name(&format!("classifiers[{i}]"), classifier)?;
    }
    if let Some(prefix) = &input.table_prefix {
        if prefix.len() > MAX_TABLE_PREFIX_BYTES {
            return Err(Error::invalid(format!(
                "table_prefix: must be at most {MAX_TABLE_PREFIX_BYTES} bytes (got {})",
                prefix.len()
            )));
        }
        // It begins the name of every table the crawler makes.
        check_name_characters("table_prefix", prefix)?;
    }
    let policy = input.schema_change_policy;
    if input.recrawl_policy.recrawl_behavior == RecrawlBehavior::CrawlNewFoldersOnly
        && (policy.update_behavior != UpdateBehavior::Log
            || policy.delete_behavior != DeleteBehavior::Log)
    {
        // Glue's rule and wording: a crawl of new folders does not see the old ones, so it
        // cannot judge tables as changed or gone.
        return Err(Error::invalid(
            "schema_change_policy: the SchemaChangePolicy for \"Crawl new folders only\" \
             targets can have only LOG DeleteBehavior value and LOG UpdateBehavior value",
        ));
    }
    check_event_queues(&input)?;
    if let Some(expression) = &input.schedule {
        super::schedule::Schedule::parse(expression)
            .map_err(|e| Error::invalid(format!("schedule: {e}")))?;
    }
    if input.configuration.table_level == Some(0) {
        return Err(Error::invalid(
            "configuration.table_level: must be at least 1 (the bucket's top folder)",
        ));
    }
    if input.configuration.table_threshold == Some(0) {
        return Err(Error::invalid(
            "configuration.table_threshold: must be at least 1",
        ));
    }
    Ok(input)
}

/// Refuses an empty path. Whether it is a URL the crawler can open, and within the allowed
/// crawl roots, only the crawler knows: it checks every kind of target alike.
fn check_path(field: &str, path: &str) -> Result<()> {
    if path.trim().is_empty() {
        return Err(Error::invalid(format!("{field}: must not be empty")));
    }
    Ok(())
}

fn check_exclusions(field: &str, exclusions: &[String]) -> Result<()> {
    for (j, glob) in exclusions.iter().enumerate() {
        if glob.is_empty() {
            return Err(Error::invalid(format!(
                "{field}.exclusions[{j}]: must not be empty"
            )));
        }
    }
    Ok(())
}

/// Refuses a connection name. An empty one is taken as none, so that a client sending every
/// member, blank ones included, is not refused.
fn check_connection(field: &str, connection: &mut Option<String>) -> Result<()> {
    match connection.as_deref() {
        None => Ok(()),
        Some("") => {
            *connection = None;
            Ok(())
        }
        Some(_) => Err(Error::invalid(format!(
            "{field}.connection_name: {NO_CONNECTIONS}"
        ))),
    }
}

fn delta_target(field: &str, target: &mut DeltaTarget) -> Result<()> {
    if target.delta_tables.is_empty() {
        return Err(Error::invalid(format!(
            "{field}.delta_tables: a Delta target needs at least one table path"
        )));
    }
    for (j, path) in target.delta_tables.iter().enumerate() {
        check_path(&format!("{field}.delta_tables[{j}]"), path)?;
    }
    check_connection(field, &mut target.connection_name)?;
    // Manifests are checked first: a symlink target says both, and manifests are the part
    // that is missing.
    if target.write_manifest {
        return Err(Error::invalid(format!(
            "{field}.write_manifest: {NO_MANIFESTS}"
        )));
    }
    if target.create_native_delta_table == Some(false) {
        return Err(Error::invalid(format!(
            "{field}.create_native_delta_table: {NATIVE_DELTA_ONLY}"
        )));
    }
    Ok(())
}

fn open_table_target(field: &str, target: &mut OpenTableTarget) -> Result<()> {
    if target.paths.is_empty() {
        return Err(Error::invalid(format!(
            "{field}.paths: a target needs at least one path"
        )));
    }
    for (j, path) in target.paths.iter().enumerate() {
        check_path(&format!("{field}.paths[{j}]"), path)?;
    }
    check_exclusions(field, &target.exclusions)?;
    if let Some(depth) = target.maximum_traversal_depth
        && !TRAVERSAL_DEPTHS.contains(&depth)
    {
        return Err(Error::invalid(format!(
            "{field}.maximum_traversal_depth: {}",
            traversal_depth_refusal(depth)
        )));
    }
    check_connection(field, &mut target.connection_name)
}

/// Checks a classifier's name and that its definition is a JSON object with a `kind`.
pub fn classifier_input(input: &ClassifierInput) -> Result<()> {
    check_object_name("name", &input.name)?;
    match input.definition.get("kind").and_then(|k| k.as_str()) {
        Some(_) => Ok(()),
        None => Err(Error::invalid(
            "definition.kind: must be one of grok, csv, json, xml",
        )),
    }
}

/// Event queues: SQS ARNs, a dead-letter queue only beside a queue, and only for a crawler
/// in event mode (Glue's rule: the queues are what event mode reads).
fn check_event_queues(input: &CrawlerInput) -> Result<()> {
    let event_mode = input.recrawl_policy.recrawl_behavior == RecrawlBehavior::CrawlEventMode;
    for (index, target) in input.targets.s3_targets.iter().enumerate() {
        let field = |name: &str| format!("targets.s3_targets[{index}].{name}");
        for (name, arn) in [
            ("event_queue_arn", &target.event_queue_arn),
            ("dlq_event_queue_arn", &target.dlq_event_queue_arn),
        ] {
            let Some(arn) = arn else { continue };
            if !event_mode {
                return Err(Error::invalid(format!(
                    "{}: a queue is read only by a crawler whose recrawl behavior is \
                     CRAWL_EVENT_MODE",
                    field(name)
                )));
            }
            if !is_sqs_arn(arn) {
                return Err(Error::invalid(format!(
                    "{}: {arn:?} is not an SQS queue ARN (arn:aws:sqs:region:account:name)",
                    field(name)
                )));
            }
        }
        if target.dlq_event_queue_arn.is_some() && target.event_queue_arn.is_none() {
            return Err(Error::invalid(format!(
                "{}: a dead-letter queue needs an event_queue_arn beside it",
                field("dlq_event_queue_arn")
            )));
        }
    }
    Ok(())
}

/// `arn:{partition}:sqs:{region}:{account}:{name}`, each part present.
fn is_sqs_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "sqs"
        && parts.iter().all(|part| !part.is_empty())
        && arn.len() <= 1024
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crawlers::model::{CrawlerTargets, S3Target, TargetKind};

    fn crawler() -> CrawlerInput {
        CrawlerInput {
            name: "nightly".into(),
            database_name: "raw".into(),
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

    #[test]
    fn event_queues_are_sqs_arns_of_event_mode_crawlers() {
        const QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:lake-events";
        const DLQ: &str = "arn:aws:sqs:us-east-1:123456789012:lake-events-dlq";
        let with = |mode: RecrawlBehavior, queue: Option<&str>, dlq: Option<&str>| {
            let mut input = crawler();
            input.recrawl_policy.recrawl_behavior = mode;
            input.targets.s3_targets[0].event_queue_arn = queue.map(str::to_string);
            input.targets.s3_targets[0].dlq_event_queue_arn = dlq.map(str::to_string);
            check_event_queues(&input)
        };
        use RecrawlBehavior::{CrawlEventMode, CrawlEverything};
        /// Mode, queue, dead-letter queue, and the error expected (`None`: accepted).
        type Case<'a> = (
            RecrawlBehavior,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
        );
        let cases: &[Case<'_>] = &[
            (CrawlEventMode, None, None, None),
            (CrawlEventMode, Some(QUEUE), None, None),
            (CrawlEventMode, Some(QUEUE), Some(DLQ), None),
            (
                CrawlEverything,
                Some(QUEUE),
                None,
                Some("event_queue_arn: a queue is read only by a crawler"),
            ),
            (
                CrawlEventMode,
                Some("arn:aws:sns:us-east-1:123456789012:topic"),
                None,
                Some("is not an SQS queue ARN"),
            ),
            (
                CrawlEventMode,
                Some("arn:aws:sqs:us-east-1::lake-events"),
                None,
                Some("is not an SQS queue ARN"),
            ),
            (
                CrawlEventMode,
                None,
                Some(DLQ),
                Some("dlq_event_queue_arn: a dead-letter queue needs an event_queue_arn"),
            ),
        ];
        for (mode, queue, dlq, expected) in cases {
            let checked = with(*mode, *queue, *dlq);
            match expected {
                None => assert!(checked.is_ok(), "{queue:?} {dlq:?}: {checked:?}"),
                Some(text) => {
                    let error = checked.unwrap_err().to_string();
                    assert!(error.contains(text), "{queue:?} {dlq:?}: {error}");
                }
            }
        }
    }

    /// A crawler with one target of each open table format and no S3 target.
    fn open_table_crawler() -> CrawlerInput {
        CrawlerInput {
            name: "formats".into(),
            database_name: "lake".into(),
            targets: CrawlerTargets {
                s3_targets: Vec::new(),
                delta_targets: vec![DeltaTarget {
                    delta_tables: vec!["s3://lake/sales/".into(), "s3://lake/refunds/".into()],
                    create_native_delta_table: Some(true),
                    ..Default::default()
                }],
                iceberg_targets: vec![OpenTableTarget {
                    paths: vec!["s3://lake/warehouse/".into()],
                    exclusions: vec!["**/tmp/**".into()],
                    maximum_traversal_depth: Some(20),
                    connection_name: None,
                }],
                hudi_targets: vec![OpenTableTarget {
                    paths: vec!["file:///data/hudi/".into()],
                    maximum_traversal_depth: Some(1),
                    ..Default::default()
                }],
            },
            ..Default::default()
        }
    }

    #[test]
    fn open_table_targets_are_checked_like_s3_targets_with_glue_rules() {
        type Change = fn(&mut CrawlerInput);
        let cases: &[(&str, Change, Option<&str>)] = &[
            ("one of each kind", |_| {}, None),
            (
                "open table targets alone suffice",
                |c| c.targets.iceberg_targets.truncate(0),
                None,
            ),
            (
                "no target of any kind",
                |c| c.targets = CrawlerTargets::default(),
                Some("targets: a crawler needs at least one target"),
            ),
            (
                "a Delta target without tables",
                |c| c.targets.delta_targets[0].delta_tables.clear(),
                Some("targets.delta_targets[0].delta_tables: a Delta target needs at least"),
            ),
            (
                "an empty Delta target alone is named, not taken for no target",
                |c| {
                    c.targets = CrawlerTargets {
                        delta_targets: vec![DeltaTarget::default()],
                        ..Default::default()
                    }
                },
                Some("targets.delta_targets[0].delta_tables: a Delta target needs at least"),
            ),
            (
                "a blank Delta table path",
                |c| c.targets.delta_targets[0].delta_tables[1] = " ".into(),
                Some("targets.delta_targets[0].delta_tables[1]: must not be empty"),
            ),
            (
                "symlink manifests",
                |c| c.targets.delta_targets[0].write_manifest = true,
                Some(
                    "targets.delta_targets[0].write_manifest: WriteManifest (symlink \
                     manifests) is not supported yet; lakecat registers native Delta tables",
                ),
            ),
            (
                "manifests and not native: the manifests are named",
                |c| {
                    c.targets.delta_targets[0].write_manifest = true;
                    c.targets.delta_targets[0].create_native_delta_table = Some(false);
                },
                Some("targets.delta_targets[0].write_manifest: WriteManifest"),
            ),
            (
                "not native",
                |c| c.targets.delta_targets[0].create_native_delta_table = Some(false),
                Some(
                    "targets.delta_targets[0].create_native_delta_table: CreateNativeDeltaTable=false",
                ),
            ),
            (
                "native left out means native",
                |c| c.targets.delta_targets[0].create_native_delta_table = None,
                None,
            ),
            (
                "a connection",
                |c| c.targets.delta_targets[0].connection_name = Some("vpc".into()),
                Some("targets.delta_targets[0].connection_name: lakecat has no Glue connections"),
            ),
            (
                "an empty connection is none",
                |c| c.targets.hudi_targets[0].connection_name = Some(String::new()),
                None,
            ),
            (
                "an Iceberg connection",
                |c| c.targets.iceberg_targets[0].connection_name = Some("vpc".into()),
                Some("targets.iceberg_targets[0].connection_name: lakecat has no Glue"),
            ),
            (
                "an Iceberg target without paths",
                |c| c.targets.iceberg_targets[0].paths.clear(),
                Some("targets.iceberg_targets[0].paths: a target needs at least one path"),
            ),
            (
                "an empty Hudi path",
                |c| c.targets.hudi_targets[0].paths.push(String::new()),
                Some("targets.hudi_targets[0].paths[1]: must not be empty"),
            ),
            (
                "an empty exclusion",
                |c| c.targets.iceberg_targets[0].exclusions.push(String::new()),
                Some("targets.iceberg_targets[0].exclusions[1]: must not be empty"),
            ),
            (
                "depth 0",
                |c| c.targets.hudi_targets[0].maximum_traversal_depth = Some(0),
                Some(
                    "targets.hudi_targets[0].maximum_traversal_depth: MaximumTraversalDepth \
                     must be between 1 and 20 (got 0)",
                ),
            ),
            (
                "depth 21",
                |c| c.targets.iceberg_targets[0].maximum_traversal_depth = Some(21),
                Some(
                    "targets.iceberg_targets[0].maximum_traversal_depth: MaximumTraversalDepth must be between 1 and 20 (got 21)",
                ),
            ),
            (
                "no depth",
                |c| c.targets.iceberg_targets[0].maximum_traversal_depth = None,
                None,
            ),
            (
                "every path counts towards the limit",
                |c| {
                    c.targets.hudi_targets[0].paths =
                        (0..98).map(|i| format!("s3://lake/h{i}/")).collect();
                },
                Some("targets: at most 100 targets (got 101)"),
            ),
        ];
        for (case, change, expected) in cases {
            let mut input = open_table_crawler();
            change(&mut input);
            match (crawler_input(input), expected) {
                (Ok(_), None) => {}
                (Err(error), Some(expected)) => {
                    let error = error.to_string();
                    assert!(error.starts_with(expected), "{case}: {error}");
                }
                (Ok(_), Some(expected)) => panic!("{case}: accepted, expected {expected}"),
                (Err(error), None) => panic!("{case}: refused: {error}"),
            }
        }
        // Blank connection names are stored as none.
        let mut input = open_table_crawler();
        input.targets.hudi_targets[0].connection_name = Some(String::new());
        let checked = crawler_input(input).unwrap();
        assert_eq!(checked.targets.hudi_targets[0].connection_name, None);
    }

    #[test]
    fn paths_list_every_target_with_its_kind_and_settings() {
        let input = open_table_crawler();
        let paths: Vec<_> = input
            .targets
            .paths()
            .map(|p| {
                (
                    p.kind,
                    p.path,
                    p.exclusions.len(),
                    p.maximum_traversal_depth,
                )
            })
            .collect();
        assert_eq!(
            paths,
            [
                (TargetKind::Delta, "s3://lake/sales/", 0, None),
                (TargetKind::Delta, "s3://lake/refunds/", 0, None),
                (TargetKind::Iceberg, "s3://lake/warehouse/", 1, Some(20)),
                (TargetKind::Hudi, "file:///data/hudi/", 0, Some(1)),
            ]
        );
        assert_eq!(input.targets.path_count(), 4);
        assert_eq!(
            crawler().targets.paths().next().map(|p| p.kind),
            Some(TargetKind::S3)
        );
    }

    #[test]
    fn stored_crawlers_without_open_table_targets_read_and_write_as_before() {
        // A body stored before these targets existed reads, and writes back the same.
        let stored = r#"{"s3_targets":[{"path":"s3://lake/","exclusions":[]}]}"#;
        let targets: CrawlerTargets = serde_json::from_str(stored).unwrap();
        assert!(targets.delta_targets.is_empty() && targets.hudi_targets.is_empty());
        assert_eq!(serde_json::to_string(&targets).unwrap(), stored);
        let with_delta = r#"{"s3_targets":[],"delta_targets":[{"delta_tables":["s3://lake/t/"]}]}"#;
        let targets: CrawlerTargets = serde_json::from_str(with_delta).unwrap();
        assert_eq!(serde_json::to_string(&targets).unwrap(), with_delta);
    }

    #[test]
    fn stored_crawlers_have_at_most_100_targets_and_one_shot_crawls_any_number() {
        let with_targets = |count: usize| {
            let mut input = crawler();
            input.targets.s3_targets = (0..count)
                .map(|i| S3Target {
                    path: format!("s3://lake/t{i}/"),
                    ..Default::default()
                })
                .collect();
            input
        };
        assert!(crawler_input(with_targets(MAX_TARGETS)).is_ok());
        let refused = crawler_input(with_targets(MAX_TARGETS + 1)).unwrap_err();
        assert!(
            refused.to_string().contains("at most 100 targets"),
            "{refused}"
        );
        assert!(crawler_input_with(with_targets(5_000), None).is_ok());
    }

    #[test]
    fn crawler_and_table_names_are_addressable_and_do_not_spoof() {
        type Change = fn(&mut CrawlerInput);
        let cases: &[(Change, &str)] = &[
            (|c| c.name = "..".into(), "name: \"..\" is not a valid name"),
            (
                |c| c.database_name = ".".into(),
                "database_name: \".\" is not a valid name",
            ),
            (
                |c| c.table_prefix = Some("raw_\u{202E}".into()),
                "table_prefix: character U+202E at byte 4 (a bidirectional control",
            ),
            (
                |c| c.table_prefix = Some("raw\u{7F}".into()),
                "table_prefix: character U+007F at byte 3 (DEL",
            ),
        ];
        for (change, expected) in cases {
            let mut input = crawler();
            change(&mut input);
            let error = crawler_input(input).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{error}");
        }
        // A prefix of dots is fine: table names continue after it.
        let mut input = crawler();
        input.table_prefix = Some("..".into());
        assert!(crawler_input(input).is_ok());
        let error = classifier_input(&ClassifierInput {
            name: ".".into(),
            definition: serde_json::json!({"kind": "grok"}),
        })
        .unwrap_err();
        assert!(
            error.to_string().starts_with("name: \".\" is not"),
            "{error}"
        );
    }
}
