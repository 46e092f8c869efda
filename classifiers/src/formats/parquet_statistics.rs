//! Column figures from a Parquet footer: per row group null counts, minimums and maximums
//! (read through parquet's `StatisticsConverter`, which applies the logical types), and the
//! unencoded byte counts of string and binary columns, summed over the row groups. Exact
//! for the whole object; a figure some row group lacks is unknown.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal32Type, Decimal64Type, Decimal128Type, Float16Type, Float32Type,
    Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, Schema as ArrowSchema, TimeUnit};
use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
use parquet::arrow::parquet_column;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::statistics::Statistics;

use crate::statistics::{Bound, ColumnFigures, Lengths, ObjectFigures};

/// The figures of every top-level primitive column of a Parquet object.
/// One entry per top-level field of `arrow`, in order (the schema the classifier reports
/// has the same fields).
pub(super) fn footer_figures(arrow: &ArrowSchema, metadata: &ParquetMetaData) -> ObjectFigures {
    let rows = u64::try_from(metadata.file_metadata().num_rows()).unwrap_or(0);
    let columns = arrow
        .fields()
        .iter()
        .map(|field| {
            if field.data_type().is_nested() {
                return None;
            }
            column_figures(field.name(), arrow, metadata, rows)
        })
        .collect();
    ObjectFigures {
        rows,
        sampled: false,
        columns,
    }
}

/// One row group's figures of a column.
#[derive(Debug, Default)]
struct RowGroupFigures {
    rows: u64,
    nulls: Option<u64>,
    min: Option<Bound>,
    max: Option<Bound>,
    /// For booleans: whether every value is true, or every value false.
    all_true: bool,
    all_false: bool,
}

/// A decimal stored as big-endian two's complement bytes.
fn decimal_from_bytes(bytes: &[u8]) -> Option<i128> {
    if bytes.is_empty() || bytes.len() > 16 {
        return None;
    }
    let fill = if bytes[0] & 0x80 != 0 { 0xff } else { 0 };
    let mut full = [fill; 16];
    full[16 - bytes.len()..].copy_from_slice(bytes);
    Some(i128::from_be_bytes(full))
}

