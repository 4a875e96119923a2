//! `infer bench`: prompt-processing and generation throughput, llama-bench style.

use std::path::PathBuf;

use anyhow::Result;
use engine::bench::{self, BenchResult};
use engine::gguf::GgufFile;
use engine::model::Model;

#[derive(clap::Args)]
pub struct Args {
    /// The model (default: the default model).
    #[arg(long, short = 'm')]
    model: Option<PathBuf>,
    /// Prompt length of the prompt-processing test (0 skips it).
    #[arg(short = 'p', long = "n-prompt", default_value_t = 512)]
    n_prompt: usize,
    /// Tokens of the generation test (0 skips it).
    #[arg(short = 'n', long = "n-gen", default_value_t = 128)]
    n_gen: usize,
    /// Threads.
    #[arg(short = 't', long = "threads", default_value_t = default_threads())]
    threads: usize,
    /// Repetitions of each test (after one warm-up run).
    #[arg(short = 'r', long = "repetitions", default_value_t = 5)]
    reps: usize,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

pub fn run(args: &Args) -> Result<()> {
    let path = engine::fetch::model_path(args.model.as_deref())?;
    let file = GgufFile::open(&path)?;
    let model = Model::load(&file)?;
    let reps = args.reps.max(1);
    let mut results: Vec<BenchResult> = Vec::new();
    if args.n_prompt > 0 {
        results.push(bench::bench_prompt(&model, args.n_prompt, args.threads, reps)?);
    }
    if args.n_gen > 0 {
        results.push(bench::bench_gen(&model, args.n_gen, args.threads, reps)?);
    }
    let rss = bench::peak_rss_bytes();
    if args.json {
        let find = |prefix: &str| results.iter().find(|r| r.test.starts_with(prefix)).map(|r| r.mean);
        let json = serde_json::json!({
            "model": path.display().to_string(),
            "threads": args.threads,
            "pp_tps": find("pp"),
            "tg_tps": find("tg"),
            "peak_rss_bytes": rss,
            "results": results,
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    let size = file.header.data_len() as f64 / (1 << 20) as f64;
    let params: u64 = file.tensors().iter().map(|t| t.n_elements()).sum();
    println!("| model | size | params | threads | test | t/s |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    for r in &results {
        println!("| {name} | {size:.2} MiB | {:.2} M | {} | {} | {:.2} ± {:.2} |", params as f64 / 1e6, r.n_threads, r.test, r.mean, r.stddev);
    }
    if let Some(rss) = rss {
        println!("\npeak RSS: {:.1} MiB", rss as f64 / (1 << 20) as f64);
    }
    Ok(())
}
