//! Lab 1.4, reference solution: `chat`, a command-line chat over the engine library.
//!
//! Standard output carries the replies only (each followed by a newline); the prompt and
//! messages go to standard error, so the replies can be piped or compared.

use std::io::{BufRead, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use engine::chat_template::{ChatTemplate, Message};
use engine::generate::generate;
use engine::gguf::GgufFile;
use engine::model::{Model, Session};
use engine::sampling::{SamplerChain, SamplingParams};
use engine::tokenizer::Tokenizer;

const USAGE: &str = "usage: chat [--model PATH] [--seed N] [--temp T] [--n-predict N]";

/// The command line.
#[derive(Debug)]
struct Args {
    /// The GGUF model; the default model when `None`.
    model: Option<PathBuf>,
    seed: Option<u32>,
    temp: Option<f32>,
    /// The longest reply, in tokens.
    n_predict: usize,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args> {
    let mut parsed = Args { model: None, seed: None, temp: None, n_predict: 256 };
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--model" => parsed.model = Some(PathBuf::from(value()?)),
            "--seed" => parsed.seed = Some(value()?.parse().context("--seed takes a whole number")?),
            "--temp" => parsed.temp = Some(value()?.parse().context("--temp takes a number")?),
            "--n-predict" => parsed.n_predict = value()?.parse().context("--n-predict takes a whole number")?,
            other => bail!("unknown argument '{other}'\n{USAGE}"),
        }
    }
    Ok(parsed)
}

/// The text of a special token (for the template's `bos_token` / `eos_token`), or "".
fn token_text(tokenizer: &Tokenizer, id: Option<u32>) -> String {
    id.map(|id| String::from_utf8_lossy(&tokenizer.token_to_piece(id, true)).into_owned()).unwrap_or_default()
}

fn run(args: &Args) -> Result<()> {
    let path = match &args.model {
        Some(path) => path.clone(),
        None => engine::fetch::default_model()?,
    };
    if !path.is_file() {
        bail!("model file {} does not exist (give a GGUF file with --model PATH)", path.display());
    }
    let file = GgufFile::open(&path).with_context(|| format!("opening the model {}", path.display()))?;
    let model = Model::load(&file)?;
    let tokenizer = Tokenizer::from_gguf(&file)?;
    let source = file
        .get("tokenizer.chat_template")
        .and_then(|v| v.as_str())
        .with_context(|| format!("{} has no chat template (tokenizer.chat_template)", path.display()))?;
    let template = ChatTemplate::new(source)?;
    let (bos, eos) = (token_text(&tokenizer, tokenizer.bos()), token_text(&tokenizer, tokenizer.eos()));

    let mut params = SamplingParams::default();
    if let Some(temp) = args.temp {
        params.temp = temp;
    }
    if let Some(seed) = args.seed {
        params.seed = seed;
    }
    let mut sampler = SamplerChain::new(&params)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let n_ctx = model.config.n_ctx_train.min(4096);
    let mut session = Session::new(&model, n_ctx, threads);

    let mut messages: Vec<Message> = Vec::new();
    // The tokens whose keys and values the session's cache holds, in order.
    let mut cached: Vec<u32> = Vec::new();
    let mut stdout = std::io::stdout();
    let mut lines = std::io::stdin().lock().lines();
    loop {
        eprint!("> ");
        let Some(line) = lines.next() else { return Ok(()) }; // end of input
        let line = line.context("reading standard input")?;
        let line = line.trim_end_matches('\r');
        match line {
            "" => continue,
            "/exit" => return Ok(()),
            "/reset" => {
                messages.clear();
                cached.clear();
                session.truncate(0);
                sampler.reset();
                eprintln!("(conversation reset)");
                continue;
            }
            _ => {}
        }

        messages.push(Message::new("user", line));
        let prompt = template.render(&messages, true, &bos, &eos)?;
        let tokens = tokenizer.encode(&prompt, true, true);

        // Keep the cache for the longest prefix it shares with the new prompt; run the rest.
        // At least one token must be run, to get logits for the first reply token.
        let keep = cached.iter().zip(&tokens).take_while(|(a, b)| a == b).count().min(tokens.len() - 1);
        session.truncate(keep);
        cached.truncate(keep);
        if tokens.len() + args.n_predict > session.n_ctx() {
            bail!("the conversation no longer fits the context of {} tokens: /reset to start over", session.n_ctx());
        }

        let generation = generate(&mut session, &tokenizer, &mut sampler, &tokens[keep..], args.n_predict, |_, piece| {
            let _ = stdout.write_all(piece);
            let _ = stdout.flush();
            ControlFlow::Continue(())
        })?;
        writeln!(stdout)?;

        cached = tokens;
        cached.extend_from_slice(&generation.tokens);
        cached.truncate(session.position()); // the last reply token was sampled, never run
        messages.push(Message::new("assistant", &tokenizer.decode_lossy(&generation.tokens)));
    }
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
