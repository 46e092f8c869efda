//! Merging the schemas of many objects into one table schema, and telling how alike two
//! schemas are (which the crawler uses to decide between one table with partitions and
//! several tables).
//!
//! Widening never loses values: integers widen to the wider integer, integers and floats to
//! `double`, decimals to a decimal that holds both, dates and timestamps to `timestamp`,
//! nested types field by field, and anything else to `string`.

use std::collections::{HashMap, HashSet};

use crate::ordered::Ordered;
use crate::schema::{Field, HiveType, Schema};

/// Largest decimal precision Hive allows.
const MAX_DECIMAL_PRECISION: u8 = 38;

/// Digits needed for the largest value of an integer type.
fn integer_digits(t: &HiveType) -> Option<u8> {
    match t {
        HiveType::TinyInt => Some(3),
        HiveType::SmallInt => Some(5),
        HiveType::Int => Some(10),
        HiveType::BigInt => Some(19),
        _ => None,
    }
}

fn integer_rank(t: &HiveType) -> Option<u8> {
    match t {
        HiveType::TinyInt => Some(0),
        HiveType::SmallInt => Some(1),
        HiveType::Int => Some(2),
        HiveType::BigInt => Some(3),
        _ => None,
    }
}

/// A decimal with at least `integral` digits before the point and `scale` after, within
/// Hive's 38 digits (the scale gives way first, as in Spark).
fn decimal(integral: u8, scale: u8) -> HiveType {
    let precision = integral
        .saturating_add(scale)
        .clamp(1, MAX_DECIMAL_PRECISION);
    let scale = scale.min(precision.saturating_sub(integral.min(precision)));
    HiveType::Decimal {
        precision,
        scale: scale as i8,
    }
}

/// Digits before and after the point of a decimal (negative scales count as 0).
fn decimal_parts(precision: u8, scale: i8) -> (u8, u8) {
    let scale = scale.max(0) as u8;
    (precision.saturating_sub(scale), scale)
}

/// The narrowest type that holds every value of `a` and of `b`.
pub fn widen(a: &HiveType, b: &HiveType) -> HiveType {
    use HiveType::*;
    if a == b {
        return a.clone();
    }
    match (a, b) {
        (String, _) | (_, String) => String,
        _ if integer_rank(a).is_some() && integer_rank(b).is_some() => {
            if integer_rank(a) >= integer_rank(b) {
                a.clone()
            } else {
                b.clone()
            }
        }
        (Float | Double, x) | (x, Float | Double)
            if integer_rank(x).is_some() || matches!(x, Float | Double | Decimal { .. }) =>
        {
            Double
        }
        (
            Decimal {
                precision: p1,
                scale: s1,
            },
            Decimal {
                precision: p2,
                scale: s2,
            },
        ) => {
            let (i1, f1) = decimal_parts(*p1, *s1);
            let (i2, f2) = decimal_parts(*p2, *s2);
            decimal(i1.max(i2), f1.max(f2))
        }
        (Decimal { precision, scale }, x) | (x, Decimal { precision, scale })
            if integer_digits(x).is_some() =>
        {
            let (integral, fraction) = decimal_parts(*precision, *scale);
            decimal(integral.max(integer_digits(x).unwrap_or(0)), fraction)
        }
        (Date, Timestamp) | (Timestamp, Date) => Timestamp,
        (Array(x), Array(y)) => Array(Box::new(widen(x, y))),
        (Map(k1, v1), Map(k2, v2)) => Map(Box::new(widen(k1, k2)), Box::new(widen(v1, v2))),
        (Struct(x), Struct(y)) => Struct(union_fields(x, y)),
        _ => String,
    }
}

/// A field name as Hive compares names: case-insensitively.
fn name_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// The fields of both, in first-seen order, types widened where names meet (names compare
/// case-insensitively, as Hive's do). Names are looked up by key, so merging wide schemas
/// (tens of thousands of columns) takes time in proportion to their width.
fn union_fields(first: &[Field], second: &[Field]) -> Vec<Field> {
    let mut merged = Ordered::default();
    add_fields(&mut merged, first);
    add_fields(&mut merged, second);
    into_fields(merged)
}

