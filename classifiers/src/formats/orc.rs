//! ORC: the schema comes from the file footer, found through the postscript at the end of
//! the file (one ranged read in the common case). The footer is protobuf, possibly in
//! compressed chunks; only the fields lakecat needs are decoded, by a small protobuf reader.

use std::io::Read;

use async_trait::async_trait;

use crate::classifier::{Classification, Classifier, FormatProperties};
use crate::error::ClassifyError;
use crate::schema::{Field, HiveType, Schema};
use crate::source::ObjectSource;
use crate::statistics::StatisticsMode;

use super::orc_statistics::footer_figures;

/// The tail read first: postscript and footer are usually far smaller.
const TAIL_PREFETCH: u64 = 64 * 1024;
/// Footers larger than this are refused.
const MAX_FOOTER_BYTES: u64 = 16 * 1024 * 1024;
/// Type trees deeper than this are refused.
const MAX_DEPTH: usize = 64;

/// Recognizes ORC files and reads their schema from the footer.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrcClassifier;

fn corrupt(reason: impl Into<String>) -> ClassifyError {
    ClassifyError::corrupt("orc", reason)
}

/// A protobuf field value.
pub(super) enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    /// A 64-bit fixed-width value (a `double`'s bits).
    Fixed64(u64),
    Other,
}

/// Reads protobuf fields one by one.
pub(super) struct Protobuf<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Protobuf<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Protobuf { bytes, at: 0 }
    }

    pub(super) fn varint(&mut self) -> Result<u64, ClassifyError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self
                .bytes
                .get(self.at)
                .ok_or_else(|| corrupt("a protobuf varint runs past the end"))?;
            self.at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(corrupt("a protobuf varint is too long"))
    }

    /// The next field number and value, or `None` at the end.
    pub(super) fn next(&mut self) -> Result<Option<(u64, Value<'a>)>, ClassifyError> {
        if self.at >= self.bytes.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                let bytes = self
                    .bytes
                    .get(self.at..self.at + 8)
                    .ok_or_else(|| corrupt("a protobuf field runs past the end"))?;
                self.at += 8;
                let mut word = [0u8; 8];
                word.copy_from_slice(bytes);
                Value::Fixed64(u64::from_le_bytes(word))
            }
            2 => {
                let length =
                    usize::try_from(self.varint()?).map_err(|_| corrupt("a length overflows"))?;
                let end = self
                    .at
                    .checked_add(length)
                    .ok_or_else(|| corrupt("a length overflows"))?;
                let bytes = self
                    .bytes
                    .get(self.at..end)
                    .ok_or_else(|| corrupt("a protobuf field runs past the end"))?;
                self.at = end;
                Value::Bytes(bytes)
            }
            5 => {
                self.skip(4)?;
                Value::Other
            }
            wire => {
                return Err(corrupt(format!(
                    "protobuf wire type {wire} is not supported"
                )));
            }
        };
        Ok(Some((key >> 3, value)))
    }

    fn skip(&mut self, n: usize) -> Result<(), ClassifyError> {
        if self.at + n > self.bytes.len() {
            return Err(corrupt("a protobuf field runs past the end"));
        }
        self.at += n;
        Ok(())
    }
}

/// One entry of the footer's flattened type tree.
#[derive(Debug, Default)]
struct OrcType {
    kind: u64,
    subtypes: Vec<u64>,
    field_names: Vec<String>,
    precision: u64,
    scale: u64,
}

fn orc_type(bytes: &[u8]) -> Result<OrcType, ClassifyError> {
    let mut t = OrcType::default();
    let mut fields = Protobuf::new(bytes);
    while let Some((number, value)) = fields.next()? {
        match (number, value) {
            (1, Value::Varint(kind)) => t.kind = kind,
            (2, Value::Varint(subtype)) => t.subtypes.push(subtype),
            (2, Value::Bytes(packed)) => {
                let mut items = Protobuf::new(packed);
                while items.at < packed.len() {
                    t.subtypes.push(items.varint()?);
                }
            }
            (3, Value::Bytes(name)) => t
                .field_names
                .push(String::from_utf8_lossy(name).into_owned()),
            (5, Value::Varint(precision)) => t.precision = precision,
            (6, Value::Varint(scale)) => t.scale = scale,
            _ => {}
        }
    }
    Ok(t)
}

