//! The plan: what the crawl changes in the catalog, table by table, worked out completely
//! before anything is written. Each table's change is applied in one transaction.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::DateTime;

use lakecat_catalog::crawlers::{
    ChangeKind, CrawlerInput, DeleteBehavior, TableChangeRecord, UpdateBehavior,
};
use lakecat_catalog::{
    Column, Partition, PartitionInput, Table, TableAction, TableChange, TableInput,
    UpdateTableOptions,
};

use crate::group::TableDraft;
use crate::output::{
    self, CRAWLER_FINGERPRINT, DEPRECATED_BY_CRAWLER, OutputContext, UPDATED_BY_CRAWLER,
};
use crate::snapshot::{CatalogSnapshot, location_of};

/// One table's planned change.
#[derive(Debug, Clone)]
pub struct PlannedChange {
    /// What the run record says about it.
    pub record: TableChangeRecord,
    /// What to write; `None` when nothing is written (unchanged, or LOG).
    pub change: Option<TableChange>,
}

/// The whole plan.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Changes, in the order they are applied.
    pub changes: Vec<PlannedChange>,
}

/// A table found by the crawl, with how to write it.
#[derive(Debug, Clone)]
pub struct FoundTable<'a> {
    /// The table.
    pub draft: TableDraft,
    /// How to write it.
    pub context: OutputContext<'a>,
}

/// Who wrote an existing table.
enum Ownership {
    /// This crawler, and nobody changed what it decided since.
    Ours,
    /// Another crawler or a person.
    Someone(String),
}

fn ownership(table: &Table, crawler: &str) -> Ownership {
    let writer = table.parameters.get(UPDATED_BY_CRAWLER);
    if writer.map(String::as_str) != Some(crawler) {
        return Ownership::Someone(match writer {
            Some(other) => format!("it was written by crawler {other}"),
            None => "it was not written by a crawler".into(),
        });
    }
    let recorded = table.parameters.get(CRAWLER_FINGERPRINT);
    if recorded != Some(&output::fingerprint(&table.to_input())) {
        return Ownership::Someone("it was edited since this crawler wrote it".into());
    }
    Ownership::Ours
}

fn describe_columns(columns: &[Column]) -> BTreeMap<String, String> {
    columns
        .iter()
        .map(|c| (c.name.clone(), c.type_name.clone().unwrap_or_default()))
        .collect()
}

