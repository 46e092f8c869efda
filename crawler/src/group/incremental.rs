//! Incremental grouping, for a crawl of new folders only (`CRAWL_NEW_FOLDERS_ONLY`): the
//! tables this crawler wrote under a target, the folders they already cover (which the scan
//! leaves unread), and new folders at partition depth under them, which become partitions of
//! those tables rather than tables of their own.

use std::collections::BTreeMap;

use lakecat_catalog::Table;
use lakecat_catalog::crawlers::{CrawlerInput, ObjectIssue, Severity};
use lakecat_classifiers::merge::containment;
use lakecat_classifiers::{Field, HiveType, RowStatistics, Schema};

use super::{PartitionDraft, SIMILARITY_THRESHOLD, TableDraft, hive_pair};
use crate::location::TargetLocation;
use crate::output::{DEPRECATED_BY_CRAWLER, UPDATED_BY_CRAWLER};
use crate::report::Report;
use crate::scan::{FolderScan, Format, ObjectStats, merge_figures};
use crate::snapshot::CatalogSnapshot;

/// A table of this crawler under a target, for a crawl of new folders only.
pub(crate) struct ExistingTable {
    pub(crate) table: Table,
    /// The table's folder relative to the target (`""` for the target itself).
    pub(crate) root: String,
    /// Folders (relative to the target) that are already the table or its partitions.
    pub(crate) known_folders: Vec<String>,
}

impl ExistingTable {
    /// A draft of this table with `partitions` (new or changed ones only) and the table's
    /// `stats` as they are now. Its column statistics stay as stored: computing them needs
    /// every partition's rows.
    pub(crate) fn draft_with(
        &self,
        format: Format,
        schema: Schema,
        partitions: Vec<PartitionDraft>,
        stats: ObjectStats,
    ) -> TableDraft {
        TableDraft {
            name: self.table.name.clone(),
            location: self
                .table
                .storage_descriptor
                .as_ref()
                .and_then(|sd| sd.location.clone())
                .unwrap_or_default(),
            format,
            schema,
            partition_keys: self
                .table
                .partition_keys
                .iter()
                .map(|k| k.name.clone())
                .collect(),
            schema_parameters: partitions
                .last()
                .map(|p| p.schema_parameters.clone())
                .unwrap_or_default(),
            partitions,
            stats,
            figures: None,
            open: None,
        }
    }

    /// The partition values of `folder` (relative to the target) when it lies at the table's
    /// partition depth below its root: `key=value` folders give their values, other folders
    /// their names. `None` for an unpartitioned table and for any other folder.
    pub(crate) fn partition_values_of(&self, folder: &str) -> Option<Vec<String>> {
        let depth = self.table.partition_keys.len();
        let rest = if self.root.is_empty() {
            folder
        } else {
            folder.strip_prefix(&self.root)?.strip_prefix('/')?
        };
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        (depth > 0 && parts.len() == depth).then(|| {
            parts
                .iter()
                .map(|p| {
                    hive_pair(p)
                        .map(|(_, v)| v)
                        .unwrap_or_else(|| p.to_string())
                })
                .collect()
        })
    }
}

/// The folder of `url` relative to the target, if it is under it.
fn relative_folder(location: &TargetLocation, url: &str) -> Option<String> {
    url.strip_prefix(&location.url())
        .map(|rest| rest.trim_end_matches('/').to_string())
}

