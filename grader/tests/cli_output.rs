//! What `learn lab` and `learn status` print, as reviewed snapshots.

mod support;

use grader::curriculum::Lab;
use grader::lab_cmd;
use grader::lab_runner::{LabReport, TestOutcome};
use grader::progress::{AnswerRecord, Attestation, Progress, SetRecord};
use grader::style::Style;

fn lab() -> Lab {
    Lab::load(&support::repo_root().join("labs/1.1-gguf-header")).unwrap()
}

fn outcome(name: &str, passed: bool, message: &str, hint: Option<&str>) -> TestOutcome {
    TestOutcome { name: name.into(), passed, message: message.into(), hint: hint.map(Into::into), seconds: 0.25 }
}

#[test]
fn a_lab_report_with_passes_failures_hints_and_a_time_out() {
    let report = LabReport {
        lab: "1.1".into(),
        title: "Read a GGUF header and its metadata".into(),
        tests: vec![
            outcome("reads_the_magic", true, "", None),
            outcome(
                "reads_every_value_type",
                false,
                "thread 'reads_every_value_type' panicked at tests/graded.rs:80:5:\nassertion `left == right` failed\n  left: U8(3)\n right: U32(3)",
                Some("Check your type numbering against the table in the README."),
            ),
            outcome("rejects_truncated_files", false, "timed out after 60 s (an endless loop, or far too slow?)", Some("Check that n bytes remain before every read.")),
        ],
        complete: false,
        build_errors: None,
    };
    insta::assert_snapshot!(lab_cmd::render(&report, &lab(), &support::repo_root(), Style::plain()));
}

#[test]
fn a_lab_that_does_not_compile_shows_the_compiler_errors() {
    let report = LabReport {
        lab: "1.1".into(),
        title: "Read a GGUF header and its metadata".into(),
        tests: vec![outcome("reads_the_magic", false, "not run: the lab does not compile", Some("…"))],
        complete: false,
        build_errors: Some("error[E0308]: mismatched types\n --> labs/1.1-gguf-header/src/lib.rs:12:5\n  |\n12 |     0u8\n  |     ^^^ expected `u32`, found `u8`".into()),
    };
    insta::assert_snapshot!(lab_cmd::render(&report, &lab(), &support::repo_root(), Style::plain()));
}

#[test]
fn status_with_quiz_progress_and_an_attestation() {
    let course = support::fixture();
    let mut p = Progress::new();
    let mut set = SetRecord::default();
    set.answers.insert("gguf-magic".into(), AnswerRecord { at: 1, score: 1.0, self_assessed: false });
    set.answers.insert("alignment-key".into(), AnswerRecord { at: 1, score: 1.0, self_assessed: false });
    p.sets.insert("quiz-1".into(), set);
    p.attestations.insert("speedup-2x".into(), vec![Attestation { at: 1, evidence: "https://example.org/pr/1".into(), note: None }]);
    insta::assert_snapshot!(grader::status_cmd::render(&course, &p, Style::plain()));
}
