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
    run_with_env(exe, cwd, name, timeout_seconds, &[])
}

pub fn run_with_env(exe: &Path, cwd: &Path, name: &str, timeout_seconds: u64, env: &[(&str, &str)]) -> Result<TestOutcome> {
    let start = Instant::now();
    let mut cmd = Command::new(exe);
    cmd.envs(env.iter().copied());
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
    if let Ok(pid) = i32::try_from(child.id())
        && pid > 0
    {
        // SAFETY: kill(2) has no memory effects; -pid names the child's own process group
        // (it was started with process_group(0)), never ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
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
    use super::*;

    /// A stand-in for a learner's test, run as a child process by the tests below: it loops
    /// forever, fails, or passes, as LEARN_RUNNER_FIXTURE says (and passes when unset).
    #[test]
    fn fixture_behaviour() {
        match std::env::var("LEARN_RUNNER_FIXTURE").as_deref() {
            Ok("loop") => loop {
                std::hint::spin_loop();
            },
            Ok("fail") => assert_eq!(1 + 1, 3, "planted failure"),
            _ => {}
        }
    }

    fn fixture(mode: &str, timeout: u64) -> TestOutcome {
        let exe = std::env::current_exe().unwrap();
        let name = "lab_runner::run_test::tests::fixture_behaviour";
        run_with_env(&exe, Path::new("."), name, timeout, &[("LEARN_RUNNER_FIXTURE", mode)]).unwrap()
    }

    #[test]
    fn an_endless_test_is_a_failed_test_not_a_hung_grader() {
        let started = Instant::now();
        let outcome = fixture("loop", 1);
        assert!(!outcome.passed);
        assert!(outcome.message.contains("timed out after 1 s"), "{}", outcome.message);
        assert!(started.elapsed() < Duration::from_secs(30), "the runner waited {:?}", started.elapsed());
    }

    #[test]
    fn a_failing_test_reports_its_panic_message() {
        let outcome = fixture("fail", 60);
        assert!(!outcome.passed);
        assert!(outcome.message.contains("planted failure"), "{}", outcome.message);
    }

    #[test]
    fn a_passing_test_passes_and_a_missing_one_does_not() {
        assert!(fixture("pass", 60).passed);
        let exe = std::env::current_exe().unwrap();
        let missing = run(&exe, Path::new("."), "no_such_test", 60).unwrap();
        assert!(!missing.passed);
        assert_eq!(missing.message, "the test did not run");
    }

    #[test]
    fn takes_the_panic_message_from_the_failure_section() {
        let out = "running 1 test\ntest t ... FAILED\n\nfailures:\n\n---- t stdout ----\n\nthread 't' panicked at tests/graded.rs:9:5:\nassertion `left == right` failed\n  left: 1\n right: 2\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\nfailures:\n    t\n\ntest result: FAILED.";
        let msg = failure_message("t", out, "");
        assert!(msg.starts_with("thread 't' panicked at tests/graded.rs:9:5:"), "{msg}");
        assert!(msg.contains("right: 2"));
        assert!(!msg.contains("RUST_BACKTRACE"));
    }
}