/// Adds `fields` to `merged`, widening the type of a name already there.
fn add_fields<'a>(merged: &mut Ordered<HiveType>, fields: impl IntoIterator<Item = &'a Field>) {
    for field in fields {
        merged.add(
            name_key(&field.name),
            field.name.clone(),
            field.data_type.clone(),
            |existing, data_type| *existing = widen(existing, &data_type),
        );
    }
}

fn into_fields(merged: Ordered<HiveType>) -> Vec<Field> {
    merged
        .into_entries()
        .into_iter()
        .map(|(name, data_type)| Field::new(name, data_type))
        .collect()
}

/// Merges schemas into one: columns in first-seen order, types widened.
pub fn merge_schemas<'a>(schemas: impl IntoIterator<Item = &'a Schema>) -> Schema {
    let mut merged = Ordered::default();
    for schema in schemas {
        add_fields(&mut merged, &schema.fields);
    }
    Schema::new(into_fields(merged))
}

/// How alike two schemas are, from 0 (nothing shared) to 1 (the same columns and types).
///
/// Each column name in either schema counts 1 when both have it with compatible types
/// (they widen to something other than `string`, or both are strings), 0.5 when both have it
/// with incompatible types, and 0 when only one has it; the score is the mean. A partition
/// that adds one column to ten scores 10/11.
pub fn similarity(a: &Schema, b: &Schema) -> f64 {
    let overlap = Overlap::of(a, b);
    if overlap.names == 0 {
        return 1.0;
    }
    overlap.shared / overlap.names as f64
}

/// How much of the narrower schema the wider one holds, from 0 (nothing) to 1 (every column,
/// with compatible types): shared columns scored as in [`similarity`], divided by the
/// narrower schema's width. A schema that only adds columns to another, or lacks some of its
/// columns, scores 1 however many it adds: that is how one dataset evolves, where
/// [`similarity`] falls as columns are added.
pub fn containment(a: &Schema, b: &Schema) -> f64 {
    let overlap = Overlap::of(a, b);
    let narrower = overlap.a_names.min(overlap.b_names);
    if narrower == 0 {
        return 1.0;
    }
    overlap.shared / narrower as f64
}

/// What two schemas share, by column name (the first field of each name counts, as
/// `Schema::field` finds it).
struct Overlap {
    /// Shared names, 1 each with compatible types, 0.5 with incompatible ones.
    shared: f64,
    /// Distinct names in either.
    names: usize,
    a_names: usize,
    b_names: usize,
}