fn hive_type(types: &[OrcType], index: u64, depth: usize) -> Result<HiveType, ClassifyError> {
    if depth > MAX_DEPTH {
        return Err(corrupt("the type tree is deeper than 64 levels"));
    }
    let t = usize::try_from(index)
        .ok()
        .and_then(|i| types.get(i))
        .ok_or_else(|| corrupt(format!("type {index} does not exist")))?;
    let child = |n: usize| -> Result<HiveType, ClassifyError> {
        let sub = *t
            .subtypes
            .get(n)
            .ok_or_else(|| corrupt(format!("type {index} lacks a subtype")))?;
        if sub <= index {
            return Err(corrupt(format!("type {index} refers back to type {sub}")));
        }
        hive_type(types, sub, depth + 1)
    };
    Ok(match t.kind {
        0 => HiveType::Boolean,
        1 => HiveType::TinyInt,
        2 => HiveType::SmallInt,
        3 => HiveType::Int,
        4 => HiveType::BigInt,
        5 => HiveType::Float,
        6 => HiveType::Double,
        7 | 16 | 17 => HiveType::String,
        8 => HiveType::Binary,
        9 | 18 => HiveType::Timestamp,
        10 => HiveType::Array(Box::new(child(0)?)),
        11 => HiveType::Map(Box::new(child(0)?), Box::new(child(1)?)),
        12 => {
            let mut fields = Vec::with_capacity(t.subtypes.len());
            for (n, name) in t.field_names.iter().enumerate() {
                fields.push(Field::new(name.clone(), child(n)?));
            }
            HiveType::Struct(fields)
        }
        13 => HiveType::String,
        14 => match (u8::try_from(t.precision), i8::try_from(t.scale)) {
            // Precision 0: the writer left it out, and Hive reads such decimals as (38,18).
            (Ok(0), _) => HiveType::Decimal {
                precision: 38,
                scale: 18,
            },
            (Ok(precision), Ok(scale)) if precision <= 38 => HiveType::Decimal { precision, scale },
            _ => {
                return Err(corrupt(format!(
                    "decimal({},{}) is out of range",
                    t.precision, t.scale
                )));
            }
        },
        15 => HiveType::Date,
        kind => return Err(corrupt(format!("type kind {kind} is unknown"))),
    })
}

/// The footer's bytes, decompressed: compressed ORC metadata comes in chunks, each with a
/// 3-byte header holding its length and whether it is stored as is.
fn decompress(compression: u64, footer: &[u8]) -> Result<Vec<u8>, ClassifyError> {
    if compression == 0 {
        return Ok(footer.to_vec());
    }
    let mut out = Vec::new();
    let mut at = 0;
    while at < footer.len() {
        let header = footer
            .get(at..at + 3)
            .ok_or_else(|| corrupt("a footer chunk header is cut short"))?;
        let value = u32::from(header[0]) | u32::from(header[1]) << 8 | u32::from(header[2]) << 16;
        let (length, original) = ((value >> 1) as usize, value & 1 == 1);
        at += 3;
        let chunk = footer
            .get(at..at + length)
            .ok_or_else(|| corrupt("a footer chunk runs past the footer"))?;
        at += length;
        if original {
            out.extend_from_slice(chunk);
            continue;
        }
        let limit = MAX_FOOTER_BYTES as usize;
        match compression {
            1 => {
                flate2::read::DeflateDecoder::new(chunk)
                    .take(limit as u64)
                    .read_to_end(&mut out)
                    .map_err(|e| corrupt(format!("zlib footer: {e}")))?;
            }
            2 => out.extend(
                snap::raw::Decoder::new()
                    .decompress_vec(chunk)
                    .map_err(|e| corrupt(format!("snappy footer: {e}")))?,
            ),
            3 => return Err(corrupt("LZO-compressed footers are not supported")),
            4 => {
                // ORC's LZ4 is the block format, without a frame, of unknown decompressed size.
                let decoded = lz4_flex::block::decompress(chunk, limit)
                    .map_err(|e| corrupt(format!("lz4 footer: {e}")))?;
                out.extend(decoded);
            }
            5 => {
                zstd::stream::read::Decoder::new(chunk)
                    .map_err(|e| corrupt(format!("zstd footer: {e}")))?
                    .take(limit as u64)
                    .read_to_end(&mut out)
                    .map_err(|e| corrupt(format!("zstd footer: {e}")))?;
            }
            other => return Err(corrupt(format!("compression kind {other} is unknown"))),
        }
        if out.len() > limit {
            return Err(corrupt("the footer decompresses to more than 16 MB"));
        }
    }
    Ok(out)
}

