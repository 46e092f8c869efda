//! lakecat's catalog model as Hive's metastore structs, in one place: databases, tables
//! (storage descriptor, SerDe, partition keys, parameters, table type, view texts, owner,
//! times), partitions, and Hive's partition names (`year=2024/hour=9`).
//!
//! Where Hive's clients need a value that a Glue-style catalog may leave out, the mapping
//! gives the one Hive's own metastore would hold, because Hive's client library dereferences
//! these without checks: a table without a type is an `EXTERNAL_TABLE` (what crawls create),
//! a column without a type a `string`, a missing storage descriptor or SerDe an empty one, a
//! partition without a storage descriptor its table's (without the table's location). A
//! table's `description` is Hive's `comment` table parameter (as Glue's Hive-compatible
//! clients store it), unless the parameters hold a `comment` already. Column parameters
//! have no place in Hive's `FieldSchema` and are not sent.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use lakecat_catalog::model;
use lakecat_table_formats::hudi::unescape_path_name;

use super::protocol::Writer;
use super::structs::{self, HIVE_CATALOG};

/// The table types Hive's clients know (`org.apache.hadoop.hive.metastore.TableType`);
/// Hive's client turns the string into that enum and fails on any other.
const HIVE_TABLE_TYPES: [&str; 4] = [
    "MANAGED_TABLE",
    "EXTERNAL_TABLE",
    "VIRTUAL_VIEW",
    "MATERIALIZED_VIEW",
];

/// The table type of tables that do not say: crawled and Glue-created tables are external.
const DEFAULT_TABLE_TYPE: &str = "EXTERNAL_TABLE";

/// The column type of columns that do not say.
const DEFAULT_COLUMN_TYPE: &str = "string";

/// Seconds since the epoch as Hive's `i32` times hold them (saturating past 2038, which
/// Hive's own metastore cannot hold either).
pub(crate) fn seconds(time: DateTime<Utc>) -> i32 {
    i32::try_from(time.timestamp().max(0)).unwrap_or(i32::MAX)
}

/// A database.
pub(crate) fn database(database: &model::Database) -> structs::Database {
    structs::Database {
        name: database.name.clone(),
        description: database.description.clone(),
        location_uri: database.location_uri.clone(),
        parameters: database.parameters.clone(),
        owner_name: None,
        catalog_name: HIVE_CATALOG.to_string(),
        create_time: seconds(database.create_time),
    }
}

/// A column or partition key.
fn field(column: &model::Column) -> structs::FieldSchema {
    structs::FieldSchema {
        name: column.name.clone(),
        type_name: column
            .type_name
            .clone()
            .unwrap_or_else(|| DEFAULT_COLUMN_TYPE.to_string()),
        comment: column.comment.clone(),
    }
}

/// A storage descriptor; `None` is an empty one.
fn storage(sd: Option<&model::StorageDescriptor>) -> structs::StorageDescriptor {
    let Some(sd) = sd else {
        return structs::StorageDescriptor {
            num_buckets: -1,
            ..structs::StorageDescriptor::default()
        };
    };
    let serde = sd.serde_info.as_ref();
    structs::StorageDescriptor {
        cols: sd.columns.iter().map(field).collect(),
        location: sd.location.clone(),
        input_format: sd.input_format.clone(),
        output_format: sd.output_format.clone(),
        compressed: sd.compressed,
        num_buckets: sd.number_of_buckets,
        serde_info: structs::SerDeInfo {
            name: serde.and_then(|s| s.name.clone()),
            serialization_lib: serde.and_then(|s| s.serialization_library.clone()),
            parameters: serde.map(|s| s.parameters.clone()).unwrap_or_default(),
        },
        bucket_cols: sd.bucket_columns.clone(),
        sort_cols: sd
            .sort_columns
            .iter()
            .map(|s| structs::Order {
                col: s.column.clone(),
                order: s.sort_order,
            })
            .collect(),
        parameters: sd.parameters.clone(),
        stored_as_sub_directories: sd.stored_as_sub_directories,
    }
}

/// The Hive table type of a table.
pub(crate) fn table_type(table: &model::Table) -> String {
    match table.table_type.as_deref() {
        Some(kind) if HIVE_TABLE_TYPES.contains(&kind) => kind.to_string(),
        _ => DEFAULT_TABLE_TYPE.to_string(),
    }
}

/// A table's comment as Hive holds it: its `comment` parameter, else its description.
fn comment(table: &model::Table) -> Option<String> {
    table
        .parameters
        .get("comment")
        .cloned()
        .or_else(|| table.description.clone())
}

/// A table.
pub(crate) fn table(table: &model::Table) -> structs::Table {
    let mut parameters = table.parameters.clone();
    if let Some(description) = &table.description {
        parameters
            .entry("comment".to_string())
            .or_insert_with(|| description.clone());
    }
    structs::Table {
        table_name: table.name.clone(),
        db_name: table.database_name.clone(),
        owner: table.owner.clone(),
        create_time: seconds(table.create_time),
        last_access_time: table.last_access_time.map_or(0, seconds),
        retention: table.retention,
        sd: storage(table.storage_descriptor.as_ref()),
        partition_keys: table.partition_keys.iter().map(field).collect(),
        parameters,
        view_original_text: table.view_original_text.clone(),
        view_expanded_text: table.view_expanded_text.clone(),
        table_type: table_type(table),
        cat_name: HIVE_CATALOG.to_string(),
    }
}

/// A table's entry in `get_table_meta`.
pub(crate) fn table_meta(table: &model::Table) -> structs::TableMeta {
    structs::TableMeta {
        db_name: table.database_name.clone(),
        table_name: table.name.clone(),
        table_type: table_type(table),
        comments: comment(table),
        cat_name: HIVE_CATALOG.to_string(),
    }
}

