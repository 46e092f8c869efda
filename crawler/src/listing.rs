//! Listing a target: a stream of objects, never the whole listing in memory, with folder
//! listings run concurrently; and the rules that leave hidden and marker objects out.

use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};

use crate::error::{CrawlError, Result, describe_store_error};

/// How many folders deep the listing fans out (one delimiter listing per folder) before
/// streaming each branch with a flat listing.
const MAX_FAN_OUT_DEPTH: usize = 2;
/// Enough branches to keep listings busy in parallel. Fanning out further would trade a few
/// paged listings for many small ones (one per partition folder), which costs more requests
/// on every object store.
const FAN_OUT_BRANCHES: usize = 8;

/// Lists every object under `prefix`. The first levels are listed folder by folder until
/// there are `FAN_OUT_BRANCHES` branches (or `MAX_FAN_OUT_DEPTH` levels); then each
/// branch is listed as a flat, paged stream, `concurrency` branches at a time. Objects
/// directly in the fanned-out folders are held in memory per folder; everything deeper
/// streams.
pub fn list_objects(
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    target: String,
    concurrency: usize,
) -> BoxStream<'static, Result<ObjectMeta>> {
    let concurrency = concurrency.max(1);
    let listing_error = move |error: object_store::Error| CrawlError::Listing {
        target: target.clone(),
        reason: describe_store_error(&error),
    };
    let fan_out = {
        let store = store.clone();
        let listing_error = listing_error.clone();
        async move {
            let mut direct: Vec<ObjectMeta> = Vec::new();
            let mut branches = vec![prefix];
            for _ in 0..MAX_FAN_OUT_DEPTH {
                if branches.len() >= FAN_OUT_BRANCHES.min(concurrency) {
                    break;
                }
                let listings: Vec<_> = stream::iter(branches)
                    .map(|branch| {
                        let store = store.clone();
                        async move { store.list_with_delimiter(Some(&branch)).await }
                    })
                    .buffered(concurrency)
                    .try_collect()
                    .await
                    .map_err(listing_error.clone())?;
                branches = Vec::new();
                for listing in listings {
                    direct.extend(listing.objects);
                    branches.extend(listing.common_prefixes);
                }
                if branches.is_empty() {
                    break;
                }
            }
            Ok::<_, CrawlError>((direct, branches))
        }
    };
    stream::once(fan_out)
        .map(move |found| match found {
            Ok((direct, branches)) => {
                let store = store.clone();
                let listing_error = listing_error.clone();
                let deeper = stream::iter(branches)
                    .map(move |branch| {
                        let listing_error = listing_error.clone();
                        store.list(Some(&branch)).map_err(listing_error)
                    })
                    .flatten_unordered(concurrency);
                stream::iter(direct.into_iter().map(Ok))
                    .chain(deeper)
                    .boxed()
            }
            Err(error) => stream::once(async move { Err(error) }).boxed(),
        })
        .flatten()
        .boxed()
}

/// Lists the objects directly in each of `folders` (not in their subfolders): one delimiter
/// listing per folder, `concurrency` at a time. What an event-driven crawl reads: the folders
/// events named, never the rest of the target. A missing folder lists nothing.
pub fn list_folders(
    store: Arc<dyn ObjectStore>,
    folders: Vec<Path>,
    target: String,
    concurrency: usize,
) -> BoxStream<'static, Result<ObjectMeta>> {
    stream::iter(folders)
        .map(move |folder| {
            let store = store.clone();
            let target = target.clone();
            async move {
                store
                    .list_with_delimiter(Some(&folder))
                    .await
                    .map_err(|error| CrawlError::Listing {
                        target,
                        reason: describe_store_error(&error),
                    })
            }
        })
        .buffered(concurrency.max(1))
        .flat_map(|listed| match listed {
            Ok(listing) => stream::iter(listing.objects.into_iter().map(Ok)).boxed(),
            Err(error) => stream::once(async move { Err(error) }).boxed(),
        })
        .boxed()
}

