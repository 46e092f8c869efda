//! Grouping for an event-driven crawl, which lists only the folders events named: listed
//! folders at partition depth under a table this crawler wrote are that table's partitions
//! (new ones added, changed ones rewritten), and an unpartitioned table's listed folder is
//! the table again. The table's schema is its stored one merged with what the listed folders
//! hold; its figures are its stored ones with the listed partitions' replaced. Folders under
//! no table are left for the full grouping rules.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use lakecat_catalog::crawlers::{ObjectIssue, Severity};
use lakecat_catalog::{Parameters, Partition};
use lakecat_classifiers::merge::{containment, merge_schemas};
use lakecat_classifiers::{RowStatistics, Schema};

use super::incremental::{ExistingTable, table_schema};
use super::{PartitionDraft, SIMILARITY_THRESHOLD, TableDraft, folder_url, typed_like};
use crate::location::TargetLocation;
use crate::report::Report;
use crate::scan::{FolderScan, Format, ObjectStats, merge_figures};
use crate::snapshot::CatalogSnapshot;

/// What the listed folders under existing tables became.
#[derive(Debug, Default)]
pub(crate) struct Refreshed {
    /// Drafts of the existing tables with their listed partitions.
    pub(crate) drafts: Vec<TableDraft>,
    /// Listed folders left as the catalog has them (their data does not fit the table):
    /// not to be judged gone either.
    pub(crate) held: Vec<String>,
}

/// Moves the listed folders that belong to `existing` tables out of `folders` into drafts of
/// those tables. `listed` are all the folders listed (relative to the target), with data or
/// not; `claimed` collects those that belong to a table.
pub(crate) fn refresh_existing(
    existing: &[ExistingTable],
    folders: &mut BTreeMap<String, FolderScan>,
    listed: &BTreeSet<String>,
    snapshot: &CatalogSnapshot,
    location: &TargetLocation,
    report: &Report,
) -> Refreshed {
    let mut refreshed = Refreshed::default();
    let mut claimed: HashSet<&str> = HashSet::new();
    // Deepest table root first (as `existing` is sorted): a folder joins the innermost table.
    for table in existing {
        let matching: Vec<&String> = listed
            .iter()
            .filter(|f| !claimed.contains(f.as_str()))
            .filter(|f| {
                table.partition_values_of(f).is_some()
                    || (table.table.partition_keys.is_empty() && **f == table.root)
            })
            .collect();
        claimed.extend(matching.iter().map(|f| f.as_str()));
        // Other listed folders inside the table (a file in a partitioned table's root, a
        // folder above or below partition depth) would make a table of other keys from a
        // partial listing: they are set aside for a full crawl to decide.
        let strays: Vec<&String> = listed
            .iter()
            .filter(|f| !claimed.contains(f.as_str()) && inside(&table.root, f))
            .collect();
        for stray in strays {
            claimed.insert(stray.as_str());
            set_aside(
                table,
                stray,
                folders.remove(stray.as_str()),
                location,
                report,
            );
            refreshed.held.push(stray.clone());
        }
        let with_data: Vec<(String, FolderScan)> = matching
            .iter()
            .filter_map(|f| folders.remove(f.as_str()).map(|scan| ((*f).clone(), scan)))
            .collect();
        if with_data.is_empty() {
            // Every listed folder is empty: the plan judges what is gone there.
            continue;
        }
        if table.table.partition_keys.is_empty() {
            refreshed
                .drafts
                .extend(unpartitioned(table, &with_data[0].1, report, location));
            continue;
        }
        let stored = snapshot.partitions(&table.table.name);
        if let Some(draft) = partitioned(
            table,
            stored,
            &matching,
            with_data,
            location,
            report,
            &mut refreshed.held,
        ) {
            refreshed.drafts.push(draft);
        }
    }
    refreshed
}

