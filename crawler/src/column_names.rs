//! Column names as Glue's crawler writes them: whatever a file's header or keys hold, the
//! names a crawl writes are ones the catalog accepts and engines can address.
//!
//! Top-level names are trimmed and lower-cased; control characters (and the bidirectional
//! overrides that make one name look like another) become `_`; names over the catalog's
//! 255 bytes are cut; an empty name becomes `col{N}` (its position) and `.` or `..` becomes
//! `_`; names that then collide get `_1`, `_2`, ... Names of nested struct fields also lose
//! the characters that would end them inside a Hive type string (`:` `,` `<` `>` and the
//! backtick). Each renaming is reported, so the run record says what changed.

use std::collections::HashSet;

use lakecat_catalog::validate::{MAX_NAME_BYTES, is_bidirectional_control};
use lakecat_classifiers::{Field, HiveType, Schema};

/// `schema` with names the catalog accepts, and a line per renamed column.
pub(crate) fn sanitize(schema: Schema) -> (Schema, Vec<String>) {
    let mut renamed = Vec::new();
    let fields = unique_names(schema.fields, true, &mut renamed, "");
    (Schema::new(fields), renamed)
}

/// Fields of one level, sanitized and made unique (case-insensitively).
fn unique_names(
    fields: Vec<Field>,
    top_level: bool,
    renamed: &mut Vec<String>,
    parent: &str,
) -> Vec<Field> {
    let mut taken: HashSet<String> = HashSet::with_capacity(fields.len());
    let mut out = Vec::with_capacity(fields.len());
    for (position, field) in fields.into_iter().enumerate() {
        let mut name = clean(&field.name, top_level, position);
        if taken.contains(&name.to_lowercase()) {
            let base = name.clone();
            let mut n = 1;
            loop {
                let suffix = format!("_{n}");
                name = format!("{}{suffix}", cut(&base, MAX_NAME_BYTES - suffix.len()));
                if !taken.contains(&name.to_lowercase()) {
                    break;
                }
                n += 1;
            }
        }
        taken.insert(name.to_lowercase());
        let path = format!("{parent}{name}");
        if name != field.name {
            renamed.push(format!(
                "column {:?} is written as {path:?}",
                format!("{parent}{}", field.name)
            ));
        }
        let data_type = nested(field.data_type, renamed, &format!("{path}."));
        out.push(Field::new(name, data_type));
    }
    out
}

/// `data_type` with its struct fields' names sanitized, at every level.
fn nested(data_type: HiveType, renamed: &mut Vec<String>, parent: &str) -> HiveType {
    match data_type {
        HiveType::Struct(fields) => HiveType::Struct(unique_names(fields, false, renamed, parent)),
        HiveType::Array(element) => HiveType::Array(Box::new(nested(*element, renamed, parent))),
        HiveType::Map(key, value) => HiveType::Map(
            Box::new(nested(*key, renamed, parent)),
            Box::new(nested(*value, renamed, parent)),
        ),
        other => other,
    }
}

/// One name, cleaned: see the module's rules.
fn clean(name: &str, top_level: bool, position: usize) -> String {
    let name = if top_level {
        name.trim().to_lowercase()
    } else {
        name.to_string()
    };
    let replaced: String = name
        .chars()
        .map(|c| {
            let type_syntax = !top_level && matches!(c, ':' | ',' | '<' | '>' | '`');
            if c.is_control() || is_bidirectional_control(c) || type_syntax {
                '_'
            } else {
                c
            }
        })
        .collect();
    match replaced.as_str() {
        "" => format!("col{position}"),
        "." | ".." => "_".repeat(replaced.len()),
        _ => cut(&replaced, MAX_NAME_BYTES).to_string(),
    }
}

/// The longest prefix of `text` of at most `bytes` bytes that ends on a character boundary.
fn cut(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(schema: &Schema) -> Vec<String> {
        schema.fields.iter().map(|f| f.name.clone()).collect()
    }

    #[test]
    fn top_level_names_follow_glues_rules() {
        let long = "x".repeat(300);
        let accented_long = "é".repeat(200);
        let cases: [(&str, Vec<&str>, Vec<String>); 10] = [
            ("kept", vec!["id", "name"], vec!["id".into(), "name".into()]),
            (
                "trimmed and lower-cased",
                vec!["  Id ", "NAME"],
                vec!["id".into(), "name".into()],
            ),
            (
                "a newline in a header",
                vec!["first\nname", "b"],
                vec!["first_name".into(), "b".into()],
            ),
            (
                "a quote is kept",
                vec!["say \"hi\"", "b"],
                vec!["say \"hi\"".into(), "b".into()],
            ),
            (
                "empty names get their position",
                vec!["a", " ", ""],
                vec!["a".into(), "col1".into(), "col2".into()],
            ),
            ("dots", vec![".", ".."], vec!["_".into(), "__".into()]),
            (
                "duplicates are suffixed",
                vec!["a", "A", "a", "a_1"],
                vec!["a".into(), "a_1".into(), "a_2".into(), "a_1_1".into()],
            ),
            (
                "over-long names are cut",
                vec![long.as_str()],
                vec!["x".repeat(255)],
            ),
            (
                "cut on a character boundary",
                vec![accented_long.as_str()],
                vec!["é".repeat(127)],
            ),
            (
                "bidi overrides and DEL",
                vec!["a\u{202E}b", "c\u{7F}"],
                vec!["a_b".into(), "c_".into()],
            ),
        ];
        for (case, input, expected) in cases {
            let schema = Schema::new(
                input
                    .iter()
                    .map(|n| Field::new(*n, HiveType::Int))
                    .collect(),
            );
            let (sanitized, renamed) = sanitize(schema.clone());
            assert_eq!(names(&sanitized), expected, "{case}");
            let changed = input
                .iter()
                .zip(&expected)
                .filter(|(a, b)| **a != b.as_str())
                .count();
            assert_eq!(renamed.len(), changed, "{case}: {renamed:?}");
        }
    }

    #[test]
    fn nested_names_lose_type_syntax() {
        let schema = Schema::new(vec![Field::new(
            "s",
            HiveType::Array(Box::new(HiveType::Struct(vec![
                Field::new("a:b", HiveType::Int),
                Field::new("A_b", HiveType::Int),
                Field::new("Keep Case", HiveType::Int),
            ]))),
        )]);
        let (sanitized, renamed) = sanitize(schema);
        assert_eq!(
            sanitized.fields[0].data_type.to_string(),
            "array<struct<a_b:int,A_b_1:int,`Keep Case`:int>>"
        );
        assert_eq!(renamed.len(), 2, "{renamed:?}");
    }
}
