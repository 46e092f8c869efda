//! Glue's crawler and classifier operations over the crawler service: Glue's shapes (the
//! `Configuration` JSON string, `S3Targets`, `DeltaTargets`, `IcebergTargets`, `HudiTargets`,
//! `LastCrawl`, typed classifier members) mapped to lakecat's crawler definitions, runs and
//! classifier records.

use lakecat_catalog::crawlers::validate::traversal_depth_refusal;
use lakecat_catalog::crawlers::{
    ClassifierInput, ClassifierRecord, Crawler, CrawlerConfiguration, CrawlerInput, CrawlerState,
    CrawlerTargets, DeleteBehavior, DeltaTarget, OpenTableTarget, RecrawlBehavior, RecrawlPolicy,
    RunState, S3Target, SchemaChangePolicy, TableGroupingPolicy, UpdateBehavior,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::GlueError;
use super::page;
use super::shapes::epoch;
use crate::state::AppState;

use super::operations::Reply;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct GlueS3Target {
    path: String,
    exclusions: Vec<String>,
    sample_size: Option<u32>,
    event_queue_arn: Option<String>,
    dlq_event_queue_arn: Option<String>,
}

/// Glue's `DeltaTarget`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct GlueDeltaTarget {
    delta_tables: Vec<String>,
    connection_name: Option<String>,
    write_manifest: Option<bool>,
    create_native_delta_table: Option<bool>,
}

/// Glue's `IcebergTarget` and `HudiTarget`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct GlueOpenTableTarget {
    paths: Vec<String>,
    connection_name: Option<String>,
    exclusions: Vec<String>,
    /// Glue's type is a signed integer: a negative depth is an invalid input, not a
    /// malformed body.
    maximum_traversal_depth: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct GlueTargets {
    s3_targets: Vec<GlueS3Target>,
    jdbc_targets: Vec<Value>,
    mongo_d_b_targets: Vec<Value>,
    dynamo_d_b_targets: Vec<Value>,
    catalog_targets: Vec<Value>,
    delta_targets: Vec<GlueDeltaTarget>,
    iceberg_targets: Vec<GlueOpenTableTarget>,
    hudi_targets: Vec<GlueOpenTableTarget>,
}

/// Iceberg or Hudi targets in lakecat's model; `field` names them in messages as the
/// service does (`targets.iceberg_targets`).
fn open_table_targets(
    field: &str,
    targets: Vec<GlueOpenTableTarget>,
) -> Result<Vec<OpenTableTarget>, GlueError> {
    targets
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let maximum_traversal_depth = t
                .maximum_traversal_depth
                .map(|depth| {
                    u32::try_from(depth).map_err(|_| {
                        GlueError::invalid(format!(
                            "{field}[{i}].maximum_traversal_depth: {}",
                            traversal_depth_refusal(depth)
                        ))
                    })
                })
                .transpose()?;
            Ok(OpenTableTarget {
                paths: t.paths,
                exclusions: t.exclusions,
                maximum_traversal_depth,
                connection_name: t.connection_name,
            })
        })
        .collect()
}

/// Iceberg or Hudi targets in Glue's shape.
fn open_table_shapes(targets: &[OpenTableTarget]) -> Vec<Value> {
    targets
        .iter()
        .map(|t| {
            let mut target = json!({"Paths": t.paths, "Exclusions": t.exclusions});
            if let Some(depth) = t.maximum_traversal_depth {
                target["MaximumTraversalDepth"] = depth.into();
            }
            if let Some(connection) = &t.connection_name {
                target["ConnectionName"] = connection.clone().into();
            }
            target
        })
        .collect()
}

