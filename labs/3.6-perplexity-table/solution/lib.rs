//! Lab 3.6, reference solution: perplexity as llama-perplexity computes it, and a
//! size-versus-quality table.

/// `log p(token)` under the softmax of `logits`: f32 differences and exponentials summed in
/// f64, as llama-perplexity does.
pub fn log_softmax(logits: &[f32], token: u32) -> f64 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    // Subtracting the max keeps every exponent <= 0: no overflow, the largest term is 1.
    let sum: f64 = logits.iter().map(|&l| (l - max).exp() as f64).sum();
    (logits[token as usize] - max) as f64 - sum.ln()
}

/// The perplexity of a text and how it was measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Perplexity {
    pub ppl: f64,
    pub uncertainty: f64,
    pub chunks: usize,
    pub tokens_scored: usize,
}

pub fn perplexity(
    tokens: &[u32],
    n_ctx: usize,
    bos: Option<u32>,
    vocab: usize,
    mut eval: impl FnMut(&[u32], usize) -> Vec<f32>,
) -> Option<Perplexity> {
    let chunks = tokens.len() / n_ctx;
    if chunks == 0 {
        return None;
    }
    // Only the second half is scored, so that every prediction sees at least n_ctx / 2 tokens
    // of context: early positions would measure the model's guess from almost nothing.
    let first = n_ctx / 2;
    let (mut nll, mut nll2, mut count) = (0.0f64, 0.0f64, 0usize);
    for chunk in tokens.chunks_exact(n_ctx) {
        let mut chunk = chunk.to_vec();
        if let Some(bos) = bos {
            chunk[0] = bos;
        }
        let logits = eval(&chunk, first);
        for (row, pos) in (first..n_ctx - 1).enumerate() {
            let v = -log_softmax(&logits[row * vocab..(row + 1) * vocab], chunk[pos + 1]);
            nll += v;
            nll2 += v * v;
            count += 1;
        }
    }
    let mean = nll / count as f64;
    let ppl = mean.exp();
    let var = nll2 / count as f64 - mean * mean;
    let uncertainty = if var > 0.0 { (var / (count as f64 - 1.0)).sqrt() * ppl } else { 0.0 };
    Some(Perplexity { ppl, uncertainty, chunks, tokens_scored: count })
}

/// One model file of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct FormatRow {
    pub name: String,
    pub tensor_bytes: u64,
    pub n_weights: u64,
    pub ppl: f64,
    pub uncertainty: f64,
}

pub fn render_table(rows: &[FormatRow]) -> String {
    let mut rows: Vec<&FormatRow> = rows.iter().collect();
    rows.sort_by(|a, b| b.tensor_bytes.cmp(&a.tensor_bytes));
    let base = rows.first().map_or(f64::NAN, |r| r.ppl);
    let mut out = String::from("| format | size (MiB) | bits/weight | PPL | ΔPPL |\n|---|---:|---:|---:|---:|\n");
    for r in rows {
        out += &format!(
            "| {} | {:.1} | {:.2} | {:.4} ± {:.4} | {:+.2}% |\n",
            r.name,
            r.tensor_bytes as f64 / (1u64 << 20) as f64,
            8.0 * r.tensor_bytes as f64 / r.n_weights as f64,
            r.ppl,
            r.uncertainty,
            100.0 * (r.ppl - base) / base
        );
    }
    out
}
