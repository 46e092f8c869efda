//! Column statistics of tables and partitions, as Glue's `ColumnStatistics`: what query
//! planners read to estimate selectivity and join sizes.
//!
//! The crawler writes them from file footers (exact) or sampled rows (marked `sampled`);
//! users and engines write them through the APIs. A user's statistics are kept when the
//! crawler runs again unless its configuration says to refresh them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Entity, Error, Result};
use crate::service::Catalog;
use crate::validate;

/// Most columns named in one request for statistics (Glue's limit).
pub const MAX_COLUMNS_PER_GET: usize = 100;
/// Most column statistics written by one request (Glue's limit).
pub const MAX_STATISTICS_PER_UPDATE: usize = 25;

/// Who wrote a column's statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatisticsOrigin {
    /// A user or an engine, through an API.
    #[default]
    User,
    /// A crawl.
    Crawler,
}

impl StatisticsOrigin {
    /// The value the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            StatisticsOrigin::User => "user",
            StatisticsOrigin::Crawler => "crawler",
        }
    }
}

/// Statistics of one column of a table or of a partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ColumnStatistics {
    /// The column.
    pub column_name: String,
    /// The column's Hive type when the statistics were computed.
    pub column_type: String,
    /// When they were computed.
    pub analyzed_time: DateTime<Utc>,
    /// The figures, by kind of column.
    pub data: StatisticsData,
    /// Who wrote them; set by the catalog (a value in a request is ignored).
    #[serde(default)]
    pub origin: StatisticsOrigin,
    /// Computed from a sample of the rows (text formats), so counts are estimates; `false`
    /// when computed from every row's figures (Parquet and ORC footers).
    #[serde(default)]
    pub sampled: bool,
    /// A mergeable distinct-value sketch (Apache DataSketches HLL), kept so that a table's
    /// estimate can be combined from its partitions'. Not served.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub sketch: Option<Vec<u8>>,
}

/// The figures of a column's statistics, by kind of column: Glue's seven kinds, and
/// timestamps, which Glue cannot express (served by lakecat's REST API only).
///
/// A figure that is not known is absent (`None`): Glue's API, which requires some of them,
/// renders an unknown count of distinct values as 0, the Hive metastore convention for
/// "not computed".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum StatisticsData {
    /// `boolean` columns.
    Boolean {
        /// Values that are true.
        number_of_trues: u64,
        /// Values that are false.
        number_of_falses: u64,
        /// Null values.
        number_of_nulls: u64,
    },
    /// `date` columns.
    Date {
        /// Smallest value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minimum_value: Option<NaiveDate>,
        /// Largest value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        maximum_value: Option<NaiveDate>,
        /// Null values.
        number_of_nulls: u64,
        /// Distinct values, estimated.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number_of_distinct_values: Option<u64>,
    },
    /// `decimal(p,s)` columns; values are decimal text, such as `-12.50`.
    Decimal {
        /// Smallest value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minimum_value: Option<String>,
        /// Largest value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        maximum_value: Option<String>,
        /// Null values.
        number_of_nulls: u64,
        /// Distinct values, estimated.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number_of_distinct_values: Option<u64>,
    },
    /// `float` and `double` columns.
    Double {
        /// Smallest value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minimum_value: Option<f64>,
        /// Largest value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        maximum_value: Option<f64>,
        /// Null values.
        number_of_nulls: u64,
        /// Distinct values, estimated.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number_of_distinct_values: Option<u64>,
    },
    /// Integer columns (`tinyint`, `smallint`, `int`, `bigint`).
    Long {
        /// Smallest value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minimum_value: Option<i64>,
        /// Largest value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        maximum_value: Option<i64>,
        /// Null values.
        number_of_nulls: u64,
        /// Distinct values, estimated.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number_of_distinct_values: Option<u64>,
    },
    /// `string`, `varchar` and `char` columns; lengths in bytes of UTF-8.
    String {
        /// Longest value; absent when the source records only the average.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        maximum_length: Option<u64>,
        /// Average length of the values that are not null.
        average_length: f64,
        /// Null values.
        number_of_nulls: u64,
        /// Distinct values, estimated.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number_of_distinct_values: Option<u64>,
    },
    /// `binary` columns; lengths in bytes.
    Binary {
        /// Longest value; absent when the source records only the average.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        maximum_length: Option<u64>,
        /// Average length of the values that are not null.
        average_length: f64,
        /// Null values.
        number_of_nulls: u64,
    },
    /// `timestamp` columns (a lakecat extension: Glue has no timestamp statistics).
    Timestamp {
        /// Earliest value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minimum_value: Option<DateTime<Utc>>,
        /// Latest value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        maximum_value: Option<DateTime<Utc>>,
        /// Null values.
        number_of_nulls: u64,
        /// Distinct values, estimated.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number_of_distinct_values: Option<u64>,
    },
}

