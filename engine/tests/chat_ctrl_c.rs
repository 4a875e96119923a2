//! `infer chat` in a real terminal (tmux): Ctrl-C stops a reply and returns to the prompt,
//! Ctrl-C at the prompt ends the chat, and the shell gets a clean line back.

use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux is installed (the test suite needs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn screen(session: &str) -> String {
    tmux(&["capture-pane", "-p", "-t", session])
}

fn wait_for(session: &str, what: impl Fn(&str) -> bool, secs: u64) -> String {
    let start = Instant::now();
    loop {
        let s = screen(session);
        if what(&s) {
            return s;
        }
        assert!(start.elapsed() < Duration::from_secs(secs), "timed out; screen:\n{s}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn ctrl_c_stops_a_reply_then_ends_the_chat_cleanly() {
    let session = format!("chat-ctrl-c-{}", std::process::id());
    let cmd = format!("{} chat --threads 2 -n 2000 --temp 1.0 --seed 1; echo EXIT=$?", env!("CARGO_BIN_EXE_infer"));
    tmux(&["new-session", "-d", "-s", &session, "-x", "200", "-y", "50", "bash", "--norc", "-c", &format!("{cmd}; sleep 30")]);
    // (capture-pane drops trailing spaces: the prompt "> " shows as ">")
    let at_prompt = |s: &str| s.lines().rev().find(|l| !l.trim().is_empty()).is_some_and(|l| l.trim_end() == ">");
    wait_for(&session, at_prompt, 60);
    tmux(&["send-keys", "-t", &session, "Write a very long story about a robot.", "Enter"]);
    // Let the reply start, then interrupt it.
    std::thread::sleep(Duration::from_secs(3));
    tmux(&["send-keys", "-t", &session, "C-c"]);
    let s = wait_for(&session, |s| s.contains("[stopped]"), 30);
    assert!(!s.contains("EXIT="), "the first Ctrl-C must stop the reply, not the chat:\n{s}");
    wait_for(&session, at_prompt, 10);
    tmux(&["send-keys", "-t", &session, "C-c"]);
    tmux(&["send-keys", "-t", &session, "Enter"]);
    let s = wait_for(&session, |s| s.contains("EXIT="), 30);
    tmux(&["kill-session", "-t", &session]);
    assert!(s.contains("EXIT=0"), "{s}");
    // The exit line starts at column 0: nothing was left half-written.
    assert!(s.lines().any(|l| l.starts_with("EXIT=0")), "{s}");
}
