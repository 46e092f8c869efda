//! Glue's dedicated open-table-format targets: a Delta target names one table's root, read
//! directly; Iceberg and Hudi targets are searched for tables of their format only, down
//! to the target's `MaximumTraversalDepth`. Nothing else under them becomes a table.

use std::collections::BTreeMap;

use futures::StreamExt;
use lakecat_catalog::crawlers::{GroupingDecision, ObjectIssue, Severity, TargetKind};
use lakecat_table_formats::TableFormat;
use object_store::path::Path;

use crate::error::describe_store_error;
use crate::location::TargetLocation;
use crate::open_tables::{self, OpenTables};
use crate::report::Report;
use crate::table_roots::FoundRoot;

/// The one format a dedicated target holds; `None` for an S3 target, which holds any.
pub(crate) fn format_of(kind: TargetKind) -> Option<TableFormat> {
    match kind {
        TargetKind::S3 => None,
        TargetKind::Delta => Some(TableFormat::Delta),
        TargetKind::Iceberg => Some(TableFormat::Iceberg),
        TargetKind::Hudi => Some(TableFormat::Hudi),
    }
}

/// Reads the Delta table whose root is the target. A target without a `_delta_log/` folder
/// is recorded as an error and leaves the catalog's table as it is, unless nothing at all
/// is left there: then the table is gone.
pub(crate) async fn read_delta_target(
    location: &TargetLocation,
    table_prefix: &str,
    report: &Report,
) -> OpenTables {
    let url = location.url();
    let log = location.path_of("_delta_log");
    match (
        first_object(location, &log).await,
        first_object(location, location.prefix()).await,
    ) {
        (Ok(true), _) => {
            let roots = BTreeMap::from([(
                String::new(),
                FoundRoot {
                    format: TableFormat::Delta,
                    objects: 0,
                },
            )]);
            open_tables::read_roots(location, &roots, table_prefix, report).await
        }
        (Ok(false), Ok(false)) => {
            report.decide(GroupingDecision {
                location: url,
                outcome: "no table: nothing is stored here".into(),
                reason: "a Delta target names one table's root; without objects the table \
                         is gone"
                    .into(),
            });
            OpenTables {
                drafts: Vec::new(),
                all_read: true,
                iceberg: BTreeMap::new(),
            }
        }
        (Ok(false), Ok(true)) => {
            let message = "no _delta_log/ folder here, so this is not a Delta Lake table's \
                           root (a Delta target names the folder that holds _delta_log/); \
                           the catalog's table for it is left as it is";
            not_read(location, report, message.to_string())
        }
        (Err(message), _) | (_, Err(message)) => not_read(
            location,
            report,
            format!("the Delta table could not be listed, so it is left as it is: {message}"),
        ),
    }
}

/// Records that a Delta target could not be read; the tables under it are not judged gone.
fn not_read(location: &TargetLocation, report: &Report, message: String) -> OpenTables {
    let url = location.url();
    report.issue(ObjectIssue {
        path: url.clone(),
        severity: Severity::Error,
        message: message.clone(),
    });
    report.decide(GroupingDecision {
        location: url,
        outcome: "no table".into(),
        reason: message,
    });
    OpenTables {
        drafts: Vec::new(),
        all_read: false,
        iceberg: BTreeMap::new(),
    }
}

/// Whether anything is stored below `prefix`.
async fn first_object(location: &TargetLocation, prefix: &Path) -> Result<bool, String> {
    let prefix = (!prefix.as_ref().is_empty()).then_some(prefix);
    match location.store().list(prefix).next().await {
        None => Ok(false),
        Some(Ok(_)) => Ok(true),
        Some(Err(error)) => Err(describe_store_error(&error)),
    }
}

