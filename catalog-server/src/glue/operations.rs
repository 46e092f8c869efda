//! The Glue operations lakecat serves, in one table: each operation's name, the role it
//! needs and its handler. Dispatch, the role check and the answer to an operation that is
//! not served all read this table, so an operation cannot be served without a role, and
//! `docs/glue-api.md` is checked against it.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use super::error::GlueError;
use super::parse;
use super::{account_ops, catalog_ops, crawler_ops, function_ops, statistics_ops, tag_ops};
use crate::auth::Role;
use crate::state::AppState;

/// What most operations answer: their response body, or a Glue error.
pub(super) type Reply = Result<Value, GlueError>;

/// An operation's response body.
#[derive(Debug)]
pub(super) enum Answer {
    /// A JSON value: small answers, built with `json!`.
    Json(Value),
    /// JSON already written: large answers (pages of partitions), serialized straight
    /// from their shapes, since building a JSON tree first costs more than writing it.
    Written(Vec<u8>),
}

impl From<Value> for Answer {
    fn from(value: Value) -> Self {
        Answer::Json(value)
    }
}

/// An operation's handler: runs the operation on a request body.
pub(super) type Handler =
    for<'a> fn(
        &'a AppState,
        &'a [u8],
    ) -> Pin<Box<dyn Future<Output = Result<Answer, GlueError>> + Send + 'a>>;

/// The role an operation needs.
#[derive(Debug, Clone, Copy)]
pub(super) enum RequiredRole {
    /// The same role for every request.
    Always(Role),
    /// A role that depends on the request, read from its body (before the body is parsed
    /// as the operation's request, so a body that does not parse gets the role's answer
    /// first and the parse error only when the role suffices).
    ByRequest(fn(&[u8]) -> Role),
}

/// One served operation.
pub(super) struct Operation {
    /// Glue's name, as in `X-Amz-Target: AWSGlue.<name>`.
    pub(super) name: &'static str,
    /// The role the operation needs.
    pub(super) role: RequiredRole,
    /// Runs it.
    pub(super) handler: Handler,
}

impl Operation {
    /// The role a request for this operation needs.
    pub(super) fn required_role(&self, body: &[u8]) -> Role {
        match self.role {
            RequiredRole::Always(role) => role,
            RequiredRole::ByRequest(role_of) => role_of(body),
        }
    }
}

/// The served operation named `name`.
pub(super) fn find(name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|operation| operation.name == name)
}

/// Reads: databases, tables, partitions, crawlers, runs, classifiers, functions, tags and
/// the catalog's settings.
const READER: RequiredRole = RequiredRole::Always(Role::Reader);
/// Changes to databases, tables, table versions, partitions, partition indexes and
/// functions.
const EDITOR: RequiredRole = RequiredRole::Always(Role::Editor);
/// Changes to crawlers, their schedules and runs, and classifiers.
const ADMIN: RequiredRole = RequiredRole::Always(Role::Admin);
/// Tagging an object is changing it: an editor's for databases and tables, an admin's for
/// crawlers and classifiers.
const TAGGING: RequiredRole = RequiredRole::ByRequest(tag_ops::role_to_tag);

/// An entry whose handler takes the state and the parsed request.
macro_rules! operation {
    ($name:literal, $role:expr, $handler:path) => {
        Operation {
            name: $name,
            role: $role,
            handler: |state, body| {
                Box::pin(async move { $handler(state, parse(body)?).await.map(Answer::from) })
            },
        }
    };
}

/// An entry whose answer needs nothing but the parsed request.
macro_rules! answer {
    ($name:literal, $role:expr, $handler:path) => {
        Operation {
            name: $name,
            role: $role,
            handler: |_, body| Box::pin(async move { $handler(parse(body)?).map(Answer::from) }),
        }
    };
}