/// A row group's figures read straight from the column chunk's statistics, for the common
/// pairs of Arrow type and physical type; `None` for the others, which go through parquet's
/// `StatisticsConverter` (slower: it builds arrays). Straight reading costs a crawl of many
/// small files a fraction of what the converter does.
fn direct(
    data_type: &DataType,
    statistics: Option<&Statistics>,
    rows: u64,
) -> Option<RowGroupFigures> {
    let Some(statistics) = statistics else {
        return Some(RowGroupFigures {
            rows,
            ..RowGroupFigures::default()
        });
    };
    let bounds = |min: Option<Bound>, max: Option<Bound>| (min, max);
    let (min, max) = match (data_type, statistics) {
        (DataType::Int8 | DataType::Int16 | DataType::Int32, Statistics::Int32(s)) => bounds(
            s.min_opt().map(|v| Bound::Int((*v).into())),
            s.max_opt().map(|v| Bound::Int((*v).into())),
        ),
        (DataType::Int64, Statistics::Int64(s)) => bounds(
            s.min_opt().map(|v| Bound::Int(*v)),
            s.max_opt().map(|v| Bound::Int(*v)),
        ),
        // A zero minimum is written as -0.0 (the format's rule); adding 0.0 reads it as 0.0.
        (DataType::Float32, Statistics::Float(s)) => bounds(
            s.min_opt().map(|v| Bound::Float(f64::from(*v) + 0.0)),
            s.max_opt().map(|v| Bound::Float(f64::from(*v) + 0.0)),
        ),
        (DataType::Float64, Statistics::Double(s)) => bounds(
            s.min_opt().map(|v| Bound::Float(*v + 0.0)),
            s.max_opt().map(|v| Bound::Float(*v + 0.0)),
        ),
        (DataType::Date32, Statistics::Int32(s)) => bounds(
            s.min_opt().map(|v| Bound::Date(*v)),
            s.max_opt().map(|v| Bound::Date(*v)),
        ),
        (DataType::Timestamp(unit, _), Statistics::Int64(s)) => {
            let micros = |v: &i64| match unit {
                TimeUnit::Second => v.checked_mul(1_000_000),
                TimeUnit::Millisecond => v.checked_mul(1_000),
                TimeUnit::Microsecond => Some(*v),
                TimeUnit::Nanosecond => Some(v.div_euclid(1_000)),
            };
            bounds(
                s.min_opt().and_then(micros).map(Bound::Timestamp),
                s.max_opt().and_then(micros).map(Bound::Timestamp),
            )
        }
        (DataType::Decimal128(_, scale), Statistics::Int32(s)) => bounds(
            s.min_opt().map(|v| Bound::Decimal((*v).into(), *scale)),
            s.max_opt().map(|v| Bound::Decimal((*v).into(), *scale)),
        ),
        (DataType::Decimal128(_, scale), Statistics::Int64(s)) => bounds(
            s.min_opt().map(|v| Bound::Decimal((*v).into(), *scale)),
            s.max_opt().map(|v| Bound::Decimal((*v).into(), *scale)),
        ),
        (DataType::Decimal128(_, scale), Statistics::FixedLenByteArray(s)) => bounds(
            s.min_opt()
                .and_then(|v| decimal_from_bytes(v.data()))
                .map(|v| Bound::Decimal(v, *scale)),
            s.max_opt()
                .and_then(|v| decimal_from_bytes(v.data()))
                .map(|v| Bound::Decimal(v, *scale)),
        ),
        (
            DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView,
            Statistics::ByteArray(_),
        ) => bounds(None, None),
        (DataType::Boolean, Statistics::Boolean(s)) => {
            return Some(RowGroupFigures {
                rows,
                nulls: statistics.null_count_opt().or(Some(0)),
                all_true: s.min_opt() == Some(&true),
                all_false: s.max_opt() == Some(&false),
                ..RowGroupFigures::default()
            });
        }
        _ => return None,
    };
    Some(RowGroupFigures {
        rows,
        // As parquet's converter reads them: writers that omit a zero null count exist.
        nulls: statistics.null_count_opt().or(Some(0)),
        min,
        max,
        ..RowGroupFigures::default()
    })
}

/// Each row group's figures through parquet's `StatisticsConverter`.
fn converted(
    converter: &StatisticsConverter<'_>,
    metadata: &ParquetMetaData,
) -> Option<Vec<RowGroupFigures>> {
    let row_groups = metadata.row_groups();
    let null_counts = converter.row_group_null_counts(row_groups).ok()?;
    let mins = converter.row_group_mins(row_groups).ok()?;
    let maxes = converter.row_group_maxes(row_groups).ok()?;
    let booleans = mins.as_boolean_opt().zip(maxes.as_boolean_opt());
    Some(
        row_groups
            .iter()
            .enumerate()
            .map(|(i, row_group)| RowGroupFigures {
                rows: u64::try_from(row_group.num_rows()).unwrap_or(0),
                nulls: (!null_counts.is_null(i)).then(|| null_counts.value(i)),
                min: bound_at(&mins, i),
                max: bound_at(&maxes, i),
                all_true: booleans.is_some_and(|(mins, _)| mins.is_valid(i) && mins.value(i)),
                all_false: booleans.is_some_and(|(_, maxes)| maxes.is_valid(i) && !maxes.value(i)),
            })
            .collect(),
    )
}

fn column_figures(
    name: &str,
    arrow: &ArrowSchema,
    metadata: &ParquetMetaData,
    rows: u64,
) -> Option<ColumnFigures> {
    column_figures_by(name, arrow, metadata, rows, Reading::StraightWhereItCan)
}

