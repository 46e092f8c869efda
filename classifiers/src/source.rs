//! The bytes a classifier reads: an object's metadata and ranged reads of its content.
//!
//! Classifiers read only what they need (a Parquet footer, a text sample), so the trait is
//! about ranges, not whole objects; the crawler implements it over `object_store`.

use std::ops::Range;

use async_trait::async_trait;
use bytes::Bytes;

use crate::error::ClassifyError;
use crate::statistics::StatisticsMode;

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

    /// Whether classifiers should check the content beyond what the schema needs (decode a
    /// Parquet object's first rows), to report a corrupt object now. The crawler's
    /// configuration decides; by default every object is checked.
    fn check_content(&self) -> bool {
        true
    }

    /// Which column statistics classifiers compute. The crawler's configuration decides; by
    /// default counts, bounds and lengths, without distinct-value sketches.
    fn statistics_mode(&self) -> StatisticsMode {
        StatisticsMode::Figures
    }
}

/// An object held in memory: for tests, and for content already decompressed.
#[derive(Debug, Clone)]
pub struct InMemoryObject {
    info: ObjectInfo,
    content: Bytes,
    statistics_mode: StatisticsMode,
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
            statistics_mode: StatisticsMode::default(),
        }
    }

    /// The same object, asking classifiers for `mode`'s statistics.
    pub fn with_statistics_mode(mut self, mode: StatisticsMode) -> InMemoryObject {
        self.statistics_mode = mode;
        self
    }
}

#[async_trait]
impl ObjectSource for InMemoryObject {
    fn info(&self) -> &ObjectInfo {
        &self.info
    }

    fn statistics_mode(&self) -> StatisticsMode {
        self.statistics_mode
    }

    async fn read_range(&self, range: Range<u64>) -> Result<Bytes, ClassifyError> {
        let end = range.end.min(self.content.len() as u64) as usize;
        let start = (range.start as usize).min(end);
        Ok(self.content.slice(start..end))
    }
}

/// Smallest read of an object's start or end: enough for every format's magic and most
/// footers, so the first few probes share one request.
const MIN_CACHED_READ: u64 = 64 * 1024;
/// Largest start or end of an object kept in memory (the largest sample any classifier or
/// the decompressor reads).
const MAX_CACHED_READ: u64 = 16 * 1024 * 1024;

/// A window of an object held in memory: the bytes read for `start..requested_end` (fewer
/// when the object ends sooner).
#[derive(Debug, Clone, Default)]
struct Window {
    start: u64,
    requested_end: u64,
    bytes: Bytes,
}

impl Window {
    fn serve(&self, range: &Range<u64>) -> Option<Bytes> {
        if range.start < self.start || range.end > self.requested_end || self.requested_end == 0 {
            return None;
        }
        let len = self.bytes.len() as u64;
        let from = (range.start - self.start).min(len) as usize;
        let to = (range.end - self.start).min(len) as usize;
        Some(self.bytes.slice(from..to))
    }
}

/// Serves repeated reads of an object's start and end from memory. Every classifier probes
/// the same bytes (text formats the first megabyte, Parquet and ORC the last 64 KiB), so
/// without this one object costs a request per classifier.
pub struct CachedObject<'a> {
    inner: &'a dyn ObjectSource,
    head: std::sync::Mutex<Window>,
    tail: std::sync::Mutex<Window>,
}

impl<'a> CachedObject<'a> {
    /// Reads of `inner`'s start and end, cached.
    pub fn new(inner: &'a dyn ObjectSource) -> Self {
        CachedObject {
            inner,
            head: std::sync::Mutex::default(),
            tail: std::sync::Mutex::default(),
        }
    }

    fn cached(window: &std::sync::Mutex<Window>, range: &Range<u64>) -> Option<Bytes> {
        window.lock().ok().and_then(|w| w.serve(range))
    }

    async fn fill(
        &self,
        window: &std::sync::Mutex<Window>,
        fetch: Range<u64>,
        range: &Range<u64>,
    ) -> Result<Bytes, ClassifyError> {
        let bytes = self.inner.read_range(fetch.clone()).await?;
        let filled = Window {
            start: fetch.start,
            requested_end: fetch.end,
            bytes,
        };
        let served = filled.serve(range).unwrap_or_default();
        if let Ok(mut slot) = window.lock() {
            *slot = filled;
        }
        Ok(served)
    }
}

