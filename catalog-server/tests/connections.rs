//! The accept loop's bounds: a client that trickles its headers is cut off, and clients
//! beyond the connection limit wait until a connection closes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use lakecat_server::http_server::{ConnectionLimits, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const REQUEST: &[u8] = b"GET /hello HTTP/1.1\r\nHost: lakecat\r\nConnection: close\r\n\r\n";

/// A server under test; dropping it (or sending on `stop`) shuts it down.
struct TestServer {
    address: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Starts a server answering `/hello`.
async fn start(limits: ConnectionLimits) -> TestServer {
    start_app(
        Router::new().route("/hello", get(|| async { "hello" })),
        limits,
    )
    .await
}

/// Starts a server for `app` on a free loopback port.
async fn start_app(app: Router, limits: ConnectionLimits) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, app, limits, async move {
        let _ = stopped.await;
    }));
    TestServer {
        address,
        stop,
        task,
    }
}

/// Sends a whole request and reads the whole response.
async fn fetch(stream: &mut TcpStream) -> String {
    stream.write_all(REQUEST).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

/// Reads until the server closes the connection; `true` when it did within `patience`.
async fn closed_within(
    stream: &mut (impl tokio::io::AsyncRead + Unpin),
    patience: Duration,
) -> bool {
    let mut buffer = [0u8; 256];
    tokio::time::timeout(patience, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn trickled_headers_and_idle_kept_alive_connections_are_cut_off() {
    let server = start(ConnectionLimits {
        client_timeout: Duration::from_secs(1),
        max_connections: 8,
    })
    .await;
    let address = server.address;
    let mut slow = TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET /hello HTTP/1.1\r\nHost: lakecat\r\n")
        .await
        .unwrap();
    // One header byte every 100 ms keeps the connection busy forever without the timeout.
    let (mut reader, mut writer) = slow.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            if writer.write_all(b"X").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    assert!(
        closed_within(&mut reader, Duration::from_secs(5)).await,
        "the slow client's connection was still open after 5 s"
    );
    trickle.abort();
    // A kept-alive connection left idle as long is closed too.
    let mut idle = TcpStream::connect(address).await.unwrap();
    idle.write_all(b"GET /hello HTTP/1.1\r\nHost: lakecat\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 1024];
    let n = idle.read(&mut buffer).await.unwrap();
    assert!(String::from_utf8_lossy(&buffer[..n]).ends_with("hello"));
    assert!(
        closed_within(&mut idle, Duration::from_secs(5)).await,
        "an idle kept-alive connection was still open after 5 s"
    );
    // The server still answers others.
    let mut client = TcpStream::connect(address).await.unwrap();
    assert!(fetch(&mut client).await.ends_with("hello"));
}

#[tokio::test]
async fn a_client_that_stops_reading_its_response_is_cut_off() {
    const BODY: usize = 32 << 20;
    let app = Router::new().route("/big", get(|| async { vec![b'x'; BODY] }));
    let server = start_app(
        app,
        ConnectionLimits {
            client_timeout: Duration::from_secs(1),
            max_connections: 8,
        },
    )
    .await;
    let address = server.address;
    // A small receive window, so that the response cannot sit whole in socket buffers.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut client = socket.connect(address).await.unwrap();
    client
        .write_all(b"GET /big HTTP/1.1\r\nHost: lakecat\r\n\r\n")
        .await
        .unwrap();
    // Not reading for three times the timeout.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut received = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), client.read_to_end(&mut received)).await;
    assert!(
        received.len() < BODY,
        "the whole {BODY}-byte response arrived: the stalled connection was kept"
    );
}

#[tokio::test]
async fn clients_beyond_the_connection_limit_wait_for_a_free_connection() {
    let server = start(ConnectionLimits {
        client_timeout: Duration::from_secs(60),
        max_connections: 2,
    })
    .await;
    let address = server.address;
    let mut idle = vec![
        TcpStream::connect(address).await.unwrap(),
        TcpStream::connect(address).await.unwrap(),
    ];
    // Both idle connections hold the server's two slots once accepted.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut waiting = TcpStream::connect(address).await.unwrap();
    waiting.write_all(REQUEST).await.unwrap();
    assert!(
        !closed_within(&mut waiting, Duration::from_millis(700)).await,
        "a third connection was served while two held the server's limit"
    );
    idle.pop();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), waiting.read_to_end(&mut response))
        .await
        .expect("the waiting client was not served after a connection closed")
        .unwrap();
    assert!(String::from_utf8_lossy(&response).ends_with("hello"));
    // The remaining idle connection is still open: the limit is per open connection.
    assert!(!closed_within(&mut idle[0], Duration::from_millis(100)).await);
}

#[tokio::test]
async fn shutdown_stops_accepting_and_finishes_requests_in_flight() {
    let app = Router::new().route(
        "/hello",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            "hello"
        }),
    );
    let TestServer {
        address,
        stop,
        task: server,
    } = start_app(app, ConnectionLimits::default()).await;
    let mut client = TcpStream::connect(address).await.unwrap();
    client.write_all(REQUEST).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let mut response = Vec::new();
    client.read_to_end(&mut response).await.unwrap();
    assert!(String::from_utf8_lossy(&response).ends_with("hello"));
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server did not stop after its last request")
        .unwrap();
    assert!(
        TcpStream::connect(address).await.is_err(),
        "still accepting after shutdown"
    );
}