/// What differs between the stored and the crawled table, in words.
fn differences(old: &TableInput, new: &TableInput) -> Vec<String> {
    let mut details = Vec::new();
    let sd_columns = |t: &TableInput| {
        t.storage_descriptor
            .as_ref()
            .map(|sd| sd.columns.clone())
            .unwrap_or_default()
    };
    let before = describe_columns(&sd_columns(old));
    let after = describe_columns(&sd_columns(new));
    let added: Vec<String> = after
        .iter()
        .filter(|(name, _)| !before.contains_key(*name))
        .map(|(name, ty)| format!("{name} ({ty})"))
        .collect();
    let removed: Vec<&String> = before.keys().filter(|n| !after.contains_key(*n)).collect();
    let retyped: Vec<String> = after
        .iter()
        .filter_map(|(name, ty)| {
            before
                .get(name)
                .filter(|old| *old != ty)
                .map(|old| format!("{name} {old} -> {ty}"))
        })
        .collect();
    if !added.is_empty() {
        details.push(format!("columns added: {}", added.join(", ")));
    }
    if !removed.is_empty() {
        let names: Vec<&str> = removed.iter().map(|s| s.as_str()).collect();
        details.push(format!("columns removed: {}", names.join(", ")));
    }
    if !retyped.is_empty() {
        details.push(format!("columns retyped: {}", retyped.join(", ")));
    }
    if old.partition_keys != new.partition_keys {
        let names = |t: &TableInput| {
            t.partition_keys
                .iter()
                .map(|k| k.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        details.push(format!(
            "partition keys ({}) -> ({})",
            names(old),
            names(new)
        ));
    }
    for key in [
        "classification",
        "compressionType",
        "delimiter",
        // An open-format table that moved on: its new version.
        METADATA_LOCATION,
        "delta.lastUpdateVersion",
        "last_commit_time_sync",
    ] {
        let (a, b) = (old.parameters.get(key), new.parameters.get(key));
        if a != b {
            details.push(format!(
                "{key} {} -> {}",
                a.map(String::as_str).unwrap_or("(none)"),
                b.map(String::as_str).unwrap_or("(none)")
            ));
        }
    }
    let location = |t: &TableInput| {
        t.storage_descriptor
            .as_ref()
            .and_then(|sd| sd.location.clone())
    };
    if location(old) != location(new) {
        details.push(format!(
            "location {} -> {}",
            location(old).unwrap_or_default(),
            location(new).unwrap_or_default()
        ));
    }
    details
}

/// The crawled definition merged into the stored one: the crawler's parts replaced, a
/// person's parts (description, owner, their own parameters) kept.
fn merged_input(
    existing: &Table,
    crawled: &TableInput,
    merge_new_columns_only: bool,
) -> TableInput {
    let mut input = crawled.clone();
    input.description = existing.description.clone();
    input.owner = existing.owner.clone();
    input.retention = existing.retention;
    for (key, value) in &existing.parameters {
        if !output::is_crawler_parameter(key) {
            input.parameters.insert(key.clone(), value.clone());
        }
    }
    follow_metadata_pointer(existing, &mut input);
    if merge_new_columns_only
        && let (Some(old), Some(new)) = (
            existing.storage_descriptor.as_ref(),
            input.storage_descriptor.as_mut(),
        )
    {
        let mut columns = old.columns.clone();
        for column in &new.columns {
            if !columns
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(&column.name))
            {
                columns.push(column.clone());
            }
        }
        new.columns = columns;
    }
    output::set_fingerprint(&mut input);
    input
}

/// The parameter pointing at an Iceberg table's current metadata file.
const METADATA_LOCATION: &str = "metadata_location";
/// The parameter pointing at the metadata file before it (Iceberg's catalogs write it).
const PREVIOUS_METADATA_LOCATION: &str = "previous_metadata_location";

/// Keeps the Iceberg pointer's history as Iceberg's catalogs do: when the crawl moves
/// `metadata_location` on, `previous_metadata_location` names the file it pointed at;
/// otherwise the stored one stays.
fn follow_metadata_pointer(existing: &Table, input: &mut TableInput) {
    let (Some(stored), Some(found)) = (
        existing.parameters.get(METADATA_LOCATION),
        input.parameters.get(METADATA_LOCATION),
    ) else {
        return;
    };
    if found != stored {
        input
            .parameters
            .insert(PREVIOUS_METADATA_LOCATION.into(), stored.clone());
    } else if let Some(previous) = existing.parameters.get(PREVIOUS_METADATA_LOCATION) {
        input
            .parameters
            .insert(PREVIOUS_METADATA_LOCATION.into(), previous.clone());
    }
}

/// Whether a stored partition already says what the crawl found.
fn same_partition(stored: &Partition, crawled: &PartitionInput) -> bool {
    stored.storage_descriptor == crawled.storage_descriptor
        && stored.parameters == crawled.parameters
}

fn record(table: &str, kind: ChangeKind, details: Vec<String>) -> TableChangeRecord {
    TableChangeRecord {
        table: table.to_string(),
        kind,
        details,
        partitions_added: 0,
        partitions_updated: 0,
        partitions_deleted: 0,
        applied: false,
    }
}

/// What a crawl listed, which bounds what it may judge gone.
#[derive(Debug, Clone, Copy)]
pub enum Listed<'a> {
    /// The URLs of targets whose listing finished: tables of this crawler under them, and
    /// their partitions, can be judged gone.
    Targets(&'a [String]),
    /// The URLs (ending with `/`) of the only folders listed, by an event-driven crawl:
    /// only partitions and unpartitioned tables at those folders can be judged gone.
    Folders(&'a HashSet<String>),
}

/// Works out the plan for the tables found, against the snapshot of the catalog.
///
/// `listed_completely` are the URLs of targets whose listing finished: only tables of this
/// crawler under them can be judged gone. `now_millis` stamps deprecations.
pub fn plan(
    snapshot: &CatalogSnapshot,
    crawler: &CrawlerInput,
    found: Vec<FoundTable<'_>>,
    listed_completely: &[String],
    now_millis: i64,
) -> Plan {
    plan_listed(
        snapshot,
        crawler,
        found,
        Listed::Targets(listed_completely),
        now_millis,
    )
}

/// Like [`plan`], for a crawl that listed what `listed` says.
pub fn plan_listed(
    snapshot: &CatalogSnapshot,
    crawler: &CrawlerInput,
    found: Vec<FoundTable<'_>>,
    listed: Listed<'_>,
    now_millis: i64,
) -> Plan {
    let mut changes = Vec::new();
    let mut claimed: HashSet<String> = HashSet::new();
    for FoundTable { draft, context } in found {
        claimed.insert(draft.name.clone());
        let crawled = output::table_input(&draft, &context);
        let partitions: Vec<PartitionInput> = draft
            .partitions
            .iter()
            .map(|p| output::partition_input(&draft, p, &context))
            .collect();
        let stored = snapshot.tables.get(&draft.name);
        let mut planned = match stored {
            None => new_table(&draft.name, crawled, partitions),
            Some(existing) => existing_table(
                existing,
                snapshot.partitions(&existing.name),
                &crawled,
                partitions,
                crawler,
                listed,
                now_millis,
            ),
        };
        if let Some(change) = planned.change.as_mut() {
            let stored_columns = stored
                .and_then(|t| t.storage_descriptor.as_ref())
                .map(|sd| sd.columns.as_slice());
            let analyzed_time = DateTime::from_timestamp_millis(now_millis).unwrap_or_default();
            change.statistics = crate::statistics::crawled_statistics(
                &draft,
                change,
                stored_columns,
                crawler,
                analyzed_time,
            );
        }
        if planned.change.is_none()
            && let Some(existing) = stored
            && matches!(ownership(existing, &crawler.name), Ownership::Ours)
            && !snapshot.tables_with_statistics.contains(&existing.name)
        {
            // A table the crawler wrote before it computed statistics: they are written
            // once, with its partitions', though the table is unchanged.
            planned.change = crate::statistics::backfill(
                &draft,
                existing,
                snapshot.partitions(&existing.name),
                crawler,
                DateTime::from_timestamp_millis(now_millis).unwrap_or_default(),
            );
        }
        changes.push(planned);
    }
    for (name, table) in &snapshot.tables {
        if claimed.contains(name) {
            continue;
        }
        let gone = match listed {
            Listed::Targets(targets) => gone_table(table, crawler, targets, now_millis),
            Listed::Folders(folders) => gone_in_folders(
                table,
                snapshot.partitions(name),
                crawler,
                folders,
                now_millis,
            ),
        };
        changes.extend(gone);
    }
    Plan { changes }
}

/// A table the catalog does not have: created with all its partitions.
fn new_table(name: &str, crawled: TableInput, partitions: Vec<PartitionInput>) -> PlannedChange {
    let mut rec = record(name, ChangeKind::Create, Vec::new());
    rec.partitions_added = partitions.len() as u64;
    PlannedChange {
        record: rec,
        change: Some(TableChange {
            action: TableAction::Create(crawled),
            put_partitions: partitions,
            delete_partitions: Vec::new(),
            statistics: None,
        }),
    }
}

/// An update of `existing` to `input`, unless its version changed since it was read.
fn update(existing: &Table, input: TableInput) -> TableAction {
    TableAction::Update {
        input,
        options: UpdateTableOptions {
            expected_version_id: Some(existing.version_id.clone()),
            skip_archive: false,
        },
    }
}

/// A table the catalog has and the crawl found again: its definition (by ownership and
/// the schema change policy) and its partitions (added, changed, gone).
fn existing_table(
    existing: &Table,
    stored_partitions: &[Partition],
    crawled: &TableInput,
    partitions: Vec<PartitionInput>,
    crawler: &CrawlerInput,
    listed: Listed<'_>,
    now_millis: i64,
) -> PlannedChange {
    let ours = ownership(existing, &crawler.name);
    let update_table = matches!(ours, Ownership::Ours)
        && crawler.schema_change_policy.update_behavior == UpdateBehavior::UpdateInDatabase;
    let merge_new_columns_only = crawler.configuration.merge_new_columns_only;
    let desired = merged_input(existing, crawled, merge_new_columns_only);
    let details = differences(&existing.to_input(), &desired);
    let format_changed = details.iter().any(|d| {
        d.starts_with("classification")
            || d.starts_with("compressionType")
            || d.starts_with("delimiter")
    });
    if merge_new_columns_only && format_changed && update_table {
        return deprecated_for_format_change(existing, details, now_millis);
    }
    let (action, mut rec) = table_action(existing, desired, details, &ours, update_table);
    let keys_changed = existing.partition_keys != crawled.partition_keys;
    if keys_changed && matches!(listed, Listed::Folders(_)) {
        // A crawl of some folders saw part of the table only: other keys from it would
        // replace every partition. The table stays as it is until a full crawl.
        rec.kind = ChangeKind::Kept;
        rec.details.insert(
            0,
            "left as it is: the partition keys differ in a crawl of named folders; the next \
             full crawl decides"
                .into(),
        );
        return PlannedChange {
            record: rec,
            change: None,
        };
    }
    if keys_changed && !matches!(action, TableAction::Update { .. }) {
        // Partitions with other keys cannot be added to this table.
        return PlannedChange {
            record: rec,
            change: None,
        };
    }
    let rules = PartitionRules {
        keys_changed,
        update_existing: update_table,
        judge_gone: matches!(ours, Ownership::Ours),
        listed_folders: match listed {
            Listed::Targets(_) => None,
            Listed::Folders(folders) => Some(folders),
        },
        delete_behavior: crawler.schema_change_policy.delete_behavior,
        now_millis,
    };
    let (put, delete) = partition_changes(stored_partitions, partitions, &rules, &mut rec);
    if rec.kind == ChangeKind::Unchanged
        && (rec.partitions_added + rec.partitions_updated + rec.partitions_deleted) > 0
    {
        rec.kind = ChangeKind::Update;
    }
    let change =
        if matches!(action, TableAction::Keep { .. }) && put.is_empty() && delete.is_empty() {
            None
        } else {
            Some(TableChange {
                action,
                put_partitions: put,
                delete_partitions: delete,
                statistics: None,
            })
        };
    PlannedChange {
        record: rec,
        change,
    }
}

/// Glue's rule under `MergeNewColumns`: new columns cannot be merged into a table read by
/// another format; the table is deprecated and its partitions are left alone.
fn deprecated_for_format_change(
    existing: &Table,
    mut details: Vec<String>,
    now_millis: i64,
) -> PlannedChange {
    let mut input = existing.to_input();
    input
        .parameters
        .insert(DEPRECATED_BY_CRAWLER.into(), now_millis.to_string());
    details.insert(
        0,
        "cannot merge new columns: the format changed; table deprecated".into(),
    );
    output::set_fingerprint(&mut input);
    PlannedChange {
        record: record(&existing.name, ChangeKind::Deprecate, details),
        change: Some(TableChange {
            action: update(existing, input),
            put_partitions: Vec::new(),
            delete_partitions: Vec::new(),
            statistics: None,
        }),
    }
}

/// What happens to a stored table's definition, and the record that says so: updated when
/// it is this crawler's and the policy writes updates, otherwise kept (and the difference
/// logged, with why).
fn table_action(
    existing: &Table,
    desired: TableInput,
    mut details: Vec<String>,
    ours: &Ownership,
    update_table: bool,
) -> (TableAction, TableChangeRecord) {
    let mut rec = record(&existing.name, ChangeKind::Unchanged, Vec::new());
    let table_differs = desired != existing.to_input();
    if update_table && table_differs {
        rec.kind = ChangeKind::Update;
        rec.details = details;
        return (update(existing, desired), rec);
    }
    if table_differs {
        match ours {
            Ownership::Ours => {
                rec.kind = ChangeKind::Logged;
                details.insert(0, "not written: the update behaviour is LOG".into());
            }
            Ownership::Someone(why) => {
                rec.kind = ChangeKind::Kept;
                details.insert(0, format!("left as it is: {why}"));
            }
        }
        rec.details = details;
    }
    let keep = TableAction::Keep {
        name: existing.name.clone(),
    };
    (keep, rec)
}

/// How a table's partitions are planned.
struct PartitionRules<'a> {
    /// The partition keys changed: every stored partition goes, every crawled one is new.
    keys_changed: bool,
    /// Stored partitions that differ from the crawled ones are rewritten.
    update_existing: bool,
    /// Stored partitions the crawl did not find are gone (only this crawler's tables).
    judge_gone: bool,
    /// When only some folders were listed: their URLs; a partition elsewhere is never gone.
    listed_folders: Option<&'a HashSet<String>>,
    /// What happens to gone partitions.
    delete_behavior: DeleteBehavior,
    now_millis: i64,
}

/// The partitions to put and the values of those to delete, counted into `rec`.
fn partition_changes(
    stored: &[Partition],
    crawled: Vec<PartitionInput>,
    rules: &PartitionRules<'_>,
    rec: &mut TableChangeRecord,
) -> (Vec<PartitionInput>, Vec<Vec<String>>) {
    let stored_by_values: HashMap<&Vec<String>, &Partition> =
        stored.iter().map(|p| (&p.values, p)).collect();
    let crawled_values: HashSet<Vec<String>> = crawled.iter().map(|p| p.values.clone()).collect();
    let mut put = Vec::new();
    let mut delete = Vec::new();
    for partition in crawled {
        match stored_by_values.get(&partition.values) {
            None => {
                rec.partitions_added += 1;
                put.push(partition);
            }
            Some(_) if rules.keys_changed => {
                rec.partitions_added += 1;
                put.push(partition);
            }
            Some(current) if !same_partition(current, &partition) => {
                if rules.update_existing {
                    rec.partitions_updated += 1;
                    put.push(partition);
                }
            }
            Some(_) => {}
        }
    }
    for current in stored {
        // Only partitions at listed folders may go, whatever else changed.
        if let Some(folders) = rules.listed_folders
            && !partition_location(current).is_some_and(|loc| folders.contains(loc))
        {
            continue;
        }
        if rules.keys_changed {
            delete.push(current.values.clone());
            rec.partitions_deleted += 1;
            continue;
        }
        if crawled_values.contains(&current.values) || !rules.judge_gone {
            continue;
        }
        match rules.delete_behavior {
            DeleteBehavior::DeleteFromDatabase => {
                rec.partitions_deleted += 1;
                delete.push(current.values.clone());
            }
            DeleteBehavior::DeprecateInDatabase
                if !current.parameters.contains_key(DEPRECATED_BY_CRAWLER) =>
            {
                let mut input = PartitionInput {
                    values: current.values.clone(),
                    storage_descriptor: current.storage_descriptor.clone(),
                    parameters: current.parameters.clone(),
                    last_access_time: current.last_access_time,
                };
                input
                    .parameters
                    .insert(DEPRECATED_BY_CRAWLER.into(), rules.now_millis.to_string());
                rec.partitions_updated += 1;
                put.push(input);
            }
            DeleteBehavior::DeprecateInDatabase | DeleteBehavior::Log => {}
        }
    }
    (put, delete)
}

fn partition_location(partition: &Partition) -> Option<&str> {
    partition
        .storage_descriptor
        .as_ref()
        .and_then(|sd| sd.location.as_deref())
}

/// A table of this crawler that a crawl of some folders found nothing of: its partitions at
/// listed folders are gone (or, unpartitioned, the table itself when its folder was listed),
/// by the delete behaviour. `None` when nothing of it was listed.
fn gone_in_folders(
    table: &Table,
    stored_partitions: &[Partition],
    crawler: &CrawlerInput,
    folders: &HashSet<String>,
    now_millis: i64,
) -> Option<PlannedChange> {
    if table.partition_keys.is_empty() {
        let location = location_of(table)?;
        return folders
            .contains(location)
            .then(|| gone_table(table, crawler, &[location.to_string()], now_millis))
            .flatten();
    }
    if !matches!(ownership(table, &crawler.name), Ownership::Ours)
        || table.parameters.contains_key(DEPRECATED_BY_CRAWLER)
    {
        return None;
    }
    let rules = PartitionRules {
        keys_changed: false,
        update_existing: false,
        judge_gone: true,
        listed_folders: Some(folders),
        delete_behavior: crawler.schema_change_policy.delete_behavior,
        now_millis,
    };
    let mut rec = record(&table.name, ChangeKind::Update, Vec::new());
    let (put, delete) = partition_changes(stored_partitions, Vec::new(), &rules, &mut rec);
    if rec.partitions_deleted + rec.partitions_updated == 0 {
        return None;
    }
    rec.details
        .push("partitions whose folders hold no data any more".into());
    Some(PlannedChange {
        record: rec,
        change: (!put.is_empty() || !delete.is_empty()).then(|| TableChange {
            action: TableAction::Keep {
                name: table.name.clone(),
            },
            put_partitions: put,
            delete_partitions: delete,
            statistics: None,
        }),
    })
}

/// A table of this crawler under a fully listed target that the crawl did not find: what
/// the delete behaviour does with it. `None` for any other table.
fn gone_table(
    table: &Table,
    crawler: &CrawlerInput,
    listed_completely: &[String],
    now_millis: i64,
) -> Option<PlannedChange> {
    if !matches!(ownership(table, &crawler.name), Ownership::Ours) {
        return None;
    }
    let under_target = location_of(table).is_some_and(|loc| {
        listed_completely
            .iter()
            .any(|t| loc.starts_with(t.as_str()))
    });
    if !under_target || table.parameters.contains_key(DEPRECATED_BY_CRAWLER) {
        return None;
    }
    let name = &table.name;
    let gone = vec![format!(
        "no data found at {}",
        location_of(table).unwrap_or_default()
    )];
    Some(match crawler.schema_change_policy.delete_behavior {
        DeleteBehavior::Log => PlannedChange {
            record: record(name, ChangeKind::Logged, gone),
            change: None,
        },
        DeleteBehavior::DeleteFromDatabase => PlannedChange {
            record: record(name, ChangeKind::Delete, gone),
            change: Some(TableChange {
                action: TableAction::Delete { name: name.clone() },
                put_partitions: Vec::new(),
                delete_partitions: Vec::new(),
                statistics: None,
            }),
        },
        DeleteBehavior::DeprecateInDatabase => {
            let mut input = table.to_input();
            input
                .parameters
                .insert(DEPRECATED_BY_CRAWLER.into(), now_millis.to_string());
            if let Some(sd) = input.storage_descriptor.as_mut() {
                sd.parameters
                    .insert(DEPRECATED_BY_CRAWLER.into(), now_millis.to_string());
            }
            output::set_fingerprint(&mut input);
            PlannedChange {
                record: record(name, ChangeKind::Deprecate, gone),
                change: Some(TableChange {
                    action: update(table, input),
                    put_partitions: Vec::new(),
                    delete_partitions: Vec::new(),
                    statistics: None,
                }),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::PartitionDraft;
    use crate::scan::{Format, ObjectStats};
    use lakecat_catalog::crawlers::SchemaChangePolicy;
    use lakecat_classifiers::{Field, FormatProperties, HiveType, Schema};

    const LAKE: &str = "s3://lake/";

    fn schema(columns: &[&str]) -> Schema {
        Schema::new(
            columns
                .iter()
                .map(|c| Field::new(*c, HiveType::Int))
                .collect(),
        )
    }

    fn format(classification: &str) -> Format {
        Format {
            classification: classification.into(),
            properties: FormatProperties::text("org.openx.data.jsonserde.JsonSerDe"),
        }
    }

    /// A table `name` at `s3://lake/{name}/` with `columns`, partitioned by `p` into
    /// `partitions` (none: unpartitioned).
    fn draft(name: &str, columns: &[&str], partitions: &[&str]) -> TableDraft {
        let location = format!("{LAKE}{name}/");
        TableDraft {
            name: name.into(),
            location: location.clone(),
            format: format("json"),
            schema: schema(columns),
            partition_keys: if partitions.is_empty() {
                Vec::new()
            } else {
                vec!["p".into()]
            },
            partitions: partitions
                .iter()
                .map(|value| PartitionDraft {
                    values: vec![value.to_string()],
                    location: format!("{location}p={value}/"),
                    schema: schema(columns),
                    stats: ObjectStats::default(),
                    figures: None,
                    schema_parameters: BTreeMap::new(),
                })
                .collect(),
            stats: ObjectStats::default(),
            figures: None,
            schema_parameters: BTreeMap::new(),
            open: None,
        }
    }

    fn context() -> OutputContext<'static> {
        OutputContext {
            crawler: "crawler",
            exclusions: Vec::new(),
            partitions_inherit_from_table: false,
        }
    }

    /// The table and partitions the crawler would have written for `draft`.
    fn stored(draft: &TableDraft) -> (Table, Vec<Partition>) {
        let input = output::table_input(draft, &context());
        let now = chrono::Utc::now();
        let table = Table {
            database_name: "db".into(),
            name: input.name.clone(),
            description: None,
            owner: None,
            table_type: input.table_type.clone(),
            parameters: input.parameters.clone(),
            partition_keys: input.partition_keys.clone(),
            retention: input.retention,
            view_original_text: None,
            view_expanded_text: None,
            storage_descriptor: input.storage_descriptor,
            create_time: now,
            update_time: now,
            last_access_time: None,
            version_id: "1".into(),
        };
        let partitions = draft
            .partitions
            .iter()
            .map(|p| {
                let input = output::partition_input(draft, p, &context());
                Partition {
                    database_name: "db".into(),
                    table_name: draft.name.clone(),
                    values: input.values,
                    storage_descriptor: input.storage_descriptor,
                    parameters: input.parameters,
                    creation_time: now,
                    last_access_time: None,
                }
            })
            .collect();
        (table, partitions)
    }

    fn crawler(update: UpdateBehavior, delete: DeleteBehavior) -> CrawlerInput {
        CrawlerInput {
            name: "crawler".into(),
            database_name: "db".into(),
            schema_change_policy: SchemaChangePolicy {
                update_behavior: update,
                delete_behavior: delete,
            },
            ..CrawlerInput::default()
        }
    }

    /// What a planned change says: table, kind, partitions added, updated, deleted, and
    /// whether anything is written.
    type Outcome = (String, ChangeKind, u64, u64, u64, bool);

    fn outcomes(plan: &Plan) -> Vec<Outcome> {
        plan.changes
            .iter()
            .map(|c| {
                let r = &c.record;
                (
                    r.table.clone(),
                    r.kind,
                    r.partitions_added,
                    r.partitions_updated,
                    r.partitions_deleted,
                    c.change.is_some(),
                )
            })
            .collect()
    }

    fn someone_elses(mut table: Table) -> Table {
        table.parameters.remove(UPDATED_BY_CRAWLER);
        table
    }

    /// One case: the stored table (as the crawler wrote it, then changed by `edit`), what
    /// the crawl found, the policy, and the outcome.
    /// A change a person or another tool made to a stored table.
    type Edit = fn(Table) -> Table;

    struct Case {
        name: &'static str,
        stored: Option<(TableDraft, Edit)>,
        found: Option<TableDraft>,
        policy: (UpdateBehavior, DeleteBehavior),
        expected: Vec<(&'static str, ChangeKind, u64, u64, u64, bool)>,
    }

    #[test]
    fn plans_follow_the_schema_change_policy_and_ownership() {
        use ChangeKind::*;
        use DeleteBehavior::{DeleteFromDatabase, DeprecateInDatabase, Log as LogDeletes};
        use UpdateBehavior::{Log as LogUpdates, UpdateInDatabase};
        let same = |t: Table| t;
        let two = || draft("t", &["a"], &["1", "2"]);
        let cases = vec![
            Case {
                name: "a new table is created with its partitions",
                stored: None,
                found: Some(two()),
                policy: (UpdateInDatabase, DeprecateInDatabase),
                expected: vec![("t", Create, 2, 0, 0, true)],
            },
            Case {
                name: "a table found as stored is unchanged and nothing is written",
                stored: Some((two(), same)),
                found: Some(two()),
                policy: (UpdateInDatabase, DeprecateInDatabase),
                expected: vec![("t", Unchanged, 0, 0, 0, false)],
            },
            Case {
                name: "a column added updates the crawler's table",
                stored: Some((two(), same)),
                found: Some(draft("t", &["a", "b"], &["1", "2"])),
                policy: (UpdateInDatabase, DeprecateInDatabase),
                expected: vec![("t", Update, 0, 2, 0, true)],
            },
            Case {
                name: "under LOG a column added is only logged",
                stored: Some((two(), same)),
                found: Some(draft("t", &["a", "b"], &["1", "2"])),
                policy: (LogUpdates, DeprecateInDatabase),
                expected: vec![("t", Logged, 0, 0, 0, false)],
            },
            Case {
                name: "someone else's table is kept, but gets new partitions",
                stored: Some((two(), someone_elses)),
                found: Some(draft("t", &["a", "b"], &["1", "2", "3"])),
                policy: (UpdateInDatabase, DeprecateInDatabase),
                expected: vec![("t", Kept, 1, 0, 0, true)],
            },
            Case {
                name: "a new partition is added under LOG too",
                stored: Some((two(), same)),
                found: Some(draft("t", &["a"], &["1", "2", "3"])),
                policy: (LogUpdates, LogDeletes),
                expected: vec![("t", Update, 1, 0, 0, true)],
            },
            Case {
                name: "a gone partition is deleted",
                stored: Some((two(), same)),
                found: Some(draft("t", &["a"], &["1"])),
                policy: (UpdateInDatabase, DeleteFromDatabase),
                expected: vec![("t", Update, 0, 0, 1, true)],
            },
            Case {
                name: "a gone partition is deprecated",
                stored: Some((two(), same)),
                found: Some(draft("t", &["a"], &["1"])),
                policy: (UpdateInDatabase, DeprecateInDatabase),
                expected: vec![("t", Update, 0, 1, 0, true)],
            },
            Case {
                name: "a gone partition is only logged",
                stored: Some((two(), same)),
                found: Some(draft("t", &["a"], &["1"])),
                policy: (UpdateInDatabase, LogDeletes),
                expected: vec![("t", Unchanged, 0, 0, 0, false)],
            },
            Case {
                name: "someone else's partitions are never judged gone",
                stored: Some((two(), someone_elses)),
                found: Some(draft("t", &["a"], &["1"])),
                policy: (UpdateInDatabase, DeleteFromDatabase),
                expected: vec![("t", Kept, 0, 0, 0, false)],
            },
            Case {
                name: "new partition keys replace every partition",
                stored: Some((two(), same)),
                found: Some(draft("t", &["a"], &[])),
                policy: (UpdateInDatabase, DeprecateInDatabase),
                expected: vec![("t", Update, 0, 0, 2, true)],
            },
            Case {
                name: "new partition keys under LOG change nothing",
                stored: Some((two(), same)),
                found: Some(draft("t", &["a"], &[])),
                policy: (LogUpdates, DeprecateInDatabase),
                expected: vec![("t", Logged, 0, 0, 0, false)],
            },
            Case {
                name: "a gone table is deprecated",
                stored: Some((two(), same)),
                found: None,
                policy: (UpdateInDatabase, DeprecateInDatabase),
                expected: vec![("t", Deprecate, 0, 0, 0, true)],
            },
            Case {
                name: "a gone table is deleted",
                stored: Some((two(), same)),
                found: None,
                policy: (UpdateInDatabase, DeleteFromDatabase),
                expected: vec![("t", Delete, 0, 0, 0, true)],
            },
            Case {
                name: "a gone table is only logged",
                stored: Some((two(), same)),
                found: None,
                policy: (UpdateInDatabase, LogDeletes),
                expected: vec![("t", Logged, 0, 0, 0, false)],
            },
            Case {
                name: "someone else's table is never judged gone",
                stored: Some((two(), someone_elses)),
                found: None,
                policy: (UpdateInDatabase, DeleteFromDatabase),
                expected: vec![],
            },
            Case {
                name: "a table deprecated already stays as it is",
                stored: Some((two(), |mut t: Table| {
                    t.parameters
                        .insert(DEPRECATED_BY_CRAWLER.into(), "1".into());
                    t
                })),
                found: None,
                policy: (UpdateInDatabase, DeleteFromDatabase),
                expected: vec![],
            },
        ];
        for case in cases {
            let (tables, partitions) = match &case.stored {
                Some((stored_draft, edit)) => {
                    let (table, partitions) = stored(stored_draft);
                    (vec![edit(table)], partitions)
                }
                None => (Vec::new(), Vec::new()),
            };
            let snapshot = CatalogSnapshot::new(tables, partitions);
            let found: Vec<FoundTable<'_>> = case
                .found
                .into_iter()
                .map(|draft| FoundTable {
                    draft,
                    context: context(),
                })
                .collect();
            let plan = plan(
                &snapshot,
                &crawler(case.policy.0, case.policy.1),
                found,
                &[LAKE.to_string()],
                7,
            );
            let expected: Vec<Outcome> = case
                .expected
                .iter()
                .map(|(t, k, a, u, d, w)| (t.to_string(), *k, *a, *u, *d, *w))
                .collect();
            assert_eq!(outcomes(&plan), expected, "{}", case.name);
        }
    }

    #[test]
    fn a_table_outside_the_listed_targets_is_not_judged_gone() {
        let (table, partitions) = stored(&draft("t", &["a"], &["1"]));
        let snapshot = CatalogSnapshot::new([table], partitions);
        let crawler = crawler(
            UpdateBehavior::UpdateInDatabase,
            DeleteBehavior::DeleteFromDatabase,
        );
        let plan = plan(&snapshot, &crawler, Vec::new(), &["s3://other/".into()], 7);
        assert!(plan.changes.is_empty(), "{plan:?}");
    }

    #[test]
    fn a_crawl_of_named_folders_never_changes_partition_keys() {
        let (table, partitions) = stored(&draft("t", &["a"], &["1", "2"]));
        let snapshot = CatalogSnapshot::new([table], partitions);
        let crawler = crawler(
            UpdateBehavior::UpdateInDatabase,
            DeleteBehavior::DeleteFromDatabase,
        );
        // The table's root alone was listed: what it holds looks unpartitioned.
        let found = vec![FoundTable {
            draft: draft("t", &["a"], &[]),
            context: context(),
        }];
        let listed = HashSet::from([format!("{LAKE}t/")]);
        let plan = plan_listed(&snapshot, &crawler, found, Listed::Folders(&listed), 7);
        assert_eq!(
            outcomes(&plan),
            [("t".to_string(), ChangeKind::Kept, 0, 0, 0, false)],
            "{plan:#?}"
        );
    }

    #[test]
    fn merging_new_columns_into_a_table_of_another_format_deprecates_it() {
        let (table, partitions) = stored(&draft("t", &["a"], &["1"]));
        let snapshot = CatalogSnapshot::new([table], partitions);
        let mut crawler = crawler(UpdateBehavior::UpdateInDatabase, DeleteBehavior::Log);
        crawler.configuration.merge_new_columns_only = true;
        let mut csv = draft("t", &["a", "b"], &["1"]);
        csv.format = format("csv");
        let found = vec![FoundTable {
            draft: csv,
            context: context(),
        }];
        let plan = plan(&snapshot, &crawler, found, &[LAKE.to_string()], 7);
        let change = &plan.changes[0];
        assert_eq!(change.record.kind, ChangeKind::Deprecate);
        assert!(
            change.record.details[0].contains("format changed"),
            "{change:?}"
        );
        let Some(TableChange {
            action: TableAction::Update { input, .. },
            put_partitions,
            ..
        }) = &change.change
        else {
            panic!("{change:?}");
        };
        assert_eq!(input.parameters[DEPRECATED_BY_CRAWLER], "7");
        assert!(put_partitions.is_empty());
    }
}
