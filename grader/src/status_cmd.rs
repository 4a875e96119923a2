//! `learn status [--json]`: progress per module and toward the certification levels.

use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;

use crate::certification::{self, LevelStatus, ModuleProgress};
use crate::curriculum::Curriculum;
use crate::progress::{Progress, Store};
use crate::style::Style;

pub fn run(curriculum: &Curriculum, store: &Store, as_json: bool) -> Result<ExitCode> {
    let progress = store.load(curriculum)?;
    if as_json {
        println!("{}", serde_json::to_string_pretty(&to_json(curriculum, &progress))?);
    } else {
        print!("{}", render(curriculum, &progress, Style::for_stdout()));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn render(curriculum: &Curriculum, progress: &Progress, style: Style) -> String {
    let modules = certification::modules(curriculum, progress);
    let levels = certification::levels(curriculum, progress);
    let mut out = style.bold("Progress\n");
    for m in &modules {
        out += &module_line(m, style);
    }
    out += &format!("\n{}\n", style.bold(&format!("Certification: level {}", certification::current_level(&levels))));
    for level in &levels {
        out += &level_lines(level, style);
    }
    let track = progress.track.as_deref().and_then(|t| curriculum.track(t)).map(|t| t.spec.name.as_str());
    out += &format!(
        "\nTrack: {}\n",
        track.map_or("none chosen (`cargo learn track set infra|research|fullstack|edge`)".to_string(), str::to_string)
    );
    out
}

fn module_line(m: &ModuleProgress, style: Style) -> String {
    let labs = if m.labs == 0 { "no labs yet".to_string() } else { format!("labs {}/{}", m.labs_done, m.labs) };
    let quiz = m.quiz_score.map_or(String::new(), |s| format!(" · quiz {:.0}%", 100.0 * s));
    let interview = m.interview_score.map_or(String::new(), |s| format!(" · interview {:.0}% (self-assessed)", 100.0 * s));
    let bar = if m.labs == 0 { "          ".to_string() } else { bar(m.labs_done, m.labs) };
    format!("  {:>2} {:<26} {} {}{quiz}{interview}\n", m.module, m.title, style.dim(&bar), labs)
}

fn bar(done: usize, total: usize) -> String {
    let filled = (10 * done).div_ceil(total.max(1)).min(10);
    format!("{}{}", "█".repeat(filled), "░".repeat(10 - filled))
}

fn level_lines(level: &LevelStatus, style: Style) -> String {
    let mark = if level.achieved { style.green("✓") } else { "·".to_string() };
    let note = if level.includes_attested { " (includes attested items)" } else { "" };
    let mut out = format!("  {mark} Level {} {}{note}\n", level.level, level.name);
    for r in &level.requirements {
        let tick = if r.met { style.green("✓") } else { style.red("✗") };
        let how = if r.attested && r.met { style.dim(" [attested, not verified]") } else { String::new() };
        out += &format!("      {tick} {}{how}\n", r.text);
    }
    out
}

pub fn to_json(curriculum: &Curriculum, progress: &Progress) -> serde_json::Value {
    let modules = certification::modules(curriculum, progress);
    let levels = certification::levels(curriculum, progress);
    let labs: Vec<_> = curriculum
        .labs
        .iter()
        .map(|lab| {
            let record = progress.lab(lab);
            json!({
                "id": lab.spec.id,
                "uid": lab.spec.uid,
                "module": lab.spec.module,
                "title": lab.spec.title,
                "complete": record.is_some_and(|r| r.completed_at.is_some()),
                "attempts": record.map(|r| r.attempts.clone()).unwrap_or_default(),
            })
        })
        .collect();
    let sets: Vec<_> = curriculum
        .quizzes
        .iter()
        .map(|set| {
            let record = progress.set(set.kind, set.module);
            json!({
                "module": set.module,
                "kind": set.kind,
                "questions": set.questions.len(),
                "score": crate::quiz::set_score(set, record, None),
                "self_assessed": set.kind == crate::curriculum::SetKind::Interview,
                "attempts": record.map(|r| r.attempts.clone()).unwrap_or_default(),
            })
        })
        .collect();
    json!({
        "level": certification::current_level(&levels),
        "track": progress.track,
        "modules": modules,
        "levels": levels,
        "labs": labs,
        "quizzes": sets,
        "attestations": progress.attestations,
    })
}