/// Glue's `Targets` for a crawler's targets. Open table format targets appear only when
/// the crawler has some, as S3 targets always do.
fn targets_shape(targets: &CrawlerTargets) -> Value {
    let s3: Vec<Value> = targets
        .s3_targets
        .iter()
        .map(|t| {
            let mut target = json!({"Path": t.path, "Exclusions": t.exclusions});
            if let Some(size) = t.sample_size {
                target["SampleSize"] = size.into();
            }
            if let Some(queue) = &t.event_queue_arn {
                target["EventQueueArn"] = queue.as_str().into();
            }
            if let Some(queue) = &t.dlq_event_queue_arn {
                target["DlqEventQueueArn"] = queue.as_str().into();
            }
            target
        })
        .collect();
    let mut shape = json!({ "S3Targets": s3 });
    if !targets.delta_targets.is_empty() {
        let delta: Vec<Value> = targets
            .delta_targets
            .iter()
            .map(|t| {
                let mut target =
                    json!({"DeltaTables": t.delta_tables, "WriteManifest": t.write_manifest});
                if let Some(native) = t.create_native_delta_table {
                    target["CreateNativeDeltaTable"] = native.into();
                }
                if let Some(connection) = &t.connection_name {
                    target["ConnectionName"] = connection.clone().into();
                }
                target
            })
            .collect();
        shape["DeltaTargets"] = delta.into();
    }
    if !targets.iceberg_targets.is_empty() {
        shape["IcebergTargets"] = open_table_shapes(&targets.iceberg_targets).into();
    }
    if !targets.hudi_targets.is_empty() {
        shape["HudiTargets"] = open_table_shapes(&targets.hudi_targets).into();
    }
    shape
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct GlueSchemaChangePolicy {
    update_behavior: Option<String>,
    delete_behavior: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct GlueRecrawlPolicy {
    recrawl_behavior: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct CrawlerRequest {
    name: String,
    role: Option<String>,
    database_name: Option<String>,
    description: Option<String>,
    targets: Option<GlueTargets>,
    schedule: Option<String>,
    classifiers: Option<Vec<String>>,
    table_prefix: Option<String>,
    schema_change_policy: Option<GlueSchemaChangePolicy>,
    recrawl_policy: Option<GlueRecrawlPolicy>,
    configuration: Option<String>,
    /// `CreateCrawler`'s tags (`UpdateCrawler` has none).
    tags: lakecat_catalog::Tags,
}

fn enum_value<T>(field: &str, value: &str, choices: &[(&str, T)]) -> Result<T, GlueError>
where
    T: Copy,
{
    choices
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            GlueError::invalid(format!(
                "{field} must be one of {} (got {value})",
                names.join(", ")
            ))
        })
}

/// Keys of a Configuration object other than `allowed` are refused, as Glue refuses them.
fn only_keys(object: &Map<String, Value>, path: &str, allowed: &[&str]) -> Result<(), GlueError> {
    let unknown: Vec<&str> = object
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(GlueError::invalid(format!(
        "{path} contains unsupported keys: {}.",
        unknown.join(", ")
    )))
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, GlueError> {
    value
        .as_object()
        .ok_or_else(|| GlueError::invalid(format!("{path} must be a JSON object")))
}

/// Parses Glue's `Configuration` JSON string.
fn parse_configuration(text: &str) -> Result<CrawlerConfiguration, GlueError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| GlueError::invalid(format!("Configuration is not valid JSON: {e}")))?;
    let root = object(&value, "Configuration")?;
    only_keys(
        root,
        "Configuration",
        &[
            "Version",
            "Grouping",
            "CrawlerOutput",
            "CreatePartitionIndex",
        ],
    )?;
    let mut configuration = CrawlerConfiguration::default();
    if let Some(grouping) = root.get("Grouping") {
        let grouping = object(grouping, "Grouping")?;
        only_keys(
            grouping,
            "Grouping",
            &["TableGroupingPolicy", "TableLevelConfiguration"],
        )?;
        if let Some(policy) = grouping.get("TableGroupingPolicy") {
            match policy.as_str() {
                Some("CombineCompatibleSchemas") => {
                    configuration.table_grouping_policy =
                        Some(TableGroupingPolicy::CombineCompatibleSchemas);
                }
                _ => {
                    return Err(GlueError::invalid(
                        "Grouping.TableGroupingPolicy must be CombineCompatibleSchemas",
                    ));
                }
            }
        }
        if let Some(level) = grouping.get("TableLevelConfiguration") {
            configuration.table_level = Some(
                level
                    .as_u64()
                    .and_then(|l| u32::try_from(l).ok())
                    .ok_or_else(|| {
                        GlueError::invalid("Grouping.TableLevelConfiguration must be a number")
                    })?,
            );
        }
    }
    if let Some(output) = root.get("CrawlerOutput") {
        let output = object(output, "CrawlerOutput")?;
        only_keys(output, "CrawlerOutput", &["Partitions", "Tables"])?;
        if let Some(partitions) = output.get("Partitions") {
            let partitions = object(partitions, "CrawlerOutput.Partitions")?;
            only_keys(
                partitions,
                "CrawlerOutput.Partitions",
                &["AddOrUpdateBehavior"],
            )?;
            configuration.partitions_inherit_from_table = match partitions
                .get("AddOrUpdateBehavior")
                .and_then(Value::as_str)
            {
                Some("InheritFromTable") => true,
                None => false,
                Some(other) => {
                    return Err(GlueError::invalid(format!(
                        "CrawlerOutput.Partitions.AddOrUpdateBehavior must be InheritFromTable (got {other})"
                    )));
                }
            };
        }
        if let Some(tables) = output.get("Tables") {
            let tables = object(tables, "CrawlerOutput.Tables")?;
            only_keys(
                tables,
                "CrawlerOutput.Tables",
                &["AddOrUpdateBehavior", "TableThreshold"],
            )?;
            configuration.merge_new_columns_only = match tables
                .get("AddOrUpdateBehavior")
                .and_then(Value::as_str)
            {
                Some("MergeNewColumns") => true,
                None => false,
                Some(other) => {
                    return Err(GlueError::invalid(format!(
                        "CrawlerOutput.Tables.AddOrUpdateBehavior must be MergeNewColumns (got {other})"
                    )));
                }
            };
            if let Some(threshold) = tables.get("TableThreshold") {
                configuration.table_threshold = Some(
                    threshold
                        .as_u64()
                        .and_then(|t| u32::try_from(t).ok())
                        .ok_or_else(|| {
                            GlueError::invalid(
                                "CrawlerOutput.Tables.TableThreshold must be a number",
                            )
                        })?,
                );
            }
        }
    }
    Ok(configuration)
}

