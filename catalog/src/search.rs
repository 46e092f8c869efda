//! Which tables a search text finds: the text part of Glue's SearchTables, shared by the
//! Glue API and the REST API's table search (which the web console uses), so both find the
//! same tables.

use crate::model::Table;

/// Whether `text` occurs, ignoring case, in the table's name, description, a column or
/// partition key name, or a parameter value. An empty text finds every table.
pub fn table_matches_text(table: &Table, text: &str) -> bool {
    if text.is_empty() {
        return true;
    }
    let text = text.to_lowercase();
    let contains = |value: &str| value.to_lowercase().contains(&text);
    let columns = table
        .storage_descriptor
        .iter()
        .flat_map(|sd| sd.columns.iter())
        .chain(table.partition_keys.iter());
    contains(&table.name)
        || table.description.as_deref().is_some_and(contains)
        || columns.map(|column| column.name.as_str()).any(contains)
        || table.parameters.values().any(|value| contains(value))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_text_is_found_in_names_descriptions_columns_and_parameter_values() {
        let table: Table = serde_json::from_value(serde_json::json!({
            "database_name": "sales",
            "name": "orders",
            "description": "Orders From The Web Shop",
            "parameters": {"classification": "parquet"},
            "partition_keys": [{"name": "order_date", "type": "date"}],
            "storage_descriptor": {"columns": [{"name": "customer_id", "type": "bigint"}]},
            "retention": 0,
            "create_time": "2024-06-01T00:00:00Z",
            "update_time": "2024-06-01T00:00:00Z",
            "version_id": "0"
        }))
        .unwrap();
        let cases = [
            ("", true),
            ("ORD", true),
            ("web shop", true),
            ("customer", true),
            ("order_date", true),
            ("PARQ", true),
            ("classification", false),
            ("sales", false),
            ("csv", false),
        ];
        for (text, found) in cases {
            assert_eq!(table_matches_text(&table, text), found, "{text:?}");
        }
    }
}
