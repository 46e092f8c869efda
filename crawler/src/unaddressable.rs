//! S3 object keys that object_store cannot address, taken out of listings so that they cost
//! one skipped object each instead of the whole crawl.
//!
//! S3 allows any key, but object_store's paths refuse empty segments (`a//b`), `.` and
//! `..` segments and control characters. One such key in a listing page made object_store
//! fail the whole listing ("Encountered object with invalid path"), so nothing was crawled.
//! The S3 client's HTTP responses are therefore filtered: entries of a `ListObjectsV2` page
//! whose key (or common prefix) is not a valid path are removed before object_store parses
//! the page, and recorded so that the crawl reports each with its key.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use object_store::client::{
    ClientOptions, HttpClient, HttpConnector, HttpError, HttpRequest, HttpResponse,
    HttpResponseBody, HttpService, ReqwestConnector,
};
use object_store::path::Path;

use crate::retries::RetryCounter;

/// Keys (and common prefixes, which end with `/`) left out of listings, in the order met.
#[derive(Debug, Clone, Default)]
pub(crate) struct UnaddressableKeys {
    keys: Arc<Mutex<Vec<String>>>,
}

impl UnaddressableKeys {
    fn record(&self, key: String) {
        self.keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(key);
    }

    /// The keys recorded since the last call.
    pub(crate) fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.keys.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Builds S3 HTTP clients whose listings leave out unaddressable keys, recording them;
/// retryable failures are counted as well when a counter is given.
#[derive(Debug, Clone)]
pub(crate) struct ListingFilter {
    pub(crate) retries: Option<RetryCounter>,
    pub(crate) found: UnaddressableKeys,
}

impl HttpConnector for ListingFilter {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        let inner = match &self.retries {
            Some(counter) => counter.connect(options)?,
            None => ReqwestConnector::default().connect(options)?,
        };
        Ok(HttpClient::new(Filtering {
            inner,
            found: self.found.clone(),
        }))
    }
}

#[derive(Debug)]
struct Filtering {
    inner: HttpClient,
    found: UnaddressableKeys,
}

#[async_trait]
impl HttpService for Filtering {
    async fn call(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let is_listing = request.method() == http::Method::GET
            && request
                .uri()
                .query()
                .is_some_and(|query| query.split('&').any(|pair| pair == "list-type=2"));
        let response = self.inner.execute(request).await?;
        if !is_listing || !response.status().is_success() {
            return Ok(response);
        }
        let (mut parts, body) = response.into_parts();
        let bytes = body.bytes().await?;
        let filtered = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|page| without_unaddressable(page, &mut |key| self.found.record(key)));
        let body = match filtered {
            Some(page) => {
                parts.headers.remove(http::header::CONTENT_LENGTH);
                HttpResponseBody::from(page)
            }
            None => HttpResponseBody::from(bytes),
        };
        Ok(HttpResponse::from_parts(parts, body))
    }
}

/// Whether object_store can address `key`.
fn addressable(key: &str) -> bool {
    Path::parse(key).is_ok()
}

/// The elements of a listing page that name a key, and the child holding it.
const ENTRIES: [(&str, &str, &str); 2] = [
    ("<Contents>", "</Contents>", "Key"),
    ("<CommonPrefixes>", "</CommonPrefixes>", "Prefix"),
];

/// `page` without the entries whose key is unaddressable, each passed to `found`; `None`
/// when every key is addressable (the page is used as it is).
fn without_unaddressable(page: &str, found: &mut impl FnMut(String)) -> Option<String> {
    let mut kept = String::with_capacity(page.len());
    let mut dropped = false;
    let mut rest = page;
    // Both elements start with "<C": one scan finds the next of either.
    while let Some(at) = rest.find("<C") {
        let Some((_, close, child)) = ENTRIES
            .iter()
            .find(|(open, _, _)| rest[at..].starts_with(open))
        else {
            kept.push_str(&rest[..at + 2]);
            rest = &rest[at + 2..];
            continue;
        };
        let Some(length) = rest[at..].find(close) else {
            break;
        };
        let end = at + length + close.len();
        let element = &rest[at..end];
        kept.push_str(&rest[..at]);
        match text_of(element, child) {
            Some(key) if !addressable(&key) => {
                found(key);
                dropped = true;
            }
            _ => kept.push_str(element),
        }
        rest = &rest[end..];
    }
    kept.push_str(rest);
    dropped.then_some(kept)
}

/// The unescaped text of `element`'s child named `child`.
fn text_of(element: &str, child: &str) -> Option<String> {
    let open = format!("<{child}>");
    let close = format!("</{child}>");
    let start = element.find(&open)? + open.len();
    let length = element[start..].find(&close)?;
    quick_xml::escape::unescape(&element[start..start + length])
        .ok()
        .map(|text| text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(keys: &[&str], prefixes: &[&str]) -> String {
        let mut page = String::from(
            r#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name>"#,
        );
        for key in keys {
            let key = quick_xml::escape::escape(*key);
            page.push_str(&format!(
                "<Contents><Key>{key}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>\
                 <ETag>\"e\"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>"
            ));
        }
        for prefix in prefixes {
            page.push_str(&format!(
                "<CommonPrefixes><Prefix>{prefix}</Prefix></CommonPrefixes>"
            ));
        }
        page.push_str(
            "<KeyCount>1</KeyCount><ContinuationToken>C</ContinuationToken></ListBucketResult>",
        );
        page
    }

    #[test]
    fn unaddressable_keys_are_left_out_and_reported() {
        /// What the case is, the keys and common prefixes listed, and those left out.
        type Case = (
            &'static str,
            &'static [&'static str],
            &'static [&'static str],
            &'static [&'static str],
        );
        let cases: [Case; 8] = [
            (
                "all good",
                &["lake/a.csv", "lake/b & c.csv"],
                &["lake/x/"],
                &[],
            ),
            (
                "an empty segment",
                &["lake/a.csv", "lake//b.csv"],
                &[],
                &["lake//b.csv"],
            ),
            (
                "a dot segment",
                &["lake/./b.csv", "lake/c.csv"],
                &[],
                &["lake/./b.csv"],
            ),
            (
                "a dot-dot segment",
                &["lake/../b.csv"],
                &[],
                &["lake/../b.csv"],
            ),
            ("a trailing dot segment", &["lake/b/."], &[], &["lake/b/."]),
            (
                "a control character",
                &["lake/b\u{1}.csv"],
                &[],
                &["lake/b\u{1}.csv"],
            ),
            (
                "a common prefix with an empty segment",
                &[],
                &["lake/x//", "lake/y/"],
                &["lake/x//"],
            ),
            ("a dot in a name is fine", &["lake/b./c.d"], &[], &[]),
        ];
        for (case, keys, prefixes, refused) in cases {
            let mut found = Vec::new();
            let original = page(keys, prefixes);
            let filtered = without_unaddressable(&original, &mut |key| found.push(key));
            assert_eq!(found, refused, "{case}");
            match filtered {
                None => assert!(refused.is_empty(), "{case}"),
                Some(filtered) => {
                    let kept: Vec<&str> = keys
                        .iter()
                        .chain(prefixes.iter())
                        .copied()
                        .filter(|key| !refused.contains(key))
                        .collect();
                    assert_eq!(
                        filtered,
                        page(
                            &keys
                                .iter()
                                .copied()
                                .filter(|k| kept.contains(k))
                                .collect::<Vec<_>>(),
                            &prefixes
                                .iter()
                                .copied()
                                .filter(|k| kept.contains(k))
                                .collect::<Vec<_>>(),
                        ),
                        "{case}"
                    );
                }
            }
        }
    }
}
