//! `infer`: the reference engine's command line.

mod bench_cmd;
mod chat_cmd;
mod fetch_cmd;
mod inspect;
mod model_args;
mod perplexity_cmd;
mod quantize_cmd;
mod run_cmd;
mod tokenize_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The reference inference engine of the LLaMA.cpp learning path.
#[derive(Parser)]
#[command(name = "infer", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fetch the default model (SmolLM2-135M-Instruct Q4_1) into the cache and check its hashes.
    Fetch,
    /// Work with GGUF files.
    Gguf {
        #[command(subcommand)]
        command: GgufCommand,
    },
    /// Write a copy of a model with its weights in another format, as llama-quantize does.
    Quantize(quantize_cmd::Args),
    /// Continue a prompt with the model (plain text, no chat template).
    Run(run_cmd::Args),
    /// Chat with the model in the terminal, with its own chat template.
    Chat(chat_cmd::Args),
    /// Show how the model's tokenizer splits a text.
    Tokenize(tokenize_cmd::Args),
    /// Perplexity of the model on a text file, as llama-perplexity computes it.
    Perplexity(perplexity_cmd::Args),
    /// Measure prompt-processing and generation speed, as llama-bench does.
    Bench(bench_cmd::Args),
}

#[derive(Subcommand)]
enum GgufCommand {
    /// Show a GGUF file's header, metadata and tensor table.
    Inspect {
        /// The file to inspect (default: the default model).
        file: Option<PathBuf>,
        /// Print one JSON object instead of tables.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    // `infer … | head` should end quietly, as command-line tools do, not panic on a closed pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Fetch => fetch_cmd::run(),
        Command::Gguf { command: GgufCommand::Inspect { file, json } } => inspect::run(file.as_deref(), json),
        Command::Quantize(args) => quantize_cmd::run(&args),
        Command::Run(args) => run_cmd::run(&args),
        Command::Chat(args) => chat_cmd::run(&args),
        Command::Tokenize(args) => tokenize_cmd::run(&args),
        Command::Perplexity(args) => perplexity_cmd::run(&args),
        Command::Bench(args) => bench_cmd::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