/// Glue's `Configuration` JSON string for a configuration, or `None` for the defaults.
fn configuration_json(configuration: &CrawlerConfiguration) -> Option<String> {
    let glue_part = CrawlerConfiguration {
        content_validation: Default::default(),
        column_statistics: Default::default(),
        refresh_user_statistics: false,
        ..*configuration
    };
    if glue_part == CrawlerConfiguration::default() {
        return None;
    }
    let mut root = json!({"Version": 1.0});
    if configuration.table_grouping_policy.is_some() || configuration.table_level.is_some() {
        let mut grouping = Map::new();
        if configuration.table_grouping_policy.is_some() {
            grouping.insert(
                "TableGroupingPolicy".into(),
                "CombineCompatibleSchemas".into(),
            );
        }
        if let Some(level) = configuration.table_level {
            grouping.insert("TableLevelConfiguration".into(), level.into());
        }
        root["Grouping"] = Value::Object(grouping);
    }
    let mut output = Map::new();
    if configuration.partitions_inherit_from_table {
        output.insert(
            "Partitions".into(),
            json!({"AddOrUpdateBehavior": "InheritFromTable"}),
        );
    }
    let mut tables = Map::new();
    if configuration.merge_new_columns_only {
        tables.insert("AddOrUpdateBehavior".into(), "MergeNewColumns".into());
    }
    if let Some(threshold) = configuration.table_threshold {
        tables.insert("TableThreshold".into(), threshold.into());
    }
    if !tables.is_empty() {
        output.insert("Tables".into(), Value::Object(tables));
    }
    if !output.is_empty() {
        root["CrawlerOutput"] = Value::Object(output);
    }
    Some(root.to_string())
}

