//! Open-format tables (Delta Lake, Iceberg, Hudi) in a crawl: each root the scan found is
//! read from its own metadata and becomes one table draft, whatever files lie under it.

use std::collections::BTreeMap;

use futures::StreamExt;
use lakecat_catalog::Table;
use lakecat_catalog::crawlers::{GroupingDecision, ObjectIssue, Severity};
use lakecat_classifiers::{Field, FormatProperties, HiveType, Schema};
use lakecat_table_formats::iceberg::{self, IcebergMetadataSummary};
use lakecat_table_formats::{OpenTable, TableFormat, TableRoot};

use crate::group::{self, PartitionDraft, TableDraft};
use crate::location::TargetLocation;
use crate::report::Report;
use crate::scan::{Format, ObjectStats};
use crate::table_roots::FoundRoot;

/// Tables read at once: each read is a few small metadata requests.
const READS_AT_ONCE: usize = 8;

/// What reading the roots of one target gave.
pub(crate) struct OpenTables {
    /// One draft per root read.
    pub(crate) drafts: Vec<TableDraft>,
    /// Whether every root was read: a root that could not be read must not make the table
    /// the catalog has for it look gone.
    pub(crate) all_read: bool,
    /// For each Iceberg draft, by location: what moving a stored pointer to it needs.
    pub(crate) iceberg: BTreeMap<String, IcebergFound>,
}

/// The Iceberg metadata file a crawl chose for a table, with what decides whether a
/// catalog's pointer may move to it.
pub(crate) struct IcebergFound {
    root: TableRoot,
    summary: IcebergMetadataSummary,
    /// Other files with the chosen file's version number (orphans of lost commits, or the
    /// current file if the chosen one is the orphan).
    rivals: Vec<String>,
}

/// Reads every root of `roots` (paths relative to `location`), recording a grouping decision
/// per table and an issue per table that could not be read or was read only in part.
pub(crate) async fn read_roots(
    location: &TargetLocation,
    roots: &BTreeMap<String, FoundRoot>,
    table_prefix: &str,
    report: &Report,
) -> OpenTables {
    // Owned roots: a stream of futures over borrowed items would make the crawl's future
    // generic over their lifetimes, which `tokio::spawn` cannot prove `Send`.
    let roots: Vec<(String, FoundRoot, TableRoot)> = roots
        .iter()
        .map(|(relative, found)| {
            let root = TableRoot {
                store: location.store().clone(),
                path: location.path_of(relative),
                url: group::folder_url(location, relative),
            };
            (relative.clone(), found.clone(), root)
        })
        .collect();
    let reads = futures::stream::iter(roots)
        .map(|(relative, found, root)| async move {
            let (read, iceberg) = match found.format {
                TableFormat::Iceberg => match iceberg::read_current(&root).await {
                    Ok(current) => {
                        let found = IcebergFound {
                            root: root.clone(),
                            summary: current.summary,
                            rivals: current.rivals,
                        };
                        (Ok(current.table), Some(found))
                    }
                    Err(error) => (Err(error), None),
                },
                format => (lakecat_table_formats::read(&root, format).await, None),
            };
            (relative, found, root.url, read, iceberg)
        })
        .buffered(READS_AT_ONCE)
        .collect::<Vec<_>>()
        .await;
    let mut drafts = Vec::new();
    let mut all_read = true;
    let mut iceberg_found = BTreeMap::new();
    for (relative, found, url, read, iceberg) in reads {
        if let Some(iceberg) = iceberg {
            iceberg_found.insert(url.clone(), iceberg);
        }
        match read {
            Ok(open) => {
                let name = group::table_name(location, &relative, table_prefix);
                for note in &open.notes {
                    report.issue(ObjectIssue {
                        path: url.clone(),
                        severity: Severity::Warning,
                        message: format!("{} table: {note}", open.format),
                    });
                }
                report.decide(GroupingDecision {
                    location: url.clone(),
                    outcome: format!("one {} table {name:?}", open.format),
                    reason: reason(&open),
                });
                drafts.push(draft(name, url, open));
            }
            Err(error) => {
                all_read = false;
                report.issue(ObjectIssue {
                    path: url.clone(),
                    severity: Severity::Error,
                    message: format!(
                        "a {} table's metadata could not be read, so the table is left as \
                         the catalog has it: {error}",
                        found.format
                    ),
                });
                report.decide(GroupingDecision {
                    location: url,
                    outcome: format!("no table: the {} metadata is unreadable", found.format),
                    reason: format!(
                        "{} found, so nothing below this folder is read as loose files",
                        found.format.metadata_folder()
                    ),
                });
            }
        }
    }
    OpenTables {
        drafts,
        all_read,
        iceberg: iceberg_found,
    }
}

