//! Validation of crawler and classifier input, with Glue's limits and rules.

use super::model::{
    ClassifierInput, CrawlerInput, DeleteBehavior, RecrawlBehavior, UpdateBehavior,
};
use crate::error::{Error, Result};
use crate::validate::{check_name, check_name_characters, check_object_name};

/// Longest table prefix, in bytes (Glue's API limit).
pub const MAX_TABLE_PREFIX_BYTES: usize = 128;
/// Largest sample size (files read per leaf folder), as Glue's.
pub const MAX_SAMPLE_SIZE: u32 = 249;
/// Longest crawler description, in bytes.
pub const MAX_CRAWLER_DESCRIPTION_BYTES: usize = 2048;
/// Most targets per stored crawler, as in Glue. A one-shot crawl (`lakecat crawl`) may have
/// any number.
pub const MAX_TARGETS: usize = 100;

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
    let targets = &input.targets.s3_targets;
    if targets.is_empty() {
        return Err(Error::invalid(
            "targets.s3_targets: a crawler needs at least one target",
        ));
    }
    if let Some(max) = max_targets
        && targets.len() > max
    {
        return Err(Error::invalid(format!(
            "targets.s3_targets: at most {max} targets (got {})",
            targets.len()
        )));
    }
    for (i, target) in targets.iter().enumerate() {
        let field = format!("targets.s3_targets[{i}]");
        if target.path.trim().is_empty() {
            return Err(Error::invalid(format!("{field}.path: must not be empty")));
        }
        if let Some(size) = target.sample_size
            && !(1..=MAX_SAMPLE_SIZE).contains(&size)
        {
            return Err(Error::invalid(format!(
                "{field}.sample_size: must be between 1 and {MAX_SAMPLE_SIZE} (got {size})"
            )));
        }
        for (j, glob) in target.exclusions.iter().enumerate() {
            if glob.is_empty() {
                return Err(Error::invalid(format!(
                    "{field}.exclusions[{j}]: must not be empty"
                )));
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crawlers::model::{CrawlerTargets, S3Target};

    fn crawler() -> CrawlerInput {
        CrawlerInput {
            name: "nightly".into(),
            database_name: "raw".into(),
            targets: CrawlerTargets {
                s3_targets: vec![S3Target {
                    path: "s3://lake/".into(),
                    ..Default::default()
                }],
            },
            ..Default::default()
        }
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
