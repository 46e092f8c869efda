//! Input validation and normalization, with Glue's documented limits.
//!
//! Every error names the field (as a JSON path into the request) and the rule it breaks.

use std::fmt::Display;

use crate::error::{Error, Result};
use crate::model::{
    Column, DatabaseInput, Parameters, PartitionIndexInput, PartitionInput, StorageDescriptor,
    TableInput,
};

/// Longest database, table, column or key name, in bytes.
pub const MAX_NAME_BYTES: usize = 255;
/// Longest parameter value, in bytes.
pub const MAX_PARAMETER_VALUE_BYTES: usize = 512_000;
/// Longest column type string, in bytes.
pub const MAX_COLUMN_TYPE_BYTES: usize = 131_072;
/// Longest column comment, in bytes.
pub const MAX_COMMENT_BYTES: usize = 255;
/// Longest description, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 2048;
/// Longest database location URI, in bytes.
pub const MAX_DATABASE_LOCATION_BYTES: usize = 1024;
/// Longest storage location, in bytes.
pub const MAX_LOCATION_BYTES: usize = 2056;
/// Longest view text, in bytes.
pub const MAX_VIEW_TEXT_BYTES: usize = 409_600;
/// Longest input or output format class name, in bytes.
pub const MAX_FORMAT_BYTES: usize = 128;
/// Most partition keys a table may have.
///
/// Each key has its own indexed columns in the partition store, so that filters run in the
/// database; sixteen is far beyond any real layout (each key is a folder level).
pub const MAX_PARTITION_KEYS: usize = 16;
/// Longest partition value, in bytes. Values are indexed; object keys are at most 1024 bytes
/// in S3, so a longer value could not be a folder name anyway.
pub const MAX_PARTITION_VALUE_BYTES: usize = 512;
/// Longest partition filter expression, in bytes.
pub const MAX_EXPRESSION_BYTES: usize = 2048;

fn check_len(field: impl Display + Copy, value: &str, min: usize, max: usize) -> Result<()> {
    let len = value.len();
    if len < min {
        return Err(Error::invalid(format!("{field}: must not be empty")));
    }
    if len > max {
        return Err(Error::invalid(format!(
            "{field}: must be at most {max} bytes (got {len})"
        )));
    }
    Ok(())
}

/// Glue's single-line string pattern: no control characters but tab, no U+FFFE or U+FFFF.
fn check_single_line(field: impl Display + Copy, value: &str) -> Result<()> {
    if let Some((index, ch)) = value
        .char_indices()
        .find(|&(_, c)| (c < ' ' && c != '\t') || c == '\u{FFFE}' || c == '\u{FFFF}')
    {
        return Err(Error::invalid(format!(
            "{field}: character U+{:04X} at byte {index} is not allowed",
            ch as u32
        )));
    }
    Ok(())
}

/// Checks a database, table or column name.
pub fn check_name(field: &str, value: &str) -> Result<()> {
    check_name_of(field, value)
}

/// [`check_name`] for a field name that is only written out when the check fails:
/// formatting field names up front cost a tenth of a partition batch's time.
fn check_name_of(field: impl Display + Copy, value: &str) -> Result<()> {
    check_len(field, value, 1, MAX_NAME_BYTES)?;
    check_single_line(field, value)
}

/// Whether `c` reorders the text around it: the embeddings and overrides (LRE, RLE, PDF,
/// LRO, RLO) and isolates (LRI, RLI, FSI, PDI). `abc\u{202E}lmx.exe` displays as
/// `abcexe.xml`.
pub fn is_bidirectional_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Why a character is refused in the names of databases, tables and the other things
/// addressed by name (crawlers, classifiers, partition indexes), when it is.
fn refused_in_names(c: char) -> Option<&'static str> {
    match c {
        '\u{7F}' => Some("DEL, a control character"),
        c if is_bidirectional_control(c) => {
            Some("a bidirectional control, which makes a name display as another")
        }
        _ => None,
    }
}

/// Checks that `value` holds no character refused in names ([`check_object_name`]).
pub fn check_name_characters(field: &str, value: &str) -> Result<()> {
    check_single_line(field, value)?;
    if let Some((index, ch, why)) = value
        .char_indices()
        .find_map(|(index, c)| refused_in_names(c).map(|why| (index, c, why)))
    {
        return Err(Error::invalid(format!(
            "{field}: character U+{:04X} at byte {index} ({why}) is not allowed in names",
            ch as u32
        )));
    }
    Ok(())
}

