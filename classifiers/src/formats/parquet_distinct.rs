//! Distinct-value sketches of a Parquet object's top-level primitive columns, from all its
//! rows: asked for by crawlers that compute distinct values, since footers do not record
//! them. Row groups are read one at a time, fetching only the column chunks sketched, so
//! memory stays within one row group's worth of those columns.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, Schema as ArrowSchema, TimeUnit};
use bytes::{Buf, Bytes};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use parquet::errors::ParquetError;
use parquet::file::reader::{ChunkReader, Length};

use crate::error::ClassifyError;
use crate::source::ObjectSource;
use crate::statistics::{DistinctValues, ObjectFigures};

/// Rows decoded at a time.
const BATCH_ROWS: usize = 8192;

/// The column chunks of one row group, fetched by range and served to parquet's reader,
/// which asks only for them.
struct FetchedChunks {
    size: u64,
    chunks: Vec<(u64, Bytes)>,
}

impl FetchedChunks {
    fn slice(&self, start: u64, length: Option<usize>) -> Result<Bytes, ParquetError> {
        for (offset, bytes) in &self.chunks {
            let end = offset + bytes.len() as u64;
            if (*offset..end).contains(&start) {
                let from = (start - offset) as usize;
                let to = match length {
                    Some(length) => from + length,
                    None => bytes.len(),
                };
                if to <= bytes.len() {
                    return Ok(bytes.slice(from..to));
                }
            }
        }
        Err(ParquetError::General(format!(
            "bytes at {start} were not fetched"
        )))
    }
}

impl Length for FetchedChunks {
    fn len(&self) -> u64 {
        self.size
    }
}

impl ChunkReader for FetchedChunks {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> Result<Self::T, ParquetError> {
        Ok(self.slice(start, None)?.reader())
    }

    fn get_bytes(&self, start: u64, length: usize) -> Result<Bytes, ParquetError> {
        self.slice(start, Some(length))
    }
}

/// Adds every value of `array` that is not null to `sketch`; `false` for a type lakecat
/// does not sketch.
fn sketch_array(array: &ArrayRef, sketch: &mut DistinctValues) -> bool {
    macro_rules! primitive {
        ($type:ty) => {
            array
                .as_primitive::<$type>()
                .iter()
                .flatten()
                .for_each(|v| sketch.add(&v.to_le_bytes()))
        };
    }
    match array.data_type() {
        DataType::Boolean => array
            .as_boolean()
            .iter()
            .flatten()
            .for_each(|v| sketch.add(&[u8::from(v)])),
        DataType::Int8 => primitive!(Int8Type),
        DataType::Int16 => primitive!(Int16Type),
        DataType::Int32 => primitive!(Int32Type),
        DataType::Int64 => primitive!(Int64Type),
        DataType::UInt8 => primitive!(UInt8Type),
        DataType::UInt16 => primitive!(UInt16Type),
        DataType::UInt32 => primitive!(UInt32Type),
        DataType::UInt64 => primitive!(UInt64Type),
        // -0.0 and 0.0 are one value.
        DataType::Float32 => array
            .as_primitive::<Float32Type>()
            .iter()
            .flatten()
            .for_each(|v| sketch.add(&(v + 0.0).to_le_bytes())),
        DataType::Float64 => array
            .as_primitive::<Float64Type>()
            .iter()
            .flatten()
            .for_each(|v| sketch.add(&(v + 0.0).to_le_bytes())),
        DataType::Decimal128(..) => primitive!(Decimal128Type),
        DataType::Date32 => primitive!(Date32Type),
        DataType::Date64 => primitive!(Date64Type),
        DataType::Timestamp(TimeUnit::Second, _) => primitive!(TimestampSecondType),
        DataType::Timestamp(TimeUnit::Millisecond, _) => primitive!(TimestampMillisecondType),
        DataType::Timestamp(TimeUnit::Microsecond, _) => primitive!(TimestampMicrosecondType),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => primitive!(TimestampNanosecondType),
        DataType::Utf8 => array
            .as_string::<i32>()
            .iter()
            .flatten()
            .for_each(|v| sketch.add(v.as_bytes())),
        DataType::LargeUtf8 => array
            .as_string::<i64>()
            .iter()
            .flatten()
            .for_each(|v| sketch.add(v.as_bytes())),
        DataType::Utf8View => array
            .as_string_view()
            .iter()
            .flatten()
            .for_each(|v| sketch.add(v.as_bytes())),
        DataType::Binary => array
            .as_binary::<i32>()
            .iter()
            .flatten()
            .for_each(|v| sketch.add(v)),
        DataType::LargeBinary => array
            .as_binary::<i64>()
            .iter()
            .flatten()
            .for_each(|v| sketch.add(v)),
        DataType::BinaryView => array
            .as_binary_view()
            .iter()
            .flatten()
            .for_each(|v| sketch.add(v)),
        _ => return false,
    }
    true
}