/// Every operation lakecat serves.
pub(super) const OPERATIONS: &[Operation] = &[
    // Databases.
    operation!("CreateDatabase", EDITOR, catalog_ops::create_database),
    operation!("GetDatabase", READER, catalog_ops::get_database),
    operation!("UpdateDatabase", EDITOR, catalog_ops::update_database),
    operation!("DeleteDatabase", EDITOR, catalog_ops::delete_database),
    operation!("GetDatabases", READER, catalog_ops::get_databases),
    // Tables and their versions.
    operation!("CreateTable", EDITOR, catalog_ops::create_table),
    operation!("GetTable", READER, catalog_ops::get_table),
    operation!("UpdateTable", EDITOR, catalog_ops::update_table),
    operation!("DeleteTable", EDITOR, catalog_ops::delete_table),
    operation!("GetTables", READER, catalog_ops::get_tables),
    operation!("BatchDeleteTable", EDITOR, catalog_ops::batch_delete_table),
    operation!("SearchTables", READER, catalog_ops::search_tables),
    operation!("GetTableVersion", READER, catalog_ops::get_table_version),
    operation!("GetTableVersions", READER, catalog_ops::get_table_versions),
    operation!(
        "DeleteTableVersion",
        EDITOR,
        catalog_ops::delete_table_version
    ),
    operation!(
        "BatchDeleteTableVersion",
        EDITOR,
        catalog_ops::batch_delete_table_version
    ),
    // Partitions.
    operation!("CreatePartition", EDITOR, catalog_ops::create_partition),
    operation!("GetPartition", READER, catalog_ops::get_partition),
    operation!("UpdatePartition", EDITOR, catalog_ops::update_partition),
    operation!("DeletePartition", EDITOR, catalog_ops::delete_partition),
    operation!("GetPartitions", READER, catalog_ops::get_partitions),
    operation!(
        "BatchCreatePartition",
        EDITOR,
        catalog_ops::batch_create_partition
    ),
    operation!(
        "BatchGetPartition",
        READER,
        catalog_ops::batch_get_partition
    ),
    operation!(
        "BatchUpdatePartition",
        EDITOR,
        catalog_ops::batch_update_partition
    ),
    operation!(
        "BatchDeletePartition",
        EDITOR,
        catalog_ops::batch_delete_partition
    ),
    // Partition indexes.
    operation!(
        "CreatePartitionIndex",
        EDITOR,
        catalog_ops::create_partition_index
    ),
    operation!(
        "GetPartitionIndexes",
        READER,
        catalog_ops::get_partition_indexes
    ),
    operation!(
        "DeletePartitionIndex",
        EDITOR,
        catalog_ops::delete_partition_index
    ),
    // Crawlers, their runs and schedules.
    operation!("CreateCrawler", ADMIN, crawler_ops::create_crawler),
    operation!("UpdateCrawler", ADMIN, crawler_ops::update_crawler),
    operation!("GetCrawler", READER, crawler_ops::get_crawler),
    operation!("GetCrawlers", READER, crawler_ops::get_crawlers),
    operation!("BatchGetCrawlers", READER, crawler_ops::batch_get_crawlers),
    operation!("ListCrawlers", READER, crawler_ops::list_crawlers),
    operation!("DeleteCrawler", ADMIN, crawler_ops::delete_crawler),
    operation!("StartCrawler", ADMIN, crawler_ops::start_crawler),
    operation!("StopCrawler", ADMIN, crawler_ops::stop_crawler),
    operation!(
        "GetCrawlerMetrics",
        READER,
        crawler_ops::get_crawler_metrics
    ),
    operation!("ListCrawls", READER, crawler_ops::list_crawls),
    operation!(
        "UpdateCrawlerSchedule",
        ADMIN,
        crawler_ops::update_crawler_schedule
    ),
    operation!(
        "StartCrawlerSchedule",
        ADMIN,
        crawler_ops::start_crawler_schedule
    ),
    operation!(
        "StopCrawlerSchedule",
        ADMIN,
        crawler_ops::stop_crawler_schedule
    ),
    // Classifiers.
    operation!("CreateClassifier", ADMIN, crawler_ops::create_classifier),
    operation!("UpdateClassifier", ADMIN, crawler_ops::update_classifier),
    operation!("GetClassifier", READER, crawler_ops::get_classifier),
    operation!("GetClassifiers", READER, crawler_ops::get_classifiers),
    operation!("DeleteClassifier", ADMIN, crawler_ops::delete_classifier),
    // User-defined functions.
    operation!("CreateUserDefinedFunction", EDITOR, function_ops::create),
    operation!("GetUserDefinedFunction", READER, function_ops::get),
    operation!("GetUserDefinedFunctions", READER, function_ops::list),
    operation!("UpdateUserDefinedFunction", EDITOR, function_ops::update),
    operation!("DeleteUserDefinedFunction", EDITOR, function_ops::delete),
    // Column statistics.
    operation!(
        "GetColumnStatisticsForTable",
        READER,
        statistics_ops::get_for_table
    ),
    operation!(
        "GetColumnStatisticsForPartition",
        READER,
        statistics_ops::get_for_partition
    ),
    operation!(
        "UpdateColumnStatisticsForTable",
        EDITOR,
        statistics_ops::update_for_table
    ),
    operation!(
        "UpdateColumnStatisticsForPartition",
        EDITOR,
        statistics_ops::update_for_partition
    ),
    operation!(
        "DeleteColumnStatisticsForTable",
        EDITOR,
        statistics_ops::delete_for_table
    ),
    operation!(
        "DeleteColumnStatisticsForPartition",
        EDITOR,
        statistics_ops::delete_for_partition
    ),
    // Tags.
    operation!("TagResource", TAGGING, tag_ops::tag_resource),
    operation!("UntagResource", TAGGING, tag_ops::untag_resource),
    operation!("GetTags", READER, tag_ops::get_tags),
    // Catalog settings lakecat has none of.
    answer!(
        "GetCatalogImportStatus",
        READER,
        account_ops::get_catalog_import_status
    ),
    answer!(
        "GetDataCatalogEncryptionSettings",
        READER,
        account_ops::get_data_catalog_encryption_settings
    ),
    answer!(
        "GetResourcePolicy",
        READER,
        account_ops::get_resource_policy
    ),
    answer!(
        "GetResourcePolicies",
        READER,
        account_ops::get_resource_policies
    ),
    answer!(
        "GetSecurityConfiguration",
        READER,
        account_ops::get_security_configuration
    ),
    answer!(
        "GetSecurityConfigurations",
        READER,
        account_ops::get_security_configurations
    ),
    answer!("GetCatalogs", READER, account_ops::get_catalogs),
    answer!("GetCatalog", READER, account_ops::get_catalog),
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The roles as they were when they were guessed from operation names (reads for
    /// readers; crawlers, classifiers and schedules for admins; the rest for editors), so
    /// that the table changed no one's access.
    #[test]
    fn each_operation_needs_the_role_it_always_needed() {
        let expected = [
            ("CreateDatabase", Role::Editor),
            ("GetDatabase", Role::Reader),
            ("UpdateDatabase", Role::Editor),
            ("DeleteDatabase", Role::Editor),
            ("GetDatabases", Role::Reader),
            ("CreateTable", Role::Editor),
            ("GetTable", Role::Reader),
            ("UpdateTable", Role::Editor),
            ("DeleteTable", Role::Editor),
            ("GetTables", Role::Reader),
            ("BatchDeleteTable", Role::Editor),
            ("SearchTables", Role::Reader),
            ("GetTableVersion", Role::Reader),
            ("GetTableVersions", Role::Reader),
            ("DeleteTableVersion", Role::Editor),
            ("BatchDeleteTableVersion", Role::Editor),
            ("CreatePartition", Role::Editor),
            ("GetPartition", Role::Reader),
            ("UpdatePartition", Role::Editor),
            ("DeletePartition", Role::Editor),
            ("GetPartitions", Role::Reader),
            ("BatchCreatePartition", Role::Editor),
            ("BatchGetPartition", Role::Reader),
            ("BatchUpdatePartition", Role::Editor),
            ("GetColumnStatisticsForTable", Role::Reader),
            ("GetColumnStatisticsForPartition", Role::Reader),
            ("UpdateColumnStatisticsForTable", Role::Editor),
            ("UpdateColumnStatisticsForPartition", Role::Editor),
            ("DeleteColumnStatisticsForTable", Role::Editor),
            ("DeleteColumnStatisticsForPartition", Role::Editor),
            ("BatchDeletePartition", Role::Editor),
            ("CreatePartitionIndex", Role::Editor),
            ("GetPartitionIndexes", Role::Reader),
            ("DeletePartitionIndex", Role::Editor),
            ("CreateCrawler", Role::Admin),
            ("UpdateCrawler", Role::Admin),
            ("GetCrawler", Role::Reader),
            ("GetCrawlers", Role::Reader),
            ("BatchGetCrawlers", Role::Reader),
            ("ListCrawlers", Role::Reader),
            ("DeleteCrawler", Role::Admin),
            ("StartCrawler", Role::Admin),
            ("StopCrawler", Role::Admin),
            ("GetCrawlerMetrics", Role::Reader),
            ("ListCrawls", Role::Reader),
            ("UpdateCrawlerSchedule", Role::Admin),
            ("StartCrawlerSchedule", Role::Admin),
            ("StopCrawlerSchedule", Role::Admin),
            ("CreateClassifier", Role::Admin),
            ("UpdateClassifier", Role::Admin),
            ("GetClassifier", Role::Reader),
            ("GetClassifiers", Role::Reader),
            ("DeleteClassifier", Role::Admin),
            ("CreateUserDefinedFunction", Role::Editor),
            ("GetUserDefinedFunction", Role::Reader),
            ("GetUserDefinedFunctions", Role::Reader),
            ("UpdateUserDefinedFunction", Role::Editor),
            ("DeleteUserDefinedFunction", Role::Editor),
            // A body naming no crawler or classifier.
            ("TagResource", Role::Editor),
            ("UntagResource", Role::Editor),
            ("GetTags", Role::Reader),
            ("GetCatalogImportStatus", Role::Reader),
            ("GetDataCatalogEncryptionSettings", Role::Reader),
            ("GetResourcePolicy", Role::Reader),
            ("GetResourcePolicies", Role::Reader),
            ("GetSecurityConfiguration", Role::Reader),
            ("GetSecurityConfigurations", Role::Reader),
            ("GetCatalogs", Role::Reader),
            ("GetCatalog", Role::Reader),
        ];
        for (name, role) in expected {
            let operation = find(name).unwrap_or_else(|| panic!("{name} is not served"));
            assert_eq!(operation.required_role(b"{}"), role, "{name}");
        }
        let listed: BTreeSet<&str> = expected.iter().map(|(name, _)| *name).collect();
        let served: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.name).collect();
        assert_eq!(
            served, listed,
            "every served operation has its expected role here"
        );
        assert_eq!(served.len(), OPERATIONS.len(), "each operation once");
    }

    #[test]
    fn tagging_crawlers_and_classifiers_needs_an_admin() {
        let request = |arn: &str| format!(r#"{{"ResourceArn": "{arn}", "TagsToAdd": {{}}}}"#);
        for (name, arn, role) in [
            (
                "TagResource",
                "arn:aws:glue:us-east-1:1:database/sales",
                Role::Editor,
            ),
            (
                "TagResource",
                "arn:aws:glue:us-east-1:1:table/sales/orders",
                Role::Editor,
            ),
            (
                "TagResource",
                "arn:aws:glue:us-east-1:1:crawler/nightly",
                Role::Admin,
            ),
            (
                "UntagResource",
                "arn:aws:glue:us-east-1:1:classifier/logs",
                Role::Admin,
            ),
            (
                "GetTags",
                "arn:aws:glue:us-east-1:1:crawler/nightly",
                Role::Reader,
            ),
            ("TagResource", "not an arn", Role::Editor),
        ] {
            let operation = find(name).unwrap_or_else(|| panic!("{name} is not served"));
            let body = request(arn);
            assert_eq!(
                operation.required_role(body.as_bytes()),
                role,
                "{name} {arn}"
            );
        }
    }

    /// The operations named in a list of `docs/glue-api.md`'s "Operations served" section:
    /// every name in backquotes shaped like a Glue operation (a verb Glue's operations start
    /// with, then a capital; exception names end in `Exception`).
    fn documented_operations(doc: &str) -> BTreeSet<String> {
        let verbs = [
            "Batch", "Create", "Delete", "Get", "List", "Search", "Start", "Stop", "Tag", "Untag",
            "Update",
        ];
        let section = doc
            .split_once("## Operations served")
            .map(|(_, rest)| rest)
            .unwrap_or_default();
        // The section's list: its items and their continuation lines, up to the first line
        // of prose after it.
        let list: Vec<&str> = section
            .lines()
            .skip_while(|line| line.trim().is_empty())
            .take_while(|line| line.starts_with("- ") || line.starts_with("  "))
            .collect();
        let text = list.join("\n");
        // Names inside parentheses are members or errors of the operation before them
        // (`CreateNativeDeltaTable` is a member of `DeltaTargets`), not operations.
        let mut quoted_at_top_level = Vec::new();
        let mut depth = 0usize;
        for (index, part) in text.split('`').enumerate() {
            if index % 2 == 1 {
                if depth == 0 {
                    quoted_at_top_level.push(part);
                }
                continue;
            }
            for c in part.chars() {
                match c {
                    '(' => depth += 1,
                    ')' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
        }
        quoted_at_top_level
            .into_iter()
            .filter(|word| {
                word.chars().all(|c| c.is_ascii_alphanumeric())
                    && !word.ends_with("Exception")
                    && verbs.iter().any(|verb| {
                        word.strip_prefix(verb)
                            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
                    })
            })
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn the_guide_lists_exactly_the_served_operations() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/glue-api.md");
        let doc = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let documented = documented_operations(&doc);
        let served: BTreeSet<String> = OPERATIONS.iter().map(|o| o.name.to_string()).collect();
        let undocumented: Vec<&String> = served.difference(&documented).collect();
        let not_served: Vec<&String> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty(),
            "served but not listed in docs/glue-api.md: {undocumented:?}"
        );
        assert!(
            not_served.is_empty(),
            "listed in docs/glue-api.md but not served: {not_served:?}"
        );
    }

    #[test]
    fn the_guide_is_read_as_a_list_of_operations() {
        let doc = "# Guide\n\n## Operations served\n\n- Tables: `CreateTable` (`VersionId`,\n  \
                   `AlreadyExistsException`, `CreateNativeDeltaTable`), `GetTables`.\n- Tags: \
                   `TagResource`.\n\nNot served: `GetSchema`.\n";
        let names: Vec<String> = documented_operations(doc).into_iter().collect();
        assert_eq!(names, ["CreateTable", "GetTables", "TagResource"]);
    }
}
