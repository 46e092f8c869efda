//! Tables' file indexes (docs/decisions/0004-iceberg-rest-catalog.md §3.4): the Parquet,
//! ORC and Avro files a crawl read, with their partition values, sizes, exact record counts
//! and column figures, matched to the tables the crawl decided, for the catalog to write in
//! each table's transaction. lakecat generates Iceberg manifests for the table from them.

use std::collections::{BTreeMap, HashMap, HashSet};

use lakecat_catalog::store::{FileIndexChange, IndexedFile, IndexedFolder};

use crate::group::{TableDraft, folder_url};
use crate::location::TargetLocation;
use crate::plan::FoundTable;
use crate::scan::{FolderScan, ScannedFile, indexed_format};
use crate::snapshot::{CatalogSnapshot, location_of};

/// What one folder held directly: its files read, and how many objects were not read.
#[derive(Debug, Clone, Default)]
pub(crate) struct FolderFiles {
    files: Vec<ScannedFile>,
    unread: u64,
}

/// The files of every folder scanned, by folder URL (ending with `/`), taken before the
/// grouping consumes the folders.
pub(crate) fn files_by_folder(
    location: &TargetLocation,
    folders: &BTreeMap<String, FolderScan>,
) -> HashMap<String, FolderFiles> {
    folders
        .iter()
        .filter(|(_, scan)| !scan.files.is_empty() || scan.unread.objects > 0)
        .map(|(relative, scan)| {
            (
                folder_url(location, relative),
                FolderFiles {
                    files: scan.files.clone(),
                    unread: scan.unread.objects,
                },
            )
        })
        .collect()
}

/// The file index of a table the crawl found: `None` for open-format tables and tables of
/// other formats. `whole_table` when the crawl saw all of the table's folders.
pub(crate) fn index_of(
    draft: &TableDraft,
    by_folder: &HashMap<String, FolderFiles>,
    whole_table: bool,
) -> Option<FileIndexChange> {
    let classification = draft.format.classification.as_str();
    if draft.open.is_some() || !indexed_format(classification) {
        return None;
    }
    let folders: Vec<(&str, &[String])> = if draft.partition_keys.is_empty() {
        vec![(draft.location.as_str(), &[])]
    } else {
        draft
            .partitions
            .iter()
            .map(|p| (p.location.as_str(), p.values.as_slice()))
            .collect()
    };
    let mut change = FileIndexChange {
        whole_table,
        ..FileIndexChange::default()
    };
    for (url, values) in folders {
        // Every folder of the draft was listed in full: what is no longer in it is gone.
        let unread = by_folder.get(url).map_or(0, |held| held.unread as i64);
        change.folders.push(IndexedFolder {
            url: url.to_string(),
            unread,
        });
        let Some(held) = by_folder.get(url) else {
            continue;
        };
        change.unread += unread;
        change.files.extend(
            held.files
                .iter()
                .filter(|file| file.classification == classification)
                .map(|file| IndexedFile {
                    path: file.url.clone(),
                    partition_values: values.to_vec(),
                    size: file.size as i64,
                    record_count: file.records.map(|n| n as i64),
                    stats: file.stats.clone(),
                }),
        );
    }
    Some(change)
}

