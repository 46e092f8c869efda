//! Runs one of the benches' DuckDB scripts with the project's Python (`.venv`, made by
//! `scripts/python-env`; `LAKECAT_BENCH_PYTHON` overrides it) and reads its JSON output.

use std::ffi::OsStr;
use std::process::Command;

use serde_json::Value;

/// Runs `benches/<script>` with `args` and parses what it prints.
pub(crate) fn run_script<I, S>(script: &str, args: I) -> Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let python = std::env::var("LAKECAT_BENCH_PYTHON").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python").to_string()
    });
    let script = format!("{}/benches/{script}", env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(&python)
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python} (run scripts/python-env first): {e}"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the script prints JSON")
}