/// A partition of `table`.
pub(crate) fn partition(partition: &model::Partition, table: &model::Table) -> structs::Partition {
    let sd = match &partition.storage_descriptor {
        Some(sd) => storage(Some(sd)),
        None => structs::StorageDescriptor {
            location: None,
            ..storage(table.storage_descriptor.as_ref())
        },
    };
    structs::Partition {
        values: partition.values.clone(),
        db_name: partition.database_name.clone(),
        table_name: partition.table_name.clone(),
        create_time: seconds(partition.creation_time),
        last_access_time: partition.last_access_time.map_or(0, seconds),
        sd,
        parameters: partition.parameters.clone(),
        cat_name: HIVE_CATALOG.to_string(),
    }
}

/// Seconds since the epoch as a time; Hive's 0 means "never".
fn time_of(seconds: i32) -> Option<DateTime<Utc>> {
    if seconds <= 0 {
        return None;
    }
    DateTime::from_timestamp(i64::from(seconds), 0)
}

/// A database from a Hive client. Hive's owner has no place in lakecat's databases.
pub(crate) fn database_input(database: structs::Database) -> model::DatabaseInput {
    model::DatabaseInput {
        name: database.name,
        description: database.description,
        location_uri: database.location_uri,
        parameters: database.parameters,
    }
}

/// A storage descriptor from a Hive client; an empty one (what this module sends for a
/// table without one) is none, and an empty SerDe likewise.
fn storage_input(sd: structs::StorageDescriptor) -> Option<model::StorageDescriptor> {
    if sd == storage(None) {
        return None;
    }
    let serde = sd.serde_info;
    let serde_info = if serde == structs::SerDeInfo::default() {
        None
    } else {
        Some(model::SerDeInfo {
            name: serde.name,
            serialization_library: serde.serialization_lib,
            parameters: serde.parameters,
        })
    };
    Some(model::StorageDescriptor {
        columns: sd.cols.into_iter().map(column_input).collect(),
        location: sd.location,
        input_format: sd.input_format,
        output_format: sd.output_format,
        compressed: sd.compressed,
        number_of_buckets: sd.num_buckets,
        serde_info,
        bucket_columns: sd.bucket_cols,
        sort_columns: sd
            .sort_cols
            .into_iter()
            .map(|o| model::SortColumn {
                column: o.col,
                sort_order: o.order,
            })
            .collect(),
        parameters: sd.parameters,
        stored_as_sub_directories: sd.stored_as_sub_directories,
    })
}

fn column_input(field: structs::FieldSchema) -> model::Column {
    model::Column {
        name: field.name,
        type_name: Some(field.type_name),
        comment: field.comment,
        parameters: model::Parameters::new(),
    }
}

/// A table from a Hive client. Its `comment` stays a table parameter (as Hive keeps it);
/// an empty table type is none.
pub(crate) fn table_input(table: structs::Table) -> model::TableInput {
    model::TableInput {
        name: table.table_name,
        description: None,
        owner: table.owner,
        table_type: (!table.table_type.is_empty()).then_some(table.table_type),
        parameters: table.parameters,
        partition_keys: table.partition_keys.into_iter().map(column_input).collect(),
        retention: table.retention,
        view_original_text: table.view_original_text,
        view_expanded_text: table.view_expanded_text,
        storage_descriptor: storage_input(table.sd),
        last_access_time: time_of(table.last_access_time),
    }
}

/// A partition from a Hive client.
pub(crate) fn partition_input(partition: structs::Partition) -> model::PartitionInput {
    model::PartitionInput {
        values: partition.values,
        storage_descriptor: storage_input(partition.sd),
        parameters: partition.parameters,
        last_access_time: time_of(partition.last_access_time),
    }
}

/// The storage of a partition appended by values (`append_partition`): its table's, at the
/// table's location followed by the partition's name, as Hive places it.
pub(crate) fn appended_partition(table: &model::Table, values: &[String]) -> model::PartitionInput {
    let storage_descriptor = table.storage_descriptor.clone().map(|mut sd| {
        sd.location = sd.location.map(|location| {
            format!(
                "{}/{}",
                location.trim_end_matches('/'),
                partition_name(&table.partition_keys, values)
            )
        });
        sd
    });
    model::PartitionInput {
        values: values.to_vec(),
        storage_descriptor,
        parameters: model::Parameters::new(),
        last_access_time: None,
    }
}

