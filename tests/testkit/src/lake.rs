//! Lake generators: files with known schemas in partition folders, written to a local
//! folder (which an [`crate::s3::S3Server`] can also serve).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;

/// Columns of generated Parquet files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    /// `id bigint, name string, amount double`.
    Base,
    /// `Base` plus `discount double`: a column added later.
    WithDiscount,
    /// `sensor string, reading double`: unrelated to `Base`.
    Sensor,
}

/// Writes a Parquet file with `rows` rows of `columns` at `path`, creating folders.
pub fn write_parquet(path: &Path, columns: Columns, rows: usize) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(0..rows as i64));
    let names: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..rows).map(|i| format!("name-{i}")),
    ));
    let amounts: ArrayRef = Arc::new(Float64Array::from_iter_values(
        (0..rows).map(|i| i as f64 * 1.5),
    ));
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = match columns {
        Columns::Base => (
            vec![
                Field::new("id", DataType::Int64, false),
                Field::new("name", DataType::Utf8, false),
                Field::new("amount", DataType::Float64, false),
            ],
            vec![ids, names, amounts],
        ),
        Columns::WithDiscount => (
            vec![
                Field::new("id", DataType::Int64, false),
                Field::new("name", DataType::Utf8, false),
                Field::new("amount", DataType::Float64, false),
                Field::new("discount", DataType::Float64, false),
            ],
            vec![ids, names, amounts.clone(), amounts],
        ),
        Columns::Sensor => (
            vec![
                Field::new("sensor", DataType::Utf8, false),
                Field::new("reading", DataType::Float64, false),
            ],
            vec![names, amounts],
        ),
    };
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?;
    let mut writer = ArrowWriter::try_new(File::create(path)?, batch.schema(), None)?;
    writer.write(&batch)?;
    writer.close()?;
    Ok(())
}

/// Writes a text file, creating folders.
pub fn write_text(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)?;
    Ok(())
}
