//! Glue's catalog-wide settings that lakecat has nothing configured for: the catalog import
//! status (always imported), encryption settings (none), resource policies (none), security
//! configurations (none) and the catalogs (the default one). Clients such as awswrangler,
//! PyIceberg and the AWS CLI call some of these at start-up and only need Glue's answer for
//! an account that configured nothing.

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::GlueError;
use super::shapes::CATALOG_ID;

use super::operations::Reply;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct CatalogRequest {
    catalog_id: Option<String>,
}

/// A request whose members (`NextToken`, `MaxResults`, ...) change nothing: every listing
/// here is one page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PagedRequest {}

/// The catalog is lakecat's own: there was never a Hive metastore to import from.
pub(super) fn get_catalog_import_status(_: CatalogRequest) -> Reply {
    Ok(json!({"ImportStatus": {"ImportCompleted": true}}))
}

/// Nothing is encrypted by lakecat: encryption at rest is the store's business.
pub(super) fn get_data_catalog_encryption_settings(_: CatalogRequest) -> Reply {
    Ok(json!({"DataCatalogEncryptionSettings": {
        "EncryptionAtRest": {"CatalogEncryptionMode": "DISABLED"},
        "ConnectionPasswordEncryption": {"ReturnConnectionPasswordEncrypted": false},
    }}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct ResourcePolicyRequest {
    resource_arn: Option<String>,
}

/// No resource policy is ever set, so there is none to get, as Glue answers an account
/// without one.
pub(super) fn get_resource_policy(req: ResourcePolicyRequest) -> Reply {
    if let Some(arn) = req.resource_arn.as_deref()
        && !arn.starts_with("arn:aws")
    {
        return Err(GlueError::invalid(format!(
            "ResourceArn must be a Glue ARN (got {arn:?})"
        )));
    }
    Err(GlueError::new(
        "EntityNotFoundException",
        "Policy not found: lakecat does not keep resource policies",
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(super) struct NameRequest {
    name: String,
}

/// No resource policy is set anywhere, so the list is empty.
pub(super) fn get_resource_policies(_: PagedRequest) -> Reply {
    Ok(json!({"GetResourcePoliciesResponseList": []}))
}

pub(super) fn get_security_configuration(req: NameRequest) -> Reply {
    if req.name.is_empty() {
        return Err(GlueError::invalid("Name is required"));
    }
    Err(GlueError::new(
        "EntityNotFoundException",
        format!(
            "Security configuration {} not found: lakecat keeps no security configurations",
            req.name
        ),
    ))
}

/// The one catalog, the account's default.
fn catalog() -> Value {
    json!({"CatalogId": CATALOG_ID, "Name": CATALOG_ID, "Parameters": {}})
}

/// No security configuration exists.
pub(super) fn get_security_configurations(_: PagedRequest) -> Reply {
    Ok(json!({"SecurityConfigurations": []}))
}

/// The one catalog.
pub(super) fn get_catalogs(_: PagedRequest) -> Reply {
    Ok(json!({"CatalogList": [catalog()]}))
}

pub(super) fn get_catalog(req: CatalogRequest) -> Reply {
    match req.catalog_id.as_deref() {
        None | Some("") => Err(GlueError::invalid("CatalogId is required")),
        Some(CATALOG_ID) => Ok(json!({"Catalog": catalog()})),
        Some(other) => Err(GlueError::new(
            "EntityNotFoundException",
            format!("Catalog {other} not found: lakecat serves one catalog, {CATALOG_ID}"),
        )),
    }
}
