//! `infer perplexity`: how surprised the model is by a text, llama-perplexity's way.

use std::path::PathBuf;

use anyhow::{Context, Result};
use engine::model::Model;
use engine::perplexity::perplexity;
use engine::tokenizer::Tokenizer;

use crate::model_args::ModelArgs;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArgs,
    /// The text file to score.
    #[arg(long, short = 'f')]
    file: PathBuf,
    /// Tokens per chunk.
    #[arg(long, short = 'c', default_value_t = 512)]
    ctx: usize,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> Result<()> {
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let file = args.model.open()?;
    let model = Model::load(&file)?;
    let tokenizer = Tokenizer::from_gguf(&file)?;
    // Like llama-perplexity: the whole text at once, special tokens parsed, BOS only if the
    // model asks for one (then it replaces each chunk's first token).
    let tokens = tokenizer.encode(&text, false, true);
    let bos = if tokenizer.add_bos() { tokenizer.bos() } else { None };
    if !args.json {
        eprintln!("{}: {} tokens, {} chunks of {}", args.file.display(), tokens.len(), tokens.len() / args.ctx, args.ctx);
    }
    let result = perplexity(&model, &tokens, args.ctx, args.model.threads, bos, |chunk, ppl| {
        if !args.json {
            eprint!("[{chunk}]{ppl:.4} ");
        }
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        eprintln!();
        println!(
            "PPL = {:.4} +/- {:.5} ({} chunks, {} tokens scored)",
            result.ppl, result.uncertainty, result.chunks, result.tokens_scored
        );
    }
    Ok(())
}
