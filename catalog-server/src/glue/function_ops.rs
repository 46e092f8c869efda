//! Glue's user-defined function operations over the catalog's functions. Hive's and Spark's
//! Glue clients call `GetUserDefinedFunctions` when they start.

use lakecat_catalog::{Function, FunctionInput, ResourceUri};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::shapes::{CATALOG_ID, epoch};
use super::{page, required};
use crate::state::AppState;

use super::operations::Reply;

/// `ResourceUri`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct GlueResourceUri {
    resource_type: String,
    uri: String,
}

/// `UserDefinedFunctionInput`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct UserDefinedFunctionInput {
    function_name: String,
    class_name: Option<String>,
    owner_name: Option<String>,
    owner_type: Option<String>,
    function_type: Option<String>,
    resource_uris: Vec<GlueResourceUri>,
    artifact_location: Option<String>,
}

impl From<UserDefinedFunctionInput> for FunctionInput {
    fn from(input: UserDefinedFunctionInput) -> Self {
        FunctionInput {
            function_name: input.function_name,
            class_name: input.class_name,
            owner_name: input.owner_name,
            owner_type: input.owner_type,
            function_type: input.function_type,
            resource_uris: input
                .resource_uris
                .into_iter()
                .map(|r| ResourceUri {
                    resource_type: r.resource_type,
                    uri: r.uri,
                })
                .collect(),
            artifact_location: input.artifact_location,
        }
    }
}

/// `UserDefinedFunction`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct UserDefinedFunction {
    function_name: String,
    database_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    class_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    function_type: Option<String>,
    create_time: f64,
    resource_uris: Vec<GlueResourceUri>,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact_location: Option<String>,
    catalog_id: &'static str,
}

impl From<Function> for UserDefinedFunction {
    fn from(function: Function) -> Self {
        let input = function.input;
        UserDefinedFunction {
            function_name: input.function_name,
            database_name: function.database_name,
            class_name: input.class_name,
            owner_name: input.owner_name,
            owner_type: input.owner_type,
            function_type: input.function_type,
            create_time: epoch(function.create_time),
            resource_uris: input
                .resource_uris
                .into_iter()
                .map(|r| GlueResourceUri {
                    resource_type: r.resource_type,
                    uri: r.uri,
                })
                .collect(),
            artifact_location: input.artifact_location,
            catalog_id: CATALOG_ID,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct FunctionRequest {
    database_name: String,
    function_name: String,
    function_input: UserDefinedFunctionInput,
}

pub(super) async fn create(state: &AppState, req: FunctionRequest) -> Reply {
    let database = required("DatabaseName", &req.database_name)?;
    required(
        "FunctionInput.FunctionName",
        &req.function_input.function_name,
    )?;
    state
        .catalog
        .create_function(database, req.function_input.into())
        .await?;
    Ok(json!({}))
}

pub(super) async fn get(state: &AppState, req: FunctionRequest) -> Reply {
    let function = state
        .catalog
        .get_function(
            required("DatabaseName", &req.database_name)?,
            required("FunctionName", &req.function_name)?,
        )
        .await?;
    Ok(json!({"UserDefinedFunction": UserDefinedFunction::from(function)}))
}

/// `UpdateUserDefinedFunction`: the input replaces the definition; its `FunctionName`
/// renames the function, and when absent keeps the name.
pub(super) async fn update(state: &AppState, mut req: FunctionRequest) -> Reply {
    let database = required("DatabaseName", &req.database_name)?;
    let name = required("FunctionName", &req.function_name)?;
    if req.function_input.function_name.is_empty() {
        req.function_input.function_name = name.to_string();
    }
    state
        .catalog
        .update_function(database, name, req.function_input.into())
        .await?;
    Ok(json!({}))
}

pub(super) async fn delete(state: &AppState, req: FunctionRequest) -> Reply {
    state
        .catalog
        .delete_function(
            required("DatabaseName", &req.database_name)?,
            required("FunctionName", &req.function_name)?,
        )
        .await?;
    Ok(json!({}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct ListRequest {
    database_name: Option<String>,
    pattern: String,
    function_type: Option<String>,
    next_token: Option<String>,
    max_results: Option<usize>,
}

/// `GetUserDefinedFunctions`: the functions of `DatabaseName`, or of every database without
/// it, whose names match `Pattern` (Hive's: `*` for any characters, `|` between
/// alternatives). A page may hold fewer than `MaxResults` functions, with a `NextToken`
/// while more may follow.
pub(super) async fn list(state: &AppState, req: ListRequest) -> Reply {
    let pattern = required("Pattern", &req.pattern)?;
    let listing = state
        .catalog
        .list_functions(
            req.database_name.as_deref().filter(|d| !d.is_empty()),
            pattern,
            page(req.next_token, req.max_results),
        )
        .await?;
    let wanted_type = req.function_type.filter(|t| !t.is_empty());
    let functions: Vec<UserDefinedFunction> = listing
        .items
        .into_iter()
        .filter(|f| {
            wanted_type.as_deref().is_none_or(|wanted| {
                f.input
                    .function_type
                    .as_deref()
                    .unwrap_or("REGULAR_FUNCTION")
                    == wanted
            })
        })
        .map(Into::into)
        .collect();
    Ok(json!({"UserDefinedFunctions": functions, "NextToken": listing.next_page_token}))
}
