//! Whole-object compression: detected from the first bytes (not the name), and undone into a
//! bounded sample that the classifiers read as if it were the object.
//!
//! gzip, bzip2, Zstandard, LZ4 frames, Snappy (framed, Hadoop's block format, and raw for
//! objects named `.snappy`/`.sz`, which have no magic), and ZIP archives holding one file.
//! At most [`MAX_COMPRESSED_READ`] bytes are read and [`MAX_DECOMPRESSED_BYTES`] produced,
//! whatever the object's size or compression ratio.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;

use crate::classifier::Compression;
use crate::error::ClassifyError;
use crate::source::{InMemoryObject, ObjectSource};

/// Most decompressed bytes produced: enough for the largest text sample (JSON's 10 MB).
pub const MAX_DECOMPRESSED_BYTES: usize = 10 * 1024 * 1024;
/// Most compressed bytes read.
pub const MAX_COMPRESSED_READ: u64 = 16 * 1024 * 1024;
/// Bytes needed to recognize any supported compression.
pub const MAGIC_BYTES: u64 = 16;

/// The compression of an object whose first bytes are `head`.
pub fn detect(head: &[u8], path: &str) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
        Compression::Bzip2
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else if head.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
        Compression::Lz4
    } else if head.starts_with(b"PK\x03\x04") {
        Compression::Zip
    } else if head.starts_with(b"\xff\x06\x00\x00sNaPpY")
        || looks_like_hadoop_snappy(head)
        || path.ends_with(".snappy")
        || path.ends_with(".sz")
    {
        Compression::Snappy
    } else {
        Compression::None
    }
}

/// Hadoop's snappy codec writes blocks of (uncompressed length, compressed length, data),
/// lengths as big-endian u32; plausible lengths and a snappy header that agrees identify it.
fn looks_like_hadoop_snappy(head: &[u8]) -> bool {
    if head.len() < 12 {
        return false;
    }
    let uncompressed = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let compressed = u32::from_be_bytes([head[4], head[5], head[6], head[7]]) as usize;
    let block_len = snap::raw::decompress_len(&head[8..]).ok();
    uncompressed > 0
        && uncompressed <= 64 * 1024 * 1024
        && compressed > 0
        && compressed <= uncompressed + uncompressed / 6 + 32
        && block_len.is_some_and(|n| n > 0 && n <= uncompressed)
}

/// The compressed input, counting the bytes a decoder pulls from it, to estimate the whole
/// object's decompressed size from the share of it that produced the sample.
struct Counting<'a> {
    input: &'a [u8],
    pulled: Arc<AtomicUsize>,
}

impl<'a> Counting<'a> {
    fn new(input: &'a [u8]) -> (Counting<'a>, Arc<AtomicUsize>) {
        let pulled = Arc::new(AtomicUsize::new(0));
        (
            Counting {
                input,
                pulled: pulled.clone(),
            },
            pulled,
        )
    }
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.input.read(buf)?;
        self.pulled.fetch_add(n, Ordering::Relaxed);
        Ok(n)
    }
}

fn corrupt(compression: Compression, reason: impl std::fmt::Display) -> ClassifyError {
    ClassifyError::corrupt(compression.glue_name(), reason.to_string())
}

/// Reads up to the output limit; an error after some output, with input cut short, is the
/// cut, not corruption.
fn drain(
    decoder: &mut dyn Read,
    truncated_input: bool,
    compression: Compression,
) -> Result<Vec<u8>, ClassifyError> {
    let mut out = Vec::new();
    let result = decoder
        .take(MAX_DECOMPRESSED_BYTES as u64)
        .read_to_end(&mut out);
    match result {
        Ok(_) => Ok(out),
        Err(_) if truncated_input && !out.is_empty() => Ok(out),
        Err(error) => Err(corrupt(compression, error)),
    }
}

