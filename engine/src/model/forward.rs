//! The forward pass: tokens in, logits out. Kept as plain as llama2.c's `forward()`: every
//! step is one call into `ops`, in the order a transformer block runs.

use super::{Model, ModelError};
use crate::kv_cache::KvCache;
use crate::ops::attention::{AttentionShape, attention};
use crate::ops::matmul::{QuantizedRows, matmul};
use crate::ops::rmsnorm::rms_norm;
use crate::ops::rope::{apply_rope, rope_angles};
use crate::ops::swiglu::swiglu_threaded;
use crate::threadpool::ThreadPool;

/// Which logits a forward pass should compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logits {
    /// Only for the last token (generation: the next token is all we need).
    Last,
    /// For every token of the batch.
    All,
    /// For the tokens from this index of the call's tokens on (perplexity scores only the
    /// second half of each chunk, and the output projection is a quarter of the work).
    From(usize),
}

/// Tokens are processed in batches of at most this many (llama.cpp's default `n_batch`);
/// it bounds the scratch memory, not the prompt length.
pub const MAX_BATCH: usize = 512;

/// Working memory of one batch, reused between calls.
#[derive(Default)]
struct Scratch {
    x: Vec<f32>,
    xb: Vec<f32>,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    att: Vec<f32>,
    gate: Vec<f32>,
    up: Vec<f32>,
    xq: QuantizedRows,
    angles: Vec<(f32, f32)>,
    logits: Vec<f32>,
}

/// One conversation with a model: its KV cache, its position, its threads.
pub struct Session<'m, 'f> {
    pub model: &'m Model<'f>,
    cache: KvCache,
    pos: usize,
    pool: ThreadPool,
    s: Scratch,
}

impl<'m, 'f> Session<'m, 'f> {
    /// A session with room for `n_ctx` positions, computing on `n_threads` threads.
    pub fn new(model: &'m Model<'f>, n_ctx: usize, n_threads: usize) -> Session<'m, 'f> {
        let c = &model.config;
        let cache = KvCache::new(c.n_layer, n_ctx, c.n_head_kv * c.head_dim);
        Session { model, cache, pos: 0, pool: ThreadPool::new(n_threads), s: Scratch::default() }
    }

    /// Positions already in the cache.
    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn n_ctx(&self) -> usize {
        self.cache.n_ctx()
    }

    pub fn kv_cache_bytes(&self) -> usize {
        self.cache.bytes()
    }

    /// Forgets everything from position `pos` on (e.g. to start over, or to drop a turn).
    pub fn truncate(&mut self, pos: usize) {
        self.pos = self.pos.min(pos);
    }

    /// Runs `tokens` through the model after the ones already in the cache and returns the
    /// logits (`vocab_size` per token: the last token's, or every token's).
    pub fn forward(&mut self, tokens: &[u32], want: Logits) -> Result<&[f32], ModelError> {
        let vocab = self.model.config.vocab_size;
        if let Some(&id) = tokens.iter().find(|&&id| id as usize >= vocab) {
            return Err(ModelError::TokenOutOfRange { id, vocab });
        }
        if self.pos + tokens.len() > self.n_ctx() {
            return Err(ModelError::ContextFull { tokens: tokens.len(), used: self.pos, n_ctx: self.n_ctx() });
        }
        let first_wanted = match want {
            Logits::Last => tokens.len().saturating_sub(1),
            Logits::All => 0,
            Logits::From(i) => i.min(tokens.len().saturating_sub(1)),
        };
        let mut collected = Vec::new();
        let n_batches = tokens.len().div_ceil(MAX_BATCH);
        for (b, batch) in tokens.chunks(MAX_BATCH).enumerate() {
            let start = b * MAX_BATCH;
            // Rows of this batch whose logits are wanted (none: still run the batch for the cache).
            let from = first_wanted.max(start) - start;
            let rows = if first_wanted < start + batch.len() { Some(from) } else { None };
            self.forward_batch(batch, rows);
            if rows.is_some() && n_batches > 1 {
                collected.extend_from_slice(&self.s.logits);
            }
        }
        if n_batches > 1 {
            self.s.logits = collected;
        }
        Ok(&self.s.logits)
    }