/// How row groups' statistics are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// From the column chunk's statistics for the common types, through the converter for
    /// the others.
    StraightWhereItCan,
    /// Through the converter always (to check the straight reading against it).
    #[cfg_attr(not(test), allow(dead_code))]
    ConverterOnly,
}

fn column_figures_by(
    name: &str,
    arrow: &ArrowSchema,
    metadata: &ParquetMetaData,
    rows: u64,
    reading: Reading,
) -> Option<ColumnFigures> {
    let schema_descr = metadata.file_metadata().schema_descr();
    let (parquet_index, field) = parquet_column(schema_descr, arrow, name)?;
    let data_type = field.data_type();
    let row_groups = metadata.row_groups();
    let straight: Option<Vec<RowGroupFigures>> = match reading {
        Reading::StraightWhereItCan => row_groups
            .iter()
            .map(|row_group| {
                let rows = u64::try_from(row_group.num_rows()).unwrap_or(0);
                direct(
                    data_type,
                    row_group.column(parquet_index).statistics(),
                    rows,
                )
            })
            .collect(),
        Reading::ConverterOnly => None,
    };
    let per_row_group = match straight {
        Some(figures) => figures,
        None => {
            let converter = StatisticsConverter::try_new(name, arrow, schema_descr).ok()?;
            converted(&converter, metadata)?
        }
    };
    let nulls = per_row_group.iter().map(|rg| rg.nulls).sum::<Option<u64>>();
    let mut figures = ColumnFigures {
        nulls,
        bounds_known: true,
        ..ColumnFigures::default()
    };
    // Some writers put NaN in floating-point bounds, which then bound nothing.
    let nan = |bound: &Bound| matches!(bound, Bound::Float(v) if v.is_nan());
    for row_group in &per_row_group {
        match (&row_group.min, &row_group.max) {
            (Some(min), Some(max)) if !nan(min) && !nan(max) => figures.widen(min, max),
            // A row group of nulls only has no bounds to give.
            _ if row_group.nulls == Some(row_group.rows) => {}
            _ => figures.bounds_known = false,
        }
    }
    if !figures.bounds_known {
        figures.min = None;
        figures.max = None;
    }
    let values = nulls.map(|nulls| rows.saturating_sub(nulls));
    match data_type {
        DataType::Boolean => {
            if let Some(values) = values {
                let all = |pick: fn(&RowGroupFigures) -> bool| {
                    per_row_group
                        .iter()
                        .all(|rg| pick(rg) || rg.nulls == Some(rg.rows))
                };
                if all(|rg| rg.all_true) {
                    (figures.trues, figures.falses) = (Some(values), Some(0));
                } else if all(|rg| rg.all_false) {
                    (figures.trues, figures.falses) = (Some(0), Some(values));
                }
            }
        }
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView => {
            let total: Option<i64> = row_groups
                .iter()
                .map(|rg| rg.column(parquet_index).unencoded_byte_array_data_bytes())
                .sum();
            figures.lengths = total.zip(values).map(|(total, values)| Lengths {
                total: u64::try_from(total).unwrap_or(0),
                values,
                max: None,
            });
        }
        _ => {}
    }
    Some(figures)
}

