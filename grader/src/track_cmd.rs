//! `learn track [name]` and `learn track set <name>`.

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::certification::{self, ItemState, ModuleProgress};
use crate::curriculum::{Curriculum, Item, Track};
use crate::progress::{Progress, Store};
use crate::style::Style;

pub fn run(curriculum: &Curriculum, store: &Store, args: &[String]) -> Result<ExitCode> {
    match args {
        [set, name] if set == "set" => {
            let track = find(curriculum, name)?;
            let id = track.spec.id.clone();
            store.update(curriculum, |p| p.track = Some(id))?;
            println!("Your track is now {} ({}).", track.spec.name, track.spec.id);
            let progress = store.load(curriculum)?;
            print!("{}", render(curriculum, &progress, track, Style::for_stdout()));
        }
        [] => {
            let progress = store.load(curriculum)?;
            match progress.track.as_deref().and_then(|t| curriculum.track(t)) {
                Some(track) => print!("{}", render(curriculum, &progress, track, Style::for_stdout())),
                None => {
                    println!("The tracks (pick one with `cargo learn track set <id>`):\n");
                    for t in &curriculum.tracks {
                        println!("  {:<10} {}{}", t.spec.id, t.spec.name, t.spec.duration.as_deref().map(|d| format!(" ({d})")).unwrap_or_default());
                        if let Some(goal) = &t.spec.goal {
                            println!("  {:<10} {goal}", "");
                        }
                    }
                }
            }
        }
        [name] => {
            let progress = store.load(curriculum)?;
            print!("{}", render(curriculum, &progress, find(curriculum, name)?, Style::for_stdout()));
        }
        _ => bail!("usage: learn track [<name>] | learn track set <name>"),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn find<'c>(curriculum: &'c Curriculum, name: &str) -> Result<&'c Track> {
    let name = name.to_lowercase();
    let found = curriculum
        .tracks
        .iter()
        .find(|t| t.spec.id == name || t.spec.name.to_lowercase() == name || t.spec.name.to_lowercase().starts_with(&name));
    match found {
        Some(t) => Ok(t),
        None => {
            let ids: Vec<&str> = curriculum.tracks.iter().map(|t| t.spec.id.as_str()).collect();
            bail!("there is no track {name:?}; the tracks are: {}", ids.join(", "))
        }
    }
}

/// The first item not done yet, in track order.
pub fn next_item<'t>(curriculum: &Curriculum, progress: &Progress, track: &'t Track) -> Option<&'t Item> {
    first_todo(curriculum, progress, &certification::modules(curriculum, progress), track)
}

fn first_todo<'t>(curriculum: &Curriculum, progress: &Progress, modules: &[ModuleProgress], track: &'t Track) -> Option<&'t Item> {
    track.spec.weeks.iter().flat_map(|w| &w.items).find(|item| certification::item_state(curriculum, progress, modules, item) == ItemState::Todo)
}

pub fn render(curriculum: &Curriculum, progress: &Progress, track: &Track, style: Style) -> String {
    let modules = certification::modules(curriculum, progress);
    let next = first_todo(curriculum, progress, &modules, track);
    let s = &track.spec;
    let mut out = format!("{}\n", style.bold(&format!("{} track", s.name)));
    for (label, value) in [("Goal", &s.goal), ("Duration", &s.duration)] {
        if let Some(v) = value {
            out += &format!("{label}: {v}\n");
        }
    }
    for week in &s.weeks {
        let label = if week.weeks.contains('-') { "Weeks" } else { "Week" };
        out += &format!("\n{}\n", style.bold(&format!("{label} {}: {}", week.weeks, week.title)));
        for item in &week.items {
            let state = certification::item_state(curriculum, progress, &modules, item);
            let is_next = next == Some(item);
            let mark = match state {
                ItemState::Done => style.green("✓ done"),
                ItemState::Todo if is_next => style.yellow("→ next"),
                ItemState::Todo => "· todo".to_string(),
                ItemState::Reading => style.dim("· read"),
            };
            let mut line = format!("  {mark}  {}", certification::describe(curriculum, item));
            if is_next {
                line += &style.dim(&format!("   ({})", certification::command_for(item)));
            }
            out += &line;
            out.push('\n');
        }
    }
    if next.is_none() {
        out += &format!("\n{}\n", style.green("Everything on this track that can be checked here is done."));
    }
    out
}
