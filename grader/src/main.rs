//! `learn`: the course runner of the LLaMA.cpp learning path. Grades labs, runs quizzes, shows
//! tracks, progress and certification levels, and serves the book.


use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use grader::{attest_cmd, curriculum, dashboard, dev_check, lab_cmd, progress, quiz, root, status_cmd, track_cmd};

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
    /// Commands for the course's maintainers.
    Dev {
        #[command(subcommand)]
        command: DevCommand,
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
    let curriculum = curriculum::Curriculum::load(&root)?;
    let store = progress::Store::open_default()?;
    match cli.command {
        None => dashboard::run(&curriculum, &store),
        Some(Command::Lab { id, watch, json }) => lab_cmd::run(&curriculum, &store, &id, watch, json),
        Some(Command::Quiz { module, interview, plain }) => quiz::run(&curriculum, &store, module, interview, plain),
        Some(Command::Track { args }) => track_cmd::run(&curriculum, &store, &args),
        Some(Command::Status { json }) => status_cmd::run(&curriculum, &store, json),
        Some(Command::Attest { uid, evidence, note, list }) => attest_cmd::run(&curriculum, &store, uid, evidence, note, list),
        Some(Command::Dev { .. }) => unreachable!("handled above"),
    }
}
