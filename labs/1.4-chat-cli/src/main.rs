//! Lab 1.4: `chat`, a command-line chat over the engine library.
//!
//! Your file. Fill in `parse_args` and `run` (the README says what the tool must do);
//! `cargo learn lab 1.4` grades it by running it as a process. Try it yourself with
//! `cargo run -p lab-1-4-chat-cli -- --temp 0`.
//!
//! Standard output carries the replies only, each followed by a newline; the "> " prompt and
//! any messages go to standard error.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

/// The command line: `chat [--model PATH] [--seed N] [--temp T] [--n-predict N]`.
#[derive(Debug)]
#[allow(dead_code)] // read them once you write `run`
struct Args {
    /// The GGUF model; the default model (`engine::fetch::default_model()`) when `None`.
    model: Option<PathBuf>,
    /// The sampler's random seed (`SamplingParams::seed`).
    seed: Option<u32>,
    /// The temperature (`SamplingParams::temp`); 0 is greedy.
    temp: Option<f32>,
    /// The longest reply, in tokens (default 256).
    n_predict: usize,
}

/// Parses the arguments after the program name; an unknown flag or a bad number is an error.
fn parse_args(args: impl Iterator<Item = String>) -> Result<Args> {
    // TODO
    let _ = args;
    todo!()
}

/// Opens the model, then reads user lines from standard input until `/exit` or the end of
/// input, streaming each reply to standard output and keeping the conversation.
fn run(args: &Args) -> Result<()> {
    // TODO: GgufFile::open, Model::load, Tokenizer::from_gguf, ChatTemplate::new from the
    // "tokenizer.chat_template" metadata, a SamplerChain and a Session; then the loop.
    let _ = args;
    todo!()
}

fn main() -> ExitCode {
    let result = parse_args(std::env::args().skip(1)).and_then(|args| run(&args));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
