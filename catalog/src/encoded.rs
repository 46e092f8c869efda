//! Partitions as listed, their definitions still in the JSON they are stored as.
//!
//! Paging a large table is mostly turning stored JSON into a [`Partition`] and that back into
//! JSON for the wire. A protocol that writes JSON can instead read what it needs straight from
//! the stored text (borrowing its strings, copying its maps as they are), which is several
//! times cheaper; every other caller decodes.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::model::{Partition, PartitionInput};

/// A listed partition whose definition has not been decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPartition {
    definition: String,
    creation_time: DateTime<Utc>,
}

impl EncodedPartition {
    pub(crate) fn new(definition: String, creation_time: DateTime<Utc>) -> EncodedPartition {
        EncodedPartition {
            definition,
            creation_time,
        }
    }

    /// Encodes a definition as the store keeps it.
    pub fn from_input(
        input: &PartitionInput,
        creation_time: DateTime<Utc>,
    ) -> Result<EncodedPartition> {
        let definition = serde_json::to_string(input).map_err(|e| Error::Backend(Box::new(e)))?;
        Ok(EncodedPartition::new(definition, creation_time))
    }

    /// The partition's definition: the JSON that serializing its [`PartitionInput`] gives
    /// (the model's serde encoding, the same names and omissions as the REST API's). Its
    /// storage descriptor is whole, columns included, whatever the listing asked for.
    pub fn definition_json(&self) -> &str {
        &self.definition
    }

    /// When the partition was created.
    pub fn creation_time(&self) -> DateTime<Utc> {
        self.creation_time
    }

    /// The partition of `database.table` this encodes.
    pub fn decode(&self, database_name: &str, table_name: &str) -> Result<Partition> {
        let PartitionInput {
            values,
            storage_descriptor,
            parameters,
            last_access_time,
        } = decode_definition(&self.definition)?;
        Ok(Partition {
            database_name: database_name.to_string(),
            table_name: table_name.to_string(),
            values,
            storage_descriptor,
            parameters,
            creation_time: self.creation_time,
            last_access_time,
        })
    }
}

/// Decodes a stored definition; a failure means the database holds something lakecat did
/// not write, which is a backend error rather than bad input.
fn decode_definition(definition: &str) -> Result<PartitionInput> {
    serde_json::from_str(definition).map_err(|e| Error::Backend(Box::new(e)))
}
