//! `.hoodie/hoodie.properties`: Java properties text, and the table settings read from it.
//!
//! Hudi writes the file with `java.util.Properties.store`, which escapes `:` and `=` in values
//! (the create schema is JSON full of `\:`), writes non-Latin-1 characters as `\uXXXX`, and
//! starts with `#` comment lines. Hand-edited files may also use `!` comments and line
//! continuations, so the parser follows `Properties.load` rather than splitting on `=`.

use std::collections::BTreeMap;

/// Parses Java properties text: later keys override earlier ones, as `Properties.load` does.
pub(crate) fn parse(text: &str) -> BTreeMap<String, String> {
    let mut properties = BTreeMap::new();
    for line in logical_lines(text) {
        let (key, value) = split_key_value(&line);
        properties.insert(unescape(key), unescape(value));
    }
    properties
}

/// Decodes the file's bytes: `Properties.store(OutputStream)` writes ISO-8859-1, so bytes that
/// are not valid UTF-8 are read as Latin-1 rather than refused.
pub(crate) fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

/// Natural lines joined into logical lines: a line ending in an odd number of backslashes
/// continues on the next, whose leading blanks are dropped. Comment and blank lines are left
/// out (a comment line never continues).
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut continuing = false;
    for natural in natural_lines(text) {
        let trimmed = natural.trim_start_matches(is_blank);
        if !continuing && (trimmed.is_empty() || trimmed.starts_with(['#', '!'])) {
            continue;
        }
        let trailing = trimmed.chars().rev().take_while(|&c| c == '\\').count();
        if trailing % 2 == 1 {
            current.push_str(&trimmed[..trimmed.len() - 1]);
            continuing = true;
        } else {
            current.push_str(trimmed);
            lines.push(std::mem::take(&mut current));
            continuing = false;
        }
    }
    if continuing {
        lines.push(current);
    }
    lines
}

/// Lines ended by `\n`, `\r` or `\r\n` (one terminator, not two).
fn natural_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').flat_map(|line| {
        let line = line.strip_suffix('\r').unwrap_or(line);
        line.split('\r')
    })
}

/// The raw (still escaped) key and value of a logical line: the key ends at the first
/// unescaped `=`, `:` or blank; one `=` or `:` and the blanks around it separate the value.
fn split_key_value(line: &str) -> (&str, &str) {
    let mut escaped = false;
    let mut key_end = line.len();
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '=' || c == ':' || is_blank(c) {
            key_end = i;
            break;
        }
    }
    let key = &line[..key_end];
    let mut rest = line[key_end..].trim_start_matches(is_blank);
    if let Some(after) = rest.strip_prefix(['=', ':']) {
        rest = after.trim_start_matches(is_blank);
    }
    (key, rest)
}

/// Resolves `\t`, `\n`, `\r`, `\f`, `\uXXXX` (surrogate pairs included) and `\x` for any other
/// `x`. A malformed `\u` escape, which Java refuses, is kept as written.
fn unescape(raw: &str) -> String {
    let mut units: Vec<u16> = Vec::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    let mut buffer = [0u16; 2];
    while let Some(c) = chars.next() {
        if c != '\\' {
            units.extend_from_slice(c.encode_utf16(&mut buffer));
            continue;
        }
        let Some(escaped) = chars.next() else {
            break;
        };
        let plain = match escaped {
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            'f' => '\u{c}',
            'u' => {
                let hex: String = chars.clone().take(4).collect();
                match u16::from_str_radix(&hex, 16) {
                    Ok(unit) if hex.len() == 4 => {
                        for _ in 0..4 {
                            chars.next();
                        }
                        units.push(unit);
                    }
                    _ => units.extend("\\u".encode_utf16()),
                }
                continue;
            }
            other => other,
        };
        units.extend_from_slice(plain.encode_utf16(&mut buffer));
    }
    String::from_utf16_lossy(&units)
}

/// Copy-on-write or merge-on-read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TableType {
    /// `COPY_ON_WRITE`: base files only.
    CopyOnWrite,
    /// `MERGE_ON_READ`: base files plus log files merged at read time.
    MergeOnRead,
}

/// One of `hoodie.table.partition.fields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PartitionField {
    /// The field's name (without the custom key generator's `:type`).
    pub(crate) name: String,
    /// Whether the partition value is a formatted time (timestamp-based key generators), not
    /// the field's own value: its key is then typed `string`, whatever the field's type.
    pub(crate) formatted_time: bool,
}

