//! The store the kernel's engine is given: lakecat's store, read-only, with sorted listings.
//!
//! The kernel replays a log in the order its listing returns and assumes every store but a
//! `file://` one lists in byte order, as S3 does. Giving it `file://` URLs to get its own
//! sorting is no way out: for those it checks and canonicalizes the path on the local disk
//! itself (`try_parse_uri`), outside lakecat's store, so a symlinked root would be read at
//! its target and a store confined to a folder would not be read at all. So local tables get
//! another scheme (see `kernel_url`) and this view sorts every listing. A listing of
//! `_delta_log/` from the newest checkpoint on is small; sorting it costs nothing that
//! matters.
//!
//! Writes are refused: reading a table must never change the lake, whatever the kernel
//! does.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::{self, BoxStream};
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};

/// lakecat's store as the kernel sees it.
#[derive(Debug)]
pub(super) struct KernelStore {
    inner: Arc<dyn ObjectStore>,
}

impl KernelStore {
    /// A read-only, sorted view of `inner`.
    pub(super) fn new(inner: Arc<dyn ObjectStore>) -> KernelStore {
        KernelStore { inner }
    }
}

impl fmt::Display for KernelStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "read-only sorted view of {}", self.inner)
    }
}

/// The error for every write.
fn read_only(operation: &str) -> object_store::Error {
    object_store::Error::NotSupported {
        source: format!("{operation}: a Delta table is read, never written, by the crawler").into(),
    }
}

/// A listing, collected and sorted by path.
fn sorted(
    listing: BoxStream<'static, Result<ObjectMeta>>,
) -> BoxStream<'static, Result<ObjectMeta>> {
    stream::once(async move {
        let mut objects: Vec<ObjectMeta> = listing.try_collect().await?;
        objects.sort_unstable_by(|a, b| a.location.cmp(&b.location));
        Ok::<_, object_store::Error>(stream::iter(objects.into_iter().map(Ok)))
    })
    .try_flatten()
    .boxed()
}

#[async_trait]
impl ObjectStore for KernelStore {
    async fn put_opts(&self, _: &Path, _: PutPayload, _: PutOptions) -> Result<PutResult> {
        Err(read_only("put"))
    }

    async fn put_multipart_opts(
        &self,
        _: &Path,
        _: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        Err(read_only("put_multipart"))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        locations.map(|_| Err(read_only("delete"))).boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        sorted(self.inner.list(prefix))
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        sorted(self.inner.list_with_offset(prefix, offset))
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        let mut listing = self.inner.list_with_delimiter(prefix).await?;
        listing.common_prefixes.sort_unstable();
        listing
            .objects
            .sort_unstable_by(|a, b| a.location.cmp(&b.location));
        Ok(listing)
    }

    async fn copy_opts(&self, _: &Path, _: &Path, _: CopyOptions) -> Result<()> {
        Err(read_only("copy"))
    }
}

#[cfg(test)]
mod tests {
    use object_store::ObjectStoreExt;
    use object_store::memory::InMemory;

    use super::*;

    /// A store that lists in reverse order, as a local file system may.
    #[derive(Debug)]
    struct Reversed(InMemory);

    impl fmt::Display for Reversed {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("reversed")
        }
    }

    #[async_trait]
    impl ObjectStore for Reversed {
        async fn put_opts(&self, l: &Path, p: PutPayload, o: PutOptions) -> Result<PutResult> {
            self.0.put_opts(l, p, o).await
        }
        async fn put_multipart_opts(
            &self,
            l: &Path,
            o: PutMultipartOptions,
        ) -> Result<Box<dyn MultipartUpload>> {
            self.0.put_multipart_opts(l, o).await
        }
        async fn get_opts(&self, l: &Path, o: GetOptions) -> Result<GetResult> {
            self.0.get_opts(l, o).await
        }
        fn delete_stream(
            &self,
            l: BoxStream<'static, Result<Path>>,
        ) -> BoxStream<'static, Result<Path>> {
            self.0.delete_stream(l)
        }
        fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
            let listing = self.0.list(prefix);
            stream::once(async move {
                let mut objects: Vec<ObjectMeta> = listing.try_collect().await?;
                objects.reverse();
                Ok::<_, object_store::Error>(stream::iter(objects.into_iter().map(Ok)))
            })
            .try_flatten()
            .boxed()
        }
        async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
            self.0.list_with_delimiter(prefix).await
        }
        async fn copy_opts(&self, f: &Path, t: &Path, o: CopyOptions) -> Result<()> {
            self.0.copy_opts(f, t, o).await
        }
    }

    #[tokio::test]
    async fn listings_are_sorted_and_writes_refused() {
        let inner = Reversed(InMemory::new());
        for name in [
            "t/_delta_log/1.json",
            "t/_delta_log/0.json",
            "t/_delta_log/2.json",
        ] {
            inner
                .put(&Path::from(name), PutPayload::from_static(b"{}"))
                .await
                .expect("put");
        }
        let store = KernelStore::new(Arc::new(inner));
        let names: Vec<String> = store
            .list_with_offset(
                Some(&Path::from("t/_delta_log")),
                &Path::from("t/_delta_log/0.json"),
            )
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .expect("lists");
        assert_eq!(names, ["t/_delta_log/1.json", "t/_delta_log/2.json"]);

        let written = store
            .put(&Path::from("t/x"), PutPayload::from_static(b"x"))
            .await;
        assert!(matches!(
            written,
            Err(object_store::Error::NotSupported { .. })
        ));
        assert!(
            store
                .copy(&Path::from("t/_delta_log/0.json"), &Path::from("t/y"))
                .await
                .is_err()
        );
    }
}