impl Overlap {
    fn of(a: &Schema, b: &Schema) -> Overlap {
        let mut in_b: HashMap<String, &Field> = HashMap::with_capacity(b.fields.len());
        for field in &b.fields {
            in_b.entry(name_key(&field.name)).or_insert(field);
        }
        let mut in_a: HashSet<String> = HashSet::with_capacity(a.fields.len());
        let mut shared = 0.0;
        let mut both = 0;
        for x in &a.fields {
            let key = name_key(&x.name);
            if in_a.contains(&key) {
                continue;
            }
            if let Some(y) = in_b.get(&key) {
                let widened = widen(&x.data_type, &y.data_type);
                let both_strings =
                    x.data_type == HiveType::String && y.data_type == HiveType::String;
                shared += if widened != HiveType::String || both_strings {
                    1.0
                } else {
                    0.5
                };
                both += 1;
            }
            in_a.insert(key);
        }
        Overlap {
            shared,
            names: in_a.len() + in_b.len() - both,
            a_names: in_a.len(),
            b_names: in_b.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(text: &str) -> HiveType {
        text.parse().unwrap()
    }

    #[test]
    fn widening_rules() {
        let cases = [
            ("int", "bigint", "bigint"),
            ("tinyint", "smallint", "smallint"),
            ("int", "double", "double"),
            ("bigint", "float", "double"),
            ("float", "float", "float"),
            ("int", "string", "string"),
            ("boolean", "int", "string"),
            ("date", "timestamp", "timestamp"),
            ("decimal(10,2)", "decimal(5,4)", "decimal(12,4)"),
            ("decimal(10,2)", "int", "decimal(12,2)"),
            ("decimal(10,2)", "bigint", "decimal(21,2)"),
            ("decimal(10,2)", "double", "double"),
            ("decimal(38,10)", "decimal(38,0)", "decimal(38,0)"),
            ("array<int>", "array<bigint>", "array<bigint>"),
            ("array<int>", "int", "string"),
            (
                "map<string,int>",
                "map<string,double>",
                "map<string,double>",
            ),
            (
                "struct<a:int>",
                "struct<a:struct<x:int>>",
                "struct<a:string>",
            ),
            ("binary", "string", "string"),
        ];
        for (a, b, expected) in cases {
            assert_eq!(widen(&t(a), &t(b)).to_string(), expected, "{a} + {b}");
            assert_eq!(widen(&t(b), &t(a)).to_string(), expected, "{b} + {a}");
        }
        // Struct fields come in first-seen order, so here the operand order shows.
        let (a, b) = (t("struct<a:int,b:string>"), t("struct<B:string,c:date>"));
        assert_eq!(widen(&a, &b).to_string(), "struct<a:int,b:string,c:date>");
        assert_eq!(widen(&b, &a).to_string(), "struct<B:string,c:date,a:int>");
    }

    #[test]
    fn merging_keeps_first_seen_order() {
        let first = Schema::new(vec![
            Field::new("id", t("int")),
            Field::new("name", t("string")),
        ]);
        let second = Schema::new(vec![
            Field::new("extra", t("date")),
            Field::new("ID", t("bigint")),
        ]);
        let merged = merge_schemas([&first, &second]);
        let shown: Vec<String> = merged
            .fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.data_type))
            .collect();
        assert_eq!(shown, ["id:bigint", "name:string", "extra:date"]);
    }

    #[test]
    fn similarity_scores() {
        let columns = |n: usize| -> Schema {
            Schema::new(
                (0..n)
                    .map(|i| Field::new(format!("c{i}"), t("int")))
                    .collect(),
            )
        };
        assert_eq!(similarity(&columns(10), &columns(10)), 1.0);
        assert!((similarity(&columns(10), &columns(11)) - 10.0 / 11.0).abs() < 1e-9);
        let other = Schema::new(vec![Field::new("x", t("int"))]);
        assert_eq!(similarity(&columns(2), &other), 0.0);
        let retyped = Schema::new(vec![
            Field::new("c0", t("boolean")),
            Field::new("c1", t("int")),
        ]);
        assert_eq!(similarity(&columns(2), &retyped), 0.75);
        assert_eq!(similarity(&Schema::default(), &Schema::default()), 1.0);
    }

    /// Containment, case by case: what evolution keeps at 1, and what different datasets
    /// bring down.
    #[test]
    fn containment_scores() {
        let schema = |columns: &str| -> Schema {
            Schema::new(
                columns
                    .split_whitespace()
                    .map(|c| {
                        let (name, data_type) = c.split_once(':').unwrap_or((c, "int"));
                        Field::new(name, t(data_type))
                    })
                    .collect(),
            )
        };
        let cases = [
            ("the same columns", "a b c", "a b c", 1.0),
            ("columns added", "a b", "a b c d e f", 1.0),
            ("columns missing", "a b c d", "b d", 1.0),
            ("a type widened", "a b:int", "a b:bigint c", 1.0),
            ("names differ in case only", "A B", "a b c", 1.0),
            (
                "one added, one dropped, of four",
                "a b c d",
                "a b c e",
                0.75,
            ),
            ("a type incompatible", "a b:boolean", "a b:date", 0.75),
            ("a few shared keys", "id ts a b c", "id ts x y z", 0.4),
            ("disjoint", "a b", "x y z", 0.0),
            ("one empty", "", "a", 1.0),
        ];
        for (case, a, b, expected) in cases {
            let (a, b) = (schema(a), schema(b));
            assert!((containment(&a, &b) - expected).abs() < 1e-9, "{case}");
            assert!(
                (containment(&b, &a) - expected).abs() < 1e-9,
                "{case}, reversed"
            );
        }
    }

