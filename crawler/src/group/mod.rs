//! Deciding tables: which folders become one table with partitions, which become separate
//! tables, and which objects belong to no table. Every decision is explained.
//!
//! The rules, applied from the target down:
//!
//! 1. A folder with no subfolders holding data is a table (its objects of the most common
//!    format; objects of other formats are skipped and reported).
//! 2. Objects that sit beside subfolders are skipped and reported, never made tables of
//!    their own: a stray file must not spawn a junk table.
//! 3. A folder's subfolders are the partitions of one table rooted at the folder when they
//!    are alike: they hold the same format, their schemas fall into at most
//!    [`MAX_SCHEMA_GROUPS`] groups of similar schemas (similarity at least
//!    [`SIMILARITY_THRESHOLD`] to the group's first schema) and the largest group holds more
//!    than [`MAJORITY_SHARE`] of them, and more than that share of their data folders sit
//!    at the same depth. This is Glue's 70% rule; `CombineCompatibleSchemas` drops the
//!    schema condition.
//! 4. Otherwise each subfolder is decided on its own, by the same rules.
//!
//! An explicit table level (`TableLevelConfiguration`) replaces rules 3 and 4: tables sit at
//! that depth, and everything below them is partitions.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use lakecat_catalog::crawlers::{GroupingDecision, ObjectIssue, Severity};
use lakecat_classifiers::merge::{containment, merge_schemas, similarity};
use lakecat_classifiers::{Field, RowStatistics, Schema};
use sha2::{Digest, Sha256};

use crate::location::TargetLocation;

pub(crate) mod incremental;
pub(crate) mod listed;
use crate::report::Report;
use crate::scan::{FolderScan, Format, ObjectStats, merge_figures};

/// Schemas at least this similar are alike (Glue's 70%).
pub const SIMILARITY_THRESHOLD: f64 = 0.7;
/// The share of subfolders that must be alike for them to be partitions of one table.
pub const MAJORITY_SHARE: f64 = 0.7;
/// Most groups of similar schemas among the partitions of one table (Glue's 5).
pub const MAX_SCHEMA_GROUPS: usize = 5;
/// Longest table name written (Glue truncates crawler table names to 128 characters).
pub const MAX_TABLE_NAME_CHARS: usize = 128;

/// How to group.
#[derive(Debug, Clone, Default)]
pub struct GroupingOptions {
    /// `CombineCompatibleSchemas`: partitions need the same format, not similar schemas.
    pub combine_compatible_schemas: bool,
    /// Tables at this absolute depth (the bucket's top folder is 1).
    pub table_level: Option<u32>,
    /// Prepended to table names.
    pub table_prefix: String,
}

/// One partition of a table draft.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionDraft {
    /// The partition's values, one per partition key.
    pub values: Vec<String>,
    /// Its folder's URL, ending with `/`.
    pub location: String,
    /// The columns its objects have.
    pub schema: Schema,
    /// Its objects' counts.
    pub stats: ObjectStats,
    /// Column statistics of the rows of its objects that were read.
    pub figures: Option<RowStatistics>,
    /// SerDe parameters that restate the schema, from its last object's shape.
    pub schema_parameters: BTreeMap<String, String>,
}

/// A table the crawl found.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDraft {
    /// Table name (sanitized, prefixed, unique within the crawl).
    pub name: String,
    /// The table's folder URL, ending with `/`.
    pub location: String,
    /// How its objects are read.
    pub format: Format,
    /// Its columns, partition keys left out.
    pub schema: Schema,
    /// Partition key names (all typed `string`).
    pub partition_keys: Vec<String>,
    /// Its partitions; empty for an unpartitioned table.
    pub partitions: Vec<PartitionDraft>,
    /// All its objects' counts.
    pub stats: ObjectStats,
    /// Column statistics of the rows of all its objects that were read.
    pub figures: Option<RowStatistics>,
    /// SerDe parameters that restate the schema, from the last object's shape (the newest
    /// schema in a layout where names sort by time).
    pub schema_parameters: BTreeMap<String, String>,
    /// For a table of an open format (Delta, Iceberg, Hudi): what its metadata says, which
    /// is what the catalog records instead of what its files look like.
    pub open: Option<Box<lakecat_table_formats::OpenTable>>,
}

/// A data folder below the folder being decided.
#[derive(Debug, Clone, Copy)]
struct Leaf<'a> {
    /// Path relative to the target.
    path: &'a str,
    scan: &'a FolderScan,
}

/// Path parts of `leaf` below the folder at `node` (which is `""` or a prefix of it).
fn parts_below<'a>(node: &str, leaf: &'a str) -> Vec<&'a str> {
    let rest = if node.is_empty() {
        leaf
    } else {
        leaf.get(node.len() + 1..).unwrap_or_default()
    };
    if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('/').collect()
    }
}

