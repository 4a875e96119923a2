//! `learn`: the course runner. The full dashboard (labs, quizzes, tracks, progress and
//! certification) arrives with the curriculum runner; until then `learn` shows the course
//! map and makes sure the reference engine and the default model are ready.

use std::process::ExitCode;

use anyhow::{Context, Result};
use engine::gguf::{GgufFile, Value};

/// The nine modules of the course, in order.
const MODULES: &[(&str, &str)] = &[
    ("1", "Foundations: llama.cpp, the GGUF format, a first inference run"),
    ("2", "Core implementation: attention, KV cache, feed-forward, sampling"),
    ("3", "Quantization: block formats, k-quants, perplexity"),
    ("4", "GPU acceleration: kernels in WGSL with wgpu"),
    ("5", "Advanced inference: speculative decoding, continuous batching, grammars"),
    ("6", "Server and production: an OpenAI-compatible API, streaming, metrics"),
    ("7", "Multimodal models"),
    ("8", "Integration and ecosystems: bindings, RAG, tool use"),
    ("9", "Production engineering: SLOs, security, cost, incidents"),
];

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    println!("The LLaMA.cpp learning path, as a Rust workbook\n");
    for (id, title) in MODULES {
        println!("  Module {id}  {title}");
    }
    let path = engine::fetch::default_model().context("preparing the default model")?;
    let model = GgufFile::open(&path)?;
    let text = |key: &str| model.get(key).and_then(Value::as_str).unwrap_or("?").to_owned();
    println!(
        "\nDefault model: {} ({}, {} tensors, {:.1} MiB)\n  {}",
        text("general.name"),
        text("general.architecture"),
        model.tensors().len(),
        model.bytes().len() as f64 / (1 << 20) as f64,
        path.display()
    );
    println!("\nThe engine is ready to explore:");
    println!("  cargo infer gguf inspect        what is inside the model file");
    println!("  cargo infer quantize IN OUT Q4_0  write it in another block format");
    println!("  cargo infer bench               how fast it runs here");
    println!("\nLabs, quizzes and tracks are not in this checkout yet: `learn` will grade them.");
    Ok(())
}