impl StatisticsData {
    /// Why the figures cannot be right, if they cannot: a minimum above the maximum, a
    /// negative or non-finite length, or a decimal that is not a number.
    fn inconsistency(&self) -> Option<String> {
        fn ordered<T: PartialOrd>(min: &Option<T>, max: &Option<T>) -> bool {
            match (min, max) {
                (Some(min), Some(max)) => min <= max,
                _ => true,
            }
        }
        let length_ok = |average: f64| average.is_finite() && average >= 0.0;
        match self {
            StatisticsData::Boolean { .. } => None,
            StatisticsData::Date {
                minimum_value,
                maximum_value,
                ..
            } => (!ordered(minimum_value, maximum_value))
                .then(|| "MinimumValue is after MaximumValue".into()),
            StatisticsData::Decimal {
                minimum_value,
                maximum_value,
                ..
            } => {
                let parse = |value: &Option<String>, field: &str| match value {
                    None => Ok(None),
                    Some(text) => parse_decimal(text)
                        .map(|value| Some(DecimalValue(value)))
                        .ok_or_else(|| format!("{field} {text:?} is not a decimal number")),
                };
                match (
                    parse(minimum_value, "MinimumValue"),
                    parse(maximum_value, "MaximumValue"),
                ) {
                    (Err(reason), _) | (_, Err(reason)) => Some(reason),
                    (Ok(min), Ok(max)) => {
                        (!ordered(&min, &max)).then(|| "MinimumValue is above MaximumValue".into())
                    }
                }
            }
            StatisticsData::Double {
                minimum_value,
                maximum_value,
                ..
            } => {
                if minimum_value.is_some_and(f64::is_nan) || maximum_value.is_some_and(f64::is_nan)
                {
                    Some("MinimumValue and MaximumValue must be numbers, not NaN".into())
                } else {
                    (!ordered(minimum_value, maximum_value))
                        .then(|| "MinimumValue is above MaximumValue".into())
                }
            }
            StatisticsData::Long {
                minimum_value,
                maximum_value,
                ..
            } => (!ordered(minimum_value, maximum_value))
                .then(|| "MinimumValue is above MaximumValue".into()),
            StatisticsData::String { average_length, .. }
            | StatisticsData::Binary { average_length, .. } => (!length_ok(*average_length))
                .then(|| "AverageLength must be a finite number of at least 0".into()),
            StatisticsData::Timestamp {
                minimum_value,
                maximum_value,
                ..
            } => (!ordered(minimum_value, maximum_value))
                .then(|| "MinimumValue is after MaximumValue".into()),
        }
    }
}

/// A decimal's unscaled value as the shortest big-endian two's complement bytes (Java's
/// `BigInteger.toByteArray`): how Glue's `DecimalNumber` and Hive's `Decimal` carry it.
pub fn unscaled_bytes(unscaled: i128) -> Vec<u8> {
    let bytes = unscaled.to_be_bytes();
    let mut start = 0;
    while start < bytes.len() - 1 {
        let (byte, next) = (bytes[start], bytes[start + 1]);
        // A leading byte may go when it only repeats the sign of the next one.
        if (byte == 0 && next & 0x80 == 0) || (byte == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    bytes[start..].to_vec()
}

/// A decimal's text from its unscaled value as big-endian two's complement bytes (Java's
/// `BigInteger.toByteArray`, at most 16 bytes) and its scale (at most 38): how Glue's
/// `DecimalNumber` and Hive's `Decimal` arrive. `None` when either is out of range.
pub fn decimal_from_unscaled(bytes: &[u8], scale: i64) -> Option<String> {
    if bytes.is_empty() || bytes.len() > 16 {
        return None;
    }
    let scale = usize::try_from(scale).ok().filter(|s| *s <= 38)?;
    let fill = if bytes[0] & 0x80 != 0 { 0xff } else { 0 };
    let mut full = [fill; 16];
    full[16 - bytes.len()..].copy_from_slice(bytes);
    let unscaled = i128::from_be_bytes(full);
    let digits = unscaled.unsigned_abs().to_string();
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    let sign = if unscaled < 0 { "-" } else { "" };
    Some(if scale == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    })
}

/// A decimal's text as an exact fraction (unscaled value, scale), for comparing two
/// decimals; `None` when the text is not a plain decimal number.
pub fn parse_decimal(text: &str) -> Option<(i128, u32)> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let scale = u32::try_from(fraction.len()).ok()?;
    let mut unscaled: i128 = 0;
    for digit in whole.bytes().chain(fraction.bytes()) {
        unscaled = unscaled
            .checked_mul(10)?
            .checked_add(i128::from(digit - b'0'))?;
    }
    Some((if negative { -unscaled } else { unscaled }, scale))
}