/// The crawler definition a Create/UpdateCrawler request describes; an update starts from
/// the stored definition, so members left out keep their values.
fn crawler_input(
    req: CrawlerRequest,
    base: Option<CrawlerInput>,
) -> Result<CrawlerInput, GlueError> {
    if req.name.is_empty() {
        return Err(GlueError::invalid("Name is required"));
    }
    let creating = base.is_none();
    let mut input = base.unwrap_or_default();
    input.name = req.name;
    if let Some(role) = req.role {
        input.role = Some(role);
    } else if creating {
        return Err(GlueError::invalid("Role is required"));
    }
    if let Some(database) = req.database_name {
        input.database_name = database;
    }
    if input.database_name.is_empty() {
        // Glue puts tables of a crawler without a database into `default`.
        input.database_name = "default".into();
    }
    if req.description.is_some() {
        input.description = req.description;
    }
    if let Some(targets) = req.targets {
        let unsupported = [
            ("JdbcTargets", targets.jdbc_targets.len()),
            ("MongoDBTargets", targets.mongo_d_b_targets.len()),
            ("DynamoDBTargets", targets.dynamo_d_b_targets.len()),
            ("CatalogTargets", targets.catalog_targets.len()),
        ];
        if let Some((kind, _)) = unsupported.iter().find(|(_, n)| *n > 0) {
            return Err(GlueError::invalid(format!(
                "Targets.{kind} are not supported by lakecat; use S3Targets, DeltaTargets, \
                 IcebergTargets or HudiTargets"
            )));
        }
        // Members are mapped as given; the crawler service checks them (paths, depths,
        // manifests, connections) for every protocol alike.
        input.targets = CrawlerTargets {
            s3_targets: targets
                .s3_targets
                .into_iter()
                .map(|t| S3Target {
                    path: t.path,
                    exclusions: t.exclusions,
                    sample_size: t.sample_size,
                    event_queue_arn: t.event_queue_arn,
                    dlq_event_queue_arn: t.dlq_event_queue_arn,
                })
                .collect(),
            delta_targets: targets
                .delta_targets
                .into_iter()
                .map(|t| DeltaTarget {
                    delta_tables: t.delta_tables,
                    connection_name: t.connection_name,
                    write_manifest: t.write_manifest.unwrap_or(false),
                    create_native_delta_table: t.create_native_delta_table,
                })
                .collect(),
            iceberg_targets: open_table_targets(
                "targets.iceberg_targets",
                targets.iceberg_targets,
            )?,
            hudi_targets: open_table_targets("targets.hudi_targets", targets.hudi_targets)?,
        };
    }
    if req.schedule.is_some() {
        input.schedule = req.schedule.filter(|s| !s.is_empty());
    }
    if let Some(classifiers) = req.classifiers {
        input.classifiers = classifiers;
    }
    if req.table_prefix.is_some() {
        input.table_prefix = req.table_prefix;
    }
    if let Some(policy) = req.schema_change_policy {
        let mut current: SchemaChangePolicy = input.schema_change_policy;
        if let Some(update) = policy.update_behavior {
            current.update_behavior = enum_value(
                "SchemaChangePolicy.UpdateBehavior",
                &update,
                &[
                    ("UPDATE_IN_DATABASE", UpdateBehavior::UpdateInDatabase),
                    ("LOG", UpdateBehavior::Log),
                ],
            )?;
        }
        if let Some(delete) = policy.delete_behavior {
            current.delete_behavior = enum_value(
                "SchemaChangePolicy.DeleteBehavior",
                &delete,
                &[
                    ("DEPRECATE_IN_DATABASE", DeleteBehavior::DeprecateInDatabase),
                    ("DELETE_FROM_DATABASE", DeleteBehavior::DeleteFromDatabase),
                    ("LOG", DeleteBehavior::Log),
                ],
            )?;
        }
        input.schema_change_policy = current;
    }
    if let Some(recrawl) = req.recrawl_policy.and_then(|r| r.recrawl_behavior) {
        input.recrawl_policy = RecrawlPolicy {
            recrawl_behavior: enum_value(
                "RecrawlPolicy.RecrawlBehavior",
                &recrawl,
                &[
                    ("CRAWL_EVERYTHING", RecrawlBehavior::CrawlEverything),
                    (
                        "CRAWL_NEW_FOLDERS_ONLY",
                        RecrawlBehavior::CrawlNewFoldersOnly,
                    ),
                    ("CRAWL_EVENT_MODE", RecrawlBehavior::CrawlEventMode),
                ],
            )?,
        };
    }
    if let Some(configuration) = req.configuration.filter(|c| !c.is_empty()) {
        let kept = input.configuration;
        input.configuration = CrawlerConfiguration {
            // lakecat settings Glue's JSON cannot carry: a Glue client's update keeps them.
            content_validation: kept.content_validation,
            column_statistics: kept.column_statistics,
            refresh_user_statistics: kept.refresh_user_statistics,
            ..parse_configuration(&configuration)?
        };
    }
    Ok(input)
}

fn run_status(state: RunState) -> &'static str {
    match state {
        RunState::Completed => "SUCCEEDED",
        RunState::Failed => "FAILED",
        RunState::Stopped => "CANCELLED",
        RunState::Running => "RUNNING",
    }
}