/// Leaves the catalog's pointer where it is for every Iceberg table whose chosen metadata
/// file is not known to descend from the file the stored table points at (another table's
/// file copied in, or the orphan of a commit that lost the catalog's swap): moving the
/// pointer there would hide committed snapshots. Such a table's draft is dropped, with a
/// warning saying why, and the target judges nothing gone.
pub(crate) async fn hold_unsafe_pointer_moves(
    open: &mut OpenTables,
    stored: &BTreeMap<String, Table>,
    report: &Report,
) {
    let mut held = Vec::new();
    for (index, draft) in open.drafts.iter().enumerate() {
        let Some(table) = stored_table_of(draft, stored) else {
            continue;
        };
        let (Some(pointer), Some(found)) = (
            table.parameters.get(METADATA_LOCATION),
            open.iceberg.get(&draft.location),
        ) else {
            continue;
        };
        if same_pointer(pointer, &found.summary.metadata_location) {
            continue;
        }
        let older = match pointer.strip_prefix(draft.location.as_str()) {
            Some(below) => {
                iceberg::read_metadata_file(&*found.root.store, &found.root.child(below), pointer)
                    .await
                    .ok()
            }
            None => None,
        };
        let why = if !found.rivals.is_empty() {
            format!(
                "other metadata files have the same version ({}), so which one is current                  only the catalog knows",
                found.rivals.join(", ")
            )
        } else if !found.summary.descends_from(pointer, older.as_ref()) {
            "it does not descend from the file the catalog points at (another table's uuid,              or neither its metadata-log nor a higher sequence number leads back to it)"
                .to_string()
        } else {
            continue;
        };
        let message = format!(
            "Iceberg table {:?}: the newest metadata file {} was not taken: {why}; the              catalog's metadata_location stays {pointer}",
            table.name, found.summary.metadata_location
        );
        report.issue(ObjectIssue {
            path: draft.location.clone(),
            severity: Severity::Warning,
            message: message.clone(),
        });
        report.decide(GroupingDecision {
            location: draft.location.clone(),
            outcome: format!(
                "the Iceberg table {:?} is left as the catalog has it",
                table.name
            ),
            reason: message,
        });
        held.push(index);
    }
    if held.is_empty() {
        return;
    }
    open.all_read = false;
    for index in held.into_iter().rev() {
        open.drafts.remove(index);
    }
}

/// The catalog parameter holding an Iceberg table's pointer.
const METADATA_LOCATION: &str = "metadata_location";

/// Whether two pointers name the same file (`s3a://`, `s3n://` read as `s3://`).
fn same_pointer(a: &str, b: &str) -> bool {
    let plain = |url: &str| {
        url.strip_prefix("s3a://")
            .or_else(|| url.strip_prefix("s3n://"))
            .map_or_else(|| url.to_string(), |rest| format!("s3://{rest}"))
    };
    plain(a) == plain(b)
}

/// The stored table of the draft's open format at the draft's location, if any.
fn stored_table_of<'a>(
    draft: &TableDraft,
    stored: &'a BTreeMap<String, Table>,
) -> Option<&'a Table> {
    let open = draft.open.as_ref()?;
    stored.values().find(|table| {
        crate::snapshot::location_of(table)
            .is_some_and(|loc| normalized(loc) == normalized(&draft.location))
            && stored_format(table) == Some(open.format)
    })
}

