//! `cargo test --no-run` for one lab's graded tests, reading cargo's JSON messages for the test
//! executable and for compiler errors.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};

use super::Subject;

pub enum Built {
    Executable(PathBuf),
    /// Rendered compiler errors.
    Failed(String),
}

pub fn graded_tests(root: &Path, package: &str, subject: Subject, color: bool) -> Result<Built> {
    let format = if color { "json-diagnostic-rendered-ansi" } else { "json" };
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root)
        .args(["test", "--quiet", "--no-run", "-p", package, "--test", "graded"])
        .arg(format!("--message-format={format}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if subject == Subject::Solution {
        cmd.args(["--features", "solution"]);
    }
    let mut child = cmd.spawn().context("cannot run cargo: is the Rust toolchain installed (https://rustup.rs)?")?;
    let stderr = child.stderr.take().expect("piped");
    let stderr_reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());

    let mut executable = None;
    let mut errors = Vec::new();
    for line in std::io::BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line.context("reading cargo's output")?;
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        match msg["reason"].as_str() {
            Some("compiler-artifact") if msg["target"]["name"] == "graded" && msg["profile"]["test"] == true => {
                executable = msg["executable"].as_str().map(PathBuf::from);
            }
            Some("compiler-message") if msg["message"]["level"] == "error" => {
                if let Some(rendered) = msg["message"]["rendered"].as_str() {
                    errors.push(rendered.to_string());
                }
            }
            _ => {}
        }
    }
    let status = child.wait().context("waiting for cargo")?;
    let stderr = stderr_reader.join().unwrap_or_default();
    match executable {
        Some(exe) if status.success() => Ok(Built::Executable(exe)),
        _ => {
            if errors.is_empty() {
                // Not a compile error of the lab (a bad manifest, a missing package): cargo says why.
                errors.push(stderr.trim().to_string());
            }
            Ok(Built::Failed(errors.join("\n")))
        }
    }
}
