//! Perplexity, computed exactly as llama.cpp's `llama-perplexity` does (module 3): split the
//! tokenized text into chunks of `n_ctx` tokens, run each chunk from an empty cache, and score
//! only the second half of each chunk (positions `n_ctx/2 .. n_ctx-1` predicting the next
//! token), so every scored prediction has at least `n_ctx/2` tokens of context.
//! `PPL = exp(mean negative log-likelihood)`; the ± is the standard error propagated to PPL.

use crate::model::{Logits, Model, ModelError, Session};

#[derive(Clone, Debug, serde::Serialize)]
pub struct PerplexityResult {
    pub ppl: f64,
    /// Standard error of the estimate (llama.cpp's "+/-").
    pub uncertainty: f64,
    pub chunks: usize,
    pub tokens_scored: usize,
    /// Running PPL after each chunk, as llama.cpp prints it.
    pub running_ppl: Vec<f64>,
}

/// `log p(token)` under the softmax of `logits`, with llama.cpp's float/double mix.
pub fn log_softmax_of(logits: &[f32], token: u32) -> f64 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f64 = logits.iter().map(|&l| (l - max).exp() as f64).sum();
    (logits[token as usize] - max) as f64 - sum.ln()
}

/// Perplexity of `model` on `tokens` with chunks of `n_ctx`. `bos` (when the model wants one)
/// replaces the first token of each chunk, as llama.cpp does. `progress(chunk, running_ppl)`
/// is called after each chunk.
pub fn perplexity(
    model: &Model,
    tokens: &[u32],
    n_ctx: usize,
    n_threads: usize,
    bos: Option<u32>,
    mut progress: impl FnMut(usize, f64),
) -> Result<PerplexityResult, ModelError> {
    let n_chunks = tokens.len() / n_ctx;
    if n_chunks == 0 || n_ctx < 4 {
        return Err(ModelError::InvalidConfig(format!(
            "perplexity needs at least one chunk of n_ctx tokens (n_ctx {n_ctx}, text has {} tokens); use a smaller --ctx or a longer file",
            tokens.len()
        )));
    }
    let first = n_ctx / 2;
    let mut session = Session::new(model, n_ctx, n_threads);
    let vocab = model.config.vocab_size;
    let (mut nll, mut nll2, mut count) = (0.0f64, 0.0f64, 0usize);
    let mut running = Vec::with_capacity(n_chunks);
    for c in 0..n_chunks {
        let mut chunk = tokens[c * n_ctx..(c + 1) * n_ctx].to_vec();
        if let Some(bos) = bos {
            chunk[0] = bos;
        }
        session.truncate(0);
        let logits = session.forward(&chunk, Logits::From(first))?;
        // Row r of `logits` is position first + r, predicting the token after it.
        for (r, pos) in (first..n_ctx - 1).enumerate() {
            let v = -log_softmax_of(&logits[r * vocab..(r + 1) * vocab], chunk[pos + 1]);
            nll += v;
            nll2 += v * v;
        }
        count += n_ctx - 1 - first;
        running.push((nll / count as f64).exp());
        progress(c + 1, (nll / count as f64).exp());
    }
    let mean = nll / count as f64;
    let ppl = mean.exp();
    let var = nll2 / count as f64 - mean * mean;
    let uncertainty = if var > 0.0 { (var / (count as f64 - 1.0)).sqrt() * ppl } else { 0.0 };
    Ok(PerplexityResult { ppl, uncertainty, chunks: n_chunks, tokens_scored: count, running_ppl: running })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_softmax_of_two_equal_logits_is_log_half() {
        assert!((log_softmax_of(&[3.0, 3.0], 1) - 0.5f64.ln()).abs() < 1e-7);
        // Huge logits must not overflow: log(e^0 / (e^0 + e^-1)) = -ln(1 + 1/e).
        let want = -(1.0 + (-1.0f64).exp()).ln();
        assert!((log_softmax_of(&[1000.0, 999.0], 0) - want).abs() < 1e-6);
    }
}
