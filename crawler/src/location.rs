//! Crawl targets: a URL (or local path) turned into an object store and a prefix in it.
//!
//! S3 settings come from the standard AWS environment variables (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`/`AWS_DEFAULT_REGION`,
//! `AWS_ENDPOINT_URL`/`AWS_ENDPOINT_URL_S3`) and, for what they leave unset, from the shared
//! config and credentials files of the profile in `AWS_PROFILE` (`default` otherwise), so
//! that MinIO and other S3-compatible stores work as they do with the AWS CLI.

use std::path::PathBuf;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use url::Url;

use crate::aws_profile;
use crate::error::{CrawlError, Result};
use crate::retries::RetryCounter;
use crate::unaddressable::{ListingFilter, UnaddressableKeys};

/// Where a crawl target lives: a store, a prefix in it, and how to name objects as URLs.
#[derive(Debug, Clone)]
pub struct TargetLocation {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    /// `scheme://authority` (for example `s3://bucket` or `file://`), to which object paths
    /// are appended.
    base: String,
    /// Keys an S3 listing held that object_store cannot address, left out of the listing.
    unaddressable: UnaddressableKeys,
}

impl TargetLocation {
    /// Opens a target given as a URL (`s3://bucket/prefix/`, `gs://`, `az://`,
    /// `file:///abs/path`) or a local path (absolute or relative to the current folder).
    pub fn open(target: &str) -> Result<TargetLocation> {
        TargetLocation::open_counting(target, None)
    }

    /// Like [`TargetLocation::open`]; the retryable failures of requests to a remote store
    /// are counted into `retries`.
    pub fn open_counting(target: &str, retries: Option<&RetryCounter>) -> Result<TargetLocation> {
        let invalid = |reason: String| CrawlError::InvalidTarget {
            target: target.to_string(),
            reason,
        };
        let url = to_url(target).map_err(invalid)?;
        let (store, base): (Arc<dyn ObjectStore>, String) = match url.scheme() {
            "file" => {
                let path = url
                    .to_file_path()
                    .map_err(|()| invalid("not a local path".into()))?;
                if !path.is_dir() {
                    return Err(invalid(format!("no folder at {}", path.display())));
                }
                (Arc::new(LocalFileSystem::new()), "file://".to_string())
            }
            "s3" | "s3a" => return TargetLocation::s3(s3_builder_from_env(), target, retries),
            "gs" => (
                Arc::new({
                    let builder = GoogleCloudStorageBuilder::from_env().with_url(url.as_str());
                    match retries {
                        Some(counter) => builder.with_http_connector(counter.clone()),
                        None => builder,
                    }
                    .build()
                    .map_err(|e| invalid(e.to_string()))?
                }),
                format!("gs://{}", url.host_str().unwrap_or_default()),
            ),
            "az" | "abfs" | "abfss" | "adl" | "azure" => (
                Arc::new({
                    let builder = MicrosoftAzureBuilder::from_env().with_url(url.as_str());
                    match retries {
                        Some(counter) => builder.with_http_connector(counter.clone()),
                        None => builder,
                    }
                    .build()
                    .map_err(|e| invalid(e.to_string()))?
                }),
                format!("{}://{}", url.scheme(), url.authority()),
            ),
            "memory" => (Arc::new(InMemory::new()), "memory://".to_string()),
            other => {
                return Err(invalid(format!(
                    "unsupported scheme {other}:// (use s3://, gs://, az://, file:// or a local path)"
                )));
            }
        };
        let prefix = prefix_of(&url).map_err(invalid)?;
        Ok(TargetLocation {
            store,
            prefix,
            base,
            unaddressable: UnaddressableKeys::default(),
        })
    }

    /// An S3 target (`s3://bucket/prefix/`) in the store `builder` describes (endpoint,
    /// credentials, retries); retryable failures are counted into `retries`. Listings
    /// leave out keys object_store cannot address, and the crawl reports each.
    pub fn s3(
        builder: AmazonS3Builder,
        target: &str,
        retries: Option<&RetryCounter>,
    ) -> Result<TargetLocation> {
        let invalid = |reason: String| CrawlError::InvalidTarget {
            target: target.to_string(),
            reason,
        };
        let url = to_url(target).map_err(invalid)?;
        let unaddressable = UnaddressableKeys::default();
        let store = builder
            .with_url(url.as_str())
            .with_http_connector(ListingFilter {
                retries: retries.cloned(),
                found: unaddressable.clone(),
            })
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        Ok(TargetLocation {
            store: Arc::new(store),
            prefix: prefix_of(&url).map_err(invalid)?,
            base: format!("s3://{}", url.host_str().unwrap_or_default()),
            unaddressable,
        })
    }

    /// A target in a store the caller built (an in-memory store in tests, a store with
    /// custom options): `base` is the URL prefix objects are named with, such as
    /// `memory://`.
    pub fn with_store(store: Arc<dyn ObjectStore>, base: &str, prefix: &str) -> TargetLocation {
        TargetLocation {
            store,
            prefix: Path::from(prefix.trim_matches('/')),
            base: base.trim_end_matches('/').to_string(),
            unaddressable: UnaddressableKeys::default(),
        }
    }