/// A crawler in Glue's shape.
fn crawler_shape(crawler: &Crawler) -> Value {
    let d = &crawler.definition;
    let mut shape = json!({
        "Name": d.name,
        "Role": d.role,
        "DatabaseName": d.database_name,
        "Description": d.description,
        "Targets": targets_shape(&d.targets),
        "Classifiers": d.classifiers,
        "TablePrefix": d.table_prefix,
        "SchemaChangePolicy": {
            "UpdateBehavior": match d.schema_change_policy.update_behavior {
                UpdateBehavior::UpdateInDatabase => "UPDATE_IN_DATABASE",
                UpdateBehavior::Log => "LOG",
            },
            "DeleteBehavior": match d.schema_change_policy.delete_behavior {
                DeleteBehavior::DeprecateInDatabase => "DEPRECATE_IN_DATABASE",
                DeleteBehavior::DeleteFromDatabase => "DELETE_FROM_DATABASE",
                DeleteBehavior::Log => "LOG",
            },
        },
        "RecrawlPolicy": {"RecrawlBehavior": match d.recrawl_policy.recrawl_behavior {
            RecrawlBehavior::CrawlEverything => "CRAWL_EVERYTHING",
            RecrawlBehavior::CrawlNewFoldersOnly => "CRAWL_NEW_FOLDERS_ONLY",
            RecrawlBehavior::CrawlEventMode => "CRAWL_EVENT_MODE",
        }},
        "State": crawler.state.as_str(),
        "CreationTime": epoch(crawler.creation_time),
        "LastUpdated": epoch(crawler.last_updated),
        "Version": crawler.version,
    });
    if let Some(schedule) = &d.schedule {
        let state = if d.schedule_paused {
            "NOT_SCHEDULED"
        } else {
            "SCHEDULED"
        };
        shape["Schedule"] = json!({"ScheduleExpression": schedule, "State": state});
    }
    if let Some(configuration) = configuration_json(&d.configuration) {
        shape["Configuration"] = configuration.into();
    }
    if let Some(last) = &crawler.last_crawl {
        let mut last_crawl = json!({
            "Status": run_status(last.state),
            "StartTime": epoch(last.start_time),
            "LogGroup": "/lakecat/crawlers",
            "LogStream": d.name,
            "MessagePrefix": last.id,
        });
        if let Some(message) = &last.error_message {
            last_crawl["ErrorMessage"] = message.chars().take(2048).collect::<String>().into();
        }
        shape["LastCrawl"] = last_crawl;
        if crawler.state != CrawlerState::Ready {
            let elapsed = chrono::Utc::now() - last.start_time;
            shape["CrawlElapsedTime"] = elapsed.num_milliseconds().into();
        }
    }
    // Glue leaves absent members out rather than sending nulls.
    if let Some(object) = shape.as_object_mut() {
        object.retain(|_, v| !v.is_null());
    }
    shape
}

/// `CreateCrawler`, with its `Tags` (written in the same transaction as the crawler).
pub(super) async fn create_crawler(state: &AppState, mut req: CrawlerRequest) -> Reply {
    let tags = std::mem::take(&mut req.tags);
    let input = crawler_input(req, None)?;
    state.crawlers.create_crawler_with_tags(input, tags).await?;
    Ok(json!({}))
}

