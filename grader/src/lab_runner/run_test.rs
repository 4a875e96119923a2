//! Running one test of a libtest executable in its own process, with a time limit.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::TestOutcome;

pub struct Listed {
    pub tests: Vec<String>,
    pub ignored: HashSet<String>,
}

/// The tests the executable holds, and which of them are `#[ignore]`d.
pub fn list(exe: &Path) -> Result<Listed> {
    let names = |extra: &[&str]| -> Result<Vec<String>> {
        let out = Command::new(exe)
            .args(["--list", "--format", "terse"])
            .args(extra)
            .output()
            .with_context(|| format!("cannot run {}", exe.display()))?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_suffix(": test"))
            .map(str::to_string)
            .collect())
    };
    let tests = names(&[])?;
    let ignored = names(&["--ignored"])?.into_iter().collect();
    Ok(Listed { tests, ignored })
}

pub fn run(exe: &Path, cwd: &Path, name: &str, timeout_seconds: u64) -> Result<TestOutcome> {
    let start = Instant::now();
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", name, "--test-threads", "1"])
        .env("RUST_BACKTRACE", "0")
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().with_context(|| format!("cannot run {}", exe.display()))?;
    let stdout = drain(child.stdout.take().expect("piped"));
    let stderr = drain(child.stderr.take().expect("piped"));

    let limit = Duration::from_secs(timeout_seconds);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if start.elapsed() >= limit {
            kill_group(&mut child);
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let seconds = start.elapsed().as_secs_f64();
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    let outcome = |passed: bool, message: String| TestOutcome { name: name.to_string(), passed, message, hint: None, seconds };
    Ok(match status {
        None => outcome(false, format!("timed out after {timeout_seconds} s (an endless loop, or far too slow?)")),
        // Exit 0 alone is not enough: the filter must have matched and run exactly this test.
        Some(s) if s.success() && out.contains("test result: ok. 1 passed") => outcome(true, String::new()),
        Some(s) if s.success() => outcome(false, "the test did not run".into()),
        Some(_) => outcome(false, failure_message(name, &out, &err)),
    })
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Kills the test and anything it started (a lab may spawn its own binary).
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill").args(["-KILL", &format!("-{}", child.id())]).stderr(Stdio::null()).status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The test's own output from libtest's failure section: the panic message and what it printed.
fn failure_message(name: &str, stdout: &str, stderr: &str) -> String {
    let header = format!("---- {name} stdout ----");
    if let Some(start) = stdout.find(&header) {
        let body = &stdout[start + header.len()..];
        let end = ["\n\nfailures:", "\n---- "].iter().filter_map(|m| body.find(m)).min().unwrap_or(body.len());
        let text = body[..end].trim();
        if !text.is_empty() {
            return tidy(text);
        }
    }
    let text = stderr.trim();
    if text.is_empty() { "the test failed without a message".into() } else { tidy(text) }
}

/// Drops libtest's backtrace advice, which does not help a learner.
fn tidy(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("note: run with `RUST_BACKTRACE=1`"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::failure_message;

    #[test]
    fn takes_the_panic_message_from_the_failure_section() {
        let out = "running 1 test\ntest t ... FAILED\n\nfailures:\n\n---- t stdout ----\n\nthread 't' panicked at tests/graded.rs:9:5:\nassertion `left == right` failed\n  left: 1\n right: 2\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\nfailures:\n    t\n\ntest result: FAILED.";
        let msg = failure_message("t", out, "");
        assert!(msg.starts_with("thread 't' panicked at tests/graded.rs:9:5:"), "{msg}");
        assert!(msg.contains("right: 2"));
        assert!(!msg.contains("RUST_BACKTRACE"));
    }
}
