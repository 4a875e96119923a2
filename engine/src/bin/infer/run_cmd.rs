//! `infer run`: continue a prompt (no chat template), streaming the text.

use std::io::Write;
use std::ops::ControlFlow;

use anyhow::{Context, Result, bail};
use engine::generate::generate;
use engine::model::{Model, Session};
use engine::sampling::{SamplerChain, SamplingParams};
use engine::tokenizer::Tokenizer;

use crate::model_args::ModelArgs;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArgs,
    /// The prompt (read from standard input when absent).
    #[arg(long, short = 'p')]
    prompt: Option<String>,
    /// Tokens to generate at most.
    #[arg(short = 'n', long = "n-predict", default_value_t = 128)]
    n_predict: usize,
    /// Context size (positions in the KV cache); default: prompt + n-predict.
    #[arg(long = "ctx-size", short = 'c')]
    ctx_size: Option<usize>,
    #[command(flatten)]
    sampling: SamplingArgs,
    /// Print one JSON object `{"tokens": [...], "text": "..."}` instead of streaming text.
    #[arg(long)]
    json: bool,
}

/// Sampling options (defaults are llama.cpp's).
#[derive(clap::Args)]
pub struct SamplingArgs {
    /// Temperature; 0 means greedy (always the most likely token).
    #[arg(long)]
    temp: Option<f32>,
    /// Random seed (fixed seed, same text on every run).
    #[arg(long)]
    seed: Option<u32>,
    #[arg(long = "top-k")]
    top_k: Option<i32>,
    #[arg(long = "top-p")]
    top_p: Option<f32>,
    #[arg(long = "min-p")]
    min_p: Option<f32>,
    #[arg(long = "repeat-penalty")]
    repeat_penalty: Option<f32>,
}

impl SamplingArgs {
    pub fn params(&self) -> SamplingParams {
        let mut p = SamplingParams::default();
        if let Some(v) = self.temp {
            p.temp = v;
        }
        if let Some(v) = self.seed {
            p.seed = v;
        }
        if let Some(v) = self.top_k {
            p.top_k = v;
        }
        if let Some(v) = self.top_p {
            p.top_p = v;
        }
        if let Some(v) = self.min_p {
            p.min_p = v;
        }
        if let Some(v) = self.repeat_penalty {
            p.penalty_repeat = v;
        }
        p
    }
}

pub fn run(args: &Args) -> Result<()> {
    let prompt = match &args.prompt {
        Some(p) => p.clone(),
        None => std::io::read_to_string(std::io::stdin()).context("reading the prompt from standard input")?,
    };
    let file = args.model.open()?;
    let model = Model::load(&file)?;
    let tokenizer = Tokenizer::from_gguf(&file)?;
    let tokens = tokenizer.encode(&prompt, true, true);
    if tokens.is_empty() {
        bail!("the prompt is empty: give some text with --prompt (or on standard input)");
    }
    let n_ctx = args.ctx_size.unwrap_or(tokens.len() + args.n_predict);
    if tokens.len() >= n_ctx {
        bail!("the prompt is {} tokens, which does not fit a context of {n_ctx}: raise --ctx-size", tokens.len());
    }
    if n_ctx > model.config.n_ctx_train {
        eprintln!("warning: context {n_ctx} is longer than the {} tokens the model was trained on", model.config.n_ctx_train);
    }
    let mut session = Session::new(&model, n_ctx, args.model.threads);
    let mut sampler = SamplerChain::new(&args.sampling.params())?;
    let mut out = std::io::stdout().lock();
    let generation = generate(&mut session, &tokenizer, &mut sampler, &tokens, args.n_predict, |_, piece| {
        if !args.json {
            let _ = out.write_all(piece);
            let _ = out.flush();
        }
        ControlFlow::Continue(())
    })?;
    if args.json {
        let text = tokenizer.decode_lossy(&generation.tokens);
        let json = serde_json::json!({ "tokens": generation.tokens, "text": text, "stop": generation.stop });
        writeln!(out, "{json}")?;
    } else {
        writeln!(out)?;
    }
    Ok(())
}