/// Why the folder is one table of its format, with the figures that show what was not read.
fn reason(open: &OpenTable) -> String {
    let mut reason = format!(
        "{} found; {} read",
        open.format.metadata_folder(),
        open.version
    );
    // No count of the objects listed below the root: those listed before the root was
    // known are not claimed, so the figure would depend on the listing's order.
    match open.files {
        Some(files) => reason.push_str(&format!(
            ": {} live data file(s), {} record(s){}; the objects below this folder are the \
             table's files and metadata, not tables (files removed by commits are not \
             counted)",
            files.files,
            files.records,
            if files.records_estimated {
                " (estimated)"
            } else {
                ""
            },
        )),
        None => reason.push_str("; the objects below this folder are the table's, not tables"),
    }
    if !open.partition_keys.is_empty() {
        let keys: Vec<&str> = open
            .partition_keys
            .iter()
            .map(|k| k.name.as_str())
            .collect();
        reason.push_str(&format!(
            "; {} partition(s) on ({})",
            open.partitions.len(),
            keys.join(", ")
        ));
    }
    reason
}

/// The schema of columns given as Hive type strings; a type that does not parse (a format's
/// type Hive lacks) reads as `string`.
fn schema_of(columns: &[lakecat_table_formats::OpenColumn]) -> Schema {
    Schema {
        fields: columns
            .iter()
            .map(|c| {
                Field::new(
                    c.name.clone(),
                    c.type_name.parse().unwrap_or(HiveType::String),
                )
            })
            .collect(),
    }
}

/// How a table's files are read, as the crawler's formats say it.
fn storage_properties(storage: Option<&lakecat_table_formats::StorageFormat>) -> FormatProperties {
    let Some(storage) = storage else {
        return FormatProperties::default();
    };
    FormatProperties {
        input_format: storage.input_format.clone(),
        output_format: storage.output_format.clone(),
        serde_library: storage.serde_library.clone(),
        serde_parameters: storage.serde_parameters.clone(),
        ..FormatProperties::default()
    }
}

/// The draft of the table `open` read at `url`.
fn draft(name: String, url: String, open: OpenTable) -> TableDraft {
    let stats = open
        .files
        .map_or_else(ObjectStats::default, |files| ObjectStats {
            objects: files.files,
            bytes: files.bytes,
            records: files.records,
            bytes_read_objects: files.bytes,
        });
    let schema = schema_of(&open.columns);
    let partitions = open
        .partitions
        .iter()
        .map(|p| PartitionDraft {
            values: p.values.clone(),
            location: format!("{url}{}/", p.folder),
            schema: schema.clone(),
            stats: ObjectStats {
                objects: p.files.files,
                bytes: p.files.bytes,
                records: p.files.records,
                bytes_read_objects: p.files.bytes,
            },
            figures: None,
            schema_parameters: BTreeMap::new(),
        })
        .collect();
    TableDraft {
        name,
        location: url,
        format: Format {
            classification: open.format.classification().to_string(),
            properties: storage_properties(open.storage.as_ref()),
        },
        schema,
        partition_keys: open.partition_keys.iter().map(|k| k.name.clone()).collect(),
        partitions,
        stats,
        figures: None,
        schema_parameters: BTreeMap::new(),
        open: Some(Box::new(open)),
    }
}

/// A location without its trailing `/`, so that `s3://b/t` and `s3://b/t/` compare equal
/// (PyIceberg stores table locations without one).
fn normalized(location: &str) -> &str {
    location.trim_end_matches('/')
}

/// Gives each open-format draft the name of the stored table of the same format at the same
/// location, when there is one: a table that PyIceberg (or another client, or this crawler
/// under an older prefix) registered is the same table, found again, not a second one.
pub(crate) fn adopt_stored_names(drafts: &mut [TableDraft], stored: &BTreeMap<String, Table>) {
    for draft in drafts {
        if let Some(table) = stored_table_of(draft, stored) {
            draft.name.clone_from(&table.name);
        }
    }
}

/// The open format a stored table says it is (`table_type`, `classification`, or the Spark
/// provider, compared as engines compare them: ignoring case).
fn stored_format(table: &Table) -> Option<TableFormat> {
    let says = |key: &str, value: &str| {
        table
            .parameters
            .get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case(value))
    };
    [TableFormat::Delta, TableFormat::Iceberg, TableFormat::Hudi]
        .into_iter()
        .find(|format| {
            let name = format.classification();
            says("table_type", name)
                || says("classification", name)
                || says("spark.sql.sources.provider", name)
        })
}
