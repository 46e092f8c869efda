//! Fault injection in front of a real server: a proxy that answers the first GET requests,
//! and every GET of one chosen object, with S3's throttling error (503 SlowDown), and
//! forwards every other request unchanged.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What a [`FlakyProxy`] throttles.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// How many GET requests are throttled before any is forwarded.
    pub first_gets: usize,
    /// GET requests whose target (path and query) contains this are always throttled.
    pub always: Option<String>,
}

/// A proxy on 127.0.0.1 that throttles GET requests as its [`Faults`] say; it stops when
/// dropped. Each connection carries one request (`Connection: close` both ways), so a
/// failure never poisons a kept-alive connection.
#[derive(Debug)]
pub struct FlakyProxy {
    address: SocketAddr,
    counters: Arc<Counters>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug, Default)]
struct Counters {
    /// GET requests seen, throttled or not.
    gets: AtomicUsize,
    /// Requests answered with 503.
    throttled: AtomicUsize,
}

const SLOW_DOWN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";

/// Reads one request: its head (up to the blank line) and a `Content-Length` body.
async fn read_request(client: &mut TcpStream) -> Result<(String, Vec<u8>)> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = client.read(&mut chunk).await?;
        anyhow::ensure!(n > 0, "the client closed the connection");
        bytes.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = bytes[head_end..].to_vec();
    while body.len() < length {
        let n = client.read(&mut chunk).await?;
        anyhow::ensure!(n > 0, "the client closed the connection mid-body");
        body.extend_from_slice(&chunk[..n]);
    }
    Ok((head, body))
}

/// The head with its `Connection` header replaced by `Connection: close`.
fn closing(head: &str) -> String {
    let mut lines: Vec<&str> = head
        .trim_end()
        .lines()
        .filter(|line| {
            !line
                .split_once(':')
                .is_some_and(|(name, _)| name.eq_ignore_ascii_case("connection"))
        })
        .collect();
    lines.push("Connection: close");
    format!("{}\r\n\r\n", lines.join("\r\n"))
}

async fn serve(
    mut client: TcpStream,
    upstream: SocketAddr,
    counters: &Counters,
    faults: &Faults,
) -> Result<()> {
    let (head, body) = read_request(&mut client).await?;
    let is_get = head.starts_with("GET ");
    let request_target = head.lines().next().unwrap_or_default();
    let throttle = is_get
        && (counters.gets.fetch_add(1, Ordering::SeqCst) < faults.first_gets
            || faults
                .always
                .as_deref()
                .is_some_and(|part| request_target.contains(part)));
    if throttle {
        counters.throttled.fetch_add(1, Ordering::SeqCst);
        let response = format!(
            "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{SLOW_DOWN}",
            SLOW_DOWN.len()
        );
        client.write_all(response.as_bytes()).await?;
        return Ok(());
    }
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(closing(&head).as_bytes()).await?;
    server.write_all(&body).await?;
    let mut response = Vec::new();
    server.read_to_end(&mut response).await?;
    let head_end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(response.len(), |at| at + 4);
    let response_head = String::from_utf8_lossy(&response[..head_end]).to_string();
    client.write_all(closing(&response_head).as_bytes()).await?;
    client.write_all(&response[head_end..]).await?;
    Ok(())
}

impl FlakyProxy {
    /// Starts a proxy to `upstream` that throttles the first `failures` GET requests.
    pub async fn start(upstream: SocketAddr, failures: usize) -> Result<FlakyProxy> {
        FlakyProxy::start_with(
            upstream,
            Faults {
                first_gets: failures,
                always: None,
            },
        )
        .await
    }

    /// Starts a proxy to `upstream` that throttles what `faults` says.
    pub async fn start_with(upstream: SocketAddr, faults: Faults) -> Result<FlakyProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot bind a loopback port")?;
        let address = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let shared = counters.clone();
        let faults = Arc::new(faults);
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let counters = shared.clone();
                let faults = faults.clone();
                tokio::spawn(async move {
                    let _ = serve(client, upstream, &counters, &faults).await;
                });
            }
        });
        Ok(FlakyProxy {
            address,
            counters,
            task,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// How many GET requests were throttled.
    pub fn throttled(&self) -> usize {
        self.counters.throttled.load(Ordering::SeqCst)
    }
}

impl Drop for FlakyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
