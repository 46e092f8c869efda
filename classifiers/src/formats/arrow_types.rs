//! Arrow types to Hive types, for the binary formats whose schemas arrive as Arrow schemas.

use arrow_schema::{DataType, Field as ArrowField, TimeUnit};

use crate::schema::{Field, HiveType};

/// The Hive type of an Arrow type, and a warning when the mapping loses something.
///
/// Unsigned integers take the next wider signed type (`uint64` needs `decimal(20,0)`);
/// times of day, which Hive lacks, become `string`; intervals and durations too; Arrow's
/// null type becomes `string`, as Glue types all-null columns.
pub fn hive_type_of(data_type: &DataType, warnings: &mut Vec<String>, path: &str) -> HiveType {
    match data_type {
        DataType::Boolean => HiveType::Boolean,
        DataType::Int8 => HiveType::TinyInt,
        DataType::Int16 | DataType::UInt8 => HiveType::SmallInt,
        DataType::Int32 | DataType::UInt16 => HiveType::Int,
        DataType::Int64 | DataType::UInt32 => HiveType::BigInt,
        DataType::UInt64 => HiveType::Decimal {
            precision: 20,
            scale: 0,
        },
        DataType::Float16 | DataType::Float32 => HiveType::Float,
        DataType::Float64 => HiveType::Double,
        DataType::Decimal32(p, s)
        | DataType::Decimal64(p, s)
        | DataType::Decimal128(p, s)
        | DataType::Decimal256(p, s) => {
            if *p > 38 {
                warnings.push(format!(
                    "{path}: decimal({p},{s}) exceeds Hive's 38 digits; typed string"
                ));
                HiveType::String
            } else {
                HiveType::Decimal {
                    precision: *p,
                    scale: *s,
                }
            }
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => HiveType::String,
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => HiveType::Binary,
        DataType::Date32 | DataType::Date64 => HiveType::Date,
        DataType::Timestamp(_, _) => HiveType::Timestamp,
        DataType::Time32(_) | DataType::Time64(_) => {
            warnings.push(format!(
                "{path}: Hive has no time-of-day type; typed string"
            ));
            HiveType::String
        }
        DataType::Duration(
            TimeUnit::Second | TimeUnit::Millisecond | TimeUnit::Microsecond | TimeUnit::Nanosecond,
        ) => HiveType::BigInt,
        DataType::Interval(_) => {
            warnings.push(format!("{path}: Hive has no interval type; typed string"));
            HiveType::String
        }
        DataType::Null => HiveType::String,
        DataType::List(item)
        | DataType::LargeList(item)
        | DataType::ListView(item)
        | DataType::LargeListView(item)
        | DataType::FixedSizeList(item, _) => HiveType::Array(Box::new(hive_type_of(
            item.data_type(),
            warnings,
            &format!("{path}[]"),
        ))),
        DataType::Struct(fields) => HiveType::Struct(
            fields
                .iter()
                .map(|f| field_of(f, warnings, &format!("{path}.{}", f.name())))
                .collect(),
        ),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => HiveType::Map(
                Box::new(hive_type_of(
                    kv[0].data_type(),
                    warnings,
                    &format!("{path}.key"),
                )),
                Box::new(hive_type_of(
                    kv[1].data_type(),
                    warnings,
                    &format!("{path}.value"),
                )),
            ),
            other => {
                warnings.push(format!("{path}: map entries of type {other}; typed string"));
                HiveType::String
            }
        },
        DataType::Dictionary(_, value) => hive_type_of(value, warnings, path),
        DataType::RunEndEncoded(_, values) => hive_type_of(values.data_type(), warnings, path),
        DataType::Union(_, _) => {
            warnings.push(format!("{path}: Hive has no union type; typed string"));
            HiveType::String
        }
    }
}

/// An Arrow field as a Hive field.
pub(crate) fn field_of(field: &ArrowField, warnings: &mut Vec<String>, path: &str) -> Field {
    Field::new(
        field.name().clone(),
        hive_type_of(field.data_type(), warnings, path),
    )
}
