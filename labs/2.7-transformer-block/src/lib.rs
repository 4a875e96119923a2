//! Lab 2.7: one transformer block. Read `engine/src/model/forward.rs` first (the loop over
//! layers in `forward_batch` is this whole lab), then fill in the `todo!()`s below: the small
//! functions are the ones you wrote in labs 2.1–2.5 (bring your code), `transformer_block`
//! wires them together. `cargo learn lab 2.7` grades this file.

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

/// RMSNorm of each row of `weight.len()` values into `out` (lab 2.1):
/// `out[i] = x[i] / sqrt(mean(x²) + eps) · weight[i]`.
pub fn rms_norm(x: &[f32], weight: &[f32], eps: f32, out: &mut [f32]) {
    let _ = (x, weight, eps, out);
    todo!("rms_norm: bring your lab 2.1 code")
}

/// `out[r] = Σ_c w[r][c] · x[c]` for a row-major `out.len() × x.len()` matrix (lab 2.4).
pub fn matvec(w: &[f32], x: &[f32], out: &mut [f32]) {
    let _ = (w, x, out);
    todo!("matvec: bring your lab 2.4 code")
}

/// Rotates each adjacent pair `(2i, 2i + 1)` of every head of `x` (heads of `head_dim`) by the
/// angle `pos · freq_base^(−2i / head_dim)` (lab 2.2).
pub fn apply_rope(x: &mut [f32], head_dim: usize, pos: usize, freq_base: f32) {
    let _ = (x, head_dim, pos, freq_base);
    todo!("apply_rope: bring your lab 2.2 code")
}

/// Stable softmax in place: `e^(x_i − max) / Σ_j e^(x_j − max)` (lab 2.3).
pub fn softmax(x: &mut [f32]) {
    let _ = x;
    todo!("softmax: bring your lab 2.3 code")
}

/// `x / (1 + e^(−x))` (lab 2.4).
pub fn silu(x: f32) -> f32 {
    let _ = x;
    todo!("silu: bring your lab 2.4 code")
}

/// Attention of one token's query `q` (`n_head · head_dim` values, already rotated) over the
/// first `visible` positions of `cache`, into `out` (shaped like `q`), as in lab 2.5's `attend`:
/// query head `h` reads KV head `h / (n_head / n_head_kv)`, scores are scaled by
/// `1 / sqrt(head_dim)`.
pub fn attend(q: &[f32], cache: &LayerCache, visible: usize, c: &BlockConfig, out: &mut [f32]) {
    let _ = (q, cache, visible, c, out);
    todo!("attend: bring your lab 2.5 code")
}

/// Runs one llama block over the residual stream `x`, in place: `x` holds `n_tokens` rows of
/// `n_embd` values, the tokens at positions `cache.positions() ..`. For each token:
///
/// ```text
/// h  = rms_norm(x, attn_norm)
/// q, k, v = wq·h, wk·h, wv·h;   RoPE on q and k at the token's position
/// append k and v to the cache;  a = attend(q, positions 0 ..= pos)
/// x  = x + wo·a
/// h  = rms_norm(x, ffn_norm)
/// x  = x + w_down·(silu(w_gate·h) ⊙ (w_up·h))
/// ```
pub fn transformer_block(x: &mut [f32], w: &BlockWeights, c: &BlockConfig, cache: &mut LayerCache) {
    // TODO: the position of the first token is cache.positions(); each token's keys and
    // values go into the cache before it attends, so that it sees itself.
    let _ = (x, w, c, cache);
    todo!("transformer_block")
}