/// Checks the name of a database, table, crawler, classifier or partition index: what
/// [`check_name`] checks, and that it can be a URL path segment (it is not `.` or `..`,
/// which URL paths resolve away) and does not spoof another name (no DEL, no bidirectional
/// controls).
pub fn check_object_name(field: &str, value: &str) -> Result<()> {
    check_name(field, value)?;
    if value == "." || value == ".." {
        return Err(Error::invalid(format!(
            "{field}: {value:?} is not a valid name: `.` and `..` cannot be addressed in a URL \
             path"
        )));
    }
    check_name_characters(field, value)
}

fn check_optional(field: impl Display + Copy, value: &Option<String>, max: usize) -> Result<()> {
    match value {
        Some(value) => check_len(field, value, 0, max),
        None => Ok(()),
    }
}

fn check_parameters(field: impl Display + Copy, parameters: &Parameters) -> Result<()> {
    for (key, value) in parameters {
        check_len(format_args!("{field}.{key}: key"), key, 1, MAX_NAME_BYTES)?;
        check_single_line(format_args!("{field} key {key:?}"), key)?;
        check_len(
            format_args!("{field}.{key}"),
            value,
            0,
            MAX_PARAMETER_VALUE_BYTES,
        )?;
    }
    Ok(())
}

fn check_column(field: impl Display + Copy, column: &Column) -> Result<()> {
    check_name_of(format_args!("{field}.name"), &column.name)?;
    check_optional(
        format_args!("{field}.type"),
        &column.type_name,
        MAX_COLUMN_TYPE_BYTES,
    )?;
    check_optional(
        format_args!("{field}.comment"),
        &column.comment,
        MAX_COMMENT_BYTES,
    )?;
    check_parameters(format_args!("{field}.parameters"), &column.parameters)
}

fn check_storage_descriptor(field: impl Display + Copy, sd: &StorageDescriptor) -> Result<()> {
    for (i, column) in sd.columns.iter().enumerate() {
        check_column(format_args!("{field}.columns[{i}]"), column)?;
    }
    check_optional(
        format_args!("{field}.location"),
        &sd.location,
        MAX_LOCATION_BYTES,
    )?;
    check_optional(
        format_args!("{field}.input_format"),
        &sd.input_format,
        MAX_FORMAT_BYTES,
    )?;
    check_optional(
        format_args!("{field}.output_format"),
        &sd.output_format,
        MAX_FORMAT_BYTES,
    )?;
    if let Some(serde) = &sd.serde_info {
        check_optional(
            format_args!("{field}.serde_info.name"),
            &serde.name,
            MAX_NAME_BYTES,
        )?;
        check_optional(
            format_args!("{field}.serde_info.serialization_library"),
            &serde.serialization_library,
            MAX_NAME_BYTES,
        )?;
        check_parameters(
            format_args!("{field}.serde_info.parameters"),
            &serde.parameters,
        )?;
    }
    for (i, column) in sd.bucket_columns.iter().enumerate() {
        check_name_of(format_args!("{field}.bucket_columns[{i}]"), column)?;
    }
    for (i, sort) in sd.sort_columns.iter().enumerate() {
        check_name_of(
            format_args!("{field}.sort_columns[{i}].column"),
            &sort.column,
        )?;
        if !(0..=1).contains(&sort.sort_order) {
            return Err(Error::invalid(format!(
                "{field}.sort_columns[{i}].sort_order: must be 0 (descending) or 1 (ascending)"
            )));
        }
    }
    check_parameters(format_args!("{field}.parameters"), &sd.parameters)
}

/// Validates a database input and folds its name to lower case.
pub fn database_input(mut input: DatabaseInput) -> Result<DatabaseInput> {
    input.name = input.name.to_lowercase();
    check_object_name("name", &input.name)?;
    check_optional("description", &input.description, MAX_DESCRIPTION_BYTES)?;
    if let Some(location) = &input.location_uri {
        check_len("location_uri", location, 1, MAX_DATABASE_LOCATION_BYTES)?;
    }
    check_parameters("parameters", &input.parameters)?;
    Ok(input)
}

/// Validates a table input and folds its name to lower case.
pub fn table_input(mut input: TableInput) -> Result<TableInput> {
    input.name = input.name.to_lowercase();
    check_object_name("name", &input.name)?;
    check_optional("description", &input.description, MAX_DESCRIPTION_BYTES)?;
    check_optional("owner", &input.owner, MAX_NAME_BYTES)?;
    check_optional("table_type", &input.table_type, MAX_NAME_BYTES)?;
    check_parameters("parameters", &input.parameters)?;
    if input.partition_keys.len() > MAX_PARTITION_KEYS {
        return Err(Error::invalid(format!(
            "partition_keys: at most {MAX_PARTITION_KEYS} partition keys are supported (got {})",
            input.partition_keys.len()
        )));
    }
    for (i, key) in input.partition_keys.iter().enumerate() {
        let field = format!("partition_keys[{i}]");
        check_column(&field, key)?;
        let duplicate = input.partition_keys[..i]
            .iter()
            .any(|earlier| earlier.name.eq_ignore_ascii_case(&key.name));
        if duplicate {
            return Err(Error::invalid(format!(
                "{field}.name: partition key {} appears twice",
                key.name
            )));
        }
    }
    if input.retention < 0 {
        return Err(Error::invalid("retention: must not be negative"));
    }
    check_optional(
        "view_original_text",
        &input.view_original_text,
        MAX_VIEW_TEXT_BYTES,
    )?;
    check_optional(
        "view_expanded_text",
        &input.view_expanded_text,
        MAX_VIEW_TEXT_BYTES,
    )?;
    if let Some(sd) = &input.storage_descriptor {
        check_storage_descriptor("storage_descriptor", sd)?;
    }
    Ok(input)
}

