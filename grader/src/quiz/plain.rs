//! The quiz as plain text: one answer per line on stdin. For scripts, screen readers and any
//! terminal where a full-screen UI does not fit. At the end of input the attempt so far is
//! recorded as incomplete.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Result;

use super::answer::{self, Answer};
use super::{Session, feedback};
use crate::curriculum::quiz_spec::{Ask, Question};
use crate::curriculum::{Curriculum, QuestionSet, SetKind};
use crate::progress::Store;

pub fn run(curriculum: &Curriculum, store: &Store, set: &QuestionSet, input: &mut dyn BufRead, out: &mut dyn Write) -> Result<ExitCode> {
    let what = if set.kind == SetKind::Interview { "interview set" } else { "quiz" };
    writeln!(out, "Module {} {what}: {} ({} questions)", set.module, set.title, set.questions.len())?;
    if set.kind == SetKind::Interview {
        writeln!(out, "Answer each question in your head or on paper, press Enter to see the model answer,")?;
        writeln!(out, "then type the numbers of the key points you covered (self-assessed).")?;
    }
    let mut session = Session::new(set);
    loop {
        let ended = ask_all(&mut session, input, out)?;
        session.record(curriculum, store)?;
        let total = session.queue.len();
        if ended {
            writeln!(out, "\nInput ended after {} of {total} questions: recorded as an incomplete attempt.", session.results.len())?;
            return Ok(ExitCode::FAILURE);
        }
        let points = session.points();
        writeln!(out, "\nScore: {} / {total} ({:.0}%).", trim_float(points), 100.0 * points / total as f64)?;
        let missed = session.missed();
        if missed.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        writeln!(out, "Retry the {} missed question(s)? [y/N]", missed.len())?;
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 || !line.trim().eq_ignore_ascii_case("y") {
            return Ok(ExitCode::SUCCESS);
        }
        session = Session::over(set, missed);
    }
}

/// Asks every remaining question; true when input ended first.
fn ask_all(session: &mut Session, input: &mut dyn BufRead, out: &mut dyn Write) -> Result<bool> {
    while let Some(q) = session.current() {
        let number = session.results.len() + 1;
        writeln!(out, "\nQuestion {number}/{}{}", session.queue.len(), q.lesson.as_ref().map(|l| format!(" (lesson {l})")).unwrap_or_default())?;
        write_question(q, out)?;
        if let Ask::Interview { model_answer, key_points, level } = &q.ask {
            writeln!(out, "[{}] Press Enter to see the model answer.", level_name(*level))?;
            if read(input)?.is_none() {
                return Ok(true);
            }
            writeln!(out, "Model answer:\n{}", indent(model_answer.trim()))?;
            writeln!(out, "Key points:")?;
            for (i, point) in key_points.iter().enumerate() {
                writeln!(out, "  {}. {point}", i + 1)?;
            }
        }
        let answer = loop {
            writeln!(out, "Your answer ({}):", answer::expected_form(q))?;
            let Some(line) = read(input)? else { return Ok(true) };
            match answer::parse(q, &line) {
                Ok(a) => break a,
                Err(why) => writeln!(out, "Could not read {:?}: {why}.", line.trim())?,
            }
        };
        let score = session.answer(answer.clone());
        write_feedback(q, &answer, score, out)?;
    }
    Ok(false)
}

fn read(input: &mut dyn BufRead) -> Result<Option<String>> {
    let mut line = String::new();
    Ok(if input.read_line(&mut line)? == 0 { None } else { Some(line) })
}

pub fn write_question(q: &Question, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{}", q.prompt.trim())?;
    match &q.ask {
        Ask::Single { choices } | Ask::Multiple { choices } => {
            for (i, c) in choices.iter().enumerate() {
                writeln!(out, "  {}) {}", answer::letter(i), c.text)?;
            }
        }
        Ask::Ordering { items } => {
            for (pos, &i) in answer::shown_order(q).iter().enumerate() {
                writeln!(out, "  {}) {}", answer::letter(pos), items[i])?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn write_feedback(q: &Question, given: &Answer, score: f64, out: &mut dyn Write) -> Result<()> {
    let f = feedback(q, score);
    if let Ask::Interview { key_points, .. } = &q.ask {
        let covered = match given {
            Answer::Covered(c) => c.len(),
            _ => 0,
        };
        writeln!(out, "Recorded: {covered} of {} key points (self-assessed).", key_points.len())?;
        return Ok(());
    }
    if score >= 1.0 {
        writeln!(out, "Correct.")?;
    } else {
        writeln!(out, "Not quite. The answer: {}", f.right_answer)?;
    }
    for (letter, text, why) in &f.wrong_choices {
        writeln!(out, "  {letter}) {text}: wrong, {}", lower_first(why.trim()))?;
    }
    if !f.explanation.is_empty() {
        writeln!(out, "{}", indent(&f.explanation))?;
    }
    Ok(())
}

fn level_name(level: crate::curriculum::quiz_spec::Level) -> &'static str {
    use crate::curriculum::quiz_spec::Level::*;
    match level {
        Mid => "mid level",
        Senior => "senior level",
        Staff => "staff level",
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        // Keep acronyms and code as written ("GGUF…", "Q4_0…").
        Some(c) if c.is_uppercase() && chars.clone().next().is_some_and(|n| n.is_lowercase()) => c.to_lowercase().chain(chars).collect(),
        _ => s.to_string(),
    }
}

pub fn trim_float(x: f64) -> String {
    if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x:.2}") }
}
