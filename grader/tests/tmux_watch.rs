//! `learn lab --watch` in a real terminal: it grades again when the lab's file is saved (with
//! file events, and with the polling fallback), ignores keys pressed while a run is in flight,
//! and leaves on q.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::tmux::Tmux;

fn attempts(home: &Path) -> usize {
    std::fs::read_to_string(home.join("progress.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|p| p["labs"]["gguf-header"]["attempts"].as_array().map(Vec::len))
        .unwrap_or(0)
}

fn wait_for_attempts(home: &Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while attempts(home) < n {
        assert!(Instant::now() < deadline, "the lab was not graded again ({} attempts, waiting for {n})", attempts(home));
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Both tests save the same file: one at a time, or each would see the other's saves.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn watch(poll: bool) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let home = support::home();
    let root = support::repo_root();
    let command = format!(
        "env LEARN_ROOT='{}' LEARN_HOME='{}' NO_COLOR=1 LEARN_WATCH_POLL={} '{}' lab 1.1 --watch; echo WATCH-ENDED; sleep 60",
        root.display(),
        home.path().display(),
        if poll { "1" } else { "0" },
        env!("CARGO_BIN_EXE_learn")
    );
    let tmux = Tmux::start(&command);
    let how = if poll { "polling" } else { "watching" };
    tmux.wait_for_within(&format!("{how} src/lib.rs for changes"), Duration::from_secs(600));
    assert_eq!(attempts(home.path()), 1);

    // Saving the file (same bytes, new modification time) grades again.
    let lib = root.join("labs/1.1-gguf-header/src/lib.rs");
    let text = std::fs::read(&lib).unwrap();
    std::thread::sleep(Duration::from_millis(1100)); // a new mtime even on coarse clocks
    std::fs::write(&lib, &text).unwrap();
    wait_for_attempts(home.path(), 2);

    // r grades again at once; a q pressed during that run is ignored.
    tmux.wait_for(&format!("{how} src/lib.rs for changes"));
    tmux.keys(&["r", "q"]);
    wait_for_attempts(home.path(), 3);
    std::thread::sleep(Duration::from_millis(500));
    let screen = tmux.wait_for(&format!("{how} src/lib.rs for changes"));
    assert!(!screen.contains("WATCH-ENDED"), "q pressed during a run must not quit:\n{screen}");

    tmux.keys(&["q"]);
    tmux.wait_for("WATCH-ENDED");
    assert_eq!(attempts(home.path()), 3);
}

#[test]
fn watch_grades_again_on_save_with_file_events() {
    watch(false);
}

#[test]
fn watch_grades_again_on_save_when_polling() {
    watch(true);
}
