//! Helpers for tests of the real `lakecat` binary: a free loopback port, one HTTP request,
//! and a `lakecat serve` process.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nothing listens on.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request with a JSON body; returns the status code and the body.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> std::io::Result<(u16, String)> {
    http_with(
        port,
        method,
        path,
        &[("Content-Type", "application/json")],
        body,
    )
}

/// One HTTP/1.1 request with the given headers; returns the status code and the body.
pub fn http_with(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or("");
    let headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         {headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// What a finished process wrote, its standard output then its standard error.
pub fn output_text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A running `lakecat serve`.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// Starts `lakecat serve` in `dir` and waits until it answers; its output is kept for
    /// [`Server::stop`].
    pub fn start(args: &[&str], envs: &[(&str, &str)], dir: &std::path::Path) -> Server {
        Server::spawn(args, envs, dir, None)
    }

    /// Like [`Server::start`], with the server's output appended to `log` as it runs, for
    /// tests that watch what a server does while it runs.
    pub fn start_logging(
        args: &[&str],
        envs: &[(&str, &str)],
        dir: &std::path::Path,
        log: &std::path::Path,
    ) -> Server {
        Server::spawn(args, envs, dir, Some(log))
    }

    fn spawn(
        args: &[&str],
        envs: &[(&str, &str)],
        dir: &std::path::Path,
        log: Option<&std::path::Path>,
    ) -> Server {
        let port = free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_lakecat"));
        command
            .arg("serve")
            .args(args)
            .current_dir(dir)
            .env_remove("LAKECAT_DATABASE_URL")
            .env_remove("LAKECAT_CONFIG")
            .env("LAKECAT_LISTEN", format!("127.0.0.1:{port}"));
        match log {
            Some(path) => {
                let file = std::fs::File::create(path).unwrap();
                command.stdout(file.try_clone().unwrap()).stderr(file);
            }
            None => {
                command.stdout(Stdio::piped()).stderr(Stdio::piped());
            }
        }
        for (key, value) in envs {
            command.env(key, value);
        }
        let child = command.spawn().unwrap();
        let server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok((200, _)) = http(port, "GET", "/readyz", None) {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server did not become healthy: {}", server.stop().1);
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server with SIGKILL, as a crashed machine would stop it.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Sends SIGTERM and returns (exit success, stdout + stderr).
    pub fn stop(mut self) -> (bool, String) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "server ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
        let output = std::mem::replace(&mut self.child, Command::new("true").spawn().unwrap())
            .wait_with_output()
            .unwrap();
        let text = output_text(&output);
        (output.status.success(), text)
    }
}

/// A server a failing test leaves behind is killed, not left running after the test.
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A new bearer token made by `lakecat token`: (the token clients send, the server's
/// `LAKECAT_TOKENS` entry for it).
pub fn new_token(name: &str, role: &str) -> (String, String) {
    let made = Command::new(env!("CARGO_BIN_EXE_lakecat"))
        .args(["token", "--name", name, "--role", role])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", output_text(&made));
    let text = String::from_utf8_lossy(&made.stdout).to_string();
    let field = |label: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(label))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no {label} in {text}"))
            .to_string()
    };
    (
        field("token (give it to the client; it is not stored):"),
        field("server entry (tokens / LAKECAT_TOKENS):"),
    )
}

/// A new, empty database on the test PostgreSQL server (`LAKECAT_TEST_PG_URL`, which
/// `scripts/test` sets), named `{prefix}_{process id}`, or `None` when a developer chose to
/// skip PostgreSQL outside CI (`LAKECAT_TEST_SKIP_POSTGRES=1`).
pub fn new_postgres_database(prefix: &str) -> Option<String> {
    use sqlx::{Connection, Executor};
    let Ok(server_url) = std::env::var("LAKECAT_TEST_PG_URL") else {
        let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        if !in_ci && std::env::var("LAKECAT_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
            eprintln!("LAKECAT_TEST_SKIP_POSTGRES=1: skipping PostgreSQL");
            return None;
        }
        panic!("LAKECAT_TEST_PG_URL is not set: run the tests with scripts/test");
    };
    let name = format!("{prefix}_{}", std::process::id());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let mut admin = sqlx::AnyConnection::connect(&server_url).await.unwrap();
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        admin.close().await.ok();
    });
    let (base, _) = server_url.rsplit_once('/').unwrap();
    Some(format!("{base}/{name}"))
}