#[async_trait]
impl Classifier for OrcClassifier {
    fn name(&self) -> &str {
        "orc"
    }

    async fn classify(
        &self,
        object: &dyn ObjectSource,
    ) -> Result<Option<Classification>, ClassifyError> {
        let size = object.info().size;
        if size < 4 {
            return Ok(None);
        }
        let head = object.read_range(0..3).await?;
        if head.as_ref() != b"ORC" {
            return Ok(None);
        }
        let tail_len = size.min(TAIL_PREFETCH);
        let tail = object.read_range(size - tail_len..size).await?;
        if (tail.len() as u64) < tail_len {
            return Ok(None);
        }
        let ps_len = u64::from(tail[tail.len() - 1]);
        if ps_len + 1 > tail_len {
            return Err(corrupt("the postscript is longer than the file"));
        }
        let ps_start = tail.len() - 1 - ps_len as usize;
        let mut footer_len = 0u64;
        let mut compression = 0u64;
        let mut postscript = Protobuf::new(&tail[ps_start..tail.len() - 1]);
        let mut magic = false;
        while let Some((number, value)) = postscript.next()? {
            match (number, value) {
                (1, Value::Varint(v)) => footer_len = v,
                (2, Value::Varint(v)) => compression = v,
                (8000, Value::Bytes(b)) => magic = b == b"ORC",
                _ => {}
            }
        }
        if !magic {
            return Err(corrupt("the postscript lacks the ORC magic"));
        }
        if footer_len > MAX_FOOTER_BYTES || footer_len + ps_len + 1 > size {
            return Err(corrupt(format!(
                "the footer claims {footer_len} bytes in a {size}-byte file"
            )));
        }
        let footer_end = size - 1 - ps_len;
        let footer_bytes = if footer_len + ps_len < tail_len {
            tail.slice(ps_start - footer_len as usize..ps_start)
        } else {
            object
                .read_range(footer_end - footer_len..footer_end)
                .await?
        };
        let footer = decompress(compression, &footer_bytes)?;
        let mut types = Vec::new();
        let mut rows = None;
        let mut column_statistics = Vec::new();
        let mut fields = Protobuf::new(&footer);
        while let Some((number, value)) = fields.next()? {
            match (number, value) {
                (4, Value::Bytes(t)) => types.push(orc_type(t)?),
                (6, Value::Varint(n)) => rows = Some(n),
                (7, Value::Bytes(s)) => column_statistics.push(s),
                _ => {}
            }
        }
        let schema = match hive_type(&types, 0, 0)? {
            HiveType::Struct(fields) => Schema::new(fields),
            other => Schema::new(vec![Field::new("_col0", other)]),
        };
        let statistics = match (object.statistics_mode(), types.first()) {
            (StatisticsMode::Off, _) | (_, None) => None,
            (_, Some(root)) => Some(footer_figures(
                &schema,
                &root.subtypes,
                &column_statistics,
                rows.unwrap_or(0),
            )?),
        };
        let mut properties = FormatProperties {
            serde_library: Some("org.apache.hadoop.hive.ql.io.orc.OrcSerde".into()),
            input_format: Some("org.apache.hadoop.hive.ql.io.orc.OrcInputFormat".into()),
            output_format: Some("org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat".into()),
            record_count: rows,
            ..FormatProperties::default()
        };
        properties
            .serde_parameters
            .insert("serialization.format".into(), "1".into());
        Ok(Some(Classification {
            classification: "orc".into(),
            certainty: 1.0,
            schema,
            properties,
            warnings: Vec::new(),
            statistics,
        }))
    }
}
