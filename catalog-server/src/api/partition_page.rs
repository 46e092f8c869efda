//! A page of partitions written as [`PartitionList`](super::partitions::PartitionList)'s
//! JSON straight from the stored definitions.
//!
//! A stored definition is the JSON of the partition's `PartitionInput`, whose members are the
//! REST `Partition`'s but for the three the listing knows (database, table, creation time):
//! each partition is written as those three followed by the definition's members, copied.
//! Building `Partition`s and encoding them again was most of a page's cost.

use axum::response::{IntoResponse, Response};
use lakecat_catalog::{EncodedPartition, Error as CatalogError, Listing};
use serde_json::value::RawValue;

use crate::error::ApiError;

/// About 700 bytes per partition of a few columns; growing the buffer costs copies.
const BYTES_PER_PARTITION: usize = 768;

/// The JSON of a page of partitions of `database.table`, with their whole definitions.
pub(super) fn write(
    database: &str,
    table: &str,
    listing: &Listing<EncodedPartition>,
) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(64 + listing.items.len() * BYTES_PER_PARTITION);
    out.extend_from_slice(b"{\"partitions\":[");
    for (i, item) in listing.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let members = definition_members(item.definition_json())?;
        out.extend_from_slice(b"{\"database_name\":");
        write_json(&mut out, database)?;
        out.extend_from_slice(b",\"table_name\":");
        write_json(&mut out, table)?;
        out.extend_from_slice(b",\"creation_time\":");
        write_json(&mut out, &item.creation_time())?;
        out.push(b',');
        out.extend_from_slice(members.as_bytes());
        out.push(b'}');
    }
    out.push(b']');
    if let Some(token) = &listing.next_page_token {
        out.extend_from_slice(b",\"next_page_token\":");
        write_json(&mut out, token)?;
    }
    out.push(b'}');
    Ok(out)
}

/// A written page as a response.
pub(super) fn response(body: Vec<u8>) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// The members of a stored definition, without its braces (`"values":[...],...`), after checking that it is one JSON object with members, so that a row
/// edited by hand makes an error rather than a broken answer.
fn definition_members(definition: &str) -> Result<&str, ApiError> {
    // A backend error: it is logged, and the client is told only that it is internal.
    let unreadable = || {
        ApiError::from(CatalogError::Backend(
            "a stored partition definition is unreadable".into(),
        ))
    };
    let raw: &RawValue = serde_json::from_str(definition).map_err(|_| unreadable())?;
    let text = raw.get();
    let inner = text
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
        .ok_or_else(unreadable)?;
    if inner.trim().is_empty() {
        return Err(unreadable());
    }
    Ok(inner)
}

fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), ApiError> {
    serde_json::to_writer(out, value)
        .map_err(|e| ApiError::from(CatalogError::Backend(Box::new(e))))
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use lakecat_catalog::{Column, Partition, PartitionInput, StorageDescriptor};
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn written_page_equals_the_serialized_partitions() {
        let created = DateTime::from_timestamp_millis(1_600_000_000_456).unwrap();
        let inputs = [
            PartitionInput {
                values: vec!["2024".into(), "quote \" and é".into()],
                storage_descriptor: Some(StorageDescriptor {
                    columns: vec![Column {
                        name: "id".into(),
                        type_name: Some("bigint".into()),
                        ..Column::default()
                    }],
                    location: Some("s3://b/t/year=2024/".into()),
                    ..StorageDescriptor::default()
                }),
                parameters: [("k".to_string(), "v".to_string())].into(),
                last_access_time: Some(created),
            },
            PartitionInput {
                values: vec!["x".into()],
                ..PartitionInput::default()
            },
        ];
        for next in [None, Some("token \"1\"")] {
            let items: Vec<EncodedPartition> = inputs
                .iter()
                .map(|input| EncodedPartition::from_input(input, created).unwrap())
                .collect();
            let decoded: Vec<Partition> = items
                .iter()
                .map(|item| item.decode("sales", "orders").unwrap())
                .collect();
            let mut expected = json!({"partitions": decoded});
            if let Some(token) = next {
                expected["next_page_token"] = json!(token);
            }
            let listing = Listing {
                items,
                next_page_token: next.map(str::to_string),
            };
            let written: Value =
                serde_json::from_slice(&write("sales", "orders", &listing).unwrap()).unwrap();
            assert_eq!(written, expected);
        }
    }

    #[test]
    fn definitions_that_are_not_objects_with_members_are_refused() {
        for bad in [
            "",
            "{",
            "[1]",
            "{}",
            "{ }",
            "\"x\"",
            "{\"values\":[]} trailing",
        ] {
            assert!(definition_members(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            definition_members("{\"values\":[\"a\"]}").unwrap(),
            "\"values\":[\"a\"]"
        );
    }
}