/// Decides the tables of one target.
pub fn group(
    scan: &BTreeMap<String, FolderScan>,
    location: &TargetLocation,
    options: &GroupingOptions,
    report: &Report,
) -> Vec<TableDraft> {
    let leaves: Vec<Leaf<'_>> = scan
        .iter()
        .map(|(path, scan)| Leaf { path, scan })
        .collect();
    let mut grouper = Grouper {
        location,
        options,
        report,
        tables: Vec::new(),
    };
    if !leaves.is_empty() {
        grouper.decide("", &leaves);
    }
    let mut tables = grouper.tables;
    make_names_unique(&mut tables);
    tables
}

struct Grouper<'a> {
    location: &'a TargetLocation,
    options: &'a GroupingOptions,
    report: &'a Report,
    tables: Vec<TableDraft>,
}

/// The most common format among some shapes, by object count (ties: the first seen).
fn majority_format<'a>(leaves: &[Leaf<'a>]) -> Option<&'a Format> {
    let mut counts: Vec<(&Format, u64)> = Vec::new();
    for leaf in leaves {
        for shape in &leaf.scan.shapes {
            match counts.iter_mut().find(|(f, _)| *f == &shape.format) {
                Some((_, n)) => *n += shape.stats.objects,
                None => counts.push((&shape.format, shape.stats.objects)),
            }
        }
    }
    let mut best: Option<(&Format, u64)> = None;
    for (format, n) in counts {
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((format, n));
        }
    }
    best.map(|(f, _)| f)
}

/// The merged schema of a set of leaves' shapes in `format`, in path order.
fn merged_schema(leaves: &[Leaf<'_>], format: &Format) -> Schema {
    merge_schemas(
        leaves
            .iter()
            .flat_map(|l| l.scan.shapes.iter())
            .filter(|s| &s.format == format)
            .map(|s| &s.schema),
    )
}

/// How the schemas of sibling folders are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Likeness {
    /// Glue's rule, for folders named like datasets: similarity to the group's first schema.
    Similar,
    /// For partition folders (`key=value`, numbers, dates), which hold versions of one
    /// dataset: containment in the group's merged schema, so that partitions which gained
    /// or lack columns stay one table whatever their share.
    Versions,
}

impl Likeness {
    /// For the subfolders named `names`.
    fn of(names: &[String]) -> Likeness {
        if names.iter().all(|name| looks_like_partition(name)) {
            Likeness::Versions
        } else {
            Likeness::Similar
        }
    }

    fn score(self, group: &Schema, schema: &Schema) -> f64 {
        match self {
            Likeness::Similar => similarity(group, schema),
            Likeness::Versions => containment(group, schema),
        }
    }

    /// The rule, for explanations.
    fn describe(self) -> String {
        let threshold = SIMILARITY_THRESHOLD * 100.0;
        match self {
            Likeness::Similar => format!("similar schemas (similarity at least {threshold:.0}%)"),
            Likeness::Versions => format!(
                "schema versions (the partition folders share at least {threshold:.0}% of the \
                 narrower of their columns and their group's merged columns)"
            ),
        }
    }
}

/// A group of alike schemas.
#[derive(Debug, Clone, PartialEq)]
struct SchemaGroup {
    /// The schema members are compared with: the first member's (similar schemas) or the
    /// members' merged (versions).
    schema: Schema,
    /// Members, weighted.
    weight: usize,
    /// The lowest score with which a member joined (1 for the first alone).
    lowest_score: f64,
}

/// Groups of alike schemas: each schema joins the first group it is alike to. Returns the
/// groups, largest first.
fn schema_groups(schemas: &[(Schema, usize)], likeness: Likeness) -> Vec<SchemaGroup> {
    let mut groups: Vec<SchemaGroup> = Vec::new();
    for (schema, weight) in schemas {
        let joined = groups.iter_mut().find_map(|group| {
            let score = likeness.score(&group.schema, schema);
            (score >= SIMILARITY_THRESHOLD).then_some((group, score))
        });
        match joined {
            Some((group, score)) => {
                group.weight += weight;
                group.lowest_score = group.lowest_score.min(score);
                if likeness == Likeness::Versions {
                    group.schema = merge_schemas([&group.schema, schema]);
                }
            }
            None => groups.push(SchemaGroup {
                schema: schema.clone(),
                weight: *weight,
                lowest_score: 1.0,
            }),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.weight));
    groups
}

