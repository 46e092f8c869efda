//! lakecat's Glue-compatible API against moto's Glue on the same workload, over HTTP
//! (`benches/glue_workload.py`, which writes Glue's wire protocol directly): 10,000 partitions created with BatchCreatePartition
//! in batches of 100, 1,000 selective GetPartitions, and paging through all partitions.
//!
//! Run with `scripts/bench-glue` (or `cargo bench -p lakecat-server --bench glue` after
//! `scripts/python-env`). lakecat runs as the real binary on its default SQLite store (WAL,
//! writes durable to the operating system); moto keeps everything in memory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_for_port(port: u16, child: &mut Child) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("the server exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("the server did not start listening on {port}")
}

/// A server process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn workload(python: &PathBuf, port: u16) -> Result<Value> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/glue_workload.py");
    let output = Command::new(python)
        .arg(script)
        .arg(format!("http://127.0.0.1:{port}"))
        .output()?;
    if !output.status.success() {
        bail!(
            "workload failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

fn main() -> Result<()> {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    if !python.exists() {
        bail!(
            "{} is missing: run scripts/python-env first",
            python.display()
        );
    }
    let dir = tempfile::tempdir()?;

    let lakecat_port = free_port()?;
    let mut lakecat = Process(
        Command::new(env!("CARGO_BIN_EXE_lakecat"))
            .arg("serve")
            .current_dir(dir.path())
            .env("LAKECAT_LISTEN", format!("127.0.0.1:{lakecat_port}"))
            .env("LAKECAT_LOG", "warn")
            .env_remove("LAKECAT_DATABASE_URL")
            .stdout(Stdio::null())
            .spawn()
            .context("cannot start lakecat")?,
    );
    wait_for_port(lakecat_port, &mut lakecat.0)?;
    let ours = workload(&python, lakecat_port)?;
    drop(lakecat);

    let moto_port = free_port()?;
    let mut moto = Process(
        Command::new(&python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &moto_port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start moto")?,
    );
    wait_for_port(moto_port, &mut moto.0)?;
    let theirs = workload(&python, moto_port)?;
    drop(moto);

    let figure = |v: &Value, key: &str| v[key].as_f64().unwrap_or(f64::NAN);
    println!("Glue API, 10,000 partitions, over HTTP on loopback");
    println!();
    println!("| step | lakecat | moto | moto / lakecat |");
    println!("|---|---|---|---|");
    for (label, key, unit) in [
        (
            "BatchCreatePartition x 100 (10,000 partitions)",
            "create_seconds",
            "s",
        ),
        (
            "GetPartitions, selective Expression, p50",
            "selective_p50_ms",
            "ms",
        ),
        (
            "GetPartitions, selective Expression, p99",
            "selective_p99_ms",
            "ms",
        ),
        (
            "GetPartitions, selective Expression, 1,000 calls",
            "selective_total_seconds",
            "s",
        ),
        (
            "page through all partitions (MaxResults 1000)",
            "paging_seconds",
            "s",
        ),
    ] {
        let (a, b) = (figure(&ours, key), figure(&theirs, key));
        println!(
            "| {label} | {a:.2} {unit} | {b:.2} {unit} | {:.1}x |",
            b / a
        );
    }
    Ok(())
}
