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
use parquet::file::metadata::ParquetMetaData;

use crate::statistics::{Bound, ColumnFigures, Lengths, RowStatistics};

/// The figures of every top-level primitive column of a Parquet object.
pub(super) fn footer_figures(arrow: &ArrowSchema, metadata: &ParquetMetaData) -> RowStatistics {
    let rows = u64::try_from(metadata.file_metadata().num_rows()).unwrap_or(0);
    let columns = arrow
        .fields()
        .iter()
        .filter(|field| !field.data_type().is_nested())
        .filter_map(|field| {
            let figures = column_figures(field.name(), arrow, metadata, rows)?;
            Some((field.name().clone(), figures))
        })
        .collect();
    RowStatistics {
        rows,
        sampled: false,
        columns,
    }
}

fn column_figures(
    name: &str,
    arrow: &ArrowSchema,
    metadata: &ParquetMetaData,
    rows: u64,
) -> Option<ColumnFigures> {
    let converter =
        StatisticsConverter::try_new(name, arrow, metadata.file_metadata().schema_descr()).ok()?;
    let parquet_index = converter.parquet_column_index()?;
    let row_groups = metadata.row_groups();
    let null_counts = converter.row_group_null_counts(row_groups).ok()?;
    let nulls = if null_counts.null_count() == 0 {
        Some(null_counts.values().iter().sum::<u64>())
    } else {
        None
    };
    let data_type = converter.arrow_field().data_type();
    let mins = converter.row_group_mins(row_groups).ok()?;
    let maxes = converter.row_group_maxes(row_groups).ok()?;
    // A row group with values but no minimum or maximum leaves the bounds unknown.
    let row_group_values = |i: usize| {
        let rows = u64::try_from(row_groups[i].num_rows()).unwrap_or(0);
        rows.saturating_sub(if null_counts.is_null(i) {
            0
        } else {
            null_counts.value(i)
        })
    };
    let mut figures = ColumnFigures {
        nulls,
        bounds_known: true,
        ..ColumnFigures::default()
    };
    for i in 0..row_groups.len() {
        let (min, max) = (bound_at(&mins, i), bound_at(&maxes, i));
        match (min, max) {
            (Some(min), Some(max)) => figures.widen(&min, &max),
            _ if row_group_values(i) == 0 && !null_counts.is_null(i) => {}
            _ => figures.bounds_known = false,
        }
    }
    if !figures.bounds_known {
        figures.min = None;
        figures.max = None;
    }
    match data_type {
        DataType::Boolean => boolean_counts(&mut figures, &mins, &maxes, rows),
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
            figures.lengths = total.zip(nulls).map(|(total, nulls)| Lengths {
                total: u64::try_from(total).unwrap_or(0),
                values: rows.saturating_sub(nulls),
                max: None,
            });
        }
        _ => {}
    }
    Some(figures)
}

/// True and false counts of a boolean column, known from the footer only when every row
/// group's values are all the same.
fn boolean_counts(figures: &mut ColumnFigures, mins: &ArrayRef, maxes: &ArrayRef, rows: u64) {
    let (Some(mins), Some(maxes)) = (mins.as_boolean_opt(), maxes.as_boolean_opt()) else {
        return;
    };
    let Some(nulls) = figures.nulls else { return };
    let values = rows.saturating_sub(nulls);
    let all = |array: &arrow_array::BooleanArray, value: bool| {
        array.null_count() == 0 && array.iter().all(|v| v == Some(value))
    };
    if all(mins, true) {
        (figures.trues, figures.falses) = (Some(values), Some(0));
    } else if all(maxes, false) {
        (figures.trues, figures.falses) = (Some(0), Some(values));
    } else if values == 0 {
        (figures.trues, figures.falses) = (Some(0), Some(0));
    }
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
