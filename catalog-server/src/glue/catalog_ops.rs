//! Glue's Data Catalog operations: databases, tables, table versions and partitions, each a
//! thin translation between Glue's shapes and the catalog service.

use axum::http::StatusCode;
use lakecat_catalog::{Error as CatalogError, PartitionListRequest, UpdateTableOptions};
use regex::Regex;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::GlueError;
use super::partition_page::PartitionPage;
use super::shapes::{
    Database, DatabaseInput, ErrorDetail, Partition, PartitionError, PartitionIndex,
    PartitionIndexDescriptor, PartitionInput, PartitionValueList, Table, TableInput,
};
use super::{page, required};
use crate::state::AppState;

/// Longest GetTables expression accepted, in bytes.
const MAX_TABLE_EXPRESSION_BYTES: usize = 2048;

use super::operations::{Answer, Reply};

/// A batch item's error, as Glue reports it.
fn detail(error: &CatalogError) -> ErrorDetail {
    ErrorDetail {
        error_code: GlueError::kind_of(error).0,
        error_message: error.to_string(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct CreateDatabaseRequest {
    database_input: DatabaseInput,
    tags: lakecat_catalog::Tags,
}

/// `CreateDatabase`, with its `Tags` (written in the same transaction as the database).
pub(super) async fn create_database(state: &AppState, req: CreateDatabaseRequest) -> Reply {
    required("DatabaseInput.Name", &req.database_input.name)?;
    state
        .catalog
        .create_database_with_tags(req.database_input.into(), req.tags)
        .await?;
    Ok(json!({}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct NameRequest {
    name: String,
}

pub(super) async fn get_database(state: &AppState, req: NameRequest) -> Reply {
    let database = state
        .catalog
        .get_database(required("Name", &req.name)?)
        .await?;
    Ok(json!({"Database": Database::from(database)}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct UpdateDatabaseRequest {
    name: String,
    database_input: DatabaseInput,
}

pub(super) async fn update_database(state: &AppState, req: UpdateDatabaseRequest) -> Reply {
    let name = required("Name", &req.name)?;
    if !req.database_input.name.eq_ignore_ascii_case(name) {
        return Err(GlueError::invalid(
            "DatabaseInput.Name must be the database's name; databases cannot be renamed",
        ));
    }
    state
        .catalog
        .update_database(name, req.database_input.into())
        .await?;
    Ok(json!({}))
}

pub(super) async fn delete_database(state: &AppState, req: NameRequest) -> Reply {
    state
        .catalog
        .delete_database(required("Name", &req.name)?)
        .await?;
    Ok(json!({}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct PagedRequest {
    next_token: Option<String>,
    max_results: Option<usize>,
}

pub(super) async fn get_databases(state: &AppState, req: PagedRequest) -> Reply {
    let listing = state
        .catalog
        .list_databases(page(req.next_token, req.max_results))
        .await?;
    let databases: Vec<Database> = listing.items.into_iter().map(Into::into).collect();
    Ok(json!({"DatabaseList": databases, "NextToken": listing.next_page_token}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct CreateTableRequest {
    database_name: String,
    table_input: TableInput,
    partition_indexes: Vec<PartitionIndex>,
}

/// `CreateTable`, with the table's partition indexes, in one transaction: a refused index
/// creates nothing.
pub(super) async fn create_table(state: &AppState, req: CreateTableRequest) -> Reply {
    let database = required("DatabaseName", &req.database_name)?;
    required("TableInput.Name", &req.table_input.name)?;
    let indexes = req.partition_indexes.into_iter().map(Into::into).collect();
    state
        .catalog
        .create_table_with_indexes(database, req.table_input.into(), indexes)
        .await?;
    Ok(json!({}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct TableRequest {
    database_name: String,
    name: String,
}

pub(super) async fn get_table(state: &AppState, req: TableRequest) -> Reply {
    let table = state
        .catalog
        .get_table(
            required("DatabaseName", &req.database_name)?,
            required("Name", &req.name)?,
        )
        .await?;
    Ok(json!({"Table": Table::from(table)}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct UpdateTableRequest {
    database_name: String,
    table_input: TableInput,
    skip_archive: bool,
    version_id: Option<String>,
}

pub(super) async fn update_table(state: &AppState, req: UpdateTableRequest) -> Reply {
    let database = required("DatabaseName", &req.database_name)?;
    let name = required("TableInput.Name", &req.table_input.name)?.to_string();
    let options = UpdateTableOptions {
        expected_version_id: req.version_id.filter(|v| !v.is_empty()),
        skip_archive: req.skip_archive,
    };
    match state
        .catalog
        .update_table(database, &name, req.table_input.into(), options)
        .await
    {
        Ok(_) => Ok(json!({})),
        // Glue's wording for a stale VersionId.
        Err(CatalogError::ConcurrentModification(_)) => Err(GlueError::new(
            "ConcurrentModificationException",
            "Update table failed due to concurrent modifications.",
        )),
        Err(error) => Err(error.into()),
    }
}

pub(super) async fn delete_table(state: &AppState, req: TableRequest) -> Reply {
    state
        .catalog
        .delete_table(
            required("DatabaseName", &req.database_name)?,
            required("Name", &req.name)?,
        )
        .await?;
    Ok(json!({}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct GetTablesRequest {
    database_name: String,
    expression: Option<String>,
    next_token: Option<String>,
    max_results: Option<usize>,
}

/// `GetTables`. `Expression` is a regular expression the whole table name must match (names
/// are lower case, so the match ignores case); filtered pages may hold fewer tables than
/// `MaxResults`, with a `NextToken` while more may follow.
pub(super) async fn get_tables(state: &AppState, req: GetTablesRequest) -> Reply {
    let database = required("DatabaseName", &req.database_name)?;
    let pattern = match req.expression.as_deref().filter(|e| !e.is_empty()) {
        Some(expression) if expression.len() > MAX_TABLE_EXPRESSION_BYTES => {
            return Err(GlueError::invalid(format!(
                "Expression must be at most {MAX_TABLE_EXPRESSION_BYTES} bytes"
            )));
        }
        Some(expression) => Some(
            Regex::new(&format!("(?i)^(?:{expression})$"))
                .map_err(|e| GlueError::invalid(format!("Expression: {e}")))?,
        ),
        None => None,
    };
    let listing = state
        .catalog
        .list_tables(database, page(req.next_token, req.max_results))
        .await?;
    let tables: Vec<Table> = listing
        .items
        .into_iter()
        .filter(|t| pattern.as_ref().is_none_or(|p| p.is_match(&t.name)))
        .map(Into::into)
        .collect();
    Ok(json!({"TableList": tables, "NextToken": listing.next_page_token}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct PropertyPredicate {
    key: String,
    value: String,
    comparator: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct SearchTablesRequest {
    search_text: Option<String>,
    filters: Vec<PropertyPredicate>,
    next_token: Option<String>,
    max_results: Option<usize>,
}

/// Whether a table matches a search: the text in its name, description, column names or
/// parameter values (ignoring case, as the REST API's search), and every filter on
/// `DatabaseName` or a parameter key.
fn table_matches(
    table: &lakecat_catalog::Table,
    req: &SearchTablesRequest,
) -> Result<bool, GlueError> {
    let text = req.search_text.as_deref().unwrap_or_default();
    if !lakecat_catalog::search::table_matches_text(table, text) {
        return Ok(false);
    }
    for filter in &req.filters {
        let actual = match filter.key.as_str() {
            "DatabaseName" => Some(table.database_name.as_str()),
            "Name" => Some(table.name.as_str()),
            key => table.parameters.get(key).map(String::as_str),
        };
        let Some(actual) = actual else {
            return Ok(false);
        };
        let matched = match filter.comparator.as_deref().unwrap_or("EQUALS") {
            "EQUALS" => actual.eq_ignore_ascii_case(&filter.value),
            "GREATER_THAN" => actual > filter.value.as_str(),
            "LESS_THAN" => actual < filter.value.as_str(),
            "GREATER_THAN_EQUALS" => actual >= filter.value.as_str(),
            "LESS_THAN_EQUALS" => actual <= filter.value.as_str(),
            other => {
                return Err(GlueError::invalid(format!(
                    "Filters.Comparator must be EQUALS, GREATER_THAN, LESS_THAN, \
                     GREATER_THAN_EQUALS or LESS_THAN_EQUALS (got {other})"
                )));
            }
        };
        if !matched {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `SearchTables`, over every database. Pages resume after the last table examined, and
/// one request examines a bounded number of tables (its page may be short, with a token).
pub(super) async fn search_tables(state: &AppState, req: SearchTablesRequest) -> Reply {
    let mut scope = vec![req.search_text.clone().unwrap_or_default()];
    for filter in &req.filters {
        scope.push(format!(
            "{}\n{}\n{}",
            filter.key,
            filter.value,
            filter.comparator.as_deref().unwrap_or("EQUALS")
        ));
    }
    let scope: Vec<&str> = scope.iter().map(String::as_str).collect();
    let listing = state
        .catalog
        .search_tables(
            &scope,
            page(req.next_token.clone(), req.max_results),
            |table| table_matches(table, &req),
        )
        .await?;
    let tables: Vec<Table> = listing.items.into_iter().map(Into::into).collect();
    Ok(json!({"TableList": tables, "NextToken": listing.next_page_token}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct BatchDeleteTableRequest {
    database_name: String,
    tables_to_delete: Vec<String>,
}

pub(super) async fn batch_delete_table(state: &AppState, req: BatchDeleteTableRequest) -> Reply {
    let failures = state
        .catalog
        .delete_tables(
            required("DatabaseName", &req.database_name)?,
            &req.tables_to_delete,
        )
        .await?;
    let errors: Vec<Value> = failures
        .iter()
        .map(|(name, error)| json!({"TableName": name, "ErrorDetail": detail(error)}))
        .collect();
    Ok(json!({"Errors": errors}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct TableVersionRequest {
    database_name: String,
    table_name: String,
    version_id: Option<String>,
    next_token: Option<String>,
    max_results: Option<usize>,
}

pub(super) async fn get_table_version(state: &AppState, req: TableVersionRequest) -> Reply {
    let database = required("DatabaseName", &req.database_name)?;
    let table = required("TableName", &req.table_name)?;
    let version = match req.version_id.filter(|v| !v.is_empty()) {
        Some(version) => {
            state
                .catalog
                .get_table_version(database, table, &version)
                .await?
        }
        // Without a VersionId, Glue returns the current version.
        None => {
            let current = state.catalog.get_table(database, table).await?;
            lakecat_catalog::TableVersion {
                version_id: current.version_id.clone(),
                table: current,
            }
        }
    };
    Ok(json!({"TableVersion": {
        "Table": Table::from(version.table),
        "VersionId": version.version_id,
    }}))
}

pub(super) async fn get_table_versions(state: &AppState, req: TableVersionRequest) -> Reply {
    let listing = state
        .catalog
        .list_table_versions(
            required("DatabaseName", &req.database_name)?,
            required("TableName", &req.table_name)?,
            page(req.next_token, req.max_results),
        )
        .await?;
    let versions: Vec<Value> = listing
        .items
        .into_iter()
        .map(|v| json!({"Table": Table::from(v.table), "VersionId": v.version_id}))
        .collect();
    Ok(json!({"TableVersions": versions, "NextToken": listing.next_page_token}))
}

pub(super) async fn delete_table_version(state: &AppState, req: TableVersionRequest) -> Reply {
    let version = req.version_id.unwrap_or_default();
    let failures = state
        .catalog
        .delete_table_versions(
            required("DatabaseName", &req.database_name)?,
            required("TableName", &req.table_name)?,
            &[required("VersionId", &version)?.to_string()],
        )
        .await?;
    match failures.into_iter().next() {
        Some((_, error)) => Err(error.into()),
        None => Ok(json!({})),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct BatchDeleteTableVersionRequest {
    database_name: String,
    table_name: String,
    version_ids: Vec<String>,
}

pub(super) async fn batch_delete_table_version(
    state: &AppState,
    req: BatchDeleteTableVersionRequest,
) -> Reply {
    let table = required("TableName", &req.table_name)?;
    let failures = state
        .catalog
        .delete_table_versions(
            required("DatabaseName", &req.database_name)?,
            table,
            &req.version_ids,
        )
        .await?;
    let errors: Vec<Value> = failures
        .iter()
        .map(|(version, error)| {
            json!({"TableName": table, "VersionId": version, "ErrorDetail": detail(error)})
        })
        .collect();
    Ok(json!({"Errors": errors}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct PartitionRequest {
    database_name: String,
    table_name: String,
    partition_values: Vec<String>,
    partition_input: PartitionInput,
    partition_value_list: Vec<String>,
}

pub(super) async fn create_partition(state: &AppState, req: PartitionRequest) -> Reply {
    state
        .catalog
        .create_partition(
            required("DatabaseName", &req.database_name)?,
            required("TableName", &req.table_name)?,
            req.partition_input.into(),
        )
        .await?;
    Ok(json!({}))
}

pub(super) async fn get_partition(state: &AppState, req: PartitionRequest) -> Reply {
    let partition = state
        .catalog
        .get_partition(
            required("DatabaseName", &req.database_name)?,
            required("TableName", &req.table_name)?,
            &req.partition_values,
        )
        .await?;
    Ok(json!({"Partition": Partition::from(partition)}))
}

pub(super) async fn update_partition(state: &AppState, req: PartitionRequest) -> Reply {
    state
        .catalog
        .update_partition(
            required("DatabaseName", &req.database_name)?,
            required("TableName", &req.table_name)?,
            &req.partition_value_list,
            req.partition_input.into(),
        )
        .await?;
    Ok(json!({}))
}

pub(super) async fn delete_partition(state: &AppState, req: PartitionRequest) -> Reply {
    state
        .catalog
        .delete_partition(
            required("DatabaseName", &req.database_name)?,
            required("TableName", &req.table_name)?,
            &req.partition_values,
        )
        .await?;
    Ok(json!({}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Segment {
    segment_number: u32,
    total_segments: u32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct GetPartitionsRequest {
    database_name: String,
    table_name: String,
    expression: Option<String>,
    next_token: Option<String>,
    segment: Option<Segment>,
    max_results: Option<usize>,
    exclude_column_schema: bool,
}

pub(super) async fn get_partitions(
    state: &AppState,
    req: GetPartitionsRequest,
) -> Result<Answer, GlueError> {
    let database = required("DatabaseName", &req.database_name)?.to_lowercase();
    let table = required("TableName", &req.table_name)?.to_lowercase();
    let listing = state
        .catalog
        .list_encoded_partitions(
            &database,
            &table,
            PartitionListRequest {
                // Spark's Glue client sends an empty expression for "all partitions".
                expression: req.expression.filter(|e| !e.trim().is_empty()),
                segment: req.segment.map(|s| (s.segment_number, s.total_segments)),
                exclude_column_schema: req.exclude_column_schema,
                page: page(req.next_token, req.max_results),
            },
        )
        .await?;
    let page = PartitionPage {
        database_name: &database,
        table_name: &table,
        listing: &listing,
        exclude_column_schema: req.exclude_column_schema,
    };
    page.write().map(Answer::Written).map_err(|error| {
        GlueError::with_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServiceException",
            format!("could not write the page of partitions: {error}"),
        )
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct BatchCreatePartitionRequest {
    database_name: String,
    table_name: String,
    partition_input_list: Vec<PartitionInput>,
}

fn partition_errors(failures: Vec<lakecat_catalog::PartitionFailure>) -> Vec<PartitionError> {
    failures
        .into_iter()
        .map(|f| PartitionError {
            error_detail: detail(&f.error),
            partition_values: f.values,
        })
        .collect()
}

pub(super) async fn batch_create_partition(
    state: &AppState,
    req: BatchCreatePartitionRequest,
) -> Reply {
    let inputs: Vec<lakecat_catalog::PartitionInput> = req
        .partition_input_list
        .into_iter()
        .map(Into::into)
        .collect();
    let failures = state
        .catalog
        .create_partitions(
            required("DatabaseName", &req.database_name)?,
            required("TableName", &req.table_name)?,
            &inputs,
        )
        .await?;
    Ok(json!({"Errors": partition_errors(failures)}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct BatchPartitionsRequest {
    database_name: String,
    table_name: String,
    partitions_to_get: Vec<PartitionValueList>,
    partitions_to_delete: Vec<PartitionValueList>,
}

pub(super) async fn batch_get_partition(state: &AppState, req: BatchPartitionsRequest) -> Reply {
    let database = required("DatabaseName", &req.database_name)?;
    let table = required("TableName", &req.table_name)?;
    // The catalog enforces Glue's batch limit (1 to 1,000 partitions).
    let values: Vec<Vec<String>> = req
        .partitions_to_get
        .into_iter()
        .map(|p| p.values)
        .collect();
    let partitions: Vec<Partition> = state
        .catalog
        .get_partitions(database, table, &values)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(json!({"Partitions": partitions, "UnprocessedKeys": []}))
}

pub(super) async fn batch_delete_partition(state: &AppState, req: BatchPartitionsRequest) -> Reply {
    let values: Vec<Vec<String>> = req
        .partitions_to_delete
        .into_iter()
        .map(|p| p.values)
        .collect();
    let failures = state
        .catalog
        .delete_partitions(
            required("DatabaseName", &req.database_name)?,
            required("TableName", &req.table_name)?,
            &values,
        )
        .await?;
    Ok(json!({"Errors": partition_errors(failures)}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct BatchUpdateEntry {
    partition_value_list: Vec<String>,
    partition_input: PartitionInput,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct BatchUpdatePartitionRequest {
    database_name: String,
    table_name: String,
    entries: Vec<BatchUpdateEntry>,
}

pub(super) async fn batch_update_partition(
    state: &AppState,
    req: BatchUpdatePartitionRequest,
) -> Reply {
    let entries = req
        .entries
        .into_iter()
        .map(|entry| (entry.partition_value_list, entry.partition_input.into()))
        .collect();
    let failures = state
        .catalog
        .update_partitions(
            required("DatabaseName", &req.database_name)?,
            required("TableName", &req.table_name)?,
            entries,
        )
        .await?;
    let errors: Vec<Value> = failures
        .into_iter()
        .map(|f| json!({"PartitionValueList": f.values, "ErrorDetail": detail(&f.error)}))
        .collect();
    Ok(json!({"Errors": errors}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct CreatePartitionIndexRequest {
    database_name: String,
    table_name: String,
    partition_index: PartitionIndex,
}

pub(super) async fn create_partition_index(
    state: &AppState,
    req: CreatePartitionIndexRequest,
) -> Reply {
    required("PartitionIndex.IndexName", &req.partition_index.index_name)?;
    state
        .catalog
        .create_partition_index(
            required("DatabaseName", &req.database_name)?,
            required("TableName", &req.table_name)?,
            req.partition_index.into(),
        )
        .await?;
    Ok(json!({}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct PartitionIndexesRequest {
    database_name: String,
    table_name: String,
    index_name: String,
}

/// `GetPartitionIndexes`. A table has at most three, so there is one page.
pub(super) async fn get_partition_indexes(state: &AppState, req: PartitionIndexesRequest) -> Reply {
    let indexes = state
        .catalog
        .list_partition_indexes(
            required("DatabaseName", &req.database_name)?,
            required("TableName", &req.table_name)?,
        )
        .await?;
    let descriptors: Vec<PartitionIndexDescriptor> = indexes.into_iter().map(Into::into).collect();
    Ok(json!({"PartitionIndexDescriptorList": descriptors}))
}

pub(super) async fn delete_partition_index(
    state: &AppState,
    req: PartitionIndexesRequest,
) -> Reply {
    state
        .catalog
        .delete_partition_index(
            required("DatabaseName", &req.database_name)?,
            required("TableName", &req.table_name)?,
            required("IndexName", &req.index_name)?,
        )
        .await?;
    Ok(json!({}))
}
