//! End to end: the real `learn quiz` in a real terminal (tmux), answered with keys, and the
//! score it records. The test command installs tmux when it is missing.

mod support;

use support::tmux::Tmux;

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
