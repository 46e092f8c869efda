//! A local S3-compatible server for tests and benchmarks.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnectionBuilder;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;

/// The access key the server accepts.
pub const ACCESS_KEY: &str = "lakecat-test";
/// The secret key the server accepts.
pub const SECRET_KEY: &str = "lakecat-test-secret";
/// The region clients sign for.
pub const REGION: &str = "us-east-1";

/// An S3 server on 127.0.0.1 serving the buckets (subfolders) of a folder; it stops when
/// dropped.
#[derive(Debug)]
pub struct S3Server {
    address: SocketAddr,
    root: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl S3Server {
    /// Starts a server over `root`, on a free port, in the current tokio runtime.
    pub async fn start(root: &Path) -> Result<S3Server> {
        let fs = s3s_fs::FileSystem::new(root)
            .map_err(|e| anyhow::anyhow!("cannot serve {}: {e:?}", root.display()))?;
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot bind a loopback port")?;
        let address = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let http = ConnectionBuilder::new(TokioExecutor::new());
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let connection = http
                    .serve_connection(TokioIo::new(socket), service.clone())
                    .into_owned();
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
        });
        Ok(S3Server {
            address,
            root: root.to_path_buf(),
            task,
        })
    }

    /// The server's loopback address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Creates a bucket (a folder under the root); returns its folder.
    pub fn create_bucket(&self, bucket: &str) -> Result<PathBuf> {
        let folder = self.root.join(bucket);
        std::fs::create_dir_all(&folder)?;
        Ok(folder)
    }

    /// A client for `bucket`, with the server's credentials.
    pub fn store(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>> {
        Ok(Arc::new(
            AmazonS3Builder::new()
                .with_endpoint(self.endpoint())
                .with_allow_http(true)
                .with_bucket_name(bucket)
                .with_region(REGION)
                .with_access_key_id(ACCESS_KEY)
                .with_secret_access_key(SECRET_KEY)
                .build()?,
        ))
    }

    /// Environment variables that point AWS clients (and `lakecat crawl`) at this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
            ("AWS_REGION", REGION.into()),
        ]
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}
