//! Fault injection in front of a real server: a proxy that answers the first GET requests,
//! and every GET of one chosen object, with S3's throttling error (503 SlowDown), that can
//! add keys to listings, that can hold chosen requests until told to let them through (an
//! object store slow at a known moment, seen from outside the process under test), and
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
    /// Keys added to listings, each once: to the first flat `ListObjectsV2` page (no
    /// delimiter) whose prefix they start with. S3 allows keys a file-backed server cannot
    /// store (`a//b`, `a/./b`, `a/../b`, `a/.`); this is how a listing of them looks.
    pub listed: Vec<String>,
    /// GET requests whose decoded target (path and query) contains this are held, unanswered,
    /// until [`FlakyProxy::let_through`]; later ones are forwarded at once.
    pub held: Option<String>,
}

/// A proxy on 127.0.0.1 that throttles GET requests as its [`Faults`] say; it stops when
/// dropped. Each connection carries one request (`Connection: close` both ways), so a
/// failure never poisons a kept-alive connection.
#[derive(Debug)]
pub struct FlakyProxy {
    address: SocketAddr,
    counters: Arc<Counters>,
    task: tokio::task::JoinHandle<()>,
    let_through: tokio::sync::watch::Sender<bool>,
}

#[derive(Debug, Default)]
struct Counters {
    /// GET requests seen, throttled or not.
    gets: AtomicUsize,
    /// Requests answered with 503.
    throttled: AtomicUsize,
    /// `ListObjectsV2` requests seen (every page, with a delimiter or not).
    listings: AtomicUsize,
    /// Keys of [`Faults::listed`] already added to a listing.
    listed: std::sync::Mutex<Vec<String>>,
    /// Requests held by [`Faults::held`] so far.
    held: AtomicUsize,
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
    mut let_through: tokio::sync::watch::Receiver<bool>,
) -> Result<()> {
    let (head, body) = read_request(&mut client).await?;
    let is_get = head.starts_with("GET ");
    let request_target = head.lines().next().unwrap_or_default();
    if is_get
        && !*let_through.borrow()
        && let Some(held) = &faults.held
        && percent_decode(request_target).contains(held.as_str())
    {
        counters.held.fetch_add(1, Ordering::SeqCst);
        let _ = let_through.wait_for(|through| *through).await;
    }
    if is_get && request_target.contains("list-type=2") {
        counters.listings.fetch_add(1, Ordering::SeqCst);
    }
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
    let mut response_head = String::from_utf8_lossy(&response[..head_end]).to_string();
    let mut response_body = response[head_end..].to_vec();
    if is_get && let Some(prefix) = flat_listing_prefix(request_target) {
        let keys: Vec<String> = {
            let mut listed = counters
                .listed
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let keys: Vec<String> = faults
                .listed
                .iter()
                .filter(|key| key.starts_with(&prefix) && !listed.contains(key))
                .cloned()
                .collect();
            listed.extend(keys.iter().cloned());
            keys
        };
        if !keys.is_empty() {
            response_body = with_keys(&response_body, &keys);
            response_head = with_content_length(&response_head, response_body.len());
        }
    }
    client.write_all(closing(&response_head).as_bytes()).await?;
    client.write_all(&response_body).await?;
    Ok(())
}

/// The decoded prefix of a flat `ListObjectsV2` request (`GET /bucket?list-type=2&...`
/// without a delimiter), from its request line.
fn flat_listing_prefix(request_line: &str) -> Option<String> {
    let target = request_line.split(' ').nth(1)?;
    let (_, query) = target.split_once('?')?;
    let pairs: Vec<(&str, &str)> = query.split('&').filter_map(|p| p.split_once('=')).collect();
    if !pairs.contains(&("list-type", "2")) || pairs.iter().any(|(k, _)| *k == "delimiter") {
        return None;
    }
    let prefix = pairs
        .iter()
        .find(|(k, _)| *k == "prefix")
        .map_or("", |(_, v)| v);
    Some(percent_decode(prefix))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                at += 1;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A listing page with `keys` added as objects of 5 bytes.
fn with_keys(page: &[u8], keys: &[String]) -> Vec<u8> {
    let page = String::from_utf8_lossy(page);
    let entries: String = keys
        .iter()
        .map(|key| {
            let key = key
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!(
                "<Contents><Key>{key}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>\
                 <ETag>\"0\"</ETag><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents>"
            )
        })
        .collect();
    match page.rfind("</ListBucketResult>") {
        Some(at) => format!("{}{entries}{}", &page[..at], &page[at..]).into_bytes(),
        None => page.into_owned().into_bytes(),
    }
}

/// `head` with its `Content-Length` set to `length`.
fn with_content_length(head: &str, length: usize) -> String {
    let lines: Vec<String> = head
        .trim_end()
        .lines()
        .map(|line| match line.split_once(':') {
            Some((name, _)) if name.eq_ignore_ascii_case("content-length") => {
                format!("Content-Length: {length}")
            }
            _ => line.to_string(),
        })
        .collect();
    format!("{}\r\n\r\n", lines.join("\r\n"))
}

impl FlakyProxy {
    /// Starts a proxy to `upstream` that throttles the first `failures` GET requests.
    pub async fn start(upstream: SocketAddr, failures: usize) -> Result<FlakyProxy> {
        FlakyProxy::start_with(
            upstream,
            Faults {
                first_gets: failures,
                ..Faults::default()
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
        let (let_through, through) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let counters = shared.clone();
                let faults = faults.clone();
                let through = through.clone();
                tokio::spawn(async move {
                    let _ = serve(client, upstream, &counters, &faults, through).await;
                });
            }
        });
        Ok(FlakyProxy {
            address,
            counters,
            task,
            let_through,
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

    /// How many requests [`Faults::held`] has held so far (let through or not).
    pub fn held(&self) -> usize {
        self.counters.held.load(Ordering::SeqCst)
    }

    /// Forwards the held requests, and holds no more.
    pub fn let_through(&self) {
        self.let_through.send_replace(true);
    }

    /// How many listing requests (`ListObjectsV2` pages) went through.
    pub fn listings(&self) -> usize {
        self.counters.listings.load(Ordering::SeqCst)
    }
}

impl Drop for FlakyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
