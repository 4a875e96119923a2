//! The real `learn` binary, driven as a learner or a script would.

mod support;

use support::{fixture_root, learn, progress_json, repo_root};

#[test]
fn a_piped_quiz_runs_as_plain_text_and_records_the_score() {
    let home = support::home();
    // a: right; "a b": right; "eighteen" cannot be read and is asked again; 17: wrong;
    // general.alignment: right; the ordering left as shown: wrong. Then no retry.
    let input = "a\na b\neighteen\n17\ngeneral.alignment\na b c d e\nn\n";
    let out = learn(&fixture_root(), home.path(), &["quiz", "1"], input);
    let transcript = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{transcript}\n{}", String::from_utf8_lossy(&out.stderr));
    insta::assert_snapshot!(transcript);
    let p = progress_json(home.path());
    let attempt = &p["sets"]["quiz-1"]["attempts"][0];
    assert_eq!(attempt["points"], 3.0);
    assert_eq!(attempt["answered"], 5);
    assert_eq!(attempt["complete"], true);
    assert_eq!(p["sets"]["quiz-1"]["answers"]["q4_0-block-bytes"]["score"], 0.0);
}

#[test]
fn the_retry_asks_only_the_missed_questions() {
    let home = support::home();
    let input = "b\na b\n18\ngeneral.alignment\na b c d e\ny\na\n";
    let out = learn(&fixture_root(), home.path(), &["quiz", "1"], input);
    let transcript = String::from_utf8(out.stdout).unwrap();
    assert!(transcript.contains("Retry the 2 missed question(s)?"), "{transcript}");
    // The retry asks question 1 (answered right this time), then input ends during the ordering one.
    assert!(transcript.contains("Question 1/2"), "{transcript}");
    let p = progress_json(home.path());
    assert_eq!(p["sets"]["quiz-1"]["answers"]["gguf-magic"]["score"], 1.0);
    assert_eq!(p["sets"]["quiz-1"]["attempts"][1]["complete"], false, "input ended before the retry's end");
    assert_eq!(p["sets"]["quiz-1"]["attempts"][1]["asked"], serde_json::json!(["gguf-magic", "decode-step-order"]));
}

#[test]
fn input_ending_mid_quiz_records_an_incomplete_attempt() {
    let home = support::home();
    let out = learn(&fixture_root(), home.path(), &["quiz", "1"], "a\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Input ended after 1 of 5 questions"));
    let p = progress_json(home.path());
    assert_eq!(p["sets"]["quiz-1"]["attempts"][0]["complete"], false);
    assert_eq!(p["sets"]["quiz-1"]["attempts"][0]["answered"], 1);
}

