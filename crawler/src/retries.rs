//! Counting the object-store requests that fail in a way the store retries.
//!
//! object_store retries throttling (429, S3's 503 SlowDown), server errors and dropped
//! connections itself, with exponential backoff and jitter. It does not say how often, so
//! the HTTP client it uses is wrapped: every response or failure that it will retry is
//! counted, and the count goes into the crawl's run record.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use object_store::client::{
    ClientOptions, HttpClient, HttpConnector, HttpError, HttpRequest, HttpResponse, HttpService,
    ReqwestConnector,
};

/// Builds HTTP clients that count retryable failures into a shared counter.
#[derive(Debug, Clone, Default)]
pub struct RetryCounter {
    failures: Arc<AtomicU64>,
}

impl RetryCounter {
    /// How many retryable failures the clients saw so far.
    pub fn count(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }
}

impl HttpConnector for RetryCounter {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        Ok(HttpClient::new(Counting {
            inner: ReqwestConnector::default().connect(options)?,
            failures: self.failures.clone(),
        }))
    }
}

#[derive(Debug)]
struct Counting {
    inner: HttpClient,
    failures: Arc<AtomicU64>,
}

#[async_trait]
impl HttpService for Counting {
    async fn call(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let result = self.inner.execute(request).await;
        let retryable = match &result {
            Ok(response) => {
                let status = response.status();
                status.is_server_error() || status.as_u16() == 429
            }
            Err(_) => true,
        };
        if retryable {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
        result
    }
}
