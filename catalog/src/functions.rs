//! User-defined functions (Glue's `UserDefinedFunction`): a function name in a database,
//! the class implementing it and the resources it needs. Hive's and Spark's Glue clients
//! list them at start-up; lakecat stores them and never runs them.

use chrono::{DateTime, Utc};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::page::Scope;
use crate::service::{Catalog, Listing, MAX_PAGE_SIZE, PageRequest, page_size};
use crate::validate::{MAX_NAME_BYTES, check_name, check_object_name};

/// Most resource URIs of one function (Glue's limit).
pub const MAX_RESOURCE_URIS: usize = 1000;
/// Longest resource URI or artifact location, in bytes (Glue's limit).
pub const MAX_URI_BYTES: usize = 1024;

/// A resource a function needs: a JAR, file or archive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResourceUri {
    /// `JAR`, `FILE` or `ARCHIVE`.
    pub resource_type: String,
    /// Where it is, 1 to 1024 bytes.
    pub uri: String,
}

/// Input to create or replace a function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FunctionInput {
    /// The function's name; folded to lower case, as Hive does.
    pub function_name: String,
    /// The Java class implementing it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    /// Its owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
    /// `USER`, `ROLE` or `GROUP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_type: Option<String>,
    /// `REGULAR_FUNCTION`, `AGGREGATE_FUNCTION` or `STORED_PROCEDURE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_type: Option<String>,
    /// Resources it needs, at most 1000.
    #[serde(default)]
    pub resource_uris: Vec<ResourceUri>,
    /// Where its artifact is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_location: Option<String>,
}

/// A stored function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Function {
    /// The database holding it.
    pub database_name: String,
    /// Its definition; the name is lower case.
    #[serde(flatten)]
    pub input: FunctionInput,
    /// When it was created.
    pub create_time: DateTime<Utc>,
}

fn one_of(field: &str, value: Option<&str>, allowed: &[&str]) -> Result<()> {
    match value {
        Some(value) if !allowed.contains(&value) => Err(Error::invalid(format!(
            "{field}: must be one of {} (got {value:?})",
            allowed.join(", ")
        ))),
        _ => Ok(()),
    }
}

fn check_uri(field: &str, uri: &str) -> Result<()> {
    if uri.is_empty() || uri.len() > MAX_URI_BYTES {
        return Err(Error::invalid(format!(
            "{field}: must be 1 to {MAX_URI_BYTES} bytes (got {})",
            uri.len()
        )));
    }
    Ok(())
}

/// Checks a function definition against Glue's rules and folds its name to lower case.
pub fn function_input(mut input: FunctionInput) -> Result<FunctionInput> {
    input.function_name = input.function_name.to_lowercase();
    check_object_name("FunctionName", &input.function_name)?;
    for (field, value) in [
        ("ClassName", &input.class_name),
        ("OwnerName", &input.owner_name),
    ] {
        if let Some(value) = value {
            check_name(field, value)?;
        }
    }
    one_of(
        "OwnerType",
        input.owner_type.as_deref(),
        &["USER", "ROLE", "GROUP"],
    )?;
    one_of(
        "FunctionType",
        input.function_type.as_deref(),
        &["REGULAR_FUNCTION", "AGGREGATE_FUNCTION", "STORED_PROCEDURE"],
    )?;
    if input.resource_uris.len() > MAX_RESOURCE_URIS {
        return Err(Error::invalid(format!(
            "ResourceUris: at most {MAX_RESOURCE_URIS} (got {})",
            input.resource_uris.len()
        )));
    }
    for (i, resource) in input.resource_uris.iter().enumerate() {
        one_of(
            &format!("ResourceUris[{i}].ResourceType"),
            Some(&resource.resource_type),
            &["JAR", "FILE", "ARCHIVE"],
        )?;
        check_uri(&format!("ResourceUris[{i}].Uri"), &resource.uri)?;
    }
    if let Some(location) = &input.artifact_location {
        check_uri("ArtifactLocation", location)?;
    }
    Ok(input)
}

/// A function-name pattern as Hive's metastore reads it: alternatives separated by `|`,
/// each a regular expression in which `*` stands for any characters, matching the whole
/// name regardless of case. `*` lists every function.
pub fn function_pattern(pattern: &str) -> Result<Regex> {
    if pattern.is_empty() || pattern.len() > MAX_NAME_BYTES {
        return Err(Error::invalid(format!(
            "Pattern: must be 1 to {MAX_NAME_BYTES} bytes (got {})",
            pattern.len()
        )));
    }
    let alternatives: Vec<String> = pattern
        .split('|')
        .map(|alternative| alternative.trim().replace('*', ".*"))
        .collect();
    Regex::new(&format!("(?i)^(?:{})$", alternatives.join("|")))
        .map_err(|e| Error::invalid(format!("Pattern: {e}")))
}