    /// Keys listings left out since the last call because object_store cannot address
    /// them (S3 keys with `//`, `.` or `..` segments, or control characters).
    pub(crate) fn take_unaddressable(&self) -> Vec<String> {
        self.unaddressable.take()
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The prefix crawled, without a trailing slash.
    pub fn prefix(&self) -> &Path {
        &self.prefix
    }

    /// The store path of `relative`, an object or folder below the prefix (`""` for the
    /// prefix itself).
    pub fn path_of(&self, relative: &str) -> Path {
        match (self.prefix.as_ref().is_empty(), relative.is_empty()) {
            (true, _) => Path::from(relative),
            (false, true) => self.prefix.clone(),
            (false, false) => Path::from(format!("{}/{relative}", self.prefix.as_ref())),
        }
    }

    /// The URL of an object or folder of this store; folders end with `/`.
    pub fn url_of(&self, path: &str, folder: bool) -> String {
        let separator = if self.base.ends_with("://") { "" } else { "/" };
        let leading = if self.base == "file://" { "/" } else { "" };
        let trailing = if folder && !path.is_empty() { "/" } else { "" };
        format!("{}{separator}{leading}{path}{trailing}", self.base)
    }

    /// The URL of the crawled prefix, ending with `/`.
    pub fn url(&self) -> String {
        let url = self.url_of(self.prefix.as_ref(), true);
        if url.ends_with('/') {
            url
        } else {
            format!("{url}/")
        }
    }

    /// Whether the target is a local folder.
    pub fn is_local(&self) -> bool {
        self.base == "file://"
    }

    /// How many folders deep the prefix is from the store's root (the bucket): 0 for the
    /// bucket itself.
    pub fn depth(&self) -> usize {
        self.prefix.parts().count()
    }
}

pub(crate) fn to_url(target: &str) -> Result<Url, String> {
    if target.contains("://") {
        return Url::parse(target).map_err(|e| format!("not a valid URL: {e}"));
    }
    let path = PathBuf::from(target);
    let absolute = if path.is_absolute() {
        path
    } else {
        std::env::current_dir()
            .map_err(|e| format!("cannot resolve a relative path: {e}"))?
            .join(path)
    };
    // Resolving `..` and symbolic links keeps the target's URL canonical.
    let canonical = absolute
        .canonicalize()
        .map_err(|e| format!("no folder at {}: {e}", absolute.display()))?;
    Url::from_directory_path(&canonical).map_err(|()| "not an absolute path".to_string())
}

fn prefix_of(url: &Url) -> Result<Path, String> {
    let raw = match url.scheme() {
        "file" => url.path().to_string(),
        _ => url.path().to_string(),
    };
    let decoded = percent_encoding::percent_decode_str(&raw)
        .decode_utf8()
        .map_err(|_| "the path is not UTF-8".to_string())?;
    Path::parse(decoded.trim_matches('/')).map_err(|e| e.to_string())
}

/// An S3 builder from the environment, then the profile files.
pub(crate) fn s3_builder_from_env() -> AmazonS3Builder {
    let mut builder = AmazonS3Builder::from_env();
    let set = |key: AmazonS3ConfigKey, builder: &AmazonS3Builder| builder.get_config_value(&key);
    if set(AmazonS3ConfigKey::Region, &builder).is_none()
        && let Ok(region) = std::env::var("AWS_DEFAULT_REGION")
    {
        builder = builder.with_region(region);
    }
    for (key, value) in aws_profile::settings() {
        let Ok(config_key) = key.parse::<AmazonS3ConfigKey>() else {
            continue;
        };
        if set(config_key, &builder).is_none() {
            builder = builder.with_config(config_key, value);
        }
    }
    let endpoint = builder.get_config_value(&AmazonS3ConfigKey::Endpoint);
    if endpoint.is_some_and(|e| e.starts_with("http://")) {
        // A local S3-compatible server (MinIO) usually speaks plain HTTP.
        builder = builder.with_allow_http(true);
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_become_file_urls() {
        let dir = tempfile::tempdir().unwrap();
        let location = TargetLocation::open(dir.path().to_str().unwrap()).unwrap();
        let canonical = dir.path().canonicalize().unwrap();
        assert_eq!(location.url(), format!("file://{}/", canonical.display()));
        assert_eq!(
            location.url_of("a/b.csv", false),
            format!("file:///{}", "a/b.csv")
        );
        let missing = TargetLocation::open("/no/such/lakecat/folder").unwrap_err();
        assert!(missing.to_string().contains("no folder at"), "{missing}");
    }

    #[test]
    fn object_urls_keep_the_bucket() {
        let location =
            TargetLocation::with_store(Arc::new(InMemory::new()), "s3://bucket", "lake/");
        assert_eq!(location.url(), "s3://bucket/lake/");
        assert_eq!(
            location.url_of("lake/sales/a.csv", false),
            "s3://bucket/lake/sales/a.csv"
        );
        assert_eq!(location.depth(), 1);
        let unknown = TargetLocation::open("ftp://host/x").unwrap_err();
        assert!(
            unknown.to_string().contains("unsupported scheme"),
            "{unknown}"
        );
    }
}