/// Lower case, with every character but letters, digits and `_` replaced by `_`.
pub fn sanitize_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn short_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// Gives tables that would share a name a suffix made from a hash of their location.
pub(crate) fn make_names_unique(tables: &mut [TableDraft]) {
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    for table in tables.iter() {
        *by_name.entry(table.name.clone()).or_default() += 1;
    }
    for table in tables.iter_mut() {
        if by_name.get(&table.name).copied().unwrap_or(0) > 1 {
            let suffix = format!("_{}", short_hash(&table.location));
            let keep = MAX_TABLE_NAME_CHARS - suffix.len();
            table.name = format!(
                "{}{suffix}",
                table.name.chars().take(keep).collect::<String>()
            );
        }
    }
}

/// Renames the drafts whose name a stored table at another location holds (another
/// table): the name gets a short hash of the draft's location, and both tables are kept.
/// (A stored table at the draft's own location is the same table, found again.)
pub(crate) fn name_beside_stored_tables(
    drafts: &mut [TableDraft],
    stored: &BTreeMap<String, lakecat_catalog::Table>,
) {
    for draft in drafts {
        // Locations compare without a trailing `/`: clients such as PyIceberg store none.
        let elsewhere = stored.get(&draft.name).is_some_and(|existing| {
            crate::snapshot::location_of(existing).map(|l| l.trim_end_matches('/'))
                != Some(draft.location.trim_end_matches('/'))
        });
        if elsewhere {
            let hash = crate::output::fingerprint(&lakecat_catalog::TableInput {
                name: draft.location.clone(),
                ..lakecat_catalog::TableInput::default()
            });
            draft.name = format!(
                "{}_{}",
                draft.name.chars().take(119).collect::<String>(),
                &hash[..8]
            );
        }
    }
}

/// Splits a Hive-style `key=value` folder name; the value is percent-decoded.
pub fn hive_pair(folder: &str) -> Option<(String, String)> {
    let (key, value) = folder.split_once('=')?;
    if key.is_empty() {
        return None;
    }
    let value = percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .map(|v| v.into_owned())
        .unwrap_or_else(|_| value.to_string());
    Some((key.to_lowercase(), value))
}