/// A column's statistics as a client wrote them (`ColumnStatisticsObj`), in the catalog's
/// shape, computed at `analyzed`. Hive's distinct-value count of 0 ("not computed") is an
/// unknown count; Hive's `Decimal` bounds become decimal text. `Err` says why they cannot be
/// taken: a union member lakecat does not know, or a decimal out of range.
pub(crate) fn statistics_input(
    column: structs::ColumnStatisticsObj,
    analyzed: DateTime<Utc>,
) -> Result<lakecat_catalog::ColumnStatistics, String> {
    use lakecat_catalog::StatisticsData as Data;
    use structs::StatisticsFigures as Figures;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let distinct = |n: i64| (n > 0).then(|| count(n));
    let data = match column.data {
        None => {
            return Err(format!(
                "statistics of column {}: a kind of statistics lakecat does not keep",
                column.name
            ));
        }
        Some(Figures::Boolean(trues, falses, nulls)) => Data::Boolean {
            number_of_trues: count(trues),
            number_of_falses: count(falses),
            number_of_nulls: count(nulls),
        },
        Some(Figures::Long(b)) => Data::Long {
            minimum_value: b.low,
            maximum_value: b.high,
            number_of_nulls: count(b.nulls),
            number_of_distinct_values: distinct(b.distinct),
        },
        Some(Figures::Double(b)) => Data::Double {
            minimum_value: b.low,
            maximum_value: b.high,
            number_of_nulls: count(b.nulls),
            number_of_distinct_values: distinct(b.distinct),
        },
        Some(Figures::String(l)) => Data::String {
            maximum_length: Some(count(l.max_length)),
            average_length: l.average_length,
            number_of_nulls: count(l.nulls),
            number_of_distinct_values: distinct(l.distinct),
        },
        Some(Figures::Binary(l)) => Data::Binary {
            maximum_length: Some(count(l.max_length)),
            average_length: l.average_length,
            number_of_nulls: count(l.nulls),
        },
        Some(Figures::Decimal(b)) => {
            let text = |bound: Option<(Vec<u8>, i16)>| {
                bound
                    .map(|(unscaled, scale)| {
                        lakecat_catalog::statistics::decimal_from_unscaled(
                            &unscaled,
                            i64::from(scale),
                        )
                        .ok_or_else(|| {
                            format!(
                                "statistics of column {}: a decimal bound is out of range",
                                column.name
                            )
                        })
                    })
                    .transpose()
            };
            Data::Decimal {
                minimum_value: text(b.low)?,
                maximum_value: text(b.high)?,
                number_of_nulls: count(b.nulls),
                number_of_distinct_values: distinct(b.distinct),
            }
        }
        Some(Figures::Date(b)) => {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
            let day = |days: Option<i64>| {
                days.and_then(|d| epoch.checked_add_signed(chrono::TimeDelta::try_days(d)?))
            };
            Data::Date {
                minimum_value: day(b.low),
                maximum_value: day(b.high),
                number_of_nulls: count(b.nulls),
                number_of_distinct_values: distinct(b.distinct),
            }
        }
        Some(Figures::Timestamp(b)) => {
            let at = |seconds: Option<i64>| seconds.and_then(|s| DateTime::from_timestamp(s, 0));
            Data::Timestamp {
                minimum_value: at(b.low),
                maximum_value: at(b.high),
                number_of_nulls: count(b.nulls),
                number_of_distinct_values: distinct(b.distinct),
            }
        }
    };
    Ok(lakecat_catalog::ColumnStatistics {
        column_name: column.name.to_lowercase(),
        column_type: column.type_name,
        analyzed_time: analyzed,
        data,
        origin: lakecat_catalog::StatisticsOrigin::User,
        sampled: false,
        sketch: None,
    })
}

/// Writes a column's statistics as Hive's `ColumnStatisticsObj` fields (name, type and the
/// `ColumnStatisticsData` union); false, writing nothing, for timestamp statistics, which
/// only Hive 4's IDL has and which would break older clients' union. Hive's distinct-value
/// counts are required fields: an unknown count is sent as 0, which Hive's planners read as
/// "unknown" too.
pub(crate) fn write_statistics(
    statistics: &lakecat_catalog::ColumnStatistics,
    w: &mut Writer,
) -> bool {
    use super::protocol::ttype;
    use lakecat_catalog::StatisticsData as Data;
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let distinct = |n: Option<u64>| n.map_or(0, count);
    let union_field = match &statistics.data {
        Data::Timestamp { .. } => return false,
        Data::Boolean { .. } => 1,
        Data::Long { .. } => 2,
        Data::Double { .. } => 3,
        Data::String { .. } => 4,
        Data::Binary { .. } => 5,
        Data::Decimal { .. } => 6,
        Data::Date { .. } => 7,
    };
    w.string_field(1, &statistics.column_name);
    w.string_field(2, &statistics.column_type);
    w.struct_field(3, |w| {
        w.struct_field(union_field, |w| match &statistics.data {
            Data::Boolean {
                number_of_trues,
                number_of_falses,
                number_of_nulls,
            } => {
                w.i64_field(1, count(*number_of_trues));
                w.i64_field(2, count(*number_of_falses));
                w.i64_field(3, count(*number_of_nulls));
            }
            Data::Long {
                minimum_value,
                maximum_value,
                number_of_nulls,
                number_of_distinct_values,
            } => {
                if let Some(min) = minimum_value {
                    w.i64_field(1, *min);
                }
                if let Some(max) = maximum_value {
                    w.i64_field(2, *max);
                }
                w.i64_field(3, count(*number_of_nulls));
                w.i64_field(4, distinct(*number_of_distinct_values));
            }
            Data::Double {
                minimum_value,
                maximum_value,
                number_of_nulls,
                number_of_distinct_values,
            } => {
                for (id, value) in [(1, minimum_value), (2, maximum_value)] {
                    if let Some(value) = value {
                        w.field(ttype::DOUBLE, id);
                        w.double(*value);
                    }
                }
                w.i64_field(3, count(*number_of_nulls));
                w.i64_field(4, distinct(*number_of_distinct_values));
            }
            Data::String {
                maximum_length,
                average_length,
                number_of_nulls,
                number_of_distinct_values,
            } => {
                w.i64_field(1, maximum_length.map_or(0, count));
                w.field(ttype::DOUBLE, 2);
                w.double(*average_length);
                w.i64_field(3, count(*number_of_nulls));
                w.i64_field(4, distinct(*number_of_distinct_values));
            }
            Data::Binary {
                maximum_length,
                average_length,
                number_of_nulls,
            } => {
                w.i64_field(1, maximum_length.map_or(0, count));
                w.field(ttype::DOUBLE, 2);
                w.double(*average_length);
                w.i64_field(3, count(*number_of_nulls));
            }
            Data::Decimal {
                minimum_value,
                maximum_value,
                number_of_nulls,
                number_of_distinct_values,
            } => {
                for (id, value) in [(1, minimum_value), (2, maximum_value)] {
                    // Hive's Decimal: the unscaled value as big-endian two's complement bytes
                    // (Java's BigInteger.toByteArray) and the scale.
                    if let Some((unscaled, scale)) = value
                        .as_deref()
                        .and_then(lakecat_catalog::statistics::parse_decimal)
                    {
                        w.struct_field(id, |w| {
                            w.field(ttype::STRING, 1);
                            w.binary(&lakecat_catalog::statistics::unscaled_bytes(unscaled));
                            w.field(ttype::I16, 3);
                            w.i16(i16::try_from(scale).unwrap_or(i16::MAX));
                        });
                    }
                }
                w.i64_field(3, count(*number_of_nulls));
                w.i64_field(4, distinct(*number_of_distinct_values));
            }
            Data::Date {
                minimum_value,
                maximum_value,
                number_of_nulls,
                number_of_distinct_values,
            } => {
                let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
                for (id, value) in [(1, minimum_value), (2, maximum_value)] {
                    if let Some(date) = value {
                        w.struct_field(id, |w| w.i64_field(1, (*date - epoch).num_days()));
                    }
                }
                w.i64_field(3, count(*number_of_nulls));
                w.i64_field(4, distinct(*number_of_distinct_values));
            }
            Data::Timestamp { .. } => {}
        });
    });
    true
}

