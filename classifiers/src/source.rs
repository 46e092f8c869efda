//! The bytes a classifier reads: an object's metadata and ranged reads of its content.
//!
//! Classifiers read only what they need (a Parquet footer, a text sample), so the trait is
//! about ranges, not whole objects; the crawler implements it over `object_store`.

use std::ops::Range;

use async_trait::async_trait;
use bytes::Bytes;

use crate::error::ClassifyError;

/// What is known about an object before reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Its path or key, for example `sales/year=2024/part-0.parquet`.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
}

/// An object a classifier can read ranges of.
#[async_trait]
pub trait ObjectSource: Send + Sync {
    /// The object's path and size.
    fn info(&self) -> &ObjectInfo;

    /// Bytes `range` of the object; the range lies within the object's size.
    async fn read_range(&self, range: Range<u64>) -> Result<Bytes, ClassifyError>;
}

/// An object held in memory: for tests, and for content already decompressed.
#[derive(Debug, Clone)]
pub struct InMemoryObject {
    info: ObjectInfo,
    content: Bytes,
}

impl InMemoryObject {
    /// An object called `path` with `content`.
    pub fn new(path: impl Into<String>, content: impl Into<Bytes>) -> InMemoryObject {
        let content = content.into();
        let size = content.len() as u64;
        InMemoryObject::with_size(path, content, size)
    }

    /// The first part of a larger object: reads beyond `content` return nothing, and `size`
    /// (larger than the content) tells classifiers that they do not see everything.
    pub fn with_size(
        path: impl Into<String>,
        content: impl Into<Bytes>,
        size: u64,
    ) -> InMemoryObject {
        InMemoryObject {
            info: ObjectInfo {
                path: path.into(),
                size,
            },
            content: content.into(),
        }
    }
}

#[async_trait]
impl ObjectSource for InMemoryObject {
    fn info(&self) -> &ObjectInfo {
        &self.info
    }

    async fn read_range(&self, range: Range<u64>) -> Result<Bytes, ClassifyError> {
        let end = range.end.min(self.content.len() as u64) as usize;
        let start = (range.start as usize).min(end);
        Ok(self.content.slice(start..end))
    }
}
