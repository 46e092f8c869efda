//! Parquet: the schema comes from the footer, read with one ranged read in the common case.

use std::panic::{AssertUnwindSafe, catch_unwind};

use async_trait::async_trait;
use bytes::Bytes;
use std::sync::Arc;

use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::parquet_to_arrow_schema;
use parquet::file::metadata::{
    ParquetMetaDataOptions, ParquetMetaDataReader, ParquetStatisticsPolicy,
};

use super::arrow_types::field_of;
use super::parquet_distinct::sketch_distinct_values;
use super::parquet_statistics::footer_figures;
use crate::classifier::{Classification, Classifier, FormatProperties};
use crate::error::ClassifyError;
use crate::schema::Schema;
use crate::source::ObjectSource;
use crate::statistics::StatisticsMode;

const MAGIC: &[u8] = b"PAR1";
const ENCRYPTED_MAGIC: &[u8] = b"PARE";
/// The tail read first: most footers are far smaller (a median of 426 bytes across the
/// parquet-testing files), so one read usually holds the whole footer.
const FOOTER_PREFETCH: u64 = 64 * 1024;
/// Footers larger than this are refused rather than read into memory.
const MAX_FOOTER_BYTES: u64 = 64 * 1024 * 1024;
/// Objects up to this size also have their first rows decoded, so that corrupt data pages
/// (which a footer does not reveal) are reported instead of becoming a table that fails at
/// query time. Larger objects are classified from the footer alone.
const VALIDATE_MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Rows decoded to validate an object.
const VALIDATE_ROWS: usize = 1024;
/// Objects whose first row group decompresses to more than this are not validated, so that
/// memory stays bounded whatever the compression ratio.
const VALIDATE_MAX_ROW_GROUP_BYTES: i64 = 64 * 1024 * 1024;

/// Recognizes Parquet files by their trailing magic and reads the schema from the footer.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParquetClassifier;

fn corrupt(reason: impl Into<String>) -> ClassifyError {
    ClassifyError::corrupt("parquet", reason)
}

/// The footer metadata bytes (without the 8-byte length and magic trailer).
async fn footer(object: &dyn ObjectSource) -> Result<Option<Bytes>, ClassifyError> {
    let size = object.info().size;
    if size < 8 {
        return Ok(None);
    }
    let tail_len = size.min(FOOTER_PREFETCH);
    let tail = object.read_range(size - tail_len..size).await?;
    if (tail.len() as u64) < tail_len {
        // A sample of a larger object (such as the decompressed start of a compressed one)
        // has no footer to read.
        return Ok(None);
    }
    let trailer = &tail[tail.len() - 8..];
    if &trailer[4..] == ENCRYPTED_MAGIC {
        return Err(corrupt(
            "the footer is encrypted; lakecat cannot read encrypted Parquet",
        ));
    }
    if &trailer[4..] != MAGIC {
        return Ok(None);
    }
    let length = u64::from(u32::from_le_bytes([
        trailer[0], trailer[1], trailer[2], trailer[3],
    ]));
    if length + 8 > size.saturating_sub(4) {
        return Err(corrupt(format!(
            "the footer claims {length} bytes but the file has {size}"
        )));
    }
    if length > MAX_FOOTER_BYTES {
        return Err(corrupt(format!(
            "the footer is {length} bytes, over the {MAX_FOOTER_BYTES}-byte limit"
        )));
    }
    if length + 8 <= tail_len {
        let start = (tail_len - 8 - length) as usize;
        return Ok(Some(tail.slice(start..tail.len() - 8)));
    }
    let metadata = object.read_range(size - 8 - length..size - 8).await?;
    if metadata.len() as u64 != length {
        return Err(corrupt("the object ended while reading the footer"));
    }
    Ok(Some(metadata))
}

/// Runs a third-party decoder, turning a panic on malformed input into a corrupt-object error.
fn guarded<T>(decode: impl FnOnce() -> Result<T, String>) -> Result<T, ClassifyError> {
    match catch_unwind(AssertUnwindSafe(decode)) {
        Ok(result) => result.map_err(corrupt),
        Err(_) => Err(corrupt("the metadata decoder failed on malformed input")),
    }
}