/// Compares decimals of any scales by value.
fn decimal_cmp(a: (i128, u32), b: (i128, u32)) -> Option<std::cmp::Ordering> {
    let scale = a.1.max(b.1);
    let widen = |(value, s): (i128, u32)| value.checked_mul(10i128.checked_pow(scale - s)?);
    Some(widen(a)?.cmp(&widen(b)?))
}

/// Decimals compare by value, whatever their scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DecimalValue((i128, u32));

impl PartialOrd for DecimalValue {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        decimal_cmp(self.0, other.0)
    }
}

/// Where statistics belong: a table, or one of its partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatisticsScope<'a> {
    /// The whole table.
    Table,
    /// The partition with these values.
    Partition(&'a [String]),
}

/// A column's statistics that were not written, and why.
#[derive(Debug)]
pub struct StatisticsFailure {
    /// The statistics as given.
    pub statistics: ColumnStatistics,
    /// Why they were refused.
    pub error: Error,
}

/// What a crawl writes for one table: its statistics and its partitions'.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CrawledStatistics {
    /// The table's columns; `None` leaves the table's statistics as they are (a crawl of
    /// new folders only has not read the rest of the table).
    pub table: Option<Vec<ColumnStatistics>>,
    /// Each partition's columns, by partition values.
    pub partitions: Vec<(Vec<String>, Vec<ColumnStatistics>)>,
    /// Replace statistics that users wrote too (the crawler's `refresh` setting); by default
    /// a user's statistics stay.
    pub replace_user_written: bool,
}

fn check_column_names(columns: &[String]) -> Result<()> {
    if columns.len() > MAX_COLUMNS_PER_GET {
        return Err(Error::invalid(format!(
            "ColumnNames: at most {MAX_COLUMNS_PER_GET} columns per request (got {})",
            columns.len()
        )));
    }
    for name in columns {
        validate::check_object_name("ColumnNames", name)?;
    }
    Ok(())
}

impl Catalog {
    /// The statistics of the named columns of a table or a partition; columns without
    /// statistics are left out. At most [`MAX_COLUMNS_PER_GET`] names.
    pub async fn get_column_statistics(
        &self,
        database: &str,
        table: &str,
        scope: StatisticsScope<'_>,
        columns: &[String],
    ) -> Result<Vec<ColumnStatistics>> {
        check_column_names(columns)?;
        self.store
            .get_column_statistics(
                &database.to_lowercase(),
                &table.to_lowercase(),
                scope,
                columns,
            )
            .await
    }

    /// Writes statistics of a table's or a partition's columns, replacing what the columns
    /// had. Each entry must name a column of the table (partition keys have none) and hold
    /// consistent figures; the others are written and the refused ones returned with the
    /// reason. At most [`MAX_STATISTICS_PER_UPDATE`] entries.
    pub async fn update_column_statistics(
        &self,
        database: &str,
        table: &str,
        scope: StatisticsScope<'_>,
        statistics: Vec<ColumnStatistics>,
    ) -> Result<Vec<StatisticsFailure>> {
        if statistics.len() > MAX_STATISTICS_PER_UPDATE {
            return Err(Error::invalid(format!(
                "ColumnStatisticsList: at most {MAX_STATISTICS_PER_UPDATE} entries per request \
                 (got {})",
                statistics.len()
            )));
        }
        let (database, table) = (database.to_lowercase(), table.to_lowercase());
        let stored = self.store.get_table(&database, &table).await?;
        let columns = stored
            .storage_descriptor
            .as_ref()
            .map(|sd| sd.columns.as_slice())
            .unwrap_or_default();
        let mut accepted = Vec::new();
        let mut failures = Vec::new();
        for mut entry in statistics {
            entry.origin = StatisticsOrigin::User;
            entry.sampled = false;
            entry.sketch = None;
            let refusal = if columns.iter().all(|c| c.name != entry.column_name) {
                Some(Error::not_found(
                    Entity::Column,
                    format!("{database}.{table}.{}", entry.column_name),
                ))
            } else if entry.column_type.is_empty() {
                Some(Error::invalid("ColumnType is required"))
            } else {
                entry.data.inconsistency().map(|reason| {
                    Error::invalid(format!(
                        "statistics of column {}: {reason}",
                        entry.column_name
                    ))
                })
            };
            match refusal {
                Some(error) => failures.push(StatisticsFailure {
                    statistics: entry,
                    error,
                }),
                None => accepted.push(entry),
            }
        }
        // A column named twice in one request takes its last statistics.
        let mut seen = std::collections::HashSet::new();
        accepted.reverse();
        accepted.retain(|entry: &ColumnStatistics| seen.insert(entry.column_name.clone()));
        accepted.reverse();
        if !accepted.is_empty() {
            self.store
                .put_column_statistics(&database, &table, scope, &accepted)
                .await?;
        }
        Ok(failures)
    }