pub(super) async fn update_crawler(state: &AppState, req: CrawlerRequest) -> Reply {
    let current = state.crawlers.get_crawler(&req.name).await?;
    let input = crawler_input(req, Some(current.definition))?;
    state.crawlers.update_crawler(input, None).await?;
    Ok(json!({}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct NameRequest {
    name: String,
}

pub(super) async fn get_crawler(state: &AppState, req: NameRequest) -> Reply {
    let crawler = state.crawlers.get_crawler(&req.name).await?;
    Ok(json!({"Crawler": crawler_shape(&crawler)}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct PagedRequest {
    next_token: Option<String>,
    max_results: Option<usize>,
}

/// One page of crawlers.
async fn crawler_page(
    state: &AppState,
    req: PagedRequest,
) -> Result<lakecat_catalog::Listing<Crawler>, GlueError> {
    Ok(state
        .crawlers
        .list_crawlers(page(req.next_token, req.max_results))
        .await?)
}

pub(super) async fn get_crawlers(state: &AppState, req: PagedRequest) -> Reply {
    let listing = crawler_page(state, req).await?;
    let crawlers: Vec<Value> = listing.items.iter().map(crawler_shape).collect();
    Ok(json!({"Crawlers": crawlers, "NextToken": listing.next_page_token}))
}

pub(super) async fn list_crawlers(state: &AppState, req: PagedRequest) -> Reply {
    let listing = crawler_page(state, req).await?;
    let names: Vec<&str> = listing
        .items
        .iter()
        .map(|c| c.definition.name.as_str())
        .collect();
    Ok(json!({"CrawlerNames": names, "NextToken": listing.next_page_token}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct NamesRequest {
    crawler_names: Vec<String>,
    crawler_name_list: Vec<String>,
}

pub(super) async fn batch_get_crawlers(state: &AppState, req: NamesRequest) -> Reply {
    if req.crawler_names.len() > 100 {
        return Err(GlueError::invalid(
            "CrawlerNames must hold at most 100 names",
        ));
    }
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for name in &req.crawler_names {
        match state.crawlers.get_crawler(name).await {
            Ok(crawler) => found.push(crawler_shape(&crawler)),
            Err(lakecat_crawler::CrawlError::Catalog(lakecat_catalog::Error::NotFound {
                ..
            })) => missing.push(name.clone()),
            Err(error) => return Err(error.into()),
        }
    }
    Ok(json!({"Crawlers": found, "CrawlersNotFound": missing}))
}

pub(super) async fn delete_crawler(state: &AppState, req: NameRequest) -> Reply {
    state.crawlers.delete_crawler(&req.name).await?;
    Ok(json!({}))
}

pub(super) async fn start_crawler(state: &AppState, req: NameRequest) -> Reply {
    state.crawlers.start_crawl(&req.name).await?;
    Ok(json!({}))
}

pub(super) async fn stop_crawler(state: &AppState, req: NameRequest) -> Reply {
    state.crawlers.stop_crawl(&req.name).await?;
    Ok(json!({}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct ScheduleRequest {
    crawler_name: String,
    schedule: Option<String>,
}

pub(super) async fn update_crawler_schedule(state: &AppState, req: ScheduleRequest) -> Reply {
    let schedule = req.schedule.filter(|s| !s.is_empty());
    state
        .crawlers
        .crawlers()
        .update_schedule(&req.crawler_name, schedule)
        .await?;
    Ok(json!({}))
}

pub(super) async fn start_crawler_schedule(state: &AppState, req: ScheduleRequest) -> Reply {
    let crawlers = state.crawlers.crawlers();
    crawlers.start_schedule(&req.crawler_name).await?;
    Ok(json!({}))
}

pub(super) async fn stop_crawler_schedule(state: &AppState, req: ScheduleRequest) -> Reply {
    let crawlers = state.crawlers.crawlers();
    crawlers.stop_schedule(&req.crawler_name).await?;
    Ok(json!({}))
}

pub(super) async fn get_crawler_metrics(state: &AppState, req: NamesRequest) -> Reply {
    let metrics = state
        .crawlers
        .crawlers()
        .metrics_of(req.crawler_name_list)
        .await?;
    let metrics: Vec<Value> = metrics
        .into_iter()
        .map(|m| {
            json!({
                "CrawlerName": m.crawler_name,
                // lakecat does not estimate the time left of a running crawl.
                "TimeLeftSeconds": 0.0,
                "StillEstimating": m.still_estimating,
                "LastRuntimeSeconds": m.last_runtime_seconds,
                "MedianRuntimeSeconds": m.median_runtime_seconds,
                "TablesCreated": m.tables_created,
                "TablesUpdated": m.tables_updated,
                "TablesDeleted": m.tables_deleted,
            })
        })
        .collect();
    Ok(json!({"CrawlerMetricsList": metrics}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct ListCrawlsRequest {
    crawler_name: String,
    max_results: Option<usize>,
    next_token: Option<String>,
}

pub(super) async fn list_crawls(state: &AppState, req: ListCrawlsRequest) -> Reply {
    let listing = state
        .crawlers
        .list_runs(&req.crawler_name, page(req.next_token, req.max_results))
        .await?;
    let crawls: Vec<Value> = listing
        .items
        .iter()
        .map(|run| {
            let c = run.counts;
            let summary = json!({
                "TABLE": {"ADD": c.tables_created, "UPDATE": c.tables_updated,
                          "DELETE": c.tables_deleted, "DEPRECATE": c.tables_deprecated},
                "PARTITION": {"ADD": c.partitions_added, "UPDATE": c.partitions_updated,
                              "DELETE": c.partitions_deleted},
            });
            let mut crawl = json!({
                "CrawlId": run.id,
                "State": run.state.as_str(),
                "StartTime": epoch(run.start_time),
                "Summary": summary.to_string(),
                "LogGroup": "/lakecat/crawlers",
                "LogStream": req.crawler_name,
                "MessagePrefix": run.id,
                "DPUHour": 0.0,
            });
            if let Some(end) = run.end_time {
                crawl["EndTime"] = epoch(end).into();
            }
            if let Some(message) = &run.error_message {
                crawl["ErrorMessage"] = message.clone().into();
            }
            crawl
        })
        .collect();
    Ok(json!({"Crawls": crawls, "NextToken": listing.next_page_token}))
}

/// Glue's typed classifier members, each mapped to a lakecat definition.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct ClassifierRequest {
    grok_classifier: Option<Map<String, Value>>,
    #[serde(rename = "XMLClassifier")]
    xml_classifier: Option<Map<String, Value>>,
    json_classifier: Option<Map<String, Value>>,
    csv_classifier: Option<Map<String, Value>>,
}

/// Renames Glue's members (`GrokPattern`) to lakecat's (`grok_pattern`).
fn snake_members(
    glue: &Map<String, Value>,
    kind: &str,
    renames: &[(&str, &str)],
) -> (String, Value) {
    let name = glue
        .get("Name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut definition = Map::new();
    definition.insert("kind".into(), kind.into());
    for (glue_name, ours) in renames {
        if let Some(value) = glue.get(*glue_name) {
            definition.insert((*ours).into(), value.clone());
        }
    }
    (name, Value::Object(definition))
}

fn classifier_input(req: ClassifierRequest) -> Result<ClassifierInput, GlueError> {
    let (name, definition) = match (
        req.grok_classifier,
        req.xml_classifier,
        req.json_classifier,
        req.csv_classifier,
    ) {
        (Some(grok), None, None, None) => snake_members(
            &grok,
            "grok",
            &[
                ("Classification", "classification"),
                ("GrokPattern", "grok_pattern"),
                ("CustomPatterns", "custom_patterns"),
            ],
        ),
        (None, Some(xml), None, None) => snake_members(&xml, "xml", &[("RowTag", "row_tag")]),
        (None, None, Some(json_classifier), None) => {
            snake_members(&json_classifier, "json", &[("JsonPath", "json_path")])
        }
        (None, None, None, Some(csv)) => snake_members(
            &csv,
            "csv",
            &[
                ("Delimiter", "delimiter"),
                ("QuoteSymbol", "quote_symbol"),
                ("ContainsHeader", "contains_header"),
                ("Header", "header"),
                ("DisableValueTrimming", "disable_value_trimming"),
                ("AllowSingleColumn", "allow_single_column"),
                ("CustomDatatypes", "custom_datatypes"),
            ],
        ),
        _ => {
            return Err(GlueError::invalid(
                "exactly one of GrokClassifier, XMLClassifier, JsonClassifier and CsvClassifier \
                 is required",
            ));
        }
    };
    if name.is_empty() {
        return Err(GlueError::invalid("the classifier's Name is required"));
    }
    Ok(ClassifierInput { name, definition })
}

/// A classifier in Glue's shape.
fn classifier_shape(record: &ClassifierRecord) -> Value {
    let d = &record.definition;
    let kind = d.get("kind").and_then(Value::as_str).unwrap_or_default();
    let (member, renames): (&str, &[(&str, &str)]) = match kind {
        "grok" => (
            "GrokClassifier",
            &[
                ("classification", "Classification"),
                ("grok_pattern", "GrokPattern"),
                ("custom_patterns", "CustomPatterns"),
            ],
        ),
        "xml" => ("XMLClassifier", &[("row_tag", "RowTag")]),
        "json" => ("JsonClassifier", &[("json_path", "JsonPath")]),
        _ => (
            "CsvClassifier",
            &[
                ("delimiter", "Delimiter"),
                ("quote_symbol", "QuoteSymbol"),
                ("contains_header", "ContainsHeader"),
                ("header", "Header"),
                ("disable_value_trimming", "DisableValueTrimming"),
                ("allow_single_column", "AllowSingleColumn"),
                ("custom_datatypes", "CustomDatatypes"),
            ],
        ),
    };
    let mut shape = Map::new();
    shape.insert("Name".into(), record.name.clone().into());
    shape.insert("CreationTime".into(), epoch(record.creation_time).into());
    shape.insert("LastUpdated".into(), epoch(record.last_updated).into());
    shape.insert("Version".into(), record.version.into());
    if kind == "xml" || kind == "json" {
        // Glue's XML classifiers carry a classification; lakecat's are named by kind.
        shape.insert("Classification".into(), kind.into());
    }
    for (ours, glue_name) in renames {
        if let Some(value) = d.get(*ours).filter(|v| !v.is_null()) {
            shape.insert((*glue_name).into(), value.clone());
        }
    }
    json!({ member: shape })
}

pub(super) async fn create_classifier(state: &AppState, req: ClassifierRequest) -> Reply {
    let input = classifier_input(req)?;
    state.crawlers.create_classifier(input).await?;
    Ok(json!({}))
}

pub(super) async fn update_classifier(state: &AppState, req: ClassifierRequest) -> Reply {
    let input = classifier_input(req)?;
    state.crawlers.update_classifier(input).await?;
    Ok(json!({}))
}

pub(super) async fn get_classifier(state: &AppState, req: NameRequest) -> Reply {
    let record = state.crawlers.get_classifier(&req.name).await?;
    Ok(json!({"Classifier": classifier_shape(&record)}))
}

pub(super) async fn get_classifiers(state: &AppState, req: PagedRequest) -> Reply {
    let listing = state
        .crawlers
        .list_classifiers(page(req.next_token, req.max_results))
        .await?;
    let classifiers: Vec<Value> = listing.items.iter().map(classifier_shape).collect();
    Ok(json!({"Classifiers": classifiers, "NextToken": listing.next_page_token}))
}

pub(super) async fn delete_classifier(state: &AppState, req: NameRequest) -> Reply {
    state.crawlers.delete_classifier(&req.name).await?;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_round_trips_and_refuses_unknown_keys() {
        let text = r#"{"Version":1.0,"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas","TableLevelConfiguration":3},"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"},"Tables":{"AddOrUpdateBehavior":"MergeNewColumns","TableThreshold":5}}}"#;
        let parsed = parse_configuration(text).unwrap_or_default();
        assert_eq!(parsed.table_level, Some(3));
        assert!(parsed.partitions_inherit_from_table && parsed.merge_new_columns_only);
        assert_eq!(parsed.table_threshold, Some(5));
        let again = configuration_json(&parsed).unwrap_or_default();
        assert_eq!(parse_configuration(&again).unwrap_or_default(), parsed);
        let error =
            parse_configuration(r#"{"CrawlerOutput":{"Partitions":{"UpdateBehavior":"LOG"}}}"#)
                .err()
                .map(|e| format!("{e:?}"))
                .unwrap_or_default();
        assert!(
            error.contains("CrawlerOutput.Partitions contains unsupported keys: UpdateBehavior."),
            "{error}"
        );
        assert!(configuration_json(&CrawlerConfiguration::default()).is_none());
    }

    #[test]
    fn content_validation_survives_glue_updates_and_stays_out_of_glue_json() {
        let base = CrawlerInput {
            name: "c".into(),
            configuration: CrawlerConfiguration {
                content_validation: lakecat_catalog::crawlers::ContentValidation::Off,
                ..CrawlerConfiguration::default()
            },
            ..CrawlerInput::default()
        };
        assert!(configuration_json(&base.configuration).is_none());
        let request = CrawlerRequest {
            name: "c".into(),
            configuration: Some(
                r#"{"Version":1.0,"CrawlerOutput":{"Tables":{"TableThreshold":9}}}"#.into(),
            ),
            ..CrawlerRequest::default()
        };
        let updated = crawler_input(request, Some(base)).map_err(|e| format!("{e:?}"));
        let updated = updated.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(updated.configuration.table_threshold, Some(9));
        assert_eq!(
            updated.configuration.content_validation,
            lakecat_catalog::crawlers::ContentValidation::Off
        );
    }
}