/// Most partition indexes per table (Glue's limit).
pub const MAX_PARTITION_INDEXES: usize = 3;

/// Validates a partition index input on its own and folds its key names to lower case.
pub fn partition_index_input(mut input: PartitionIndexInput) -> Result<PartitionIndexInput> {
    check_object_name("name", &input.name)?;
    if input.keys.is_empty() {
        return Err(Error::invalid(
            "keys: a partition index needs at least one key",
        ));
    }
    if input.keys.len() > MAX_PARTITION_KEYS {
        return Err(Error::invalid(format!(
            "keys: at most {MAX_PARTITION_KEYS} keys (got {})",
            input.keys.len()
        )));
    }
    for key in &mut input.keys {
        *key = key.to_lowercase();
    }
    for (i, key) in input.keys.iter().enumerate() {
        check_name(&format!("keys[{i}]"), key)?;
        if input.keys[..i].contains(key) {
            return Err(Error::invalid(format!(
                "keys[{i}]: key {key} appears twice"
            )));
        }
    }
    Ok(input)
}

/// Resolves a partition index's keys against its table's partition keys: each key's position
/// and declared type. Glue indexes only string and whole-number keys.
pub fn partition_index_keys(
    input: &PartitionIndexInput,
    partition_keys: &[Column],
) -> Result<Vec<(usize, Column)>> {
    input
        .keys
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let Some(position) = partition_keys
                .iter()
                .position(|key| key.name.eq_ignore_ascii_case(name))
            else {
                let known: Vec<&str> = partition_keys.iter().map(|k| k.name.as_str()).collect();
                return Err(Error::invalid(format!(
                    "keys[{i}]: {name} is not a partition key of the table (its keys: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            };
            let key = &partition_keys[position];
            let indexable = matches!(
                crate::filter::KeyKind::of(key.type_name.as_deref()),
                Ok(crate::filter::KeyKind::Text | crate::filter::KeyKind::Integer)
            );
            if !indexable {
                return Err(Error::invalid(format!(
                    "keys[{i}]: partition key {name} has type {}; partition indexes take keys of \
                     type string, char, varchar, tinyint, smallint, int, bigint or long",
                    key.type_name.as_deref().unwrap_or("string")
                )));
            }
            Ok((position, key.clone()))
        })
        .collect()
}

/// Checks partition values against the number of partition keys of their table.
pub fn partition_values(field: &str, values: &[String], key_count: usize) -> Result<()> {
    if values.len() != key_count {
        return Err(Error::invalid(format!(
            "{field}: the table has {key_count} partition keys but {} values were given",
            values.len()
        )));
    }
    for (i, value) in values.iter().enumerate() {
        let value_field = format_args!("{field}[{i}]");
        check_len(value_field, value, 1, MAX_PARTITION_VALUE_BYTES)?;
        check_single_line(value_field, value)?;
    }
    Ok(())
}

/// Parses a table version id: a whole number, 0 or more.
pub fn version_id(field: &str, version_id: &str) -> Result<i64> {
    version_id
        .parse::<i64>()
        .ok()
        .filter(|v| *v >= 0)
        .ok_or_else(|| {
            Error::invalid(format!(
                "{field}: {version_id:?} is not a version id (a whole number, 0 or more)"
            ))
        })
}

/// Validates a partition input for a table with `key_count` partition keys.
pub fn partition_input(input: &PartitionInput, key_count: usize) -> Result<()> {
    partition_values("values", &input.values, key_count)?;
    if let Some(sd) = &input.storage_descriptor {
        check_storage_descriptor("storage_descriptor", sd)?;
    }
    check_parameters("parameters", &input.parameters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_folded_and_bounded() {
        let input = database_input(DatabaseInput {
            name: "Sales".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(input.name, "sales");

        let long = "x".repeat(256);
        let err = database_input(DatabaseInput {
            name: long,
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "name: must be at most 255 bytes (got 256)");

        let err = check_name("name", "a\nb").unwrap_err();
        assert_eq!(
            err.to_string(),
            "name: character U+000A at byte 1 is not allowed"
        );
        assert!(check_name("name", "tab\tok").is_ok());
    }

    #[test]
    fn names_that_cannot_be_addressed_or_spoof_others_are_refused() {
        let bidi = "a bidirectional control, which makes a name display as another";
        let cases: &[(&str, Option<String>)] = &[
            ("sales", None),
            (".sales", None),
            ("...", None),
            ("a.b", None),
            ("caf\u{e9}", None),
            ("tab\tok", None),
            // U+200F (right-to-left mark) marks direction without reordering anything.
            ("x\u{200F}", None),
            (
                ".",
                Some(
                    "name: \".\" is not a valid name: `.` and `..` cannot be addressed in a URL \
                     path"
                        .into(),
                ),
            ),
            (
                "..",
                Some(
                    "name: \"..\" is not a valid name: `.` and `..` cannot be addressed in a URL \
                     path"
                        .into(),
                ),
            ),
            (
                "del\u{7F}",
                Some(
                    "name: character U+007F at byte 3 (DEL, a control character) is not allowed \
                     in names"
                        .into(),
                ),
            ),
            (
                "abc\u{202E}lmx.exe",
                Some(format!(
                    "name: character U+202E at byte 3 ({bidi}) is not allowed in names"
                )),
            ),
            (
                "\u{202A}x",
                Some(format!(
                    "name: character U+202A at byte 0 ({bidi}) is not allowed in names"
                )),
            ),
            (
                "x\u{2066}",
                Some(format!(
                    "name: character U+2066 at byte 1 ({bidi}) is not allowed in names"
                )),
            ),
            (
                "\u{e9}\u{2069}",
                Some(format!(
                    "name: character U+2069 at byte 2 ({bidi}) is not allowed in names"
                )),
            ),
            (
                "a\nb",
                Some("name: character U+000A at byte 1 is not allowed".into()),
            ),
            ("", Some("name: must not be empty".into())),
        ];
        for (name, expected) in cases {
            let found = check_object_name("name", name).err().map(|e| e.to_string());
            assert_eq!(&found, expected, "{name:?}");
            // Every protocol creates databases and tables through these checks.
            let database = database_input(DatabaseInput {
                name: name.to_string(),
                ..Default::default()
            });
            assert_eq!(database.err().map(|e| e.to_string()), found, "{name:?}");
            let table = table_input(TableInput {
                name: name.to_string(),
                ..Default::default()
            });
            assert_eq!(table.err().map(|e| e.to_string()), found, "{name:?}");
        }
        // Columns only need to be single-line: their names come from the data.
        assert!(check_name("name", ".").is_ok());
        assert!(check_name("name", "x\u{202E}").is_ok());
    }

    #[test]
    fn errors_name_nested_fields() {
        let input = TableInput {
            name: "t".into(),
            storage_descriptor: Some(StorageDescriptor {
                columns: vec![
                    Column {
                        name: "a".into(),
                        ..Default::default()
                    },
                    Column {
                        name: "b".into(),
                        comment: Some("c".repeat(256)),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }),
            ..Default::default()
        };
        let err = table_input(input).unwrap_err();
        assert_eq!(
            err.to_string(),
            "storage_descriptor.columns[1].comment: must be at most 255 bytes (got 256)"
        );
    }

    #[test]
    fn parameter_values_have_glue_limit() {
        let mut parameters = Parameters::new();
        parameters.insert("k".into(), "v".repeat(MAX_PARAMETER_VALUE_BYTES));
        assert!(check_parameters("parameters", &parameters).is_ok());
        parameters.insert("k".into(), "v".repeat(MAX_PARAMETER_VALUE_BYTES + 1));
        assert!(check_parameters("parameters", &parameters).is_err());
    }

    #[test]
    fn partition_keys_are_unique_and_bounded() {
        let key = |name: &str| Column {
            name: name.into(),
            type_name: Some("string".into()),
            ..Default::default()
        };
        let err = table_input(TableInput {
            name: "t".into(),
            partition_keys: vec![key("year"), key("YEAR")],
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");

        let err = table_input(TableInput {
            name: "t".into(),
            partition_keys: (0..17).map(|i| key(&format!("k{i}"))).collect(),
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("at most 16"), "{err}");
    }

    #[test]
    fn partition_values_match_keys() {
        let err = partition_values("values", &["2024".into()], 2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "values: the table has 2 partition keys but 1 values were given"
        );
        let err = partition_values("values", &[String::new()], 1).unwrap_err();
        assert_eq!(err.to_string(), "values[0]: must not be empty");
    }
}