/// The tables this crawler wrote under `location`, not deprecated, deepest root first.
pub(crate) fn existing_tables_under(
    snapshot: &CatalogSnapshot,
    crawler: &CrawlerInput,
    location: &TargetLocation,
) -> Vec<ExistingTable> {
    let mut found = Vec::new();
    for table in snapshot.tables.values() {
        if table.parameters.get(UPDATED_BY_CRAWLER) != Some(&crawler.name)
            || table.parameters.contains_key(DEPRECATED_BY_CRAWLER)
        {
            continue;
        }
        let Some(root) = table
            .storage_descriptor
            .as_ref()
            .and_then(|sd| sd.location.as_deref())
            .and_then(|loc| relative_folder(location, loc))
        else {
            continue;
        };
        let mut known_folders = vec![root.clone()];
        if !table.partition_keys.is_empty() {
            let partitions = snapshot.partitions(&table.name);
            known_folders.extend(partitions.iter().filter_map(|p| {
                p.storage_descriptor
                    .as_ref()
                    .and_then(|sd| sd.location.as_deref())
                    .and_then(|loc| relative_folder(location, loc))
            }));
        }
        found.push(ExistingTable {
            table: table.clone(),
            root,
            known_folders,
        });
    }
    // The deepest table root first, so a folder joins the innermost table.
    found.sort_by_key(|e| std::cmp::Reverse(e.root.len()));
    found
}

/// The table's columns as a schema.
pub(super) fn table_schema(table: &Table) -> Schema {
    Schema::new(
        table
            .storage_descriptor
            .as_ref()
            .map(|sd| {
                sd.columns
                    .iter()
                    .map(|c| {
                        let ty = c
                            .type_name
                            .as_deref()
                            .and_then(|t| t.parse::<HiveType>().ok())
                            .unwrap_or(HiveType::String);
                        Field::new(c.name.clone(), ty)
                    })
                    .collect()
            })
            .unwrap_or_default(),
    )
}

/// Moves new folders that sit at partition depth under an existing table out of `folders`,
/// into drafts that add them as partitions of that table (a crawl of new folders only).
/// Folders whose schema differs too much from the table's are skipped and reported.
pub(crate) fn attach_to_existing(
    existing: &[ExistingTable],
    folders: &mut BTreeMap<String, FolderScan>,
    location: &TargetLocation,
    report: &Report,
) -> Vec<TableDraft> {
    let mut drafts = Vec::new();
    for table in existing {
        let matching: Vec<String> = folders
            .keys()
            .filter(|f| table.partition_values_of(f).is_some())
            .cloned()
            .collect();
        if matching.is_empty() {
            continue;
        }
        let schema = table_schema(&table.table);
        let mut partitions = Vec::new();
        let mut format = None;
        let mut stats = ObjectStats::default();
        for folder in matching {
            let Some(scan) = folders.remove(&folder) else {
                continue;
            };
            let Some(shape) = scan.shapes.iter().max_by_key(|s| s.stats.objects) else {
                continue;
            };
            // A new partition that gained (or lacks) columns is a version of the table's
            // dataset, as when the table was first grouped.
            let score = containment(&schema, &shape.schema);
            let url = location.url_of(
                format!("{}/{folder}", location.prefix().as_ref()).trim_start_matches('/'),
                true,
            );
            if score < SIMILARITY_THRESHOLD {
                report.issue(ObjectIssue {
                    path: url,
                    severity: Severity::Warning,
                    message: format!(
                        "new folder not added to table {}: it shares {:.0}% of the narrower of \
                         its columns and the table's (at least {:.0}% is needed)",
                        table.table.name,
                        score * 100.0,
                        SIMILARITY_THRESHOLD * 100.0
                    ),
                });
                report.count(|c| c.objects_skipped += shape.stats.objects);
                continue;
            }
            let mut partition_stats = scan.unread;
            let mut partition_figures = Some(RowStatistics::default());
            for s in &scan.shapes {
                partition_stats.add(&s.stats);
                merge_figures(&mut partition_figures, s.figures.as_ref());
            }
            stats.add(&partition_stats);
            format.get_or_insert_with(|| shape.format.clone());
            partitions.push(PartitionDraft {
                values: table.partition_values_of(&folder).unwrap_or_default(),
                location: url,
                schema: schema.clone(),
                stats: partition_stats,
                figures: partition_figures,
                schema_parameters: shape.schema_parameters.clone(),
            });
        }
        let Some(format) = format else { continue };
        drafts.push(table.draft_with(format, schema, partitions, stats));
    }
    drafts
}
