//! `learn book preprocess` speaks mdBook's external-preprocessor protocol, so the plain `mdbook`
//! CLI builds the same book as `learn book`.

mod book_common;

use std::io::Write;
use std::process::{Command, Stdio};

use mdbook_driver::MDBook;
use mdbook_preprocessor::PreprocessorContext;
use mdbook_preprocessor::config::Config;
use mdbook_preprocessor::book::Book;

fn learn() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_learn"));
    cmd.env_remove("LEARN_ROOT");
    cmd
}

#[test]
fn supports_every_renderer() {
    for renderer in ["html", "markdown"] {
        let status = learn().args(["book", "preprocess", "supports", renderer]).status().unwrap();
        assert!(status.success(), "supports {renderer}: {status}");
    }
}

#[test]
fn json_round_trip_expands_the_directives() {
    let course = book_common::course();
    let md = MDBook::load(course.book()).unwrap();
    let ctx = PreprocessorContext::new(course.book(), md.config.clone(), "html".into());
    let input = serde_json::to_vec(&(&ctx, &md.book)).unwrap();

    let mut child = learn()
        .args(["book", "preprocess"])
        .current_dir(course.book()) // as mdBook runs it: the course is found from here
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let book: Book = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout is not a book ({e}): {}", String::from_utf8_lossy(&out.stdout)));

    let chapter = |name: &str| book.chapters().find(|c| c.name == name).unwrap_or_else(|| panic!("no chapter {name}")).content.clone();
    let quiz = chapter("Module 1 quiz");
    assert!(quiz.contains("<div class=\"wb-set\" data-set=\"quiz-1\"") && quiz.matches("class=\"wb-q\"").count() == 5, "{quiz}");
    let track = chapter("Tracks");
    assert!(track.contains("[Lab 1.1: A demo lab](../module-1/lab-1.1.md)"), "{track}");
    // Everything else comes back as it went in.
    let untouched: Vec<_> = md.book.chapters().filter(|c| !c.content.contains("{{#quiz") && !c.content.contains("{{#track") && !c.content.contains("{{#levels") && !c.content.contains("{{#capstones")).collect();
    assert!(untouched.len() >= 4);
    for before in untouched {
        assert_eq!(chapter(&before.name), before.content, "{} changed", before.name);
    }
}

#[test]
fn the_mdbook_command_path_builds_the_same_book() {
    // book.toml's [preprocessor.workbook] command, pointed at this build of `learn`: mdBook runs
    // it as an external process (supports, then JSON), exactly as the `mdbook` CLI would.
    let course = book_common::course();
    course.build();
    let in_process = course.page("module-1/quiz.html");

    let mut config = Config::from_disk(course.book().join("book.toml")).unwrap();
    config.set("preprocessor.workbook.command", format!("{} book preprocess", env!("CARGO_BIN_EXE_learn"))).unwrap();
    let external_site = course.root().join("site-external");
    config.build.build_dir = external_site.clone();
    MDBook::load_with_config(course.book(), config).unwrap().build().unwrap();
    let external = std::fs::read_to_string(external_site.join("module-1/quiz.html")).unwrap();
    assert!(external.contains("data-qid=\"forward-order\""), "{external}");
    assert_eq!(external, in_process);
}
