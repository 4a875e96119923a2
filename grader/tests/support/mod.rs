//! Shared by the grader's integration tests.
#![allow(dead_code)] // each test file uses a different subset

pub mod tmux;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use grader::curriculum::Curriculum;

/// A small, fixed course (one quiz of each question type, an interview set, a track, levels)
/// so that screens and transcripts do not change when the real content does.
pub fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/course")
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub fn fixture() -> Curriculum {
    Curriculum::load(&fixture_root()).unwrap_or_else(|e| panic!("{e}"))
}

/// A fresh LEARN_HOME.
pub fn home() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// `learn ARGS` on `root` with `home` as LEARN_HOME, stdin from `input`.
pub fn learn(root: &Path, home: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_learn"))
        .args(args)
        .env("LEARN_ROOT", root)
        .env("LEARN_HOME", home)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

pub fn progress_json(home: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(home.join("progress.json")).expect("a progress file was written");
    serde_json::from_str(&text).unwrap()
}