/// Element `i` of a minimums or maximums array as a bound; `None` when null or of a type
/// without bounds (strings, whose footer bounds may be truncated, are left out).
fn bound_at(array: &ArrayRef, i: usize) -> Option<Bound> {
    if i >= array.len() || array.is_null(i) {
        return None;
    }
    let micros = |value: i64, unit: &TimeUnit| match unit {
        TimeUnit::Second => value.checked_mul(1_000_000),
        TimeUnit::Millisecond => value.checked_mul(1_000),
        TimeUnit::Microsecond => Some(value),
        TimeUnit::Nanosecond => Some(value.div_euclid(1_000)),
    };
    Some(match array.data_type() {
        DataType::Int8 => Bound::Int(array.as_primitive::<Int8Type>().value(i).into()),
        DataType::Int16 => Bound::Int(array.as_primitive::<Int16Type>().value(i).into()),
        DataType::Int32 => Bound::Int(array.as_primitive::<Int32Type>().value(i).into()),
        DataType::Int64 => Bound::Int(array.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => Bound::Int(array.as_primitive::<UInt8Type>().value(i).into()),
        DataType::UInt16 => Bound::Int(array.as_primitive::<UInt16Type>().value(i).into()),
        DataType::UInt32 => Bound::Int(array.as_primitive::<UInt32Type>().value(i).into()),
        DataType::UInt64 => {
            Bound::Int(i64::try_from(array.as_primitive::<UInt64Type>().value(i)).ok()?)
        }
        // Writers store a zero minimum as -0.0 (the Parquet format's rule); adding 0.0 turns
        // it into 0.0 and leaves every other value as it is.
        DataType::Float16 => {
            Bound::Float(array.as_primitive::<Float16Type>().value(i).to_f64() + 0.0)
        }
        DataType::Float32 => {
            Bound::Float(f64::from(array.as_primitive::<Float32Type>().value(i)) + 0.0)
        }
        DataType::Float64 => Bound::Float(array.as_primitive::<Float64Type>().value(i) + 0.0),
        DataType::Decimal32(_, scale) => Bound::Decimal(
            array.as_primitive::<Decimal32Type>().value(i).into(),
            *scale,
        ),
        DataType::Decimal64(_, scale) => Bound::Decimal(
            array.as_primitive::<Decimal64Type>().value(i).into(),
            *scale,
        ),
        DataType::Decimal128(_, scale) => {
            Bound::Decimal(array.as_primitive::<Decimal128Type>().value(i), *scale)
        }
        DataType::Date32 => Bound::Date(array.as_primitive::<Date32Type>().value(i)),
        DataType::Date64 => Bound::Date(
            i32::try_from(
                array
                    .as_primitive::<Date64Type>()
                    .value(i)
                    .div_euclid(86_400_000),
            )
            .ok()?,
        ),
        DataType::Timestamp(unit, _) => {
            let value = match unit {
                TimeUnit::Second => array.as_primitive::<TimestampSecondType>().value(i),
                TimeUnit::Millisecond => array.as_primitive::<TimestampMillisecondType>().value(i),
                TimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().value(i),
                TimeUnit::Nanosecond => array.as_primitive::<TimestampNanosecondType>().value(i),
            };
            Bound::Timestamp(micros(value, unit)?)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::arrow::parquet_to_arrow_schema;
    use parquet::file::metadata::ParquetMetaDataReader;

    /// Every column of every parquet-testing file: the straight reading gives what parquet's
    /// converter gives.
    #[test]
    fn straight_reading_agrees_with_the_converter_on_the_corpus() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/corpora/parquet-testing/data");
        let mut compared = 0;
        for entry in std::fs::read_dir(&corpus).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "parquet") {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let bytes = bytes::Bytes::from(bytes);
            let Ok(metadata) = ParquetMetaDataReader::new().parse_and_finish(&bytes) else {
                continue;
            };
            let file = metadata.file_metadata();
            let Ok(arrow) = parquet_to_arrow_schema(file.schema_descr(), file.key_value_metadata())
            else {
                continue;
            };
            let rows = u64::try_from(file.num_rows()).unwrap_or(0);
            for field in arrow.fields() {
                if field.data_type().is_nested() {
                    continue;
                }
                let name = field.name();
                let straight =
                    column_figures_by(name, &arrow, &metadata, rows, Reading::StraightWhereItCan);
                let converted =
                    column_figures_by(name, &arrow, &metadata, rows, Reading::ConverterOnly);
                assert_eq!(straight, converted, "{} column {name}", path.display());
                compared += 1;
            }
        }
        assert!(compared > 100, "only {compared} columns compared");
    }
}