/// Whether `folder` is `root` or below it (both relative to the target).
fn inside(root: &str, folder: &str) -> bool {
    root.is_empty()
        || folder
            .strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Records a listed folder inside `table` that is not one of its partition folders (nor an
/// unpartitioned table's folder) as set aside, its objects skipped.
fn set_aside(
    table: &ExistingTable,
    folder: &str,
    scan: Option<FolderScan>,
    location: &TargetLocation,
    report: &Report,
) {
    let Some(scan) = scan else {
        return;
    };
    let url = folder_url(location, folder);
    let keys: Vec<&str> = table
        .table
        .partition_keys
        .iter()
        .map(|k| k.name.as_str())
        .collect();
    for shape in &scan.shapes {
        report.issue(ObjectIssue {
            path: shape.example.clone(),
            severity: Severity::Warning,
            message: format!(
                "set aside: {url} is inside table {} but is not one of its partition folders \
                 (keys: {}); a crawl of named folders does not change a table's partition \
                 keys, the next full crawl decides it",
                table.table.name,
                keys.join(", ")
            ),
        });
        report.count(|c| c.objects_skipped += shape.stats.objects);
    }
}

/// A listed folder's objects of one format (the most common, by objects), and the others
/// reported skipped.
struct FolderData {
    format: Format,
    schema: Schema,
    stats: ObjectStats,
    figures: Option<RowStatistics>,
    schema_parameters: BTreeMap<String, String>,
}

fn folder_data(scan: &FolderScan, url: &str, table: &str, report: &Report) -> Option<FolderData> {
    let format = scan
        .shapes
        .iter()
        .max_by_key(|s| s.stats.objects)?
        .format
        .clone();
    let mut stats = scan.unread;
    let mut figures = Some(RowStatistics::default());
    let mut schemas = Vec::new();
    let mut schema_parameters = BTreeMap::new();
    for shape in &scan.shapes {
        if shape.format != format {
            report.issue(ObjectIssue {
                path: shape.example.clone(),
                severity: Severity::Warning,
                message: format!(
                    "not part of table {table} at {url}: {} among objects of its format, {}",
                    shape.format.describe(),
                    format.describe()
                ),
            });
            report.count(|c| c.objects_skipped += shape.stats.objects);
            continue;
        }
        stats.add(&shape.stats);
        merge_figures(&mut figures, shape.figures.as_ref());
        schemas.push(&shape.schema);
        schema_parameters.clone_from(&shape.schema_parameters);
    }
    Some(FolderData {
        schema: merge_schemas(schemas),
        format,
        stats,
        figures,
        schema_parameters,
    })
}

/// An unpartitioned table whose folder was listed: what its objects are now (the listing
/// saw all of them, as a full crawl would).
fn unpartitioned(
    table: &ExistingTable,
    scan: &FolderScan,
    report: &Report,
    location: &TargetLocation,
) -> Option<TableDraft> {
    let url = folder_url(location, &table.root);
    let data = folder_data(scan, &url, &table.table.name, report)?;
    Some(TableDraft {
        name: table.table.name.clone(),
        location: url,
        format: data.format,
        schema: data.schema,
        partition_keys: Vec::new(),
        partitions: Vec::new(),
        stats: data.stats,
        figures: data.figures,
        schema_parameters: data.schema_parameters,
        open: None,
    })
}

/// A partitioned table with its listed partitions: those holding data put (unless their
/// columns share too little with the table's, which leaves them as they are, reported), the
/// table's schema merged with theirs, its figures with theirs in place of the stored ones.
fn partitioned(
    table: &ExistingTable,
    stored: &[Partition],
    listed: &[&String],
    with_data: Vec<(String, FolderScan)>,
    location: &TargetLocation,
    report: &Report,
    held: &mut Vec<String>,
) -> Option<TableDraft> {
    let stored_schema = table_schema(&table.table);
    let name = &table.table.name;
    let mut found = Vec::new();
    for (folder, scan) in with_data {
        let url = folder_url(location, &folder);
        let Some(data) = folder_data(&scan, &url, name, report) else {
            continue;
        };
        let score = containment(&stored_schema, &data.schema);
        if score < SIMILARITY_THRESHOLD {
            report.issue(ObjectIssue {
                path: url,
                severity: Severity::Warning,
                message: format!(
                    "folder not added to table {name}: it shares {:.0}% of the narrower of its \
                     columns and the table's (at least {:.0}% is needed)",
                    score * 100.0,
                    SIMILARITY_THRESHOLD * 100.0
                ),
            });
            report.count(|c| c.objects_skipped += data.stats.objects);
            held.push(folder);
            continue;
        }
        found.push((folder, url, data));
    }
    let format = found.first()?.2.format.clone();
    let schema = merge_schemas(
        std::iter::once(&stored_schema).chain(found.iter().map(|(_, _, data)| &data.schema)),
    );
    // The stored figures, less those of every listed partition (each is replaced by what
    // its folder holds now, or is gone), plus what the listed folders hold.
    let mut stats = stored_stats(&table.table.parameters);
    let listed_urls: HashSet<String> = listed
        .iter()
        .filter(|f| !held.contains(f))
        .map(|f| folder_url(location, f))
        .collect();
    for partition in stored {
        let at_listed = partition
            .storage_descriptor
            .as_ref()
            .and_then(|sd| sd.location.as_ref())
            .is_some_and(|loc| listed_urls.contains(loc));
        if at_listed {
            stats = less(stats, &stored_stats(&partition.parameters));
        }
    }
    let mut partitions = Vec::with_capacity(found.len());
    for (folder, url, data) in found {
        stats.add(&settled(&data.stats));
        partitions.push(PartitionDraft {
            values: table.partition_values_of(&folder).unwrap_or_default(),
            location: url,
            schema: typed_like(&data.schema, &schema),
            stats: data.stats,
            figures: data.figures,
            schema_parameters: data.schema_parameters,
        });
    }
    Some(table.draft_with(format, schema, partitions, stats))
}

/// The figures a table or partition was written with (`objectCount`, `sizeKey`,
/// `recordCount`), as counts whose records are settled (not scaled again).
fn stored_stats(parameters: &Parameters) -> ObjectStats {
    let number = |key: &str| {
        parameters
            .get(key)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    ObjectStats {
        objects: number("objectCount"),
        bytes: number("sizeKey"),
        records: number("recordCount"),
        bytes_read_objects: number("sizeKey"),
    }
}

/// `stats` with its record estimate settled, so that sums of them add estimates.
fn settled(stats: &ObjectStats) -> ObjectStats {
    ObjectStats {
        records: stats.estimated_records(),
        bytes_read_objects: stats.bytes,
        ..*stats
    }
}

fn less(stats: ObjectStats, gone: &ObjectStats) -> ObjectStats {
    ObjectStats {
        objects: stats.objects.saturating_sub(gone.objects),
        bytes: stats.bytes.saturating_sub(gone.bytes),
        records: stats.records.saturating_sub(gone.records),
        bytes_read_objects: stats
            .bytes_read_objects
            .saturating_sub(gone.bytes_read_objects),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_figures_are_replaced_not_added_to() {
        let parameters = |objects: u64, bytes: u64, records: u64| -> Parameters {
            [
                ("objectCount", objects),
                ("sizeKey", bytes),
                ("recordCount", records),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
        };
        let table = stored_stats(&parameters(10, 1000, 100));
        let old_partition = stored_stats(&parameters(2, 200, 20));
        let mut now = less(table, &old_partition);
        // The partition now holds 3 objects, one of them read (10 records in 100 bytes).
        now.add(&settled(&ObjectStats {
            objects: 3,
            bytes: 300,
            records: 10,
            bytes_read_objects: 100,
        }));
        assert_eq!(
            (now.objects, now.bytes, now.estimated_records()),
            (11, 1100, 110)
        );
        // Figures never go below zero when the stored ones were written by someone else.
        let floor = less(old_partition, &table);
        assert_eq!((floor.objects, floor.bytes, floor.records), (0, 0, 0));
        assert_eq!(stored_stats(&Parameters::new()), ObjectStats::default());
    }
}
