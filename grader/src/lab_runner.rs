//! Grading a lab: build its graded tests, run each one on its own with a time limit, and
//! count. A lab is complete only when every graded test listed in `lab.yaml` ran and passed.

mod build;
mod run_test;

use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use crate::curriculum::Lab;

/// Which code the graded tests are run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The learner's `src/`.
    Learner,
    /// The reference solution (`--features solution`), for `learn dev check`.
    Solution,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TestOutcome {
    pub name: String,
    pub passed: bool,
    /// Why it failed (the panic message, a time-out, "not found"), empty when it passed.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabReport {
    pub lab: String,
    pub title: String,
    pub tests: Vec<TestOutcome>,
    pub complete: bool,
    /// Compiler errors, rendered as rustc prints them; when present no test ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_errors: Option<String>,
}

impl LabReport {
    pub fn passed(&self) -> usize {
        self.tests.iter().filter(|t| t.passed).count()
    }
}

/// Builds and runs `lab`'s graded tests. `color` keeps rustc's colours in compiler errors.
pub fn grade(root: &Path, lab: &Lab, subject: Subject, color: bool, mut on_test: impl FnMut(&TestOutcome)) -> Result<LabReport> {
    let mut report = LabReport {
        lab: lab.spec.id.clone(),
        title: lab.spec.title.clone(),
        tests: Vec::new(),
        complete: false,
        build_errors: None,
    };
    let exe = match build::graded_tests(root, &lab.package, subject, color)? {
        build::Built::Executable(exe) => exe,
        build::Built::Failed(errors) => {
            report.build_errors = Some(errors);
            report.tests = lab
                .spec
                .tests
                .iter()
                .map(|t| TestOutcome {
                    name: t.name.clone(),
                    passed: false,
                    message: "not run: the lab does not compile".into(),
                    hint: Some(t.hint.clone()),
                    seconds: 0.0,
                })
                .collect();
            return Ok(report);
        }
    };
    let listed = run_test::list(&exe)?;
    for spec in &lab.spec.tests {
        let outcome = if listed.ignored.contains(&spec.name) {
            TestOutcome {
                name: spec.name.clone(),
                passed: false,
                message: "the test is marked #[ignore]: a graded test that does not run does not pass".into(),
                hint: Some(spec.hint.clone()),
                seconds: 0.0,
            }
        } else if !listed.tests.contains(&spec.name) {
            TestOutcome {
                name: spec.name.clone(),
                passed: false,
                message: format!("there is no test `{}` in tests/graded.rs (was it renamed or removed?)", spec.name),
                hint: Some(spec.hint.clone()),
                seconds: 0.0,
            }
        } else {
            let mut outcome = run_test::run(&exe, &lab.dir, &spec.name, lab.timeout_of(&spec.name))?;
            if !outcome.passed {
                outcome.hint = Some(spec.hint.clone());
            }
            outcome
        };
        on_test(&outcome);
        report.tests.push(outcome);
    }
    // Tests in the file but not in lab.yaml still run (and must pass), so nothing is skipped.
    for name in listed.tests.iter().filter(|n| lab.hint_of(n).is_none()) {
        let outcome = run_test::run(&exe, &lab.dir, name, lab.spec.timeout_seconds)?;
        on_test(&outcome);
        report.tests.push(outcome);
    }
    report.complete = !report.tests.is_empty() && report.tests.iter().all(|t| t.passed);
    Ok(report)
}