/// A user-defined function. Glue's owner and resource types are names (`USER`, `JAR`);
/// Hive's are enum numbers.
pub(crate) fn function(function: &lakecat_catalog::Function) -> structs::Function {
    let input = &function.input;
    structs::Function {
        function_name: input.function_name.clone(),
        db_name: function.database_name.clone(),
        class_name: input.class_name.clone(),
        owner_name: input.owner_name.clone(),
        owner_type: input.owner_type.as_deref().map(|kind| match kind {
            "ROLE" => 2,
            "GROUP" => 3,
            _ => structs::PRINCIPAL_USER,
        }),
        create_time: seconds(function.create_time),
        resource_uris: input
            .resource_uris
            .iter()
            .map(|r| structs::ResourceUri {
                resource_type: match r.resource_type.as_str() {
                    "FILE" => 2,
                    "ARCHIVE" => 3,
                    _ => 1,
                },
                uri: r.uri.clone(),
            })
            .collect(),
        cat_name: HIVE_CATALOG.to_string(),
    }
}

/// Whether Hive escapes `c` in a partition name (`FileUtils.charToEscape`: control
/// characters and the characters that mean something in paths and names).
fn escaped_in_names(c: char) -> bool {
    matches!(
        c,
        '\u{0}'
            ..='\u{1f}'
                | '"'
                | '#'
                | '%'
                | '\''
                | '*'
                | '/'
                | ':'
                | '='
                | '?'
                | '\\'
                | '\u{7f}'
                | '{'
                | '['
                | ']'
                | '^'
    )
}

/// Appends one key or value of a partition name, escaped as Hive's
/// `FileUtils.escapePathName` (`%` and two upper-case hex digits); an empty value is Hive's
/// default partition. Written into the name being built: listing 100,000 names spent most
/// of its time allocating the pieces when each was a string of its own.
fn push_name_part(out: &mut String, text: &str) {
    if text.is_empty() {
        out.push_str(model::HIVE_DEFAULT_PARTITION);
        return;
    }
    for c in text.chars() {
        if escaped_in_names(c) {
            let _ = write!(out, "%{:02X}", c as u32);
        } else {
            out.push(c);
        }
    }
}

/// Each key's escaped `key=`, made once for all of a table's partition names.
pub(crate) fn name_prefixes(keys: &[model::Column]) -> Vec<String> {
    keys.iter()
        .map(|key| {
            let mut prefix = String::new();
            push_name_part(&mut prefix, &key.name.to_lowercase());
            prefix.push('=');
            prefix
        })
        .collect()
}

/// A partition's name (`key=value/...`, as Hive's `makePartName`) from its keys'
/// [`name_prefixes`] and its values.
pub(crate) fn name_with_prefixes(prefixes: &[String], values: &[String]) -> String {
    let mut name = String::with_capacity(
        prefixes.iter().map(String::len).sum::<usize>()
            + values.iter().map(String::len).sum::<usize>()
            + prefixes.len(),
    );
    for (i, (prefix, value)) in prefixes.iter().zip(values).enumerate() {
        if i > 0 {
            name.push('/');
        }
        name.push_str(prefix);
        push_name_part(&mut name, value);
    }
    name
}

/// A partition's name from its table's keys and its values.
pub(crate) fn partition_name(keys: &[model::Column], values: &[String]) -> String {
    name_with_prefixes(&name_prefixes(keys), values)
}

/// The values a partition name gives for `keys`, in key order (Hive's
/// `getPartValsFromName`); the message names what is wrong.
pub(crate) fn partition_values(keys: &[model::Column], name: &str) -> Result<Vec<String>, String> {
    let mut spec = Vec::new();
    for part in name.split('/').filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return Err(format!(
                "invalid partition name {name:?}: {part:?} is not key=value"
            ));
        };
        spec.push((unescape_path_name(key), unescape_path_name(value)));
    }
    keys.iter()
        .map(|key| {
            spec.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&key.name))
                .map(|(_, v)| v.clone())
                .ok_or_else(|| format!("incomplete partition name - missing {}", key.name))
        })
        .collect()
}

