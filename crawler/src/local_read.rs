//! Reading local files for classification, synchronously, on a blocking-pool thread that
//! classifies a whole batch of them.
//!
//! object_store's local store hands every open and read to the blocking pool and back: two
//! thread wake-ups per read, which cost more than reading a small file from the page cache
//! (a profile of a crawl of 100,000 small Parquet files spent about a third of its time
//! there). A crawl of a local target instead classifies objects in batches, one blocking
//! task per batch, reading each file directly.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use lakecat_classifiers::{ClassifyError, ObjectInfo, ObjectSource, StatisticsMode};

use crate::roots::LinkGuard;

/// Reads `range` of an open file (fewer bytes when the file ends sooner).
pub(crate) fn read_at(file: &std::fs::File, range: Range<u64>) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let length = usize::try_from(range.end.saturating_sub(range.start))
        .map_err(|_| std::io::Error::other("range too large"))?;
    let mut buffer = vec![0; length];
    let mut filled = 0;
    while filled < length {
        let read = file.read_at(&mut buffer[filled..], range.start + filled as u64)?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    buffer.truncate(filled);
    Ok(buffer)
}

/// A local file read with blocking calls; for use on a blocking-pool thread only.
pub(crate) struct LocalFile {
    /// The file's path, as listed.
    pub(crate) path: PathBuf,
    pub(crate) info: ObjectInfo,
    pub(crate) check_content: bool,
    pub(crate) statistics_mode: StatisticsMode,
    /// Under allowed roots: reads go through the guard, which checks the file it opens.
    pub(crate) confined: Option<Arc<LinkGuard>>,
    pub(crate) bytes_read: Arc<AtomicU64>,
}

impl LocalFile {
    fn read(&self, range: Range<u64>) -> Result<Vec<u8>, String> {
        match &self.confined {
            Some(guard) => match guard.read_range(&self.path, range) {
                Ok(Some(bytes)) => Ok(bytes),
                Ok(None) => Err(crate::scan::OUTSIDE_ROOTS.to_string()),
                Err(error) => Err(error.to_string()),
            },
            None => open_and_read(&self.path, range).map_err(|error| error.to_string()),
        }
    }
}

fn open_and_read(path: &Path, range: Range<u64>) -> std::io::Result<Vec<u8>> {
    read_at(&std::fs::File::open(path)?, range)
}

#[async_trait]
impl ObjectSource for LocalFile {
    fn info(&self) -> &ObjectInfo {
        &self.info
    }

    fn check_content(&self) -> bool {
        self.check_content
    }

    fn statistics_mode(&self) -> StatisticsMode {
        self.statistics_mode
    }

    async fn read_range(&self, range: Range<u64>) -> Result<Bytes, ClassifyError> {
        let bytes = self.read(range).map_err(|message| ClassifyError::Read {
            path: self.info.path.clone(),
            message,
        })?;
        self.bytes_read
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(Bytes::from(bytes))
    }
}
