//! Lab 2.8: the full forward pass of the default model. Read `engine/src/model/forward.rs`
//! first (`Session::forward_batch`, from the embedding lookup to the logits). The first half of
//! this file is lab 2.7: bring your code (the types are given). The second half is new:
//! `KvCache`, `forward`, `argmax`, `greedy`. `cargo learn lab 2.8` grades this file.

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
    todo!("rms_norm: bring your lab 2.7 code")
}

/// `out[r] = Σ_c w[r][c] · x[c]` for a row-major `out.len() × x.len()` matrix (lab 2.4).
pub fn matvec(w: &[f32], x: &[f32], out: &mut [f32]) {
    let _ = (w, x, out);
    todo!("matvec: bring your lab 2.7 code")
}

/// Rotates each adjacent pair `(2i, 2i + 1)` of every head of `x` (heads of `head_dim`) by the
/// angle `pos · freq_base^(−2i / head_dim)` (lab 2.2).
pub fn apply_rope(x: &mut [f32], head_dim: usize, pos: usize, freq_base: f32) {
    let _ = (x, head_dim, pos, freq_base);
    todo!("apply_rope: bring your lab 2.7 code")
}

/// Stable softmax in place: `e^(x_i − max) / Σ_j e^(x_j − max)` (lab 2.3).
pub fn softmax(x: &mut [f32]) {
    let _ = x;
    todo!("softmax: bring your lab 2.7 code")
}

/// `x / (1 + e^(−x))` (lab 2.4).
pub fn silu(x: f32) -> f32 {
    let _ = x;
    todo!("silu: bring your lab 2.7 code")
}

/// Attention of one token's query `q` (`n_head · head_dim` values, already rotated) over the
/// first `visible` positions of `cache`, into `out` (shaped like `q`), as in lab 2.5's `attend`:
/// query head `h` reads KV head `h / (n_head / n_head_kv)`, scores are scaled by
/// `1 / sqrt(head_dim)`.
pub fn attend(q: &[f32], cache: &LayerCache, visible: usize, c: &BlockConfig, out: &mut [f32]) {
    let _ = (q, cache, visible, c, out);
    todo!("attend: bring your lab 2.7 code")
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
    let _ = (x, w, c, cache);
    todo!("transformer_block: bring your lab 2.7 code")
}

// ---------------------------------------------------------------------------------------------
// New in this lab.

/// The model's hyper-parameters: the block's, plus the number of blocks and the vocabulary
/// (SmolLM2: 30 layers, 49 152 tokens).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelConfig {
    pub n_layer: usize,
    pub vocab_size: usize,
    pub block: BlockConfig,
}

/// All weights in f32. The output projection is tied to the token embedding (SmolLM2 has no
/// `output.weight`): logit `v` is the dot product of the final normalised vector with row
/// `v` of `token_embd`.
#[derive(Clone, Debug)]
pub struct ModelWeights {
    pub config: ModelConfig,
    /// `vocab_size × n_embd`, row-major: row `t` is token `t`'s embedding.
    pub token_embd: Vec<f32>,
    /// `n_layer` blocks, in order.
    pub layers: Vec<BlockWeights>,
    pub output_norm: Vec<f32>,
}

/// One [`LayerCache`] per block.
#[derive(Clone, Debug)]
pub struct KvCache {
    pub layers: Vec<LayerCache>,
}

impl KvCache {
    /// An empty cache: `n_layer` empty layer caches of rows `n_head_kv · head_dim` wide.
    pub fn new(config: &ModelConfig) -> KvCache {
        let _ = config;
        todo!("KvCache::new")
    }

    /// Positions processed so far (every layer holds the same number).
    pub fn positions(&self) -> usize {
        todo!("KvCache::positions")
    }
}

/// Runs `tokens` through the model after the positions already in `cache` and returns every
/// token's logits: `tokens.len()` rows of `vocab_size` values.
///
/// ```text
/// x      = token_embd[token]               one row of n_embd per token
/// x      = block_l(x)                      for l = 0 .. n_layer, each with its own cache
/// logits = token_embd · rms_norm(x, output_norm)
/// ```
pub fn forward(model: &ModelWeights, cache: &mut KvCache, tokens: &[u32]) -> Vec<f32> {
    // TODO: the embedding rows, the blocks in order, the final norm, then one dot product per
    // vocabulary row for every token.
    let _ = (model, cache, tokens);
    todo!("forward")
}

/// The index of the largest value (the first one, on a tie).
pub fn argmax(logits: &[f32]) -> u32 {
    let _ = logits;
    todo!("argmax")
}

/// Greedy decoding from an empty cache: the prompt in one `forward` call, then each chosen
/// token fed back alone. Returns the `n_predict` new tokens.
pub fn greedy(model: &ModelWeights, prompt: &[u32], n_predict: usize) -> Vec<u32> {
    // TODO: the next token is the argmax of the *last* row of logits; feed it back with the
    // same cache, so that only the new token is computed.
    let _ = (model, prompt, n_predict);
    todo!("greedy")
}
