//! Iceberg types and schemas as the Glue columns PyIceberg's Glue catalog writes.
//!
//! The reference is `pyiceberg/catalog/glue.py` (0.12.0): `GLUE_PRIMITIVE_TYPES`,
//! `_IcebergSchemaToGlueType` and `_to_columns`. Engines reading a Glue catalog (Athena,
//! Spark's Glue integration, PyIceberg itself) see these strings, so lakecat writes the same
//! ones. PyIceberg writes an unmapped type's own name (`timestamp_ns`), which is no Hive type
//! and breaks Hive-style readers of the catalog; lakecat writes the nearest Hive type instead
//! and says so in a note.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::metadata::Schema;
use crate::OpenColumn;

/// Parameter names PyIceberg's Glue catalog gives each column.
const FIELD_ID: &str = "iceberg.field.id";
const FIELD_OPTIONAL: &str = "iceberg.field.optional";
const FIELD_CURRENT: &str = "iceberg.field.current";

/// The columns of a table: the current schema's top-level fields in order, then the fields
/// of the other schemas whose names are not taken yet, marked not current. This is
/// `_to_columns`: names decide (a renamed field appears under both names), the other schemas
/// are visited in the order of `schemas`, and a missing current schema leaves only
/// not-current columns. Notes say which types had no Glue equivalent.
pub(super) fn columns(
    schemas: &[&Schema],
    current_schema_id: i64,
    notes: &mut Vec<String>,
) -> Vec<OpenColumn> {
    let mut columns = Vec::new();
    let mut taken = HashSet::new();
    // A missing id reads as 0, as PyIceberg's model defaults it.
    let current = schemas
        .iter()
        .find(|schema| schema.schema_id.unwrap_or(0) == current_schema_id);
    if let Some(current) = current {
        add_fields(current, true, &mut columns, &mut taken, notes);
    } else {
        notes.push(format!(
            "the current schema (id {current_schema_id}) is not among the table's schemas: \
             every column is marked not current"
        ));
    }
    for schema in schemas {
        if current.is_some_and(|current| std::ptr::eq(*current, *schema)) {
            continue;
        }
        add_fields(schema, false, &mut columns, &mut taken, notes);
    }
    columns
}

fn add_fields(
    schema: &Schema,
    is_current: bool,
    columns: &mut Vec<OpenColumn>,
    taken: &mut HashSet<String>,
    notes: &mut Vec<String>,
) {
    for field in &schema.fields {
        if !taken.insert(field.name.clone()) {
            continue;
        }
        let mut substitutions = Vec::new();
        let type_name = glue_type(&field.field_type, &mut substitutions);
        for (iceberg, glue) in substitutions {
            notes.push(format!(
                "column `{}`: Iceberg type {iceberg} written as `{glue}` (no Glue type for it; \
                 PyIceberg's Glue catalog maps only the v1/v2 types)",
                field.name
            ));
        }
        let parameters = BTreeMap::from([
            (FIELD_ID.to_string(), field.id.to_string()),
            (FIELD_OPTIONAL.to_string(), (!field.required).to_string()),
            (FIELD_CURRENT.to_string(), is_current.to_string()),
        ]);
        columns.push(OpenColumn {
            name: field.name.clone(),
            type_name,
            // PyIceberg sets `Comment` only for a non-empty doc (`if field.doc:`).
            comment: field.doc.clone().filter(|doc| !doc.is_empty()),
            parameters,
        });
    }
}

/// The Glue type string of an Iceberg type (a primitive's name or a nested type's JSON
/// object). Types with no Glue equivalent are pushed to `substitutions` as (Iceberg type,
/// Glue type written).
pub(super) fn glue_type(iceberg: &Value, substitutions: &mut Vec<(String, String)>) -> String {
    match iceberg {
        Value::String(name) => primitive(name, substitutions),
        Value::Object(object) => {
            let kind = object.get("type").and_then(Value::as_str).unwrap_or("");
            match kind {
                "struct" => {
                    let fields = object
                        .get("fields")
                        .and_then(Value::as_array)
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    let fields: Vec<String> = fields
                        .iter()
                        .map(|field| {
                            let name = field.get("name").and_then(Value::as_str).unwrap_or("");
                            let field_type = field.get("type").unwrap_or(&Value::Null);
                            format!("{name}:{}", glue_type(field_type, substitutions))
                        })
                        .collect();
                    format!("struct<{}>", fields.join(","))
                }
                "list" => format!(
                    "array<{}>",
                    glue_type(object.get("element").unwrap_or(&Value::Null), substitutions)
                ),
                "map" => format!(
                    "map<{},{}>",
                    glue_type(object.get("key").unwrap_or(&Value::Null), substitutions),
                    glue_type(object.get("value").unwrap_or(&Value::Null), substitutions)
                ),
                _ => substitute(iceberg.to_string(), "string", substitutions),
            }
        }
        other => substitute(other.to_string(), "string", substitutions),
    }
}