#[test]
fn an_interview_set_is_self_assessed() {
    let home = support::home();
    let out = learn(&fixture_root(), home.path(), &["quiz", "1", "--interview"], "\n1 2\n\nnone\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let p = progress_json(home.path());
    let answers = &p["sets"]["interview-1"]["answers"];
    assert!((answers["why-mmap"]["score"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(answers["why-mmap"]["self_assessed"], true);
    assert_eq!(answers["kv-cache-size"]["score"], 0.0);
}

#[test]
fn status_json_lists_every_attempt_and_the_levels() {
    let home = support::home();
    learn(&fixture_root(), home.path(), &["quiz", "1"], "a\na b\n18\ngeneral.alignment\na b c d e\nn\n");
    let out = learn(&fixture_root(), home.path(), &["status", "--json"], "");
    assert!(out.status.success());
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let quiz = status["quizzes"].as_array().unwrap().iter().find(|q| q["kind"] == "quiz").unwrap();
    assert_eq!(quiz["score"], 0.8);
    assert_eq!(quiz["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(status["level"], 1, "quiz 1 at 80% meets level 1 of the fixture");
    assert_eq!(status["levels"][0]["achieved"], true);
    assert_eq!(status["levels"][1]["achieved"], false);
}

#[test]
fn attestations_are_recorded_and_shown_as_attested() {
    let home = support::home();
    let bad = learn(&fixture_root(), home.path(), &["attest", "speedup-2x", "not a link"], "");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("must be a link"));
    let ok = learn(&fixture_root(), home.path(), &["attest", "speedup-2x", "https://example.org/bench"], "");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let status = String::from_utf8(learn(&fixture_root(), home.path(), &["status"], "").stdout).unwrap();
    assert!(status.contains("✓ A 2x speed-up, measured [attested, not verified]"), "{status}");
}

#[test]
fn track_set_is_remembered_and_the_track_shows_done_and_next() {
    let home = support::home();
    let set = learn(&fixture_root(), home.path(), &["track", "set", "demo"], "");
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    assert_eq!(progress_json(home.path())["track"], "demo");
    learn(&fixture_root(), home.path(), &["quiz", "1"], "a\na b\n18\ngeneral.alignment\na b c d e\nn\n");
    let track = String::from_utf8(learn(&fixture_root(), home.path(), &["track"], "").stdout).unwrap();
    insta::assert_snapshot!(track);
    let unknown = learn(&fixture_root(), home.path(), &["track", "set", "nope"], "");
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("there is no track \"nope\"; the tracks are: demo"));
}

#[test]
fn a_corrupt_progress_file_stops_learn_and_is_kept() {
    let home = support::home();
    std::fs::write(home.path().join("progress.json"), "{ not json").unwrap();
    let out = learn(&fixture_root(), home.path(), &["quiz", "1"], "a\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not valid JSON"));
    assert_eq!(std::fs::read_to_string(home.path().join("progress.json")).unwrap(), "{ not json");
}

#[test]
fn content_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for sub in ["book/src", "quizzes", "tracks", "labs"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    std::fs::copy(fixture_root().join("book/src/SUMMARY.md"), root.join("book/src/SUMMARY.md")).unwrap();
    std::fs::copy(fixture_root().join("tracks/levels.yaml"), root.join("tracks/levels.yaml")).unwrap();
    let quiz = std::fs::read_to_string(fixture_root().join("quizzes/01-demo.yaml")).unwrap();
    // A wrong choice without its `why`, and a track item pointing at a lab that does not exist.
    std::fs::write(root.join("quizzes/01-demo.yaml"), quiz.replace("        why: The tensor count follows the version.\n", "")).unwrap();
    std::fs::write(root.join("tracks/demo.yaml"), "id: demo\nname: Demo\nweeks:\n  - weeks: \"1\"\n    title: One\n    items:\n      - lab: \"9.9\"\n").unwrap();
    let out = learn(root, support::home().path(), &["dev", "check"], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("quizzes/01-demo.yaml:6: question \"gguf-magic\": the wrong choice \"The number of tensors\" must say `why` it is wrong"), "{err}");
    assert!(err.contains("tracks/demo.yaml:7: there is no lab 9.9"), "{err}");
}

#[test]
fn grading_a_stub_lab_reports_each_test_as_json_and_fails() {
    let home = support::home();
    let out = learn(&repo_root(), home.path(), &["lab", "1.1", "--json"], "");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["lab"], "1.1");
    assert_eq!(report["complete"], false);
    let tests = report["tests"].as_array().unwrap();
    let spec = std::fs::read_to_string(repo_root().join("labs/1.1-gguf-header/lab.yaml")).unwrap();
    assert_eq!(tests.len(), spec.matches("  - name: ").count(), "every graded test in lab.yaml is reported");
    for t in tests {
        assert_eq!(t["passed"], false);
        assert!(t["message"].as_str().unwrap().contains("not yet implemented"), "{t}");
        assert!(t["name"].is_string());
    }
    assert_eq!(progress_json(home.path())["labs"]["gguf-header"]["attempts"][0]["complete"], false);
}
