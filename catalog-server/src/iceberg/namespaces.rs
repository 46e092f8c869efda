//! Namespaces: lakecat's databases, one level deep. Properties are the database's
//! parameters, with `comment` for its description and `location` for its location.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use lakecat_catalog::{Database, DatabaseInput, ErrorKind};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::IcebergError;
use super::{Paging, database_name};
use crate::state::AppState;

/// `GET /v1/namespaces`: every database, or one page of them. With `parent` (a nested
/// listing), none: the parent must exist, and lakecat's namespaces have no children.
pub(super) async fn list(
    State(state): State<AppState>,
    Query(paging): Query<Paging>,
) -> Result<Json<Value>, IcebergError> {
    if let Some(parent) = paging.parent.as_deref().filter(|p| !p.is_empty()) {
        let name = database_name(parent)?;
        state.catalog.get_database(&name).await?;
        return Ok(Json(json!({"namespaces": [], "next-page-token": null})));
    }
    let mut namespaces = Vec::new();
    let mut token = paging.page_token.clone();
    loop {
        let page = state.catalog.list_databases(paging.request(token)?).await?;
        namespaces.extend(page.items.iter().map(|db| json!([db.name])));
        token = page.next_page_token;
        if paging.pages() || token.is_none() {
            break;
        }
    }
    Ok(Json(
        json!({"namespaces": namespaces, "next-page-token": token}),
    ))
}

/// `GET /v1/namespaces/{namespace}`.
pub(super) async fn load(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
) -> Result<Json<Value>, IcebergError> {
    let database = state
        .catalog
        .get_database(&database_name(&namespace)?)
        .await?;
    Ok(Json(json!({
        "namespace": [database.name],
        "properties": properties(&database),
    })))
}