/// The file indexes of the tables found in one target, by table name: the first `attached`
/// are new folders of existing tables (their files are added to the index), the others
/// whole tables.
pub(crate) fn indexes(
    tables: &[FoundTable<'_>],
    attached: usize,
    by_folder: &HashMap<String, FolderFiles>,
) -> Vec<(String, FileIndexChange)> {
    tables
        .iter()
        .enumerate()
        .filter_map(|(i, table)| {
            let index = index_of(&table.draft, by_folder, i >= attached)?;
            Some((table.draft.name.clone(), index))
        })
        .collect()
}

/// Adds the folders a crawl of named folders listed that are folders of a stored table (a
/// partition's, an unpartitioned table's) to that table's index change, made for it when the
/// crawl found nothing of the table: the files of a partition gone, or deleted from a listed
/// partition, leave the index. `listed` are the URLs of the folders listed and judged.
pub(crate) fn add_listed_folders(
    changes: &mut Vec<(String, FileIndexChange)>,
    listed: &[String],
    snapshot: &CatalogSnapshot,
) {
    let listed: HashSet<&str> = listed.iter().map(String::as_str).collect();
    for (name, table) in &snapshot.tables {
        let folders: Vec<&str> = if table.partition_keys.is_empty() {
            location_of(table).into_iter().collect()
        } else {
            snapshot
                .partitions(name)
                .iter()
                .filter_map(|p| p.storage_descriptor.as_ref()?.location.as_deref())
                .collect()
        };
        let folders: Vec<&str> = folders
            .into_iter()
            .filter(|url| listed.contains(url))
            .collect();
        if folders.is_empty() {
            continue;
        }
        let at = match changes.iter().position(|(found, _)| found == name) {
            Some(at) => at,
            None => {
                changes.push((name.clone(), FileIndexChange::default()));
                changes.len() - 1
            }
        };
        let change = &mut changes[at].1;
        for url in folders {
            if !change.folders.iter().any(|f| f.url == url) {
                change.folders.push(IndexedFolder {
                    url: url.to_string(),
                    unread: 0,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::PartitionDraft;
    use crate::scan::{Format, ObjectStats};
    use lakecat_classifiers::{FormatProperties, Schema};

    fn draft(classification: &str, keys: &[&str], partitions: &[(&str, &str)]) -> TableDraft {
        TableDraft {
            name: "t".into(),
            location: "s3://lake/t/".into(),
            format: Format {
                classification: classification.into(),
                properties: FormatProperties::default(),
            },
            schema: Schema::default(),
            partition_keys: keys.iter().map(|k| k.to_string()).collect(),
            partitions: partitions
                .iter()
                .map(|(value, url)| PartitionDraft {
                    values: vec![value.to_string()],
                    location: url.to_string(),
                    schema: Schema::default(),
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

    fn scanned(url: &str, classification: &str, records: Option<u64>) -> ScannedFile {
        ScannedFile {
            url: url.into(),
            classification: classification.into(),
            size: 10,
            records,
            stats: None,
        }
    }

    fn folders() -> HashMap<String, FolderFiles> {
        let mut by_folder = HashMap::new();
        by_folder.insert(
            "s3://lake/t/k=1/".to_string(),
            FolderFiles {
                files: vec![
                    scanned("s3://lake/t/k=1/a.parquet", "parquet", Some(3)),
                    scanned("s3://lake/t/k=1/notes.csv", "csv", Some(1)),
                ],
                unread: 0,
            },
        );
        by_folder.insert(
            "s3://lake/t/k=2/".to_string(),
            FolderFiles {
                files: vec![scanned("s3://lake/t/k=2/b.parquet", "parquet", None)],
                unread: 4,
            },
        );
        by_folder.insert(
            "s3://lake/t/".to_string(),
            FolderFiles {
                files: vec![scanned("s3://lake/t/c.parquet", "parquet", Some(7))],
                unread: 0,
            },
        );
        by_folder
    }

    /// (draft, expected (paths with their partition values, unread) or None).
    #[test]
    fn tables_get_the_files_of_their_folders() {
        type Expected = Option<(Vec<(&'static str, Vec<&'static str>)>, i64)>;
        let partitions = [("1", "s3://lake/t/k=1/"), ("2", "s3://lake/t/k=2/")];
        let cases: Vec<(TableDraft, Expected)> = vec![
            (
                draft("parquet", &["k"], &partitions),
                Some((
                    vec![
                        ("s3://lake/t/k=1/a.parquet", vec!["1"]),
                        ("s3://lake/t/k=2/b.parquet", vec!["2"]),
                    ],
                    4,
                )),
            ),
            (
                draft("parquet", &[], &[]),
                Some((vec![("s3://lake/t/c.parquet", vec![])], 0)),
            ),
            (draft("orc", &["k"], &partitions), Some((vec![], 4))),
            (draft("csv", &["k"], &partitions), None),
            (draft("json", &[], &[]), None),
        ];
        let by_folder = folders();
        for (table, expected) in cases {
            let got = index_of(&table, &by_folder, true).map(|index| {
                let files = index
                    .files
                    .iter()
                    .map(|f| (f.path.clone(), f.partition_values.clone()))
                    .collect::<Vec<(String, Vec<String>)>>();
                (files, index.unread)
            });
            let expected = expected.map(|(files, unread)| {
                let files: Vec<(String, Vec<String>)> = files
                    .into_iter()
                    .map(|(path, values)| {
                        (
                            path.to_string(),
                            values.iter().map(|v| v.to_string()).collect(),
                        )
                    })
                    .collect();
                (files, unread)
            });
            assert_eq!(got, expected, "{}", table.format.classification);
        }
    }

    #[test]
    fn open_format_tables_have_no_index() {
        let mut open = draft("parquet", &[], &[]);
        open.open = Some(Box::new(lakecat_table_formats::OpenTable {
            format: lakecat_table_formats::TableFormat::Delta,
            name: None,
            location: "s3://lake/t/".into(),
            columns: Vec::new(),
            partition_keys: Vec::new(),
            partitions: Vec::new(),
            parameters: BTreeMap::new(),
            storage: None,
            files: None,
            version: String::new(),
            notes: Vec::new(),
        }));
        assert_eq!(index_of(&open, &folders(), true), None);
    }
}