#[async_trait]
impl ObjectSource for CachedObject<'_> {
    fn info(&self) -> &ObjectInfo {
        self.inner.info()
    }

    fn check_content(&self) -> bool {
        self.inner.check_content()
    }

    fn statistics_mode(&self) -> StatisticsMode {
        self.inner.statistics_mode()
    }

    async fn read_range(&self, range: Range<u64>) -> Result<Bytes, ClassifyError> {
        if let Some(bytes) =
            Self::cached(&self.head, &range).or_else(|| Self::cached(&self.tail, &range))
        {
            return Ok(bytes);
        }
        let size = self.info().size;
        let len = range.end.saturating_sub(range.start);
        if range.start == 0 && range.end <= MAX_CACHED_READ {
            let end = range.end.max(MIN_CACHED_READ.min(size));
            return self.fill(&self.head, 0..end, &range).await;
        }
        if range.end == size && len <= MAX_CACHED_READ {
            let start = range.start.min(size.saturating_sub(MIN_CACHED_READ));
            return self.fill(&self.tail, start..size, &range).await;
        }
        self.inner.read_range(range).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    /// Counts the reads that reach the object.
    struct Counting {
        object: InMemoryObject,
        reads: AtomicU64,
        bytes: AtomicU64,
    }

    #[async_trait]
    impl ObjectSource for Counting {
        fn info(&self) -> &ObjectInfo {
            self.object.info()
        }

        async fn read_range(&self, range: Range<u64>) -> Result<Bytes, ClassifyError> {
            self.reads.fetch_add(1, Ordering::Relaxed);
            let bytes = self.object.read_range(range).await?;
            self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
            Ok(bytes)
        }
    }

    fn counting(size: usize) -> Counting {
        Counting {
            object: InMemoryObject::new(
                "x",
                (0..size).map(|i| (i % 251) as u8).collect::<Vec<u8>>(),
            ),
            reads: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    #[tokio::test]
    async fn repeated_probes_of_start_and_end_read_once() {
        let inner = counting(4 * 1024 * 1024);
        let size = inner.info().size;
        let cached = CachedObject::new(&inner);
        let head = cached.read_range(0..16).await.unwrap();
        assert_eq!(head, inner.object.read_range(0..16).await.unwrap());
        cached.read_range(0..3).await.unwrap();
        cached.read_range(0..64 * 1024).await.unwrap();
        for _ in 0..5 {
            cached.read_range(0..1024 * 1024).await.unwrap();
        }
        let tail = cached.read_range(size - 8..size).await.unwrap();
        assert_eq!(tail, inner.object.read_range(size - 8..size).await.unwrap());
        cached.read_range(size - 64 * 1024..size).await.unwrap();
        // The first probe, the first megabyte, the tail: three reads in all.
        assert_eq!(inner.reads.load(Ordering::Relaxed), 3);
        // A read in the middle is not cached.
        let middle = cached.read_range(2_000_000..2_000_010).await.unwrap();
        assert_eq!(
            middle,
            inner.object.read_range(2_000_000..2_000_010).await.unwrap()
        );
        assert_eq!(inner.reads.load(Ordering::Relaxed), 4);
    }

    #[tokio::test]
    async fn small_objects_are_read_once_and_short_reads_stay_short() {
        let inner = counting(1000);
        let cached = CachedObject::new(&inner);
        assert_eq!(cached.read_range(0..16).await.unwrap().len(), 16);
        assert_eq!(cached.read_range(992..1000).await.unwrap().len(), 8);
        assert_eq!(cached.read_range(0..1000).await.unwrap().len(), 1000);
        assert_eq!(inner.reads.load(Ordering::Relaxed), 1);

        let sample = InMemoryObject::with_size("cut", vec![1u8; 100], 500);
        let cached = CachedObject::new(&sample);
        assert_eq!(cached.read_range(0..300).await.unwrap().len(), 100);
        assert_eq!(cached.read_range(50..200).await.unwrap().len(), 50);
    }

    #[tokio::test]
    async fn a_registry_pass_reads_a_text_object_a_few_times_not_once_per_classifier() {
        let mut text = String::from("id,name\n");
        while text.len() < 2 * 1024 * 1024 {
            text.push_str("12345,some name\n");
        }
        let inner = Counting {
            object: InMemoryObject::new("big.csv", text.into_bytes()),
            reads: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        };
        let registry = crate::classifier::Registry::new([], crate::formats::builtins());
        let outcome = registry.classify(&inner).await;
        assert!(
            matches!(outcome, crate::classifier::Outcome::Classified(ref f) if f.classification == "csv")
        );
        // The first probe, the first megabyte, and the tail for the footer formats.
        assert!(
            inner.reads.load(Ordering::Relaxed) <= 3,
            "{} reads",
            inner.reads.load(Ordering::Relaxed)
        );
        assert!(inner.bytes.load(Ordering::Relaxed) <= 1024 * 1024 + 128 * 1024);
    }
}
