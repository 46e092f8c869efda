//! Delta's JSON schema (`metaData.schemaString`) to Hive types, for the fallback and for
//! the rare field whose kernel type has no Arrow conversion.
//!
//! The mapping is the one the kernel path gives through Arrow and the Parquet classifier's
//! `hive_type_of`, so a table's columns type alike whichever path read them: `long` is
//! `bigint`, `timestamp_ntz` is `timestamp`, `variant` is its physical struct.

use lakecat_classifiers::{Field, HiveType};
use serde_json::Value;

use crate::OpenColumn;

/// The columns of a Delta schema string, in order, with the comments of their metadata.
/// Types Hive lacks become `string` and add a note.
pub(super) fn columns_of(
    schema_string: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<OpenColumn>, String> {
    let schema: Value =
        serde_json::from_str(schema_string).map_err(|e| format!("schemaString: {e}"))?;
    let fields = struct_fields(&schema).ok_or("schemaString is not a struct type")?;
    fields
        .iter()
        .map(|field| {
            let name = field_name(field)?;
            let type_name = hive_type_of(field.get("type").unwrap_or(&Value::Null), notes, name);
            Ok(OpenColumn {
                name: name.to_owned(),
                type_name: type_name.to_string(),
                comment: comment_of(field),
                ..OpenColumn::default()
            })
        })
        .collect()
}

/// The `comment` in a field's metadata.
pub(super) fn comment_of(field: &Value) -> Option<String> {
    field
        .get("metadata")?
        .get("comment")?
        .as_str()
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
}

/// The Hive type of a Delta type (a JSON string for primitives, an object for `struct`,
/// `array` and `map`), with a note naming `path` when something is lost.
pub(super) fn hive_type_of(delta_type: &Value, notes: &mut Vec<String>, path: &str) -> HiveType {
    match delta_type {
        Value::String(name) => primitive(name, notes, path),
        Value::Object(object) => match object.get("type").and_then(Value::as_str) {
            Some("struct") => match struct_fields(delta_type) {
                Some(fields) => HiveType::Struct(
                    fields
                        .iter()
                        .map(|field| {
                            let name = field_name(field).unwrap_or_default();
                            Field::new(
                                name,
                                hive_type_of(
                                    field.get("type").unwrap_or(&Value::Null),
                                    notes,
                                    &format!("{path}.{name}"),
                                ),
                            )
                        })
                        .collect(),
                ),
                None => unknown("a struct without fields", notes, path),
            },
            Some("array") => HiveType::Array(Box::new(hive_type_of(
                object.get("elementType").unwrap_or(&Value::Null),
                notes,
                &format!("{path}[]"),
            ))),
            Some("map") => HiveType::Map(
                Box::new(hive_type_of(
                    object.get("keyType").unwrap_or(&Value::Null),
                    notes,
                    &format!("{path}.key"),
                )),
                Box::new(hive_type_of(
                    object.get("valueType").unwrap_or(&Value::Null),
                    notes,
                    &format!("{path}.value"),
                )),
            ),
            Some(other) => unknown(other, notes, path),
            None => unknown("an object without a type", notes, path),
        },
        other => unknown(&other.to_string(), notes, path),
    }
}

/// A primitive type by its Delta name (PROTOCOL.md "Primitive Types").
fn primitive(name: &str, notes: &mut Vec<String>, path: &str) -> HiveType {
    match name {
        "string" => HiveType::String,
        "long" => HiveType::BigInt,
        "integer" => HiveType::Int,
        "short" => HiveType::SmallInt,
        "byte" => HiveType::TinyInt,
        "float" => HiveType::Float,
        "double" => HiveType::Double,
        "boolean" => HiveType::Boolean,
        "binary" => HiveType::Binary,
        "date" => HiveType::Date,
        // Hive has one timestamp type; the Parquet classifier types both Arrow timestamps so.
        "timestamp" | "timestamp_ntz" => HiveType::Timestamp,
        // Spark's name for a decimal without arguments is decimal(10,0).
        "decimal" => HiveType::Decimal {
            precision: 10,
            scale: 0,
        },
        // The kernel reads an unshredded variant as its physical struct; so does this.
        "variant" => HiveType::Struct(vec![
            Field::new("metadata", HiveType::Binary),
            Field::new("value", HiveType::Binary),
        ]),
        _ => match decimal(name) {
            Some(decimal) => decimal,
            None => unknown(name, notes, path),
        },
    }
}

/// `decimal(p,s)` with Delta's bounds (precision 1 to 38, scale 0 to precision).
fn decimal(name: &str) -> Option<HiveType> {
    let arguments = name.strip_prefix("decimal(")?.strip_suffix(')')?;
    let (precision, scale) = arguments.split_once(',')?;
    let precision: u8 = precision.trim().parse().ok()?;
    let scale: i8 = scale.trim().parse().ok()?;
    let valid = (1..=38).contains(&precision) && scale >= 0 && scale.unsigned_abs() <= precision;
    valid.then_some(HiveType::Decimal { precision, scale })
}

/// A type this reader does not know: `string`, as Glue types what it cannot read, and a note.
fn unknown(name: &str, notes: &mut Vec<String>, path: &str) -> HiveType {
    notes.push(format!(
        "{path}: Delta type {name} has no Hive type; typed string"
    ));
    HiveType::String
}

/// The `fields` of a struct type.
fn struct_fields(struct_type: &Value) -> Option<&Vec<Value>> {
    (struct_type.get("type")?.as_str()? == "struct")
        .then(|| struct_type.get("fields")?.as_array())
        .flatten()
}

/// A field's name.
fn field_name(field: &Value) -> Result<&str, String> {
    field
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("a schema field without a name: {field}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types_of(schema: &str) -> (Vec<(String, String)>, Vec<String>) {
        let mut notes = Vec::new();
        let columns = columns_of(schema, &mut notes).expect("schema parses");
        (
            columns.into_iter().map(|c| (c.name, c.type_name)).collect(),
            notes,
        )
    }

    #[test]
    fn primitive_and_nested_types_map_to_glue_strings() {
        let schema = r#"{"type":"struct","fields":[
            {"name":"a","type":"long","nullable":true,"metadata":{"comment":"the key"}},
            {"name":"b","type":"decimal(12,3)","nullable":true,"metadata":{}},
            {"name":"c","type":"timestamp_ntz","nullable":true,"metadata":{}},
            {"name":"d","type":{"type":"array","elementType":"integer","containsNull":true},"nullable":true,"metadata":{}},
            {"name":"e","type":{"type":"map","keyType":"string","valueType":{"type":"struct","fields":[{"name":"x y","type":"byte","nullable":true,"metadata":{}}]},"valueContainsNull":true},"nullable":true,"metadata":{}},
            {"name":"f","type":"short","nullable":true,"metadata":{}},
            {"name":"g","type":"variant","nullable":true,"metadata":{}}
        ]}"#;
        let (columns, notes) = types_of(schema);
        assert_eq!(
            columns,
            [
                ("a", "bigint"),
                ("b", "decimal(12,3)"),
                ("c", "timestamp"),
                ("d", "array<int>"),
                ("e", "map<string,struct<`x y`:tinyint>>"),
                ("f", "smallint"),
                ("g", "struct<metadata:binary,value:binary>"),
            ]
            .map(|(n, t)| (n.to_owned(), t.to_owned()))
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn unknown_types_are_strings_with_a_note() {
        let schema = r#"{"type":"struct","fields":[
            {"name":"g","type":"geometry(OGC:CRS84)","nullable":true,"metadata":{}},
            {"name":"h","type":"decimal(40,2)","nullable":true,"metadata":{}}
        ]}"#;
        let (columns, notes) = types_of(schema);
        assert_eq!(columns[0].1, "string");
        assert_eq!(columns[1].1, "string");
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].starts_with("g: "), "{notes:?}");
    }

    #[test]
    fn a_schema_that_is_not_a_struct_is_refused() {
        let mut notes = Vec::new();
        assert!(columns_of(r#"{"type":"map"}"#, &mut notes).is_err());
        assert!(columns_of("not json", &mut notes).is_err());
    }
}