/// `HEAD /v1/namespaces/{namespace}`: 204 when it exists, 404 when not.
pub(super) async fn exists(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
) -> Result<StatusCode, IcebergError> {
    state
        .catalog
        .get_database(&database_name(&namespace)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The body of `POST /v1/namespaces`.
#[derive(Debug, Deserialize)]
pub(super) struct CreateNamespace {
    namespace: Vec<String>,
    #[serde(default)]
    properties: BTreeMap<String, String>,
}

/// `POST /v1/namespaces`: creates the database, with `comment` as its description,
/// `location` as its location and the other properties as its parameters.
pub(super) async fn create(
    State(state): State<AppState>,
    Json(body): Json<CreateNamespace>,
) -> Result<Json<Value>, IcebergError> {
    let [name] = body.namespace.as_slice() else {
        return Err(IcebergError::bad_request(format!(
            "lakecat namespaces have one level; {:?} has {}",
            body.namespace,
            body.namespace.len()
        )));
    };
    let mut parameters = body.properties;
    let input = DatabaseInput {
        name: name.to_lowercase(),
        description: parameters.remove("comment"),
        location_uri: parameters.remove("location"),
        parameters,
    };
    let database = state.catalog.create_database(input).await?;
    Ok(Json(json!({
        "namespace": [database.name],
        "properties": properties(&database),
    })))
}

/// The body of `POST /v1/namespaces/{namespace}/properties`.
#[derive(Debug, Deserialize)]
pub(super) struct UpdateProperties {
    #[serde(default)]
    removals: Vec<String>,
    #[serde(default)]
    updates: BTreeMap<String, String>,
}

/// `POST /v1/namespaces/{namespace}/properties`: sets and removes properties in one change
/// that a concurrent one never undoes; answers which keys were updated, removed, and asked
/// to be removed but missing.
pub(super) async fn update_properties(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
    Json(body): Json<UpdateProperties>,
) -> Result<Json<Value>, IcebergError> {
    if let Some(both) = body.removals.iter().find(|k| body.updates.contains_key(*k)) {
        return Err(IcebergError::unprocessable(format!(
            "property {both:?} is both updated and removed"
        )));
    }
    let name = database_name(&namespace)?;
    // Which removals found their key, as seen by the run of the change that was written
    // (the change runs again when someone else changed the database meanwhile).
    let outcome: Mutex<Vec<(String, bool)>> = Mutex::new(Vec::new());
    state
        .catalog
        .modify_database(&name, |input| {
            let mut seen = outcome.lock().unwrap_or_else(|e| e.into_inner());
            seen.clear();
            for key in &body.removals {
                seen.push((key.clone(), remove_property(input, key)));
            }
            for (key, value) in &body.updates {
                set_property(input, key, value.clone());
            }
        })
        .await?;
    let seen = outcome.into_inner().unwrap_or_else(|e| e.into_inner());
    let (removed, missing): (Vec<_>, Vec<_>) = seen.into_iter().partition(|(_, found)| *found);
    let keys = |pairs: Vec<(String, bool)>| pairs.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    Ok(Json(json!({
        "updated": body.updates.keys().collect::<Vec<_>>(),
        "removed": keys(removed),
        "missing": keys(missing),
    })))
}

/// Sets a namespace property on a database's definition (`comment` and `location` are
/// its description and location).
fn set_property(input: &mut DatabaseInput, key: &str, value: String) {
    match key {
        "comment" => input.description = Some(value),
        "location" => input.location_uri = Some(value),
        _ => {
            input.parameters.insert(key.to_string(), value);
        }
    }
}

/// Removes a namespace property; whether it was there.
fn remove_property(input: &mut DatabaseInput, key: &str) -> bool {
    match key {
        "comment" => input.description.take().is_some(),
        "location" => input.location_uri.take().is_some(),
        _ => input.parameters.remove(key).is_some(),
    }
}

/// `DELETE /v1/namespaces/{namespace}`: drops the database only when it holds no table
/// (409 `NamespaceNotEmptyException` otherwise, even when a table is being created at the
/// same moment: the check and the delete are one statement in the store).
pub(super) async fn drop(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
) -> Result<StatusCode, IcebergError> {
    let name = database_name(&namespace)?;
    match state.catalog.delete_empty_database(&name).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        // The one rule this operation can break: the database holds tables.
        Err(error) if error.kind() == ErrorKind::InvalidInput => {
            Err(IcebergError::namespace_not_empty(error.to_string()))
        }
        Err(error) => Err(error.into()),
    }
}

/// A database's properties as Iceberg clients read them: `comment` and `location` are the
/// keys Spark, Hive and PyIceberg use for a namespace's description and location.
fn properties(database: &Database) -> BTreeMap<String, String> {
    let mut properties: BTreeMap<String, String> = database
        .parameters
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(description) = &database.description {
        properties.insert("comment".into(), description.clone());
    }
    if let Some(location) = &database.location_uri {
        properties.insert("location".into(), location.clone());
    }
    properties
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_and_location_are_the_description_and_location() {
        let mut input = DatabaseInput {
            name: "sales".into(),
            ..DatabaseInput::default()
        };
        set_property(&mut input, "comment", "orders".into());
        set_property(&mut input, "location", "s3://lake/sales/".into());
        set_property(&mut input, "owner", "ana".into());
        assert_eq!(input.description.as_deref(), Some("orders"));
        assert_eq!(input.location_uri.as_deref(), Some("s3://lake/sales/"));
        assert_eq!(
            input.parameters.get("owner").map(String::as_str),
            Some("ana")
        );
        let cases = [
            ("comment", true),
            ("comment", false),
            ("owner", true),
            ("nope", false),
        ];
        for (key, found) in cases {
            assert_eq!(remove_property(&mut input, key), found, "{key}");
        }
        assert_eq!(input.description, None);
        assert!(input.parameters.is_empty());
    }

    #[test]
    fn description_and_location_are_comment_and_location() {
        let database = Database {
            name: "sales".into(),
            description: Some("orders and refunds".into()),
            location_uri: Some("s3://lake/sales/".into()),
            parameters: [("owner".to_string(), "finance".to_string())].into(),
            create_time: chrono::Utc::now(),
        };
        let properties = properties(&database);
        assert_eq!(
            properties.into_iter().collect::<Vec<_>>(),
            [
                ("comment".to_string(), "orders and refunds".to_string()),
                ("location".to_string(), "s3://lake/sales/".to_string()),
                ("owner".to_string(), "finance".to_string()),
            ]
        );
    }
}
