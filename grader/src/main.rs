//! `learn`: the course runner of the LLaMA.cpp learning path. Grades labs, runs quizzes, shows
//! tracks, progress and certification levels, and serves the book.


use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use grader::{attest_cmd, book, curriculum, dashboard, dev_check, lab_cmd, progress, quiz, root, status_cmd, track_cmd};

/// The LLaMA.cpp learning path, as a Rust workbook. With no command: the dashboard.
#[derive(Parser)]
#[command(name = "learn", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Grade a lab: build and run its graded tests (e.g. `learn lab 1.1`).
    Lab {
        /// The lab's number, e.g. 1.1.
        id: String,
        /// Grade again every time you save the lab's files.
        #[arg(long)]
        watch: bool,
        /// Print the result as JSON (exit status 0 only when the lab is complete).
        #[arg(long)]
        json: bool,
    },
    /// Take a module's quiz in the terminal (e.g. `learn quiz 1`).
    Quiz {
        /// The module number, 1 to 9.
        module: u32,
        /// The module's interview questions instead (self-assessed).
        #[arg(long)]
        interview: bool,
        /// Plain text, one answer per line, even on a terminal (also used when piped).
        #[arg(long)]
        plain: bool,
    },
    /// Show a track week by week with what is done and what is next; `learn track set <name>` picks yours.
    Track {
        /// A track (infra, research, fullstack, edge), or `set <name>`.
        args: Vec<String>,
    },
    /// Your progress per module and toward certification levels 1-4.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Record something that cannot be checked on this machine (a capstone, a merged PR) with evidence.
    Attest {
        /// What you attest (see `learn attest --list`).
        uid: Option<String>,
        /// A link to the evidence (a pull request, a repository, a deployment).
        evidence: Option<String>,
        /// A note to keep with it.
        #[arg(long)]
        note: Option<String>,
        /// List what can be attested.
        #[arg(long)]
        list: bool,
    },
    /// The course book in the browser: built, served on 127.0.0.1 and rebuilt on change (the default).
    Book {
        #[command(subcommand)]
        command: Option<BookCommand>,
        /// Serve on this port (plain `learn book`).
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// Do not open the browser, only print the address.
        #[arg(long)]
        no_open: bool,
    },
    /// Commands for the course's maintainers.
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
}

#[derive(Subcommand)]
enum BookCommand {
    /// Build the book to HTML (default: target/book).
    Build {
        #[arg(long)]
        dest: Option<PathBuf>,
    },
    /// Serve the book on 127.0.0.1, rebuild it on change and open the browser.
    Serve {
        #[arg(long, default_value_t = 3000)]
        port: u16,
        #[arg(long)]
        no_open: bool,
        #[arg(long)]
        dest: Option<PathBuf>,
    },
    /// Build the book and check every link, anchor, include, lab page and quiz directive.
    Check {
        #[arg(long)]
        dest: Option<PathBuf>,
    },
    /// mdBook's external preprocessor protocol (book.toml's `[preprocessor.workbook]`).
    #[command(hide = true)]
    Preprocess {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Subcommand)]
enum DevCommand {
    /// Every stub fails its graded tests, every solution passes, every file validates.
    Check {
        #[arg(long)]
        json: bool,
        /// Only these labs (ids), for a quick check while writing one.
        #[arg(long = "lab")]
        labs: Vec<String>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let root = root::course_root()?;
    if let Some(Command::Dev { command: DevCommand::Check { json, labs } }) = &cli.command {
        return dev_check::run(&root, *json, labs);
    }
    if let Some(Command::Book { command: Some(BookCommand::Preprocess { args }), .. }) = &cli.command {
        // stdout is mdBook's: the book as JSON, nothing else.
        let load = || curriculum::Curriculum::load(&root).map_err(anyhow::Error::from);
        let supported = book::preprocess::run_external(load, args, &mut std::io::stdin().lock(), &mut std::io::stdout().lock())?;
        return Ok(if supported { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    let curriculum = curriculum::Curriculum::load(&root)?;
    let store = progress::Store::open_default()?;
    match cli.command {
        None => dashboard::run(&curriculum, &store),
        Some(Command::Lab { id, watch, json }) => lab_cmd::run(&curriculum, &store, &id, watch, json),
        Some(Command::Quiz { module, interview, plain }) => quiz::run(&curriculum, &store, module, interview, plain),
        Some(Command::Track { args }) => track_cmd::run(&curriculum, &store, &args),
        Some(Command::Status { json }) => status_cmd::run(&curriculum, &store, json),
        Some(Command::Attest { uid, evidence, note, list }) => attest_cmd::run(&curriculum, &store, uid, evidence, note, list),
        Some(Command::Book { command, port, no_open }) => book_cmd(&curriculum, &root, command, port, no_open),
        Some(Command::Dev { .. }) => unreachable!("handled above"),
    }
}

fn book_cmd(curriculum: &curriculum::Curriculum, root: &std::path::Path, command: Option<BookCommand>, port: u16, no_open: bool) -> Result<ExitCode> {
    let dest = |d: Option<PathBuf>| d.unwrap_or_else(|| book::default_dest(root));
    match command {
        None => book::serve::serve(root, &dest(None), port, !no_open)?,
        Some(BookCommand::Serve { port, no_open, dest: d }) => book::serve::serve(root, &dest(d), port, !no_open)?,
        Some(BookCommand::Build { dest: d }) => {
            let d = dest(d);
            book::build::build(curriculum, &book::book_dir(root), &d)?;
            println!("The book is in {}; open {}", d.display(), d.join("index.html").display());
        }
        Some(BookCommand::Check { dest: d }) => {
            let problems = book::check(curriculum, root, &dest(d))?;
            if !problems.is_empty() {
                eprintln!("the book has {} problem(s):", problems.len());
                for p in &problems {
                    eprintln!("  {p}");
                }
                return Ok(ExitCode::FAILURE);
            }
            println!("The book's links, anchors, includes, lab pages and quizzes all resolve.");
        }
        Some(BookCommand::Preprocess { .. }) => unreachable!("handled before loading the course"),
    }
    Ok(ExitCode::SUCCESS)
}
