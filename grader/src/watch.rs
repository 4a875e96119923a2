//! `learn lab <id> --watch`: grade again on every save of the lab's files.
//!
//! File events come from `notify`; when it cannot watch (some network and container file
//! systems) or `LEARN_WATCH_POLL=1`, the files' modification times are polled instead. Keys
//! pressed while a run is in flight are discarded, so a stray `q` cannot quit mid-run.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use anyhow::Result;
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::terminal;
use notify::Watcher;

use crate::curriculum::{Curriculum, Lab};
use crate::lab_cmd;
use crate::progress::Store;
use crate::style::Style;

enum Wake {
    Changed,
    Rerun,
    Quit,
}

pub fn run(curriculum: &Curriculum, store: &Store, lab: &Lab) -> Result<ExitCode> {
    let files: Vec<PathBuf> = lab.spec.files.iter().map(|f| lab.dir.join(f)).collect();
    let (tx, rx) = mpsc::channel();
    let _watcher = file_events(&files, tx.clone());
    let polling = _watcher.is_none();
    if polling {
        let files = files.clone();
        std::thread::spawn(move || poll_mtimes(&files, &tx));
    }
    let keys = std::io::stdin().is_terminal();
    let _raw = keys.then(RawMode::enable).transpose()?;
    let style = Style::for_stdout();
    let mut print = |text: &str| {
        // Raw mode does not turn "\n" into a new line at column 0.
        print!("{}", if keys { text.replace('\n', "\r\n") } else { text.to_string() });
        let _ = std::io::stdout().flush();
    };
    let mut complete;
    loop {
        print("\x1b[2J\x1b[H");
        complete = lab_cmd::grade_and_record(curriculum, store, lab, style, &mut print)?.complete;
        let how = if polling { "polling" } else { "watching" };
        let names = lab.spec.files.clone();
        print(&format!(
            "\n{}\n",
            style.dim(&format!("{how} {} for changes · r: run again · q: quit", names.join(", ")))
        ));
        while rx.try_recv().is_ok() {} // saves made during the run are covered by the next one
        if keys {
            while event::poll(Duration::ZERO)? {
                let _ = event::read()?; // keys pressed during the run are ignored
            }
        }
        match wait(&rx, keys)? {
            Wake::Quit => break,
            Wake::Changed | Wake::Rerun => {
                std::thread::sleep(Duration::from_millis(150)); // let an editor finish its save
                while rx.try_recv().is_ok() {}
            }
        }
    }
    Ok(if complete { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn wait(rx: &mpsc::Receiver<()>, keys: bool) -> Result<Wake> {
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(()) => return Ok(Wake::Changed),
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(Wake::Quit),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if keys
            && event::poll(Duration::ZERO)?
            && let Event::Key(KeyEvent { code, modifiers, kind: KeyEventKind::Press, .. }) = event::read()?
        {
            match code {
                KeyCode::Char('q') | KeyCode::Esc => return Ok(Wake::Quit),
                KeyCode::Char('c') if modifiers.contains(KeyModifiers::CONTROL) => return Ok(Wake::Quit),
                KeyCode::Char('r') | KeyCode::Enter => return Ok(Wake::Rerun),
                _ => {}
            }
        }
    }
}

/// A notify watcher on the lab's files, or None when file events are unavailable.
fn file_events(files: &[PathBuf], tx: mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    if std::env::var_os("LEARN_WATCH_POLL").is_some_and(|v| v == "1") {
        return None;
    }
    let watched: Vec<PathBuf> = files.to_vec();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let ours = |e: &notify::Event| e.paths.iter().any(|p| watched.iter().any(|w| p.ends_with(w) || w.ends_with(p)));
        if event.is_ok_and(|e| (e.kind.is_modify() || e.kind.is_create()) && ours(&e)) {
            let _ = tx.send(());
        }
    })
    .ok()?;
    for file in files {
        // Watch the folder: editors often save by replacing the file.
        let dir = file.parent()?;
        watcher.watch(dir, notify::RecursiveMode::NonRecursive).ok()?;
    }
    Some(watcher)
}

fn poll_mtimes(files: &[PathBuf], tx: &mpsc::Sender<()>) {
    let stamp = || -> Vec<Option<SystemTime>> { files.iter().map(|f| f.metadata().and_then(|m| m.modified()).ok()).collect() };
    let mut last = stamp();
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = stamp();
        if now != last {
            last = now;
            if tx.send(()).is_err() {
                return;
            }
        }
    }
}

/// Raw mode for single-key commands, always restored (also on panic, via Drop).
struct RawMode;

impl RawMode {
    fn enable() -> Result<RawMode> {
        terminal::enable_raw_mode()?;
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = terminal::disable_raw_mode();
    }
}