fn hadoop_snappy(input: &[u8], truncated: bool) -> Result<(Vec<u8>, usize), ClassifyError> {
    let mut out = Vec::new();
    let mut at = 0;
    let u32_at = |at: usize| {
        input
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    while at < input.len() && out.len() < MAX_DECOMPRESSED_BYTES {
        let Some(block_len) = u32_at(at) else { break };
        at += 4;
        let block_start = out.len();
        while out.len() - block_start < block_len {
            let Some(chunk_len) = u32_at(at) else { break };
            let Some(chunk) = input.get(at + 4..at + 4 + chunk_len) else {
                if truncated {
                    return Ok((out, at));
                }
                return Err(corrupt(
                    Compression::Snappy,
                    "a Hadoop snappy block runs past the end",
                ));
            };
            let decoded = snap::raw::Decoder::new()
                .decompress_vec(chunk)
                .map_err(|e| corrupt(Compression::Snappy, e))?;
            out.extend_from_slice(&decoded);
            at += 4 + chunk_len;
        }
    }
    Ok((out, at))
}

fn zip_single_entry(input: &[u8], truncated: bool) -> Result<(Vec<u8>, usize), ClassifyError> {
    let field = |at: usize, len: usize| {
        input
            .get(at..at + len)
            .ok_or_else(|| corrupt(Compression::Zip, "the entry header is cut short"))
    };
    let le16 = |b: &[u8]| usize::from(u16::from_le_bytes([b[0], b[1]]));
    let flags = le16(field(6, 2)?);
    let method = le16(field(8, 2)?);
    let compressed = u32::from_le_bytes(field(18, 4)?.try_into().unwrap_or_default()) as usize;
    let name_len = le16(field(26, 2)?);
    let extra_len = le16(field(28, 2)?);
    let data = 30 + name_len + extra_len;
    let sizes_known = flags & 0x08 == 0;
    if sizes_known
        && input
            .get(data + compressed..data + compressed + 4)
            .is_some_and(|next| next == b"PK\x03\x04")
    {
        return Err(corrupt(
            Compression::Zip,
            "the archive holds several files; only single-file archives are classified, as in Glue",
        ));
    }
    let body = input.get(data..).unwrap_or_default();
    match method {
        0 => {
            let end = if sizes_known {
                compressed.min(body.len())
            } else {
                body.len()
            };
            let out = body[..end.min(MAX_DECOMPRESSED_BYTES)].to_vec();
            Ok((out, data + end))
        }
        8 => {
            let (counting, pulled) = Counting::new(body);
            let mut decoder = flate2::read::DeflateDecoder::new(counting);
            let out = drain(&mut decoder, truncated, Compression::Zip)?;
            Ok((out, data + pulled.load(Ordering::Relaxed)))
        }
        other => Err(corrupt(
            Compression::Zip,
            format!("compression method {other} is not supported (stored and deflate are)"),
        )),
    }
}

/// The object decompressed: as much of it as the limits allow, with the estimated size of the
/// whole decompressed object, so that classifiers know whether they see all of it.
pub async fn decompress(
    object: &dyn ObjectSource,
    compression: Compression,
) -> Result<InMemoryObject, ClassifyError> {
    let info = object.info();
    let read = info.size.min(MAX_COMPRESSED_READ);
    let input: Bytes = object.read_range(0..read).await?;
    let truncated = read < info.size;
    let (output, consumed) = match compression {
        Compression::None => return Ok(InMemoryObject::new(info.path.clone(), input)),
        Compression::Gzip => {
            let (counting, pulled) = Counting::new(&input);
            let mut decoder = flate2::read::MultiGzDecoder::new(counting);
            (
                drain(&mut decoder, truncated, compression)?,
                pulled.load(Ordering::Relaxed),
            )
        }
        Compression::Bzip2 => {
            let (counting, pulled) = Counting::new(&input);
            let mut decoder = bzip2::read::MultiBzDecoder::new(counting);
            (
                drain(&mut decoder, truncated, compression)?,
                pulled.load(Ordering::Relaxed),
            )
        }
        Compression::Zstd => {
            let (counting, pulled) = Counting::new(&input);
            let mut decoder =
                zstd::stream::read::Decoder::new(counting).map_err(|e| corrupt(compression, e))?;
            (
                drain(&mut decoder, truncated, compression)?,
                pulled.load(Ordering::Relaxed),
            )
        }
        Compression::Lz4 => {
            let (counting, pulled) = Counting::new(&input);
            let mut decoder = lz4_flex::frame::FrameDecoder::new(counting);
            (
                drain(&mut decoder, truncated, compression)?,
                pulled.load(Ordering::Relaxed),
            )
        }
        Compression::Zip => zip_single_entry(&input, truncated)?,
        Compression::Snappy if input.starts_with(b"\xff\x06\x00\x00sNaPpY") => {
            let (counting, pulled) = Counting::new(&input);
            let mut decoder = snap::read::FrameDecoder::new(counting);
            (
                drain(&mut decoder, truncated, compression)?,
                pulled.load(Ordering::Relaxed),
            )
        }
        Compression::Snappy if looks_like_hadoop_snappy(&input) => {
            hadoop_snappy(&input, truncated)?
        }
        Compression::Snappy => {
            // Raw snappy is one block: it must be read whole, and its length is in its header.
            let length = snap::raw::decompress_len(&input).map_err(|e| corrupt(compression, e))?;
            if truncated || length > MAX_DECOMPRESSED_BYTES * 4 {
                return Err(corrupt(
                    compression,
                    "raw snappy objects are classified up to 16 MB compressed and 40 MB decompressed",
                ));
            }
            let out = snap::raw::Decoder::new()
                .decompress_vec(&input)
                .map_err(|e| corrupt(compression, e))?;
            let len = input.len();
            (out, len)
        }
    };
    let consumed_everything =
        !truncated && consumed >= input.len() && output.len() < MAX_DECOMPRESSED_BYTES;
    let size = if consumed_everything || consumed == 0 {
        output.len() as u64
    } else {
        // Scale by the share of the compressed object the output came from.
        ((output.len() as f64) * (info.size as f64 / consumed as f64))
            .max(output.len() as f64 + 1.0) as u64
    };
    Ok(InMemoryObject::with_size(info.path.clone(), output, size))
}
