//! Lab 3.6: perplexity as llama-perplexity computes it, and a size-versus-quality table.
//!
//! The reference is `engine/src/perplexity.rs`. Your code gets logits from the engine through
//! a closure, so it never depends on the engine itself. Replace each `todo!()`;
//! `cargo learn lab 3.6` grades your code against the engine and a float64 computation.
#![allow(unused_variables, unused_mut)] // the stubs below do not use their arguments yet

/// `log p(token)` under the softmax of `logits`, computed without overflow: subtract the
/// largest logit before exponentiating, sum the exponentials in f64.
pub fn log_softmax(logits: &[f32], token: u32) -> f64 {
    todo!()
}

/// The perplexity of a text and how it was measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Perplexity {
    /// `exp(mean negative log-likelihood)` over the scored tokens.
    pub ppl: f64,
    /// The standard error of the mean NLL carried to PPL: `sqrt(var / (count - 1)) * ppl`,
    /// with `var = mean(nll²) - mean(nll)²` (llama-perplexity's "±").
    pub uncertainty: f64,
    /// Chunks evaluated: `tokens.len() / n_ctx` (a partial last chunk is dropped).
    pub chunks: usize,
    /// Predictions scored: `n_ctx - 1 - n_ctx / 2` per chunk.
    pub tokens_scored: usize,
}

/// llama-perplexity's method. Cut `tokens` into chunks of `n_ctx`; in each chunk replace the
/// first token with `bos` when given; evaluate the chunk from an empty cache with
/// `eval(chunk, first)`, which returns the logits of positions `first..n_ctx` (`vocab` floats
/// each, row after row); score only positions `first = n_ctx / 2` up to `n_ctx - 2`, where
/// position `p` predicts `chunk[p + 1]` with NLL `-log_softmax(row of p, chunk[p + 1])`.
///
/// Returns `None` when the text is shorter than one chunk.
pub fn perplexity(
    tokens: &[u32],
    n_ctx: usize,
    bos: Option<u32>,
    vocab: usize,
    mut eval: impl FnMut(&[u32], usize) -> Vec<f32>,
) -> Option<Perplexity> {
    todo!()
}

/// One model file of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct FormatRow {
    /// The file type, as llama-quantize names it ("Q8_0", "Q4_K_M", …).
    pub name: String,
    /// Bytes of tensor data in the file.
    pub tensor_bytes: u64,
    /// Weights (elements of all tensors) in the file.
    pub n_weights: u64,
    pub ppl: f64,
    pub uncertainty: f64,
}

/// A Markdown table of `rows`, largest `tensor_bytes` first: a header line, a separator line
/// (`|---|…`), then one line per row:
///
/// ```text
/// | {name} | {MiB:.1} | {bits per weight:.2} | {ppl:.4} ± {uncertainty:.4} | {Δ:+.2}% |
/// ```
///
/// where MiB is `tensor_bytes / 2²⁰`, bits per weight `8 * tensor_bytes / n_weights`, and Δ
/// the PPL's difference from the largest file's PPL, in percent of it.
pub fn render_table(rows: &[FormatRow]) -> String {
    todo!()
}
