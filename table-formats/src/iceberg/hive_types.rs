//! A Hive table's columns as an Iceberg schema: types mapped (docs/decisions/
//! 0004-iceberg-rest-catalog.md §3.7), field ids that never change between generations while
//! a column keeps its name and type (§3.3), and the name mapping that lets readers find the
//! columns of files written without field ids (table spec, "Column Projection").

use std::collections::HashMap;

use lakecat_classifiers::HiveType;
use serde_json::{Value, json};

/// An Iceberg type, as the table spec writes it in JSON, before ids are assigned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum IcebergType {
    /// A primitive, by its spec name (`int`, `decimal(10, 2)`, ...).
    Primitive(String),
    /// `list<element>`.
    List(Box<IcebergType>),
    /// `map<key, value>`.
    Map(Box<IcebergType>, Box<IcebergType>),
    /// `struct<...>`: fields by name; fields without an Iceberg type are left out.
    Struct(Vec<(String, IcebergType)>),
}

/// The Iceberg type of a Hive type string; `Err` says why the column has none.
pub(crate) fn iceberg_type(hive: &str) -> Result<IcebergType, String> {
    let parsed: HiveType = hive
        .parse()
        .map_err(|error| format!("type {hive:?} does not parse: {error}"))?;
    Ok(of_hive(&parsed))
}

fn of_hive(hive: &HiveType) -> IcebergType {
    let primitive = |name: &str| IcebergType::Primitive(name.to_string());
    match hive {
        HiveType::Boolean => primitive("boolean"),
        // Parquet INT(8/16) and ORC byte/short read as Iceberg int.
        HiveType::TinyInt | HiveType::SmallInt | HiveType::Int => primitive("int"),
        HiveType::BigInt => primitive("long"),
        HiveType::Float => primitive("float"),
        HiveType::Double => primitive("double"),
        HiveType::Decimal { precision, scale } => {
            IcebergType::Primitive(format!("decimal({precision}, {scale})"))
        }
        HiveType::String => primitive("string"),
        HiveType::Binary => primitive("binary"),
        HiveType::Date => primitive("date"),
        HiveType::Timestamp => primitive("timestamp"),
        HiveType::Array(element) => IcebergType::List(Box::new(of_hive(element))),
        HiveType::Map(key, value) => {
            IcebergType::Map(Box::new(of_hive(key)), Box::new(of_hive(value)))
        }
        HiveType::Struct(fields) => IcebergType::Struct(
            fields
                .iter()
                .map(|field| (field.name.clone(), of_hive(&field.data_type)))
                .collect(),
        ),
    }
}

/// The Iceberg type of a partition key: identity partitions need a primitive that the
/// folder's text parses into. `Err` says why the key cannot be one.
pub(crate) fn partition_key_type(hive: &str) -> Result<String, String> {
    match iceberg_type(hive)? {
        IcebergType::Primitive(name)
            if matches!(name.as_str(), "string" | "int" | "long" | "date") =>
        {
            Ok(name)
        }
        _ => Err(format!(
            "partition key type {hive} has no identity partition lakecat can write (string, \
             int, bigint and date can)"
        )),
    }
}

/// A field's id and type as an earlier generation assigned them.
#[derive(Debug, Clone)]
struct Known {
    id: i32,
    /// The primitive type, or `struct`, `list`, `map`.
    kind: String,
}

/// Field ids by path (`a`, `s.x`, `l.element`, `m.key`, `m.value`): kept from the schema an
/// earlier generation wrote, new ones after the highest ever assigned.
#[derive(Debug, Clone, Default)]
pub(crate) struct FieldIds {
    known: HashMap<String, Known>,
    /// The highest id ever assigned (`last-column-id`).
    pub(crate) last: i32,
}

impl FieldIds {
    /// The ids of `schema` (an Iceberg schema's JSON), with `last_column_id` the highest id
    /// ever assigned.
    pub(crate) fn from_schema(schema: &Value, last_column_id: i32) -> FieldIds {
        let mut ids = FieldIds {
            known: HashMap::new(),
            last: last_column_id,
        };
        if let Some(fields) = schema.get("fields").and_then(Value::as_array) {
            for field in fields {
                ids.remember_field("", field);
            }
        }
        ids
    }

    fn remember_field(&mut self, parent: &str, field: &Value) {
        let (Some(name), Some(id)) = (
            field.get("name").and_then(Value::as_str),
            field.get("id").and_then(Value::as_i64),
        ) else {
            return;
        };
        let path = join(parent, name);
        self.remember_type(&path, id, field.get("type"));
    }

