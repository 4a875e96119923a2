//! The quiz as a full-screen terminal UI (ratatui). `QuizApp` holds the state and turns keys
//! into steps; `draw` renders it, so every screen can be snapshot-tested with TestBackend.

use std::process::ExitCode;

use anyhow::Result;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::answer::{self, Answer};
use super::{Feedback, Session, feedback};
use crate::curriculum::quiz_spec::Ask;
use crate::curriculum::{Curriculum, QuestionSet, SetKind};
use crate::progress::Store;
use crate::terminal::{Palette, Screen};

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Choosing or typing an answer.
    Asking,
    /// Interview: the model answer is shown; the learner ticks key points.
    Ticking,
    Feedback(Feedback),
    Summary { points: f64, asked: usize, missed: usize },
}

#[derive(Debug, Clone)]
pub struct QuizApp<'a> {
    pub session: Session<'a>,
    pub stage: Stage,
    /// Cursor over choices, items or key points.
    pub cursor: usize,
    /// Multiple choice: ticked; interview: key points covered.
    pub ticked: Vec<bool>,
    /// Ordering: the items as the learner has arranged them (indices into the shown order).
    pub arrangement: Vec<usize>,
    /// Ordering: the item being moved, if one is picked up.
    pub holding: bool,
    pub input: String,
    pub error: Option<String>,
    pub help: bool,
    pub palette: Palette,
}

/// What the caller should do after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Continue,
    /// Save the finished pass (then continue).
    Record,
    Quit,
}

impl<'a> QuizApp<'a> {
    pub fn new(set: &'a QuestionSet, palette: Palette) -> QuizApp<'a> {
        let mut app = QuizApp {
            session: Session::new(set),
            stage: Stage::Asking,
            cursor: 0,
            ticked: Vec::new(),
            arrangement: Vec::new(),
            holding: false,
            input: String::new(),
            error: None,
            help: false,
            palette,
        };
        app.reset_inputs();
        app
    }

    fn reset_inputs(&mut self) {
        self.cursor = 0;
        self.input.clear();
        self.error = None;
        self.holding = false;
        let Some(q) = self.session.current() else { return };
        self.ticked = match &q.ask {
            Ask::Multiple { choices } => vec![false; choices.len()],
            Ask::Interview { key_points, .. } => vec![false; key_points.len()],
            _ => Vec::new(),
        };
        self.arrangement = match &q.ask {
            Ask::Ordering { items } => (0..items.len()).collect(),
            _ => Vec::new(),
        };
    }

    fn rows(&self) -> usize {
        match self.session.current().map(|q| &q.ask) {
            Some(Ask::Single { choices } | Ask::Multiple { choices }) => choices.len(),
            Some(Ask::Ordering { items }) => items.len(),
            Some(Ask::Interview { key_points, .. }) if self.stage == Stage::Ticking => key_points.len(),
            _ => 0,
        }
    }

    pub fn key(&mut self, key: KeyEvent) -> Step {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Step::Quit;
        }
        if self.help {
            self.help = false;
            return Step::Continue;
        }
        let typing = self.stage == Stage::Asking
            && matches!(self.session.current().map(|q| &q.ask), Some(Ask::Numeric { .. } | Ask::Short { .. }));
        match key.code {
            KeyCode::Esc => return Step::Quit,
            KeyCode::Char('q') if !typing => return Step::Quit,
            KeyCode::Char('?') if !typing => {
                self.help = true;
                return Step::Continue;
            }
            _ => {}
        }
        match self.stage.clone() {
            Stage::Asking => self.key_asking(key, typing),
            Stage::Ticking => self.key_ticking(key),
            Stage::Feedback(_) => {
                if matches!(key.code, KeyCode::Enter | KeyCode::Char(' ') | KeyCode::Right | KeyCode::Char('n')) {
                    return self.next();
                }
                Step::Continue
            }
            Stage::Summary { missed, .. } => {
                if key.code == KeyCode::Char('r') && missed > 0 {
                    self.session = Session::over(self.session.set, self.session.missed());
                    self.stage = Stage::Asking;
                    self.reset_inputs();
                }
                Step::Continue
            }
        }
    }

