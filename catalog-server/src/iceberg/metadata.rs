//! A table's metadata files in the object store they lie in: the current one read (the one
//! its `metadata_location` names), new ones written, all confined to the server's allowed
//! roots: pointers and locations come from clients, and must not make the server read or
//! write any file it can reach.

use lakecat_crawler::TargetLocation;
use object_store::ObjectStoreExt;
use serde_json::Value;

use super::error::IcebergError;
use crate::state::AppState;

/// The metadata document at `url`.
pub(super) async fn read(state: &AppState, url: &str) -> Result<Value, IcebergError> {
    let Some((folder, file)) = url.rsplit_once('/').filter(|(_, file)| !file.is_empty()) else {
        return Err(IcebergError::service_failure(format!(
            "the table's metadata_location {url:?} does not name a file"
        )));
    };
    let folder = format!("{folder}/");
    let unreadable = |reason: String| {
        IcebergError::service_failure(format!("cannot read the table's metadata {url}: {reason}"))
    };
    state
        .crawlers
        .allowed_roots()
        .check(&folder)
        .map_err(|error| unreadable(error.to_string()))?;
    let location = TargetLocation::open(&folder).map_err(|error| unreadable(error.to_string()))?;
    let path = location.path_of(file);
    lakecat_table_formats::iceberg::read_metadata_document(location.store().as_ref(), &path, url)
        .await
        .map_err(|error| unreadable(error.to_string()))
}

/// Writes a new metadata file at `url`, never over an existing one, only inside the allowed
/// roots. A local table's folders are made as needed, once their nearest existing folder is
/// known to lie inside the roots.
pub(super) async fn write_new(
    state: &AppState,
    url: &str,
    metadata: &Value,
) -> Result<(), IcebergError> {
    let bytes = serde_json::to_vec(metadata)
        .map_err(|error| IcebergError::service_failure(error.to_string()))?;
    write_new_bytes(state, url, bytes).await
}

/// Writes a new file (metadata, a manifest, a manifest list) at `url`, never over an
/// existing one, only inside the allowed roots, making a local table's folders as needed.
pub(super) async fn write_new_bytes(
    state: &AppState,
    url: &str,
    bytes: Vec<u8>,
) -> Result<(), IcebergError> {
    let Some((folder, file)) = url.rsplit_once('/') else {
        return Err(IcebergError::bad_request(format!(
            "{url:?} does not name a file"
        )));
    };
    let folder = format!("{folder}/");
    let refused = |reason: String| {
        IcebergError::bad_request(format!("cannot write the table's metadata {url}: {reason}"))
    };
    // Folders are made below the nearest existing one: a `..` further down would lead the
    // making out of the roots before the roots are checked, so such paths are refused.
    if folder
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return Err(refused("the path may not hold . or .. segments".into()));
    }
    let roots = state.crawlers.allowed_roots();
    if let Some(local) = folder.strip_prefix("file://") {
        let path = std::path::Path::new(local);
        let existing = path.ancestors().find(|p| p.is_dir()).unwrap_or(path);
        roots
            .check(&format!("file://{}", existing.display()))
            .map_err(|error| refused(error.to_string()))?;
        std::fs::create_dir_all(path).map_err(|error| refused(error.to_string()))?;
    }
    roots
        .check(&folder)
        .map_err(|error| refused(error.to_string()))?;
    let location = TargetLocation::open(&folder).map_err(|error| refused(error.to_string()))?;
    let path = location.path_of(file);
    let options = object_store::PutOptions {
        mode: object_store::PutMode::Create,
        ..Default::default()
    };
    location
        .store()
        .put_opts(&path, bytes.into(), options)
        .await
        .map_err(|error| {
            IcebergError::service_failure(format!(
                "cannot write the table's metadata {url}: {error}"
            ))
        })?;
    Ok(())
}

/// Deletes a metadata file this server wrote for a commit that did not land; a failure
/// leaves an orphan file, which readers never see (the pointer does not name it).
pub(super) async fn delete_written(url: &str) {
    let Some((folder, file)) = url.rsplit_once('/') else {
        return;
    };
    if let Ok(location) = TargetLocation::open(&format!("{folder}/")) {
        let path = location.path_of(file);
        if let Err(error) = location.store().delete(&path).await {
            tracing::warn!(file = %url, error = %error, "cannot delete an unused metadata file");
        }
    }
}