/// A primitive's Glue name (`GLUE_PRIMITIVE_TYPES`, decimals without the space Iceberg
/// writes after the comma).
fn primitive(name: &str, substitutions: &mut Vec<(String, String)>) -> String {
    let glue = match name.trim() {
        "boolean" => "boolean",
        "int" => "int",
        "long" => "bigint",
        "float" => "float",
        "double" => "double",
        "date" => "date",
        "time" | "string" | "uuid" => "string",
        "timestamp" | "timestamptz" => "timestamp",
        "binary" => "binary",
        fixed if is_fixed(fixed) => "binary",
        decimal if decimal.starts_with("decimal") => {
            return match decimal_precision_scale(decimal) {
                Some((precision, scale)) => format!("decimal({precision},{scale})"),
                None => substitute(quoted(name), "string", substitutions),
            };
        }
        // Format v3 types: the nearest Hive type for the values engines return.
        "timestamp_ns" | "timestamptz_ns" => {
            return substitute(quoted(name), "timestamp", substitutions);
        }
        // Geometry and geography values are WKB bytes.
        spatial if spatial.starts_with("geometry") || spatial.starts_with("geography") => {
            return substitute(quoted(name), "binary", substitutions);
        }
        // Variant values are read as JSON text; `unknown` is always null, any type holds it.
        "variant" | "unknown" => return substitute(quoted(name), "string", substitutions),
        _ => return substitute(quoted(name), "string", substitutions),
    };
    glue.to_string()
}

fn quoted(name: &str) -> String {
    format!("`{name}`")
}

fn substitute(iceberg: String, glue: &str, substitutions: &mut Vec<(String, String)>) -> String {
    substitutions.push((iceberg, glue.to_string()));
    glue.to_string()
}

/// `fixed[16]`.
fn is_fixed(name: &str) -> bool {
    name.strip_prefix("fixed[")
        .and_then(|rest| rest.strip_suffix(']'))
        .is_some_and(|length| length.trim().parse::<u32>().is_ok())
}

