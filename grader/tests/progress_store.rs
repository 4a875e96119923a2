//! The progress file: atomic, locked, versioned, never overwritten when it cannot be read.

mod support;

use grader::progress::{LabAttempt, Progress, Store};

#[test]
fn updates_are_kept_and_the_file_is_versioned() {
    let course = support::fixture();
    let home = support::home();
    let store = Store::at(home.path());
    store.update(&course, |p| p.track = Some("demo".into())).unwrap();
    store
        .update(&course, |p| p.labs.entry("some-lab".into()).or_default().attempts.push(LabAttempt { at: 1, passed: 2, total: 3, complete: false }))
        .unwrap();
    let read = store.load(&course).unwrap();
    assert_eq!(read.track.as_deref(), Some("demo"));
    assert_eq!(read.labs["some-lab"].attempts.len(), 1);
    let raw = support::progress_json(home.path());
    assert_eq!(raw["schema"], 1);
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_corrupt_file_is_an_error_and_is_left_untouched() {
    let course = support::fixture();
    let home = support::home();
    let path = home.path().join("progress.json");
    let corrupt = "{\"schema\": 1, \"labs\": {\n  \"x\": [oops\n";
    std::fs::write(&path, corrupt).unwrap();
    let store = Store::at(home.path());
    let err = store.update(&course, |p| p.track = Some("demo".into())).unwrap_err().to_string();
    assert!(err.contains(&path.display().to_string()), "the error names the file: {err}");
    assert!(err.contains("line 2 column 9"), "the error names the line: {err}");
    assert!(err.contains("has not been changed"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), corrupt, "a corrupt file must never be overwritten");
}

#[test]
fn a_file_from_a_newer_learn_is_refused_not_rewritten() {
    let course = support::fixture();
    let home = support::home();
    let path = home.path().join("progress.json");
    let newer = "{\"schema\": 99, \"labs\": {}}\n";
    std::fs::write(&path, newer).unwrap();
    let err = Store::at(home.path()).load(&course).unwrap_err().to_string();
    assert!(err.contains("newer"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), newer);
}

#[test]
fn concurrent_updates_from_two_writers_lose_nothing() {
    let course = support::fixture();
    let home = support::home();
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (course, dir) = (course.clone(), home.path().to_path_buf());
            std::thread::spawn(move || {
                let store = Store::at(&dir);
                for i in 0..25 {
                    store
                        .update(&course, |p| {
                            p.labs.entry(format!("writer-{w}")).or_default().attempts.push(LabAttempt { at: i, passed: 0, total: 1, complete: false })
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let p = Store::at(home.path()).load(&course).unwrap();
    assert_eq!(p.labs["writer-0"].attempts.len(), 25);
    assert_eq!(p.labs["writer-1"].attempts.len(), 25);
}

#[test]
fn answers_stored_under_a_former_question_id_carry_over() {
    // The fixture's question `gguf-magic` gets a new id and lists the old one as an alias.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&support::fixture_root(), dir.path());
    let quiz = dir.path().join("quizzes/01-demo.yaml");
    let text = std::fs::read_to_string(&quiz).unwrap().replace("  - id: gguf-magic\n", "  - id: gguf-magic-bytes\n    aliases: [gguf-magic]\n");
    std::fs::write(&quiz, text).unwrap();
    let course = grader::curriculum::Curriculum::load(dir.path()).unwrap();

    let home = support::home();
    let old = r#"{"schema": 1, "sets": {"quiz-1": {"answers": {"gguf-magic": {"at": 5, "score": 1.0}}, "attempts": []}},
                  "labs": {"retired-lab": {"attempts": [], "completed_at": 3}}}"#;
    std::fs::write(home.path().join("progress.json"), old).unwrap();
    let p: Progress = Store::at(home.path()).load(&course).unwrap();
    let answers = &p.sets["quiz-1"].answers;
    assert_eq!(answers["gguf-magic-bytes"].score, 1.0);
    assert!(!answers.contains_key("gguf-magic"));
    // Records of content that no longer exists are kept, not dropped.
    assert_eq!(p.labs["retired-lab"].completed_at, Some(3));
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
