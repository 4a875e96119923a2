//! Lab 2.7: one transformer block, the reference solution.

/// The hyper-parameters a block needs (SmolLM2: 576, 9, 3, 64, 1536, 100 000, 1e-5).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlockConfig {
    /// Width of the residual stream.
    pub n_embd: usize,
    pub n_head: usize,
    /// Key/value heads (fewer than `n_head`: grouped-query attention).
    pub n_head_kv: usize,
    pub head_dim: usize,
    /// Hidden width of the feed-forward network.
    pub n_ff: usize,
    pub rope_freq_base: f32,
    pub rms_eps: f32,
}

impl BlockConfig {
    /// Values per position in the KV cache: `n_head_kv · head_dim`.
    pub fn kv_dim(&self) -> usize {
        self.n_head_kv * self.head_dim
    }
}

/// One block's weights in f32. Matrices are row-major `[out][in]`, as GGUF stores them: `wq`
/// is `n_embd × n_embd`, `wk` and `wv` are `kv_dim × n_embd`, `wo` is `n_embd × n_embd`,
/// `w_gate` and `w_up` are `n_ff × n_embd`, `w_down` is `n_embd × n_ff`.
#[derive(Clone, Debug)]
pub struct BlockWeights {
    pub attn_norm: Vec<f32>,
    pub wq: Vec<f32>,
    pub wk: Vec<f32>,
    pub wv: Vec<f32>,
    pub wo: Vec<f32>,
    pub ffn_norm: Vec<f32>,
    pub w_gate: Vec<f32>,
    pub w_up: Vec<f32>,
    pub w_down: Vec<f32>,
}

/// One layer's KV cache in f32: the keys (after RoPE) and values of every position so far,
/// rows of `kv_dim` values back to back (`[position][kv_head][head_dim]`).
#[derive(Clone, Debug)]
pub struct LayerCache {
    pub kv_dim: usize,
    pub k: Vec<f32>,
    pub v: Vec<f32>,
}

impl LayerCache {
    /// An empty cache for rows of `kv_dim` values.
    pub fn new(kv_dim: usize) -> LayerCache {
        LayerCache { kv_dim, k: Vec::new(), v: Vec::new() }
    }

    /// Positions stored so far: the position of the next token.
    pub fn positions(&self) -> usize {
        self.k.len() / self.kv_dim
    }
}

/// RMSNorm of each row of `weight.len()` values (lab 2.1).
pub fn rms_norm(x: &[f32], weight: &[f32], eps: f32, out: &mut [f32]) {
    let n = weight.len();
    for (row, out_row) in x.chunks_exact(n).zip(out.chunks_exact_mut(n)) {
        let sum_sq: f64 = row.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        let scale = 1.0 / ((sum_sq / n as f64) as f32 + eps).sqrt();
        for ((o, &v), &g) in out_row.iter_mut().zip(row).zip(weight) {
            *o = v * scale * g;
        }
    }
}

/// `out[r] = Σ_c w[r][c] · x[c]` for a row-major `rows × x.len()` matrix (lab 2.4).
pub fn matvec(w: &[f32], x: &[f32], out: &mut [f32]) {
    let cols = x.len();
    assert_eq!(w.len(), out.len() * cols, "matvec shapes");
    for (o, row) in out.iter_mut().zip(w.chunks_exact(cols)) {
        *o = dot(row, x);
    }
}

/// A dot product in 8 independent partial sums, which the compiler keeps in one vector register.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Rotates each adjacent pair `(2i, 2i + 1)` of every head of `x` by `pos · freq_base^(−2i / head_dim)` (lab 2.2).
pub fn apply_rope(x: &mut [f32], head_dim: usize, pos: usize, freq_base: f32) {
    let angles: Vec<(f32, f32)> = (0..head_dim / 2)
        .map(|i| {
            let angle = pos as f32 * freq_base.powf(-2.0 * i as f32 / head_dim as f32);
            (angle.cos(), angle.sin())
        })
        .collect();
    for head in x.chunks_exact_mut(head_dim) {
        for (pair, &(cos, sin)) in head.chunks_exact_mut(2).zip(&angles) {
            let (x0, x1) = (pair[0], pair[1]);
            pair[0] = x0 * cos - x1 * sin;
            pair[1] = x0 * sin + x1 * cos;
        }
    }
}