#[async_trait]
impl Classifier for ParquetClassifier {
    fn name(&self) -> &str {
        "parquet"
    }

    async fn classify(
        &self,
        object: &dyn ObjectSource,
    ) -> Result<Option<Classification>, ClassifyError> {
        let Some(footer) = footer(object).await? else {
            return Ok(None);
        };
        let figures_wanted = object.statistics_mode() != StatisticsMode::Off;
        let decoded = guarded(|| {
            // Statistics say nothing about the schema: skipping them when they are not wanted
            // is faster and tolerates footers whose statistics other writers encoded loosely.
            let column_statistics = if figures_wanted {
                ParquetStatisticsPolicy::KeepAll
            } else {
                ParquetStatisticsPolicy::SkipAll
            };
            let options = ParquetMetaDataOptions::new()
                .with_encoding_stats_policy(ParquetStatisticsPolicy::SkipAll)
                .with_column_stats_policy(column_statistics.clone())
                .with_size_stats_policy(column_statistics);
            let metadata =
                ParquetMetaDataReader::decode_metadata_with_options(&footer, Some(&options))
                    .map_err(|e| e.to_string())?;
            let file = metadata.file_metadata();
            let arrow = parquet_to_arrow_schema(file.schema_descr(), file.key_value_metadata())
                .map_err(|e| e.to_string())?;
            let first_row_group_bytes = metadata
                .row_groups()
                .first()
                .map_or(0, |rg| rg.total_byte_size());
            let rows = file.num_rows();
            let figures = figures_wanted.then(|| footer_figures(&arrow, &metadata));
            Ok((
                arrow,
                rows,
                first_row_group_bytes,
                Arc::new(metadata),
                figures,
            ))
        })?;
        let (arrow, rows, first_row_group_bytes, metadata, mut figures) = decoded;
        let size = object.info().size;
        if object.check_content()
            && size <= VALIDATE_MAX_BYTES
            && first_row_group_bytes <= VALIDATE_MAX_ROW_GROUP_BYTES
        {
            let content = object.read_range(0..size).await?;
            guarded(|| {
                // The footer decoded above is reused, and the schema is taken from it, not
                // from the embedded Arrow schema again: decoding twice cost a third of a
                // crawl of small files.
                let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
                let reader = ArrowReaderMetadata::try_new(Arc::clone(&metadata), options)
                    .and_then(|decoded| {
                        ParquetRecordBatchReaderBuilder::new_with_metadata(content, decoded)
                            .with_batch_size(VALIDATE_ROWS)
                            .with_limit(VALIDATE_ROWS)
                            .build()
                    })
                    .map_err(|e| e.to_string())?;
                for batch in reader {
                    batch.map_err(|e| format!("data pages: {e}"))?;
                }
                Ok(())
            })?;
        }
        if let Some(figures) = figures.as_mut()
            && object.statistics_mode() == StatisticsMode::WithDistinctValues
        {
            let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
            let reader_metadata = guarded(|| {
                ArrowReaderMetadata::try_new(metadata.clone(), options).map_err(|e| e.to_string())
            })?;
            sketch_distinct_values(object, &arrow, reader_metadata, figures, |decode| {
                guarded(decode)
            })
            .await?;
        }
        let mut warnings = Vec::new();
        let fields = arrow
            .fields()
            .iter()
            .map(|f| field_of(f, &mut warnings, f.name()))
            .collect();
        let mut properties = FormatProperties {
            serde_library: Some(
                "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe".into(),
            ),
            input_format: Some(
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat".into(),
            ),
            output_format: Some(
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat".into(),
            ),
            record_count: u64::try_from(rows).ok(),
            ..FormatProperties::default()
        };
        properties
            .serde_parameters
            .insert("serialization.format".into(), "1".into());
        Ok(Some(Classification {
            classification: "parquet".into(),
            certainty: 1.0,
            schema: Schema::new(fields),
            properties,
            warnings,
            statistics: figures,
        }))
    }
}