/// `decimal(10, 2)` or `decimal(10,2)`.
fn decimal_precision_scale(name: &str) -> Option<(u32, u32)> {
    let inner = name.strip_prefix("decimal")?.trim_start();
    let inner = inner.strip_prefix('(')?.strip_suffix(')')?;
    let (precision, scale) = inner.split_once(',')?;
    Some((precision.trim().parse().ok()?, scale.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glue(json: &str) -> (String, Vec<(String, String)>) {
        let value: Value = serde_json::from_str(json).unwrap();
        let mut substitutions = Vec::new();
        (glue_type(&value, &mut substitutions), substitutions)
    }

    /// Every primitive of `GLUE_PRIMITIVE_TYPES` and the decimal rule, then nested types.
    #[test]
    fn types_map_as_pyiceberg_writes_them() {
        let cases = [
            (r#""boolean""#, "boolean"),
            (r#""int""#, "int"),
            (r#""long""#, "bigint"),
            (r#""float""#, "float"),
            (r#""double""#, "double"),
            (r#""date""#, "date"),
            (r#""time""#, "string"),
            (r#""string""#, "string"),
            (r#""uuid""#, "string"),
            (r#""timestamp""#, "timestamp"),
            (r#""timestamptz""#, "timestamp"),
            (r#""fixed[16]""#, "binary"),
            (r#""binary""#, "binary"),
            (r#""decimal(10, 2)""#, "decimal(10,2)"),
            (r#""decimal(38,0)""#, "decimal(38,0)"),
            (
                r#"{"type": "list", "element-id": 3, "element": "long", "element-required": false}"#,
                "array<bigint>",
            ),
            (
                r#"{"type": "map", "key-id": 4, "key": "string", "value-id": 5,
                    "value": "decimal(9, 3)", "value-required": true}"#,
                "map<string,decimal(9,3)>",
            ),
            (
                r#"{"type": "struct", "fields": [
                    {"id": 6, "name": "a", "required": true, "type": "int", "doc": "ignored"},
                    {"id": 7, "name": "b", "required": false, "type":
                        {"type": "list", "element-id": 8, "element":
                            {"type": "struct", "fields": [
                                {"id": 9, "name": "c", "required": false, "type": "uuid"}]},
                         "element-required": false}}]}"#,
                "struct<a:int,b:array<struct<c:string>>>",
            ),
            (
                r#"{"type": "map", "key-id": 1, "key": "string", "value-id": 2,
                    "value": {"type": "map", "key-id": 3, "key": "int", "value-id": 4,
                              "value": "fixed[2]"}}"#,
                "map<string,map<int,binary>>",
            ),
            (r#"{"type": "struct", "fields": []}"#, "struct<>"),
        ];
        for (iceberg, expected) in cases {
            let (found, substitutions) = glue(iceberg);
            assert_eq!(found, expected, "{iceberg}");
            assert!(substitutions.is_empty(), "{iceberg}: {substitutions:?}");
        }
    }

    /// Types PyIceberg's map lacks (format v3) and types nobody knows: a Hive type and a note.
    #[test]
    fn types_without_glue_equivalent_are_substituted() {
        let cases = [
            (r#""timestamp_ns""#, "timestamp"),
            (r#""timestamptz_ns""#, "timestamp"),
            (r#""variant""#, "string"),
            (r#""unknown""#, "string"),
            (r#""geometry""#, "binary"),
            (r#""geometry(srid:4326)""#, "binary"),
            (r#""geography(srid:4326, spherical)""#, "binary"),
            (r#""decimal(x, 2)""#, "string"),
            (r#""fixed[]""#, "string"),
            (r#""interval""#, "string"),
            (r#"{"type": "set", "element": "int"}"#, "string"),
            (r#"17"#, "string"),
            (
                r#"{"type": "list", "element-id": 1, "element": "timestamp_ns"}"#,
                "array<timestamp>",
            ),
        ];
        for (iceberg, expected) in cases {
            let (found, substitutions) = glue(iceberg);
            assert_eq!(found, expected, "{iceberg}");
            assert_eq!(substitutions.len(), 1, "{iceberg}: {substitutions:?}");
            assert_eq!(
                substitutions[0].1,
                expected.trim_start_matches("array<").trim_end_matches('>')
            );
        }
    }

    fn schema(json: &str) -> Schema {
        serde_json::from_str(json).unwrap()
    }

    /// Name, type, comment, and the id, optional and current parameters.
    type ColumnSummary<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, &'a str, &'a str);

    #[test]
    fn current_columns_come_first_then_older_names_not_current() {
        // Schema 0: id, name, score. Schema 1 (current): id, full_name (renamed name), born
        // (added), score dropped. Schema 2 (newer than current, e.g. rolled back): extra.
        let old = schema(
            r#"{"schema-id": 0, "fields": [
                {"id": 1, "name": "id", "required": true, "type": "long"},
                {"id": 2, "name": "name", "required": false, "type": "string"},
                {"id": 3, "name": "score", "required": false, "type": "double", "doc": ""}]}"#,
        );
        let current = schema(
            r#"{"schema-id": 1, "fields": [
                {"id": 1, "name": "id", "required": true, "type": "long", "doc": "key"},
                {"id": 2, "name": "full_name", "required": false, "type": "string"},
                {"id": 4, "name": "born", "required": false, "type": "timestamp_ns"}]}"#,
        );
        let newer = schema(
            r#"{"schema-id": 2, "fields": [
                {"id": 5, "name": "extra", "required": false, "type": "int"}]}"#,
        );
        let mut notes = Vec::new();
        let columns = columns(&[&old, &current, &newer], 1, &mut notes);
        let found: Vec<ColumnSummary<'_>> = columns
            .iter()
            .map(|column| {
                (
                    column.name.as_str(),
                    column.type_name.as_str(),
                    column.comment.as_deref(),
                    column.parameters[FIELD_ID].as_str(),
                    column.parameters[FIELD_OPTIONAL].as_str(),
                    column.parameters[FIELD_CURRENT].as_str(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("id", "bigint", Some("key"), "1", "false", "true"),
                ("full_name", "string", None, "2", "true", "true"),
                ("born", "timestamp", None, "4", "true", "true"),
                ("name", "string", None, "2", "true", "false"),
                ("score", "double", None, "3", "true", "false"),
                ("extra", "int", None, "5", "true", "false"),
            ]
        );
        assert_eq!(columns[0].parameters.len(), 3);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("`born`") && notes[0].contains("timestamp_ns"));
    }

    #[test]
    fn missing_current_schema_marks_every_column_not_current() {
        let only = schema(
            r#"{"schema-id": 0, "fields": [{"id": 1, "name": "a", "required": false, "type": "int"}]}"#,
        );
        let mut notes = Vec::new();
        let columns = columns(&[&only], 9, &mut notes);
        assert_eq!(columns.len(), 1);
        assert_eq!(columns[0].parameters[FIELD_CURRENT], "false");
        assert_eq!(notes.len(), 1);
    }
}