/// Keeps the roots an Iceberg or Hudi target looks for: those of its format whose metadata
/// folder lies at most `maximum_depth` folders below the target. Every root left out gets a
/// grouping decision saying why, and nothing below it becomes a table either.
pub(crate) fn keep_roots_of(
    format: TableFormat,
    maximum_depth: Option<u32>,
    roots: &mut BTreeMap<String, FoundRoot>,
    location: &TargetLocation,
    report: &Report,
) {
    roots.retain(|relative, found| {
        let Some(reason) = left_out(format, maximum_depth, relative, found.format) else {
            return true;
        };
        report.decide(GroupingDecision {
            location: crate::group::folder_url(location, relative),
            outcome: "no table".into(),
            reason,
        });
        false
    });
}

/// Why a root is not one an Iceberg or Hudi target looks for; `None` when it is.
fn left_out(
    format: TableFormat,
    maximum_depth: Option<u32>,
    relative: &str,
    found: TableFormat,
) -> Option<String> {
    if found != format {
        return Some(format!(
            "a {found} table ({} found), and this target looks only for {format} tables",
            found.metadata_folder()
        ));
    }
    // The metadata folder is one level below the root.
    let depth = metadata_depth(relative);
    match maximum_depth {
        Some(maximum) if depth > maximum => Some(format!(
            "a {format} table whose {} lies {depth} folders below the target, deeper than \
             its MaximumTraversalDepth of {maximum}",
            found.metadata_folder()
        )),
        _ => None,
    }
}

/// How many folders below the target the metadata folder of the root at `relative` lies.
fn metadata_depth(relative: &str) -> u32 {
    let root_depth = if relative.is_empty() {
        0
    } else {
        relative.split('/').count() as u32
    };
    root_depth + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_keeps_roots_of_its_format_within_its_depth() {
        use TableFormat::{Delta, Hudi, Iceberg};
        struct Case {
            name: &'static str,
            format: TableFormat,
            depth: Option<u32>,
            root: &'static str,
            found: TableFormat,
            kept: bool,
        }
        let cases = [
            Case {
                name: "the target itself is a table at depth 1",
                format: Iceberg,
                depth: Some(1),
                root: "",
                found: Iceberg,
                kept: true,
            },
            Case {
                name: "a table one folder down needs depth 2",
                format: Iceberg,
                depth: Some(1),
                root: "orders",
                found: Iceberg,
                kept: false,
            },
            Case {
                name: "warehouse/db/table at depth 3",
                format: Iceberg,
                depth: Some(3),
                root: "db/orders",
                found: Iceberg,
                kept: true,
            },
            Case {
                name: "no depth means any depth",
                format: Hudi,
                depth: None,
                root: "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u",
                found: Hudi,
                kept: true,
            },
            Case {
                name: "another format is left out",
                format: Iceberg,
                depth: None,
                root: "sales",
                found: Delta,
                kept: false,
            },
            Case {
                name: "a Hudi target leaves Iceberg out",
                format: Hudi,
                depth: Some(20),
                root: "events",
                found: Iceberg,
                kept: false,
            },
        ];
        for case in cases {
            let reason = left_out(case.format, case.depth, case.root, case.found);
            assert_eq!(reason.is_none(), case.kept, "{}: {reason:?}", case.name);
        }
    }

    #[test]
    fn the_reason_names_the_depth_and_the_limit() {
        let reason = left_out(
            TableFormat::Iceberg,
            Some(2),
            "db/orders",
            TableFormat::Iceberg,
        );
        let reason = reason.expect("too deep");
        assert!(reason.contains("3 folders below"), "{reason}");
        assert!(reason.contains("MaximumTraversalDepth of 2"), "{reason}");
    }

    #[test]
    fn every_target_kind_but_s3_holds_one_format() {
        assert_eq!(format_of(TargetKind::S3), None);
        assert_eq!(format_of(TargetKind::Delta), Some(TableFormat::Delta));
        assert_eq!(format_of(TargetKind::Iceberg), Some(TableFormat::Iceberg));
        assert_eq!(format_of(TargetKind::Hudi), Some(TableFormat::Hudi));
    }
}
