//! `learn quiz <module> [--interview]`: a quiz in the terminal (ratatui), or as plain text when
//! stdin or stdout is not a terminal (scripts, screen readers).

pub mod answer;
pub mod plain;
pub mod tui;

use std::io::IsTerminal;

use anyhow::{Result, bail};

use crate::curriculum::quiz_spec::{Ask, Question};
use crate::curriculum::{Curriculum, QuestionSet, SetKind};
use crate::progress::{self, AnswerRecord, SetAttempt, Store};
use answer::Answer;

/// One pass through a question set (or through the questions missed last time).
#[derive(Debug, Clone)]
pub struct Session<'a> {
    pub set: &'a QuestionSet,
    /// Indices into `set.questions`, in the order they are asked.
    pub queue: Vec<usize>,
    pub results: Vec<(usize, Answer, f64)>,
}

impl<'a> Session<'a> {
    pub fn new(set: &'a QuestionSet) -> Session<'a> {
        Session::over(set, (0..set.questions.len()).collect())
    }

    pub fn over(set: &'a QuestionSet, queue: Vec<usize>) -> Session<'a> {
        Session { set, queue, results: Vec::new() }
    }

    pub fn current(&self) -> Option<&'a Question> {
        self.queue.get(self.results.len()).map(|&i| &self.set.questions[i])
    }

    /// Records the answer to the current question and returns its score.
    pub fn answer(&mut self, answer: Answer) -> f64 {
        let index = self.queue[self.results.len()];
        let score = answer::score(&self.set.questions[index], &answer);
        self.results.push((index, answer, score));
        score
    }

    pub fn finished(&self) -> bool {
        self.results.len() == self.queue.len()
    }

    pub fn points(&self) -> f64 {
        self.results.iter().map(|r| r.2).sum()
    }

    /// Questions answered short of full marks in this pass.
    pub fn missed(&self) -> Vec<usize> {
        self.results.iter().filter(|r| r.2 < 1.0).map(|r| r.0).collect()
    }

    /// Writes this pass into the progress file: each answer, and the attempt (incomplete when
    /// the learner left early).
    pub fn record(&self, curriculum: &Curriculum, store: &Store) -> Result<()> {
        if self.results.is_empty() {
            return Ok(());
        }
        let key = progress::set_key(self.set.kind, self.set.module);
        let self_assessed = self.set.kind == SetKind::Interview;
        store.update(curriculum, |p| {
            let record = p.sets.entry(key).or_default();
            let at = progress::now();
            for (i, _, score) in &self.results {
                let id = self.set.questions[*i].id.clone();
                record.answers.insert(id, AnswerRecord { at, score: *score, self_assessed });
            }
            record.attempts.push(SetAttempt {
                at,
                asked: self.queue.iter().map(|&i| self.set.questions[i].id.clone()).collect(),
                answered: self.results.len(),
                points: self.points(),
                complete: self.finished(),
            });
        })
    }
}

/// What to show after an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    pub score: f64,
    pub right_answer: String,
    /// For choice questions: every wrong choice with why it is wrong.
    pub wrong_choices: Vec<(char, String, String)>,
    pub explanation: String,
}

pub fn feedback(q: &Question, score: f64) -> Feedback {
    let wrong_choices = match &q.ask {
        Ask::Single { choices } | Ask::Multiple { choices } => choices
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.correct)
            .map(|(i, c)| (answer::letter(i), c.text.clone(), c.why.clone().unwrap_or_default()))
            .collect(),
        _ => Vec::new(),
    };
    Feedback { score, right_answer: answer::right_answer(q), wrong_choices, explanation: q.explanation.trim().to_string() }
}

/// A set's score from the progress file: the latest answer to each question that still exists,
/// over all its questions (optionally only interview questions at or above `level`).
pub fn set_score(set: &QuestionSet, record: Option<&progress::SetRecord>, level: Option<crate::curriculum::quiz_spec::Level>) -> f64 {
    let counted: Vec<&Question> = set
        .questions
        .iter()
        .filter(|q| match (level, &q.ask) {
            (Some(min), Ask::Interview { level, .. }) => *level >= min,
            _ => true,
        })
        .collect();
    if counted.is_empty() {
        return 0.0;
    }
    let Some(record) = record else { return 0.0 };
    let points: f64 = counted.iter().filter_map(|q| record.answers.get(&q.id)).map(|a| a.score).sum();
    points / counted.len() as f64
}

pub fn run(curriculum: &Curriculum, store: &Store, module: u32, interview: bool, plain: bool) -> Result<std::process::ExitCode> {
    let kind = if interview { SetKind::Interview } else { SetKind::Quiz };
    let Some(set) = curriculum.set(kind, module) else {
        let have: Vec<String> = curriculum.quizzes.iter().filter(|s| s.kind == kind).map(|s| s.module.to_string()).collect();
        bail!("module {module} has no {} yet; modules with one: {}", kind.as_str(), if have.is_empty() { "none".into() } else { have.join(", ") });
    };
    // Fail before the quiz starts if the progress file cannot be read.
    store.load(curriculum)?;
    let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if terminal && !plain {
        tui::run(curriculum, store, set)
    } else {
        plain::run(curriculum, store, set, &mut std::io::stdin().lock(), &mut std::io::stdout().lock())
    }
}