/// What the reader needs of `hoodie.properties`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableConfig {
    /// `hoodie.table.name`.
    pub(crate) name: Option<String>,
    /// `hoodie.table.type` (copy-on-write when absent, Hudi's default).
    pub(crate) table_type: TableType,
    /// `hoodie.table.partition.fields`, in order.
    pub(crate) partition_fields: Vec<PartitionField>,
    /// `hoodie.table.version`.
    pub(crate) table_version: Option<u32>,
    /// `hoodie.timeline.layout.version`.
    pub(crate) timeline_layout_version: Option<u32>,
    /// The timeline's folder relative to the root: `.hoodie` for table versions before 8,
    /// `.hoodie/<hoodie.timeline.path>` (default `timeline`) from version 8.
    pub(crate) timeline_folder: String,
    /// `hoodie.table.base.file.format`, upper case (`PARQUET` when absent).
    pub(crate) base_file_format: String,
    /// `hoodie.datasource.write.hive_style_partitioning`.
    pub(crate) hive_style_partitioning: bool,
    /// `hoodie.datasource.write.partitionpath.urlencode`: partition folders are URL-encoded.
    pub(crate) url_encoded_partitions: bool,
    /// `hoodie.populate.meta.fields` (true when absent): the `_hoodie_*` columns exist.
    pub(crate) populate_meta_fields: bool,
    /// `hoodie.table.create.schema`, an Avro schema as JSON.
    pub(crate) create_schema: Option<String>,
    /// What was not understood, for the table's notes.
    pub(crate) notes: Vec<String>,
}

fn flag(properties: &BTreeMap<String, String>, key: &str, default: bool) -> bool {
    properties
        .get(key)
        .map_or(default, |v| v.trim().eq_ignore_ascii_case("true"))
}

fn number(
    properties: &BTreeMap<String, String>,
    key: &str,
    notes: &mut Vec<String>,
) -> Option<u32> {
    let value = properties.get(key)?;
    match value.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => {
            notes.push(format!("{key}={value} is not a number; ignored"));
            None
        }
    }
}

impl TableConfig {
    /// Reads the settings from parsed properties.
    pub(crate) fn from_properties(properties: &BTreeMap<String, String>) -> TableConfig {
        let mut notes = Vec::new();
        let table_type = match properties.get("hoodie.table.type").map(|t| t.trim()) {
            None | Some("COPY_ON_WRITE") => TableType::CopyOnWrite,
            Some("MERGE_ON_READ") => TableType::MergeOnRead,
            Some(other) => {
                notes.push(format!(
                    "hoodie.table.type={other} is unknown; read as COPY_ON_WRITE"
                ));
                TableType::CopyOnWrite
            }
        };
        let table_version = number(properties, "hoodie.table.version", &mut notes);
        let timeline_layout_version =
            number(properties, "hoodie.timeline.layout.version", &mut notes);
        // Table version 8 (Hudi 1.0) moved the timeline into its own folder; the layout
        // version says the same for tables whose version key is missing.
        let timeline_folder = if table_version.is_some_and(|v| v >= 8)
            || timeline_layout_version.is_some_and(|v| v >= 2)
        {
            let path = properties
                .get("hoodie.timeline.path")
                .map(|p| p.trim().trim_matches('/'))
                .filter(|p| !p.is_empty())
                .unwrap_or("timeline");
            format!(".hoodie/{path}")
        } else {
            ".hoodie".to_string()
        };
        let timestamp_keygen = properties
            .get("hoodie.table.keygenerator.class")
            .is_some_and(|c| c.contains("TimestampBasedKeyGenerator"))
            || properties
                .get("hoodie.table.keygenerator.type")
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("TIMESTAMP"));
        let partition_fields = properties
            .get("hoodie.table.partition.fields")
            .map(|fields| parse_partition_fields(fields, timestamp_keygen))
            .unwrap_or_default();
        TableConfig {
            name: properties
                .get("hoodie.table.name")
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
            table_type,
            partition_fields,
            table_version,
            timeline_layout_version,
            timeline_folder,
            base_file_format: properties
                .get("hoodie.table.base.file.format")
                .map_or_else(|| "PARQUET".to_string(), |f| f.trim().to_ascii_uppercase()),
            hive_style_partitioning: flag(
                properties,
                "hoodie.datasource.write.hive_style_partitioning",
                false,
            ),
            url_encoded_partitions: flag(
                properties,
                "hoodie.datasource.write.partitionpath.urlencode",
                false,
            ),
            populate_meta_fields: flag(properties, "hoodie.populate.meta.fields", true),
            create_schema: properties
                .get("hoodie.table.create.schema")
                .filter(|s| !s.trim().is_empty())
                .cloned(),
            notes,
        }
    }
}