    fn key_asking(&mut self, key: KeyEvent, typing: bool) -> Step {
        let Some(q) = self.session.current() else { return Step::Continue };
        if typing {
            match key.code {
                KeyCode::Char(c) => self.input.push(c),
                KeyCode::Backspace => {
                    self.input.pop();
                }
                KeyCode::Enter => match answer::parse(q, &self.input) {
                    Ok(a) => return self.submit(a),
                    Err(why) => self.error = Some(why),
                },
                _ => {}
            }
            return Step::Continue;
        }
        let rows = self.rows();
        match (&q.ask, key.code) {
            (Ask::Interview { .. }, KeyCode::Enter) => {
                self.stage = Stage::Ticking;
                self.cursor = 0;
            }
            (_, KeyCode::Up | KeyCode::Char('k')) if self.cursor > 0 => {
                if self.holding {
                    self.arrangement.swap(self.cursor, self.cursor - 1);
                }
                self.cursor -= 1;
            }
            (_, KeyCode::Down | KeyCode::Char('j')) if self.cursor + 1 < rows => {
                if self.holding {
                    self.arrangement.swap(self.cursor, self.cursor + 1);
                }
                self.cursor += 1;
            }
            (Ask::Single { .. }, KeyCode::Enter) => return self.submit(Answer::Choice(self.cursor)),
            (Ask::Single { choices } | Ask::Multiple { choices }, KeyCode::Char(c)) if c.is_ascii_lowercase() && ((c as u8 - b'a') as usize) < choices.len() => {
                self.cursor = (c as u8 - b'a') as usize;
                if matches!(q.ask, Ask::Multiple { .. }) {
                    self.ticked[self.cursor] ^= true;
                }
            }
            (Ask::Multiple { .. }, KeyCode::Char(' ')) => self.ticked[self.cursor] ^= true,
            (Ask::Multiple { .. }, KeyCode::Enter) => {
                let picked: Vec<usize> = (0..rows).filter(|&i| self.ticked[i]).collect();
                if picked.is_empty() {
                    self.error = Some("tick at least one choice with Space".into());
                } else {
                    return self.submit(Answer::Choices(picked));
                }
            }
            (Ask::Ordering { .. }, KeyCode::Char(' ')) => self.holding = !self.holding,
            (Ask::Ordering { .. }, KeyCode::Enter) => return self.submit(Answer::Order(self.arrangement.clone())),
            _ => {}
        }
        Step::Continue
    }

    fn key_ticking(&mut self, key: KeyEvent) -> Step {
        let rows = self.rows();
        match key.code {
            KeyCode::Up | KeyCode::Char('k') if self.cursor > 0 => self.cursor -= 1,
            KeyCode::Down | KeyCode::Char('j') if self.cursor + 1 < rows => self.cursor += 1,
            KeyCode::Char(' ') => self.ticked[self.cursor] ^= true,
            KeyCode::Char(c @ '1'..='9') if (c as usize - '1' as usize) < rows => {
                self.cursor = c as usize - '1' as usize;
                self.ticked[self.cursor] ^= true;
            }
            KeyCode::Enter => {
                let covered = (0..rows).filter(|&i| self.ticked[i]).collect();
                return self.submit(Answer::Covered(covered));
            }
            _ => {}
        }
        Step::Continue
    }

    fn submit(&mut self, answer: Answer) -> Step {
        let q = self.session.current().expect("asking a question");
        let score = self.session.answer(answer);
        self.stage = Stage::Feedback(feedback(q, score));
        Step::Continue
    }

    fn next(&mut self) -> Step {
        if self.session.finished() {
            self.stage = Stage::Summary { points: self.session.points(), asked: self.session.queue.len(), missed: self.session.missed().len() };
            return Step::Record;
        }
        self.stage = Stage::Asking;
        self.reset_inputs();
        Step::Continue
    }
}

