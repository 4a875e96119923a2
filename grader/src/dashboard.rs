//! `learn` with no command: the dashboard. Track, next step, per-module progress and level on
//! one screen; labs, quizzes, the track, the status and the book one key away. Without a
//! terminal it prints the same overview as text.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::certification::{self, ModuleProgress};
use crate::curriculum::{Curriculum, Item, Lab, SetKind};
use crate::progress::{Progress, Store};
use crate::style::Style;
use crate::terminal::{Palette, Screen};
use crate::{lab_cmd, quiz, status_cmd, track_cmd};

#[derive(Debug, Clone, PartialEq)]
pub enum View {
    Home,
    /// A page of text (the track, the status) with a scroll offset.
    Page { title: String, text: String, scroll: u16 },
}

/// What a key asks the dashboard to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    None,
    Quit,
    Lab(String),
    Quiz(u32, bool),
    Book,
    /// Make this track the learner's.
    SetTrack(String),
}

pub struct Dashboard<'c> {
    pub curriculum: &'c Curriculum,
    pub progress: Progress,
    pub selected: usize,
    pub view: View,
    pub help: bool,
    pub message: Option<String>,
    pub palette: Palette,
}

impl<'c> Dashboard<'c> {
    pub fn new(curriculum: &'c Curriculum, progress: Progress, palette: Palette) -> Dashboard<'c> {
        Dashboard { curriculum, progress, selected: 0, view: View::Home, help: false, message: None, palette }
    }

    fn modules(&self) -> Vec<ModuleProgress> {
        certification::modules(self.curriculum, &self.progress)
    }

    fn track(&self) -> Option<&'c crate::curriculum::Track> {
        self.progress.track.as_deref().and_then(|t| self.curriculum.track(t))
    }

    /// The next item of the learner's track, or else the first lab not complete.
    pub fn next_step(&self) -> Option<Item> {
        if let Some(track) = self.track() {
            return track_cmd::next_item(self.curriculum, &self.progress, track).cloned();
        }
        // No track: module by module, the labs first, then the quiz.
        let modules = certification::modules(self.curriculum, &self.progress);
        for m in &modules {
            if let Some(lab) = self.curriculum.labs_of(m.module).find(|l| !self.progress.lab_complete(l)) {
                return Some(Item::Lab(lab.spec.id.clone()));
            }
            if m.quiz_score.is_some_and(|s| s < self.curriculum.levels.spec.quiz_pass) {
                return Some(Item::Quiz(m.module));
            }
        }
        None
    }

    fn module(&self) -> u32 {
        self.selected as u32 + 1
    }

    /// The selected module's first incomplete lab (its last lab when all are complete).
    fn lab_to_grade(&self) -> Option<&'c Lab> {
        let labs: Vec<&Lab> = self.curriculum.labs_of(self.module()).collect();
        labs.iter().find(|l| !self.progress.lab_complete(l)).or(labs.last()).copied()
    }

    pub fn key(&mut self, key: KeyEvent) -> Action {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Action::Quit;
        }
        if self.help {
            self.help = false;
            return Action::None;
        }
        self.message = None;
        let choosing_track = matches!(&self.view, View::Page { title, .. } if title == "Choose a track");
        if let View::Page { scroll, .. } = &mut self.view {
            match key.code {
                KeyCode::Char(c @ '1'..='9') if choosing_track => {
                    if let Some(track) = self.curriculum.tracks.get(c as usize - '1' as usize) {
                        self.view = View::Home;
                        return Action::SetTrack(track.spec.id.clone());
                    }
                }
                KeyCode::Down | KeyCode::Char('j') => *scroll = scroll.saturating_add(1),
                KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                KeyCode::PageDown | KeyCode::Char(' ') => *scroll = scroll.saturating_add(10),
                KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                KeyCode::Char('?') => self.help = true,
                _ => self.view = View::Home, // q, Esc, anything else: back
            }
            return Action::None;
        }
        let modules = crate::curriculum::MODULES.len();
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return Action::Quit,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Down | KeyCode::Char('j') => self.selected = (self.selected + 1).min(modules - 1),
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Char(c @ '1'..='9') => self.selected = c as usize - '1' as usize,
            KeyCode::Enter | KeyCode::Char('n') => match self.next_step() {
                Some(Item::Lab(id)) => return Action::Lab(id),
                Some(Item::Quiz(m)) => return Action::Quiz(m, false),
                Some(Item::Interview(m)) => return Action::Quiz(m, true),
                Some(Item::Module(m)) => {
                    self.selected = m as usize - 1;
                    return Action::Book;
                }
                Some(item @ Item::Capstone(_)) => {
                    self.message = Some(format!("Next: {}. Record it with `cargo learn attest` when it is done.", certification::describe(self.curriculum, &item)))
                }
                None => self.message = Some("Nothing left to check here: well done.".into()),
            },
            KeyCode::Char('l') => match self.lab_to_grade() {
                Some(lab) => return Action::Lab(lab.spec.id.clone()),
                None => self.message = Some(format!("Module {} has no labs yet.", self.module())),
            },
            KeyCode::Char('z') | KeyCode::Char('i') => {
                let interview = key.code == KeyCode::Char('i');
                let kind = if interview { SetKind::Interview } else { SetKind::Quiz };
                if self.curriculum.set(kind, self.module()).is_some() {
                    return Action::Quiz(self.module(), interview);
                }
                self.message = Some(format!("Module {} has no {} yet.", self.module(), kind.as_str()));
            }
            KeyCode::Char('t') => {
                self.view = match self.track() {
                    Some(track) => View::Page { title: "Track".into(), text: track_cmd::render(self.curriculum, &self.progress, track, Style::plain()), scroll: 0 },
                    None => {
                        let mut text = String::from("No track chosen yet. Press its number to choose one:\n\n");
                        for (i, t) in self.curriculum.tracks.iter().enumerate() {
                            let duration = t.spec.duration.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
                            text += &format!("  {}  {}{duration}\n", i + 1, t.spec.name);
                            if let Some(goal) = &t.spec.goal {
                                text += &format!("     {goal}\n");
                            }
                        }
                        text += "\n(or later: `cargo learn track set <id>`)\n";
                        View::Page { title: "Choose a track".into(), text, scroll: 0 }
                    }
                };
            }
            KeyCode::Char('s') => {
                let text = status_cmd::render(self.curriculum, &self.progress, Style::plain());
                self.view = View::Page { title: "Status".into(), text, scroll: 0 };
            }
            KeyCode::Char('b') => return Action::Book,
            _ => {}
        }
        Action::None
    }
}