/// `hoodie.table.partition.fields`: a comma list whose entries the custom key generator writes
/// as `field:type` (`simple` or `timestamp`).
fn parse_partition_fields(fields: &str, timestamp_keygen: bool) -> Vec<PartitionField> {
    fields
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|entry| match entry.split_once(':') {
            Some((name, kind)) => PartitionField {
                name: name.trim().to_string(),
                formatted_time: kind.trim().eq_ignore_ascii_case("timestamp"),
            },
            None => PartitionField {
                name: entry.to_string(),
                formatted_time: timestamp_keygen,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_comments_and_continuations_follow_java() {
        let text = "#Properties saved on 2024-04-18T22:27:38.493Z\n\
                    ! another comment\n\
                    \n\
                    hoodie.table.name=trips\n\
                    hoodie.table.create.schema={\"type\"\\:\"record\",\"a\\=b\"\\:1}\n\
                    spaced   =   value with  spaces  \n\
                    colon: yes\n\
                    blank value\n\
                    key\\ with\\ blanks=v\n\
                    tabs=a\\tb\\nc\n\
                    unicode=caf\\u00e9 \\uD83D\\uDE00\n\
                    bad=\\u12\n\
                    multi=one,\\\r\n    two,\\\n\t# not a comment\n\
                    even=ends with two \\\\\n\
                    empty=\n\
                    only.key\r\n\
                    crlf=yes\r\n\
                    dup=first\n\
                    dup=second";
        let p = parse(text);
        let get = |k: &str| p.get(k).map(String::as_str);
        assert_eq!(get("hoodie.table.name"), Some("trips"));
        assert_eq!(
            get("hoodie.table.create.schema"),
            Some("{\"type\":\"record\",\"a=b\":1}")
        );
        assert_eq!(get("spaced"), Some("value with  spaces  "));
        assert_eq!(get("colon"), Some("yes"));
        assert_eq!(get("blank"), Some("value"));
        assert_eq!(get("key with blanks"), Some("v"));
        assert_eq!(get("tabs"), Some("a\tb\nc"));
        assert_eq!(get("unicode"), Some("café 😀"));
        assert_eq!(get("bad"), Some("\\u12"));
        assert_eq!(get("multi"), Some("one,two,# not a comment"));
        assert_eq!(get("even"), Some("ends with two \\"));
        assert_eq!(get("empty"), Some(""));
        assert_eq!(get("only.key"), Some(""));
        assert_eq!(get("crlf"), Some("yes"));
        assert_eq!(get("dup"), Some("second"));
        assert!(!p.keys().any(|k| k.starts_with('#') || k.starts_with('!')));
    }

    #[test]
    fn latin1_bytes_are_read_as_latin1() {
        assert_eq!(decode(b"name=caf\xe9"), "name=café");
        assert_eq!(decode("name=café".as_bytes()), "name=café");
    }

    fn config(text: &str) -> TableConfig {
        TableConfig::from_properties(&parse(text))
    }

    #[test]
    fn table_settings_and_defaults() {
        let c = config("hoodie.table.name=t\n");
        assert_eq!(c.name.as_deref(), Some("t"));
        assert_eq!(c.table_type, TableType::CopyOnWrite);
        assert!(c.partition_fields.is_empty());
        assert_eq!(c.timeline_folder, ".hoodie");
        assert_eq!(c.base_file_format, "PARQUET");
        assert!(!c.hive_style_partitioning);
        assert!(c.populate_meta_fields);
        assert!(c.notes.is_empty());

        let c = config(
            "hoodie.table.type=MERGE_ON_READ\nhoodie.table.version=8\n\
             hoodie.timeline.path=tl\nhoodie.table.partition.fields=region, day\n\
             hoodie.datasource.write.hive_style_partitioning=true\n\
             hoodie.populate.meta.fields=false\nhoodie.table.base.file.format=orc\n",
        );
        assert_eq!(c.table_type, TableType::MergeOnRead);
        assert_eq!(c.table_version, Some(8));
        assert_eq!(c.timeline_folder, ".hoodie/tl");
        let names: Vec<_> = c.partition_fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["region", "day"]);
        assert!(c.hive_style_partitioning);
        assert!(!c.populate_meta_fields);
        assert_eq!(c.base_file_format, "ORC");

        assert_eq!(
            config("hoodie.timeline.layout.version=2\n").timeline_folder,
            ".hoodie/timeline"
        );
        let c = config("hoodie.table.type=SOMETHING\nhoodie.table.version=x\n");
        assert_eq!(c.table_type, TableType::CopyOnWrite);
        assert_eq!(c.notes.len(), 2);
    }

    #[test]
    fn custom_and_timestamp_key_generators() {
        let c = config("hoodie.table.partition.fields=ts\\:timestamp,region\\:simple\n");
        assert_eq!(
            c.partition_fields,
            [
                PartitionField {
                    name: "ts".into(),
                    formatted_time: true
                },
                PartitionField {
                    name: "region".into(),
                    formatted_time: false
                }
            ]
        );
        let c = config(
            "hoodie.table.partition.fields=ts\n\
             hoodie.table.keygenerator.class=org.apache.hudi.keygen.TimestampBasedKeyGenerator\n",
        );
        assert!(c.partition_fields[0].formatted_time);
        let c =
            config("hoodie.table.partition.fields=ts\nhoodie.table.keygenerator.type=TIMESTAMP\n");
        assert!(c.partition_fields[0].formatted_time);
    }
}