/// A filter in Hive's dialect (`get_partitions_by_filter`) in Glue's grammar, which lakecat's
/// catalog compiles to SQL on the partition key columns. The dialects agree but for quotes:
/// Hive quotes strings with `"` or `'` and has no escapes inside them (Spark writes
/// `year = "2024" and hour = 9`), Glue quotes strings with `'` (doubled inside) and reads
/// `"` as an identifier's quotes. Everything outside strings passes unchanged; keywords,
/// `<>`/`!=`, `LIKE`, `IN`, `BETWEEN` and parentheses mean the same in both.
pub(crate) fn hive_filter_to_glue(filter: &str) -> Result<String, String> {
    let mut out = String::with_capacity(filter.len() + 8);
    let mut chars = filter.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some(end) if end == c => break,
                        Some(other) => text.push(other),
                        None => return Err(format!("unterminated string in filter {filter:?}")),
                    }
                }
                out.push('\'');
                out.push_str(&text.replace('\'', "''"));
                out.push('\'');
            }
            '`' => {
                out.push('`');
                loop {
                    match chars.next() {
                        Some('`') => break,
                        Some(other) => out.push(other),
                        None => {
                            return Err(format!("unterminated identifier in filter {filter:?}"));
                        }
                    }
                }
                out.push('`');
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// The Glue expression selecting the partitions whose leading values are `values` (Hive's
/// partial specification: an empty value matches anything, Hive's default-partition name
/// matches the null value); `None` when it selects everything.
pub(crate) fn partial_spec_expression(
    keys: &[model::Column],
    values: &[String],
) -> Result<Option<String>, String> {
    if values.len() > keys.len() {
        return Err(format!(
            "partial partition specification has {} values for {} keys",
            values.len(),
            keys.len()
        ));
    }
    let mut terms = Vec::new();
    for (key, value) in keys.iter().zip(values) {
        if value.is_empty() {
            continue;
        }
        if key.name.contains('`') {
            return Err(format!(
                "partition key {:?} cannot be filtered on",
                key.name
            ));
        }
        if value == model::HIVE_DEFAULT_PARTITION {
            terms.push(format!("`{}` IS NULL", key.name));
        } else {
            terms.push(format!("`{}` = '{}'", key.name, value.replace('\'', "''")));
        }
    }
    Ok((!terms.is_empty()).then(|| terms.join(" AND ")))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::TimeZone;

    use super::*;

    fn time(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(seconds, 0).unwrap()
    }

    fn column(name: &str, type_name: Option<&str>) -> model::Column {
        model::Column {
            name: name.into(),
            type_name: type_name.map(Into::into),
            comment: None,
            parameters: BTreeMap::new(),
        }
    }

    fn parquet_sd() -> model::StorageDescriptor {
        model::StorageDescriptor {
            columns: vec![
                column("id", Some("bigint")),
                model::Column {
                    comment: Some("where".into()),
                    parameters: BTreeMap::from([("x".into(), "y".into())]),
                    ..column("city", None)
                },
            ],
            location: Some("s3://lake/orders/".into()),
            input_format: Some(
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat".into(),
            ),
            output_format: Some(
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat".into(),
            ),
            compressed: true,
            number_of_buckets: 4,
            serde_info: Some(model::SerDeInfo {
                name: Some("orders".into()),
                serialization_library: Some(
                    "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe".into(),
                ),
                parameters: BTreeMap::from([("serialization.format".into(), "1".into())]),
            }),
            bucket_columns: vec!["id".into()],
            sort_columns: vec![model::SortColumn {
                column: "id".into(),
                sort_order: 0,
            }],
            parameters: BTreeMap::from([("sd".into(), "param".into())]),
            stored_as_sub_directories: true,
        }
    }

    fn table() -> model::Table {
        model::Table {
            database_name: "sales".into(),
            name: "orders".into(),
            description: None,
            owner: Some("etl".into()),
            table_type: Some("EXTERNAL_TABLE".into()),
            parameters: BTreeMap::from([("classification".into(), "parquet".into())]),
            partition_keys: vec![column("year", Some("string")), column("hour", Some("int"))],
            retention: 7,
            view_original_text: None,
            view_expanded_text: None,
            storage_descriptor: Some(parquet_sd()),
            create_time: time(1_700_000_000),
            update_time: time(1_700_000_500),
            last_access_time: Some(time(1_700_000_900)),
            version_id: "3".into(),
        }
    }

    #[test]
    fn tables_map_field_by_field() {
        let hive = super::table(&table());
        let expected = structs::Table {
            table_name: "orders".into(),
            db_name: "sales".into(),
            owner: Some("etl".into()),
            create_time: 1_700_000_000,
            last_access_time: 1_700_000_900,
            retention: 7,
            sd: structs::StorageDescriptor {
                cols: vec![
                    structs::FieldSchema {
                        name: "id".into(),
                        type_name: "bigint".into(),
                        comment: None,
                    },
                    structs::FieldSchema {
                        name: "city".into(),
                        type_name: "string".into(),
                        comment: Some("where".into()),
                    },
                ],
                location: Some("s3://lake/orders/".into()),
                input_format: Some(
                    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat".into(),
                ),
                output_format: Some(
                    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat".into(),
                ),
                compressed: true,
                num_buckets: 4,
                serde_info: structs::SerDeInfo {
                    name: Some("orders".into()),
                    serialization_lib: Some(
                        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe".into(),
                    ),
                    parameters: BTreeMap::from([("serialization.format".into(), "1".into())]),
                },
                bucket_cols: vec!["id".into()],
                sort_cols: vec![structs::Order {
                    col: "id".into(),
                    order: 0,
                }],
                parameters: BTreeMap::from([("sd".into(), "param".into())]),
                stored_as_sub_directories: true,
            },
            partition_keys: vec![
                structs::FieldSchema {
                    name: "year".into(),
                    type_name: "string".into(),
                    comment: None,
                },
                structs::FieldSchema {
                    name: "hour".into(),
                    type_name: "int".into(),
                    comment: None,
                },
            ],
            parameters: BTreeMap::from([("classification".into(), "parquet".into())]),
            view_original_text: None,
            view_expanded_text: None,
            table_type: "EXTERNAL_TABLE".into(),
            cat_name: "hive".into(),
        };
        assert_eq!(hive, expected);
    }

    #[test]
    fn table_types_comments_and_missing_parts_take_hives_defaults() {
        struct Case {
            what: &'static str,
            change: fn(&mut model::Table),
            check: fn(&structs::Table, &structs::TableMeta),
        }
        let cases = [
            Case {
                what: "no type: external",
                change: |t| t.table_type = None,
                check: |h, m| {
                    assert_eq!(h.table_type, "EXTERNAL_TABLE");
                    assert_eq!(m.table_type, "EXTERNAL_TABLE");
                },
            },
            Case {
                what: "a type Hive does not know: external",
                change: |t| t.table_type = Some("GOVERNED".into()),
                check: |h, _| assert_eq!(h.table_type, "EXTERNAL_TABLE"),
            },
            Case {
                what: "managed stays managed",
                change: |t| t.table_type = Some("MANAGED_TABLE".into()),
                check: |h, _| assert_eq!(h.table_type, "MANAGED_TABLE"),
            },
            Case {
                what: "a view keeps its texts",
                change: |t| {
                    t.table_type = Some("VIRTUAL_VIEW".into());
                    t.view_original_text = Some("select 1".into());
                    t.view_expanded_text = Some("select 1 as `_c0`".into());
                },
                check: |h, m| {
                    assert_eq!(h.table_type, "VIRTUAL_VIEW");
                    assert_eq!(m.table_type, "VIRTUAL_VIEW");
                    assert_eq!(h.view_original_text.as_deref(), Some("select 1"));
                    assert_eq!(h.view_expanded_text.as_deref(), Some("select 1 as `_c0`"));
                },
            },
            Case {
                what: "the description is the comment",
                change: |t| t.description = Some("all orders".into()),
                check: |h, m| {
                    assert_eq!(h.parameters["comment"], "all orders");
                    assert_eq!(m.comments.as_deref(), Some("all orders"));
                },
            },
            Case {
                what: "a comment parameter wins over the description",
                change: |t| {
                    t.description = Some("described".into());
                    t.parameters.insert("comment".into(), "commented".into());
                },
                check: |h, m| {
                    assert_eq!(h.parameters["comment"], "commented");
                    assert_eq!(m.comments.as_deref(), Some("commented"));
                },
            },
            Case {
                what: "no storage descriptor: an empty one",
                change: |t| t.storage_descriptor = None,
                check: |h, _| {
                    assert!(h.sd.cols.is_empty());
                    assert_eq!(h.sd.location, None);
                    assert_eq!(h.sd.num_buckets, -1);
                    assert_eq!(h.sd.serde_info, structs::SerDeInfo::default());
                },
            },
            Case {
                what: "no access time: 0",
                change: |t| t.last_access_time = None,
                check: |h, _| assert_eq!(h.last_access_time, 0),
            },
            Case {
                what: "no owner",
                change: |t| t.owner = None,
                check: |h, _| assert_eq!(h.owner, None),
            },
            Case {
                what: "times past 2038 saturate",
                change: |t| t.create_time = time(1 << 33),
                check: |h, _| assert_eq!(h.create_time, i32::MAX),
            },
        ];
        for case in cases {
            let mut table = table();
            (case.change)(&mut table);
            let hive = super::table(&table);
            let meta = table_meta(&table);
            (case.check)(&hive, &meta);
            assert_eq!(meta.table_name, "orders", "{}", case.what);
            assert_eq!(meta.cat_name, "hive", "{}", case.what);
        }
    }

    #[test]
    fn databases_map_field_by_field() {
        let database = model::Database {
            name: "sales".into(),
            description: Some("the sales team's".into()),
            location_uri: Some("s3://lake/sales/".into()),
            parameters: BTreeMap::from([("team".into(), "sales".into())]),
            create_time: time(1_600_000_000),
        };
        assert_eq!(
            super::database(&database),
            structs::Database {
                name: "sales".into(),
                description: Some("the sales team's".into()),
                location_uri: Some("s3://lake/sales/".into()),
                parameters: BTreeMap::from([("team".into(), "sales".into())]),
                owner_name: None,
                catalog_name: "hive".into(),
                create_time: 1_600_000_000,
            }
        );
    }

    #[test]
    fn partitions_inherit_the_tables_storage_without_its_location() {
        let own = model::Partition {
            database_name: "sales".into(),
            table_name: "orders".into(),
            values: vec!["2024".into(), "9".into()],
            storage_descriptor: Some(model::StorageDescriptor {
                location: Some("s3://lake/orders/year=2024/hour=9/".into()),
                ..parquet_sd()
            }),
            parameters: BTreeMap::from([("numRows".into(), "5".into())]),
            creation_time: time(1_700_001_000),
            last_access_time: None,
        };
        let hive = partition(&own, &table());
        assert_eq!(hive.values, ["2024", "9"]);
        assert_eq!(
            (hive.db_name.as_str(), hive.table_name.as_str()),
            ("sales", "orders")
        );
        assert_eq!(hive.create_time, 1_700_001_000);
        assert_eq!(hive.last_access_time, 0);
        assert_eq!(
            hive.sd.location.as_deref(),
            Some("s3://lake/orders/year=2024/hour=9/")
        );
        assert_eq!(hive.parameters["numRows"], "5");
        assert_eq!(hive.cat_name, "hive");

        let bare = model::Partition {
            storage_descriptor: None,
            ..own
        };
        let hive = partition(&bare, &table());
        assert_eq!(hive.sd.location, None);
        assert_eq!(hive.sd.cols.len(), 2, "the table's columns");
        assert_eq!(
            hive.sd.serde_info.serialization_lib.as_deref(),
            Some("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")
        );
    }

    #[test]
    fn partition_names_escape_and_parse_as_hives() {
        let keys = [
            column("Year", Some("string")),
            column("city", Some("string")),
        ];
        let cases: &[(&[&str], &str)] = &[
            (&["2024", "paris"], "year=2024/city=paris"),
            (&["2024", "a/b"], "year=2024/city=a%2Fb"),
            (&["2024", "x=y:z"], "year=2024/city=x%3Dy%3Az"),
            (&["2024", "50%"], "year=2024/city=50%25"),
            (&["2024", "new york"], "year=2024/city=new york"),
            (&["2024", "\u{1}#"], "year=2024/city=%01%23"),
            (&["2024", "zürich"], "year=2024/city=zürich"),
            (&["2024", ""], "year=2024/city=__HIVE_DEFAULT_PARTITION__"),
        ];
        for (values, name) in cases {
            let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            assert_eq!(partition_name(&keys, &values), *name, "{values:?}");
            let parsed = partition_values(&keys, name).unwrap();
            let expected: Vec<String> = values
                .iter()
                .map(|v| {
                    if v.is_empty() {
                        model::HIVE_DEFAULT_PARTITION.to_string()
                    } else {
                        v.clone()
                    }
                })
                .collect();
            assert_eq!(parsed, expected, "{name}");
        }
        // Keys in any order and case; a missing key or a part without `=` is refused.
        assert_eq!(
            partition_values(&keys, "CITY=paris/year=2024").unwrap(),
            ["2024", "paris"]
        );
        assert_eq!(
            partition_values(&keys, "year=2024").unwrap_err(),
            "incomplete partition name - missing city"
        );
        assert!(
            partition_values(&keys, "year=2024/paris")
                .unwrap_err()
                .contains("is not key=value")
        );
        // A `%` not followed by two hex digits stays as it is, as in Hive.
        assert_eq!(
            partition_values(&keys, "year=20%2/city=%zz").unwrap(),
            ["20%2", "%zz"]
        );
    }

    #[test]
    fn hive_filters_are_requoted_into_glues_grammar() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            (
                r#"year = "2024" and month = "06""#,
                Ok("year = '2024' and month = '06'"),
            ),
            ("hour = 9", Ok("hour = 9")),
            (
                "year = '2024' or hour != 3",
                Ok("year = '2024' or hour != 3"),
            ),
            (r#"city = "it's""#, Ok("city = 'it''s'")),
            (r#"name like "a%""#, Ok("name like 'a%'")),
            (r#"`my key` = "x""#, Ok("`my key` = 'x'")),
            (r#"`a"b` = 1"#, Ok(r#"`a"b` = 1"#)),
            (r#"year = "2024"#, Err("unterminated string")),
            ("`year = 1", Err("unterminated identifier")),
        ];
        for (hive, expected) in cases {
            match (hive_filter_to_glue(hive), expected) {
                (Ok(glue), Ok(expected)) => assert_eq!(glue, *expected, "{hive}"),
                (Err(error), Err(expected)) => assert!(error.contains(expected), "{hive}: {error}"),
                (found, expected) => panic!("{hive}: {found:?}, expected {expected:?}"),
            }
        }
        // The result is an expression the catalog's own parser accepts.
        let glue =
            hive_filter_to_glue(r#"year = "2024" and (hour > 9 or city like "p%")"#).unwrap();
        lakecat_catalog::filter::parse(&glue).unwrap();
    }

    #[test]
    fn partial_specifications_select_by_leading_values() {
        let keys = [column("year", Some("string")), column("hour", Some("int"))];
        let spec = |values: &[&str]| {
            let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            partial_spec_expression(&keys, &values)
        };
        assert_eq!(spec(&[]).unwrap(), None);
        assert_eq!(spec(&["", ""]).unwrap(), None);
        assert_eq!(spec(&["2024"]).unwrap().as_deref(), Some("`year` = '2024'"));
        assert_eq!(
            spec(&["2024", "9"]).unwrap().as_deref(),
            Some("`year` = '2024' AND `hour` = '9'")
        );
        assert_eq!(spec(&["", "9"]).unwrap().as_deref(), Some("`hour` = '9'"));
        assert_eq!(
            spec(&["o'clock"]).unwrap().as_deref(),
            Some("`year` = 'o''clock'")
        );
        assert_eq!(
            spec(&["__HIVE_DEFAULT_PARTITION__"]).unwrap().as_deref(),
            Some("`year` IS NULL")
        );
        assert!(spec(&["1", "2", "3"]).is_err());
        for values in [&["2024", "9"][..], &["o'clock"], &["", "9"]] {
            let expression = spec(values).unwrap().unwrap();
            lakecat_catalog::filter::parse(&expression).unwrap();
        }
    }

    #[test]
    fn tables_databases_and_partitions_from_hive_clients_round_trip() {
        // A table Hive can represent: typed columns without column parameters.
        let mut original = table();
        original.storage_descriptor.as_mut().unwrap().columns =
            vec![column("id", Some("bigint")), column("city", Some("string"))];
        type Change = fn(&mut model::Table);
        let cases: [(&str, Change); 5] = [
            ("as crawled", |_| {}),
            ("without a storage descriptor", |t| {
                t.storage_descriptor = None
            }),
            ("without a SerDe", |t| {
                t.storage_descriptor.as_mut().unwrap().serde_info = None;
            }),
            ("without a type, owner or access time", |t| {
                t.table_type = Some("EXTERNAL_TABLE".into());
                t.owner = None;
                t.last_access_time = None;
            }),
            ("a view", |t| {
                t.table_type = Some("VIRTUAL_VIEW".into());
                t.view_original_text = Some("select 1".into());
                t.view_expanded_text = Some("select 1".into());
            }),
        ];
        for (what, change) in cases {
            let mut table = original.clone();
            change(&mut table);
            assert_eq!(
                table_input(super::table(&table)),
                table.to_input(),
                "{what}"
            );
        }
        // The description comes back as the comment parameter it was sent as.
        let mut described = original.clone();
        described.description = Some("all orders".into());
        let input = table_input(super::table(&described));
        assert_eq!(input.description, None);
        assert_eq!(input.parameters["comment"], "all orders");

        let database = model::Database {
            name: "sales".into(),
            description: Some("d".into()),
            location_uri: Some("s3://lake/sales/".into()),
            parameters: BTreeMap::from([("a".into(), "b".into())]),
            create_time: time(1_600_000_000),
        };
        assert_eq!(
            database_input(super::database(&database)),
            model::DatabaseInput {
                name: "sales".into(),
                description: Some("d".into()),
                location_uri: Some("s3://lake/sales/".into()),
                parameters: BTreeMap::from([("a".into(), "b".into())]),
            }
        );

        let partition = model::Partition {
            database_name: "sales".into(),
            table_name: "orders".into(),
            values: vec!["2024".into(), "9".into()],
            storage_descriptor: original.storage_descriptor.clone(),
            parameters: BTreeMap::from([("numRows".into(), "5".into())]),
            creation_time: time(1_700_001_000),
            last_access_time: Some(time(1_700_002_000)),
        };
        assert_eq!(
            partition_input(super::partition(&partition, &original)),
            model::PartitionInput {
                values: vec!["2024".into(), "9".into()],
                storage_descriptor: original.storage_descriptor.clone(),
                parameters: BTreeMap::from([("numRows".into(), "5".into())]),
                last_access_time: Some(time(1_700_002_000)),
            }
        );
    }

    #[test]
    fn hive_structs_read_back_what_was_written() {
        use super::super::protocol::{Reader, Writer};
        let hive = super::table(&table());
        let mut w = Writer::new();
        hive.write(&mut w);
        w.stop();
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        assert_eq!(structs::Table::read(&mut r).unwrap(), hive);
        assert_eq!(r.position(), bytes.len());

        let database = super::database(&model::Database {
            name: "sales".into(),
            description: None,
            location_uri: Some("x".into()),
            parameters: BTreeMap::new(),
            create_time: time(5),
        });
        let mut w = Writer::new();
        database.write(&mut w);
        w.stop();
        let bytes = w.into_bytes();
        assert_eq!(
            structs::Database::read(&mut Reader::new(&bytes)).unwrap(),
            database
        );
    }

    #[test]
    /// Statistics written as Hive's union and read back as a client would send them are
    /// the same figures (each kind Hive's older clients know).
    fn statistics_take_hives_union_members_and_decimals_javas_bytes() {
        use super::super::protocol::{Reader, ttype};
        use lakecat_catalog::{ColumnStatistics, StatisticsData, StatisticsOrigin};
        let stats = |data| ColumnStatistics {
            column_name: "c".into(),
            column_type: "t".into(),
            analyzed_time: time(0),
            data,
            origin: StatisticsOrigin::Crawler,
            sampled: false,
            sketch: None,
        };
        let cases: Vec<(StatisticsData, Option<i16>)> = vec![
            (
                StatisticsData::Boolean {
                    number_of_trues: 1,
                    number_of_falses: 2,
                    number_of_nulls: 3,
                },
                Some(1),
            ),
            (
                StatisticsData::Long {
                    minimum_value: Some(-5),
                    maximum_value: None,
                    number_of_nulls: 0,
                    number_of_distinct_values: Some(4),
                },
                Some(2),
            ),
            (
                StatisticsData::Double {
                    minimum_value: None,
                    maximum_value: Some(2.5),
                    number_of_nulls: 0,
                    number_of_distinct_values: None,
                },
                Some(3),
            ),
            (
                StatisticsData::String {
                    maximum_length: Some(9),
                    average_length: 4.5,
                    number_of_nulls: 1,
                    number_of_distinct_values: Some(2),
                },
                Some(4),
            ),
            (
                StatisticsData::Binary {
                    maximum_length: Some(3),
                    average_length: 0.0,
                    number_of_nulls: 0,
                },
                Some(5),
            ),
            (
                StatisticsData::Decimal {
                    minimum_value: Some("-1.50".into()),
                    maximum_value: Some("128".into()),
                    number_of_nulls: 0,
                    number_of_distinct_values: None,
                },
                Some(6),
            ),
            (
                StatisticsData::Date {
                    minimum_value: chrono::NaiveDate::from_ymd_opt(1970, 1, 11),
                    maximum_value: None,
                    number_of_nulls: 0,
                    number_of_distinct_values: None,
                },
                Some(7),
            ),
            (
                StatisticsData::Timestamp {
                    minimum_value: None,
                    maximum_value: None,
                    number_of_nulls: 0,
                    number_of_distinct_values: None,
                },
                None,
            ),
        ];
        for (data, member) in cases {
            let mut w = Writer::new();
            let written = write_statistics(&stats(data.clone()), &mut w);
            assert_eq!(written, member.is_some(), "{data:?}");
            let Some(member) = member else {
                assert!(w.into_bytes().is_empty());
                continue;
            };
            w.stop();
            let bytes = w.into_bytes();
            let read = structs::ColumnStatisticsObj::read(&mut Reader::new(&bytes)).unwrap();
            let taken = statistics_input(read, time(0)).unwrap();
            assert_eq!(taken.data, data, "round trip");
            let mut r = Reader::new(&bytes);
            assert_eq!(r.read_field().unwrap(), Some((ttype::STRING, 1)));
            assert_eq!(r.read_string().unwrap(), "c");
            assert_eq!(r.read_field().unwrap(), Some((ttype::STRING, 2)));
            r.read_string().unwrap();
            assert_eq!(r.read_field().unwrap(), Some((ttype::STRUCT, 3)));
            assert_eq!(
                r.read_field().unwrap(),
                Some((ttype::STRUCT, member)),
                "{data:?}"
            );
            if member == 7 {
                assert_eq!(r.read_field().unwrap(), Some((ttype::STRUCT, 1)));
                assert_eq!(r.read_field().unwrap(), Some((ttype::I64, 1)));
                assert_eq!(r.read_i64().unwrap(), 10, "days since the epoch");
            }
        }
    }
}