pub fn run(curriculum: &Curriculum, store: &Store, set: &QuestionSet) -> Result<ExitCode> {
    let mut app = QuizApp::new(set, Palette::from_env());
    let mut screen = Screen::enter()?;
    loop {
        screen.draw(|f| draw(f, &app))?;
        let Some(key) = screen.next_key()? else { continue };
        match app.key(key) {
            Step::Continue => {}
            Step::Record => app.session.record(curriculum, store)?,
            Step::Quit => break,
        }
    }
    drop(screen);
    // Leaving mid-pass still keeps the answers given (an incomplete attempt).
    if !app.session.finished() {
        app.session.record(curriculum, store)?;
        println!("Left after {} of {} questions: recorded as an incomplete attempt.", app.session.results.len(), app.session.queue.len());
    } else {
        let (points, total) = (app.session.points(), app.session.queue.len());
        println!("Module {} {}: {} / {total} recorded.", set.module, set.kind.as_str(), super::plain::trim_float(points));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn draw(f: &mut Frame, app: &QuizApp) {
    let p = app.palette;
    let set = app.session.set;
    let [head, body, foot] = Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(1)]).areas(f.area());
    let what = if set.kind == SetKind::Interview { "interview" } else { "quiz" };
    let progress = match &app.stage {
        Stage::Summary { .. } => "results".to_string(),
        _ => format!("question {}/{}", (app.session.results.len() + usize::from(!matches!(app.stage, Stage::Feedback(_)))).min(app.session.queue.len()), app.session.queue.len()),
    };
    f.render_widget(Line::from(vec![Span::styled(format!(" Module {} {what}: {} ", set.module, set.title), p.title()), Span::raw(format!(" {progress}"))]), head);

    let (text, keys) = match &app.stage {
        Stage::Summary { points, asked, missed } => summary(*points, *asked, *missed, p),
        Stage::Feedback(fb) => (feedback_text(app, fb, p), "Enter: next · q: quit · ?: keys"),
        Stage::Asking | Stage::Ticking => question_text(app, p),
    };
    let block = Block::default().borders(Borders::ALL);
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }).block(block), body);
    f.render_widget(Line::from(Span::styled(format!(" {keys}"), p.dim())), foot);
    if app.help {
        help_overlay(f, body, p);
    }
}

fn question_text<'t>(app: &'t QuizApp, p: Palette) -> (Text<'t>, &'static str) {
    let q = app.session.current().expect("a question while asking");
    let mut lines: Vec<Line> = q.prompt.trim().lines().map(|l| Line::from(l.to_string())).collect();
    lines.push(Line::default());
    let cursor = |i: usize| if i == app.cursor { "▸ " } else { "  " };
    let keys = match &q.ask {
        Ask::Single { choices } => {
            for (i, c) in choices.iter().enumerate() {
                lines.push(styled_row(format!("{}{}) {}", cursor(i), answer::letter(i), c.text), i == app.cursor, p));
            }
            "↑↓/jk or a-z: choose · Enter: answer · q: quit · ?: keys"
        }
        Ask::Multiple { choices } => {
            lines.push(Line::from(Span::styled("(one or more are right)", p.dim())));
            for (i, c) in choices.iter().enumerate() {
                let mark = if app.ticked[i] { "[x]" } else { "[ ]" };
                lines.push(styled_row(format!("{}{mark} {}) {}", cursor(i), answer::letter(i), c.text), i == app.cursor, p));
            }
            "↑↓/jk: move · Space or a-z: tick · Enter: answer · q: quit"
        }
        Ask::Ordering { items } => {
            lines.push(Line::from(Span::styled("(put them in order: first at the top)", p.dim())));
            let shown = answer::shown_order(q);
            for (row, &pos) in app.arrangement.iter().enumerate() {
                let grip = if app.holding && row == app.cursor { "⇅ " } else { cursor(row) };
                lines.push(styled_row(format!("{grip}{}. {}", row + 1, items[shown[pos]]), row == app.cursor, p));
            }
            "↑↓/jk: move · Space: pick up / put down · Enter: answer · q: quit"
        }
        Ask::Numeric { unit, .. } => {
            let unit = unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
            lines.push(Line::from(vec![Span::raw("> "), Span::styled(app.input.clone(), p.bold()), Span::raw("▏"), Span::raw(unit)]));
            "type a number · Enter: answer · Esc: quit"
        }
        Ask::Short { .. } => {
            lines.push(Line::from(vec![Span::raw("> "), Span::styled(app.input.clone(), p.bold()), Span::raw("▏")]));
            "type your answer · Enter: answer · Esc: quit"
        }
        Ask::Interview { level, model_answer, key_points } => {
            lines.insert(0, Line::from(Span::styled(format!("[{level:?} level]").to_lowercase(), p.dim())));
            if app.stage == Stage::Ticking {
                lines.push(Line::from(Span::styled("Model answer", p.bold())));
                lines.extend(model_answer.trim().lines().map(|l| Line::from(l.to_string())));
                lines.push(Line::default());
                lines.push(Line::from(Span::styled("Tick the key points you covered:", p.bold())));
                for (i, point) in key_points.iter().enumerate() {
                    let mark = if app.ticked[i] { "[x]" } else { "[ ]" };
                    lines.push(styled_row(format!("{}{mark} {}. {point}", cursor(i), i + 1), i == app.cursor, p));
                }
                "↑↓/jk: move · Space or 1-9: tick · Enter: record (self-assessed) · q: quit"
            } else {
                lines.push(Line::from(Span::styled("Answer out loud or on paper, then press Enter for the model answer.", p.dim())));
                "Enter: show the model answer · q: quit"
            }
        }
    };
    if let Some(e) = &app.error {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(e.clone(), p.bad())));
    }
    (Text::from(lines), keys)
}

