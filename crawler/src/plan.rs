//! The plan: what the crawl changes in the catalog, table by table, worked out completely
//! before anything is written. Each table's change is applied in one transaction.

use std::collections::{BTreeMap, HashMap};

use lakecat_catalog::crawlers::{
    ChangeKind, CrawlerInput, DeleteBehavior, TableChangeRecord, UpdateBehavior,
};
use lakecat_catalog::{
    Catalog, Column, PageRequest, Partition, PartitionInput, PartitionListRequest, Table,
    TableAction, TableChange, TableInput, UpdateTableOptions,
};

use crate::error::Result;
use crate::group::TableDraft;
use crate::output::{
    self, CRAWLER_FINGERPRINT, DEPRECATED_BY_CRAWLER, OutputContext, UPDATED_BY_CRAWLER,
};

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

fn location_of(table: &Table) -> Option<&str> {
    table
        .storage_descriptor
        .as_ref()
        .and_then(|sd| sd.location.as_deref())
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
    for key in ["classification", "compressionType", "delimiter"] {
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

/// Loads every partition of a table; without their columns when `exclude_column_schema`.
pub async fn all_partitions(
    catalog: &Catalog,
    database: &str,
    table: &str,
    exclude_column_schema: bool,
) -> Result<Vec<Partition>> {
    let mut found = Vec::new();
    let mut token = None;
    loop {
        let page = catalog
            .list_partitions(
                database,
                table,
                PartitionListRequest {
                    page: PageRequest {
                        max_results: None,
                        page_token: token,
                    },
                    exclude_column_schema,
                    ..PartitionListRequest::default()
                },
            )
            .await?;
        found.extend(page.items);
        match page.next_page_token {
            Some(next) => token = Some(next),
            None => return Ok(found),
        }
    }
}

/// Loads every table of a database, by name.
pub async fn all_tables(catalog: &Catalog, database: &str) -> Result<BTreeMap<String, Table>> {
    let mut found = BTreeMap::new();
    let mut token = None;
    loop {
        let page = catalog
            .list_tables(
                database,
                PageRequest {
                    max_results: None,
                    page_token: token,
                },
            )
            .await?;
        for table in page.items {
            found.insert(table.name.clone(), table);
        }
        match page.next_page_token {
            Some(next) => token = Some(next),
            None => return Ok(found),
        }
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

/// Works out the plan for the tables found, against `stored`, the tables of `database`.
///
/// `listed_completely` are the URLs of targets whose listing finished: only tables of this
/// crawler under them can be judged gone. `now_millis` stamps deprecations.
#[allow(clippy::too_many_arguments)]
pub async fn plan(
    catalog: &Catalog,
    database: &str,
    stored: &BTreeMap<String, Table>,
    crawler: &CrawlerInput,
    found: Vec<FoundTable<'_>>,
    listed_completely: &[String],
    now_millis: i64,
) -> Result<Plan> {
    let policy = crawler.schema_change_policy;
    let mut changes = Vec::new();
    let mut claimed: Vec<String> = Vec::new();
    for FoundTable { mut draft, context } in found {
        // A stored table of the same name elsewhere is another table: keep both.
        if let Some(existing) = stored.get(&draft.name)
            && location_of(existing) != Some(draft.location.as_str())
        {
            draft.name = format!(
                "{}_{}",
                draft.name.chars().take(119).collect::<String>(),
                &output::fingerprint(&TableInput {
                    name: draft.location.clone(),
                    ..TableInput::default()
                })[..8]
            );
        }
        claimed.push(draft.name.clone());
        let crawled = output::table_input(&draft, &context);
        let partitions: Vec<PartitionInput> = draft
            .partitions
            .iter()
            .map(|p| output::partition_input(&draft, p, &context))
            .collect();
        let Some(existing) = stored.get(&draft.name) else {
            let mut rec = record(&draft.name, ChangeKind::Create, Vec::new());
            rec.partitions_added = partitions.len() as u64;
            changes.push(PlannedChange {
                record: rec,
                change: Some(TableChange {
                    action: TableAction::Create(crawled),
                    put_partitions: partitions,
                    delete_partitions: Vec::new(),
                }),
            });
            continue;
        };
        let stored_partitions: HashMap<Vec<String>, Partition> =
            all_partitions(catalog, database, &existing.name, false)
                .await?
                .into_iter()
                .map(|p| (p.values.clone(), p))
                .collect();
        let ours = ownership(existing, &crawler.name);
        let mut rec = record(&draft.name, ChangeKind::Unchanged, Vec::new());
        let mut put = Vec::new();
        let mut delete = Vec::new();
        let keys_changed = existing.partition_keys != crawled.partition_keys;
        let update_table = matches!(ours, Ownership::Ours)
            && policy.update_behavior == UpdateBehavior::UpdateInDatabase;
        let desired = merged_input(
            existing,
            &crawled,
            crawler.configuration.merge_new_columns_only,
        );
        let mut details = differences(&existing.to_input(), &desired);
        let format_changed = details.iter().any(|d| {
            d.starts_with("classification")
                || d.starts_with("compressionType")
                || d.starts_with("delimiter")
        });
        if crawler.configuration.merge_new_columns_only && format_changed && update_table {
            // Glue's rule: new columns cannot be merged into a table read by another
            // format; the table is deprecated and its partitions are left alone.
            let mut input = existing.to_input();
            input
                .parameters
                .insert(DEPRECATED_BY_CRAWLER.into(), now_millis.to_string());
            details.insert(
                0,
                "cannot merge new columns: the format changed; table deprecated".into(),
            );
            output::set_fingerprint(&mut input);
            let mut rec = record(&draft.name, ChangeKind::Deprecate, details);
            rec.applied = false;
            changes.push(PlannedChange {
                record: rec,
                change: Some(TableChange {
                    action: TableAction::Update {
                        input,
                        options: UpdateTableOptions {
                            expected_version_id: Some(existing.version_id.clone()),
                            skip_archive: false,
                        },
                    },
                    put_partitions: Vec::new(),
                    delete_partitions: Vec::new(),
                }),
            });
            continue;
        }
        let table_differs = desired != existing.to_input();
        let action = if update_table && table_differs {
            rec.kind = ChangeKind::Update;
            rec.details = details;
            TableAction::Update {
                input: desired,
                options: UpdateTableOptions {
                    expected_version_id: Some(existing.version_id.clone()),
                    skip_archive: false,
                },
            }
        } else {
            if table_differs {
                rec.kind = match &ours {
                    Ownership::Ours => ChangeKind::Logged,
                    Ownership::Someone(_) => ChangeKind::Kept,
                };
                if let Ownership::Someone(why) = &ours {
                    details.insert(0, format!("left as it is: {why}"));
                } else {
                    details.insert(0, "not written: the update behaviour is LOG".into());
                }
                rec.details = details;
            }
            TableAction::Keep {
                name: existing.name.clone(),
            }
        };
        let rewriting = matches!(action, TableAction::Update { .. });
        if keys_changed && !rewriting {
            // Partitions with other keys cannot be added to this table.
            changes.push(PlannedChange {
                record: rec,
                change: None,
            });
            continue;
        }
        for partition in partitions {
            match stored_partitions.get(&partition.values) {
                None => {
                    rec.partitions_added += 1;
                    put.push(partition);
                }
                Some(current) if keys_changed => {
                    let _ = current;
                    rec.partitions_added += 1;
                    put.push(partition);
                }
                Some(current) if !same_partition(current, &partition) => {
                    if update_table {
                        rec.partitions_updated += 1;
                        put.push(partition);
                    }
                }
                Some(_) => {}
            }
        }
        let crawled_values: std::collections::HashSet<&Vec<String>> =
            draft.partitions.iter().map(|p| &p.values).collect();
        for (values, current) in &stored_partitions {
            if keys_changed {
                delete.push(values.clone());
                rec.partitions_deleted += 1;
                continue;
            }
            if crawled_values.contains(values) || !matches!(ours, Ownership::Ours) {
                continue;
            }
            match policy.delete_behavior {
                DeleteBehavior::DeleteFromDatabase => {
                    rec.partitions_deleted += 1;
                    delete.push(values.clone());
                }
                DeleteBehavior::DeprecateInDatabase
                    if !current.parameters.contains_key(DEPRECATED_BY_CRAWLER) =>
                {
                    let mut input = PartitionInput {
                        values: values.clone(),
                        storage_descriptor: current.storage_descriptor.clone(),
                        parameters: current.parameters.clone(),
                        last_access_time: current.last_access_time,
                    };
                    input
                        .parameters
                        .insert(DEPRECATED_BY_CRAWLER.into(), now_millis.to_string());
                    rec.partitions_updated += 1;
                    put.push(input);
                }
                _ => {}
            }
        }
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
                })
            };
        changes.push(PlannedChange {
            record: rec,
            change,
        });
    }
    // Tables of this crawler under a fully listed target that the crawl did not find.
    for (name, table) in stored {
        if claimed.contains(name) || !matches!(ownership(table, &crawler.name), Ownership::Ours) {
            continue;
        }
        let under_target = location_of(table).is_some_and(|loc| {
            listed_completely
                .iter()
                .any(|t| loc.starts_with(t.as_str()))
        });
        if !under_target || table.parameters.contains_key(DEPRECATED_BY_CRAWLER) {
            continue;
        }
        let gone = vec![format!(
            "no data found at {}",
            location_of(table).unwrap_or_default()
        )];
        let planned = match policy.delete_behavior {
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
                        action: TableAction::Update {
                            input,
                            options: UpdateTableOptions {
                                expected_version_id: Some(table.version_id.clone()),
                                skip_archive: false,
                            },
                        },
                        put_partitions: Vec::new(),
                        delete_partitions: Vec::new(),
                    }),
                }
            }
        };
        changes.push(planned);
    }
    Ok(Plan { changes })
}
