//! Validation of crawler and classifier input, with Glue's limits and rules.

use super::model::{
    ClassifierInput, CrawlerInput, DeleteBehavior, RecrawlBehavior, UpdateBehavior,
};
use crate::error::{Error, Result};
use crate::validate::check_name;

/// Longest table prefix, in bytes (Glue's API limit).
pub const MAX_TABLE_PREFIX_BYTES: usize = 128;
/// Largest sample size (files read per leaf folder), as Glue's.
pub const MAX_SAMPLE_SIZE: u32 = 249;
/// Longest crawler description, in bytes.
pub const MAX_CRAWLER_DESCRIPTION_BYTES: usize = 2048;
/// Most targets per crawler.
pub const MAX_TARGETS: usize = 100;

/// Checks and normalizes a crawler definition: the database name is folded to lower case.
pub fn crawler_input(mut input: CrawlerInput) -> Result<CrawlerInput> {
    check_name("name", &input.name)?;
    if let Some(description) = &input.description
        && description.len() > MAX_CRAWLER_DESCRIPTION_BYTES
    {
        return Err(Error::invalid(format!(
            "description: must be at most {MAX_CRAWLER_DESCRIPTION_BYTES} bytes (got {})",
            description.len()
        )));
    }
    input.database_name = input.database_name.to_lowercase();
    check_name("database_name", &input.database_name)?;
    let targets = &input.targets.s3_targets;
    if targets.is_empty() {
        return Err(Error::invalid(
            "targets.s3_targets: a crawler needs at least one target",
        ));
    }
    if targets.len() > MAX_TARGETS {
        return Err(Error::invalid(format!(
            "targets.s3_targets: at most {MAX_TARGETS} targets (got {})",
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
    if let Some(prefix) = &input.table_prefix
        && prefix.len() > MAX_TABLE_PREFIX_BYTES
    {
        return Err(Error::invalid(format!(
            "table_prefix: must be at most {MAX_TABLE_PREFIX_BYTES} bytes (got {})",
            prefix.len()
        )));
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
    check_name("name", &input.name)?;
    match input.definition.get("kind").and_then(|k| k.as_str()) {
        Some(_) => Ok(()),
        None => Err(Error::invalid(
            "definition.kind: must be one of grok, csv, json, xml",
        )),
    }
}