/// Why an object is not data, by Spark's and Glue's rules: names starting with `_` or `.`
/// (in any folder of its path), `_SUCCESS` and other markers, `_temporary/` folders,
/// checksum files (`.crc`) and folder placeholders (`_$folder$`). `None` for data.
///
/// Parquet summary files (`_metadata`, `_common_metadata`) are not data either, but they
/// are reported by their own reason so that a reader of the report is not surprised.
pub fn hidden_reason(relative_path: &str) -> Option<&'static str> {
    let mut parts = relative_path.split('/').peekable();
    while let Some(part) = parts.next() {
        let is_file = parts.peek().is_none();
        if part.ends_with("_$folder$") {
            return Some("folder placeholder (_$folder$)");
        }
        if is_file && (part == "_metadata" || part == "_common_metadata") {
            return Some("Parquet summary file");
        }
        if is_file && part.ends_with(".crc") {
            return Some("checksum file");
        }
        if part.starts_with('_') || part.starts_with('.') {
            return Some(if is_file {
                "hidden or marker file (name starts with _ or .)"
            } else {
                "inside a hidden folder (name starts with _ or .)"
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;
    use object_store::{ObjectStoreExt, PutPayload};

    #[test]
    fn hidden_and_marker_objects() {
        for path in [
            "_SUCCESS",
            "year=2024/_SUCCESS",
            ".part-0.parquet.crc",
            "a/part-0.parquet.crc",
            "_temporary/0/part-0.parquet",
            "a/.spark-staging/x",
            "sales_$folder$",
            "sales/_metadata",
            "sales/_common_metadata",
        ] {
            assert!(hidden_reason(path).is_some(), "{path}");
        }
        for path in [
            "part-0.parquet",
            "year=2024/month=01/part-0.parquet",
            "a_b/c.csv",
            "key=_x/c.csv",
        ] {
            assert_eq!(hidden_reason(path), None, "{path}");
        }
    }

    #[tokio::test]
    async fn folder_listings_hold_only_the_named_folders_own_objects() {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        for path in [
            "lake/t/p=1/a.csv",
            "lake/t/p=1/b.csv",
            "lake/t/p=1/deeper/c.csv",
            "lake/t/p=2/d.csv",
            "lake/t/top.csv",
        ] {
            store
                .put(&Path::from(path), PutPayload::from_static(b"x"))
                .await
                .unwrap();
        }
        let folders = ["lake/t/p=1", "lake/t", "lake/t/p=9"]
            .map(Path::from)
            .to_vec();
        let mut found: Vec<String> = list_folders(store, folders, "memory://lake/".into(), 2)
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .unwrap();
        found.sort();
        assert_eq!(
            found,
            ["lake/t/p=1/a.csv", "lake/t/p=1/b.csv", "lake/t/top.csv"]
        );
    }

    #[tokio::test]
    async fn lists_every_object_once_at_any_fan_out() {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let mut expected = Vec::new();
        for a in 0..3 {
            for b in 0..4 {
                for c in 0..5 {
                    let path = format!("lake/t{a}/p={b}/f{c}.csv");
                    store
                        .put(&Path::from(path.as_str()), PutPayload::from_static(b"x"))
                        .await
                        .unwrap();
                    expected.push(path);
                }
            }
            let path = format!("lake/t{a}/top.csv");
            store
                .put(&Path::from(path.as_str()), PutPayload::from_static(b"x"))
                .await
                .unwrap();
            expected.push(path);
        }
        expected.sort();
        for concurrency in [1, 2, 8, 64] {
            let mut found: Vec<String> = list_objects(
                store.clone(),
                Path::from("lake"),
                "memory://lake/".into(),
                concurrency,
            )
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .unwrap();
            found.sort();
            assert_eq!(found, expected, "concurrency {concurrency}");
        }
    }
}
