//! The size-versus-quality table of the README, with your perplexity:
//! `cargo run --release -p lab-3-6-perplexity-table --example ppl_table [-- CTX [CHUNKS]]`.
//!
//! Quantizes the default model to Q8_0, Q6_K, Q5_0, Q4_K_M and Q4_0 in memory (as
//! `cargo infer quantize` does), scores data/gpl-3.txt with each and with the shipped Q4_1
//! file, in chunks of CTX tokens (default 512, as the README), and prints the table.

#[cfg(not(feature = "solution"))]
use lab_3_6_perplexity_table as lab;
#[cfg(feature = "solution")]
#[path = "../solution/lib.rs"]
mod lab;

use anyhow::{Context, Result};
use engine::gguf::GgufFile;
use engine::model::{Logits, Model, Session};
use engine::model_quantize::{FileType, convert_model};
use engine::tokenizer::Tokenizer;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let n_ctx: usize = args.next().map_or(Ok(512), |a| a.parse()).context("CTX must be a number")?;
    let max_chunks: Option<usize> = args.next().map(|a| a.parse()).transpose().context("CHUNKS must be a number")?;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());

    let shipped = GgufFile::open(engine::fetch::default_model()?)?;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/gpl-3.txt"))?;
    let mut tokens = Tokenizer::from_gguf(&shipped)?.encode(&text, false, true);
    if let Some(c) = max_chunks {
        tokens.truncate(c * n_ctx);
    }
    eprintln!("data/gpl-3.txt: {} tokens, {} chunks of {n_ctx}", tokens.len(), tokens.len() / n_ctx);

    let mut rows = Vec::new();
    let mut score = |name: &str, file: &GgufFile| -> Result<()> {
        let model = Model::load(file)?;
        let vocab = model.config.vocab_size;
        let mut session = Session::new(&model, n_ctx, threads);
        let p = lab::perplexity(&tokens, n_ctx, None, vocab, |chunk, first| {
            session.truncate(0);
            session.forward(chunk, Logits::From(first)).expect("forward pass").to_vec()
        })
        .context("the text is shorter than one chunk")?;
        eprintln!("{name}: PPL {:.4} ± {:.4}", p.ppl, p.uncertainty);
        rows.push(lab::FormatRow {
            name: name.into(),
            tensor_bytes: file.tensors().iter().map(|t| file.tensor_data(t).len() as u64).sum(),
            n_weights: file.tensors().iter().map(|t| t.n_elements()).sum(),
            ppl: p.ppl,
            uncertainty: p.uncertainty,
        });
        Ok(())
    };
    score("Q4_1", &shipped)?;
    for ftype in [FileType::Q8_0, FileType::Q6_K, FileType::Q5_0, FileType::Q4_K_M, FileType::Q4_0] {
        let (writer, _) = convert_model(&shipped, ftype)?;
        let mut bytes = Vec::new();
        writer.write_to(&mut bytes)?;
        score(ftype.name(), &GgufFile::from_bytes(bytes)?)?;
    }
    print!("{}", lab::render_table(&rows));
    Ok(())
}
