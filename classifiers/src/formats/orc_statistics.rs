//! Column figures from an ORC footer: its file-level `ColumnStatistics`, one per type in
//! the flattened type tree, of which lakecat reads the top-level columns'. Exact: ORC
//! writers compute them over every row.

use crate::error::ClassifyError;
use crate::schema::{HiveType, Schema};
use crate::statistics::{Bound, ColumnFigures, Lengths, ObjectFigures};

use super::orc::{Protobuf, Value};

/// Zigzag-decodes a protobuf `sint64`.
fn signed(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// The fields of one `ColumnStatistics` lakecat reads.
#[derive(Debug, Default)]
struct OrcColumnStatistics {
    values: Option<u64>,
    int_bounds: (Option<i64>, Option<i64>),
    double_bounds: (Option<f64>, Option<f64>),
    text_bounds: (Option<String>, Option<String>),
    total_length: Option<u64>,
    trues: Option<u64>,
    date_bounds: (Option<i32>, Option<i32>),
    timestamp_bounds_millis: (Option<i64>, Option<i64>),
}

/// The two bounds of a nested statistics message, read with `read` for fields 1 and 2 (and
/// `utc` fields 3 and 4 for timestamps).
fn bounds<T>(
    bytes: &[u8],
    fields: (u64, u64),
    read: impl Fn(Value<'_>) -> Option<T>,
) -> Result<(Option<T>, Option<T>), ClassifyError> {
    let mut found = (None, None);
    let mut message = Protobuf::new(bytes);
    while let Some((number, value)) = message.next()? {
        if number == fields.0 {
            found.0 = read(value);
        } else if number == fields.1 {
            found.1 = read(value);
        }
    }
    Ok(found)
}

/// The first field `wanted` of a nested message, as a varint.
fn varint_field(bytes: &[u8], wanted: u64) -> Result<Option<u64>, ClassifyError> {
    let mut message = Protobuf::new(bytes);
    while let Some((number, value)) = message.next()? {
        if number == wanted
            && let Value::Varint(v) = value
        {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

fn parse(bytes: &[u8]) -> Result<OrcColumnStatistics, ClassifyError> {
    let int = |value: Value<'_>| match value {
        Value::Varint(v) => Some(signed(v)),
        _ => None,
    };
    let mut parsed = OrcColumnStatistics::default();
    let mut message = Protobuf::new(bytes);
    while let Some((number, value)) = message.next()? {
        match (number, value) {
            (1, Value::Varint(n)) => parsed.values = Some(n),
            (2, Value::Bytes(b)) => parsed.int_bounds = bounds(b, (1, 2), int)?,
            (3, Value::Bytes(b)) => {
                parsed.double_bounds = bounds(b, (1, 2), |value| match value {
                    Value::Fixed64(bits) => Some(f64::from_bits(bits)),
                    _ => None,
                })?;
            }
            (4 | 6, Value::Bytes(b)) => {
                // Strings (field 4) and decimals (field 6) hold their bounds as text; a
                // string's field 3 is the total length of its values.
                parsed.text_bounds = bounds(b, (1, 2), |value| match value {
                    Value::Bytes(text) => std::str::from_utf8(text).ok().map(str::to_string),
                    _ => None,
                })?;
                if number == 4 {
                    parsed.total_length = varint_field(b, 3)?.map(signed).map(|n| n.max(0) as u64);
                }
            }
            (5, Value::Bytes(b)) => {
                // Bucket counts: the first is the number of true values (packed or not).
                let mut buckets = Protobuf::new(b);
                while let Some((field, value)) = buckets.next()? {
                    match (field, value) {
                        (1, Value::Varint(trues)) => parsed.trues = Some(trues),
                        (1, Value::Bytes(packed)) => {
                            parsed.trues = Some(Protobuf::new(packed).varint()?);
                        }
                        _ => {}
                    }
                    if parsed.trues.is_some() {
                        break;
                    }
                }
            }
            (7, Value::Bytes(b)) => {
                let (min, max) = bounds(b, (1, 2), int)?;
                parsed.date_bounds = (
                    min.and_then(|d| i32::try_from(d).ok()),
                    max.and_then(|d| i32::try_from(d).ok()),
                );
            }
            (8, Value::Bytes(b)) => {
                parsed.total_length = varint_field(b, 1)?.map(signed).map(|n| n.max(0) as u64);
            }
            (9, Value::Bytes(b)) => parsed.timestamp_bounds_millis = bounds(b, (3, 4), int)?,
            _ => {}
        }
    }
    Ok(parsed)
}

/// A decimal's text (`-12.5`) as an unscaled value at `scale`; `None` when it has more
/// fraction digits than the scale or is not a decimal.
fn unscaled_at(text: &str, scale: i8) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let scale = usize::try_from(scale).ok()?;
    if fraction.len() > scale
        || !whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let padded = format!("{whole}{fraction:0<scale$}");
    let value: i128 = padded.parse().ok()?;
    Some(if negative { -value } else { value })
}

/// The figures of every top-level column. `field_types` are the type ids of the top-level
/// columns, in order; `statistics` are the footer's, one per type id.
pub(super) fn footer_figures(
    schema: &Schema,
    field_types: &[u64],
    statistics: &[&[u8]],
    rows: u64,
) -> Result<ObjectFigures, ClassifyError> {
    let mut columns = vec![None; schema.fields.len()];
    for ((field, type_id), slot) in schema.fields.iter().zip(field_types).zip(&mut columns) {
        let Some(bytes) = usize::try_from(*type_id)
            .ok()
            .and_then(|i| statistics.get(i))
        else {
            continue;
        };
        let parsed = parse(bytes)?;
        let Some(values) = parsed.values else {
            continue;
        };
        let mut figures = ColumnFigures {
            nulls: Some(rows.saturating_sub(values)),
            bounds_known: true,
            ..ColumnFigures::default()
        };
        let bounds = match &field.data_type {
            HiveType::TinyInt | HiveType::SmallInt | HiveType::Int | HiveType::BigInt => (
                parsed.int_bounds.0.map(Bound::Int),
                parsed.int_bounds.1.map(Bound::Int),
            ),
            HiveType::Float | HiveType::Double => (
                parsed.double_bounds.0.map(Bound::Float),
                parsed.double_bounds.1.map(Bound::Float),
            ),
            HiveType::Decimal { scale, .. } => {
                let at_scale = |text: &Option<String>| {
                    text.as_deref()
                        .and_then(|t| unscaled_at(t, *scale))
                        .map(|v| Bound::Decimal(v, *scale))
                };
                (
                    at_scale(&parsed.text_bounds.0),
                    at_scale(&parsed.text_bounds.1),
                )
            }
            HiveType::Date => (
                parsed.date_bounds.0.map(Bound::Date),
                parsed.date_bounds.1.map(Bound::Date),
            ),
            HiveType::Timestamp => {
                let (min, max) = parsed.timestamp_bounds_millis;
                // Milliseconds: the latest value may lie up to a millisecond later.
                (
                    min.and_then(|ms| ms.checked_mul(1000))
                        .map(Bound::Timestamp),
                    max.and_then(|ms| ms.checked_mul(1000)?.checked_add(999))
                        .map(Bound::Timestamp),
                )
            }
            HiveType::Boolean => {
                figures.trues = parsed.trues;
                figures.falses = parsed.trues.map(|t| values.saturating_sub(t));
                (None, None)
            }
            HiveType::String | HiveType::Binary => {
                figures.lengths = parsed.total_length.map(|total| Lengths {
                    total,
                    values,
                    max: None,
                });
                (None, None)
            }
            HiveType::Array(_) | HiveType::Map(..) | HiveType::Struct(_) => continue,
        };
        match bounds {
            (Some(min), Some(max)) => figures.widen(&min, &max),
            _ if values == 0 => {}
            _ => {
                figures.bounds_known = matches!(
                    field.data_type,
                    HiveType::Boolean | HiveType::String | HiveType::Binary
                )
            }
        }
        *slot = Some(figures);
    }
    Ok(ObjectFigures {
        rows,
        sampled: false,
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text_is_read_at_the_column_scale() {
        let cases = [
            ("1.5", 2, Some(150)),
            ("-20", 2, Some(-2000)),
            ("0.001", 2, None),
            ("1e5", 2, None),
            ("7", 0, Some(7)),
        ];
        for (text, scale, expected) in cases {
            assert_eq!(unscaled_at(text, scale), expected, "{text}");
        }
    }

    #[test]
    fn signed_varints_unzigzag() {
        assert_eq!(
            [0, 1, 2, 3, 4].map(signed),
            [0, -1, 1, -2, 2],
            "protobuf sint64"
        );
    }
}