pub fn run(curriculum: &Curriculum, store: &Store) -> Result<ExitCode> {
    let progress = store.load(curriculum)?;
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        print!("{}", overview(curriculum, &progress));
        return Ok(ExitCode::SUCCESS);
    }
    // The default model is needed by most labs: fetch it now, before the screen takes over.
    if let Err(e) = engine::fetch::default_model() {
        eprintln!("warning: the default model could not be fetched ({e:#}); labs that run it will fail until it can be.");
    }
    let mut dash = Dashboard::new(curriculum, progress, Palette::from_env());
    let mut screen = Screen::enter()?;
    loop {
        screen.draw(|f| draw(f, &dash))?;
        let Some(key) = screen.next_key()? else { continue };
        let action = dash.key(key);
        let outcome: Result<()> = match action {
            Action::None => Ok(()),
            Action::Quit => break,
            Action::Lab(id) => screen.suspend(|| -> Result<()> {
                let lab = lab_cmd::find(curriculum, &id)?;
                let mut print = |t: &str| print!("{t}");
                lab_cmd::grade_and_record(curriculum, store, lab, Style::for_stdout(), &mut print)?;
                pause()
            })?,
            Action::Quiz(m, interview) => screen.suspend(|| quiz::run(curriculum, store, m, interview, false).map(|_| ()))?,
            Action::Book => screen.suspend(|| -> Result<()> {
                open_book(curriculum, dash.module())?;
                pause()
            })?,
            Action::SetTrack(id) => store.update(curriculum, |p| p.track = Some(id)),
        };
        if let Err(e) = outcome {
            dash.message = Some(format!("error: {e:#}"));
        }
        dash.progress = store.load(curriculum)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds the book once and serves it for as long as the dashboard runs (`cargo learn book`
/// also rebuilds on change), then opens the selected module's page.
fn open_book(curriculum: &Curriculum, module: u32) -> Result<()> {
    static SERVER: std::sync::OnceLock<crate::book::serve::Server> = std::sync::OnceLock::new();
    let url = match SERVER.get() {
        Some(server) => server.url(),
        None => {
            let dest = crate::book::default_dest(&curriculum.root);
            println!("Building the book into {} …", dest.display());
            crate::book::build::build(curriculum, &crate::book::book_dir(&curriculum.root), &dest)?;
            let server = crate::book::serve::start(&dest, 0)?;
            let url = server.url();
            let _ = SERVER.set(server);
            url
        }
    };
    let page = format!("{url}module-{module}/index.html");
    println!("The book is at {url} (served while the dashboard runs; `cargo learn book` also rebuilds on change).");
    crate::book::serve::open_browser(&page);
    Ok(())
}

fn pause() -> Result<()> {
    println!("\nPress Enter to return to the dashboard.");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(())
}

/// The dashboard as text, for pipes and scripts.
pub fn overview(curriculum: &Curriculum, progress: &Progress) -> String {
    let dash = Dashboard::new(curriculum, progress.clone(), Palette { color: false });
    let mut out = String::from("The LLaMA.cpp learning path, as a Rust workbook\n\n");
    if let Some(item) = dash.next_step() {
        out += &format!("Next: {}   ({})\n\n", certification::describe(curriculum, &item), certification::command_for(&item));
    }
    out += &status_cmd::render(curriculum, progress, Style::plain());
    out
}

pub fn draw(f: &mut Frame, dash: &Dashboard) {
    let p = dash.palette;
    let keys = match dash.view {
        View::Home => "Enter: next step · l: lab · z: quiz · i: interview · t: track · s: status · b: book · ?: keys · q: quit",
        View::Page { ref title, .. } if title == "Choose a track" => "1-9: choose that track · any other key: back",
        View::Page { .. } => "↑↓/jk: scroll · any other key: back · ?: keys",
    };
    // The key line wraps in a narrow terminal rather than losing its end.
    let key_lines = (keys.chars().count() as u16).div_ceil(f.area().width.saturating_sub(1).max(1)).clamp(1, 3);
    let [head, next, body, foot] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(2), Constraint::Min(5), Constraint::Length(key_lines)]).areas(f.area());
    let levels = certification::levels(dash.curriculum, &dash.progress);
    let track = dash.track().map_or("no track chosen (t)".to_string(), |t| format!("track: {}", t.spec.name));
    f.render_widget(
        Line::from(vec![
            Span::styled(" The LLaMA.cpp learning path ", p.title()),
            Span::raw(format!("  level {} · {track}", certification::current_level(&levels))),
        ]),
        head,
    );
    let next_line = match (&dash.message, dash.next_step()) {
        (Some(m), _) => Line::from(Span::styled(format!(" {m}"), p.bold())),
        (None, Some(item)) => Line::from(vec![
            Span::styled(" Next: ", p.bold()),
            Span::raw(certification::describe(dash.curriculum, &item)),
            Span::styled(format!("   Enter · {}", certification::command_for(&item)), p.dim()),
        ]),
        (None, None) => Line::from(" Everything that can be checked here is done."),
    };
    f.render_widget(Paragraph::new(next_line), next);

    match &dash.view {
        View::Home => home(f, body, dash),
        View::Page { title, text, scroll } => {
            let block = Block::default().borders(Borders::ALL).title(format!(" {title} "));
            f.render_widget(Paragraph::new(text.as_str()).block(block).scroll((*scroll, 0)), body);
        }
    }
    f.render_widget(Paragraph::new(Span::styled(keys, p.dim())).wrap(Wrap { trim: true }), foot);
    if dash.help {
        help(f, body, p);
    }
}