    /// The names of a database's tables that have column statistics of their own (a crawl
    /// writes statistics for the others it finds unchanged).
    pub async fn tables_with_column_statistics(&self, database: &str) -> Result<Vec<String>> {
        self.store
            .tables_with_column_statistics(&database.to_lowercase())
            .await
    }

    /// Deletes the statistics of one column of a table or a partition; an error when the
    /// column has none.
    pub async fn delete_column_statistics(
        &self,
        database: &str,
        table: &str,
        scope: StatisticsScope<'_>,
        column: &str,
    ) -> Result<()> {
        validate::check_object_name("ColumnName", column)?;
        self.store
            .delete_column_statistics(
                &database.to_lowercase(),
                &table.to_lowercase(),
                scope,
                column,
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unscaled_values_are_javas_big_integer_bytes() {
        for (value, bytes) in [
            (0_i128, vec![0]),
            (127, vec![0x7f]),
            (128, vec![0x00, 0x80]),
            (-150, vec![0xff, 0x6a]),
            (-128, vec![0x80]),
            (-1, vec![0xff]),
            (65_535, vec![0x00, 0xff, 0xff]),
        ] {
            assert_eq!(unscaled_bytes(value), bytes, "{value}");
        }
    }

    fn long(min: Option<i64>, max: Option<i64>) -> StatisticsData {
        StatisticsData::Long {
            minimum_value: min,
            maximum_value: max,
            number_of_nulls: 0,
            number_of_distinct_values: None,
        }
    }

    fn decimal(min: &str, max: &str) -> StatisticsData {
        StatisticsData::Decimal {
            minimum_value: Some(min.into()),
            maximum_value: Some(max.into()),
            number_of_nulls: 0,
            number_of_distinct_values: None,
        }
    }

    #[test]
    fn figures_that_cannot_be_right_are_named() {
        let string = |average_length| StatisticsData::String {
            maximum_length: None,
            average_length,
            number_of_nulls: 0,
            number_of_distinct_values: None,
        };
        let cases: Vec<(&str, StatisticsData, Option<&str>)> = vec![
            ("ordered longs", long(Some(1), Some(2)), None),
            ("equal longs", long(Some(2), Some(2)), None),
            ("no bounds", long(None, None), None),
            ("one bound", long(Some(5), None), None),
            ("reversed longs", long(Some(3), Some(2)), Some("above")),
            ("decimals of other scales", decimal("9.5", "10"), None),
            (
                "reversed decimals",
                decimal("10.00", "9.999"),
                Some("above"),
            ),
            ("negative decimals", decimal("-10.5", "-10.25"), None),
            ("not a decimal", decimal("1e5", "2"), Some("not a decimal")),
            ("negative length", string(-1.0), Some("AverageLength")),
            (
                "infinite length",
                string(f64::INFINITY),
                Some("AverageLength"),
            ),
            ("zero length", string(0.0), None),
            (
                "NaN double",
                StatisticsData::Double {
                    minimum_value: Some(f64::NAN),
                    maximum_value: None,
                    number_of_nulls: 0,
                    number_of_distinct_values: None,
                },
                Some("NaN"),
            ),
        ];
        for (name, data, expected) in cases {
            let found = data.inconsistency();
            match expected {
                None => assert_eq!(found, None, "{name}"),
                Some(part) => assert!(
                    found.as_deref().is_some_and(|r| r.contains(part)),
                    "{name}: {found:?}"
                ),
            }
        }
    }

    #[test]
    fn decimals_parse_exactly() {
        let cases = [
            ("12.50", Some((1250, 2))),
            ("-0.001", Some((-1, 3))),
            ("+7", Some((7, 0))),
            (".5", Some((5, 1))),
            ("5.", Some((5, 0))),
            ("", None),
            (".", None),
            ("1,5", None),
            ("NaN", None),
            ("99999999999999999999999999999999999999999", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_decimal(text), expected, "{text:?}");
        }
    }

    #[test]
    fn statistics_read_as_lakecat_writes_them() {
        let statistics = ColumnStatistics {
            column_name: "price".into(),
            column_type: "decimal(10,2)".into(),
            analyzed_time: DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
            data: decimal("0.99", "120.00"),
            origin: StatisticsOrigin::Crawler,
            sampled: true,
            sketch: Some(vec![1, 2, 3]),
        };
        let json = serde_json::to_value(&statistics).unwrap();
        assert_eq!(json["data"]["type"], "decimal");
        assert_eq!(json["data"]["minimum_value"], "0.99");
        assert_eq!(json["origin"], "crawler");
        assert!(json.get("sketch").is_none(), "sketches are not served");
        let back: ColumnStatistics = serde_json::from_value(json).unwrap();
        assert_eq!(back.sketch, None);
        assert_eq!(back.data, statistics.data);
    }
}