/// The separator of a listing cursor's database and function names; names are single
/// lines, so it cannot occur in them.
const CURSOR_SEPARATOR: char = '\n';

impl Catalog {
    /// Creates a function in a database.
    pub async fn create_function(&self, database: &str, input: FunctionInput) -> Result<Function> {
        let input = function_input(input)?;
        self.store
            .create_function(&database.to_lowercase(), &input)
            .await
    }

    /// Reads a function.
    pub async fn get_function(&self, database: &str, name: &str) -> Result<Function> {
        self.store
            .get_function(&database.to_lowercase(), &name.to_lowercase())
            .await
    }

    /// Lists functions, of one database or of all, by database then function name, keeping
    /// those whose name matches `pattern` ([`function_pattern`]). A page holds the matches
    /// among `max_results` functions examined, so it may be short, with a token while more
    /// may follow.
    pub async fn list_functions(
        &self,
        database: Option<&str>,
        pattern: &str,
        page: PageRequest,
    ) -> Result<Listing<Function>> {
        let database = database.map(str::to_lowercase);
        let matcher = function_pattern(pattern)?;
        let limit = page_size(page.max_results, MAX_PAGE_SIZE)?;
        let scope = Scope::new(
            "functions",
            &[database.as_deref().unwrap_or("\n*"), pattern],
        );
        let after = page.page_token.map(|t| scope.decode(&t)).transpose()?;
        let after = match &after {
            Some(cursor) => Some(cursor.split_once(CURSOR_SEPARATOR).ok_or_else(|| {
                Error::InvalidPageToken("it is not a token this server issued".into())
            })?),
            None => None,
        };
        let found = self
            .store
            .list_functions(database.as_deref(), after, limit)
            .await?;
        Ok(Listing {
            items: found
                .items
                .into_iter()
                .filter(|f| matcher.is_match(&f.input.function_name))
                .collect(),
            next_page_token: found
                .next
                .map(|(db, name)| scope.encode(&format!("{db}{CURSOR_SEPARATOR}{name}"))),
        })
    }

    /// Replaces a function's definition; the input's name may rename it.
    pub async fn update_function(
        &self,
        database: &str,
        name: &str,
        input: FunctionInput,
    ) -> Result<Function> {
        let input = function_input(input)?;
        self.store
            .update_function(&database.to_lowercase(), &name.to_lowercase(), &input)
            .await
    }

    /// Deletes a function.
    pub async fn delete_function(&self, database: &str, name: &str) -> Result<()> {
        self.store
            .delete_function(&database.to_lowercase(), &name.to_lowercase())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_read_as_hive_reads_them() {
        let all = function_pattern("*").unwrap();
        assert!(all.is_match("anything"));
        let some = function_pattern("to_*|Parse_Date").unwrap();
        assert!(some.is_match("to_upper"));
        assert!(some.is_match("parse_date"));
        assert!(!some.is_match("parse_dates"));
        assert!(function_pattern(".*").unwrap().is_match("f"));
        assert!(function_pattern("").is_err());
        assert!(function_pattern("(").is_err());
    }

    #[test]
    fn definitions_follow_glues_limits() {
        let ok = FunctionInput {
            function_name: "To_Upper".into(),
            class_name: Some("com.example.ToUpper".into()),
            owner_type: Some("USER".into()),
            resource_uris: vec![ResourceUri {
                resource_type: "JAR".into(),
                uri: "s3://lib/udf.jar".into(),
            }],
            ..Default::default()
        };
        assert_eq!(
            function_input(ok.clone()).unwrap().function_name,
            "to_upper"
        );
        for bad in [
            FunctionInput {
                function_name: String::new(),
                ..ok.clone()
            },
            FunctionInput {
                owner_type: Some("TEAM".into()),
                ..ok.clone()
            },
            FunctionInput {
                class_name: Some("c".repeat(256)),
                ..ok.clone()
            },
            FunctionInput {
                resource_uris: vec![ResourceUri {
                    resource_type: "ZIP".into(),
                    uri: "s3://x".into(),
                }],
                ..ok.clone()
            },
            FunctionInput {
                resource_uris: vec![ResourceUri {
                    resource_type: "JAR".into(),
                    uri: "u".repeat(1025),
                }],
                ..ok.clone()
            },
            FunctionInput {
                resource_uris: vec![
                    ResourceUri {
                        resource_type: "JAR".into(),
                        uri: "s3://x".into(),
                    };
                    1001
                ],
                ..ok
            },
        ] {
            assert!(function_input(bad).is_err());
        }
    }
}
