//! `learn lab <id> [--watch] [--json]`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::curriculum::{Curriculum, Lab};
use crate::lab_runner::{self, LabReport, Subject, TestOutcome};
use crate::progress::{self, LabAttempt, Store};
use crate::style::Style;

pub fn run(curriculum: &Curriculum, store: &Store, id: &str, watch: bool, json: bool) -> Result<ExitCode> {
    let lab = find(curriculum, id)?;
    if watch {
        if json {
            bail!("--watch and --json do not go together: --watch is for a person at a terminal");
        }
        return crate::watch::run(curriculum, store, lab);
    }
    let style = if json { Style::plain() } else { Style::for_stdout() };
    let mut print = |text: &str| {
        if !json {
            print!("{text}");
            let _ = std::io::Write::flush(&mut std::io::stdout());
        }
    };
    let report = grade_and_record(curriculum, store, lab, style, &mut print)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(if report.complete { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

pub fn find<'c>(curriculum: &'c Curriculum, id: &str) -> Result<&'c Lab> {
    match curriculum.lab(id) {
        Some(lab) => Ok(lab),
        None => {
            let ids: Vec<&str> = curriculum.labs.iter().map(|l| l.spec.id.as_str()).collect();
            bail!("there is no lab {id:?}; the labs are: {}", ids.join(", "))
        }
    }
}

/// Grades the learner's code, printing as it goes, and records the attempt.
pub fn grade_and_record(curriculum: &Curriculum, store: &Store, lab: &Lab, style: Style, print: &mut dyn FnMut(&str)) -> Result<LabReport> {
    print(&format!("{}\n", style.bold(&format!("Lab {} · {}", lab.spec.id, lab.spec.title))));
    print(&format!("{}\n", style.dim("building the graded tests…")));
    let report = lab_runner::grade(&curriculum.root, lab, Subject::Learner, style.color, |t| print(&render_test(t, style)))?;
    if let Some(errors) = &report.build_errors {
        print(&render_build_errors(errors, style));
    }
    print(&format!("{}\n", render_summary(&report, lab, &curriculum.root, style)));
    store.update(curriculum, |p| {
        let record = p.labs.entry(lab.spec.uid.clone()).or_default();
        let at = progress::now();
        record.attempts.push(LabAttempt { at, passed: report.passed(), total: report.tests.len(), complete: report.complete });
        if report.complete && record.completed_at.is_none() {
            record.completed_at = Some(at);
        }
    })?;
    Ok(report)
}

/// The whole report as text, as `learn lab` prints it.
pub fn render(report: &LabReport, lab: &Lab, root: &Path, style: Style) -> String {
    let mut out = format!("{}\n", style.bold(&format!("Lab {} · {}", report.lab, report.title)));
    if let Some(errors) = &report.build_errors {
        out += &render_build_errors(errors, style);
    } else {
        for t in &report.tests {
            out += &render_test(t, style);
        }
    }
    out += &render_summary(report, lab, root, style);
    out.push('\n');
    out
}

fn render_test(t: &TestOutcome, style: Style) -> String {
    if t.passed {
        return format!("  {} {} {}\n", style.green("✓"), t.name, style.dim(&format!("({:.1} s)", t.seconds)));
    }
    let mut out = format!("  {} {}\n", style.red("✗"), style.bold(&t.name));
    for line in t.message.lines() {
        out += &format!("      {line}\n");
    }
    if let Some(hint) = &t.hint {
        let mut lines = hint.trim().lines();
        out += &format!("      {} {}\n", style.yellow("hint:"), lines.next().unwrap_or_default());
        for line in lines {
            out += &format!("            {line}\n");
        }
    }
    out
}

fn render_build_errors(errors: &str, style: Style) -> String {
    let mut out = format!("  {} the lab does not compile yet:\n\n", style.red("✗"));
    for line in errors.trim_end().lines() {
        out += &format!("    {line}\n");
    }
    out.push('\n');
    out
}

fn render_summary(report: &LabReport, lab: &Lab, root: &Path, style: Style) -> String {
    let total = report.tests.len();
    let passed = report.passed();
    if report.complete {
        return style.green(&format!("All {total} graded tests pass: lab {} is complete.", report.lab));
    }
    let files: Vec<String> = lab
        .spec
        .files
        .iter()
        .map(|f| lab.dir.join(f).strip_prefix(root).map(|p| p.display().to_string()).unwrap_or_else(|_| f.clone()))
        .collect();
    format!(
        "{passed}/{total} graded tests pass: not complete yet. Edit {} and run `cargo learn lab {}` again (or add --watch).",
        files.join(", "),
        report.lab
    )
}
