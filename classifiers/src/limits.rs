//! Limits on the schemas classifiers may return, so that one object cannot make a table no
//! engine can read or the catalog would refuse. An object whose schema passes one of them is
//! reported with the reason and skipped, as Glue skips what it cannot catalogue.
//!
//! The limits are generous for real data: Glue documents no column limit, but Hive's
//! metastore and the engines reading it slow to a crawl well before 10,000 columns, and
//! Glue refuses a column type longer than 131,072 characters.

use crate::schema::{HiveType, Schema};

/// Columns at most, counting the fields of nested structs.
pub const MAX_COLUMNS: usize = 10_000;
/// Levels of nesting at most (a `struct<a:int>` column is one level deeper than `int`).
pub const MAX_NESTING: usize = 32;
/// Characters at most in one column's type string, as Glue's `Column.Type`.
pub const MAX_COLUMN_TYPE_CHARS: usize = 131_072;

/// Checks `schema` against the limits; the error says which one it passes and by how much.
pub fn check(schema: &Schema) -> Result<(), String> {
    let mut columns = 0;
    for field in &schema.fields {
        columns += 1 + nested_fields(&field.data_type);
        if columns > MAX_COLUMNS {
            return Err(format!(
                "more than {MAX_COLUMNS} columns, counting nested fields (the limit on a table's width)"
            ));
        }
        let depth = nesting(&field.data_type);
        if depth > MAX_NESTING {
            return Err(format!(
                "column {:?} is nested {depth} levels deep, more than the limit of {MAX_NESTING}",
                field.name
            ));
        }
        let chars = field.data_type.to_string().chars().count();
        if chars > MAX_COLUMN_TYPE_CHARS {
            return Err(format!(
                "column {:?} has a type of {chars} characters, more than Glue's limit of {MAX_COLUMN_TYPE_CHARS}",
                field.name
            ));
        }
    }
    Ok(())
}

/// Fields inside `data_type`'s structs, at every level.
fn nested_fields(data_type: &HiveType) -> usize {
    match data_type {
        HiveType::Struct(fields) => fields
            .iter()
            .map(|field| 1 + nested_fields(&field.data_type))
            .sum(),
        HiveType::Array(element) => nested_fields(element),
        HiveType::Map(key, value) => nested_fields(key) + nested_fields(value),
        _ => 0,
    }
}

/// Levels of nesting in `data_type`: 0 for a primitive.
fn nesting(data_type: &HiveType) -> usize {
    match data_type {
        HiveType::Struct(fields) => {
            1 + fields
                .iter()
                .map(|field| nesting(&field.data_type))
                .max()
                .unwrap_or(0)
        }
        HiveType::Array(element) => 1 + nesting(element),
        HiveType::Map(key, value) => 1 + nesting(key).max(nesting(value)),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Field;

    fn nested(levels: usize) -> HiveType {
        (0..levels).fold(HiveType::Int, |inner, _| {
            HiveType::Struct(vec![Field::new("x", inner)])
        })
    }

    fn wide(columns: usize) -> Schema {
        Schema::new(
            (0..columns)
                .map(|i| Field::new(format!("c{i}"), HiveType::Int))
                .collect(),
        )
    }

    #[test]
    fn each_limit_admits_its_bound_and_refuses_one_more() {
        let cases: [(&str, Schema, Option<&str>); 7] = [
            ("as wide as allowed", wide(MAX_COLUMNS), None),
            (
                "one column too many",
                wide(MAX_COLUMNS + 1),
                Some("more than 10000 columns"),
            ),
            (
                "nested fields count",
                Schema::new(vec![Field::new(
                    "s",
                    HiveType::Struct(
                        (0..MAX_COLUMNS)
                            .map(|i| Field::new(format!("f{i}"), HiveType::Int))
                            .collect(),
                    ),
                )]),
                Some("more than 10000 columns"),
            ),
            (
                "as deep as allowed",
                Schema::new(vec![Field::new("d", nested(MAX_NESTING))]),
                None,
            ),
            (
                "one level too deep",
                Schema::new(vec![Field::new("d", nested(MAX_NESTING + 1))]),
                Some("nested 33 levels deep"),
            ),
            (
                "arrays nest too",
                Schema::new(vec![Field::new(
                    "a",
                    (0..=MAX_NESTING).fold(HiveType::Int, |t, _| HiveType::Array(Box::new(t))),
                )]),
                Some("nested 33 levels deep"),
            ),
            (
                "a type string over Glue's limit",
                Schema::new(vec![Field::new(
                    "s",
                    HiveType::Struct(
                        (0..5000)
                            .map(|i| {
                                Field::new(
                                    format!("a_rather_long_field_name_{i:05}"),
                                    HiveType::Int,
                                )
                            })
                            .collect(),
                    ),
                )]),
                Some("more than Glue's limit of 131072"),
            ),
        ];
        for (case, schema, refused) in cases {
            match (check(&schema), refused) {
                (Ok(()), None) => {}
                (Err(reason), Some(expected)) => {
                    assert!(reason.contains(expected), "{case}: {reason}");
                }
                (outcome, expected) => panic!("{case}: {outcome:?}, expected {expected:?}"),
            }
        }
    }
}