/// Stable softmax in place (lab 2.3).
pub fn softmax(x: &mut [f32]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for v in x.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in x.iter_mut() {
        *v /= sum;
    }
}

/// `x / (1 + e^(−x))` (lab 2.4).
pub fn silu(x: f32) -> f32 {
    x / (1.0 + (-x).exp())
}

/// Causal grouped-query attention of one token's query `q` (`n_head · head_dim`, already
/// rotated) over the first `visible` positions of the cache (lab 2.3 / 2.5).
pub fn attend(q: &[f32], cache: &LayerCache, visible: usize, c: &BlockConfig, out: &mut [f32]) {
    let (d, kv_dim) = (c.head_dim, c.kv_dim());
    let group = c.n_head / c.n_head_kv;
    let scale = 1.0 / (d as f32).sqrt();
    let mut scores = vec![0.0; visible];
    out.fill(0.0);
    for h in 0..c.n_head {
        let g = h / group; // the KV head this query head shares
        let qh = &q[h * d..(h + 1) * d];
        for (j, s) in scores.iter_mut().enumerate() {
            *s = dot(qh, &cache.k[j * kv_dim + g * d..][..d]) * scale;
        }
        softmax(&mut scores);
        let oh = &mut out[h * d..(h + 1) * d];
        for (j, &w) in scores.iter().enumerate() {
            for (o, &v) in oh.iter_mut().zip(&cache.v[j * kv_dim + g * d..][..d]) {
                *o += w * v;
            }
        }
    }
}

/// Runs one llama block over the residual stream `x` (`n_tokens` rows of `n_embd`) of the
/// tokens at positions `cache.positions() ..`, in place; appends their keys and values to `cache`.
pub fn transformer_block(x: &mut [f32], w: &BlockWeights, c: &BlockConfig, cache: &mut LayerCache) {
    let (n, kv_dim, ff) = (c.n_embd, c.kv_dim(), c.n_ff);
    assert!(x.len().is_multiple_of(n), "x must be whole rows of n_embd values");
    assert_eq!(cache.kv_dim, kv_dim, "the cache rows must be n_head_kv · head_dim wide");
    let start = cache.positions();
    let (mut xb, mut q, mut k, mut v, mut att) = (vec![0.0; n], vec![0.0; n], vec![0.0; kv_dim], vec![0.0; kv_dim], vec![0.0; n]);
    let (mut gate, mut up, mut down) = (vec![0.0; ff], vec![0.0; ff], vec![0.0; n]);
    for (t, row) in x.chunks_exact_mut(n).enumerate() {
        let pos = start + t;
        // Attention half: normalise, project, rotate, remember K and V, attend, project back, add.
        rms_norm(row, &w.attn_norm, c.rms_eps, &mut xb);
        matvec(&w.wq, &xb, &mut q);
        matvec(&w.wk, &xb, &mut k);
        matvec(&w.wv, &xb, &mut v);
        apply_rope(&mut q, c.head_dim, pos, c.rope_freq_base);
        apply_rope(&mut k, c.head_dim, pos, c.rope_freq_base);
        cache.k.extend_from_slice(&k);
        cache.v.extend_from_slice(&v);
        // Causal: this token sees positions 0..=pos, so a batch can be processed row by row.
        attend(&q, cache, pos + 1, c, &mut att);
        matvec(&w.wo, &att, &mut xb);
        row.iter_mut().zip(&xb).for_each(|(r, a)| *r += a);

        // Feed-forward half: normalise, SwiGLU, project down, add.
        rms_norm(row, &w.ffn_norm, c.rms_eps, &mut xb);
        matvec(&w.w_gate, &xb, &mut gate);
        matvec(&w.w_up, &xb, &mut up);
        gate.iter_mut().zip(&up).for_each(|(g, &u)| *g = silu(*g) * u);
        matvec(&w.w_down, &gate, &mut down);
        row.iter_mut().zip(&down).for_each(|(r, f)| *r += f);
    }
}
