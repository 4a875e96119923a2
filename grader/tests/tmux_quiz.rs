//! End to end: the real `learn quiz` in a real terminal (tmux), answered with keys, and the
//! score it records. The test command installs tmux when it is missing.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    session: String,
}

impl Tmux {
    fn start(command: &str) -> Tmux {
        let session = format!("learn-quiz-{}", std::process::id());
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-s", &session, "-x", "100", "-y", "30", command])
            .status()
            .expect("tmux is needed for this test (Debian/Ubuntu: apt-get install tmux; scripts/test.sh installs it)");
        assert!(ok.success());
        Tmux { session }
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            assert!(Command::new("tmux").args(["send-keys", "-t", &self.session, k]).status().unwrap().success());
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux").args(["capture-pane", "-p", "-t", &self.session]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(Instant::now() < deadline, "waited 30 s for {text:?}; the screen shows:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn alive(&self) -> bool {
        Command::new("tmux").args(["has-session", "-t", &self.session]).status().is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.session]).status();
    }
}

#[test]
fn a_quiz_answered_with_keys_records_its_score() {
    let home = support::home();
    let command = format!(
        "env LEARN_ROOT='{}' LEARN_HOME='{}' NO_COLOR=1 '{}' quiz 1; sleep 30",
        support::fixture_root().display(),
        home.path().display(),
        env!("CARGO_BIN_EXE_learn")
    );
    let tmux = Tmux::start(&command);
    tmux.wait_for("question 1/5");
    tmux.keys(&["a", "Enter"]); // right
    tmux.wait_for("✓ Correct.");
    tmux.keys(&["Enter"]);
    tmux.wait_for("question 2/5");
    tmux.keys(&["a", "b", "Enter"]); // right
    tmux.wait_for("✓ Correct.");
    tmux.keys(&["Enter"]);
    tmux.wait_for("question 3/5");
    tmux.keys(&["1", "7", "Enter"]); // wrong: 18
    tmux.wait_for("The answer: 18 bytes");
    tmux.keys(&["Enter"]);
    tmux.wait_for("question 4/5");
    tmux.keys(&["general.alignment", "Enter"]); // right
    tmux.wait_for("✓ Correct.");
    tmux.keys(&["Enter"]);
    tmux.wait_for("question 5/5");
    tmux.keys(&["Enter"]); // the shown order is not the right one
    tmux.wait_for("✗ Not quite.");
    tmux.keys(&["Enter"]);
    let results = tmux.wait_for("Score: 3 / 5 (60%)");
    assert!(results.contains("2 question(s) missed"), "{results}");
    tmux.keys(&["q"]);
    let after = tmux.wait_for("Module 1 quiz: 3 / 5 recorded.");
    assert!(tmux.alive());
    // The terminal is back to normal: the shell's output, not the quiz screen.
    assert!(!after.contains("┌"), "the alternate screen was not left:\n{after}");

    let p = support::progress_json(home.path());
    let attempt = &p["sets"]["quiz-1"]["attempts"][0];
    assert_eq!(attempt["points"], 3.0);
    assert_eq!(attempt["complete"], true);
    assert_eq!(p["sets"]["quiz-1"]["answers"]["alignment-key"]["score"], 1.0);
    assert_eq!(p["sets"]["quiz-1"]["answers"]["q4_0-block-bytes"]["score"], 0.0);
}
