//! `learn dev check [--json]`: for maintainers and CI. Every lab's stub compiles and fails each
//! of its graded tests, every reference solution passes them all, every lab has a README,
//! hints and a book page, and every quiz, interview set and track validates.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use crate::curriculum::lab_spec::Mistake;
use crate::curriculum::{Curriculum, Lab};
use crate::lab_runner::{self, Subject};
use crate::style::Style;

#[derive(Debug, Serialize)]
struct LabCheck {
    id: String,
    module: u32,
    stub_fails: bool,
    solution_passes: bool,
    /// Each planted mistake and whether a graded test caught it.
    mistakes: Vec<MistakeCheck>,
    problems: Vec<String>,
}

#[derive(Debug, Serialize)]
struct MistakeCheck {
    name: String,
    caught: bool,
    failed_tests: Vec<String>,
}

#[derive(Debug, Serialize)]
struct SetCheck {
    module: u32,
    kind: &'static str,
    questions: usize,
}

#[derive(Debug, Serialize)]
struct Report {
    ok: bool,
    content_errors: Vec<String>,
    labs: Vec<LabCheck>,
    quizzes: Vec<SetCheck>,
    tracks: Vec<String>,
}

pub fn run(root: &Path, json: bool, only: &[String]) -> Result<ExitCode> {
    let style = if json { Style::plain() } else { Style::for_stdout() };
    let curriculum = match Curriculum::load(root) {
        Ok(c) => c,
        Err(errors) => {
            let report = Report {
                ok: false,
                content_errors: errors.0.iter().map(ToString::to_string).collect(),
                labs: Vec::new(),
                quizzes: Vec::new(),
                tracks: Vec::new(),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                eprint!("{errors}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut labs = Vec::new();
    for lab in curriculum.labs.iter().filter(|l| only.is_empty() || only.contains(&l.spec.id)) {
        if !json {
            println!("{}", style.bold(&format!("lab {} ({})", lab.spec.id, lab.dir.strip_prefix(root).unwrap_or(&lab.dir).display())));
        }
        let check = check_lab(&curriculum, lab)?;
        if !json {
            let mark = |ok: bool| if ok { style.green("✓") } else { style.red("✗") };
            println!("  {} stub fails every graded test", mark(check.stub_fails));
            println!("  {} solution passes every graded test", mark(check.solution_passes));
            for m in &check.mistakes {
                println!("  {} planted mistake caught: {} ({})", mark(m.caught), m.name, m.failed_tests.join(", "));
            }
            for p in &check.problems {
                println!("    {p}");
            }
        }
        labs.push(check);
    }
    let quizzes: Vec<SetCheck> =
        curriculum.quizzes.iter().map(|s| SetCheck { module: s.module, kind: s.kind.as_str(), questions: s.questions.len() }).collect();
    let tracks: Vec<String> = curriculum.tracks.iter().map(|t| t.spec.id.clone()).collect();
    let ok = labs.iter().all(|l| l.stub_fails && l.solution_passes && l.mistakes.iter().all(|m| m.caught) && l.problems.is_empty());
    if json {
        let report = Report { ok, content_errors: Vec::new(), labs, quizzes, tracks };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for q in &quizzes {
            println!("{} {} {} validates ({} questions)", style.green("✓"), q.kind, q.module, q.questions);
        }
        println!("{} tracks validate: {}; levels.yaml validates", style.green("✓"), tracks.join(", "));
        println!("{}", if ok { style.green("dev check passed") } else { style.red("dev check FAILED") });
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn check_lab(curriculum: &Curriculum, lab: &Lab) -> Result<LabCheck> {
    let mut problems = Vec::new();
    let readme = lab.dir.join("README.md");
    if !readme.is_file() {
        problems.push(format!("{} is missing", readme.display()));
    }
    if !lab.dir.join("solution").is_dir() {
        problems.push(format!("{} has no solution/ folder", lab.dir.display()));
    }
    let page = curriculum.root.join(format!("book/src/module-{}/lab-{}.md", lab.spec.module, lab.spec.id));
    let dir_name = lab.dir.file_name().unwrap_or_default().to_string_lossy();
    match std::fs::read_to_string(&page) {
        Ok(text) if text.contains(&format!("labs/{dir_name}/README.md")) => {}
        Ok(_) => problems.push(format!("{} does not include labs/{dir_name}/README.md", page.display())),
        Err(_) => problems.push(format!("the lab's book page {} is missing", page.display())),
    }

    let stub = lab_runner::grade(&curriculum.root, lab, Subject::Learner, false, |_| {})?;
    if let Some(errors) = &stub.build_errors {
        problems.push(format!("the stub does not compile:\n{errors}"));
    }
    let stub_passing: Vec<&str> = stub.tests.iter().filter(|t| t.passed).map(|t| t.name.as_str()).collect();
    if !stub_passing.is_empty() {
        problems.push(format!("graded tests that pass with the stub (they cannot tell a learner anything): {}", stub_passing.join(", ")));
    }
    let solution = lab_runner::grade(&curriculum.root, lab, Subject::Solution, false, |_| {})?;
    if let Some(errors) = &solution.build_errors {
        problems.push(format!("the solution does not compile:\n{errors}"));
    }
    for t in solution.tests.iter().filter(|t| !t.passed) {
        problems.push(format!("the solution fails {}: {}", t.name, t.message.lines().take(6).collect::<Vec<_>>().join(" | ")));
    }
    for t in solution.tests.iter().filter(|t| lab.hint_of(&t.name).is_none()) {
        problems.push(format!("tests/graded.rs has `{}`, which lab.yaml does not list (with a hint)", t.name));
    }
    let mut mistakes = Vec::new();
    for mistake in &lab.spec.mistakes {
        mistakes.push(check_mistake(curriculum, lab, mistake)?);
    }
    Ok(LabCheck {
        id: lab.spec.id.clone(),
        module: lab.spec.module,
        stub_fails: stub.build_errors.is_none() && stub_passing.is_empty(),
        solution_passes: solution.complete,
        mistakes,
        problems,
    })
}

/// Plants a mistake in the solution, grades it, and puts the solution back (also on error).
fn check_mistake(curriculum: &Curriculum, lab: &Lab, mistake: &Mistake) -> Result<MistakeCheck> {
    let path = lab.dir.join(&mistake.file);
    let original = std::fs::read_to_string(&path)?;
    let _restore = Restore { path: path.clone(), text: original.clone() };
    std::fs::write(&path, original.replacen(&mistake.find, &mistake.replace, 1))?;
    let report = lab_runner::grade(&curriculum.root, lab, Subject::Solution, false, |_| {})?;
    let failed_tests: Vec<String> = report.tests.iter().filter(|t| !t.passed).map(|t| t.name.clone()).collect();
    // A mistake that does not compile proves nothing about the tests.
    let caught = report.build_errors.is_none() && !failed_tests.is_empty();
    Ok(MistakeCheck { name: mistake.name.clone(), caught, failed_tests })
}

struct Restore {
    path: std::path::PathBuf,
    text: String,
}

impl Drop for Restore {
    fn drop(&mut self) {
        if let Err(e) = std::fs::write(&self.path, &self.text) {
            eprintln!("error: could not restore {}: {e}; `git checkout -- {}` restores it", self.path.display(), self.path.display());
        }
    }
}