fn styled_row(text: String, selected: bool, p: Palette) -> Line<'static> {
    if selected { Line::from(Span::styled(text, p.selected())) } else { Line::from(text) }
}

fn feedback_text<'t>(app: &'t QuizApp, fb: &Feedback, p: Palette) -> Text<'t> {
    let q = &app.session.set.questions[app.session.results.last().expect("an answer").0];
    let mut lines = Vec::new();
    if let Ask::Interview { key_points, .. } = &q.ask {
        let covered = (fb.score * key_points.len() as f64).round();
        lines.push(Line::from(Span::styled(format!("Recorded: {covered} of {} key points (self-assessed).", key_points.len()), p.good())));
        return Text::from(lines);
    }
    if fb.score >= 1.0 {
        lines.push(Line::from(Span::styled("✓ Correct.", p.good())));
    } else {
        lines.push(Line::from(Span::styled("✗ Not quite.", p.bad())));
        lines.push(Line::from(vec![Span::styled("The answer: ", p.bold()), Span::raw(fb.right_answer.clone())]));
    }
    if !fb.wrong_choices.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled("Why the others are wrong:", p.bold())));
        for (letter, text, why) in &fb.wrong_choices {
            lines.push(Line::from(format!("{letter}) {text}: {}", why.trim())));
        }
    }
    lines.push(Line::default());
    lines.extend(fb.explanation.lines().map(|l| Line::from(l.to_string())));
    Text::from(lines)
}

fn summary(points: f64, asked: usize, missed: usize, p: Palette) -> (Text<'static>, &'static str) {
    let pct = if asked == 0 { 0.0 } else { 100.0 * points / asked as f64 };
    let mut lines = vec![
        Line::from(Span::styled(format!("Score: {} / {asked} ({pct:.0}%)", super::plain::trim_float(points)), p.bold())),
        Line::default(),
    ];
    let keys = if missed > 0 {
        lines.push(Line::from(format!("{missed} question(s) missed. Press r to retry just those.")));
        "r: retry the missed questions · q: quit"
    } else {
        lines.push(Line::from(Span::styled("Every question right.", p.good())));
        "q: quit"
    };
    lines.push(Line::from("Your answers are saved; `cargo learn status` shows your progress."));
    (Text::from(lines), keys)
}

fn help_overlay(f: &mut Frame, area: Rect, p: Palette) {
    let keys = [
        ("↑ ↓ or j k", "move"),
        ("a-z", "pick a choice"),
        ("Space", "tick (multiple choice, key points) or pick up (ordering)"),
        ("Enter", "answer / next"),
        ("r", "retry the missed questions (at the end)"),
        ("q or Esc", "leave (answers so far are kept)"),
    ];
    crate::terminal::help_popup(f, area, p, &keys);
}
