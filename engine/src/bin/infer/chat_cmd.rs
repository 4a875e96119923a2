//! `infer chat`: talk to the model in the terminal. The conversation is rendered with the
//! model's own chat template; the KV cache is kept across turns, so each turn only runs the
//! tokens that are new since the last one.

use std::io::{BufRead, Write};
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};
use engine::chat_template::{ChatTemplate, Message};
use engine::generate::{StopReason, generate};
use engine::gguf::Value;
use engine::model::{Model, Session};
use engine::sampling::SamplerChain;
use engine::tokenizer::Tokenizer;

use crate::model_args::ModelArgs;
use crate::run_cmd::SamplingArgs;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArgs,
    /// A system message to start the conversation with.
    #[arg(long)]
    system: Option<String>,
    /// Context size (positions kept in the KV cache).
    #[arg(long = "ctx-size", short = 'c', default_value_t = 4096)]
    ctx_size: usize,
    /// Longest reply, in tokens.
    #[arg(short = 'n', long = "n-predict", default_value_t = 512)]
    n_predict: usize,
    #[command(flatten)]
    sampling: SamplingArgs,
}

pub fn run(args: &Args) -> Result<()> {
    let file = args.model.open()?;
    let model = Model::load(&file)?;
    let tokenizer = Tokenizer::from_gguf(&file)?;
    let Some(source) = file.get("tokenizer.chat_template").and_then(Value::as_str) else {
        bail!("this model has no chat template (tokenizer.chat_template): use `infer run` to continue plain text");
    };
    let template = ChatTemplate::new(source)?;
    let piece = |id: Option<u32>| id.map(|i| String::from_utf8_lossy(&tokenizer.token_to_piece(i, true)).into_owned()).unwrap_or_default();
    let (bos, eos) = (piece(tokenizer.bos()), piece(tokenizer.eos()));
    let mut session = Session::new(&model, args.ctx_size.min(model.config.n_ctx_train), args.model.threads);
    let mut sampler = SamplerChain::new(&args.sampling.params())?;

    // Ctrl-C interrupts a reply (and, at the prompt, ends the chat) instead of killing the
    // process mid-line: the terminal is left with a finished line and the cursor at its start.
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)).context("installing the Ctrl-C handler")?;

    let mut messages = Vec::new();
    if let Some(system) = &args.system {
        messages.push(Message::new("system", system));
    }
    let mut in_cache: Vec<u32> = Vec::new();
    eprintln!("Chatting with {} (Ctrl-C stops a reply, Ctrl-D or an empty line at the prompt ends)", file.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default());
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    loop {
        print!("\n> ");
        stdout.flush()?;
        let mut line = String::new();
        interrupted.store(false, Ordering::SeqCst);
        if stdin.lock().read_line(&mut line)? == 0 || interrupted.load(Ordering::SeqCst) || line.trim().is_empty() {
            println!();
            return Ok(());
        }
        messages.push(Message::new("user", line.trim_end_matches(['\n', '\r'])));
        let text = template.render(&messages, true, &bos, &eos)?;
        let tokens = tokenizer.encode(&text, true, true);
        // Reuse the cache for the part of the conversation it already holds.
        let common = in_cache.iter().zip(&tokens).take_while(|(a, b)| a == b).count().min(tokens.len() - 1);
        session.truncate(common);
        in_cache.truncate(common);
        if tokens.len() + args.n_predict > session.n_ctx() {
            bail!("the conversation ({} tokens) no longer fits the context of {}: start a new chat or raise --ctx-size", tokens.len(), session.n_ctx());
        }
        let mut reply = Vec::new();
        let generation = generate(&mut session, &tokenizer, &mut sampler, &tokens[common..], args.n_predict, |id, piece| {
            reply.push(id);
            let _ = stdout.write_all(piece);
            let _ = stdout.flush();
            if interrupted.load(Ordering::SeqCst) { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        })?;
        if generation.stop == StopReason::Stopped {
            print!(" [stopped]");
        }
        println!();
        in_cache = tokens;
        in_cache.extend_from_slice(&generation.tokens);
        in_cache.truncate(session.position()); // the last sampled token may not have been run

        messages.push(Message::new("assistant", &tokenizer.decode_lossy(&reply)));
    }
}