impl Grouper<'_> {
    fn folder_url(&self, relative: &str) -> String {
        folder_url(self.location, relative)
    }

    fn decide_that(&self, node: &str, outcome: String, reason: String) {
        self.report.decide(GroupingDecision {
            location: self.folder_url(node),
            outcome,
            reason,
        });
    }

    /// Skips every object of `leaf` (they belong to no table), with the reason.
    fn skip_leaf(&self, leaf: &Leaf<'_>, reason: &str) {
        for shape in &leaf.scan.shapes {
            self.skip_objects(shape.stats.objects, &shape.example, reason);
        }
        if leaf.scan.unread.objects > 0 {
            self.report
                .count(|c| c.objects_skipped += leaf.scan.unread.objects);
        }
    }

    fn skip_objects(&self, objects: u64, example: &str, reason: &str) {
        self.report.count(|c| c.objects_skipped += objects);
        let message = if objects > 1 {
            format!("{reason} ({objects} objects like this one skipped)")
        } else {
            reason.to_string()
        };
        self.report.issue(ObjectIssue {
            path: example.to_string(),
            severity: Severity::Warning,
            message,
        });
    }

    /// The absolute depth of a folder relative to the target (bucket's top folder is 1).
    fn absolute_depth(&self, node: &str) -> usize {
        self.location.depth() + parts_below("", node).len()
    }

    fn decide(&mut self, node: &str, leaves: &[Leaf<'_>]) {
        let has_subfolders = leaves.iter().any(|l| l.path != node);
        if let Some(level) = self.options.table_level {
            let depth = self.absolute_depth(node);
            if depth >= level as usize || !has_subfolders {
                let reason = if depth >= level as usize {
                    format!(
                        "the crawler's table level is {level} and this folder is at depth {depth}"
                    )
                } else {
                    format!(
                        "the crawler's table level is {level}, but this folder (depth {depth}) \
                         has no subfolders"
                    )
                };
                self.make_table(node, leaves, reason);
                return;
            }
            self.skip_beside_folders(node, leaves, &format!("above the table level {level}"));
            for (child, child_leaves) in children(node, leaves) {
                self.decide(&child, &child_leaves);
            }
            return;
        }
        if !has_subfolders {
            self.make_table(
                node,
                leaves,
                "a folder of files without data subfolders".into(),
            );
            return;
        }
        self.skip_beside_folders(node, leaves, "sits beside folders");
        let children = children(node, leaves);
        if let [(only, only_leaves)] = children.as_slice() {
            let name = last_part(only);
            if !looks_like_partition(&name) {
                self.decide_that(
                    node,
                    format!("the table is found below, in {name}"),
                    format!(
                        "{name} is the only subfolder and its name is neither key=value nor a \
                         number or date, so it names a dataset rather than a partition"
                    ),
                );
                self.decide(only, only_leaves);
                return;
            }
        }
        match self.alike(node, &children) {
            Ok(reason) => {
                let below: Vec<Leaf<'_>> =
                    leaves.iter().filter(|l| l.path != node).copied().collect();
                self.make_table(node, &below, reason);
            }
            Err(reason) => {
                let names: Vec<String> = children.iter().map(|(c, _)| last_part(c)).collect();
                self.decide_that(
                    node,
                    format!(
                        "each of the {} subfolders is decided on its own: {}",
                        names.len(),
                        names.join(", ")
                    ),
                    reason,
                );
                for (child, child_leaves) in children {
                    self.decide(&child, &child_leaves);
                }
            }
        }
    }

    fn skip_beside_folders(&self, node: &str, leaves: &[Leaf<'_>], why: &str) {
        if let Some(direct) = leaves.iter().find(|l| l.path == node)
            && leaves.len() > 1
        {
            self.skip_leaf(
                direct,
                &format!(
                    "not part of any table: the file {why} in {}; a file beside folders \
                     cannot be a partition, and lakecat does not make single-file tables",
                    self.folder_url(node)
                ),
            );
        }
    }

    /// Whether the subfolders of `node` are partitions of one table: `Ok` with the reason,
    /// or `Err` with why not.
    fn alike(&self, node: &str, children: &[(String, Vec<Leaf<'_>>)]) -> Result<String, String> {
        let count = children.len();
        let mut formats: Vec<(&str, &Format)> = Vec::new();
        for (child, child_leaves) in children {
            if let Some(format) = majority_format(child_leaves) {
                formats.push((child, format));
            }
        }
        let Some((_, first_format)) = formats.first() else {
            return Err("no data".into());
        };
        if let Some((other_child, other)) = formats.iter().find(|(_, f)| f != first_format) {
            return Err(format!(
                "the subfolders hold different formats: {} in {} but {} in {}",
                first_format.describe(),
                last_part(formats[0].0),
                other.describe(),
                last_part(other_child)
            ));
        }
        // Depths of the data folders below `node`, in folders.
        let mut depths: BTreeMap<usize, usize> = BTreeMap::new();
        for (_, child_leaves) in children {
            for leaf in child_leaves {
                *depths
                    .entry(parts_below(node, leaf.path).len())
                    .or_default() += 1;
            }
        }
        let leaf_count: usize = depths.values().sum();
        let (depth, at_depth) = depths
            .iter()
            .max_by_key(|(d, n)| (**n, usize::MAX - **d))
            .map(|(d, n)| (*d, *n))
            .unwrap_or((1, 0));
        if (at_depth as f64) <= MAJORITY_SHARE * leaf_count as f64 && depths.len() > 1 {
            return Err(format!(
                "the data folders sit at different depths: {} (the most common depth holds \
                 {at_depth} of {leaf_count}, more than {:.0}% is needed)",
                describe_depths(&depths),
                MAJORITY_SHARE * 100.0
            ));
        }
        let partitions = if depth == 1 {
            format!("{count} partition folders")
        } else {
            format!("{leaf_count} partition folders {depth} levels deep")
        };
        if self.options.combine_compatible_schemas {
            return Ok(format!(
                "all {partitions} hold {}; the table grouping policy CombineCompatibleSchemas \
                 merges their schemas whatever their similarity",
                first_format.describe()
            ));
        }
        let schemas: Vec<(Schema, usize)> = children
            .iter()
            .map(|(_, child_leaves)| (merged_schema(child_leaves, first_format), 1))
            .collect();
        let names: Vec<String> = children.iter().map(|(c, _)| last_part(c)).collect();
        let likeness = Likeness::of(&names);
        let groups = schema_groups(&schemas, likeness);
        let largest = groups.first().map_or(0, |g| g.weight);
        let lowest = groups.first().map_or(1.0, |g| g.lowest_score);
        let share = largest as f64 / count as f64;
        let summary = format!(
            "{} group(s) of {}; the largest holds {largest} of {count} subfolders ({:.0}%, \
             the least alike at {:.0}%)",
            groups.len(),
            likeness.describe(),
            share * 100.0,
            lowest * 100.0
        );
        if groups.len() > MAX_SCHEMA_GROUPS {
            return Err(format!(
                "{summary}; more than {MAX_SCHEMA_GROUPS} groups means separate tables"
            ));
        }
        if count > 1 && share <= MAJORITY_SHARE {
            return Err(format!(
                "{summary}; more than {:.0}% must be alike to be partitions of one table",
                MAJORITY_SHARE * 100.0
            ));
        }
        Ok(format!(
            "all {partitions} hold {}; {summary}",
            first_format.describe()
        ))
    }

    /// Makes the table rooted at `node` from `leaves`.
    fn make_table(&mut self, node: &str, leaves: &[Leaf<'_>], reason: String) {
        let Some(format) = majority_format(leaves).cloned() else {
            return;
        };
        // Objects of other formats cannot be read by this table's SerDe.
        for leaf in leaves {
            for shape in leaf.scan.shapes.iter().filter(|s| s.format != format) {
                self.skip_objects(
                    shape.stats.objects,
                    &shape.example,
                    &format!(
                        "not part of the table at {}: {} among objects of its format, {}",
                        self.folder_url(node),
                        shape.format.describe(),
                        format.describe()
                    ),
                );
            }
        }
        let with_format: Vec<Leaf<'_>> = leaves
            .iter()
            .filter(|l| l.scan.shapes.iter().any(|s| s.format == format))
            .copied()
            .collect();
        let mut depths: BTreeMap<usize, usize> = BTreeMap::new();
        for leaf in &with_format {
            *depths
                .entry(parts_below(node, leaf.path).len())
                .or_default() += 1;
        }
        let depth = depths
            .iter()
            .max_by_key(|(d, n)| (**n, usize::MAX - **d))
            .map(|(d, _)| *d)
            .unwrap_or(0);
        let (partition_leaves, stray): (Vec<Leaf<'_>>, Vec<Leaf<'_>>) = with_format
            .into_iter()
            .partition(|l| parts_below(node, l.path).len() == depth);
        for leaf in &stray {
            self.skip_leaf(
                leaf,
                &format!(
                    "not part of the table at {}: its partitions are {depth} folder(s) deep, \
                     this object {} deep",
                    self.folder_url(node),
                    parts_below(node, leaf.path).len()
                ),
            );
        }
        let keys = partition_keys(node, &partition_leaves, depth);
        let mut schema = merged_schema(&partition_leaves, &format);
        let clashing: Vec<String> = schema
            .fields
            .iter()
            .filter(|f| keys.iter().any(|k| k.eq_ignore_ascii_case(&f.name)))
            .map(|f| f.name.clone())
            .collect();
        schema
            .fields
            .retain(|f| !keys.iter().any(|k| k.eq_ignore_ascii_case(&f.name)));
        let mut stats = ObjectStats::default();
        let mut figures = Some(RowStatistics::default());
        let mut partitions = Vec::new();
        let mut table_schema_parameters = BTreeMap::new();
        for leaf in &partition_leaves {
            let mut leaf_stats = leaf.scan.unread;
            let mut leaf_figures = Some(RowStatistics::default());
            let mut leaf_schemas = Vec::new();
            let mut schema_parameters = BTreeMap::new();
            for shape in leaf.scan.shapes.iter().filter(|s| s.format == format) {
                leaf_stats.add(&shape.stats);
                merge_figures(&mut leaf_figures, shape.figures.as_ref());
                leaf_schemas.push(&shape.schema);
                schema_parameters.clone_from(&shape.schema_parameters);
            }
            table_schema_parameters.clone_from(&schema_parameters);
            stats.add(&leaf_stats);
            merge_figures(&mut figures, leaf_figures.as_ref());
            if depth == 0 {
                continue;
            }
            let own = merge_schemas(leaf_schemas);
            partitions.push(PartitionDraft {
                values: partition_values(node, leaf.path, depth),
                location: self.folder_url(leaf.path),
                schema: typed_like(&own, &schema),
                stats: leaf_stats,
                figures: leaf_figures,
                schema_parameters,
            });
        }
        let name = self.table_name(node);
        let mut outcome = if keys.is_empty() {
            format!("one table {name:?} without partitions")
        } else {
            format!(
                "one table {name:?} with {} partition(s) on ({})",
                partitions.len(),
                keys.join(", ")
            )
        };
        if !clashing.is_empty() {
            let _ = write!(
                outcome,
                "; columns {} are also partition keys and are read from the folder names",
                clashing.join(", ")
            );
        }
        self.decide_that(node, outcome, reason);
        self.tables.push(TableDraft {
            name,
            location: self.folder_url(node),
            format,
            schema,
            partition_keys: keys,
            partitions,
            stats,
            figures,
            schema_parameters: table_schema_parameters,
            open: None,
        });
    }

    fn table_name(&self, node: &str) -> String {
        table_name(self.location, node, &self.options.table_prefix)
    }
}

/// The URL of the folder at `relative` (a path relative to the target), ending with `/`.
pub(crate) fn folder_url(location: &TargetLocation, relative: &str) -> String {
    let prefix = location.prefix().as_ref();
    let full = match (prefix.is_empty(), relative.is_empty()) {
        (true, _) => relative.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) => format!("{prefix}/{relative}"),
    };
    if full.is_empty() {
        location.url()
    } else {
        location.url_of(&full, true)
    }
}

/// The name of a table rooted at the folder `node` (relative to the target): the folder's
/// name (the target's own for `""`), sanitized, after `table_prefix`.
pub(crate) fn table_name(location: &TargetLocation, node: &str, table_prefix: &str) -> String {
    let folder = if node.is_empty() {
        let prefix = location.prefix();
        match prefix.parts().next_back() {
            Some(part) => part.as_ref().to_string(),
            None => location
                .url()
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("root")
                .to_string(),
        }
    } else {
        last_part(node)
    };
    let name = format!("{table_prefix}{}", sanitize_name(&folder));
    name.chars().take(MAX_TABLE_NAME_CHARS).collect()
}

/// Whether a folder name reads as a partition: `key=value`, or a number or date such as
/// `2024`, `06` or `2024-06-01`.
pub fn looks_like_partition(folder: &str) -> bool {
    hive_pair(folder).is_some()
        || (folder.chars().any(|c| c.is_ascii_digit())
            && folder
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | '_' | ':' | '.' | 'T')))
}

fn last_part(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}

fn describe_depths(depths: &BTreeMap<usize, usize>) -> String {
    depths
        .iter()
        .map(|(depth, n)| format!("{n} at depth {depth}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The leaves below `node`, by the subfolder of `node` they are in.
fn children<'a>(node: &str, leaves: &[Leaf<'a>]) -> Vec<(String, Vec<Leaf<'a>>)> {
    let mut by_child: BTreeMap<String, Vec<Leaf<'a>>> = BTreeMap::new();
    for leaf in leaves {
        if let Some(first) = parts_below(node, leaf.path).first() {
            let child = if node.is_empty() {
                (*first).to_string()
            } else {
                format!("{node}/{first}")
            };
            by_child.entry(child).or_default().push(*leaf);
        }
    }
    by_child.into_iter().collect()
}

/// Partition key names: `key` where every folder at a level is `key=value` with the same
/// key, `partition_<level>` otherwise (and for a key already used at a higher level).
fn partition_keys(node: &str, leaves: &[Leaf<'_>], depth: usize) -> Vec<String> {
    let mut keys: Vec<String> = Vec::with_capacity(depth);
    for level in 0..depth {
        let mut hive_key: Option<String> = None;
        let mut consistent = true;
        for leaf in leaves {
            let parts = parts_below(node, leaf.path);
            match parts.get(level).and_then(|p| hive_pair(p)) {
                Some((key, _)) if hive_key.as_ref().is_none_or(|k| *k == key) => {
                    hive_key = Some(key);
                }
                _ => {
                    consistent = false;
                    break;
                }
            }
        }
        let key = match hive_key {
            Some(key) if consistent && !keys.contains(&key) => key,
            _ => format!("partition_{level}"),
        };
        keys.push(key);
    }
    keys
}

/// A leaf's partition values: Hive values decoded, other folder names as they are.
fn partition_values(node: &str, leaf: &str, depth: usize) -> Vec<String> {
    parts_below(node, leaf)
        .into_iter()
        .take(depth)
        .map(|part| match hive_pair(part) {
            Some((_, value)) => value,
            None => part.to_string(),
        })
        .collect()
}

/// A partition's own columns, typed as the table types them: a partition whose column was
/// inferred `int` in a table where it is `bigint` says `bigint`, so engines that compare
/// partition and table schemas (Athena's HIVE_PARTITION_SCHEMA_MISMATCH) accept it.
fn typed_like(own: &Schema, table: &Schema) -> Schema {
    Schema::new(
        own.fields
            .iter()
            .filter_map(|f| {
                table
                    .fields
                    .iter()
                    .find(|t| t.name.eq_ignore_ascii_case(&f.name))
                    .map(|t| Field::new(t.name.clone(), t.data_type.clone()))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::ObjectStats;
    use lakecat_classifiers::HiveType;

    /// A schema from `name[:type] ...` (types default to `int`).
    fn schema(columns: &str) -> Schema {
        Schema::new(
            columns
                .split_whitespace()
                .map(|column| {
                    let (name, data_type) = column.split_once(':').unwrap_or((column, "int"));
                    Field::new(name, data_type.parse().unwrap_or(HiveType::String))
                })
                .collect(),
        )
    }

    /// Group sizes, largest first, for sibling schemas under each rule.
    #[test]
    fn sibling_schemas_group_by_similarity_or_as_versions() {
        use Likeness::{Similar, Versions};
        let cases: [(&str, Likeness, &[&str], &[usize]); 9] = [
            ("the same schema", Similar, &["a b", "a b", "a b"], &[3]),
            (
                "one added column of four",
                Similar,
                &["a b c", "a b c d"],
                &[2],
            ),
            (
                "three added columns split datasets",
                Similar,
                &["a b", "a b c d e"],
                &[1, 1],
            ),
            (
                "three added columns are one dataset's versions",
                Versions,
                &["a b", "a b", "a b c d e", "a b c d e"],
                &[4],
            ),
            (
                "columns added over time, step by step",
                Versions,
                &["a", "a b", "a b c", "a b c d e f"],
                &[4],
            ),
            (
                "older partitions lack columns",
                Versions,
                &["a b c d e", "a b"],
                &[2],
            ),
            (
                "disjoint datasets stay apart",
                Versions,
                &["a b", "x y", "a b", "x y"],
                &[2, 2],
            ),
            (
                "a few shared keys stay apart",
                Versions,
                &["id ts a b c", "id ts x y z"],
                &[1, 1],
            ),
            (
                "incompatible types count half",
                Versions,
                &["a b:boolean", "a b:date"],
                &[2],
            ),
        ];
        for (case, likeness, schemas, sizes) in cases {
            let schemas: Vec<(Schema, usize)> = schemas.iter().map(|s| (schema(s), 1)).collect();
            let groups = schema_groups(&schemas, likeness);
            let weights: Vec<usize> = groups.iter().map(|g| g.weight).collect();
            assert_eq!(weights, sizes, "{case}");
        }
    }

    /// A scanned folder: `path` holding one object of `format` with `columns`.
    fn folder(format: &str, columns: &str) -> FolderScan {
        FolderScan {
            shapes: vec![crate::scan::Shape {
                format: crate::scan::Format {
                    classification: format.into(),
                    properties: lakecat_classifiers::FormatProperties::text(format),
                },
                schema: schema(columns),
                schema_parameters: BTreeMap::new(),
                figures: None,
                stats: ObjectStats {
                    objects: 1,
                    bytes: 10,
                    records: 1,
                    bytes_read_objects: 10,
                },
                example: "x".into(),
            }],
            unread: ObjectStats::default(),
            files: Vec::new(),
        }
    }

    /// The tables `group` makes of `folders` (path, format, columns), as
    /// `name(keys)[partitions]: columns`.
    fn tables(folders: &[(&str, &str, &str)], options: &GroupingOptions) -> Vec<String> {
        let scan: BTreeMap<String, FolderScan> = folders
            .iter()
            .map(|(path, format, columns)| (path.to_string(), folder(format, columns)))
            .collect();
        let location = TargetLocation::with_store(
            std::sync::Arc::new(object_store::memory::InMemory::new()),
            "memory://",
            "lake",
        );
        let mut found: Vec<String> = group(&scan, &location, options, &Report::default())
            .into_iter()
            .map(|t| {
                let columns: Vec<&str> = t.schema.fields.iter().map(|f| f.name.as_str()).collect();
                format!(
                    "{}({})[{}]: {}",
                    t.name,
                    t.partition_keys.join(","),
                    t.partitions.len(),
                    columns.join(" ")
                )
            })
            .collect();
        found.sort();
        found
    }

    /// Each rule of docs/crawler.md ("Tables and partitions"), with a case that fails if the
    /// rule is removed.
    #[test]
    fn grouping_rules() {
        let default = GroupingOptions::default();
        let combine = GroupingOptions {
            combine_compatible_schemas: true,
            ..GroupingOptions::default()
        };
        type Case<'a> = (
            &'a str,
            Vec<(&'a str, &'a str, &'a str)>,
            &'a GroupingOptions,
            Vec<&'a str>,
        );
        let cases: Vec<Case<'_>> = vec![
            (
                "1. a folder of files without data subfolders is a table",
                vec![("sales", "json", "a b")],
                &default,
                vec!["sales()[0]: a b"],
            ),
            (
                "2. a file beside subfolders is no table of its own",
                vec![
                    ("t", "json", "x"),
                    ("t/p=1", "json", "a b"),
                    ("t/p=2", "json", "a b"),
                ],
                &default,
                vec!["t(p)[2]: a b"],
            ),
            (
                "3. alike key=value subfolders are partitions, keys named by the key",
                vec![
                    ("t/year=2024/m=1", "json", "a b"),
                    ("t/year=2024/m=2", "json", "a b"),
                ],
                &default,
                vec!["t(year,m)[2]: a b"],
            ),
            (
                "3. unnamed partition levels are partition_0, partition_1",
                vec![("t/2024/01", "json", "a b"), ("t/2024/02", "json", "a b")],
                &default,
                vec!["t(partition_0,partition_1)[2]: a b"],
            ),
            (
                "3. different formats are different tables",
                vec![("t/a", "json", "a b"), ("t/b", "csv", "a b")],
                &default,
                vec!["a()[0]: a b", "b()[0]: a b"],
            ),
            (
                "3. dissimilar datasets are different tables",
                vec![("t/x", "json", "a b"), ("t/y", "json", "c d")],
                &default,
                vec!["x()[0]: a b", "y()[0]: c d"],
            ),
            (
                "3. data folders at different depths are not partitions of one table",
                vec![("t/a", "json", "a b"), ("t/b/2024/01", "json", "a b")],
                &default,
                vec!["a()[0]: a b", "b(partition_0,partition_1)[1]: a b"],
            ),
            (
                "3. partitions that gained columns are one table (versions)",
                vec![("t/p=1", "json", "a b"), ("t/p=2", "json", "a b c d e")],
                &default,
                vec!["t(p)[2]: a b c d e"],
            ),
            (
                "3. a data column named like a partition key is dropped",
                vec![("t/p=1", "json", "a p"), ("t/p=2", "json", "a p")],
                &default,
                vec!["t(p)[2]: a"],
            ),
            (
                "4. the only subfolder named like a dataset is descended into",
                vec![("warehouse/inventory", "json", "a b")],
                &default,
                vec!["inventory()[0]: a b"],
            ),
            (
                "4. the only subfolder named like a partition is a partition",
                vec![("clicks/2024", "json", "a b")],
                &default,
                vec!["clicks(partition_0)[1]: a b"],
            ),
            (
                "CombineCompatibleSchemas merges any schemas of one format",
                vec![("t/x", "json", "a b"), ("t/y", "json", "c d")],
                &combine,
                vec!["t(partition_0)[2]: a b c d"],
            ),
        ];
        for (rule, folders, options, expected) in cases {
            assert_eq!(tables(&folders, options), expected, "{rule}");
        }
    }

    #[test]
    fn a_table_level_puts_tables_at_that_depth_and_a_prefix_names_them() {
        // memory://lake is depth 1 (the bucket's top folder), so tables sit at depth 3.
        let options = GroupingOptions {
            table_level: Some(3),
            table_prefix: "raw_".into(),
            ..GroupingOptions::default()
        };
        let folders = vec![("a/x/k=1", "json", "a b"), ("a/y/k=1", "json", "c d")];
        assert_eq!(
            tables(&folders, &options),
            ["raw_x(k)[1]: a b", "raw_y(k)[1]: c d"]
        );
    }

    #[test]
    fn a_name_a_stored_table_elsewhere_holds_gets_a_hash_of_the_location() {
        let mut drafts = vec![draft_at("t", "s3://lake/t/"), draft_at("u", "s3://lake/u/")];
        let stored_elsewhere = stored_at("t", "s3://elsewhere/t/");
        let stored_here = stored_at("u", "s3://lake/u/");
        let stored: BTreeMap<String, lakecat_catalog::Table> = [stored_elsewhere, stored_here]
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        name_beside_stored_tables(&mut drafts, &stored);
        assert!(
            drafts[0].name.starts_with("t_") && drafts[0].name.len() == 10,
            "{drafts:?}"
        );
        assert_eq!(
            drafts[1].name, "u",
            "the same table found again keeps its name"
        );
    }

    fn draft_at(name: &str, location: &str) -> TableDraft {
        let folder = folder("json", "a");
        let shape = &folder.shapes[0];
        TableDraft {
            name: name.into(),
            location: location.into(),
            format: shape.format.clone(),
            schema: shape.schema.clone(),
            partition_keys: Vec::new(),
            partitions: Vec::new(),
            stats: shape.stats,
            figures: None,
            schema_parameters: BTreeMap::new(),
            open: None,
        }
    }

    fn stored_at(name: &str, location: &str) -> lakecat_catalog::Table {
        let now = chrono::Utc::now();
        lakecat_catalog::Table {
            database_name: "db".into(),
            name: name.into(),
            description: None,
            owner: None,
            table_type: None,
            parameters: Default::default(),
            partition_keys: Vec::new(),
            retention: 0,
            view_original_text: None,
            view_expanded_text: None,
            storage_descriptor: Some(lakecat_catalog::StorageDescriptor {
                location: Some(location.into()),
                ..Default::default()
            }),
            create_time: now,
            update_time: now,
            last_access_time: None,
            version_id: "1".into(),
        }
    }

    /// Partition-like names (key=value, numbers, dates) compare as versions; any other name
    /// among the siblings keeps Glue's similarity rule.
    #[test]
    fn partition_names_choose_the_versions_rule() {
        let cases: [(&[&str], Likeness); 5] = [
            (&["day=01", "day=02"], Likeness::Versions),
            (&["2024", "2025"], Likeness::Versions),
            (&["2024-06-01", "2024-06-02"], Likeness::Versions),
            (&["customers", "orders"], Likeness::Similar),
            (&["day=01", "backup"], Likeness::Similar),
        ];
        for (names, expected) in cases {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            assert_eq!(Likeness::of(&names), expected, "{names:?}");
        }
    }
}
