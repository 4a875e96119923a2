//! `infer tokenize`: text to token ids, as the model's tokenizer splits it.

use std::io::Read;

use anyhow::{Context, Result, bail};
use engine::tokenizer::Tokenizer;

use crate::model_args::ModelArgs;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArgs,
    /// Treat special-token text (e.g. `<|im_start|>`) as plain text.
    #[arg(long = "no-parse-special")]
    no_parse_special: bool,
    /// Print the ids as one JSON array.
    #[arg(long)]
    json: bool,
    /// The text (read from standard input, byte for byte, when absent).
    text: Option<String>,
}

pub fn run(args: &Args) -> Result<()> {
    let text = match &args.text {
        Some(t) => t.clone(),
        None => {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes).context("reading standard input")?;
            match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => bail!(
                    "standard input is not UTF-8 (invalid byte at offset {}): tokenizers work on text",
                    e.utf8_error().valid_up_to()
                ),
            }
        }
    };
    let file = args.model.open()?;
    let tokenizer = Tokenizer::from_gguf(&file)?;
    let ids = tokenizer.encode(&text, true, !args.no_parse_special);
    if args.json {
        println!("{}", serde_json::to_string(&ids)?);
        return Ok(());
    }
    for id in &ids {
        let piece = String::from_utf8_lossy(&tokenizer.token_to_piece(*id, true)).into_owned();
        println!("{id:>6} -> {piece:?}");
    }
    println!("{} tokens", ids.len());
    Ok(())
}