    /// Runs one batch; computes logits for its tokens from index `logits_from` on, if any.
    fn forward_batch(&mut self, tokens: &[u32], logits_from: Option<usize>) {
        let m = self.model;
        let c = &m.config;
        let (n, d, kv_dim, ff) = (tokens.len(), c.n_embd, c.n_head_kv * c.head_dim, c.n_ff);
        let s = &mut self.s;
        for (buf, len) in [(&mut s.x, n * d), (&mut s.xb, n * d), (&mut s.q, n * d), (&mut s.att, n * d)] {
            buf.resize(len, 0.0);
        }
        for (buf, len) in [(&mut s.k, n * kv_dim), (&mut s.v, n * kv_dim), (&mut s.gate, n * ff), (&mut s.up, n * ff)] {
            buf.resize(len, 0.0);
        }

        // The residual stream starts as each token's embedding row.
        for (t, &id) in tokens.iter().enumerate() {
            m.token_embd.dequantize_row(id as usize, &mut s.x[t * d..(t + 1) * d]);
        }

        for (l, layer) in m.layers.iter().enumerate() {
            // Attention: normalise, project to queries/keys/values, rotate by position.
            rms_norm(&s.x, &layer.attn_norm, c.rms_eps, &mut s.xb);
            s.xq.quantize_for(&self.pool, &layer.wq, &s.xb, n); // wq, wk, wv share one input and format
            matmul(&self.pool, &layer.wq, &s.xq, &mut s.q);
            matmul(&self.pool, &layer.wk, &s.xq, &mut s.k);
            matmul(&self.pool, &layer.wv, &s.xq, &mut s.v);
            for t in 0..n {
                rope_angles(self.pos + t, c.rope_dims, c.rope_freq_base, &mut s.angles);
                apply_rope(&mut s.q[t * d..(t + 1) * d], c.head_dim, &s.angles);
                apply_rope(&mut s.k[t * kv_dim..(t + 1) * kv_dim], c.head_dim, &s.angles);
                self.cache.store(l, self.pos + t, &s.k[t * kv_dim..(t + 1) * kv_dim], &s.v[t * kv_dim..(t + 1) * kv_dim]);
            }
            let shape = AttentionShape { n_head: c.n_head, n_head_kv: c.n_head_kv, head_dim: c.head_dim, start: self.pos, n_tokens: n };
            let len = self.pos + n;
            attention(&self.pool, &shape, &s.q, self.cache.keys(l, len), self.cache.values(l, len), &mut s.att);
            // Output projection, added back into the residual stream.
            s.xq.quantize_for(&self.pool, &layer.wo, &s.att, n);
            matmul(&self.pool, &layer.wo, &s.xq, &mut s.xb);
            add(&mut s.x, &s.xb);

            // Feed-forward: normalise, SwiGLU, project down, add.
            rms_norm(&s.x, &layer.ffn_norm, c.rms_eps, &mut s.xb);
            s.xq.quantize_for(&self.pool, &layer.w_gate, &s.xb, n); // gate and up share one input
            matmul(&self.pool, &layer.w_gate, &s.xq, &mut s.gate);
            matmul(&self.pool, &layer.w_up, &s.xq, &mut s.up);
            swiglu_threaded(&self.pool, &mut s.gate, &s.up);
            s.xq.quantize_for(&self.pool, &layer.w_down, &s.gate, n);
            matmul(&self.pool, &layer.w_down, &s.xq, &mut s.xb);
            add(&mut s.x, &s.xb);
        }

        self.pos += n;
        let Some(first) = logits_from else {
            self.s.logits.clear();
            return;
        };
        // Final norm and the projection to vocabulary logits.
        let rows = n - first;
        rms_norm(&s.x[first * d..], &m.output_norm, c.rms_eps, &mut s.xb[..rows * d]);
        s.xq.quantize_for(&self.pool, &m.output, &s.xb[..rows * d], rows);
        s.logits.resize(rows * c.vocab_size, 0.0);
        matmul(&self.pool, &m.output, &s.xq, &mut s.logits);
    }
}

fn add(x: &mut [f32], y: &[f32]) {
    for (a, b) in x.iter_mut().zip(y) {
        *a += b;
    }
}