/// Reads every row of the object's top-level primitive columns and sets their sketches in
/// `figures`. `guarded` runs parquet's decoder so that a panic on malformed data pages is
/// an error.
pub(super) async fn sketch_distinct_values(
    object: &dyn ObjectSource,
    arrow: &ArrowSchema,
    metadata: ArrowReaderMetadata,
    figures: &mut ObjectFigures,
    guarded: impl Fn(&mut dyn FnMut() -> Result<(), String>) -> Result<(), ClassifyError>,
) -> Result<(), ClassifyError> {
    let parquet_metadata = Arc::clone(metadata.metadata());
    let schema_descr = parquet_metadata.file_metadata().schema_descr();
    // Each sketched column: its position among the roots, and its leaf column's index.
    let mut roots = Vec::new();
    let mut leaves = Vec::new();
    for (root, field) in arrow.fields().iter().enumerate() {
        let has_figures = figures.columns.get(root).is_some_and(Option::is_some);
        if field.data_type().is_nested() || !has_figures {
            continue;
        }
        let leaf = StatisticsConverter::try_new(field.name(), arrow, schema_descr)
            .ok()
            .and_then(|converter| converter.parquet_column_index());
        if let Some(leaf) = leaf {
            roots.push(root);
            leaves.push(leaf);
        }
    }
    if roots.is_empty() {
        return Ok(());
    }
    // One per sketched column, in the order of `roots`, which is the order of a projected
    // batch's columns; `None` once a column turns out to be of a type lakecat does not sketch.
    let mut sketches: Vec<Option<DistinctValues>> =
        roots.iter().map(|_| Some(DistinctValues::new())).collect();
    let size = object.info().size;
    for (index, row_group) in parquet_metadata.row_groups().iter().enumerate() {
        let mut chunks = Vec::with_capacity(leaves.len());
        for &leaf in &leaves {
            let (start, length) = row_group.column(leaf).byte_range();
            let end = start.saturating_add(length).min(size);
            chunks.push((start, object.read_range(start..end).await?));
        }
        let fetched = FetchedChunks { size, chunks };
        let mut fetched = Some(fetched);
        guarded(&mut || {
            let Some(fetched) = fetched.take() else {
                return Ok(());
            };
            let reader =
                ParquetRecordBatchReaderBuilder::new_with_metadata(fetched, metadata.clone())
                    .with_row_groups(vec![index])
                    .with_projection(ProjectionMask::roots(schema_descr, roots.clone()))
                    .with_batch_size(BATCH_ROWS)
                    .build()
                    .map_err(|e| e.to_string())?;
            for batch in reader {
                let batch = batch.map_err(|e| format!("data pages: {e}"))?;
                for (slot, column) in sketches.iter_mut().zip(batch.columns()) {
                    if let Some(sketch) = slot
                        && !sketch_array(column, sketch)
                    {
                        *slot = None;
                    }
                }
            }
            Ok(())
        })?;
    }
    for (root, sketch) in roots.iter().zip(sketches) {
        if let Some(Some(column)) = figures.columns.get_mut(*root) {
            column.distinct = sketch;
        }
    }
    Ok(())
}
