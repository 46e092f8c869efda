//! Reading a table's current metadata file, the one its `metadata_location` names, from the
//! object store it lies in, confined to the server's allowed roots: the pointer is written
//! by clients, and must not make the server read any file it can reach.

use lakecat_crawler::TargetLocation;
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
    let prefix = location.prefix().as_ref();
    let path = if prefix.is_empty() {
        object_store::path::Path::from(file)
    } else {
        object_store::path::Path::from(format!("{prefix}/{file}"))
    };
    lakecat_table_formats::iceberg::read_metadata_document(location.store().as_ref(), &path, url)
        .await
        .map_err(|error| unreadable(error.to_string()))
}
