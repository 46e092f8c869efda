//! Row shapes and conversions between rows and the model.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::model::{Table, TableInput};

/// Now, in the epoch milliseconds the schema stores.
pub(super) fn now_millis() -> i64 {
    Utc::now().timestamp_millis()
}

/// A stored time back as a timestamp.
pub(super) fn time(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

/// Encodes a definition for a `body` column.
pub(super) fn encode<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Backend(Box::new(e)))
}

/// Decodes a `body` column; a failure means the database holds something lakecat did not
/// write, which is a backend error rather than bad input.
pub(super) fn decode<T: DeserializeOwned>(body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| Error::Backend(Box::new(e)))
}

/// A `tables` row joined with its database's name.
#[derive(Debug)]
pub(super) struct TableRow {
    pub(super) id: i64,
    pub(super) database_name: String,
    pub(super) version: i64,
    pub(super) input: TableInput,
    pub(super) create_time: i64,
    pub(super) update_time: i64,
}

impl TableRow {
    pub(super) fn from_row(row: &sqlx::any::AnyRow) -> Result<TableRow> {
        use sqlx::Row;
        let body: String = row.try_get("body")?;
        Ok(TableRow {
            id: row.try_get("id")?,
            database_name: row.try_get("database_name")?,
            version: row.try_get("version")?,
            input: decode(&body)?,
            create_time: row.try_get("create_time")?,
            update_time: row.try_get("update_time")?,
        })
    }

    /// The table as the model shows it, at this row's version.
    pub(super) fn into_table(self) -> Table {
        table_from(
            self.database_name,
            self.input,
            self.version,
            self.create_time,
            self.update_time,
        )
    }
}

/// Builds a [`Table`] from its stored parts.
pub(super) fn table_from(
    database_name: String,
    input: TableInput,
    version: i64,
    create_time: i64,
    update_time: i64,
) -> Table {
    let TableInput {
        name,
        description,
        owner,
        table_type,
        parameters,
        partition_keys,
        retention,
        view_original_text,
        view_expanded_text,
        storage_descriptor,
        last_access_time,
    } = input;
    Table {
        database_name,
        name,
        description,
        owner,
        table_type,
        parameters,
        partition_keys,
        retention,
        view_original_text,
        view_expanded_text,
        storage_descriptor,
        create_time: time(create_time),
        update_time: time(update_time),
        last_access_time,
        version_id: version.to_string(),
    }
}