fn home(f: &mut Frame, area: Rect, dash: &Dashboard) {
    let p = dash.palette;
    let modules = dash.modules();
    let narrow = area.width < 80;
    let [left, right] = if narrow {
        Layout::vertical([Constraint::Length(11), Constraint::Min(3)]).areas(area)
    } else {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area)
    };
    let rows: Vec<Line> = modules
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let labs = if m.labs == 0 { "        ".to_string() } else { format!("labs {}/{}", m.labs_done, m.labs) };
            let quiz = m.quiz_score.map_or(String::new(), |s| format!("  quiz {:>3.0}%", 100.0 * s));
            let text = format!("{}{} {:<26} {labs}{quiz}", if i == dash.selected { "▸ " } else { "  " }, m.module, m.title);
            if i == dash.selected { Line::from(Span::styled(text, p.selected())) } else { Line::from(text) }
        })
        .collect();
    f.render_widget(Paragraph::new(rows).block(Block::default().borders(Borders::ALL).title(" Modules ")), left);

    let m = &modules[dash.selected];
    let mut lines = Vec::new();
    let labs: Vec<&Lab> = dash.curriculum.labs_of(m.module).collect();
    if labs.is_empty() {
        lines.push(Line::from(Span::styled("No labs yet: read this module in the book (b).", p.dim())));
    }
    for lab in labs {
        let done = dash.progress.lab_complete(lab);
        let mark = if done { Span::styled("✓ ", p.good()) } else { Span::raw("· ") };
        lines.push(Line::from(vec![mark, Span::raw(format!("Lab {} {}", lab.spec.id, lab.spec.title))]));
    }
    lines.push(Line::default());
    for (label, score, key) in [("Quiz", m.quiz_score, "z"), ("Interview", m.interview_score, "i")] {
        if let Some(s) = score {
            lines.push(Line::from(format!("{label}: {:.0}%  ({key})", 100.0 * s)));
        }
    }
    let block = Block::default().borders(Borders::ALL).title(format!(" Module {}: {} ", m.module, m.title));
    f.render_widget(Paragraph::new(Text::from(lines)).wrap(Wrap { trim: false }).block(block), right);
}

fn help(f: &mut Frame, area: Rect, p: Palette) {
    let keys = [
        ("↑ ↓, j k, 1-9", "choose a module"),
        ("Enter or n", "do the next step of your track"),
        ("l", "grade the module's next lab"),
        ("z / i", "the module's quiz / interview questions"),
        ("t / s", "your track / your status and level"),
        ("b", "the book"),
        ("q or Esc", "leave (or go back)"),
    ];
    crate::terminal::help_popup(f, area, p, &keys);
}