    fn leaf() -> impl Strategy<Value = HiveType> {
        prop_oneof![
            Just(HiveType::Boolean),
            Just(HiveType::TinyInt),
            Just(HiveType::SmallInt),
            Just(HiveType::Int),
            Just(HiveType::BigInt),
            Just(HiveType::Float),
            Just(HiveType::Double),
            Just(HiveType::String),
            Just(HiveType::Binary),
            Just(HiveType::Date),
            Just(HiveType::Timestamp),
            // Within these bounds no widening reaches Hive's 38-digit cap, where the scale
            // must give way and exact associativity cannot hold.
            (1u8..=18)
                .prop_flat_map(|p| (Just(p), 0..=p as i8))
                .prop_map(|(precision, scale)| HiveType::Decimal { precision, scale }),
        ]
    }

    fn hive_type() -> impl Strategy<Value = HiveType> {
        leaf().prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(|t| HiveType::Array(Box::new(t))),
                (inner.clone(), inner.clone())
                    .prop_map(|(k, v)| HiveType::Map(Box::new(k), Box::new(v))),
                prop::collection::vec(
                    (prop::sample::select(vec!["a", "b", "c", "d"]), inner),
                    0..4
                )
                .prop_map(|fields| {
                    let mut seen = Vec::new();
                    HiveType::Struct(
                        fields
                            .into_iter()
                            .filter(|(n, _)| {
                                let new = !seen.contains(n);
                                seen.push(*n);
                                new
                            })
                            .map(|(n, t)| Field::new(n, t))
                            .collect(),
                    )
                }),
            ]
        })
    }

    fn schema() -> impl Strategy<Value = Schema> {
        prop::collection::vec(
            (
                prop::sample::select(vec!["id", "name", "ts", "amount", "tags"]),
                hive_type(),
            ),
            0..5,
        )
        .prop_map(|columns| {
            let mut fields: Vec<Field> = Vec::new();
            for (name, data_type) in columns {
                if fields.iter().all(|f| f.name != name) {
                    fields.push(Field::new(name, data_type));
                }
            }
            Schema::new(fields)
        })
    }

    /// Column name to type, ignoring column order.
    fn types_by_name(schema: &Schema) -> Vec<(String, String)> {
        let mut types: Vec<(String, String)> = schema
            .fields
            .iter()
            .map(|f| (f.name.to_lowercase(), canonical(&f.data_type)))
            .collect();
        types.sort();
        types
    }

    /// A type string with struct fields sorted, since field order follows first sight.
    fn canonical(t: &HiveType) -> String {
        match t {
            HiveType::Struct(fields) => {
                let mut parts: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{}:{}", f.name, canonical(&f.data_type)))
                    .collect();
                parts.sort();
                format!("struct<{}>", parts.join(","))
            }
            HiveType::Array(e) => format!("array<{}>", canonical(e)),
            HiveType::Map(k, v) => format!("map<{},{}>", canonical(k), canonical(v)),
            other => other.to_string(),
        }
    }

    proptest! {
        #[test]
        fn merge_types_do_not_depend_on_order(a in schema(), b in schema(), c in schema()) {
            let abc = merge_schemas([&a, &b, &c]);
            for order in [[&c, &b, &a], [&b, &a, &c], [&c, &a, &b]] {
                prop_assert_eq!(types_by_name(&abc), types_by_name(&merge_schemas(order)));
            }
        }

        #[test]
        fn merge_is_idempotent(a in schema(), b in schema()) {
            let merged = merge_schemas([&a, &b]);
            prop_assert_eq!(&merge_schemas([&merged, &merged]), &merged);
            prop_assert_eq!(&merge_schemas([&merged, &a]), &merged);
            prop_assert_eq!(&merge_schemas([&merged, &b]), &merged);
        }

        #[test]
        fn type_strings_parse_back(t in hive_type()) {
            prop_assert_eq!(t.to_string().parse::<HiveType>().unwrap(), t);
        }

        #[test]
        fn similarity_is_symmetric_and_bounded(a in schema(), b in schema()) {
            let ab = similarity(&a, &b);
            prop_assert!((0.0..=1.0).contains(&ab));
            prop_assert!((ab - similarity(&b, &a)).abs() < 1e-12);
            prop_assert_eq!(similarity(&a, &a), 1.0);
        }
    }
}