    fn remember_type(&mut self, path: &str, id: i64, kind: Option<&Value>) {
        let kind = kind.cloned().unwrap_or(Value::Null);
        let name = match &kind {
            Value::String(primitive) => primitive.clone(),
            Value::Object(nested) => {
                let nested_kind = nested.get("type").and_then(Value::as_str).unwrap_or("");
                match nested_kind {
                    "struct" => {
                        for field in nested
                            .get("fields")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                        {
                            self.remember_field(path, field);
                        }
                    }
                    "list" => {
                        if let Some(element) = nested.get("element-id").and_then(Value::as_i64) {
                            self.remember_type(
                                &join(path, "element"),
                                element,
                                nested.get("element"),
                            );
                        }
                    }
                    "map" => {
                        for part in ["key", "value"] {
                            if let Some(part_id) =
                                nested.get(&format!("{part}-id")).and_then(Value::as_i64)
                            {
                                self.remember_type(&join(path, part), part_id, nested.get(part));
                            }
                        }
                    }
                    _ => {}
                }
                nested_kind.to_string()
            }
            _ => String::new(),
        };
        if let Ok(id) = i32::try_from(id) {
            self.known
                .insert(path.to_string(), Known { id, kind: name });
        }
    }

    /// The id of the field at `path` of type `kind`: the known one when the type is the same
    /// or one Iceberg promotes to (int to long, float to double, a wider decimal), else a
    /// new one.
    pub(crate) fn id(&mut self, path: &str, kind: &str) -> i32 {
        if let Some(known) = self.known.get(path)
            && promotes(&known.kind, kind)
        {
            return known.id;
        }
        self.last += 1;
        let id = self.last;
        self.known.insert(
            path.to_string(),
            Known {
                id,
                kind: kind.to_string(),
            },
        );
        id
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

/// Whether a field of type `old` may keep its id as type `new` (table spec, "Schema
/// Evolution": the same type, int to long, float to double, decimal precision widening).
fn promotes(old: &str, new: &str) -> bool {
    if old == new {
        return true;
    }
    match (old, new) {
        ("int", "long") | ("float", "double") => true,
        _ => match (decimal(old), decimal(new)) {
            (Some((p1, s1)), Some((p2, s2))) => s1 == s2 && p2 >= p1,
            _ => false,
        },
    }
}

fn decimal(kind: &str) -> Option<(u32, u32)> {
    let inner = kind.strip_prefix("decimal(")?.strip_suffix(')')?;
    let (precision, scale) = inner.split_once(',')?;
    Some((precision.trim().parse().ok()?, scale.trim().parse().ok()?))
}

fn kind_name(kind: &IcebergType) -> &str {
    match kind {
        IcebergType::Primitive(name) => name,
        IcebergType::List(_) => "list",
        IcebergType::Map(..) => "map",
        IcebergType::Struct(_) => "struct",
    }
}

/// A top-level column: its name and type.
pub(crate) struct TopLevel {
    pub(crate) name: String,
    pub(crate) kind: IcebergType,
}

/// The schema's fields and the name mapping, with ids from `ids`. Top-level ids are assigned
/// first, in column order, then nested ones (Java's order for a fresh schema).
pub(crate) fn schema_fields(columns: &[TopLevel], ids: &mut FieldIds) -> (Vec<Value>, Vec<Value>) {
    let top: Vec<i32> = columns
        .iter()
        .map(|column| ids.id(&column.name, kind_name(&column.kind)))
        .collect();
    let mut fields = Vec::with_capacity(columns.len());
    let mut mapping = Vec::with_capacity(columns.len());
    for (column, id) in columns.iter().zip(top) {
        let (kind, nested) = typed(&column.name, &column.kind, ids);
        fields.push(json!({"id": id, "name": column.name, "required": false, "type": kind}));
        mapping.push(mapped(id, &column.name, nested));
    }
    (fields, mapping)
}

fn mapped(id: i32, name: &str, nested: Vec<Value>) -> Value {
    let mut entry = json!({"field-id": id, "names": [name]});
    if !nested.is_empty() {
        entry["fields"] = Value::Array(nested);
    }
    entry
}

/// The type's JSON and the name mapping of what is nested in it.
fn typed(path: &str, kind: &IcebergType, ids: &mut FieldIds) -> (Value, Vec<Value>) {
    match kind {
        IcebergType::Primitive(name) => (Value::String(name.clone()), Vec::new()),
        IcebergType::Struct(fields) => {
            let field_ids: Vec<i32> = fields
                .iter()
                .map(|(name, kind)| ids.id(&join(path, name), kind_name(kind)))
                .collect();
            let mut out = Vec::with_capacity(fields.len());
            let mut mapping = Vec::with_capacity(fields.len());
            for ((name, kind), id) in fields.iter().zip(field_ids) {
                let (inner, nested) = typed(&join(path, name), kind, ids);
                out.push(json!({"id": id, "name": name, "required": false, "type": inner}));
                mapping.push(mapped(id, name, nested));
            }
            (json!({"type": "struct", "fields": out}), mapping)
        }
        IcebergType::List(element) => {
            let element_path = join(path, "element");
            let id = ids.id(&element_path, kind_name(element));
            let (inner, nested) = typed(&element_path, element, ids);
            (
                json!({"type": "list", "element-id": id, "element": inner,
                       "element-required": false}),
                vec![mapped(id, "element", nested)],
            )
        }
        IcebergType::Map(key, value) => {
            let key_path = join(path, "key");
            let value_path = join(path, "value");
            let key_id = ids.id(&key_path, kind_name(key));
            let value_id = ids.id(&value_path, kind_name(value));
            let (key_type, key_nested) = typed(&key_path, key, ids);
            let (value_type, value_nested) = typed(&value_path, value, ids);
            (
                json!({"type": "map", "key-id": key_id, "key": key_type,
                       "value-id": value_id, "value": value_type, "value-required": false}),
                vec![
                    mapped(key_id, "key", key_nested),
                    mapped(value_id, "value", value_nested),
                ],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (Hive type, Iceberg type JSON with fresh ids from 1, or the reason it has none).
    #[test]
    fn hive_types_map_to_iceberg_types() {
        let cases: &[(&str, Result<Value, &str>)] = &[
            ("boolean", Ok(json!("boolean"))),
            ("tinyint", Ok(json!("int"))),
            ("smallint", Ok(json!("int"))),
            ("int", Ok(json!("int"))),
            ("bigint", Ok(json!("long"))),
            ("float", Ok(json!("float"))),
            ("double", Ok(json!("double"))),
            ("decimal(10,2)", Ok(json!("decimal(10, 2)"))),
            ("decimal(38,0)", Ok(json!("decimal(38, 0)"))),
            ("string", Ok(json!("string"))),
            ("varchar(20)", Ok(json!("string"))),
            ("char(3)", Ok(json!("string"))),
            ("binary", Ok(json!("binary"))),
            ("date", Ok(json!("date"))),
            ("timestamp", Ok(json!("timestamp"))),
            (
                "array<int>",
                Ok(json!({"type": "list", "element-id": 2, "element": "int",
                          "element-required": false})),
            ),
            (
                "map<string,double>",
                Ok(
                    json!({"type": "map", "key-id": 2, "key": "string", "value-id": 3,
                          "value": "double", "value-required": false}),
                ),
            ),
            (
                "struct<a:int,b:array<string>>",
                Ok(json!({"type": "struct", "fields": [
                    {"id": 2, "name": "a", "required": false, "type": "int"},
                    {"id": 3, "name": "b", "required": false, "type":
                        {"type": "list", "element-id": 4, "element": "string",
                         "element-required": false}}]})),
            ),
            ("uniontype<int,string>", Err("does not parse")),
            ("decimal(50,2)", Err("does not parse")),
            ("void", Err("does not parse")),
        ];
        for (hive, expected) in cases {
            let got = iceberg_type(hive).map(|kind| {
                let mut ids = FieldIds::default();
                let (fields, _) = schema_fields(
                    &[TopLevel {
                        name: "c".into(),
                        kind,
                    }],
                    &mut ids,
                );
                fields[0]["type"].clone()
            });
            match (got, expected) {
                (Ok(got), Ok(expected)) => assert_eq!(&got, expected, "{hive}"),
                (Err(reason), Err(expected)) => {
                    assert!(reason.contains(expected), "{hive}: {reason}")
                }
                (got, expected) => panic!("{hive}: {got:?}, expected {expected:?}"),
            }
        }
    }

    /// (partition key type, Iceberg type or None when it cannot be a partition key).
    #[test]
    fn partition_keys_are_typed_or_refused() {
        let cases = [
            ("string", Some("string")),
            ("int", Some("int")),
            ("smallint", Some("int")),
            ("bigint", Some("long")),
            ("date", Some("date")),
            ("double", None),
            ("timestamp", None),
            ("array<int>", None),
            ("nonsense", None),
        ];
        for (hive, expected) in cases {
            assert_eq!(partition_key_type(hive).ok().as_deref(), expected, "{hive}");
        }
    }

    fn columns(spec: &[(&str, &str)]) -> Vec<TopLevel> {
        spec.iter()
            .map(|(name, hive)| TopLevel {
                name: name.to_string(),
                kind: iceberg_type(hive).unwrap(),
            })
            .collect()
    }

    fn ids_of(fields: &[Value]) -> Vec<(String, i64)> {
        fields
            .iter()
            .map(|f| {
                (
                    f["name"].as_str().unwrap().to_string(),
                    f["id"].as_i64().unwrap(),
                )
            })
            .collect()
    }

    /// (columns of the first generation, of the second, expected ids of the second).
    #[test]
    fn field_ids_stay_while_names_and_types_do() {
        type Columns<'a> = &'a [(&'a str, &'a str)];
        type Case<'a> = (Columns<'a>, Columns<'a>, &'a [(&'a str, i64)]);
        let cases: &[Case<'_>] = &[
            // Unchanged: the same ids.
            (
                &[("a", "int"), ("b", "string")],
                &[("a", "int"), ("b", "string")],
                &[("a", 1), ("b", 2)],
            ),
            // Reordered: ids follow names, not positions.
            (
                &[("a", "int"), ("b", "string")],
                &[("b", "string"), ("a", "int")],
                &[("b", 2), ("a", 1)],
            ),
            // A new column gets the next id; a dropped one's id is not reused.
            (
                &[("a", "int"), ("b", "string")],
                &[("a", "int"), ("c", "date")],
                &[("a", 1), ("c", 3)],
            ),
            // Promotions keep the id.
            (
                &[("a", "int"), ("f", "float"), ("d", "decimal(10,2)")],
                &[("a", "bigint"), ("f", "double"), ("d", "decimal(12,2)")],
                &[("a", 1), ("f", 2), ("d", 3)],
            ),
            // Other type changes get a new id.
            (
                &[("a", "bigint"), ("b", "string"), ("d", "decimal(10,2)")],
                &[("a", "int"), ("b", "bigint"), ("d", "decimal(10,3)")],
                &[("a", 4), ("b", 5), ("d", 6)],
            ),
            // Nested fields keep theirs; top-level ids come first in a fresh schema.
            (
                &[("s", "struct<x:int,y:string>"), ("t", "int")],
                &[("s", "struct<y:string,z:int>"), ("t", "int")],
                &[("s", 1), ("t", 2)],
            ),
        ];
        for (first, second, expected) in cases {
            let mut ids = FieldIds::default();
            let (fields, _) = schema_fields(&columns(first), &mut ids);
            let written = json!({"schema-id": 0, "type": "struct", "fields": fields});
            let mut again = FieldIds::from_schema(&written, ids.last);
            let (fields, _) = schema_fields(&columns(second), &mut again);
            let expected: Vec<(String, i64)> =
                expected.iter().map(|(n, i)| (n.to_string(), *i)).collect();
            assert_eq!(ids_of(&fields), expected, "{first:?} -> {second:?}");
        }
    }

    #[test]
    fn nested_ids_survive_and_new_nested_fields_come_after() {
        let first = columns(&[("s", "struct<x:int,y:string>"), ("t", "int")]);
        let mut ids = FieldIds::default();
        let (fields, mapping) = schema_fields(&first, &mut ids);
        // s=1, t=2, s.x=3, s.y=4.
        assert_eq!(fields[0]["type"]["fields"][1]["id"], 4);
        assert_eq!(
            mapping[0],
            json!({"field-id": 1, "names": ["s"], "fields": [
                {"field-id": 3, "names": ["x"]}, {"field-id": 4, "names": ["y"]}]})
        );
        let written = json!({"fields": fields});
        let mut again = FieldIds::from_schema(&written, ids.last);
        let second = columns(&[("s", "struct<y:string,z:int>"), ("t", "int")]);
        let (fields, _) = schema_fields(&second, &mut again);
        assert_eq!(fields[0]["type"]["fields"][0]["id"], 4, "s.y kept");
        assert_eq!(fields[0]["type"]["fields"][1]["id"], 5, "s.z new");
        assert_eq!(again.last, 5);
    }
}
