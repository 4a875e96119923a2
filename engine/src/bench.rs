//! Throughput measurement the way llama-bench does it (tools/llama-bench): a prompt-processing
//! test (`pp N`: N random tokens in one batch from an empty cache) and a generation test
//! (`tg N`: N tokens decoded one at a time), each after one warm-up run, repeated, reported
//! as mean ± standard deviation of tokens per second.

use std::time::Instant;

use crate::model::{Logits, Model, ModelError, Session};
use crate::sampling::Pcg32;

/// One test's result.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BenchResult {
    /// "pp512", "tg128", …
    pub test: String,
    pub n_threads: usize,
    /// Tokens per second of each repetition.
    pub samples: Vec<f64>,
    pub mean: f64,
    pub stddev: f64,
}

impl BenchResult {
    fn new(test: String, n_threads: usize, samples: Vec<f64>) -> BenchResult {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        // Sample standard deviation, as llama-bench reports it.
        let var = if samples.len() > 1 { samples.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
        BenchResult { test, n_threads, samples, mean, stddev: var.sqrt() }
    }
}

/// Random token ids, as llama-bench feeds them (the content does not change the work).
fn random_tokens(rng: &mut Pcg32, n: usize, vocab: usize) -> Vec<u32> {
    (0..n).map(|_| rng.next_u32() % vocab as u32).collect()
}

/// `pp n_prompt`: the prompt in batches of up to 512, from an empty cache each repetition.
pub fn bench_prompt(model: &Model, n_prompt: usize, n_threads: usize, reps: usize) -> Result<BenchResult, ModelError> {
    let vocab = model.config.vocab_size;
    let mut rng = Pcg32::new(1234, 1);
    let mut session = Session::new(model, n_prompt, n_threads);
    let mut samples = Vec::with_capacity(reps);
    for rep in 0..=reps {
        let tokens = random_tokens(&mut rng, n_prompt, vocab);
        session.truncate(0);
        let start = Instant::now();
        session.forward(&tokens, Logits::Last)?;
        let seconds = start.elapsed().as_secs_f64();
        if rep > 0 {
            // repetition 0 is the warm-up
            samples.push(n_prompt as f64 / seconds);
        }
    }
    Ok(BenchResult::new(format!("pp{n_prompt}"), n_threads, samples))
}

/// `tg n_gen`: `n_gen` single-token forward passes from an empty cache each repetition.
pub fn bench_gen(model: &Model, n_gen: usize, n_threads: usize, reps: usize) -> Result<BenchResult, ModelError> {
    let vocab = model.config.vocab_size;
    let mut rng = Pcg32::new(5678, 1);
    let mut session = Session::new(model, n_gen.max(1), n_threads);
    // Warm-up: one token, as llama-bench does.
    session.forward(&random_tokens(&mut rng, 1, vocab), Logits::Last)?;
    let mut samples = Vec::with_capacity(reps);
    for _ in 0..reps {
        session.truncate(0);
        let start = Instant::now();
        for token in random_tokens(&mut rng, n_gen, vocab) {
            session.forward(&[token], Logits::Last)?;
        }
        samples.push(n_gen as f64 / start.elapsed().as_secs_f64());
    }
    Ok(BenchResult::new(format!("tg{n_gen}"), n_threads, samples))
}

/// The process's peak resident memory so far (Linux: `VmHWM` in /proc/self/status).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
